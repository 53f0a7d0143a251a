//! The scenario format of `"kind": "glue"`: AWS's defaults and ranges, the Glue
//! version rules, the Glue actions, and the canonical form. Every message asserted
//! here is part of what a reader sees.

use serde_json::{json, Value};
use shardscope_engine::scenario::glue::{GlueAction, GlueConsumer, GlueVersion, WorkerType};
use shardscope_engine::scenario::{self, Action, ConsumerKind, Scenario, StartingPosition};
use shardscope_engine::time::SimDuration;

fn with_glue(job: Value, timeline: Value) -> Value {
    let mut consumer = json!({ "kind": "glue", "name": "etl" });
    if let (Some(c), Some(extra)) = (consumer.as_object_mut(), job.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    json!({
        "format": "shardscope/1",
        "duration": "1h",
        "stream": { "ShardCount": 2 },
        "producers": [ { "name": "web", "records_per_second": 10 } ],
        "consumers": [ consumer ],
        "timeline": timeline
    })
}

fn ok(v: &Value) -> Scenario {
    scenario::from_value(v).unwrap_or_else(|e| panic!("expected a valid scenario, got {e}"))
}

fn glue(s: &Scenario) -> &GlueConsumer {
    match &s.consumers[0].kind {
        ConsumerKind::Glue(g) => g,
        other => panic!("not a Glue consumer: {other:?}"),
    }
}

#[track_caller]
fn assert_error(v: Value, path: &str, message: &str) {
    match scenario::from_value(&v) {
        Ok(_) => panic!("expected an error at {path}"),
        Err(e) => assert_eq!((e.path.as_str(), e.message.as_str()), (path, message)),
    }
}

#[test]
fn defaults_are_aws_defaults() {
    let s = ok(&with_glue(json!({}), json!([])));
    let g = glue(&s);
    let j = &g.job;
    assert_eq!(
        (
            j.glue_version,
            j.worker_type,
            j.number_of_workers,
            j.max_retries
        ),
        (GlueVersion::V4, WorkerType::G1X, 2, 0)
    );
    assert!(!j.auto_scaling);
    assert_eq!(j.timeout_minutes, None);
    let src = g.source;
    assert_eq!(src.starting_position, StartingPosition::Latest);
    assert_eq!(
        (
            src.max_fetch_records_per_shard,
            src.max_fetch_time_ms,
            src.max_record_per_read,
            src.idle_time_between_reads_ms
        ),
        (100_000, 1_000, 10_000, 1_000)
    );
    assert!(!src.add_idle_time_between_reads && !src.enable_fan_out);
    let f = &g.for_each_batch;
    assert_eq!(f.window_size, SimDuration::from_secs(100));
    assert_eq!(f.checkpoint_location, "s3://shardscope/checkpoint/etl/");
    assert_eq!(f.batch_max_retries, 3);
    assert_eq!(
        (
            g.batch.startup_ms,
            g.batch.per_record_us,
            g.batch.error_rate
        ),
        (1_500, 100.0, 0.0)
    );
}

#[test]
fn aws_names_and_values_are_read() {
    let s = ok(&with_glue(
        json!({
            "Job": { "GlueVersion": "3.0", "WorkerType": "G.025X", "NumberOfWorkers": 10,
                     "MaxRetries": 2, "Timeout": 60,
                     "DefaultArguments": { "--enable-auto-scaling": "true" } },
            "KinesisStreamingSourceOptions": { "StartingPosition": "earliest",
                "MaxFetchRecordsPerShard": 20000, "MaxFetchTimeInMs": 2000,
                "MaxRecordPerRead": 5000, "AddIdleTimeBetweenReads": true,
                "IdleTimeBetweenReadsInMs": 500 },
            "forEachBatch": { "windowSize": "30s", "checkpointLocation": "s3://b/cp/",
                              "batchMaxRetries": 0 },
            "batch": { "startup_ms": 0, "per_record_us": 2.5, "error_rate": 0.1 }
        }),
        json!([]),
    ));
    let g = glue(&s);
    assert_eq!(g.job.worker_type.quarter_dpus(), 1);
    assert_eq!((g.job.number_of_workers, g.job.max_retries), (10, 2));
    assert_eq!(g.job.timeout_minutes, Some(60));
    assert!(g.job.auto_scaling);
    assert_eq!(g.source.starting_position, StartingPosition::TrimHorizon);
    assert_eq!(g.source.max_record_per_read, 5_000);
    assert_eq!(g.for_each_batch.window_size, SimDuration::from_secs(30));
    assert_eq!(g.batch.per_record_us, 2.5);
}

#[test]
fn bad_values_name_their_path() {
    let c = "consumers[0]";
    assert_error(
        with_glue(json!({ "Job": { "WorkerType": "Standard" } }), json!([])),
        &format!("{c}.Job.WorkerType"),
        "\"Standard\" is not a streaming WorkerType; allowed: G.025X, G.1X, G.2X, G.4X, G.8X",
    );
    assert_error(
        with_glue(
            json!({ "Job": { "GlueVersion": "2.0", "WorkerType": "G.025X" } }),
            json!([]),
        ),
        &format!("{c}.Job.WorkerType"),
        "G.025X needs GlueVersion 3.0 or later",
    );
    assert_error(
        with_glue(
            json!({ "Job": { "GlueVersion": "2.0",
                             "DefaultArguments": { "--enable-auto-scaling": "true" } } }),
            json!([]),
        ),
        &format!("{c}.Job.DefaultArguments"),
        "--enable-auto-scaling needs GlueVersion 3.0 or later",
    );
    assert_error(
        with_glue(
            json!({ "Job": { "DefaultArguments": { "--enable-auto-scaling": true } } }),
            json!([]),
        ),
        &format!("{c}.Job.DefaultArguments[\"--enable-auto-scaling\"]"),
        "expected a string, found a boolean",
    );
    assert_error(
        with_glue(
            json!({ "Job": { "GlueVersion": "3.0" },
                    "KinesisStreamingSourceOptions": { "EnableFanOut": true } }),
            json!([]),
        ),
        &format!("{c}.KinesisStreamingSourceOptions.EnableFanOut"),
        "enhanced fan-out needs GlueVersion 4.0 or later",
    );
    assert_error(
        with_glue(
            json!({ "KinesisStreamingSourceOptions": { "StartingPosition": "timestamp" } }),
            json!([]),
        ),
        &format!("{c}.KinesisStreamingSourceOptions.StartingTimestamp"),
        "is required when StartingPosition is timestamp",
    );
    assert_error(
        with_glue(
            json!({ "KinesisStreamingSourceOptions": { "StartingPosition": "LATEST" } }),
            json!([]),
        ),
        &format!("{c}.KinesisStreamingSourceOptions.StartingPosition"),
        "\"LATEST\" is not a starting position; allowed: latest, trim_horizon, earliest, timestamp",
    );
    assert_error(
        with_glue(json!({ "forEachBatch": { "windowSize": "0s" } }), json!([])),
        &format!("{c}.forEachBatch.windowSize"),
        "must be from 1s to 24h",
    );
    assert_error(
        with_glue(
            json!({ "forEachBatch": { "checkpointLocation": "/tmp/cp" } }),
            json!([]),
        ),
        &format!("{c}.forEachBatch.checkpointLocation"),
        "must be an s3:// location of at most 1,024 characters",
    );
    assert_error(
        with_glue(json!({ "Job": { "MaxRetries": 11 } }), json!([])),
        &format!("{c}.Job.MaxRetries"),
        "11 is above the maximum 10",
    );
    assert_error(
        with_glue(json!({ "Job": { "NumberOfWorkers": 1 } }), json!([])),
        &format!("{c}.Job.NumberOfWorkers"),
        "1 is below the minimum 2",
    );
}

#[test]
fn glue_actions_are_read_and_checked() {
    let s = ok(&with_glue(
        json!({}),
        json!([
            { "at": "10m", "do": "stop_job", "consumer": "etl" },
            { "at": "11m", "do": "start_job", "consumer": "etl", "NumberOfWorkers": 4,
              "WorkerType": "G.2X" },
            { "at": "20m", "do": "reset_checkpoint", "consumer": "etl",
              "checkpointLocation": "s3://b/cp2/" }
        ]),
    ));
    let actions: Vec<&Action> = s.timeline.iter().map(|e| &e.action).collect();
    assert_eq!(
        actions[1],
        &Action::Glue {
            consumer: "etl".into(),
            action: GlueAction::StartJob {
                number_of_workers: Some(4),
                worker_type: Some(WorkerType::G2X)
            }
        }
    );
    assert_error(
        with_glue(
            json!({}),
            json!([{ "at": "1m", "do": "stop_job", "consumer": "etl", "Force": true }]),
        ),
        "timeline[0].Force",
        "unknown key \"Force\"; allowed keys here: at, do, consumer",
    );
    let mut v = with_glue(
        json!({}),
        json!([{ "at": "1m", "do": "stop_job", "consumer": "app" }]),
    );
    v["consumers"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "kind": "flink", "name": "app" }));
    assert_error(
        v,
        "timeline[0].consumer",
        "stop_job applies to a glue consumer, and \"app\" is a flink consumer",
    );
}

#[test]
fn canonical_json_reads_back() {
    let v = with_glue(
        json!({
            "Job": { "NumberOfWorkers": 5, "Timeout": 120 },
            "KinesisStreamingSourceOptions": { "StartingPosition": "timestamp",
                                               "StartingTimestamp": "5m" }
        }),
        json!([{ "at": "20m", "do": "reset_checkpoint", "consumer": "etl" }]),
    );
    let s = ok(&v);
    let canonical = s.to_json();
    assert_eq!(
        canonical["consumers"][0]["KinesisStreamingSourceOptions"]["StartingPosition"],
        "timestamp"
    );
    assert_eq!(
        canonical["consumers"][0]["Job"]["DefaultArguments"]["--enable-auto-scaling"],
        "false"
    );
    assert_eq!(ok(&canonical), s);
}
