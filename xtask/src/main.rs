//! `cargo xtask …`: the project's task runner.
//!
//! Every command first runs [`setup::ensure`], which installs what a fresh machine lacks
//! (the wasm32 target, Trunk, wasm-bindgen-cli, the npm packages, Chromium) and skips what
//! is already there, so the README's two commands work with no manual step.

mod minify_js;
mod setup;
mod shell;
mod size;
mod steps;

use std::process::ExitCode;

const USAGE: &str = "\
cargo xtask <command>

Commands:
  serve   build the app and serve it at http://127.0.0.1:8080, rebuilding on change
  test    everything CI checks: fmt, clippy, native tests, wasm tests in headless Chromium,
          the release build, the bundle-size budget and the Playwright end-to-end tests
  build   write the hostable static site to dist/ (release, wasm-opt -Oz)
  bench   the engine's criterion benchmarks, the engine and the charts in wasm (node), then the browser benchmark
  size    the release build against the bundle budget, and what the bytes are (twiggy)
  setup   install whatever is missing (every other command runs this first)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "setup" => setup::ensure(),
        "serve" => setup::ensure().and_then(|()| steps::serve(rest)),
        "build" => setup::ensure().and_then(|()| steps::build()),
        "test" => setup::ensure().and_then(|()| steps::test()),
        "bench" => setup::ensure().and_then(|()| steps::bench(rest)),
        "size" => setup::ensure()
            .and_then(|()| steps::build())
            .and_then(|()| size::report()),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
