// The compare view, the tour of the article and the cost estimate (issue 15).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, watchedPage, screenshot } from './support.mjs';

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

async function open(query, viewport = { width: 1280, height: 900 }) {
  const { page, problems } = await watchedPage(browser, site.url, { viewport });
  await page.goto(`${site.url}${query}`);
  await page.locator('[data-rendered-by="wasm"]').waitFor({ timeout: 30_000 });
  return { page, problems };
}

/** The compare table's verdicts, by consumer name. */
async function verdicts(page) {
  const table = page.getByRole('region', { name: 'Services compared' });
  await table.waitFor({ timeout: 60_000 });
  const out = {};
  for (const li of await table.locator('li.verdict').all()) {
    out[await li.getAttribute('data-consumer')] = await li.locator('span').innerText();
  }
  return out;
}

test('one poison record, all five services compared: a different outcome each', async () => {
  const { page, problems } = await open('?preset=tour/error-handling&compare');
  const v = await verdicts(page);
  assert.deepEqual(Object.keys(v).sort(), ['firehose', 'flink', 'glue', 'kda-sql', 'lambda']);
  assert.match(v.lambda, /retries a failing batch until its records expire: \d+ failed invocations, the shard blocked/);
  assert.match(v.flink, /failed and restarted \d+ times from its last checkpoint/);
  assert.match(v['kda-sql'], /sent 1 bad row to error_stream and went on/);
  assert.match(v.firehose, /the transform failed 1 record into processing-failed\/ in S3/);
  assert.match(v.glue, /3 of 3 runs FAILED/);
  assert.equal(new Set(Object.values(v)).size, 5);
  // One time axis: every service's lanes in one drawing, under the shards.
  for (const lane of ['.firehose-lane', '.flink-lane', '.kda-lane', '.glue-lane']) {
    assert.equal(await page.locator(lane).count(), 1, lane);
  }
  assert.ok((await page.locator('.inv').count()) > 0);
  // Each reads its own copy of the stream: nobody is read-throttled.
  const throttled = page.getByRole('table', { name: 'Stream summary' }).locator('tr', { hasText: 'read-throttled calls' }).locator('td');
  assert.equal(await throttled.innerText(), '0');
  await screenshot(page, 'compare-poison');
  // Sharing the read limits: five readers of two shards exceed 5 calls a second.
  await page.getByLabel(/Share the shards' read limits/).check();
  await page.waitForFunction(() => location.search.includes('shared'));
  await page.waitForFunction(() => {
    const row = [...document.querySelectorAll('table[aria-label="Stream summary"] tr')].find((r) => r.textContent.includes('read-throttled calls'));
    return row && Number(row.querySelector('td').textContent.replaceAll(',', '')) > 1000;
  }, null, { timeout: 60_000 });
  // Leaving one out: its row goes, and the address bar names the others.
  await page.getByLabel('glue (Glue streaming)').uncheck();
  await page.waitForFunction(() => document.querySelectorAll('.compare li.verdict').length === 4, null, { timeout: 60_000 });
  assert.match(page.url(), /compare=lambda,firehose,flink,kda-sql&shared/);
  // The link reproduces the view: the same four, sharing the read limits.
  await page.waitForFunction(() => location.hash.startsWith('#s='));
  const link = page.url();
  const context = await browser.newContext();
  const fresh = await context.newPage();
  await fresh.goto(link);
  assert.deepEqual(Object.keys(await verdicts(fresh)).sort(), ['firehose', 'flink', 'kda-sql', 'lambda']);
  assert.equal(await fresh.getByLabel(/Share the shards' read limits/).isChecked(), true);
  assert.equal(await fresh.getByLabel('glue (Glue streaming)').isChecked(), false);
  await context.close();
  assert.deepEqual(problems, []);
  await page.close();
});

test('the tour grid opens every cell with its question and an answer from the run', async () => {
  const { page, problems } = await open('?tour');
  const cells = page.locator('.tour-grid a[data-cell]');
  assert.equal(await cells.count(), 20);
  for (let i = 0; i < 20; i++) {
    await page.getByRole('tab', { name: 'Tour of the article' }).click();
    const cell = page.locator('.tour-grid a[data-cell]').nth(i);
    const question = await cell.getAttribute('aria-label');
    await cell.click();
    await page.locator('.tour-caption figcaption', { hasText: question }).waitFor();
    const answer = page.locator('.tour-caption .answer');
    await page.waitForFunction(() => !document.querySelector('.tour-caption .answer').textContent.startsWith('Running'), null, { timeout: 60_000 });
    const text = await answer.innerText();
    // Two sentences: the verdict, then the figures the question looks at.
    assert.equal(text.split(/\. (?=[A-Z])/).length, 2, `${question}: ${text}`);
    assert.equal(await page.locator('.compare li.verdict').count(), 1, question);
    assert.match(page.url(), /\?preset=tour\/[a-z-]+&compare=[a-z-]+/);
  }
  await screenshot(page, 'tour-cell');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a tour cell embeds with its caption', async () => {
  const { page, problems } = await open('?embed&preset=tour/scaling&compare=glue', { width: 640, height: 800 });
  await page.locator('.tour-caption figcaption', { hasText: 'How does AWS Glue streaming scale when traffic grows?' }).waitFor();
  await page.waitForFunction(() => /workers/.test(document.querySelector('.tour-caption .answer').textContent), null, { timeout: 60_000 });
  await screenshot(page, 'tour-embed');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the cost of 2 shards for an hour with 900,000 PUT payload units is its formula', async () => {
  // 2 shard-hours × $0.015 + 0.9 M units × $0.014 = $0.03 + $0.0126 = $0.0426.
  const scenario = {
    format: 'shardscope/1', title: 'Cost', description: 'Two shards, an hour.', duration: '1h',
    stream: { ShardCount: 2 },
    producers: [{ name: 'p', records_per_second: 250, record_bytes: 1000, partition_keys: 1000 }],
  };
  const { page, problems } = await open(`#json=${encodeURIComponent(JSON.stringify(scenario))}`);
  const table = page.getByRole('table', { name: 'Cost estimate' });
  await table.waitFor({ timeout: 60_000 });
  const rows = (await table.locator('tbody tr').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim()));
  assert.deepEqual(rows, [
    ['stream', 'shard-hour', '2', '$0.0300'],
    ['stream', 'million PUT payload units (25 KB)', '0.9', '$0.0126'],
    ['stream', 'total', '', '$0.0426'],
  ]);
  assert.match(await table.locator('caption').innerText(), /^Cost: \$0\.0426 \(estimate, us-east-1, prices checked \d{4}-\d\d-\d\d; no free tier\)$/);
  assert.deepEqual(problems, []);
  await page.close();
});
