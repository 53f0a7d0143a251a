//! The compare view's run: each tour story (one simulated hour, 2–4 shards) with all
//! five services, each reading as if alone with the stream (its own read limits), in
//! one run. The browser's goal is one frame for a knob change on these (issue 15);
//! natively this is the engine's share of it.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::compare::{Choice, Runs};
use shardscope_engine::scenario::{self, Scenario};

const STORIES: [(&str, &str); 4] = [
    (
        "use-cases",
        include_str!("../../www/presets/tour/use-cases.json"),
    ),
    (
        "error-handling",
        include_str!("../../www/presets/tour/error-handling.json"),
    ),
    (
        "scaling",
        include_str!("../../www/presets/tour/scaling.json"),
    ),
    (
        "reprocessing",
        include_str!("../../www/presets/tour/reprocessing.json"),
    ),
];

fn all_five(s: &Scenario) -> Choice {
    Choice {
        consumers: s.consumers.iter().map(|c| c.name.clone()).collect(),
        shared: false,
    }
}

fn compare(s: &Scenario, choice: &Choice) -> (u64, u64) {
    let mut runs = Runs::new(s, Some(choice)).expect("valid");
    runs.run_until(s.duration.after_start());
    let events = runs.events_processed();
    let trace = runs.finish();
    (trace.events.len() as u64, events)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    for (name, json) in STORIES {
        let s = scenario::parse(json).expect("tour preset");
        let choice = all_five(&s);
        let start = Instant::now();
        let (trace_events, kernel_events) = compare(&s, &choice);
        println!(
            "compare tour/{name}: one run of five services, {kernel_events} kernel events, {trace_events} trace events in {:.1} ms",
            start.elapsed().as_secs_f64() * 1e3
        );
        group.bench_function(format!("tour/{name}, five services apart"), |b| {
            b.iter(|| black_box(compare(black_box(&s), black_box(&choice))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
