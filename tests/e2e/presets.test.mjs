// Every preset loads from the picker, runs, and shows its key numbers; one screenshot each.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { serve, launch, watchedPage, screenshot, DIST } from './support.mjs';

let site;
let browser;

before(async () => {
  site = await serve();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** The number in the summary table `table` on the row labelled `row` (first column). */
async function figure(page, table, row) {
  const cell = page.getByRole('table', { name: table }).locator('tr', { hasText: row }).locator('td').first();
  return Number((await cell.innerText()).replaceAll(',', ''));
}

test('every preset runs and shows its key numbers', async () => {
  const ids = (await fs.readdir(path.join(DIST, 'presets')))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));
  assert.ok(ids.length >= 9, ids.join(' '));
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(site.url);
  await page.locator('[data-rendered-by="wasm"]').waitFor({ timeout: 30_000 });
  for (const id of ids) {
    const preset = JSON.parse(await fs.readFile(path.join(DIST, 'presets', `${id}.json`), 'utf8'));
    await page.getByLabel('Load a preset').selectOption({ value: id });
    await page.locator('.story-title', { hasText: preset.title }).waitFor();
    await page.getByRole('table', { name: 'Stream summary' }).waitFor({ timeout: 60_000 });
    assert.ok((await figure(page, 'Stream summary', 'incoming records')) > 0, id);
    if (preset.consumers?.length) {
      assert.ok((await figure(page, 'Consumer summary', 'invocations')) > 0, id);
      await page.locator('.inv').first().waitFor();
    }
    // A replay from an earlier position is drawn as a jump back in time.
    if ((preset.timeline ?? []).some((e) => e.do === 'recreate_mapping' && e.StartingPosition !== 'LATEST')) {
      await page.locator('.rewind').first().waitFor();
    }
    await screenshot(page, `preset-${id}`);
  }
  // Two stories' numbers, as their descriptions promise.
  await page.getByLabel('Load a preset').selectOption({ value: 'bounded-retries-on-failure' });
  await page.locator('.story-title', { hasText: 'Bounded retries' }).waitFor();
  await page.getByRole('table', { name: 'Consumer summary' }).waitFor({ timeout: 60_000 });
  assert.equal(await figure(page, 'Consumer summary', 'failed invocations'), 3);
  assert.equal(await figure(page, 'Consumer summary', 'OnFailure messages'), 1);
  await page.getByLabel('Load a preset').selectOption({ value: 'parallelization-and-hot-keys' });
  await page.locator('.story-title', { hasText: 'ParallelizationFactor' }).waitFor();
  await page.getByRole('table', { name: 'Consumer summary' }).waitFor({ timeout: 60_000 });
  assert.equal(await figure(page, 'Consumer summary', 'max concurrency'), 13);
  assert.deepEqual(problems, []);
  await page.close();
});

test('changing MaximumRetryAttempts in the JSON changes the summary as the engine says', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(site.url);
  await page.getByLabel('Load a preset').selectOption({ value: 'bounded-retries-on-failure' });
  await page.getByRole('table', { name: 'Consumer summary' }).waitFor({ timeout: 60_000 });
  const editor = page.getByLabel('Scenario JSON');
  await editor.fill((await editor.inputValue()).replace('"MaximumRetryAttempts": 2', '"MaximumRetryAttempts": 5'));
  // 1 try + 5 retries.
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('table[aria-label="Consumer summary"] tr')]
      .find((r) => r.textContent.includes('failed invocations'));
    return row && row.querySelector('td').textContent === '6';
  }, null, { timeout: 30_000 });
  assert.deepEqual(problems, []);
  await page.close();
});

test('the form edits every mapping setting by its AWS name, in step with the JSON', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}?preset=bounded-retries-on-failure`);
  await page.getByRole('table', { name: 'Consumer summary' }).waitFor({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Form' }).click();
  for (const name of ['BatchSize', 'MaximumBatchingWindowInSeconds', 'ParallelizationFactor', 'StartingPosition',
    'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'FunctionResponseTypes',
    'TumblingWindowInSeconds', 'Destination', 'enhanced_fan_out', 'Timeout', 'ReservedConcurrentExecutions']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  const retries = page.getByLabel('MaximumRetryAttempts', { exact: true });
  assert.equal(await retries.inputValue(), '2');
  await retries.fill('5');
  await retries.dispatchEvent('change');
  // 1 try + 5 retries.
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('table[aria-label="Consumer summary"] tr')]
      .find((r) => r.textContent.includes('failed invocations'));
    return row && row.querySelector('td').textContent === '6';
  }, null, { timeout: 30_000 });
  await page.getByLabel('Add a timeline entry').selectOption('deploy');
  await page.locator('.timeline-entries li', { hasText: 'deploy' }).waitFor();
  await screenshot(page, 'form');
  await page.getByRole('tab', { name: 'JSON' }).click();
  const json = await page.getByLabel('Scenario JSON').inputValue();
  assert.match(json, /"MaximumRetryAttempts": 5/);
  assert.match(json, /"do": "deploy"/);
  assert.deepEqual(problems, []);
  await page.close();
});
