// What the browser benchmarks measure in the page, shared by browser.mjs (one build) and
// ab.mjs (two builds alternated).

import fs from 'node:fs/promises';
import path from 'node:path';

export const SETTLE_MS = 400;
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Turns a knob (the first producer's rate, +1 record/s per round, so that every preset's run
 * changes) and resolves with the ms until the timeline shows the new run.
 */
export async function knobToRedraw(page, round) {
  return page.evaluate(async (round) => {
    const area = document.querySelector('textarea.json-editor');
    const before = document.querySelector('.timeline')?.dataset.run;
    const text = area.value.replace(/"records_per_second": (\d+)/, (_, n) => `"records_per_second": ${Number(n) + round}`);
    const t0 = performance.now();
    area.value = text;
    area.dispatchEvent(new Event('input', { bubbles: true }));
    // Done at the first frame after the timeline shows the new run (its data-run changes) (the frame that
    // paints it). A MutationObserver sees the change when it happens; polling once per frame
    // would see it up to a frame late and then wait one more.
    await new Promise((resolve) => {
      const current = () => document.querySelector('.timeline')?.dataset.run;
      const painted = () => requestAnimationFrame(() => resolve());
      if (current() && current() !== before) {
        painted();
        return;
      }
      const observer = new MutationObserver(() => {
        if (current() && current() !== before) {
          observer.disconnect();
          painted();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-run'] });
    });
    return performance.now() - t0;
  }, round);
}

/** The engine's own time for the run on screen (the page's `data-sim-ms`: slices only). */
export async function engineMs(page) {
  return Number(await page.locator('[data-sim-ms]').first().getAttribute('data-sim-ms'));
}

/** One knob change on a settled page, as a reader makes it: { m: to redraw, e: engine } in ms. */
export async function round(page, i) {
  // The address bar is written 300 ms after an edit; that work would otherwise land in the
  // next round.
  await page.waitForTimeout(SETTLE_MS);
  const m = await knobToRedraw(page, i);
  return { m, e: await engineMs(page) };
}

/**
 * The presets and tour stories of a built site, as `name` and `tour/name`, each with the query
 * that opens it (a tour story in the compare view) and what shows when it has run.
 */
export async function stories(dist, chosen) {
  const names = async (dir) =>
    (await fs.readdir(path.join(dist, dir))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  const presets = (await names('presets')).map((id) => ({
    id,
    query: `?preset=${id}`,
    ready: 'table[aria-label="Stream summary"]',
  }));
  const tour = (await names('presets/tour')).map((id) => ({
    id: `tour/${id}`,
    query: `?preset=tour/${id}&compare`,
    ready: 'section[aria-label="Services compared"]',
  }));
  return [...presets, ...tour].filter((s) => chosen(s.id));
}

/** Opens a story on a page and waits until its first run is drawn. */
export async function open(page, url, story) {
  await page.goto(url + story.query);
  await page.locator(story.ready).waitFor({ timeout: 120_000 });
}
