// Hosting: the built site under a strict Content-Security-Policy and from a sub-path, and
// no request beyond its own files.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, watchedPage } from './support.mjs';

/** The policy an embedding page may send (issue: embedding). */
const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function loads(site) {
  const { page, problems } = await watchedPage(browser, site.url, {
    viewport: { width: 1280, height: 900 },
  });
  await page.goto(site.url);
  await page.getByRole('table', { name: 'Stream summary' }).waitFor({ timeout: 60_000 });
  return { page, problems };
}

test('runs under a strict CSP: no inline script, no inline style, no eval', async () => {
  const site = await serve(undefined, { headers: { 'content-security-policy': STRICT_CSP } });
  try {
    const { page, problems } = await loads(site);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await site.close();
  }
});

test('works from a sub-path of a static host', async () => {
  const site = await serve(undefined, { prefix: '/blog/shardscope/' });
  try {
    const { page, problems } = await loads(site);
    assert.deepEqual(problems, []);
    assert.ok(site.requests.every((p) => p.startsWith('/blog/shardscope/')), site.requests.join(' '));
    await page.close();
  } finally {
    await site.close();
  }
});

test('makes no request after load, even when the reader edits and shares', async () => {
  const site = await serve();
  try {
    const { page, problems } = await loads(site);
    const before = site.requests.length;
    const editor = page.getByLabel('Scenario JSON');
    await editor.fill((await editor.inputValue()).replace('"ShardCount": 2', '"ShardCount": 3'));
    await page.getByLabel('Load a preset').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.waitForTimeout(500);
    assert.equal(site.requests.length, before, site.requests.slice(before).join(' '));
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await site.close();
  }
});
