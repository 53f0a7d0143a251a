//! The site's JavaScript minified after the release build, with terser (package.json).
//! Trunk's own minifier fails on wasm-bindgen's glue (it does not parse `export default`,
//! and says so in a warning) and leaves it as wasm-bindgen writes it, and the site's own
//! scripts (`www/boot.js`, `www/embed.js`) are copied as written, comments and all. Terser
//! with its default, safe compression and local names shortened: 2.0 KB gzipped of the
//! bundle budget (the glue 0.9 KB more than dropping its indentation and comments did).

use crate::shell::{cmd, run};

/// Each script of `dist`, and whether it is an ES module (whose top-level names terser may
/// shorten) or a classic script (whose globals it must keep).
const SCRIPTS: [(&str, bool); 3] = [
    ("shardscope-app.js", true),
    ("boot.js", true),
    ("embed.js", false),
];

/// Minifies the scripts of `dist/` in place (terser from `node_modules/.bin`, on the PATH
/// that [`cmd`] sets).
pub fn minify_dist() -> Result<(), String> {
    for (name, module) in SCRIPTS {
        let file = format!("dist/{name}");
        let mut args = vec![file.as_str(), "--compress", "--mangle", "--output", &file];
        if module {
            args.push("--module");
        }
        run(cmd("terser", &args)).map_err(|e| format!("minifying {name}: {e}"))?;
    }
    Ok(())
}
