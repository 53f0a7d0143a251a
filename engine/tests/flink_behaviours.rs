//! Managed Service for Apache Flink reading the stream: each behaviour as a
//! scenario whose numbers a reader can work out by hand
//! (reference/flink-and-kda-sql.md Part A and Part C).
//!
//! Counting rules used throughout: a producer at 100 records/s writes 10 records
//! on each 100 ms tick (0.1 s, 0.2 s, …); the subtasks step at 50 ms past each
//! second, so the step at 59.05 s has read the 590 ticks up to 59.0 s (5,900
//! records); a timeline action at `t` runs before the producers' tick at `t`.

use serde_json::{json, Value};
use shardscope_engine::flink::FlinkSummary;
use shardscope_engine::scenario;
use shardscope_engine::trace::{ConsumerSummary, EventKind};
use shardscope_engine::{Simulation, Trace};

fn run(v: &Value) -> Trace {
    let s = scenario::from_value(v).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&s).expect("simulation").finish()
}

/// The consumer `app`, after checking conservation.
fn summary(t: &Trace) -> (ConsumerSummary, FlinkSummary) {
    let c = t.summary.consumers["app"].clone();
    assert_eq!(
        c.records_in_scope,
        c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
        "conservation: {c:?}"
    );
    let f = c.flink.clone().expect("a flink block");
    (c, f)
}

/// The Flink events with `what`, as JSON with `at_ms`.
fn events(t: &Trace, what: &str) -> Vec<Value> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Flink(ev) if ev.what == what => {
                let mut v = serde_json::to_value(ev).ok()?;
                v["at_ms"] = (e.at.0 / 1_000).into();
                Some(v)
            }
            _ => None,
        })
        .collect()
}

fn rejections(t: &Trace) -> Vec<String> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionRejected { action, error, .. } => Some(format!("{action}: {error}")),
            _ => None,
        })
        .collect()
}

/// `shards` shards, 100 records/s, one Flink consumer `app` with `app`'s keys.
fn story(duration: &str, shards: u32, app: Value, timeline: Value) -> Value {
    let mut consumer = json!({ "kind": "flink", "name": "app" });
    if let (Some(c), Some(extra)) = (consumer.as_object_mut(), app.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    json!({
        "format": "shardscope/1",
        "duration": duration,
        "stream": { "ShardCount": shards },
        "producers": [ { "name": "p", "records_per_second": 100 * shards, "partition_keys": 100 } ],
        "consumers": [ consumer ],
        "timeline": timeline
    })
}

fn parallelism(p: u32, per_kpu: u32, autoscaling: bool) -> Value {
    json!({ "FlinkApplicationConfiguration": { "ParallelismConfiguration": {
        "ConfigurationType": "CUSTOM", "Parallelism": p, "ParallelismPerKPU": per_kpu,
        "AutoScalingEnabled": autoscaling } } })
}

/// A poison record written at 90 s fails the job at the 90.05 s step. The only
/// completed checkpoint started at 60 s (position 5,900); each restore, 10 s
/// after a failure, reads 5,900..8,990 again and fails on the poison record at
/// 8,990. Failures at 90.05, 100.05, …, 290.05 s: 21 restarts, 20 restores of
/// 3,090 records each = 61,800 duplicates at the at-least-once sink. Downtime:
/// 20 × 10 s + 4.95 s still restarting at 295 s = 204,950 ms. No checkpoint
/// completes after the first (the next is due 60 s after a restore). KPUs:
/// Parallelism 1 = 1 KPU + 1 for orchestration = 2, for 295 s = 0.163 KPU-hours.
#[test]
fn a_poison_record_makes_an_endless_restart_loop() {
    let t = run(&story(
        "295s",
        1,
        json!({}),
        json!([{ "at": "90s", "do": "poison", "partition_key": "k-1" }]),
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.restarts, 21);
    assert_eq!(f.checkpoints_completed, 1);
    assert_eq!(f.duplicates_at_sink, 20 * 3_090);
    assert_eq!(f.downtime_ms, 204_950);
    assert_eq!(f.max_kpus, 2);
    assert_eq!(f.kpu_hours.0, 0.163);
    assert_eq!(c.processed, 8_990);
    let failures = events(&t, "failure");
    assert_eq!(failures.len(), 21);
    assert_eq!(failures[0]["at_ms"], 90_050);
    assert_eq!(failures[0]["sequence_number"], "8990");
    assert_eq!(failures[20]["at_ms"], 290_050);
    let restores = events(&t, "restore");
    assert_eq!(restores.len(), 20);
    assert!(restores
        .iter()
        .all(|r| r["checkpoint"] == 1 && r["rewound_records"] == 3_090));
    // millisBehindLatest climbs: at 295 s the job still stands at the record of 59.1 s.
    // millisBehindLatest climbs: at the 294.05 s step the job still stands at
    // the poison record, written at 90 s.
    assert_eq!(f.max_millis_behind_latest, 204_050);
}

/// Deploying code that sends the poison record to a side output ends the loop:
/// the update at 95 s (while the job restarts) takes effect at the 100.05 s
/// restore; the poison record is discarded (recorded in the side output) and
/// the job catches up.
#[test]
fn a_fix_deployed_during_the_loop_ends_it() {
    let t = run(&story(
        "5m",
        1,
        json!({}),
        json!([
            { "at": "90s", "do": "poison", "partition_key": "k-1" },
            { "at": "95s", "do": "update_application", "consumer": "app",
              "job": { "on_poison": "side_output" } }
        ]),
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.restarts, 1);
    assert_eq!(c.discarded, 1);
    // The one restore re-read 3,090 records already emitted.
    assert_eq!(f.duplicates_at_sink, 3_090);
    // At 5 m everything up to the 299.05 s step is processed: 2,990 ticks.
    assert_eq!(c.processed, 29_900);
    assert_eq!(f.downtime_ms, 10_000);
}

/// `fail` at 90 s: the job had read 8,900 records (the 89.05 s step), the
/// checkpoint holds 5,900; the restore at 100 s reads 3,000 again. An
/// at-least-once sink receives them twice; an exactly-once sink had not
/// committed them (it commits with each checkpoint) and receives them once.
#[test]
fn at_least_once_duplicates_exactly_once_does_not() {
    let timeline = json!([{ "at": "90s", "do": "fail", "consumer": "app" }]);
    let t = run(&story("3m", 1, json!({}), timeline.clone()));
    let (_, f) = summary(&t);
    assert_eq!(f.restarts, 1);
    assert_eq!(f.duplicates_at_sink, 3_000);
    assert_eq!(events(&t, "restore")[0]["rewound_records"], 3_000);

    let t = run(&story(
        "3m",
        1,
        json!({ "job": { "sink": "exactly_once" } }),
        timeline,
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.duplicates_at_sink, 0);
    // Committed by the checkpoints that started at 60 s (5,900) and, after
    // the restore at 100 s, at 160 s (15,900: the 159.05 s step).
    assert_eq!(c.processed, 15_900);
}

/// CheckpointInterval 10 s, MinPauseBetweenCheckpoints 5 s, checkpoints that take
/// 8 s: starts at 10 s, then max(10 + 10, 18 + 5) = 23 s, 36 s, 49 s; the
/// fourth ends at 57 s, the fifth (62 s) would start after the run.
#[test]
fn checkpoints_start_an_interval_apart_but_never_within_the_min_pause() {
    let app = json!({
        "ApplicationConfiguration": { "FlinkApplicationConfiguration": { "CheckpointConfiguration": {
            "ConfigurationType": "CUSTOM", "CheckpointInterval": 10_000,
            "MinPauseBetweenCheckpoints": 5_000 } } },
        "job": { "checkpoint_ms": 8_000 }
    });
    let t = run(&story("60s", 1, app, json!([])));
    let (_, f) = summary(&t);
    assert_eq!(f.checkpoints_completed, 4);
    let starts: Vec<Value> = events(&t, "checkpoint")
        .iter()
        .map(|c| c["started_ms"].clone())
        .collect();
    assert_eq!(starts, vec![10_000, 23_000, 36_000, 49_000]);
}

/// One shard read by two subtasks: the second has no shard and, without
/// idleness, holds the watermark back, so the one-minute tumbling windows never
/// fire and nothing is emitted. With `idleness` it is ignored: at 5 m the
/// watermark is the last arrival read (299.0 s), so the windows up to [3m, 4m)
/// have fired: the records that arrived before 240 s are processed — 2,399 ticks
/// of 10 (0.1 s … 239.9 s), and 9 of the 240.0 s tick, whose 10 records arrive
/// spread over the 100 ms before it.
#[test]
fn an_idle_subtask_holds_back_the_watermark() {
    let window = |idle: bool| {
        let mut w = json!({ "type": "tumbling", "size": "1m" });
        if idle {
            w["idleness"] = json!("30s");
        }
        json!({ "ApplicationConfiguration": parallelism(2, 1, false),
                "job": { "window": w } })
    };
    let t = run(&story("5m", 1, window(false), json!([])));
    let (c, _) = summary(&t);
    assert_eq!(c.processed, 0);
    assert_eq!(c.pending_at_end, c.records_in_scope);

    let t = run(&story("5m", 1, window(true), json!([])));
    let (c, _) = summary(&t);
    assert_eq!(c.processed, 2_399 * 10 + 9);
}

/// KPUs = ⌈Parallelism / ParallelismPerKPU⌉ + 1: 5 subtasks at 2 per KPU = 3 + 1 = 4.
#[test]
fn kpus_are_parallelism_over_parallelism_per_kpu_plus_one() {
    let t = run(&story(
        "1h",
        1,
        json!({ "ApplicationConfiguration": parallelism(5, 2, false) }),
        json!([]),
    ));
    let (_, f) = summary(&t);
    assert_eq!(f.max_kpus, 4);
    assert_eq!(f.kpu_hours.0, 4.0);
}

/// One shard at 1,000 records/s and 800 µs a record: the one subtask's KPU is
/// 80 % busy. After 15 such minutes the autoscaler doubles the parallelism
/// (1 → 2, KPUs 2 → 3) with a snapshot and 30 s of downtime. The second subtask
/// gets no shard, so the busy KPU stays at 80 % and 15 minutes later (the
/// first minute after the restart gives no datapoint) it doubles again: 2 → 4.
#[test]
fn autoscaling_doubles_parallelism_with_downtime() {
    let v = json!({
        "format": "shardscope/1", "duration": "40m", "stream": { "ShardCount": 1 },
        "producers": [ { "name": "p", "records_per_second": 1000, "record_bytes": 100 } ],
        "consumers": [ { "kind": "flink", "name": "app", "job": { "per_record_us": 800 } } ]
    });
    let t = run(&v);
    let (_, f) = summary(&t);
    let scales = events(&t, "scale");
    assert_eq!(scales.len(), 2, "{scales:?}");
    assert_eq!(scales[0]["from_parallelism"], 1);
    assert_eq!(scales[0]["parallelism"], 2);
    assert_eq!(scales[0]["at_ms"], 15 * 60_000 + 50);
    assert_eq!(scales[1]["parallelism"], 4);
    assert_eq!(f.snapshots, 2);
    assert_eq!(f.parallelism_at_end, 4);
    assert_eq!(f.max_kpus, 5);
    assert_eq!(f.downtime_ms, 2 * 30_000);
}

/// Stop with a snapshot at 2 m, start at 3 m restoring it: no record is lost
/// or sent twice. Force-stop (no snapshot) and start skipping the snapshot: the
/// source starts again at LATEST, and the 6,000 records written while stopped
/// are skipped — counted, never silent.
#[test]
fn reprocess_restore_a_snapshot_or_skip() {
    let timeline = |force: bool, restore: &str| {
        json!([
            { "at": "2m", "do": "stop_application", "consumer": "app", "Force": force },
            { "at": "3m", "do": "start_application", "consumer": "app",
              "RunConfiguration": { "ApplicationRestoreConfiguration": {
                  "ApplicationRestoreType": restore } } }
        ])
    };
    let t = run(&story(
        "5m",
        1,
        json!({}),
        timeline(false, "RESTORE_FROM_LATEST_SNAPSHOT"),
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.snapshots, 1);
    assert_eq!(f.duplicates_at_sink, 0);
    assert_eq!(f.records_skipped, 0);
    assert_eq!(c.processed, 29_900);
    assert_eq!(events(&t, "restore")[0]["snapshot"], "stop-1");

    let t = run(&story(
        "5m",
        1,
        json!({}),
        timeline(true, "SKIP_RESTORE_FROM_SNAPSHOT"),
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.snapshots, 0);
    // Read up to the 119.05 s step (11,900); restarted at LATEST at 180 s,
    // before that second's tick (17,990).
    assert_eq!(f.records_skipped, 17_990 - 11_900);
    assert_eq!(c.processed, 29_900 - 6_090);
    assert_eq!(c.pending_at_end, 6_090 + 100);
}

/// Without snapshots an update loses the state: the job starts again from
/// InitialPosition (LATEST), 30 s later, and what was written meanwhile is skipped.
#[test]
fn without_snapshots_an_update_loses_the_positions() {
    let app = json!({ "ApplicationConfiguration": {
        "ApplicationSnapshotConfiguration": { "SnapshotsEnabled": false } } });
    let t = run(&story(
        "3m",
        1,
        app,
        json!([{ "at": "60s", "do": "update_application", "consumer": "app",
                 "job": { "per_record_us": 20 } }]),
    ));
    let (_, f) = summary(&t);
    assert_eq!(f.snapshots, 0);
    // Read up to the 59.05 s step (5,900); restarted at LATEST at 90 s (9,000).
    assert_eq!(f.records_skipped, 3_100);
    assert_eq!(f.downtime_ms, 30_000);
}

/// The API's status rules: StartApplication needs READY, a normal stop needs
/// RUNNING, a custom snapshot must exist.
#[test]
fn actions_in_the_wrong_status_are_rejected() {
    let t = run(&story(
        "3m",
        1,
        json!({}),
        json!([
            { "at": "10s", "do": "start_application", "consumer": "app" },
            { "at": "20s", "do": "stop_application", "consumer": "app" },
            { "at": "30s", "do": "create_snapshot", "consumer": "app" },
            { "at": "40s", "do": "start_application", "consumer": "app",
              "RunConfiguration": { "ApplicationRestoreConfiguration": {
                  "ApplicationRestoreType": "RESTORE_FROM_CUSTOM_SNAPSHOT", "SnapshotName": "nope" } } }
        ]),
    ));
    assert_eq!(
        rejections(&t),
        vec![
            "start_application: ResourceInUseException",
            "create_snapshot: ResourceInUseException",
            "start_application: ResourceNotFoundException",
        ]
    );
}

/// A snapshot taken with a window, restored into code without the window: the
/// restore faults unless AllowNonRestoredState is true.
#[test]
fn removing_an_operator_needs_allow_non_restored_state() {
    let timeline = |allow: bool| {
        json!([
            { "at": "60s", "do": "stop_application", "consumer": "app" },
            { "at": "70s", "do": "update_application", "consumer": "app", "job": { "window": null } },
            { "at": "80s", "do": "start_application", "consumer": "app",
              "RunConfiguration": { "FlinkRunConfiguration": { "AllowNonRestoredState": allow } } }
        ])
    };
    let app = json!({ "job": { "window": { "type": "tumbling", "size": "10s" } } });
    let t = run(&story("2m", 1, app.clone(), timeline(false)));
    let r = events(&t, "restore");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["outcome"], "restore_failed");
    let t = run(&story("2m", 1, app, timeline(true)));
    assert_eq!(events(&t, "restore")[0]["outcome"], "snapshot");
}

fn efo() -> Value {
    json!({ "source": { "enhanced_fan_out": true } })
}

fn read_throttles(t: &Trace, consumer: &str) -> usize {
    t.events
        .iter()
        .filter(
            |e| matches!(&e.kind, EventKind::ReadThrottled { consumer: c, .. } if c == consumer),
        )
        .count()
}

/// Beside five readers that poll the shard every second, a polling job shares
/// the shard's 5 calls and 2 MiB a second: at 500 records/s of 1,000 bytes six
/// readers need 3 MB/s, and the job, reading once a second, falls minutes
/// behind. With enhanced fan-out it reads on its own 2 MiB/s and is never
/// throttled: each 100 ms tick is pushed 70 ms after it, so the 599.05 s step
/// has everything up to the tick at 598.9 s and stands less than 150 ms behind
/// (the first record of the 599.0 s tick); only the 11 ticks from 599.0 s on
/// (550 records) are pending at the end.
#[test]
fn enhanced_fan_out_reads_on_its_own_throughput() {
    use shardscope_engine::testing::TestPoller;
    let run_with_pollers = |app: Value| {
        let mut v = story("10m", 1, app, json!([]));
        v["producers"][0]["records_per_second"] = 500.into();
        v["producers"][0]["record_bytes"] = 1_000.into();
        let s = scenario::from_value(&v).unwrap();
        let mut sim = Simulation::new(&s).unwrap();
        for i in 0..5 {
            sim.add_consumer(&format!("poller{i}"), TestPoller::boxed())
                .unwrap();
        }
        sim.finish()
    };
    let t = run_with_pollers(json!({}));
    let (c, f) = summary(&t);
    assert!(read_throttles(&t, "app") > 0);
    assert!(c.processed < c.records_in_scope * 6 / 10, "{c:?}");
    assert!(f.max_millis_behind_latest > 4 * 60_000, "{f:?}");

    let t = run_with_pollers(efo());
    let (c, f) = summary(&t);
    assert_eq!(read_throttles(&t, "app"), 0);
    assert_eq!(c.records_in_scope, 300_000);
    assert_eq!(c.pending_at_end, 550);
    assert!(f.max_millis_behind_latest < 150, "{f:?}");
    let start = &events(&t, "status")[0];
    assert!(start["why"].as_str().unwrap().contains("enhanced fan-out"));
    assert!(start["assumption"].as_str().unwrap().contains("10,000"));
}

/// A job that processes 250 records a second (4,000 µs each, Parallelism 1)
/// behind 500 records/s: its buffer of pushed records fills, the subscription
/// pauses at 10,000 waiting records and resumes at half (an assumption), and
/// nothing is lost: the steps from 1.05 s to 599.05 s process 599 × 250 =
/// 149,750 records, exactly what the polling job processes.
#[test]
fn enhanced_fan_out_a_slow_job_pauses_the_pushes_and_loses_nothing() {
    let slow = |efo: bool| {
        let mut app = json!({ "job": { "per_record_us": 4000 } });
        if efo {
            app["source"] = json!({ "enhanced_fan_out": true });
        }
        let mut v = story("10m", 1, app, json!([]));
        v["producers"][0]["records_per_second"] = 500.into();
        v
    };
    // The simulation's events, every producer tick on its own: a subscription that
    // pushed on every 100 ms tick would add 6,000 in 10 minutes; paused most of the
    // time, it adds fewer than 1,000.
    let events = |efo: bool| {
        let v = slow(efo);
        let mut sim = Simulation::new(&scenario::from_value(&v).unwrap()).unwrap();
        sim.tick_by_tick();
        sim.run();
        sim.events_processed()
    };
    assert!(events(true) < events(false) + 1_000);
    for efo in [false, true] {
        let t = run(&slow(efo));
        let (c, f) = summary(&t);
        assert_eq!(c.processed, 149_750, "efo {efo}");
        assert_eq!(c.pending_at_end, 300_000 - 149_750, "efo {efo}");
        assert_eq!(c.ordering_violations, 0);
        // It stands at the record of about 300 s at 599.05 s.
        assert!(f.max_millis_behind_latest > 299_000, "{f:?}");
    }
}

/// The restart loop with enhanced fan-out. A push reaches the job 70 ms after
/// the write, so the 59.05 s step has read to the 58.9 s tick (5,890 records,
/// the checkpoint of 60 s) and the poison record (8,990, written at 90 s) fails
/// the 91.05 s step. Each restore subscribes again at 5,890; its first push
/// comes after that instant's step, so the next step, 1 s later, fails again:
/// failures at 91.05 + 11 k s up to 289.05 s (19), 18 restores of 3,100
/// records (55,800 duplicates), downtime 18 × 10 s + 5.95 s = 185,950 ms.
#[test]
fn enhanced_fan_out_restart_loop_resubscribes_at_the_checkpoint() {
    let t = run(&story(
        "295s",
        1,
        efo(),
        json!([{ "at": "90s", "do": "poison", "partition_key": "k-1" }]),
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.restarts, 19);
    assert_eq!(f.duplicates_at_sink, 18 * 3_100);
    assert_eq!(f.downtime_ms, 185_950);
    assert_eq!(c.processed, 8_990);
    let failures = events(&t, "failure");
    assert_eq!(failures[0]["at_ms"], 91_050);
    assert_eq!(failures[1]["at_ms"], 102_050);
    assert_eq!(failures[18]["at_ms"], 289_050);
    assert!(failures.iter().all(|e| e["sequence_number"] == "8990"));
    let restores = events(&t, "restore");
    assert!(restores
        .iter()
        .all(|r| r["checkpoint"] == 1 && r["rewound_records"] == 3_100));
}
