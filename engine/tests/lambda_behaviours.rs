//! One scenario test per remaining documented behaviour of the mapping.

#[path = "lambda_common.rs"]
mod common;
use common::*;

/// Function.Timeout 3 s, 20 ms + 50 ms/record: a full batch of 100 would run
/// 5.02 s, so it times out at exactly 3 s (a function error); bisected halves
/// of 50 (2.52 s) succeed. Nothing is lost.
#[test]
fn timeout_is_a_function_error_at_the_timeout() {
    let s = lambda(
        "3m",
        1,
        200.0,
        100,
        r#""BisectBatchOnFunctionError": true, "MaximumRetryAttempts": 0"#,
        r#""invoke_ms": 20, "per_record_ms": 50"#,
        r#""Timeout": 3"#,
        "",
    );
    let t = run(&s);
    let c = summary(&t);
    let timeouts: Vec<_> = events(&t)
        .into_iter()
        .filter(|e| e["outcome"] == "timeout")
        .collect();
    assert!(!timeouts.is_empty());
    for e in &timeouts {
        assert_eq!(e["duration_ms"], 3_000);
        assert_eq!(e["follow"], "bisect");
        assert!(e["records"].as_u64().unwrap() > 59);
    }
    assert_eq!(c.discarded, 0);
    assert_eq!(c.failed_invocations, c.bisections);
}

/// ReportBatchItemFailures: the handler reports the poison record; Lambda
/// checkpoints there (records before it are processed), retries from it (the
/// later records are redelivered), and with MaximumRetryAttempts 1 discards
/// the rest of the batch after 2 partial failures.
#[test]
fn report_batch_item_failures_checkpoints_at_the_lowest_failure() {
    let s = lambda(
        "4m",
        1,
        900.0,
        1000,
        r#""FunctionResponseTypes": ["ReportBatchItemFailures"], "MaximumRetryAttempts": 1"#,
        "",
        "",
        r#"{"at": "1m", "do": "poison"}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    let partial: Vec<_> = events(&t)
        .into_iter()
        .filter(|e| e["outcome"] == "partial_failure")
        .collect();
    assert_eq!(partial.len(), 2);
    assert_eq!(c.failed_invocations, 2);
    let first = &partial[0];
    let second = &partial[1];
    // The retry starts at the poison record, the checkpoint of the first.
    assert_eq!(second["first_seq"], first["checkpoint_after"]);
    assert_eq!(second["last_seq"], first["last_seq"]);
    assert_eq!(
        c.discarded,
        second["records"].as_u64().unwrap(),
        "the rest of the batch from the poison record on"
    );
    assert!(c.redeliveries >= second["records"].as_u64().unwrap());
    assert_eq!(c.ordering_violations, 0);
}

/// A malformed `batchItemFailures` (empty itemIdentifier) fails the whole
/// batch: with MaximumRetryAttempts 1, two failed invocations and the whole
/// batch discarded.
#[test]
fn malformed_item_failures_fail_the_whole_batch() {
    let s = lambda(
        "4m",
        1,
        20.0,
        100,
        r#""FunctionResponseTypes": ["ReportBatchItemFailures"], "MaximumRetryAttempts": 1"#,
        "",
        "",
        r#"{"at": "1m", "do": "poison"}"#,
    );
    let t = run_with(&s, true);
    let c = summary(&t);
    assert_eq!(c.failed_invocations, 2);
    let fails: Vec<_> = events(&t)
        .into_iter()
        .filter(|e| e["error"] == "malformed_response")
        .collect();
    assert_eq!(fails.len(), 2);
    assert_eq!(c.discarded, fails[0]["records"].as_u64().unwrap());
}

/// MaximumRecordAgeInSeconds 60 during a buggy deploy: each failing batch is
/// retried until its oldest record is 60 s old, then discarded to the
/// destination with the age condition (an assumption: the string is not
/// documented).
#[test]
fn maximum_record_age_discards_old_batches() {
    let s = lambda(
        "6m",
        1,
        20.0,
        100,
        r#""MaximumRecordAgeInSeconds": 60,
           "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:q"}}"#,
        "",
        "",
        r#"{"at": "1m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 1.0}},
           {"at": "4m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 0.0}}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    let msgs = of(&t, "on_failure");
    assert!(!msgs.is_empty());
    for m in &msgs {
        assert_eq!(m["condition"], "MaximumRecordAgeExceeded");
        assert!(m["assumption"].is_string());
    }
    assert_eq!(c.on_failure_messages, msgs.len() as u64);
    // Failures from 1 to 4 min at 20 rec/s. The first batch is retried with
    // back-offs of 1+2+4+8+16+32 = 63 s, then discarded as > 60 s old, and so
    // is every record behind it that is already older than 60 s; so records
    // written from 1 min to ≈ 3 min are discarded (≈ 2,400–2,600), and those
    // of the last minute before the fix are processed after it.
    assert!((2_400..=2_700).contains(&c.discarded), "{}", c.discarded);
    assert_eq!(c.expired_unprocessed, 0);
}

/// MaximumBatchingWindowInSeconds 5 at 10 rec/s: the poller keeps reading for
/// 5 s, so batches hold ≈ 50 records instead of ≈ 10 (one second's worth).
#[test]
fn batching_window_fills_batches() {
    let avg = |window: u32| {
        let s = lambda(
            "10m",
            1,
            10.0,
            100,
            &format!(r#""MaximumBatchingWindowInSeconds": {window}"#),
            "",
            "",
            "",
        );
        let t = run(&s);
        let c = summary(&t);
        c.deliveries as f64 / c.invocations as f64
    };
    let (w0, w5) = (avg(0), avg(5));
    assert!((8.0..=12.0).contains(&w0), "{w0}");
    assert!((45.0..=56.0).contains(&w5), "{w5}");
}

/// Three mappings on one shard written at 900 KB/s (900 rec/s × 1,000 B):
/// polling, they share 5 GetRecords/s and 2 MiB/s and are throttled; with
/// enhanced fan-out each has its own 2 MiB/s and none is throttled.
#[test]
fn enhanced_fan_out_vs_shared_reads() {
    let scn = |efo: bool| {
        let c = |n: &str| {
            format!(
                r#"{{"kind": "lambda", "name": "{n}", "enhanced_fan_out": {efo},
                    "EventSourceMapping": {{"StartingPosition": "TRIM_HORIZON", "BatchSize": 1000}},
                    "handler": {{"invoke_ms": 20, "per_record_ms": 0.01}} }}"#
            )
        };
        parse(&format!(
            r#"{{"format": "shardscope/1", "duration": "5m", "stream": {{"ShardCount": 1}},
                "producers": [{{"name": "p", "records_per_second": 900, "record_bytes": 1000}}],
                "consumers": [{}, {}, {}]}}"#,
            c("a"),
            c("b"),
            c("fn")
        ))
    };
    let shared = run(&scn(false));
    let efo = run(&scn(true));
    assert!(shared.summary.stream.read_throttled_calls > 0);
    assert_eq!(efo.summary.stream.read_throttled_calls, 0);
    for t in [&shared, &efo] {
        for (name, c) in &t.summary.consumers {
            assert_eq!(
                c.records_in_scope,
                c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
                "{name}"
            );
        }
    }
    // With EFO every mapping stays current (pushed ~70 ms after arrival).
    for c in efo.summary.consumers.values() {
        assert!(c.max_iterator_age_ms < 3_000, "{}", c.max_iterator_age_ms);
        assert!(c.pending_at_end < 3_000);
    }
}

/// StartingPosition LATEST on a recreate skips the backlog: nothing written
/// before the recreate is delivered again, unlike AT_TIMESTAMP.
#[test]
fn latest_skips_what_was_written_before() {
    let s = lambda(
        "20m",
        1,
        20.0,
        100,
        "",
        "",
        "",
        r#"{"at": "10m", "do": "recreate_mapping", "consumer": "fn", "StartingPosition": "LATEST"}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    assert_eq!(c.redeliveries, 0);
    assert_eq!(c.records_in_scope, 20 * 60 * 20);
    assert!(c.pending_at_end < 40);
}

/// set_mapping (UpdateEventSourceMapping) BatchSize 10 at 2 min: from the next
/// batch on, no new batch holds more than 10 records (a batch being retried
/// keeps its records).
#[test]
fn set_mapping_applies_to_the_next_batch() {
    let s = lambda(
        "4m",
        1,
        900.0,
        1000,
        "",
        r#""error_rate": 0.05"#,
        "",
        r#"{"at": "2m", "do": "set_mapping", "consumer": "fn", "BatchSize": 10}"#,
    );
    let t = run(&s);
    let after: Vec<_> = events(&t)
        .into_iter()
        .filter(|e| {
            // First attempts after the update are new batches (a retry keeps
            // its batch).
            e["what"] == "invocation"
                && e["attempt"] == 1
                && e["at_us"].as_u64().unwrap() > 120_000_000
        })
        .collect();
    assert!(!after.is_empty());
    for e in &after {
        assert!(e["records"].as_u64().unwrap() <= 10, "{e}");
    }
    assert_eq!(of(&t, "set_mapping").len(), 1);
}

/// Tumbling windows of 30 s: one final invocation (isFinalInvokeForWindow)
/// per window; at 900 rec/s a 60 s window passes 1 MB of state (64 B per
/// record: 16,384 records) and is terminated early.
#[test]
fn tumbling_windows_final_invocations_and_early_termination() {
    let s = lambda(
        "5m",
        1,
        20.0,
        100,
        r#""TumblingWindowInSeconds": 30"#,
        "",
        "",
        "",
    );
    let t = run(&s);
    let finals = of(&t, "window_final").len();
    // 10 windows in 5 min; the last one is still open at the end.
    assert!((9..=10).contains(&finals), "{finals}");
    let s = lambda(
        "3m",
        1,
        900.0,
        1000,
        r#""TumblingWindowInSeconds": 60"#,
        "",
        "",
        "",
    );
    let t = run(&s);
    assert!(!of(&t, "window_terminated_early").is_empty());
    summary(&t);
}

/// The scenario key `"handler": {"item_failures": "malformed"}` is the same
/// handler as `with_malformed_item_failures`; a `deploy` can switch it, from
/// then on the poison record fails whole batches.
#[test]
fn item_failures_key_in_the_scenario_and_in_deploy() {
    let esm = r#""FunctionResponseTypes": ["ReportBatchItemFailures"], "MaximumRetryAttempts": 1"#;
    let tl = r#"{"at": "1m", "do": "poison"}"#;
    let keyed = lambda(
        "4m",
        1,
        20.0,
        100,
        esm,
        r#""item_failures": "malformed""#,
        "",
        tl,
    );
    let built = lambda("4m", 1, 20.0, 100, esm, "", "", tl);
    assert_eq!(run(&keyed).hash(), run_with(&built, true).hash());
    // "report" is the default.
    let report = lambda(
        "4m",
        1,
        20.0,
        100,
        esm,
        r#""item_failures": "report""#,
        "",
        tl,
    );
    assert_eq!(run(&report).hash(), run(&built).hash());
    // A deploy before the poison record switches to the malformed response.
    let deployed = lambda(
        "4m",
        1,
        20.0,
        100,
        esm,
        "",
        "",
        r#"{"at": "30s", "do": "deploy", "consumer": "fn", "handler": {"item_failures": "malformed"}},
           {"at": "1m", "do": "poison"}"#,
    );
    let t = run(&deployed);
    let c = summary(&t);
    assert_eq!(c.failed_invocations, 2);
    let fails = events(&t)
        .into_iter()
        .filter(|e| e["error"] == "malformed_response")
        .count();
    assert_eq!(fails, 2);
}

/// A consumer at half the write rate falls behind until it reads at the trim horizon, then
/// keeps processing there: records trimmed while the invocation holding them runs count as
/// processed when it succeeds; only records trimmed before they were delivered expire.
/// 100 records/s written for 60 h; 100-record batches of 2 s (20 ms a record) process 50/s.
/// The iterator age reaches the 24 h retention at 48 h; in the 12 h after, the handler still
/// processes 50/s while 50/s age out unread.
#[test]
fn records_trimmed_during_a_successful_invocation_count_as_processed() {
    let s = shardscope_engine::scenario::parse(
        r#"{ "format": "shardscope/1", "duration": "60h",
             "stream": { "ShardCount": 1, "RetentionPeriodHours": 24 },
             "producers": [ { "name": "p", "records_per_second": 100, "record_bytes": 100, "partition_keys": 100 } ],
             "consumers": [ { "kind": "lambda", "name": "fn",
                 "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON", "BatchSize": 100 },
                 "Function": { "Timeout": 60 },
                 "handler": { "invoke_ms": 0, "per_record_ms": 20 } } ] }"#,
    )
    .unwrap();
    let c = summary(&run(&s));
    // 50/s for 60 h (less the invocation running at the end).
    assert!(c.processed.abs_diff(50 * 60 * 3_600) <= 200, "{c:?}");
    // 50/s for the last 12 h, trimmed before the consumer got to them.
    assert!(
        c.expired_unprocessed.abs_diff(50 * 12 * 3_600) <= 200,
        "{c:?}"
    );
    // The last 24 h of writes are still in the stream, unread.
    assert_eq!(c.pending_at_end, 100 * 24 * 3_600);
    assert_eq!(c.discarded, 0);
}

/// With enhanced fan-out, a batching window of 1 s collects the pushes (one a 100 ms
/// tick, 10 records each) and is invoked at its deadline: about one invocation a
/// second. The window's deadline poll is scheduled once, not once a push: a second
/// is then at most ten ticks, ten pushes, one deadline poll, one invocation's end and
/// one sweep, 23 kernel events (a deadline poll a push would add nine stale ones).
#[test]
fn enhanced_fan_out_schedules_one_poll_a_batching_window() {
    let s = parse(
        r#"{"format": "shardscope/1", "seed": 1, "duration": "1m",
            "stream": {"ShardCount": 1},
            "producers": [{"name": "p", "records_per_second": 100, "record_bytes": 200,
                           "partition_keys": 10}],
            "consumers": [{"kind": "lambda", "name": "fn", "enhanced_fan_out": true,
                "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 10000,
                                       "MaximumBatchingWindowInSeconds": 1},
                "handler": {"invoke_ms": 10} }]}"#,
    );
    let (t, events) = run_counting(&s, false, true);
    let c = summary(&t);
    assert!((50..=60).contains(&c.invocations), "{c:?}");
    assert!(c.pending_at_end <= 110, "{c:?}");
    assert!(events <= 23 * 60 + 20, "{events} kernel events");
}
