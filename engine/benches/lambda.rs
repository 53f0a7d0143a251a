//! The reference benchmark scenario of design.md with one Lambda mapping:
//! 16 shards, 900 records/s each (14,400 in all), 200-byte records, 100,000
//! keys, one simulated hour (≈ 51.8 M records), TRIM_HORIZON, BatchSize 100,
//! handler 20 ms + 0.1 ms per record. Goal: under 0.1 s natively. Also the
//! same with ParallelizationFactor 10 and bisect on a 1 % error rate.
//!
//! Besides criterion's timing it prints simulated records, invocations and
//! kernel events per wall second.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::lambda::LambdaMapping;
use shardscope_engine::scenario::{self, ConsumerKind, Scenario};
use shardscope_engine::sim::Simulation;

fn reference(esm_extra: &str, error_rate: f64) -> Scenario {
    scenario::parse(&format!(
        r#"{{
      "format": "shardscope/1",
      "title": "Reference benchmark, Lambda",
      "seed": 1,
      "duration": "1h",
      "stream": {{ "StreamName": "bench", "ShardCount": 16,
                  "StreamModeDetails": {{ "StreamMode": "PROVISIONED" }} }},
      "producers": [ {{ "name": "load", "records_per_second": 14400, "record_bytes": 200,
                       "partition_keys": 100000, "retry_throttled": true }} ],
      "consumers": [ {{ "kind": "lambda", "name": "enricher",
          "EventSourceMapping": {{ "BatchSize": 100, "StartingPosition": "TRIM_HORIZON"{esm_extra} }},
          "handler": {{ "invoke_ms": 20, "per_record_ms": 0.1, "error_rate": {error_rate} }} }} ]
    }}"#
    ))
    .expect("reference scenario")
}

fn simulate(s: &Scenario) -> (u64, u64, u64, String) {
    let f = |c: &scenario::Consumer| -> Option<Box<dyn shardscope_engine::Consumer>> {
        match &c.kind {
            ConsumerKind::Lambda(l) => Some(LambdaMapping::boxed(l)),
            _ => None,
        }
    };
    let mut sim = Simulation::with_consumers(s, &f).expect("simulation");
    sim.run();
    let events = sim.events_processed();
    let trace = sim.finish();
    let inv = trace.summary.consumers["enricher"].invocations;
    (
        trace.summary.stream.incoming_records,
        inv,
        events,
        trace.hash(),
    )
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("BatchSize 100", reference("", 0.0)),
        (
            "PF 10, bisect, 1% errors",
            reference(
                r#", "ParallelizationFactor": 10, "BisectBatchOnFunctionError": true"#,
                0.01,
            ),
        ),
    ];
    let mut g = c.benchmark_group("lambda");
    g.sample_size(10);
    for (name, s) in &cases {
        let start = Instant::now();
        let (records, inv, events, hash) = simulate(s);
        let secs = start.elapsed().as_secs_f64();
        println!(
            "lambda {name}: {records} records, {inv} invocations, {events} kernel events in {secs:.3} s → {:.0} records/s, {:.0} events/s (trace {hash})",
            records as f64 / secs,
            events as f64 / secs
        );
        g.bench_function(*name, |b| b.iter(|| black_box(simulate(black_box(s)))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
