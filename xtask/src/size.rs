//! The bundle-size budget: what a reader downloads before the playground appears.

use std::io::Write;
use std::path::Path;

use crate::shell::{cargo_bin_dir, cmd, output, root, run};

/// Gzipped bytes of the wasm, JavaScript and CSS in `dist/`. The one place the budget is set:
/// the playground is embedded in blog posts, so every kilobyte is paid by someone else's page.
///
/// History: 300 KB at the start (the Yew shell was 58 KB). Raised to 360 KB when the Lambda
/// model, the embed player, the form editor and the playhead landed, at 321 KB (wasm 309 KB:
/// the engine with serde_json, which parses scenarios and hashes traces, is most of it;
/// opt-level "s" was tried and is 30 KB larger than "z"). Raised to 380 KB when the engine
/// alone was built for speed (opt-level 2, the rest of the app stays at "z"): wasm 320 → 354 KB,
/// and the engine in the page a third faster (the 26 h poison preset's knob-to-redraw 422 →
/// 309 ms; wasm/native 1.47× → 1.12×); "s" saved 21 KB of that but kept half the slowness, 3
/// was 6 KB larger than 2 and no faster. Firehose, the second of the five consumers, took
/// it to 409.2 KB (+30.6 KB). Building the views' maps by inserting (a `collect()` into a
/// BTreeMap is a copy of the standard sort), one sort for the whole program (`order.rs`), the
/// canonical JSON without `json!`, and wasm-opt's `--low-memory-unused --converge` (index.html:
/// Rust puts the 1 MB stack first, so the low 1 KB is touched only by a stack about to
/// overflow) brought it to 396.5 KB. Issue 16 fixes the budget at 400 KB for all five
/// consumers: not to be raised again. Flink, the third consumer, added 54 KB (450.4 KB):
/// no Unicode case tables or float formatting in its views (−8.6 KB), the engine at opt-level
/// "s" instead of 2 (−30.9 KB), minified CSS (Trunk.toml, −0.8 KB) and shorter form help
/// brought it under (409.5 KB). Flink's enhanced fan-out (+1.9 KB; a `Vec` where a new
/// BTreeMap type cost 1 KB) fit by sharing the consumer lanes' frame, marks and inspector
/// text (`src/consumer_lane.rs`, −0.2 KB) and trimming wasm-bindgen's glue (indentation and
/// comments, −0.9 KB): 409.4 KB. Then the engine at opt-level "z" like the
/// rest (−17.3 KB; the browser 0-12 % slower): 392.0 KB, room for Glue and KDA SQL, which
/// took it to 406.3 KB. The compare view, the tour and the cost estimate (issue 15) added
/// 38 KB; back under by: the trace hash computed only when asked (no serializer of trace
/// events in the page, −5 KB), stateless views as functions instead of components, goals
/// read from the summary by name instead of through its JSON (−3 KB), scenarios compared by
/// identity instead of field by field (−3 KB), `--flatten --rereloop` before a second `-Oz`
/// (−1.9 KB), and no float formatting of the standard library (`f64::clamp`'s assertion and
/// messages with an `f64` in them brought it back: −7.6 KB): 407.4 KB. The next cuts: the
/// Timeline component (62 KB raw), scenario parsing (about 110 KB raw), the canonical JSON
/// that only the form and the knobs read (17 KB raw) (`cargo xtask size` lists them). Measured
/// again with all five consumers: the engine at "s" would be 21.7 KB larger (430.4 KB) and 25-35 %
/// faster in the page on the Lambda, enhanced fan-out and compare stories, so those cuts would
/// also buy the frame budget (issue 16) a third of the engine's time. Talc as the page's
/// allocator instead of dlmalloc: −3.0 KB (405.9 KB), as fast. The engine's simulation alone
/// at "s", with scenario parsing split into a crate of its own at "z", was measured at +11.2 KB
/// (420.0 KB without Talc) for 19-24 % fewer instructions: still over, not taken. Instead the
/// engine's hot paths were made cheap at "z" (ARCHITECTURE.md, "Speed at opt-level z"): 7-17 %
/// fewer instructions on most presets for +1.1 KB (407.0 KB). A Lambda lane's idle polls
/// computed late and without a chunk (issue 16's bulk idle polls) took it to 410.8 KB; back
/// under by one `with_ctx` for every kind of call (a `dyn` closure, −0.2 KB), a peek that
/// reads one run (−0.4 KB) and helpers the plain invocation paths share: 409.5 KB. The site's
/// scripts minified with terser instead of the glue's indentation trimmed (`minify_js.rs`,
/// −1.7 KB): 407.9 KB. Then enhanced fan-out pushes invoked at once or held for a Lambda lane
/// waiting for its batching window (issue 16's frame budget): 409.4 KB. A Firehose lane's marks
/// gathered in a sorted vector instead of a `BTreeMap` (the map's copy gone, −1.1 KB): 408.3 KB.
/// Late idle polls computed in runs, a peek across runs and `exact.rs` (issue 16's frame budget)
/// took it to 409.8 KB, over; the status lanes of Flink, Glue and KDA SQL drawn by one function
/// instead of one copy per mark kind (−1.4 KB): 408.4 KB. Producer steps in a reduced fraction
/// (`exact::gcd`), tip logs kept between watches: 409.0 KB. Chains that read while late timers
/// are computed, a route's carry kept reduced, GetRecords' throttled branch out of line: 409.1 KB.
/// Run starts and lone ticks in bulk, a peek that declines a batch and held pushes read as one
/// slice took it to 409.6 KB; the invocation marks' handlers on their group cost 0.8 KB with a
/// `data-mark` parsed back, 0.1 KB finding a mark by its place; the newest run's tail read in
/// `slice_records` itself instead of a copy of the held-push code (−0.25 KB): 409.5 KB.
/// wasm-opt's `--flatten --rereloop -Oz` twice instead of once (−0.6 KB, as fast): 408.9 KB.
/// Late idle runs and chains booked once, charts' column points as vertical moves: 409.1 KB.
/// Chart coordinates rounded without the library call `round` (`views::coord::round`) and
/// written with 32-bit division (a third less time drawing chart lines): 409.2 KB. The same
/// points written into bytes instead of a `String` (another seventh) cost 0.6 KB: not taken.
/// A chart's columns and points allocated at once (−4 % of its time): 409.3 KB. The
/// timeline's consumer charts drawn from one list (`views::series::CONSUMER_CHARTS`): 409.1 KB.
/// The engine's z-overheads found in wasm (views/bench times its run): producer ticks without
/// lists, a read's children inline, concurrency releases drained at once, and the ledger's
/// `IntervalSet` in a deque instead of a `BTreeMap` (its only `u64 → u64` map, −2.1 KB), and
/// `ShardReads` indexed by shard number instead of by a `BTreeMap` (−0.8 KB): 406.2 KB.
/// Flink's per-shard maps in a `ShardMap` indexed by shard number instead of `BTreeMap`s, a
/// run's tables a component drawn only for another run, one handler for a consumer lane's
/// marks and one for the episodes, marks named by their `<title>` alone (406.1 KB); the
/// timeline's window and playhead kept per run (`ForRun`): 406.3 KB. `ShardReads` on a `ShardMap`
/// and one helper opening a lane's marks, instead of two copies of each: 406.0 KB.
pub const BUDGET_GZIP_BYTES: u64 = 400 * 1024;

/// Measures `dist/` and fails when the gzipped total is over [`BUDGET_GZIP_BYTES`].
pub fn check(dist: &Path) -> Result<(), String> {
    let entries = std::fs::read_dir(dist).map_err(|e| format!("{}: {e}", dist.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("wasm" | "js" | "css")
            )
        })
        .collect();
    files.sort();
    if !files
        .iter()
        .any(|p| p.extension().is_some_and(|x| x == "wasm"))
    {
        return Err(format!("no .wasm file in {}", dist.display()));
    }
    let mut total = 0;
    for path in &files {
        let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let gz = gzip_len(&raw);
        total += gz;
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!("size: {name:<48} {:>9} B raw {gz:>9} B gzip", raw.len());
    }
    println!(
        "size: total {total} B gzip of a budget of {BUDGET_GZIP_BYTES} B ({:.0} %)",
        100.0 * total as f64 / BUDGET_GZIP_BYTES as f64
    );
    if total > BUDGET_GZIP_BYTES {
        return Err(format!(
            "bundle is {total} B gzipped, over the budget of {BUDGET_GZIP_BYTES} B (xtask/src/size.rs)"
        ));
    }
    Ok(())
}

/// `cargo xtask size`: the release build's sizes against the budget, then what the bytes are —
/// the largest functions and data and the generic functions copied most, read by twiggy
/// from the wasm before wasm-opt strips its names (sizes there are before optimisation, but
/// rank the same). Installs twiggy when it is missing.
pub fn report() -> Result<(), String> {
    let checked = check(&root().join("dist"));
    let twiggy = cargo_bin_dir().join("twiggy");
    if output(cmd(&twiggy.to_string_lossy(), &["--version"])).is_none() {
        println!("size: installing twiggy 0.8.0 (takes a few minutes on 2 cores)");
        run(cmd(
            "cargo",
            &["install", "twiggy", "--version", "0.8.0", "--locked"],
        ))?;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root().join("target"), std::path::PathBuf::from);
    let wasm = target
        .join("wasm32-unknown-unknown")
        .join("release")
        .join("shardscope-app.wasm");
    let wasm = wasm.to_string_lossy();
    let twiggy = twiggy.to_string_lossy();
    println!("\nsize: the largest items (before wasm-opt)");
    run(cmd(&twiggy, &["top", "-n", "40", &wasm]))?;
    println!("\nsize: generic functions copied most");
    run(cmd(&twiggy, &["monos", "-m", "15", &wasm]))?;
    checked
}

fn gzip_len(bytes: &[u8]) -> u64 {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail").len() as u64
}
