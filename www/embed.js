// Shardscope's one-line embed for other people's pages.
//
//   <div data-shardscope="presets/poison-blocks-a-shard.json"></div>
//   <div data-shardscope-scenario='{"format": "shardscope/1", …}'></div>
//   <script src="https://YOUR-SITE/shardscope/embed.js" async></script>
//
// Each element becomes a lazily loaded, sandboxed iframe of the compact player (?embed). The
// player tells this page its height with postMessage; both sides check origins: the player
// posts only to the origin named in its URL, and this script listens only to the player's
// origin and to its own iframes. No inline script or style is needed, so the host page can
// keep a strict Content-Security-Policy.
(() => {
  const script = document.currentScript;
  if (!script || window.__shardscopeEmbed) return;
  window.__shardscopeEmbed = true;
  const site = new URL('.', script.src);
  const frames = new Map(); // contentWindow → iframe

  function mount(el) {
    if (el.dataset.shardscopeMounted) return;
    el.dataset.shardscopeMounted = 'yes';
    const url = new URL('index.html', site);
    url.search = `?embed&origin=${encodeURIComponent(location.origin)}`;
    const preset = el.getAttribute('data-shardscope');
    const inline = el.getAttribute('data-shardscope-scenario');
    if (preset) url.search += `&preset=${encodeURIComponent(preset)}`;
    if (inline) url.hash = `json=${encodeURIComponent(inline)}`;
    const iframe = document.createElement('iframe');
    iframe.src = url.href;
    iframe.loading = 'lazy';
    iframe.title = el.getAttribute('data-title') || 'Shardscope: a simulated Kinesis stream and its consumers';
    // On another site's page, sandbox the player: scripts (the wasm app) and its own origin
    // (to load its files) only; links open in new tabs. On the player's own site a sandbox
    // with both would be void (the browser warns so), and the page trusts itself anyway.
    if (site.origin !== location.origin) {
      iframe.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox');
    }
    iframe.style.width = '100%';
    iframe.style.border = '0';
    iframe.style.height = `${Number(el.getAttribute('data-height')) || 480}px`;
    el.replaceChildren(iframe);
    frames.set(iframe.contentWindow, iframe);
  }

  window.addEventListener('message', (event) => {
    if (event.origin !== site.origin) return;
    const iframe = frames.get(event.source);
    const data = event.data;
    if (!iframe || !data || data.type !== 'shardscope:height') return;
    const height = Math.round(Number(data.height));
    if (height >= 100 && height <= 5000) iframe.style.height = `${height}px`;
  });

  const all = () => document.querySelectorAll('[data-shardscope], [data-shardscope-scenario]').forEach(mount);
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', all);
  else all();
})();
