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
