//! Every preset of the playground, run natively: kernel events, trace events and the
//! time of one run. The browser's goal (issue 16) is one frame, knob change to redrawn
//! timeline, for every preset of 2 simulated hours or less, and 50 ms for longer ones;
//! this is the engine's share of it, and the kernel event count shows what the cost
//! follows. `SHARDSCOPE_PRESETS=name,…` runs only those.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;

fn presets() -> Vec<(String, Scenario)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/presets");
    let only = std::env::var("SHARDSCOPE_PRESETS").unwrap_or_default();
    // The presets, then the compare view's stories (`tour/…`: all five consumers at once).
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    for (sub, prefix) in [("", ""), ("/tour", "tour/")] {
        let mut these: Vec<_> = std::fs::read_dir(format!("{dir}{sub}"))
            .expect("www/presets")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| Some((format!("{prefix}{}", p.file_stem()?.to_string_lossy()), p)))
            .collect();
        these.sort();
        files.extend(these);
    }
    files
        .into_iter()
        .filter_map(|(name, p)| {
            if !only.is_empty() && !only.split(',').any(|o| o == name) {
                return None;
            }
            let json = std::fs::read_to_string(&p).expect("preset");
            Some((name, scenario::parse(&json).expect("valid preset")))
        })
        .collect()
}

fn simulate(s: &Scenario) -> (u64, usize) {
    let mut sim = Simulation::new(s).expect("valid");
    sim.run();
    let events = sim.events_processed();
    (events, sim.finish().events.len())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("presets");
    group.sample_size(10);
    for (name, s) in presets() {
        let start = Instant::now();
        let (kernel, trace) = simulate(&s);
        println!(
            "preset {name}: {kernel} kernel events, {trace} trace events in {:.1} ms",
            start.elapsed().as_secs_f64() * 1e3
        );
        group.bench_function(name, |b| b.iter(|| black_box(simulate(black_box(&s)))));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
