//! Kinesis Data Analytics for SQL (issue 14): each behaviour as a run whose numbers a
//! reader can work out by hand (reference/flink-and-kda-sql.md Part B, Part C rule 8).
//!
//! Counting rules: a producer at 100 records/s writes 10 records on each 100 ms tick;
//! the application steps once a second from 0 s, and the step at t reads what was
//! written up to t. A tumbling window of 60 s emits at 60, 120, … s the rows read in
//! the minute before (the first: the steps 1–59 s, 5,900 rows); an output takes
//! 100 ms a delivery, so what is emitted at the end is still pending.

use serde_json::{json, Value};
use shardscope_engine::kda_sql::{KdaSqlEvent, KdaSqlSummary};
use shardscope_engine::scenario;
use shardscope_engine::trace::{ConsumerSummary, EventKind};
use shardscope_engine::{Simulation, Trace};

const ARN: &str = "arn:aws:kinesis:us-east-1:123456789012:stream/out";

fn output(name: &str) -> Value {
    json!({ "Name": name, "KinesisStreamsOutput": { "ResourceARN": ARN } })
}

fn run(app: Value, timeline: Value) -> Trace {
    let mut consumer = json!({ "kind": "kda_sql", "name": "app",
        "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" } } ],
        "Outputs": [ output("DEST") ] });
    if let (Some(c), Some(extra)) = (consumer.as_object_mut(), app.as_object()) {
        for (k, v) in extra {
            c.insert(k.clone(), v.clone());
        }
    }
    let v = json!({
        "format": "shardscope/1",
        "duration": "10m",
        "stream": { "ShardCount": 1 },
        "producers": [ { "name": "p", "records_per_second": 100, "record_bytes": 100,
                         "partition_keys": 100 } ],
        "consumers": [ consumer ],
        "timeline": timeline
    });
    let s = scenario::from_value(&v).unwrap_or_else(|e| panic!("{e}"));
    // The canonical JSON reads back as the same scenario.
    assert_eq!(scenario::from_value(&s.to_json()).unwrap(), s);
    Simulation::new(&s).expect("simulation").finish()
}

fn summary(t: &Trace) -> (ConsumerSummary, KdaSqlSummary) {
    let c = t.summary.consumers["app"].clone();
    assert_eq!(
        c.records_in_scope,
        c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
        "conservation: {c:?}"
    );
    let k = c.kda_sql.clone().expect("a kda_sql block");
    (c, k)
}

fn events<'t>(t: &'t Trace, what: &'t str) -> impl Iterator<Item = (u64, &'t KdaSqlEvent)> + 't {
    t.events.iter().filter_map(move |e| match &e.kind {
        EventKind::KdaSql(k) if k.what == what => Some((e.at.0 / 1_000, &**k)),
        _ => None,
    })
}

/// A poison row at 150 s goes to `error_stream` and processing goes on: windows at
/// 60, 120, …, 600 s (10); the nine up to 540 s are delivered: 5,900 + 8 × 6,000 =
/// 53,900 processed; the one of 600 s (6,000 rows) and the 100 records written after
/// 599.0 s... are pending: 6,100 (the poison row is not among them).
#[test]
fn a_bad_row_goes_to_error_stream_and_processing_goes_on() {
    let t = run(
        json!({}),
        json!([{ "at": "150s", "do": "poison", "partition_key": "k-1" }]),
    );
    let (c, k) = summary(&t);
    assert_eq!((k.error_stream_records, c.discarded), (1, 1));
    assert_eq!(k.windows_emitted, 10);
    assert_eq!((c.processed, c.pending_at_end), (53_900, 6_100));
    let windows: Vec<(u64, Option<u64>)> = events(&t, "window")
        .map(|(ms, e)| (ms, e.rows))
        .take(2)
        .collect();
    assert_eq!(windows, [(60_000, Some(5_900)), (120_000, Some(6_000))]);
    assert_eq!(k.kpus, 1);
}

/// A destination outage from 120 s for 60 s: the window of 120 s fails at 120.1 s
/// and is retried every 1.1 s (1 s, then the 100 ms attempt) while the outage lasts:
/// 120.1, 121.2, …, 179.5 s, 55 failures; it succeeds at 180.6 s. Meanwhile nothing
/// is read: at the step of 180 s the oldest unread record is 59,990 ms behind (it
/// arrived at 120.01 s: a tick's records arrive spread over its 100 ms). Nothing is dropped: the same 53,900 records are processed as
/// without the outage.
#[test]
fn a_destination_outage_stalls_the_application() {
    let t = run(
        json!({}),
        json!([{ "at": "120s", "do": "destination_outage", "consumer": "app",
                 "output": "DEST", "duration": "60s" }]),
    );
    let (c, k) = summary(&t);
    assert_eq!(k.destination_retries, 55);
    assert_eq!(k.max_millis_behind_latest, 59_990);
    assert_eq!((c.processed, c.discarded), (53_900, 0));
    let failed: Vec<(u64, Option<&'static str>)> = events(&t, "delivery_failed")
        .map(|(ms, e)| (ms, e.cause))
        .collect();
    assert_eq!(failed, [(120_100, Some("outage"))]);
}

/// The preprocessor returns 10 % Dropped and 5 % ProcessingFailed: of each step's 100
/// records, 5 go to `error_stream` and 10 are dropped. 600 steps read 60,000 records:
/// 3,000 to `error_stream`. Dropped records count as processed when the rows read with
/// them reach the output (so each key's records are processed in order): of the 53,900
/// read by 539 s (the windows delivered), 95 % are processed: 51,205.
#[test]
fn the_preprocessor_drops_and_fails_records() {
    let lambda = json!({ "InputLambdaProcessor": {
        "ResourceARN": "arn:aws:lambda:us-east-1:123456789012:function:pre",
        "dropped_share": 0.1, "processing_failed_share": 0.05 } });
    let t = run(
        json!({ "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" },
                              "InputProcessingConfiguration": lambda } ] }),
        json!([]),
    );
    let (c, k) = summary(&t);
    assert_eq!((k.error_stream_records, c.discarded), (3_000, 3_000));
    assert_eq!(c.processed, 51_205);
}

/// A preprocessor that always fails is retried on the same batch for ever: one
/// failed invocation a step (600), nothing ingested, and the stream ages on.
#[test]
fn a_failing_preprocessor_blocks_ingestion() {
    let lambda = json!({ "InputLambdaProcessor": {
        "ResourceARN": "arn:aws:lambda:us-east-1:123456789012:function:pre", "error_rate": 1.0 } });
    let t = run(
        json!({ "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" },
                              "InputProcessingConfiguration": lambda } ] }),
        json!([]),
    );
    let (c, k) = summary(&t);
    assert_eq!(k.destination_retries, 600);
    assert_eq!(c.processed, 0);
    assert!(k.max_millis_behind_latest >= 599_000, "{k:?}");
}

/// Two outputs; B is out from 100 s to 300 s. The window of 60 s reaches both: the
/// checkpoint is after the records of 59.0 s. The windows of 120 s (6,000 rows) and
/// of 180 s (the 100 rows read at 120 s, before B's first failure at 120.1 s stalled
/// reading) reach A only. The application is stopped at 200 s and started at 210 s
/// from LAST_STOPPED_POINT: it reads again from B's checkpoint, and when A receives
/// those 6,100 rows again they are duplicates. A second start is refused.
#[test]
fn a_restart_resumes_from_the_slowest_destination() {
    let t = run(
        json!({ "Outputs": [ output("A"), output("B") ] }),
        json!([
            { "at": "100s", "do": "destination_outage", "consumer": "app", "output": "B", "duration": "200s" },
            { "at": "200s", "do": "stop_application", "consumer": "app" },
            { "at": "210s", "do": "start_application", "consumer": "app" },
            { "at": "220s", "do": "start_application", "consumer": "app" }
        ]),
    );
    let (c, k) = summary(&t);
    assert_eq!(k.duplicates, 6_100);
    let statuses: Vec<(u64, Option<&'static str>, Option<&'static str>)> = events(&t, "status")
        .map(|(ms, e)| (ms / 1_000, e.status, e.starting_position))
        .collect();
    assert_eq!(
        statuses,
        [
            (0, Some("RUNNING"), Some("TRIM_HORIZON")),
            (200, Some("READY"), None),
            (210, Some("RUNNING"), Some("LAST_STOPPED_POINT"))
        ]
    );
    assert!(c.redeliveries >= 6_100, "{c:?}");
    let rejected = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ActionRejected { .. }))
        .count();
    assert_eq!(rejected, 1);
}

/// InputParallelism: two shards take 1,000 records/s, and at 1,500 µs a row one
/// in-application stream inserts at most 666 rows a second (one KPU: assumption).
/// With one stream every step reads 666 rows, so the windows delivered by 540 s hold
/// 666 × 539 = 358,974 rows and the application falls minutes behind; with two
/// streams (a shard each) it keeps up: everything written by 539.0 s, 539,000, on
/// 2 KPUs.
#[test]
fn input_parallelism_spreads_the_shards() {
    let with = |count: u32| {
        let v = json!({
            "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 2 },
            "producers": [ { "name": "p", "records_per_second": 1000, "record_bytes": 100,
                             "partition_keys": 1000 } ],
            "consumers": [ { "kind": "kda_sql", "name": "app",
                "Inputs": [ { "InputParallelism": { "Count": count },
                    "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" } } ],
                "query": { "per_record_us": 1500 },
                "Outputs": [ output("DEST") ] } ]
        });
        let s = scenario::from_value(&v).unwrap();
        summary(&Simulation::new(&s).unwrap().finish())
    };
    let (c1, k1) = with(1);
    assert_eq!(c1.processed, 666 * 539);
    assert!(k1.max_millis_behind_latest > 200_000, "{k1:?}");
    assert_eq!(k1.kpus, 1);
    let (c2, k2) = with(2);
    assert_eq!(c2.processed, 539_000);
    assert!(k2.max_millis_behind_latest < 2_000, "{k2:?}");
    assert_eq!(k2.kpus, 2);
}

/// Past the stream's retention a stalled application loses records, and they are
/// counted. One record a second; the first window's delivery fails at 60.1 s and the
/// destination stays out for the whole 30 h run, so nothing is read after 60 s. At the
/// end (108,000 s) the 24 h retention has trimmed everything written before 21,600 s:
/// 21,600 records expired unprocessed (the 60 read before the stall among them: they
/// never reached the output), and the last 86,400 are pending.
#[test]
fn a_stall_past_retention_loses_records() {
    let v = json!({
        "format": "shardscope/1", "duration": "30h", "stream": { "ShardCount": 1 },
        "producers": [ { "name": "p", "records_per_second": 1, "record_bytes": 100 } ],
        "consumers": [ { "kind": "kda_sql", "name": "app",
            "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" } } ],
            "Outputs": [ output("DEST") ] } ],
        "timeline": [ { "at": "59s", "do": "destination_outage", "consumer": "app",
                        "output": "DEST", "duration": "30h" } ]
    });
    let s = scenario::from_value(&v).unwrap();
    let (c, k) = summary(&Simulation::new(&s).unwrap().finish());
    assert_eq!(c.processed, 0);
    assert_eq!((c.expired_unprocessed, c.pending_at_end), (21_600, 86_400));
    assert!(k.max_millis_behind_latest >= 86_000_000, "{k:?}");
}

/// A stop in the middle of a window, just after a reshard, loses nothing: the shard
/// split at 90 s (its children read after it), the application stops at 100 s with
/// the window of 120 s half full and starts at 110 s from LAST_STOPPED_POINT (the end
/// of the window of 60 s, which both had reached). It reads the parent's rest and the
/// children again, and the windows delivered by 540 s hold as many records as
/// without the stop: 53,899 with the split, stop or not.
#[test]
fn a_restart_after_a_reshard_loses_nothing() {
    let t = run(
        json!({}),
        json!([
            { "at": "90s", "do": "split_shard", "ShardToSplit": "shardId-000000000000" },
            { "at": "100s", "do": "stop_application", "consumer": "app" },
            { "at": "110s", "do": "start_application", "consumer": "app" }
        ]),
    );
    let (c, k) = summary(&t);
    let split_only = run(
        json!({}),
        json!([{ "at": "90s", "do": "split_shard", "ShardToSplit": "shardId-000000000000" }]),
    );
    let (same, _) = summary(&split_only);
    assert_eq!(c.processed, same.processed);
    assert_eq!((c.discarded, c.expired_unprocessed), (0, 0));
    assert_eq!(k.duplicates, 0);
    assert_eq!(c.ordering_violations, 0);
}

/// A slow preprocessor: each invocation takes 1,500 ms, so the stream reads at 1, 3,
/// 5, … s (the step after the invocation returns), 200 records at a time, and the rows
/// enter the in-application stream 1.5 s after the read (their ROWTIME). The window
/// of 60 s holds the rows of the reads up to 57 s (ROWTIME 58.5 s): 5,700; the read
/// of 59 s enters at 60.5 s, in the next window.
#[test]
fn a_slow_preprocessor_delays_rowtime_and_reads() {
    let lambda = json!({ "InputLambdaProcessor": {
        "ResourceARN": "arn:aws:lambda:us-east-1:123456789012:function:pre", "invoke_ms": 1500 } });
    let t = run(
        json!({ "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" },
                              "InputProcessingConfiguration": lambda } ] }),
        json!([]),
    );
    let windows: Vec<(u64, Option<u64>)> = events(&t, "window")
        .map(|(ms, e)| (ms, e.rows))
        .take(2)
        .collect();
    assert_eq!(windows, [(60_000, Some(5_700)), (120_000, Some(6_000))]);
    summary(&t);
}
