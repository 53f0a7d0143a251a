//! The commands themselves: serve, build, test, bench.

use crate::setup::{chromedriver, chromium};
use crate::shell::{cmd, root, run};
use crate::size;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

pub fn serve(extra: &[String]) -> Result<(), String> {
    println!("serve: http://127.0.0.1:8080 (Ctrl-C to stop; edits rebuild and reload)");
    let mut args = vec![
        "serve",
        "--offline",
        "--address",
        "127.0.0.1",
        "--port",
        "8080",
    ];
    args.extend(extra.iter().map(String::as_str));
    run(cmd("trunk", &args))
}

/// The hostable static site: release build, wasm-opt -Oz, relative URLs so `dist/` works
/// from any sub-path of any static host.
pub fn build() -> Result<(), String> {
    run(cmd(
        "trunk",
        &["build", "--release", "--offline", "--public-url", "./"],
    ))?;
    crate::minify_js::minify_dist()
}

/// The engine's criterion benchmarks, then the browser benchmark (tests/bench/browser.mjs)
/// against a fresh release build: knob change → redraw per preset, and wasm vs native.
pub fn bench(extra: &[String]) -> Result<(), String> {
    let mut args = vec!["bench", "-p", "shardscope-engine"];
    if !extra.is_empty() {
        args.push("--");
        args.extend(extra.iter().map(String::as_str));
    }
    run(cmd("cargo", &args))?;
    // The engine's run and the page's chart drawing in wasm, timed in node (views/bench).
    run(cmd(
        "cargo",
        &[
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "shardscope-views-bench",
        ],
    ))?;
    run(cmd("node", &["tests/bench/views.mjs"]))?;
    run(cmd(
        "cargo",
        &["build", "--release", "-p", "shardscope-cli"],
    ))?;
    build()?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root().join("target"), std::path::PathBuf::from);
    let mut c = cmd("node", &["tests/bench/browser.mjs"]);
    c.env("SHARDSCOPE_DIST", root().join("dist"))
        .env("SHARDSCOPE_CLI", target.join("release").join("shardscope"))
        .env("CHROMIUM", chromium());
    run(c)
}

/// What one step of `cargo xtask test` did.
struct Outcome {
    name: &'static str,
    ok: bool,
    seconds: f64,
    /// Tests passed and failed, from the runner's closing lines (None for non-test steps).
    counts: Option<(u64, u64)>,
}

pub fn test() -> Result<(), String> {
    let mut outcomes = Vec::new();
    let mut step = |name: &'static str, c: Command| {
        println!("\n=== {name} ===");
        let started = Instant::now();
        let (ok, counts) = run_counting(c);
        let outcome = Outcome {
            name,
            ok,
            seconds: started.elapsed().as_secs_f64(),
            counts,
        };
        let ok = outcome.ok;
        outcomes.push(outcome);
        ok
    };

    step("fmt", cmd("cargo", &["fmt", "--all", "--check"]));
    step(
        "clippy (native)",
        cmd(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    step(
        "clippy (wasm32)",
        cmd(
            "cargo",
            &[
                "clippy",
                "-p",
                "shardscope",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    step("native tests", cmd("cargo", &["test", "--workspace"]));
    step("wasm tests (headless Chromium)", wasm_tests()?);
    let built = step(
        "release build",
        cmd(
            "trunk",
            &["build", "--release", "--offline", "--public-url", "./"],
        ),
    );
    let built = built && {
        let trimmed = crate::minify_js::minify_dist();
        if let Err(e) = &trimmed {
            eprintln!("{e}");
        }
        trimmed.is_ok()
    };
    if built {
        let started = Instant::now();
        println!("\n=== size budget ===");
        let result = size::check(&root().join("dist"));
        if let Err(e) = &result {
            eprintln!("{e}");
        }
        outcomes.push(Outcome {
            name: "size budget",
            ok: result.is_ok(),
            seconds: started.elapsed().as_secs_f64(),
            counts: None,
        });
        outcomes.push(end_to_end()?);
    } else {
        println!("skipping the size budget and end-to-end tests: no release build");
    }

    println!("\n=== cargo xtask test: summary ===");
    let (mut passed, mut failed, mut steps_failed) = (0, 0, 0);
    for o in &outcomes {
        let counts = o
            .counts
            .map(|(p, f)| format!("{p} passed, {f} failed"))
            .unwrap_or_default();
        let status = if o.ok { "ok" } else { "FAILED" };
        println!(
            "  {:<32} {status:<6} {:>7.1} s  {counts}",
            o.name, o.seconds
        );
        if let Some((p, f)) = o.counts {
            passed += p;
            failed += f;
        }
        if !o.ok {
            steps_failed += 1;
        }
    }
    println!("tests: {passed} passed, {failed} failed");
    if steps_failed > 0 || !built {
        return Err(format!("{steps_failed} step(s) failed"));
    }
    Ok(())
}

/// wasm-bindgen-test in headless Chromium, driven by chromedriver.
fn wasm_tests() -> Result<Command, String> {
    // The runner reads extra WebDriver capabilities from this file. The flags keep Chromium
    // from reaching out to the network on start-up.
    let webdriver = root().join("target").join("webdriver.json");
    let json = format!(
        r#"{{ "goog:chromeOptions": {{ "binary": {:?}, "args": ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] }} }}"#,
        chromium().to_string_lossy()
    );
    std::fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
    std::fs::write(&webdriver, json).map_err(|e| format!("{}: {e}", webdriver.display()))?;
    let mut c = cmd(
        "cargo",
        &[
            "test",
            "-p",
            "shardscope",
            "--target",
            "wasm32-unknown-unknown",
            "--tests",
        ],
    );
    c.env("CHROMEDRIVER", chromedriver())
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver)
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
    Ok(c)
}

/// Playwright (playwright-core) against the built `dist/`, in the system Chromium.
fn end_to_end() -> Result<Outcome, String> {
    println!("\n=== end-to-end (Playwright, Chromium) ===");
    let dir = root().join("tests").join("e2e");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut args = vec!["--test", "--test-reporter=spec", "--test-concurrency=1"];
    args.extend(files.iter().map(String::as_str));
    let mut c = cmd("node", &args);
    c.env("SHARDSCOPE_DIST", root().join("dist"))
        .env("SHARDSCOPE_ARTIFACTS", root().join("target").join("e2e"))
        .env("CHROMIUM", chromium());
    let started = Instant::now();
    let (ok, counts) = run_counting(c);
    Ok(Outcome {
        name: "end-to-end (Playwright)",
        ok,
        seconds: started.elapsed().as_secs_f64(),
        counts,
    })
}

/// Runs a command, streaming its output, and adds up the tests its runner reports:
/// cargo's `test result: ok. N passed; M failed` and node's `ℹ pass N` / `ℹ fail M`.
fn run_counting(mut c: Command) -> (bool, Option<(u64, u64)>) {
    println!("$ {:?}", c.get_program());
    let child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            eprintln!("could not start {:?}: {e}", c.get_program());
            return (false, None);
        }
    };
    let counts: Arc<Mutex<Option<(u64, u64)>>> = Arc::new(Mutex::new(None));
    let mut readers = Vec::new();
    let streams: [Box<dyn std::io::Read + Send>; 2] = [
        Box::new(child.stdout.take().expect("piped")),
        Box::new(child.stderr.take().expect("piped")),
    ];
    for (i, stream) in streams.into_iter().enumerate() {
        let counts = Arc::clone(&counts);
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if i == 0 {
                    println!("{line}");
                } else {
                    eprintln!("{line}");
                }
                if let Some((p, f)) = parse_counts(&line) {
                    let mut c = counts.lock().expect("not poisoned");
                    let (op, of) = c.unwrap_or((0, 0));
                    *c = Some((op + p, of + f));
                }
            }
        }));
    }
    for r in readers {
        let _ = r.join();
    }
    let ok = child.wait().map(|s| s.success()).unwrap_or(false);
    let counts = *counts.lock().expect("not poisoned");
    (ok, counts)
}

fn parse_counts(line: &str) -> Option<(u64, u64)> {
    let number_before = |text: &str, word: &str| -> Option<u64> {
        let end = text.find(word)?;
        text[..end].split_whitespace().last()?.parse().ok()
    };
    if let Some(rest) = line.trim().strip_prefix("test result: ") {
        return Some((
            number_before(rest, " passed")?,
            number_before(rest, " failed")?,
        ));
    }
    // node --test, spec reporter: "ℹ pass 3" and "ℹ fail 0" on separate lines.
    let t = line.trim().trim_start_matches('ℹ').trim();
    if let Some(n) = t.strip_prefix("pass ") {
        return Some((n.trim().parse().ok()?, 0));
    }
    if let Some(n) = t.strip_prefix("fail ") {
        return Some((0, n.trim().parse().ok()?));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_counts;

    #[test]
    fn reads_the_closing_lines_of_cargo_and_node() {
        assert_eq!(
            parse_counts("test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured"),
            Some((12, 0))
        );
        assert_eq!(
            parse_counts("test result: FAILED. 3 passed; 2 failed; 0 ignored"),
            Some((3, 2))
        );
        assert_eq!(parse_counts("ℹ pass 4"), Some((4, 0)));
        assert_eq!(parse_counts("ℹ fail 1"), Some((0, 1)));
        assert_eq!(parse_counts("running 3 tests"), None);
    }
}
