// The page's chart drawing and its engine in wasm, timed in node (V8, as in Chromium): every
// chart line of a story laid out and written as path text, as a redraw does, and the story's
// run (views/bench). Not a test: it reports. In the page a redraw's drawing moves by half a
// millisecond from run to run and the engine by a tenth; here runs repeat within a few per
// cent, enough to judge a change to the chart code or to the engine's hot paths.
//
//   cargo build --release --target wasm32-unknown-unknown -p shardscope-views-bench
//   node tests/bench/views.mjs
//
// SHARDSCOPE_VIEWS_WASM: the module (target/wasm32-unknown-unknown/release/… by default);
// SHARDSCOPE_VIEWS_WASM_BASE: a module built before a change, timed alternately with it.

import fs from 'node:fs';
import path from 'node:path';

const built = path.resolve('target/wasm32-unknown-unknown/release/shardscope_views_bench.wasm');
const files = [process.env.SHARDSCOPE_VIEWS_WASM_BASE, process.env.SHARDSCOPE_VIEWS_WASM ?? built].filter(Boolean);
const modules = [];
for (const f of files) modules.push((await WebAssembly.instantiate(fs.readFileSync(f), {})).instance.exports);
// views/bench's STORIES, in its order.
const STORIES = ['shared-throughput-vs-enhanced-fan-out', 'poison-blocks-a-shard', 'tour/scaling', 'buggy-deploy-and-replay'];
const CHARTED = 3;
const ROUNDS = 40;
const TIMES = 5;
const RUNS = 15;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const head = files.length === 2 ? `${'before'.padStart(9)} ${'after'.padStart(9)}  after/before` : 'ms'.padStart(9);

// `run(module)` timed `rounds` times for each module, the modules in turn (the first one
// alternating; `run` returns its own time in ms, or nothing to be timed whole); then a row:
// each module's median and, for two, the median of the ratios.
function row(story, rounds, digits, run) {
  const ms = modules.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < modules.length; k++) {
      const j = r % 2 ? k : modules.length - 1 - k;
      const t0 = performance.now();
      ms[j].push(run(modules[j]) ?? performance.now() - t0);
    }
  }
  const cells = ms.map((m) => median(m).toFixed(digits).padStart(9)).join(' ');
  const ratio = ms.length === 2 ? `  ${median(ms[1].map((x, r) => x / ms[0][r])).toFixed(2).padStart(6)}` : '';
  console.log(`  ${story.padEnd(40)} ${cells}${ratio}`);
}

// The engine: each story's run (parsing, simulation, trace).
console.log(`\nThe engine's run, median of ${RUNS} rounds, ms\n\n  ${'story'.padEnd(40)} ${head}`);
for (const [i, story] of STORIES.entries()) {
  for (const m of modules) if (m.setup(i) === 0) throw new Error(`${story}: did not run`);
  row(story, RUNS, 2, (m) => void m.setup(i));
}

console.log(`\nThe charts of a redraw, median of ${ROUNDS} rounds, ms\n\n  ${'story'.padEnd(40)} ${head}`);
for (const [i, story] of STORIES.slice(0, CHARTED).entries()) {
  if (modules.some((m) => m.setup(i) === 0)) throw new Error(`${story}: did not run`);
  for (const m of modules) m.redraw(3);
  row(story, ROUNDS, 3, (m) => {
    const t0 = performance.now();
    m.redraw(TIMES);
    return (performance.now() - t0) / TIMES;
  });
}
