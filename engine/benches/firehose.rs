//! The reference benchmark scenario of design.md with one Firehose stream instead of the
//! Lambda mapping: 16 shards, 900 records/s each (14,400 in all), 200-byte records,
//! 100,000 keys, one simulated hour (≈ 51.8 M records), delivered to S3 with the default
//! buffering hints (5 MiB or 300 s: a buffer about every 1.8 s at 2.88 MB/s). Goal: under
//! 0.1 s natively. Also the same through a transform Lambda (1 MB or 60 s buffers), with
//! 5 % of the records failed and 1 % of the invocations failing.
//!
//! Besides criterion's timing it prints simulated records, deliveries and kernel events
//! per wall second.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;

fn reference(extra: &str) -> Scenario {
    scenario::parse(&format!(
        r#"{{
      "format": "shardscope/1",
      "title": "Reference benchmark, Firehose",
      "seed": 1,
      "duration": "1h",
      "stream": {{ "StreamName": "bench", "ShardCount": 16,
                  "StreamModeDetails": {{ "StreamMode": "PROVISIONED" }} }},
      "producers": [ {{ "name": "load", "records_per_second": 14400, "record_bytes": 200,
                       "partition_keys": 100000, "retry_throttled": true }} ],
      "consumers": [ {{ "kind": "firehose", "name": "to-s3",
          "ExtendedS3DestinationConfiguration": {{ "BufferingHints": {{ "SizeInMBs": 5, "IntervalInSeconds": 300 }}{extra} }},
          "transform": {{ "processing_failed_share": 0.05, "error_rate": 0.01 }} }} ]
    }}"#
    ))
    .expect("reference scenario")
}

fn simulate(s: &Scenario) -> (u64, u64, u64, String) {
    let mut sim = Simulation::new(s).expect("simulation");
    sim.run();
    let events = sim.events_processed();
    let trace = sim.finish();
    let f = trace.summary.consumers["to-s3"]
        .firehose
        .clone()
        .unwrap_or_default();
    (
        trace.summary.stream.incoming_records,
        f.delivery_batches,
        events,
        trace.hash(),
    )
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("S3, 5 MiB / 300 s", reference("")),
        (
            "S3 through a transform",
            reference(r#", "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda" } ] }"#),
        ),
    ];
    let mut g = c.benchmark_group("firehose");
    g.sample_size(10);
    for (name, s) in &cases {
        let start = Instant::now();
        let (records, batches, events, hash) = simulate(s);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "firehose {name}: {records} records, {batches} deliveries, {events} kernel events in {secs:.3} s → {:.0} records/s, {:.0} events/s (trace {hash})",
            records as f64 / secs,
            events as f64 / secs
        );
        g.bench_function(*name, |b| b.iter(|| black_box(simulate(black_box(s)))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
