//! Determinism across targets: every preset's trace hash, computed natively here and in
//! WebAssembly by `tests/web.rs`, must equal the one recorded in `tests/preset-hashes.txt`.
//!
//! When the engine's model changes on purpose, record the new hashes with
//! `UPDATE_PRESET_HASHES=1 cargo test -p shardscope --test preset_hashes` and say why in
//! the commit.

#![cfg(not(target_arch = "wasm32"))]

use shardscope::presets;

fn hashes() -> String {
    let mut out = String::new();
    for p in presets::ALL {
        let scenario = shardscope_engine::scenario::parse(p.json).unwrap();
        let trace = shardscope_engine::Simulation::new(&scenario)
            .unwrap()
            .finish();
        out.push_str(&format!("{} {}\n", p.id, trace.hash()));
    }
    out
}

#[test]
fn preset_trace_hashes_are_the_recorded_ones() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/preset-hashes.txt");
    let now = hashes();
    if std::env::var_os("UPDATE_PRESET_HASHES").is_some() {
        std::fs::write(file, &now).unwrap();
    }
    let recorded = std::fs::read_to_string(file).unwrap_or_default();
    assert_eq!(
        now, recorded,
        "the engine's output changed; if on purpose, rerun with UPDATE_PRESET_HASHES=1"
    );
}
