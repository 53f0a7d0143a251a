//! The Glue streaming job (issue 13): each behaviour as a run whose numbers a
//! reader can work out by hand (reference/firehose-and-glue.md Part 2 and §4).
//! Each run goes through the format: the job's canonical JSON is read back.
//!
//! Counting rules: a producer at 100 records/s writes 10 records on each 100 ms
//! tick; a run starts 20 s after StartJobRun (an assumption); the first trigger is
//! then, and the next ones `windowSize` apart.

use serde_json::{json, Value};
use shardscope_engine::glue::GlueSummary;
use shardscope_engine::scenario::glue::{
    BatchModel, ForEachBatch, GlueConsumer, GlueJob, GlueVersion, KinesisSource, WorkerType,
};
use shardscope_engine::scenario::{self, StartingPosition};
use shardscope_engine::time::SimDuration;
use shardscope_engine::trace::ConsumerSummary;
use shardscope_engine::{Simulation, Trace};

fn job() -> GlueConsumer {
    GlueConsumer {
        job: GlueJob {
            glue_version: GlueVersion::V4,
            worker_type: WorkerType::G1X,
            number_of_workers: 2,
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
            checkpoint_location: "s3://bucket/checkpoint/etl/".into(),
            batch_max_retries: 3,
        },
        batch: BatchModel::default(),
    }
}

fn run(duration: &str, rate: u32, bytes: u32, timeline: Value, g: &GlueConsumer) -> Trace {
    let v = json!({
        "format": "shardscope/1",
        "duration": duration,
        "stream": { "ShardCount": 1 },
        "producers": [ { "name": "p", "records_per_second": rate, "record_bytes": bytes,
                         "partition_keys": 100 } ],
        "consumers": [],
        "timeline": timeline
    });
    let mut s = scenario::from_value(&v).unwrap_or_else(|e| panic!("{e}"));
    s.consumers.push(scenario::Consumer {
        name: "etl".into(),
        kind: scenario::ConsumerKind::Glue(g.clone()),
    });
    // Through the format: its canonical JSON reads back as the same scenario.
    let s2 = scenario::from_value(&s.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s2, s);
    Simulation::new(&s2).expect("simulation").finish()
}

fn summary(t: &Trace) -> (ConsumerSummary, GlueSummary) {
    let c = t.summary.consumers["etl"].clone();
    assert_eq!(
        c.records_in_scope,
        c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
        "conservation: {c:?}"
    );
    let g = c.glue.clone().expect("a glue block");
    (c, g)
}

/// The run is RUNNING at 20 s; triggers at 20, 120, …, 520 s: 6 batches. Each
/// reads what was written up to its trigger (the 20 s batch: the ticks 0.1–20.0 s,
/// 2,000 records; the others 10,000) and commits 1.5 s + records × 100 µs on the
/// one executor later (1,700 ms, then 2,500 ms). Processed: everything written by
/// 520 s = 52,000 records. Billing: 2 G.1X workers = 2 DPU for
/// 600 s = 0.333 DPU-hours.
#[test]
fn a_micro_batch_every_window_size() {
    let t = run("10m", 100, 100, json!([]), &job());
    let (c, g) = summary(&t);
    assert_eq!(g.micro_batches, 6);
    assert_eq!(c.processed, 52_000);
    assert_eq!(g.max_batch_processing_ms, 2_500);
    assert_eq!(g.job_runs, 1);
    assert_eq!(g.dpu_hours.0, 0.333);
    assert_eq!((g.failed_batches, g.duplicates), (0, 0));
}

/// With the defaults a busy shard falls behind: at 1,000 records/s of 1,000 bytes
/// a 100 s window holds 100,000 records, but the first GetRecords of a batch
/// returns its 10,000 and its 10 MB keep the shard's 2 MiB/s busy for about 4.8 s,
/// so every later call within the 1 s of fetching is throttled: 10,000 records a
/// batch. Six batches in 10 minutes: 60,000 of 600,000 records.
#[test]
fn with_the_fetch_defaults_a_busy_shard_falls_behind() {
    let t = run("10m", 1_000, 1_000, json!([]), &job());
    let (c, g) = summary(&t);
    assert_eq!(g.micro_batches, 6);
    assert_eq!(c.processed, 60_000);
    assert!(c.max_iterator_age_ms > 400_000, "{c:?}");
}

/// A poison record written at 50 s (sequence 4,990: the action runs before the
/// 50 s tick) is in the 120 s batch (records
/// 2,000–12,000). The batch raises on each of its 4 attempts (1 + batchMaxRetries
/// 3, back-offs 1, 2 and 5 s), so the run FAILS; `MaxRetries` 1 starts a second
/// run, which re-runs the same batch 4 times and fails too. After that the job
/// stays FAILED: only the first batch (2,000 records) is processed. Each attempt
/// wrote the 2,990 records before the poison one: 7 of the 8 writes are duplicates.
#[test]
fn a_poison_batch_fails_the_run_then_max_retries() {
    let mut g = job();
    g.job.max_retries = 1;
    let t = run(
        "10m",
        100,
        100,
        json!([{ "at": "50s", "do": "poison", "partition_key": "k-1" }]),
        &g,
    );
    let (c, s) = summary(&t);
    assert_eq!(s.micro_batches, 1);
    assert_eq!(c.processed, 2_000);
    assert_eq!(s.failed_batches, 8);
    assert_eq!(s.batch_retries, 6);
    assert_eq!((s.job_runs, s.failed_runs), (2, 2));
    assert_eq!(s.duplicates, 7 * 2_990);
}

/// Auto scaling (an assumption on AWS's "close to" windowSize): `NumberOfWorkers` 9
/// is the maximum and the run starts with the driver and one executor. At 9 ms a
/// record, the 20 s batch (2,000 records) takes 1.5 + 18 = 19.5 s and each later one
/// (10,000 records) 1.5 + 90 = 91.5 s, 91.5 % of the window. The last three average
/// 90 % or more after the batch of 320 s, which ends at 411.5 s: two executors from
/// then on (46.5 s a batch: no further change). Processed: the 36 batches up to
/// 3,520 s, 352,000 records. DPU-hours: 2 G.1X workers for 411.5 s and 3 for
/// 3,188.5 s = 2.885.
#[test]
fn auto_scaling_doubles_executors_when_batches_near_the_window() {
    let mut g = job();
    g.job.auto_scaling = true;
    g.job.number_of_workers = 9;
    g.batch.per_record_us = 9_000.0;
    let t = run("1h", 100, 100, json!([]), &g);
    let (c, s) = summary(&t);
    assert_eq!(s.micro_batches, 36);
    assert_eq!(c.processed, 352_000);
    assert_eq!(s.max_workers, 3);
    assert_eq!(s.dpu_hours.0, 2.885);
    let scalings: Vec<(u64, String)> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            shardscope_engine::trace::EventKind::ConsumerNote { what, detail, .. }
                if what == "scale" =>
            {
                Some((e.at.0 / 1_000, detail.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(scalings.len(), 1);
    assert_eq!(scalings[0].0, 411_500);
    assert!(scalings[0].1.contains("1 → 2 executors"));
}

/// With `EnableFanOut` the busy shard of the test above keeps up: its records are
/// pushed on the job's own 2 MiB/s (more than the 1 MB/s written) and a batch takes
/// up to `MaxFetchRecordsPerShard` (100,000) from the buffer. The first trigger (20 s)
/// comes at the instant the subscription starts: nothing pushed yet, no batch. Then
/// batches at 120 … 520 s take 100,000 records each (11.5 s of processing):
/// 500,000 processed instead of 60,000, and no read throttles.
#[test]
fn enhanced_fan_out_keeps_a_busy_shard_up() {
    let mut g = job();
    g.source.enable_fan_out = true;
    let t = run("10m", 1_000, 1_000, json!([]), &g);
    let (c, s) = summary(&t);
    assert_eq!(s.micro_batches, 5);
    assert_eq!(c.processed, 500_000);
    assert_eq!(s.max_batch_processing_ms, 11_500);
    assert_eq!(t.summary.stream.read_throttled_calls, 0);
}
