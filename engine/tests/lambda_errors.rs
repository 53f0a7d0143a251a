//! Error handling of the Lambda event source mapping, with numbers a reader
//! can check by hand.

#[path = "lambda_common.rs"]
mod common;
use common::*;

/// Reference §3 pitfall 1 and 2: with default settings (MaximumRetryAttempts
/// −1, MaximumRecordAgeInSeconds −1) a poison record blocks its shard until it
/// expires (24 h retention): that shard's iterator age climbs to ≈ 24 h while
/// the other stays current; when the poison expires, the records written just
/// after it expire too before the shard catches up (cascading expiry).
#[test]
fn poison_with_defaults_blocks_its_shard_until_it_expires() {
    let s = lambda(
        "26h",
        2,
        10.0,
        100,
        "",
        "",
        "",
        r#"{"at": "1h", "do": "poison", "partition_key": "k-7"}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    let bad = poison_shard(&t);
    let good = 1 - bad;
    let age_bad = shard_age(&c, bad);
    // Blocked from 1 h until the poison expires at 25 h: ≈ 24 h, at most one
    // 60 s back-off more.
    assert!(age_bad > 24 * HOUR - 2 * MIN, "blocked shard age {age_bad}");
    assert!(
        age_bad <= 24 * HOUR + 2 * MIN,
        "blocked shard age {age_bad}"
    );
    assert!(shard_age(&c, good) < 5_000, "other shard stays current");
    // The poison record expires unprocessed, and the records written just
    // after it follow: ≈ 5 rec/s for up to the last 60 s back-off.
    assert!(
        c.expired_unprocessed > 1,
        "cascade: {}",
        c.expired_unprocessed
    );
    assert!(c.expired_unprocessed < 1_000, "{}", c.expired_unprocessed);
    assert_eq!(c.discarded, 0);
    assert_eq!(c.on_failure_messages, 0);
    // Retries every ≤ 60 s for 24 h: well over 1,000 failed invocations.
    assert!(c.failed_invocations > 1_400, "{}", c.failed_invocations);
    assert_eq!(c.ordering_violations, 0);
}

/// MaximumRetryAttempts 2 and an SQS destination: exactly 1 + 2 = 3 failed
/// invocations, one OnFailure message (metadata only), the batch discarded and
/// the shard moving again.
#[test]
fn max_retry_2_with_sqs_discards_after_three_failures() {
    let s = lambda(
        "10m",
        1,
        20.0,
        100,
        r#""MaximumRetryAttempts": 2,
           "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:123456789012:dlq"}}"#,
        "",
        "",
        r#"{"at": "2m", "do": "poison"}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    assert_eq!(c.failed_invocations, 3);
    assert_eq!(c.on_failure_messages, 1);
    let msgs = of(&t, "on_failure");
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["condition"], "RetryAttemptsExhausted");
    assert_eq!(msgs[0]["destination"], "sqs");
    assert_eq!(msgs[0]["carries"], "metadata_only");
    assert_eq!(msgs[0]["attempt"], 3);
    let batch = msgs[0]["records"].as_u64().unwrap();
    assert_eq!(c.discarded, batch);
    assert!((1..=100).contains(&batch));
    // KinesisBatchInfo's approximateArrivalOf{First,Last}Record: the poison
    // record (written at 2 min) is in the batch, which spans at most 5 s of
    // writes at 20 records/s.
    let first = msgs[0]["first_arrival_ms"].as_u64().unwrap();
    let last = msgs[0]["last_arrival_ms"].as_u64().unwrap();
    assert!(first <= 2 * MIN && 2 * MIN <= last, "{first}..{last}");
    assert!(last - first <= 5_000, "{first}..{last}");
    // The shard moves on: everything but the discarded batch and the last
    // second's records is processed.
    assert!(c.pending_at_end <= 40, "pending {}", c.pending_at_end);
    assert_eq!(c.expired_unprocessed, 0);
    assert_eq!(c.ordering_violations, 0);
}

/// Bisect with MaximumRetryAttempts 0 on a full batch of 100 holding one
/// poison record: only the poison record is discarded, the other 99 are
/// processed, failed invocations = halvings + 1 (halving uses no retries).
#[test]
fn bisect_isolates_one_poison_record_in_a_full_batch() {
    let s = lambda(
        "3m",
        1,
        900.0,
        1000,
        r#""MaximumRetryAttempts": 0, "BisectBatchOnFunctionError": true,
           "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sns:us-east-1:123456789012:t"}}"#,
        "",
        "",
        r#"{"at": "1m", "do": "poison"}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    // The failing batch was full.
    let first_fail = events(&t)
        .into_iter()
        .find(|e| e["what"] == "invocation" && e["outcome"] == "error")
        .expect("a failed invocation");
    assert_eq!(first_fail["records"], 100, "{first_fail}");
    assert_eq!(c.discarded, 1);
    assert_eq!(c.on_failure_messages, 1);
    assert_eq!(c.failed_invocations, c.bisections + 1);
    assert!(c.bisections >= 6 && c.bisections <= 7, "{}", c.bisections);
    assert_eq!(c.expired_unprocessed, 0);
    assert_eq!(c.ordering_violations, 0);
    // 99 of the 100 are processed: nothing but the poison record is missing
    // from before the end of the run's last batch.
    assert!(c.pending_at_end < 1_000);
}

/// Lambda's metrics are series in the trace (AWS/Lambda names), and the
/// invocation events serialise flat with `"type": "Lambda"`.
#[test]
fn lambda_metrics_and_events_are_in_the_trace() {
    let s = lambda(
        "5m",
        1,
        20.0,
        100,
        r#""MaximumRetryAttempts": 2,
           "DestinationConfig": {"OnFailure": {"Destination": "arn:aws:s3:::dlq-bucket"}}"#,
        "",
        "",
        r#"{"at": "2m", "do": "poison"}"#,
    );
    let t = shardscope_engine::Simulation::new(&s).unwrap().finish();
    let c = summary(&t);
    let total = |m: &str| -> u64 {
        t.series
            .iter()
            .find(|s| s.metric == m && s.consumer.as_deref() == Some("fn"))
            .unwrap_or_else(|| panic!("series {m}"))
            .values
            .iter()
            .map(|v| v.unwrap_or(0))
            .sum()
    };
    assert_eq!(total("Invocations"), c.invocations);
    assert_eq!(total("Errors"), 3);
    assert_eq!(total("OnFailureMessages"), 1);
    let msg = of(&t, "on_failure");
    assert_eq!(msg[0]["carries"], "metadata_and_records");
    let line = t
        .events_jsonl()
        .lines()
        .find(|l| l.contains("\"on_failure\""))
        .unwrap()
        .to_string();
    assert!(line.contains("\"type\":\"Lambda\""), "{line}");
    assert!(
        line.contains("\"condition\":\"RetryAttemptsExhausted\""),
        "{line}"
    );
}

/// 4 minutes of 10 records/s on one shard, windows of 30 s, an SQS OnFailure
/// destination and the `limit` given; the producer stops at 40 s, a buggy
/// version (every invocation fails) is deployed at 50 s and the producer starts
/// again at 70 s, so the window [30 s, 60 s) closes at 70 s under the bug.
fn failing_window_final(limit: &str, more_timeline: &str) -> shardscope_engine::scenario::Scenario {
    lambda(
        "4m",
        1,
        10.0,
        100,
        &format!(
            r#""TumblingWindowInSeconds": 30, {limit},
               "DestinationConfig": {{"OnFailure": {{"Destination": "arn:aws:sqs:us-east-1:123456789012:dlq"}}}}"#
        ),
        "",
        "",
        &format!(
            r#"{{"at": "40s", "do": "set_rate", "producer": "p", "records_per_second": 0}},
               {{"at": "50s", "do": "deploy", "consumer": "fn", "handler": {{"error_rate": 1}}}},
               {{"at": "70s", "do": "set_rate", "producer": "p", "records_per_second": 10}}{more_timeline}"#
        ),
    )
}

/// Reference §2.5: "MaximumRetryAttempts and MaximumRecordAgeInSeconds apply
/// to windows too". Windows of 30 s, MaximumRetryAttempts 2, SQS OnFailure.
/// The producer stops at 40 s, a buggy version is deployed at 50 s and the
/// producer starts again at 70 s: the record at 70 s closes the window
/// [30 s, 60 s), whose final invocation then fails 3 times (1 + 2 retries);
/// the window is given up with 1 OnFailure message for 0 records, and the
/// shard reads on. Nothing the window aggregated is lost.
#[test]
fn failed_final_window_invocation_honours_maximum_retry_attempts() {
    let s = failing_window_final(
        r#""MaximumRetryAttempts": 2"#,
        r#", {"at": "3m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 0}}"#,
    );
    let t = run(&s);
    let finals: Vec<_> = of(&t, "window_final")
        .into_iter()
        .filter(|e| (70_000_000..80_000_000).contains(&e["at_us"].as_u64().unwrap()))
        .collect();
    let attempts: Vec<u64> = finals
        .iter()
        .map(|e| e["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, [1, 2, 3], "{finals:?}");
    assert!(finals.iter().all(|e| e["outcome"] == "error"));
    assert_eq!(finals[2]["follow"], "discard");
    let window_msgs: Vec<_> = of(&t, "on_failure")
        .into_iter()
        .filter(|e| e["records"] == 0)
        .collect();
    // The window [30 s, 60 s) at 70 s, and later windows whose final
    // invocations ran under the buggy version before 3 min.
    assert!(!window_msgs.is_empty());
    assert_eq!(window_msgs[0]["condition"], "RetryAttemptsExhausted");
    assert_eq!(window_msgs[0]["attempt"], 3);
    assert!(window_msgs[0].get("first_seq").is_none());
    // The shard reads on: after the fix every record is processed or was
    // discarded in a failed batch (each with its own message).
    let c = summary(&t);
    let batch_msgs = of(&t, "on_failure").len() - window_msgs.len();
    assert!(batch_msgs >= 1);
    assert_eq!(
        c.on_failure_messages,
        (batch_msgs + window_msgs.len()) as u64
    );
    assert!(c.pending_at_end <= 20, "pending {}", c.pending_at_end);
    assert_eq!(c.expired_unprocessed, 0);
    // The window's records (30 s – 40 s) were processed before the bug.
    assert!(c.processed >= 400, "processed {}", c.processed);
}

/// The age limit ends a window too: with MaximumRecordAgeInSeconds 60 and
/// the default unlimited retries, the final invocation of a window is
/// retried (1 s, 2 s, 4 s … back-off) until a retry falls due more than 60 s
/// after the window's end (an assumption: see `final_retry`), then given up
/// with condition MaximumRecordAgeExceeded.
#[test]
fn failed_final_window_invocation_honours_maximum_record_age() {
    let s = failing_window_final(r#""MaximumRecordAgeInSeconds": 60"#, "");
    let t = run(&s);
    let msg = of(&t, "on_failure")
        .into_iter()
        .find(|e| e["records"] == 0)
        .expect("the window given up");
    assert_eq!(msg["condition"], "MaximumRecordAgeExceeded");
    // Window [30 s, 60 s): its first final invocation runs at the first poll
    // after 70 s (t0 < 71 s); 6 attempts of 20 ms with retries 1, 2, 4, 8, 16
    // s after the first five are all due within 60 s of the window's end
    // (the 6th starts at t0 + 31.1 s < 102 s); the retry after the 6th is
    // due 32 s later, at t0 + 63.1 s > 120 s: given up then, after 6 attempts.
    let at = msg["at_us"].as_u64().unwrap();
    assert!((133_100_000..134_200_000).contains(&at), "{at}");
    assert_eq!(msg["attempt"], 6);
    let finals_before: Vec<_> = of(&t, "window_final")
        .into_iter()
        .filter(|e| e["at_us"].as_u64().unwrap() < at)
        .collect();
    let last = finals_before.last().expect("failed finals");
    assert_eq!(msg["attempt"], last["attempt"]);
}
