// The app shell, built for release, in real Chromium.

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

test('the shell is rendered by the wasm app, not by static HTML', async () => {
  const raw = await (await fetch(site.url)).text();
  assert.ok(!raw.includes('Inspector'), 'index.html must not contain the shell itself');

  const { page, problems } = await watchedPage(browser, site.url, {
    viewport: { width: 1280, height: 800 },
  });
  await page.goto(site.url);
  const shell = page.locator('[data-rendered-by="wasm"]');
  await shell.waitFor({ timeout: 30_000 });

  assert.equal(await page.title(), 'Shardscope');
  for (const heading of ['Scenario', 'Timeline', 'Inspector']) {
    assert.equal(await page.getByRole('heading', { name: heading }).count(), 1, heading);
  }
  const version = await page.locator('.version').innerText();
  assert.match(version, /^v\d+\.\d+\.\d+ · engine \d+\.\d+\.\d+$/);

  await screenshot(page, 'shell-desktop');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the shell fits a 360 px phone without horizontal scrolling', async () => {
  const { page, problems } = await watchedPage(browser, site.url, {
    viewport: { width: 360, height: 740 },
  });
  await page.goto(site.url);
  await page.locator('[data-rendered-by="wasm"]').waitFor({ timeout: 30_000 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0, 'page is wider than the phone');
  await screenshot(page, 'shell-phone');
  assert.deepEqual(problems, []);
  await page.close();
});
