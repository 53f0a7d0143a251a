//! The Glue streaming job (issue 13): each behaviour as a run whose numbers a
//! reader can work out by hand (reference/firehose-and-glue.md Part 2 and §4).
//! Each run goes through the format: the job's canonical JSON is read back.
//!
//! Counting rules: a producer at 100 records/s writes 10 records on each 100 ms
//! tick; a run starts 20 s after StartJobRun (an assumption); the first trigger is
//! then, and the next ones `windowSize` apart.

use serde_json::{json, Value};
use shardscope_engine::glue::{GlueEvent, GlueSummary};
use shardscope_engine::scenario::glue::{
    BatchModel, ForEachBatch, GlueConsumer, GlueJob, GlueVersion, KinesisSource, WorkerType,
};
use shardscope_engine::scenario::{self, StartingPosition};
use shardscope_engine::time::SimDuration;
use shardscope_engine::trace::{ConsumerSummary, EventKind};
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
        "consumers": []
    });
    let mut s = scenario::from_value(&v).unwrap_or_else(|e| panic!("{e}"));
    s.consumers.push(scenario::Consumer {
        name: "etl".into(),
        kind: scenario::ConsumerKind::Glue(g.clone()),
    });
    // Through the format: the job's canonical JSON, with the timeline, is read back.
    let mut v = s.to_json();
    v["timeline"] = timeline;
    let s2 = scenario::from_value(&v).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s2.consumers, s.consumers);
    Simulation::new(&s2).expect("simulation").finish()
}

/// The Glue events `what` of the trace, with their time in ms.
fn glue_events<'t>(t: &'t Trace, what: &'t str) -> impl Iterator<Item = (u64, &'t GlueEvent)> + 't {
    t.events.iter().filter_map(move |e| match &e.kind {
        EventKind::Glue(g) if g.what == what => Some((e.at.0 / 1_000, &**g)),
        _ => None,
    })
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
    // The batch holds 10,001 records by 120 s: its first call returns 10,000 (1 MB),
    // so the calls at 120.2 and 120.4 s are throttled by the shard's 2 MiB/s and the
    // one at 120.6 s takes the last one and the 60 written since: 10,061 records,
    // 1.5 + 1.0061 s an attempt, after back-offs of 1, 2 and 5 s.
    let failed: Vec<(u64, Option<u32>, Option<u64>)> = glue_events(&t, "batch_failed")
        .map(|(ms, e)| (ms, e.attempt, e.retry_in_ms))
        .collect();
    assert_eq!(
        failed[..4],
        [
            (123_106, Some(1), Some(1_000)),
            (126_612, Some(2), Some(2_000)),
            (131_118, Some(3), Some(5_000)),
            (138_624, Some(4), None),
        ]
    );
    let r = runs(&t);
    assert_eq!(
        r[2..],
        [
            (138, "FAILED", "jr_1".to_string()),
            (138, "STARTING", "jr_1_attempt_1".to_string()),
            (158, "RUNNING", "jr_1_attempt_1".to_string()),
            (176, "FAILED", "jr_1_attempt_1".to_string()),
        ]
    );
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
    let scalings: Vec<(u64, Option<u32>, Option<u32>)> = glue_events(&t, "scale")
        .map(|(at, e)| (at, e.from_workers, e.workers))
        .collect();
    // 1 → 2 executors: 2 → 3 workers with the driver.
    assert_eq!(scalings, [(411_500, Some(2), Some(3))]);
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

/// The actions of the trace rejected, as (time in s, action, error).
fn rejected(t: &Trace) -> Vec<(u64, &'static str, &'static str)> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionRejected { action, error, .. } => {
                Some((e.at.0 / 1_000_000, *action, *error))
            }
            _ => None,
        })
        .collect()
}

/// The run states of the trace, as (time in s, state, run id).
fn runs(t: &Trace) -> Vec<(u64, &'static str, String)> {
    glue_events(t, "run")
        .map(|(ms, e)| {
            let id = e.run_id.clone().unwrap_or_default();
            (ms / 1_000, e.state.unwrap_or(""), id)
        })
        .collect()
}

/// Manual scaling is stop, then start with more workers. Batches at 20 s (2,000
/// records), 120 and 220 s (10,000 each) on one executor; `start_job` at 100 s is
/// refused (MaxConcurrentRuns 1), the run is STOPPED at 250 s with nothing
/// uncommitted, a second `stop_job` at 280 s is refused; `start_job` at 300 s with 3
/// workers is RUNNING at 320 s and its first batch reads from the checkpoint the
/// 10,000 records written since 220 s, on 2 executors (1.5 s + 0.5 s). Batches at
/// 420 and 520 s: 6 in all, 52,000 processed, none twice. DPU: 2 workers × 250 s +
/// 3 × 300 s = 1,400 DPU-seconds = 0.388 DPU-hours (to three decimals, down).
#[test]
fn scaling_workers_needs_a_stop_and_a_start() {
    let timeline = json!([
        { "at": "100s", "do": "start_job", "consumer": "etl" },
        { "at": "250s", "do": "stop_job", "consumer": "etl" },
        { "at": "280s", "do": "stop_job", "consumer": "etl" },
        { "at": "300s", "do": "start_job", "consumer": "etl", "NumberOfWorkers": 3 }
    ]);
    let t = run("10m", 100, 100, timeline, &job());
    let (c, g) = summary(&t);
    assert_eq!(
        rejected(&t),
        [
            (100, "start_job", "ConcurrentRunsExceededException"),
            (280, "stop_job", "BatchStopJobRunError")
        ]
    );
    assert_eq!(
        runs(&t),
        [
            (0, "STARTING", "jr_1".to_string()),
            (20, "RUNNING", "jr_1".to_string()),
            (250, "STOPPED", "jr_1".to_string()),
            (300, "STARTING", "jr_2".to_string()),
            (320, "RUNNING", "jr_2".to_string()),
        ]
    );
    let batches: Vec<(u64, Option<u64>, Option<u64>)> = glue_events(&t, "batch")
        .map(|(ms, e)| (ms, e.records, e.processing_ms))
        .collect();
    assert_eq!(batches[3], (322_000, Some(10_000), Some(2_000)));
    assert_eq!(
        (g.micro_batches, c.processed, c.redeliveries),
        (6, 52_000, 0)
    );
    assert_eq!((g.job_runs, g.max_workers), (2, 3));
    assert_eq!(g.dpu_hours.0, 0.388);
}

/// Reprocessing: a new checkpointLocation at 300 s while the job runs (from
/// TRIM_HORIZON). The first run committed 22,000 records (batches at 20, 120 and
/// 220 s); it is STOPPED, the location becomes `…/etl-reset-1/`, and a second run
/// (RUNNING at 320 s) reads from the trim horizon again: its first batch holds the
/// 32,000 records written by then, in 4 calls of at most 10,000 200 ms apart, the
/// last at 320.6 s also taking the 60 written meanwhile: 32,060 records, processed
/// in 1.5 + 3.206 s after the 0.6 s of fetching: 5,306 ms. Then 420 and 520 s. 52,000
/// processed, 22,000 of them twice (redeliveries); no failed attempt, so no
/// `duplicates`.
#[test]
fn a_new_checkpoint_location_reads_again_from_the_starting_position() {
    let timeline = json!([{ "at": "300s", "do": "reset_checkpoint", "consumer": "etl" }]);
    let t = run("10m", 100, 10, timeline, &job());
    let (c, g) = summary(&t);
    let resets: Vec<Option<String>> = glue_events(&t, "checkpoint_reset")
        .map(|(_, e)| e.checkpoint_location.clone())
        .collect();
    assert_eq!(
        resets,
        [Some("s3://bucket/checkpoint/etl-reset-1/".to_string())]
    );
    assert_eq!(runs(&t)[2], (300, "STOPPED", "jr_1".to_string()));
    let batches: Vec<(u64, Option<u64>, Option<u64>)> = glue_events(&t, "batch")
        .map(|(ms, e)| (ms / 1_000, e.records, e.processing_ms))
        .collect();
    assert_eq!(batches[3], (325, Some(32_060), Some(5_306)));
    assert_eq!(g.micro_batches, 6);
    assert_eq!(
        (c.processed, c.redeliveries, g.duplicates),
        (52_000, 22_000, 0)
    );
}

/// The weekly maintenance restart (no MaintenanceWindow): 7 days after it started
/// (604,800 s) the run has no batch in progress (the one of 604,720 s committed at
/// once), so it is EXPIRED then and `jr_1_restart_1` starts, RUNNING 20 s later,
/// and resumes from the checkpoint: nothing lost, nothing twice; the last batch, at
/// 605,020 s, commits all written by then. With a `Timeout`
/// of 60 minutes instead, the run ends TIMEOUT at 3,600 s and is not retried,
/// although MaxRetries is 3: the stream ages on (one record a second after 3,520 s is
/// pending).
#[test]
fn maintenance_restarts_a_run_after_seven_days_and_a_timeout_ends_it() {
    let t = run("7d5m", 1, 100, json!([]), &job());
    let (c, g) = summary(&t);
    let r = runs(&t);
    assert_eq!(
        r[2..],
        [
            (604_800, "EXPIRED", "jr_1".to_string()),
            (604_800, "STARTING", "jr_1_restart_1".to_string()),
            (604_820, "RUNNING", "jr_1_restart_1".to_string()),
        ]
    );
    assert_eq!((g.job_runs, g.failed_runs, c.redeliveries), (2, 0, 0));
    assert_eq!(c.processed, 605_020);

    let mut g = job();
    g.job.timeout_minutes = Some(60);
    g.job.max_retries = 3;
    let t = run("2h", 1, 100, json!([]), &g);
    let (c, s) = summary(&t);
    assert_eq!(runs(&t)[2], (3_600, "TIMEOUT", "jr_1".to_string()));
    assert_eq!(s.job_runs, 1);
    assert_eq!(c.processed, 3_520);
    assert_eq!(c.pending_at_end, 7_200 - 3_520);
}
