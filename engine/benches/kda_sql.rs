//! The reference benchmark scenario of design.md with one Kinesis Data Analytics for
//! SQL application instead of the Lambda mapping: 16 shards, 900 records/s each
//! (14,400 in all), 200-byte records, 100,000 keys, one simulated hour (≈ 51.8 M
//! records), InputParallelism 4, a 60 s tumbling window, two outputs, TRIM_HORIZON.
//! Goal: under 0.1 s natively.
//!
//! Besides criterion's timing it prints simulated records, windows and kernel events
//! per wall second.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;

fn reference() -> Scenario {
    scenario::parse(
        r#"{
      "format": "shardscope/1",
      "title": "Reference benchmark, KDA SQL",
      "seed": 1,
      "duration": "1h",
      "stream": { "StreamName": "bench", "ShardCount": 16,
                  "StreamModeDetails": { "StreamMode": "PROVISIONED" } },
      "producers": [ { "name": "load", "records_per_second": 14400, "record_bytes": 200,
                       "partition_keys": 100000, "retry_throttled": true } ],
      "consumers": [ { "kind": "kda_sql", "name": "app",
        "Inputs": [ { "InputParallelism": { "Count": 4 },
          "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" } } ],
        "query": { "window": { "type": "tumbling", "size": "60s" }, "per_record_us": 20 },
        "Outputs": [
          { "Name": "TO_STREAM", "KinesisStreamsOutput": { "ResourceARN": "arn:aws:kinesis:us-east-1:1:stream/o" } },
          { "Name": "TO_LAMBDA", "LambdaOutput": { "ResourceARN": "arn:aws:lambda:us-east-1:1:function:f" } } ] } ]
    }"#,
    )
    .expect("reference scenario")
}

fn simulate(s: &Scenario) -> (u64, u64, u64, String) {
    let mut sim = Simulation::new(s).expect("simulation");
    sim.run();
    let events = sim.events_processed();
    let trace = sim.finish();
    let windows = trace.summary.consumers["app"]
        .kda_sql
        .as_ref()
        .map_or(0, |k| k.windows_emitted);
    (
        trace.summary.stream.incoming_records,
        windows,
        events,
        trace.hash(),
    )
}

fn bench(c: &mut Criterion) {
    let s = reference();
    let start = Instant::now();
    let (records, windows, events, hash) = simulate(&s);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "kda_sql: {records} records, {windows} windows, {events} kernel events in {secs:.3} s → {:.0} records/s, {:.0} events/s (trace {hash})",
        records as f64 / secs,
        events as f64 / secs
    );
    let mut group = c.benchmark_group("kda_sql");
    group.sample_size(10);
    group.bench_function("InputParallelism 4, two outputs", |b| {
        b.iter(|| black_box(simulate(black_box(&s))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
