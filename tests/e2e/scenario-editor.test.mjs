// The JSON tab, errors at their path, and sharing through the URL, in real Chromium.

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

async function open(url, viewport = { width: 1280, height: 900 }) {
  const watched = await watchedPage(browser, site.url, { viewport });
  await watched.page.goto(url);
  await watched.page.locator('[data-rendered-by="wasm"]').waitFor({ timeout: 30_000 });
  return watched;
}

test('a bad value shows its JSON path and line, and keeps the last good scenario', async () => {
  const { page, problems } = await open(site.url);
  const title = await page.locator('.story-title').innerText();
  const editor = page.getByLabel('Scenario JSON');
  const good = await editor.inputValue();

  await editor.fill(good.replace('"BatchSize": 100', '"BatchSize": 10001'));
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /consumers\[0\]\.EventSourceMapping\.BatchSize: 10001 is above the maximum 10000/);
  assert.match(text, /line \d+, column \d+/);
  assert.equal(await page.locator('.story-title').innerText(), title);
  await screenshot(page, 'editor-error');

  await editor.fill('{ not json');
  assert.match(await alert.innerText(), /^\$: /);
  assert.equal(await page.locator('.story-title').innerText(), title);

  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('button', { name: 'Undo' }).click();
  assert.equal(await editor.inputValue(), good);
  assert.equal(await alert.count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the URL carries the scenario: a copied link reproduces it in a fresh page', async () => {
  const { page, problems } = await open(site.url);
  const editor = page.getByLabel('Scenario JSON');
  // The address bar follows the scenario a moment after an edit.
  await page.waitForFunction(() => location.hash.startsWith('#s='));
  const initial = await page.evaluate(() => location.hash);
  const edited = (await editor.inputValue()).replace('"ShardCount": 2', '"ShardCount": 3');
  await editor.fill(edited);
  await page.waitForFunction((h) => location.hash.startsWith('#s=') && location.hash !== h, initial);
  const link = page.url();
  await page.close();

  const context = await browser.newContext();
  const fresh = await context.newPage();
  await fresh.goto(link);
  await fresh.locator('[data-rendered-by="wasm"]').waitFor({ timeout: 30_000 });
  assert.equal(await fresh.getByLabel('Scenario JSON').inputValue(), edited);
  await context.close();
  assert.deepEqual(problems, []);
});

test('a damaged link falls back to a preset and says so', async () => {
  const { page, problems } = await open(`${site.url}#s=AAAA`);
  await page.getByRole('status').filter({ hasText: 'could not be opened' }).waitFor();
  assert.ok((await page.locator('.story-title').innerText()).length > 0);
  assert.deepEqual(problems, []);
  await page.close();
});

test('choosing a preset loads its story', async () => {
  const { page, problems } = await open(site.url);
  const select = page.getByLabel('Load a preset');
  const options = await select.locator('option').allInnerTexts();
  assert.ok(options.length >= 10, `presets: ${options}`);
  await select.selectOption({ index: 2 });
  assert.equal(await page.locator('.story-title').innerText(), options[2]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the default preset runs and shows the stream summary', async () => {
  const { page, problems } = await open(site.url);
  const stream = page.getByRole('table', { name: 'Stream summary' });
  await stream.waitFor({ timeout: 60_000 });
  const incoming = await stream.locator('tr', { hasText: 'incoming records' }).locator('td').innerText();
  assert.ok(Number(incoming.replaceAll(',', '')) > 0, `incoming records: ${incoming}`);
  await screenshot(page, 'run-summary');
  assert.deepEqual(problems, []);
  await page.close();
});

test('clicking an incident on the timeline explains it in the inspector', async () => {
  const { page, problems } = await open(site.url);
  const marker = page.locator('.marker.poison');
  await marker.waitFor({ timeout: 60_000 });
  await marker.locator('.hit').click();
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  assert.match(await inspector.innerText(), /poison record\(s\) with key k-42 written to shardId-\d{12}/);
  await screenshot(page, 'timeline-inspector');
  assert.deepEqual(problems, []);
  await page.close();
});

test('light and dark themes, each screenshotted', async () => {
  for (const scheme of ['light', 'dark']) {
    const { page, problems } = await open(site.url);
    await page.emulateMedia({ colorScheme: scheme });
    await page.getByRole('table', { name: 'Stream summary' }).waitFor({ timeout: 60_000 });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, scheme === 'dark' ? 'rgb(15, 18, 22)' : 'rgb(247, 248, 250)');
    await screenshot(page, `theme-${scheme}`);
    // The toggle flips to the other theme.
    await page.getByRole('button', { name: 'Switch between light and dark themes' }).click();
    const flipped = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(flipped, bg);
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('clicking a failed invocation explains it, with the AWS page', async () => {
  const { page, problems } = await open(site.url);
  const failed = page.locator('.inv.error').first();
  await failed.waitFor({ timeout: 60_000 });
  await failed.dispatchEvent('click');
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /Invocation: error|× error invocation/);
  assert.match(text, /poison record/);
  assert.match(text, /Why: function error: the whole batch is retried/);
  const link = inspector.getByRole('link', { name: 'AWS documentation' });
  assert.equal(await link.getAttribute('href'), 'https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html');
  await screenshot(page, 'inspector-invocation');
  assert.deepEqual(problems, []);
  await page.close();
});

test('invocation marks are one tab stop: arrows move between them, Enter inspects', async () => {
  const { page, problems } = await open(`${site.url}?preset=bounded-retries-on-failure`);
  const marks = page.locator('.invocations .inv');
  await marks.first().waitFor({ timeout: 60_000 });
  const stops = await page.locator('.invocations .inv[tabindex="0"]').count();
  assert.equal(stops, 1, 'one tab stop for all the marks');
  await marks.first().focus();
  const focused = () => page.evaluate(() => [...document.activeElement.parentNode.children].indexOf(document.activeElement));
  assert.equal(await focused(), 0);
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), 1);
  await page.keyboard.press('ArrowLeft');
  assert.equal(await focused(), 0);
  // The discarded batch (its OnFailure message) is the last mark of its kind: walk to it.
  const discard = await page.evaluate(() => [...document.querySelector('.invocations').children].findIndex((g) => g.classList.contains('discard')));
  assert.ok(discard > 0, 'a discard mark');
  for (let i = 0; i < discard; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await focused(), discard);
  await page.keyboard.press('Enter');
  const inspector = page.locator('.inspector .selection');
  await inspector.waitFor();
  const text = await inspector.innerText();
  assert.match(text, /OnFailure condition\s+RetryAttemptsExhausted/);
  assert.match(text, /approximateArrivalOfFirstRecord/);
  assert.match(text, /approximateArrivalOfLastRecord/);
  // The focused mark takes the tab stop (the group of marks hears their focus).
  const stop = () => page.evaluate(() => [...document.querySelector('.invocations').children].findIndex((g) => g.getAttribute('tabindex') === '0'));
  assert.equal(await stop(), discard);
  // A click on a mark's shape inspects that mark: the first one, a success or a failure.
  await marks.first().locator('path').dispatchEvent('click');
  await page.waitForFunction(() => !/OnFailure/.test(document.querySelector('.inspector .selection')?.innerText ?? 'OnFailure'));
  await page.locator('.invocations .inv.discard path').first().dispatchEvent('click');
  await page.waitForFunction(() => /RetryAttemptsExhausted/.test(document.querySelector('.inspector .selection')?.innerText ?? ''));
  await page.keyboard.press('End');
  assert.equal(await focused(), (await marks.count()) - 1);
  await page.keyboard.press('Home');
  assert.equal(await focused(), 0);
  await screenshot(page, 'inspector-keyboard');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the playhead scrubs, plays, jumps to the next incident, and counts at its time', async () => {
  const { page, problems } = await open(site.url);
  const counters = page.getByRole('table', { name: 'Counters at the playhead' });
  await counters.waitFor({ timeout: 60_000 });
  const processedAt = async () =>
    Number((await counters.locator('tbody tr').first().locator('td').first().innerText()).replaceAll(',', ''));
  const atEnd = await processedAt();
  // Scrub to the start: nothing processed yet.
  await page.getByLabel('Playhead time').fill('0');
  await page.locator('.playhead-time', { hasText: /^0$/ }).waitFor();
  assert.equal(await processedAt(), 0);
  // The next incident is the poison record at 1 h.
  await page.getByRole('button', { name: 'Next incident ▸' }).click();
  await page.locator('.playhead-time', { hasText: /^1h$/ }).waitFor();
  const atPoison = await processedAt();
  assert.ok(atPoison > 0 && atPoison < atEnd, `${atPoison} of ${atEnd}`);
  // Playing at 1 h/s moves the playhead on.
  await page.getByLabel('Playback speed').selectOption('3600');
  await page.getByRole('button', { name: 'Play' }).click();
  await page.waitForFunction(() => document.querySelector('.playhead-time').textContent !== '1h');
  await page.getByRole('button', { name: 'Pause' }).click();
  assert.ok((await processedAt()) >= atPoison);
  await screenshot(page, 'playhead');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a long run shows its progress over the last drawing, dimmed, and can be cancelled', async () => {
  const { page, problems } = await open(`${site.url}?preset=poison-blocks-a-shard`);
  const summary = page.locator('table[aria-label="Stream summary"]');
  await summary.waitFor();
  const editor = page.getByLabel('Scenario JSON');
  const story = await editor.inputValue();
  // Eight simulated days (the longest run allowed): many frames of simulation.
  await editor.fill(story.replace('"duration": "26h"', '"duration": "192h"'));
  const status = page.getByRole('status').filter({ hasText: 'Simulating' });
  await status.waitFor();
  // Meanwhile the last run stays on screen with its tables, marked busy.
  assert.equal(await page.locator('.run.stale[aria-busy="true"]').count(), 1);
  assert.equal(await page.locator('.run.stale table[aria-label="Stream summary"]').count(), 1);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Run cancelled. Edit the scenario to run it again.').waitFor();
  assert.equal(await summary.count(), 0);
  // An edit runs again (the last drawing, dimmed, until it is done).
  await editor.fill(story);
  await page.locator('.run:not(.stale) table[aria-label="Stream summary"]').waitFor();
  assert.equal(await page.locator('.run.stale').count(), 0);
  assert.deepEqual(problems, []);
  await page.close();
});
