//! The scenario format of `"kind": "flink"`: AWS's defaults and ranges, the
//! DEFAULT/CUSTOM rule, the restore configuration, the Flink actions, and the
//! canonical form. Every message asserted here is part of what a reader sees.

use serde_json::{json, Value};
use shardscope_engine::scenario::{self, ConsumerKind, FlinkConsumer, Scenario, StartingPosition};

fn with_flink(app: Value) -> Value {
    let mut consumer = json!({ "kind": "flink", "name": "app" });
    if let (Some(c), Some(extra)) = (consumer.as_object_mut(), app.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    json!({
        "format": "shardscope/1",
        "duration": "1h",
        "stream": { "ShardCount": 2 },
        "producers": [ { "name": "web", "records_per_second": 10 } ],
        "consumers": [ consumer ]
    })
}

fn ok(v: &Value) -> Scenario {
    scenario::from_value(v).unwrap_or_else(|e| panic!("expected a valid scenario, got {e}"))
}

fn flink(s: &Scenario) -> &FlinkConsumer {
    match &s.consumers[0].kind {
        ConsumerKind::Flink(f) => f,
        other => panic!("not a Flink consumer: {other:?}"),
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
    let s = ok(&with_flink(json!({})));
    let f = flink(&s);
    let c = f.checkpoint;
    assert_eq!(
        (c.enabled, c.interval_ms, c.min_pause_ms),
        (true, 60_000, 5_000)
    );
    let p = f.parallelism;
    assert_eq!(
        (p.parallelism, p.parallelism_per_kpu, p.autoscaling),
        (1, 1, true)
    );
    assert!(f.snapshots_enabled);
    assert_eq!(f.source.initial_position, StartingPosition::Latest);
    assert!(
        !f.source.enhanced_fan_out,
        "POLLING is the reader type by default"
    );
    assert!(!f.job.exactly_once);
    assert!(f.job.window.is_none());
}

#[test]
fn default_configuration_types_forbid_their_fields() {
    assert_error(
        with_flink(json!({ "ApplicationConfiguration": { "FlinkApplicationConfiguration": {
            "CheckpointConfiguration": { "ConfigurationType": "DEFAULT", "CheckpointInterval": 10_000 } } } })),
        "consumers[0].ApplicationConfiguration.FlinkApplicationConfiguration.CheckpointConfiguration.CheckpointInterval",
        "is ignored with ConfigurationType DEFAULT (the service enforces checkpointing every 60,000 ms, 5,000 ms apart); set ConfigurationType to CUSTOM to change it",
    );
    assert_error(
        with_flink(json!({ "ApplicationConfiguration": { "FlinkApplicationConfiguration": {
            "ParallelismConfiguration": { "Parallelism": 4 } } } })),
        "consumers[0].ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.ConfigurationType",
        "is required but missing",
    );
}

#[test]
fn parallelism_is_capped_by_the_kpu_quota() {
    assert_error(
        with_flink(json!({ "ApplicationConfiguration": { "FlinkApplicationConfiguration": {
            "ParallelismConfiguration": { "ConfigurationType": "CUSTOM", "Parallelism": 65 } } } })),
        "consumers[0].ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.Parallelism",
        "65 is above ParallelismPerKPU × the KPU quota (1 × 64 = 64)",
    );
    ok(&with_flink(
        json!({ "ApplicationConfiguration": { "FlinkApplicationConfiguration": {
        "ParallelismConfiguration": { "ConfigurationType": "CUSTOM", "Parallelism": 65,
                                      "ParallelismPerKPU": 2 } } } }),
    ));
    assert_error(
        with_flink(json!({ "ApplicationConfiguration": { "FlinkApplicationConfiguration": {
            "ParallelismConfiguration": { "ConfigurationType": "CUSTOM", "ParallelismPerKPU": 9 } } } })),
        "consumers[0].ApplicationConfiguration.FlinkApplicationConfiguration.ParallelismConfiguration.ParallelismPerKPU",
        "9 is above the maximum 8",
    );
}

#[test]
fn the_job_and_its_window() {
    assert_error(
        with_flink(
            json!({ "job": { "window": { "type": "sliding", "size": "1m", "slide": "2m" } } }),
        ),
        "consumers[0].job.window.slide",
        "is longer than size: the windows would leave gaps",
    );
    assert_error(
        with_flink(json!({ "job": { "window": { "type": "session", "size": "1m" } } })),
        "consumers[0].job.window.size",
        "unknown key \"size\"; allowed keys here: type, gap, allowed_lateness, idleness",
    );
    assert_error(
        with_flink(json!({ "job": { "sink": "twice" } })),
        "consumers[0].job.sink",
        "\"twice\" is not a sink guarantee; allowed: at_least_once, exactly_once",
    );
}

#[test]
fn the_actions_check_their_shapes_and_their_consumer() {
    let mut v = with_flink(json!({}));
    v["timeline"] = json!([{ "at": "5m", "do": "start_application", "consumer": "app",
        "RunConfiguration": { "ApplicationRestoreConfiguration": {
            "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT" } } }]);
    assert_error(
        v.clone(),
        "timeline[0].RunConfiguration.ApplicationRestoreConfiguration.SnapshotName",
        "is required with RESTORE_FROM_CUSTOM_SNAPSHOT",
    );
    v["timeline"] = json!([{ "at": "5m", "do": "update_application", "consumer": "app" }]);
    assert_error(
        v.clone(),
        "timeline[0]",
        "update_application changes nothing; give ParallelismConfiguration or job",
    );
    v["consumers"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "kind": "lambda", "name": "fn",
            "EventSourceMapping": { "StartingPosition": "LATEST" } }));
    v["timeline"] = json!([{ "at": "5m", "do": "fail", "consumer": "fn" }]);
    assert_error(
        v,
        "timeline[0].consumer",
        "fail applies to a flink consumer, and \"fn\" is a lambda consumer",
    );
}

#[test]
fn the_canonical_form_reads_back_equal() {
    let mut v = with_flink(json!({
        "ApplicationConfiguration": {
            "FlinkApplicationConfiguration": {
                "CheckpointConfiguration": { "ConfigurationType": "CUSTOM", "CheckpointInterval": 30_000 },
                "ParallelismConfiguration": { "ConfigurationType": "CUSTOM", "Parallelism": 4,
                                              "ParallelismPerKPU": 2, "AutoScalingEnabled": false } },
            "ApplicationSnapshotConfiguration": { "SnapshotsEnabled": false } },
        "source": { "InitialPosition": "AT_TIMESTAMP", "InitialTimestamp": "5m",
                    "enhanced_fan_out": true },
        "job": { "per_record_us": 12.5, "sink": "exactly_once", "on_poison": "side_output",
                 "window": { "type": "sliding", "size": "1m", "slide": "10s", "idleness": "30s" } }
    }));
    v["timeline"] = json!([
        { "at": "5m", "do": "create_snapshot", "consumer": "app", "SnapshotName": "before" },
        { "at": "6m", "do": "stop_application", "consumer": "app", "Force": true },
        { "at": "7m", "do": "update_application", "consumer": "app",
          "ParallelismConfiguration": { "Parallelism": 8 }, "job": { "window": null } },
        { "at": "8m", "do": "start_application", "consumer": "app",
          "RunConfiguration": { "ApplicationRestoreConfiguration": {
              "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT", "SnapshotName": "before" },
              "FlinkRunConfiguration": { "AllowNonRestoredState": true } } },
        { "at": "9m", "do": "fail", "consumer": "app" }
    ]);
    let s = ok(&v);
    let again = ok(&s.to_json());
    assert_eq!(s, again);
    assert_eq!(again.to_json(), s.to_json());
}

#[test]
fn enhanced_fan_out_is_a_boolean_of_the_source() {
    let s = ok(&with_flink(
        json!({ "source": { "enhanced_fan_out": true } }),
    ));
    assert!(flink(&s).source.enhanced_fan_out);
    assert_error(
        with_flink(json!({ "source": { "enhanced_fan_out": "EFO" } })),
        "consumers[0].source.enhanced_fan_out",
        "expected a boolean (true or false), found a string",
    );
}
