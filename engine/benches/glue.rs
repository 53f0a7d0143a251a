//! The reference benchmark scenario of design.md with one Glue streaming job
//! instead of the Lambda mapping: 16 shards, 900 records/s each (14,400 in all),
//! 200-byte records, 100,000 keys, one simulated hour (≈ 51.8 M records), 10 G.1X
//! workers, TRIM_HORIZON, the default 100 s window and fetch limits. Goal: under
//! 0.1 s natively. The job is added to the simulation directly, from its model.
//!
//! Besides criterion's timing it prints simulated records, micro-batches and kernel
//! events per wall second.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use shardscope_engine::glue::Job;
use shardscope_engine::scenario::glue::{
    BatchModel, ForEachBatch, GlueConsumer, GlueJob, GlueVersion, KinesisSource, WorkerType,
};
use shardscope_engine::scenario::{self, Scenario, StartingPosition};
use shardscope_engine::sim::Simulation;
use shardscope_engine::time::SimDuration;

fn reference() -> Scenario {
    scenario::parse(
        r#"{
      "format": "shardscope/1",
      "title": "Reference benchmark, Glue",
      "seed": 1,
      "duration": "1h",
      "stream": { "StreamName": "bench", "ShardCount": 16,
                  "StreamModeDetails": { "StreamMode": "PROVISIONED" } },
      "producers": [ { "name": "load", "records_per_second": 14400, "record_bytes": 200,
                       "partition_keys": 100000, "retry_throttled": true } ],
      "consumers": []
    }"#,
    )
    .expect("reference scenario")
}

fn job() -> GlueConsumer {
    GlueConsumer {
        job: GlueJob {
            glue_version: GlueVersion::V4,
            worker_type: WorkerType::G1X,
            number_of_workers: 10,
            max_retries: 0,
            auto_scaling: false,
            timeout_minutes: None,
        },
        source: KinesisSource {
            starting_position: StartingPosition::TrimHorizon,
            ..KinesisSource::default()
        },
        for_each_batch: ForEachBatch {
            window_size: SimDuration::from_secs(100),
            checkpoint_location: "s3://bench/checkpoint/".into(),
            batch_max_retries: 3,
        },
        batch: BatchModel::default(),
    }
}

fn simulate(s: &Scenario, g: &GlueConsumer) -> (u64, u64, u64, String) {
    let mut sim = Simulation::new(s).expect("simulation");
    sim.add_consumer("etl", Job::boxed(g)).expect("consumer");
    sim.run();
    let events = sim.events_processed();
    let trace = sim.finish();
    let batches = trace.summary.consumers["etl"]
        .glue
        .as_ref()
        .map_or(0, |g| g.micro_batches);
    (
        trace.summary.stream.incoming_records,
        batches,
        events,
        trace.hash(),
    )
}

fn bench(c: &mut Criterion) {
    let (s, g) = (reference(), job());
    let start = Instant::now();
    let (records, batches, events, hash) = simulate(&s, &g);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "glue: {records} records, {batches} micro-batches, {events} kernel events in {secs:.3} s → {:.0} records/s, {:.0} events/s (trace {hash})",
        records as f64 / secs,
        events as f64 / secs
    );
    let mut group = c.benchmark_group("glue");
    group.sample_size(10);
    group.bench_function("10 G.1X workers", |b| {
        b.iter(|| black_box(simulate(black_box(&s), black_box(&g))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
