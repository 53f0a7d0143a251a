//! The reference benchmark scenario of design.md: 16 shards, 14,400 records/s
//! in all (900 per shard), 200-byte records, 100,000 keys, one simulated hour
//! (≈ 51.8 M records), TRIM_HORIZON — read here by the minimal polling
//! consumer (`TestPoller`); the Lambda mapping comes with its own issue.
//!
//! Besides criterion's timing it prints simulated records per wall second and
//! kernel events per wall second.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;
use shardscope_engine::testing::TestPoller;

fn reference() -> Scenario {
    scenario::parse(
        r#"{
      "format": "shardscope/1",
      "title": "Reference benchmark",
      "seed": 1,
      "duration": "1h",
      "stream": { "StreamName": "bench", "ShardCount": 16,
                  "StreamModeDetails": { "StreamMode": "PROVISIONED" } },
      "producers": [ { "name": "load", "records_per_second": 14400, "record_bytes": 200,
                       "partition_keys": 100000, "retry_throttled": true } ]
    }"#,
    )
    .expect("reference scenario")
}

fn simulate(s: &Scenario) -> (u64, u64, String) {
    let mut sim = Simulation::new(s).expect("simulation");
    sim.add_consumer("poller", TestPoller::boxed())
        .expect("consumer");
    sim.run();
    let events = sim.events_processed();
    let trace = sim.finish();
    (trace.summary.stream.incoming_records, events, trace.hash())
}

fn bench(c: &mut Criterion) {
    let s = reference();
    // One timed run for the throughput figures.
    let start = Instant::now();
    let (records, events, hash) = simulate(&s);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "reference: {records} records, {events} kernel events in {:.3} s → {:.0} records/s, {:.0} events/s (trace {hash})",
        secs,
        records as f64 / secs,
        events as f64 / secs
    );
    let mut g = c.benchmark_group("reference");
    g.sample_size(10);
    g.bench_function("16 shards x 900 rec/s x 1 h, test poller", |b| {
        b.iter(|| black_box(simulate(black_box(&s))))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
