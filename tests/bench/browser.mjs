// The browser benchmark behind `cargo xtask bench` (not a test: it reports, it does not
// judge). Against the built site in headless Chromium:
//  1. for each preset, the time from a knob change (a seed edit, so the run is redone) to the
//     redrawn timeline and summary — the goal is a median under 16 ms, one frame;
//  2. the engine's speed in wasm against the native CLI on design.md's reference scenario
//     (goal: within 2×): the page's own measure of its simulation time (`data-sim-ms`, the
//     frames' slices without the pauses between them) against the CLI's whole run.
// Medians of several runs; printed as a table.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { serve, launch, DIST } from '../e2e/support.mjs';
import { median, round, stories, open } from './measure.mjs';

const ROUNDS = Number(process.env.SHARDSCOPE_BENCH_ROUNDS ?? 5);
// SHARDSCOPE_BENCH_ONLY=name,tour/name,…: only these presets and stories (and no reference run).
const ONLY = (process.env.SHARDSCOPE_BENCH_ONLY ?? '').split(',').filter(Boolean);
const chosen = (id) => ONLY.length === 0 || ONLY.includes(id);
const CLI = process.env.SHARDSCOPE_CLI;

/** ROUNDS knob changes: the median ms to the redrawn timeline (m) and of the engine alone (e). */
async function rounds(page) {
  const times = [];
  const engine = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round(page, i + 1);
    times.push(r.m);
    engine.push(r.e);
  }
  return { m: median(times), e: median(engine) };
}

const site = await serve();
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const all = await stories(DIST, chosen);

console.log(`\nKnob change → redrawn timeline, median of ${ROUNDS} (goal < 16 ms):`);
const rows = [];
for (const story of all.filter((s) => !s.id.startsWith('tour/'))) {
  await open(page, site.url, story);
  const { m, e } = await rounds(page);
  rows.push([story.id, m]);
  const verdict = m < 16 ? 'ok  ' : 'over';
  console.log(`  ${story.id.padEnd(40)} ${m.toFixed(1).padStart(8)} ms ${verdict} (engine ${e.toFixed(1)} ms)`);
}
const over = rows.filter(([, m]) => m >= 16).length;
console.log(`  ${rows.length - over} of ${rows.length} presets within one frame`);

// The compare view: each 1 h tour story with all five services, each on its own copy of the
// stream (five runs merged into one drawing); the same knob, the shared producer's rate.
console.log(`\nCompare view, all five services, knob change → redrawn, median of ${ROUNDS} (goal < 16 ms):`);
for (const story of all.filter((s) => s.id.startsWith('tour/'))) {
  await open(page, site.url, story);
  const { m, e } = await rounds(page);
  console.log(`  ${story.id.padEnd(40)} ${m.toFixed(1).padStart(8)} ms ${m < 16 ? 'ok  ' : 'over'} (engine ${e.toFixed(1)} ms)`);
}

if (ONLY.length > 0) {
  await browser.close();
  await site.close();
  process.exit(0);
}

// The engine in wasm vs native, on the reference scenario (one simulated hour, 51.8 M records).
const reference = await fs.readFile(new URL('./reference.json', import.meta.url), 'utf8');
await page.goto(`${site.url}#json=${encodeURIComponent(reference)}`);
await page.locator('table[aria-label="Stream summary"]').waitFor({ timeout: 300_000 });
const wasm = [];
const engine = [];
for (let i = 0; i < 3; i++) {
  const r = await round(page, i + 1);
  wasm.push(r.m);
  engine.push(r.e);
}
let native = [];
if (CLI) {
  const file = new URL('./reference.json', import.meta.url).pathname;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(CLI, ['simulate', file, '--json'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    native.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
console.log('\nEngine on the reference scenario (1 h, 16 shards, 51.8 M records), median of 3:');
console.log(`  wasm, in the page (simulate + draw)   ${median(wasm).toFixed(0).padStart(7)} ms`);
console.log(`  wasm engine alone (simulate)         ${median(engine).toFixed(0).padStart(7)} ms`);
if (native.length) {
  console.log(`  native CLI (simulate + print)        ${median(native).toFixed(0).padStart(7)} ms`);
  console.log(`  wasm engine / native                 ${(median(engine) / median(native)).toFixed(2).padStart(7)} × (goal ≤ 2×)`);
}
await browser.close();
await site.close();
