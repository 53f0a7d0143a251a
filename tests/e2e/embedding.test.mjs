// Embedding: the example pages under a strict CSP, self-sizing iframes, knobs, "Open in
// Shardscope", and a workshop challenge turning from failing to met.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serve, launch, watchedPage, screenshot } from './support.mjs';

const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

let site;
let browser;

before(async () => {
  site = await serve(undefined, { headers: { 'content-security-policy': STRICT_CSP } });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await site?.close();
});

/** The player inside `iframe` once its run is done. */
async function player(iframe) {
  const frame = await (await iframe.elementHandle()).contentFrame();
  await frame.locator('.summary-line').waitFor({ timeout: 60_000 });
  return frame;
}

test('the blog page: two embeds that size themselves, a static SVG, no CSP violation', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 900, height: 900 } });
  await page.goto(`${site.url}examples/blog.html`);
  const frames = page.locator('iframe');
  await frames.first().scrollIntoViewIfNeeded();
  assert.equal(await frames.count(), 2);
  for (let i = 0; i < 2; i++) {
    await frames.nth(i).scrollIntoViewIfNeeded();
    const frame = await player(frames.nth(i));
    // The player told the page its height and the page applied it.
    const inner = await frame.evaluate(() => document.querySelector('.embed').scrollHeight);
    await page.waitForFunction(
      ([n, h]) => Math.abs(document.querySelectorAll('iframe')[n].getBoundingClientRect().height - h) <= 2,
      [i, inner],
    );
  }
  const svg = page.locator('img[src="poison-blocks-a-shard.svg"]');
  assert.ok(await svg.evaluate((img) => img.complete && img.naturalWidth > 0));
  await screenshot(page, 'example-blog');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a knob in an embed changes its summary, and "Open in Shardscope" carries the state', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 900, height: 900 } });
  await page.goto(`${site.url}examples/blog.html`);
  const frame = await player(page.locator('iframe').first());
  const before = await frame.locator('.summary-line').innerText();
  assert.match(before, /enricher: [\d,]+ processed · \d+ discarded/);
  const knob = frame.getByLabel('MaximumRetryAttempts');
  assert.equal(await knob.inputValue(), '2');
  await knob.fill('-1');
  await knob.dispatchEvent('change');
  // With retries unbounded nothing is discarded any more.
  await frame.locator('.summary-line', { hasText: '0 discarded' }).waitFor({ timeout: 60_000 });
  assert.notEqual(await frame.locator('.summary-line').innerText(), before);

  const href = await frame.getByRole('link', { name: 'Open in Shardscope' }).getAttribute('href');
  assert.match(href, /^\.\/#s=/);
  const full = await browser.newPage();
  await full.goto(new URL(href, frame.url()).href);
  await full.getByLabel('Scenario JSON').waitFor({ timeout: 30_000 });
  assert.match(await full.getByLabel('Scenario JSON').inputValue(), /"MaximumRetryAttempts": -1/);
  await full.close();
  assert.deepEqual(problems, []);
  await page.close();
});

test('a workshop challenge turns from failing to met when the right knob is set', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 900, height: 1200 } });
  await page.goto(`${site.url}examples/workshop.html`);
  const frame = await player(page.locator('iframe').nth(1));
  const status = frame.locator('.challenge-status');
  await status.filter({ hasText: 'Not met yet' }).waitFor({ timeout: 60_000 });
  await frame.getByLabel('BisectBatchOnFunctionError').check();
  await status.filter({ hasText: 'Challenge met' }).waitFor({ timeout: 60_000 });
  await screenshot(page, 'example-workshop');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the embed alone fits a 320 px wide column', async () => {
  const { page, problems } = await watchedPage(browser, site.url, { viewport: { width: 320, height: 700 } });
  await page.goto(`${site.url}index.html?embed&preset=presets/challenge-keep-up.json`);
  await page.locator('.summary-line').waitFor({ timeout: 60_000 });
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0);
  await screenshot(page, 'embed-320');
  assert.deepEqual(problems, []);
  await page.close();
});

test('embedded from another origin: sandboxed, sized, and deaf to strangers', async () => {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const path = await import('node:path');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'shardscope-host-'));
  await fs.writeFile(
    path.join(dir, 'index.html'),
    `<!doctype html><html><head><link rel="icon" href="data:,"></head><body><h1>Someone else's blog</h1>
     <div data-shardscope="presets/write-throttling-hot-shard.json"></div>
     <script src="${site.url}embed.js" async></script></body></html>`,
  );
  const host = await serve(dir);
  try {
    const { page, problems } = await watchedPage(browser, host.url, { viewport: { width: 900, height: 900 } });
    // The player lives on another origin: allow it through the page's request guard.
    await page.unroute('**/*');
    await page.goto(host.url);
    const iframe = page.locator('iframe');
    assert.match(await iframe.getAttribute('sandbox'), /allow-scripts/);
    const frame = await player(iframe);
    const inner = await frame.evaluate(() => document.querySelector('.embed').scrollHeight);
    await page.waitForFunction((h) => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) <= 2, inner);
    // A message from this page itself (not the player's origin) is ignored.
    await page.evaluate(() => window.postMessage({ type: 'shardscope:height', height: 999 }, '*'));
    await page.waitForTimeout(200);
    assert.ok(Math.abs((await iframe.boundingBox()).height - inner) <= 2);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await host.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('"Embed code" gives the iframe and script snippets of the current scenario, and copies them', async () => {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${site.url}?preset=bisect-isolates-the-bad-record`);
  await page.getByText('Embed code').click();
  const iframe = await page.getByLabel('iframe').inputValue();
  assert.match(iframe, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/index\.html\?embed#s=[\w-]+" /);
  const script = await page.getByLabel('script').inputValue();
  assert.match(script, /^<div data-shardscope-scenario='\{/);
  assert.match(script, /<script src="http:\/\/127\.0\.0\.1:\d+\/embed\.js" async><\/script>$/);
  await page.getByRole('button', { name: 'Copy script' }).click();
  await page.getByRole('button', { name: 'script copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), script);
  assert.deepEqual(problems, []);
  await context.close();
});
