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
    const kinds = new Set((preset.consumers ?? []).map((c) => c.kind));
    if (kinds.has('lambda')) {
      assert.ok((await figure(page, 'Consumer summary', 'invocations')) > 0, id);
      await page.locator('.inv').first().waitFor();
    }
    if (kinds.has('firehose')) {
      assert.ok((await figure(page, 'Firehose summary', 'delivery batches')) > 0, id);
      await page.locator('.firehose-lane .fh').first().waitFor();
    }
    if (kinds.has('flink')) {
      assert.ok((await figure(page, 'Flink summary', 'checkpoints')) > 0, id);
      await page.locator('.flink-lane .fl').first().waitFor();
    }
    if (kinds.has('kda_sql')) {
      assert.ok((await figure(page, 'KDA SQL summary', 'windows emitted')) > 0, id);
      await page.locator('.kda-lane .kd').first().waitFor();
    }
    if (kinds.has('glue')) {
      assert.ok((await figure(page, 'Glue summary', 'job runs')) > 0, id);
      await page.locator('.glue-lane .gl').first().waitFor();
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

test('a Firehose batch that outlived its retry window explains itself, and the form offers its settings', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}?preset=firehose-opensearch-outage-to-backup`);
  await page.getByRole('table', { name: 'Firehose summary' }).waitFor({ timeout: 60_000 });
  // 3 batches × 28 attempts, and 3 more before OpenSearch came back (tests/preset_stories.rs).
  assert.equal(await figure(page, 'Firehose summary', 'failed delivery attempts'), 87);
  await page.locator('.firehose-lane .fh.to-backup').first().dispatchEvent('click');
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /Firehose buffer: to backup/);
  assert.match(text, /AmazonOpenSearchService-failed\//);
  assert.match(text, /delivery attempts\s+28/);
  assert.match(text, /Assumption/i);
  const link = inspector.getByRole('link', { name: 'AWS documentation' });
  assert.match(await link.getAttribute('href'), /firehose\/latest\/dev\/retry\.html/);
  await screenshot(page, 'inspector-firehose');
  await page.getByRole('tab', { name: 'Form' }).click();
  for (const name of ['SizeInMBs', 'IntervalInSeconds', 'DurationInSeconds', 'S3BackupMode', 'Enabled',
    'BufferSizeInMBs', 'BufferIntervalInSeconds', 'NumberOfRetries', 'latency_ms', 'dropped_share']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  const retry = page.getByLabel('DurationInSeconds', { exact: true });
  assert.equal(await retry.inputValue(), '300');
  await retry.fill('0');
  await retry.dispatchEvent('change');
  // No retry: every batch that meets the outage fails once and goes to the backup at once.
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('table[aria-label="Firehose summary"] tr')]
      .find((r) => r.textContent.includes('failed delivery attempts'));
    return row && Number(row.querySelector('td').textContent.replaceAll(',', '')) < 87;
  }, null, { timeout: 30_000 });
  await page.getByLabel('Add a timeline entry').selectOption('backup_outage');
  await page.locator('.timeline-entries li', { hasText: 'backup_outage' }).waitFor();
  await screenshot(page, 'form-firehose');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a Flink restart loop explains itself, and the form offers its settings', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}?preset=flink-poison-restart-loop`);
  await page.getByRole('table', { name: 'Flink summary' }).waitFor({ timeout: 60_000 });
  // From 5 min to the fix at 15 min: a failure every 10 s (tests/preset_stories.rs).
  assert.equal(await figure(page, 'Flink summary', 'restarts'), 60);
  await page.locator('.flink-lane .fl-status.restarting').first().waitFor();
  await page.locator('.flink-lane .fl.failure').first().dispatchEvent('click');
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /Flink failure/);
  assert.match(text, /10 s fixed delay/);
  assert.match(text, /Assumption/i);
  const link = inspector.getByRole('link', { name: 'AWS documentation' });
  assert.match(await link.getAttribute('href'), /troubleshooting-rt-restarts\.html/);
  await screenshot(page, 'inspector-flink');
  await page.getByRole('tab', { name: 'Form' }).click();
  for (const name of ['Parallelism', 'ParallelismPerKPU', 'AutoScalingEnabled', 'CheckpointInterval',
    'SnapshotsEnabled', 'InitialPosition', 'enhanced_fan_out', 'per_record_us', 'sink', 'on_poison']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  // A shorter checkpoint interval replays less: fewer duplicates.
  const before = await figure(page, 'Flink summary', 'duplicates at sink');
  const interval = page.getByLabel('CheckpointInterval', { exact: true });
  await interval.fill('10000');
  await interval.dispatchEvent('change');
  await page.waitForFunction((b) => {
    const row = [...document.querySelectorAll('table[aria-label="Flink summary"] tr')]
      .find((r) => r.textContent.includes('duplicates at sink'));
    return row && Number(row.querySelector('td').textContent.replaceAll(',', '')) < b;
  }, before, { timeout: 30_000 });
  // Enhanced fan-out: after each restore the first push comes after that instant's
  // step, so the loop takes 11 s instead of 10 s: fewer restarts.
  await page.getByLabel('enhanced_fan_out', { exact: true }).check();
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('table[aria-label="Flink summary"] tr')]
      .find((r) => r.textContent.includes('restarts'));
    return row && Number(row.querySelector('td').textContent.replaceAll(',', '')) < 60;
  }, null, { timeout: 30_000 });
  await page.getByLabel('Add a timeline entry').selectOption('create_snapshot');
  await page.locator('.timeline-entries li', { hasText: 'create_snapshot' }).waitFor();
  await screenshot(page, 'form-flink');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a failed Glue run explains itself, and the form offers its settings', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}?preset=glue-poison-fails-the-run`);
  await page.getByRole('table', { name: 'Glue summary' }).waitFor({ timeout: 60_000 });
  // 1 run + MaxRetries 2, each trying the poison batch 1 + 3 times (tests/preset_stories.rs).
  assert.equal(await figure(page, 'Glue summary', 'failed runs'), 3);
  assert.equal(await figure(page, 'Glue summary', 'failed batch attempts'), 12);
  await page.locator('.glue-lane .gl-status.failed').first().waitFor();
  await page.locator('.glue-lane .gl.batch-failed').first().dispatchEvent('click');
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /Glue batch attempt raised/);
  assert.match(text, /1 s, 2 s, then 5 s/);
  assert.match(text, /again in 1 s/);
  assert.match(text, /Assumption/i);
  await screenshot(page, 'inspector-glue');
  await page.getByRole('tab', { name: 'Form' }).click();
  for (const name of ['GlueVersion', 'WorkerType', 'NumberOfWorkers', 'MaxRetries', '--enable-auto-scaling',
    'StartingPosition', 'MaxFetchRecordsPerShard', 'MaxFetchTimeInMs', 'EnableFanOut', 'windowSize',
    'batchMaxRetries', 'per_record_us', 'error_rate']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  // Without MaxRetries the first FAILED run is the last.
  const retries = page.getByLabel('MaxRetries', { exact: true });
  await retries.fill('0');
  await retries.dispatchEvent('change');
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('table[aria-label="Glue summary"] tr')]
      .find((r) => r.textContent.includes('job runs'));
    return row && Number(row.querySelector('td').textContent.replaceAll(',', '')) === 1;
  }, null, { timeout: 30_000 });
  await page.getByLabel('Add a timeline entry').selectOption('reset_checkpoint');
  await page.locator('.timeline-entries li', { hasText: 'reset_checkpoint' }).waitFor();
  await screenshot(page, 'form-glue');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a KDA SQL outage stalls the application and says why; the service is labelled retired', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}?preset=kda-sql-destination-outage-stalls`);
  await page.getByRole('table', { name: 'KDA SQL summary' }).waitFor({ timeout: 60_000 });
  assert.match(await page.getByRole('table', { name: 'KDA SQL summary' }).innerText(), /retired/);
  assert.ok((await figure(page, 'KDA SQL summary', 'duplicates')) > 6_000);
  await page.locator('.kda-lane .kd-status.stalled').first().dispatchEvent('click');
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /ingestion stalls/);
  assert.match(text, /retries a destination indefinitely/);
  await screenshot(page, 'inspector-kda-sql');
  await page.getByRole('tab', { name: 'Form' }).click();
  await page.getByText('(retired: shown for migration)').first().waitFor();
  for (const name of ['Count', 'InputStartingPosition', 'type', 'size', 'per_record_us']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  assert.equal(await page.getByLabel('latency_ms', { exact: true }).count(), 2);
  await screenshot(page, 'form-kda-sql');
  assert.deepEqual(problems, []);
  await page.close();
});
