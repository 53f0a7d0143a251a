//! The browser entry point that Trunk builds: mount the app on <body>.

/// Talc instead of dlmalloc: smaller in the bundle, as fast here (see Cargo.toml).
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    shardscope::start();
}
