// Starts the playground. An external module instead of Trunk's inline loader, so that a
// page with `Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'` can run it.
// URLs are relative to this file, so the site works from any sub-path of any static host.
import init from './shardscope-app.js';

await init({ module_or_path: new URL('./shardscope-app_bg.wasm', import.meta.url) });
