//! `cargo xtask setup`: install what is missing, skip what is there.
//!
//! Pinned versions live in one place each: Trunk here ([`TRUNK_VERSION`], also required by
//! `Trunk.toml`), wasm-bindgen in `Cargo.lock` (the CLI must match it exactly: Trunk and
//! wasm-bindgen-test-runner refuse another version), npm packages in `package-lock.json`.
//! Nothing is downloaded at run time by the tools themselves: Trunk runs offline with the
//! tools found on PATH, and Playwright drives the system Chromium.

use crate::shell::{cargo_bin_dir, cmd, output, root, run};
use std::path::{Path, PathBuf};

/// Trunk 0.22 needs a newer compiler than the machines have; 0.21.14 is the last that fits.
pub const TRUNK_VERSION: &str = "0.21.14";

/// The browser and its driver, from the distribution's `chromium` and `chromium-driver`
/// packages. Override with the CHROMIUM / CHROMEDRIVER environment variables.
pub fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM").map_or_else(|| "/usr/bin/chromium".into(), PathBuf::from)
}

pub fn chromedriver() -> PathBuf {
    std::env::var_os("CHROMEDRIVER").map_or_else(|| "/usr/bin/chromedriver".into(), PathBuf::from)
}

pub fn ensure() -> Result<(), String> {
    wasm_target()?;
    trunk()?;
    wasm_bindgen()?;
    npm_packages()?;
    browser()?;
    Ok(())
}

fn wasm_target() -> Result<(), String> {
    let installed = output(cmd("rustup", &["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return skip("wasm32-unknown-unknown target");
    }
    run(cmd("rustup", &["target", "add", "wasm32-unknown-unknown"]))
}

fn trunk() -> Result<(), String> {
    let want = format!("trunk {TRUNK_VERSION}");
    if tool_version("trunk").as_deref() == Some(want.as_str()) {
        return skip(&want);
    }
    println!("setup: installing {want} (takes several minutes on 2 cores)");
    run(cmd(
        "cargo",
        &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
    ))
}

fn wasm_bindgen() -> Result<(), String> {
    let version = locked_version("wasm-bindgen")?;
    let want = format!("wasm-bindgen {version}");
    if tool_version("wasm-bindgen").as_deref() == Some(want.as_str()) {
        return skip(&want);
    }
    println!("setup: installing wasm-bindgen-cli {version} (with wasm-bindgen-test-runner)");
    // No `--locked`: its lockfile names a webpki-roots release the registry does not serve.
    run(cmd(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &version,
            "--force",
        ],
    ))
}

/// `npm ci` when `node_modules` is missing or was installed from another lockfile.
fn npm_packages() -> Result<(), String> {
    let lock = std::fs::read(root().join("package-lock.json"))
        .map_err(|e| format!("package-lock.json: {e}"))?;
    let stamp = root().join("node_modules").join(".shardscope-lock");
    if std::fs::read(&stamp).ok().as_deref() == Some(lock.as_slice())
        && root().join("node_modules/.bin/wasm-opt").exists()
        && root().join("node_modules/.bin/terser").exists()
    {
        return skip("npm packages (binaryen, terser, playwright-core)");
    }
    run(cmd("npm", &["ci", "--no-audit", "--no-fund"]))?;
    std::fs::write(&stamp, lock).map_err(|e| format!("{}: {e}", stamp.display()))
}

fn browser() -> Result<(), String> {
    if chromium().exists() && chromedriver().exists() {
        return skip("chromium and chromedriver");
    }
    println!("setup: installing chromium and chromium-driver from the distribution's packages");
    let is_root = output(cmd("id", &["-u"])).as_deref() == Some("0");
    let apt = |args: &[&str]| {
        if is_root {
            cmd("apt-get", args)
        } else {
            let mut all = vec!["-n", "apt-get"];
            all.extend_from_slice(args);
            cmd("sudo", &all)
        }
    };
    let mut update = apt(&["update"]);
    update.env("DEBIAN_FRONTEND", "noninteractive");
    run(update)?;
    let mut install = apt(&["install", "-y", "chromium", "chromium-driver"]);
    install.env("DEBIAN_FRONTEND", "noninteractive");
    run(install).map_err(|e| {
        format!("{e}\ninstall the `chromium` and `chromium-driver` packages, or set CHROMIUM and CHROMEDRIVER")
    })
}

/// `<tool> --version`, looking in cargo's bin directory first.
fn tool_version(tool: &str) -> Option<String> {
    let in_cargo_bin = cargo_bin_dir().join(tool);
    let program = if in_cargo_bin.exists() {
        in_cargo_bin
    } else {
        Path::new(tool).to_path_buf()
    };
    output(cmd(&program.to_string_lossy(), &["--version"]))
}

/// The version of `name` that Cargo.lock pins.
pub fn locked_version(name: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == needle {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err(format!("Cargo.lock has no `{name}` package"))
}

fn skip(what: &str) -> Result<(), String> {
    println!("setup: {what}: present");
    Ok(())
}
