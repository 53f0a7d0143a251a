//! The reference benchmark scenario of design.md with one Managed Flink application
//! instead of the Lambda mapping: 16 shards, 900 records/s each (14,400 in all),
//! 200-byte records, 100,000 keys, one simulated hour (≈ 51.8 M records), Parallelism 4
//! at 20 µs a record, default checkpoints. Goal: under 0.1 s natively. Also the same
//! with a one-minute tumbling window and a poison record at 30 min (a restart loop for
//! the rest of the hour), and with enhanced fan-out (a push after each 100 ms producer
//! tick per shard instead of a poll a second).
//!
//! Besides criterion's timing it prints simulated records, restarts and kernel events
//! per wall second.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;

fn reference(source: &str, job: &str, timeline: &str) -> Scenario {
    scenario::parse(&format!(
        r#"{{
      "format": "shardscope/1",
      "title": "Reference benchmark, Flink",
      "seed": 1,
      "duration": "1h",
      "stream": {{ "StreamName": "bench", "ShardCount": 16,
                  "StreamModeDetails": {{ "StreamMode": "PROVISIONED" }} }},
      "producers": [ {{ "name": "load", "records_per_second": 14400, "record_bytes": 200,
                       "partition_keys": 100000, "retry_throttled": true }} ],
      "consumers": [ {{ "kind": "flink", "name": "app",
          "ApplicationConfiguration": {{ "FlinkApplicationConfiguration": {{ "ParallelismConfiguration": {{
              "ConfigurationType": "CUSTOM", "Parallelism": 4, "AutoScalingEnabled": false }} }} }},
          {source}
          "job": {{ "per_record_us": 20 {job} }} }} ],
      "timeline": [ {timeline} ]
    }}"#
    ))
    .expect("reference scenario")
}

fn simulate(s: &Scenario) -> (u64, u64, u64, String) {
    let mut sim = Simulation::new(s).expect("simulation");
    sim.run();
    let events = sim.events_processed();
    let trace = sim.finish();
    let f = trace.summary.consumers["app"]
        .flink
        .clone()
        .unwrap_or_default();
    (
        trace.summary.stream.incoming_records,
        f.restarts,
        events,
        trace.hash(),
    )
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("Parallelism 4", reference("", "", "")),
        (
            "enhanced fan-out",
            reference(r#""source": { "enhanced_fan_out": true },"#, "", ""),
        ),
        (
            "window and restart loop",
            reference(
                "",
                r#", "window": { "type": "tumbling", "size": "1m" }"#,
                r#"{ "at": "30m", "do": "poison" }"#,
            ),
        ),
    ];
    let mut g = c.benchmark_group("flink");
    g.sample_size(10);
    for (name, s) in &cases {
        let start = Instant::now();
        let (records, restarts, events, hash) = simulate(s);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "flink {name}: {records} records, {restarts} restarts, {events} kernel events in {secs:.3} s → {:.0} records/s, {:.0} events/s (trace {hash})",
            records as f64 / secs,
            events as f64 / secs
        );
        g.bench_function(*name, |b| b.iter(|| black_box(simulate(black_box(s)))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
