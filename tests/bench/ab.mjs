// Two builds of the site compared in one headless Chromium (not a test: it reports). On a
// busy machine one build's medians move by a third from one run to the next, more than most
// changes do; so the two builds are opened side by side and each knob change is made on one
// and then the other (the order alternating), and each round's engine times are compared as
// a pair. A/A runs (the same build twice) stay within about 10 %.
//
//   SHARDSCOPE_BENCH_BASE=<dist before> SHARDSCOPE_DIST=<dist after> node tests/bench/ab.mjs
//
// SHARDSCOPE_BENCH_ONLY=name,tour/name,… picks presets and stories (all by default);
// SHARDSCOPE_BENCH_ROUNDS sets the knob changes per build (15 by default).

import { serve, launch, DIST } from '../e2e/support.mjs';
import { median, round, stories, open } from './measure.mjs';

const BASE = process.env.SHARDSCOPE_BENCH_BASE;
if (!BASE) {
  console.error('SHARDSCOPE_BENCH_BASE: the dist/ of the build to compare with is not set');
  process.exit(2);
}
const ROUNDS = Number(process.env.SHARDSCOPE_BENCH_ROUNDS ?? 15);
const ONLY = (process.env.SHARDSCOPE_BENCH_ONLY ?? '').split(',').filter(Boolean);
const chosen = (id) => ONLY.length === 0 || ONLY.includes(id);

// Cross-origin isolated, so that performance.now() counts in microseconds, not in steps of
// 0.1 ms (the page loads nothing from elsewhere, so the headers change nothing else).
const isolated = {
  headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
};
const sites = [await serve(BASE, isolated), await serve(DIST, isolated)];
const browser = await launch();
const pages = [];
for (let i = 0; i < 2; i++) pages.push(await browser.newPage({ viewport: { width: 1280, height: 900 } }));
const fmt = (x) => x.toFixed(1).padStart(7);

console.log(`\nKnob change → redrawn (total) and the engine's share, median of ${ROUNDS} rounds a build, ms;`);
console.log('after/before: the median of the rounds\' engine-time ratios; drawing: the rest (total − engine),');
console.log('before → after, and the median of the rounds\' differences (after − before)\n');
console.log(`  ${'preset or story'.padEnd(40)} ${'before'.padStart(16)} ${'after'.padStart(16)}  after/before  drawing`);
for (const story of await stories(DIST, chosen)) {
  for (let i = 0; i < 2; i++) await open(pages[i], sites[i].url, story);
  const runs = [[], []];
  for (let r = 1; r <= ROUNDS; r++) {
    const order = r % 2 ? [0, 1] : [1, 0];
    for (const i of order) runs[i].push(await round(pages[i], r));
  }
  const [b, a] = runs.map((rs) => `${fmt(median(rs.map((x) => x.m)))} (${fmt(median(rs.map((x) => x.e)))})`);
  const ratio = median(runs[1].map((x, i) => x.e / runs[0][i].e));
  const rest = (x) => x.m - x.e;
  const [rb, ra] = runs.map((rs) => median(rs.map(rest)).toFixed(1));
  const delta = median(runs[1].map((x, i) => rest(x) - rest(runs[0][i])));
  const drawing = `${rb} → ${ra} (${delta >= 0 ? '+' : ''}${delta.toFixed(1)})`;
  console.log(`  ${story.id.padEnd(40)} ${b} ${a}  ${ratio.toFixed(2).padStart(6)}        ${drawing}`);
}
await browser.close();
for (const s of sites) await s.close();
