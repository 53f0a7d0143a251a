//! Amazon Data Firehose reading the stream: each behaviour as a scenario whose
//! numbers a reader can work out by hand (reference/firehose-and-glue.md Part 1).

use serde_json::{json, Value};
use shardscope_engine::firehose::FirehoseSummary;
use shardscope_engine::scenario;
use shardscope_engine::trace::{ConsumerSummary, EventKind};
use shardscope_engine::{Simulation, Trace};

/// 5 MiB in bytes: `SizeInMBs` counts MiB.
const FIVE_MIB: u64 = 5 * 1_048_576;

fn run(v: &Value) -> Trace {
    let s = scenario::from_value(v).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&s).expect("simulation").finish()
}

/// The consumer `fh`, after checking conservation.
fn summary(t: &Trace) -> (ConsumerSummary, FirehoseSummary) {
    let c = t.summary.consumers["fh"].clone();
    assert_eq!(
        c.records_in_scope,
        c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
        "conservation: {c:?}"
    );
    let f = c.firehose.clone().expect("a firehose block");
    (c, f)
}

/// The Firehose events with `what`, as JSON with `at_us`.
fn events(t: &Trace, what: &str) -> Vec<Value> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Firehose(ev) if ev.what == what => {
                let mut v = serde_json::to_value(ev).ok()?;
                v["at_us"] = e.at.0.into();
                Some(v)
            }
            _ => None,
        })
        .collect()
}

/// One shard, one producer, one Firehose consumer `fh` with `block`.
fn story(duration: &str, rate: f64, record_bytes: u32, block: &str, config: Value) -> Value {
    json!({
        "format": "shardscope/1",
        "duration": duration,
        "stream": { "ShardCount": 1 },
        "producers": [ { "name": "p", "records_per_second": rate, "record_bytes": record_bytes,
                         "partition_keys": 100 } ],
        "consumers": [ { "kind": "firehose", "name": "fh", block: config } ]
    })
}

fn s3(size: u32, interval: u32) -> Value {
    json!({ "BufferingHints": { "SizeInMBs": size, "IntervalInSeconds": interval } })
}

/// 100 records/s of 1,000 bytes is 100,000 B/s: 5 MiB (5,242,880 B) fills after
/// 5,243 records (the record that crosses the size is included), about every
/// 52.4 s. In 10 minutes (60,000 records), 11 full buffers are delivered; the
/// rest (2,327 records) is still buffering.
#[test]
fn a_busy_stream_fills_the_buffer_by_size() {
    let t = run(&story(
        "10m",
        100.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        s3(5, 300),
    ));
    let (c, f) = summary(&t);
    assert_eq!(f.delivery_batches, 11);
    assert_eq!(f.delivered_records, 11 * 5_243);
    assert_eq!(f.delivered_bytes, 11 * 5_243_000);
    assert_eq!(c.processed, 57_673);
    assert_eq!(c.pending_at_end, 60_000 - 57_673);
    let d = events(&t, "delivery");
    assert!(d.iter().take(11).all(|e| e["trigger"] == "size"));
    // 5,243 records reach 5 MiB; 5,242 do not.
    const { assert!(5_243_000 >= FIVE_MIB && 5_242_000 < FIVE_MIB) };
    // 5,243 records at 100/s: 52.43 s from the first record in to the flush.
    let gap = d[1]["flushed_ms"].as_u64().unwrap() - d[0]["flushed_ms"].as_u64().unwrap();
    assert!((52_000..=53_000).contains(&gap), "{gap}");
    // The delivery itself takes the destination's latency_ms (default 500).
    assert_eq!(d[0]["duration_ms"], 500);
    // DataFreshness: the oldest record waited about the buffer's 52.4 s, plus the read and the PUT.
    assert!(
        (52_000..=54_000).contains(&f.max_data_freshness_ms),
        "{f:?}"
    );
    assert_eq!(c.max_iterator_age_ms, f.max_data_freshness_ms);
}

/// 1 record/s of 1,000 bytes (1 KB/s) never fills 5 MiB: each buffer is flushed
/// 300 s after its first record. In 20 minutes that is 3 deliveries of
/// 300 records each (the 4th buffer is still open).
#[test]
fn a_quiet_stream_fills_the_buffer_by_time() {
    let t = run(&story(
        "20m",
        1.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        s3(5, 300),
    ));
    let (_, f) = summary(&t);
    let d = events(&t, "delivery");
    let delivered: Vec<&Value> = d.iter().filter(|e| e["outcome"] == "delivered").collect();
    assert_eq!(delivered.len(), 3);
    for e in &delivered {
        assert_eq!(e["trigger"], "interval");
        let open = e["flushed_ms"].as_u64().unwrap() - e["buffer_opened_ms"].as_u64().unwrap();
        assert_eq!(open, 300_000);
        assert_eq!(e["records"], 300);
    }
    assert_eq!(f.delivery_batches, 3);
    // The open buffer at the end is shown as in progress.
    assert_eq!(d.last().unwrap()["outcome"], "in_progress");
    assert_eq!(d.last().unwrap()["trigger"], "end");
}

/// OpenSearch with RetryOptions.DurationInSeconds 60 and a 10-minute outage:
/// every batch that meets the outage is tried at 0, 10, 20, 30, 40 and 50 s
/// (six attempts, each failing after the 500 ms latency); the next retry would
/// start at 60.5 s, outside the window, so the batch goes to
/// AmazonOpenSearchService-failed/. Nothing is lost: the failed records are
/// discarded (recorded in S3), the rest delivered.
#[test]
fn an_opensearch_outage_longer_than_the_retry_window_sends_batches_to_the_backup() {
    let mut v = story(
        "30m",
        10.0,
        1_000,
        "AmazonopensearchserviceDestinationConfiguration",
        json!({ "BufferingHints": { "SizeInMBs": 5, "IntervalInSeconds": 60 },
                "RetryOptions": { "DurationInSeconds": 60 } }),
    );
    v["timeline"] =
        json!([{ "at": "5m", "do": "destination_outage", "consumer": "fh", "duration": "10m" }]);
    let t = run(&v);
    let (c, f) = summary(&t);
    let d = events(&t, "delivery");
    let failed: Vec<&Value> = d.iter().filter(|e| e["outcome"] == "to_backup").collect();
    assert!(!failed.is_empty());
    for e in &failed {
        assert_eq!(e["attempts"], 6, "{e}");
        assert_eq!(e["failed_attempts"], 6);
        assert_eq!(e["prefix"], "AmazonOpenSearchService-failed/");
        assert_eq!(e["backup_records"], e["records"]);
    }
    assert_eq!(f.failed_delivery_attempts, 6 * failed.len() as u64);
    let to_backup: u64 = failed.iter().map(|e| e["records"].as_u64().unwrap()).sum();
    assert_eq!(f.records_to_backup, to_backup);
    assert_eq!(c.discarded, to_backup);
    assert_eq!(c.expired_unprocessed, 0);
    // Each failed attempt re-sent the batch: redeliveries are the records of 5 retries.
    assert_eq!(c.redeliveries, 5 * to_backup);
    // Before and after the outage batches are delivered.
    assert!(d.iter().any(|e| e["outcome"] == "delivered"));
    assert!(c.processed > 0);
}

/// S3 retries as long as the stream keeps the data. An S3 outage of 25 h
/// starting at 30 min, on a stream with 24 h retention, 1 record/s, 60 s
/// buffers: the batch in flight when S3 goes down is retried every 10 s, and
/// reading stops meanwhile. By 24.5 h the oldest records of that batch and
/// the unread ones behind it start to pass retention; when S3 comes back at
/// 25.5 h, everything written before 1.5 h and not delivered (3,600 records
/// from 30 min on, and the minute before it that was buffering) is gone — counted in
/// `expired_unprocessed`, never silently.
#[test]
fn an_s3_outage_outliving_retention_loses_records_and_says_so() {
    let mut v = story(
        "27h",
        1.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        s3(5, 60),
    );
    v["timeline"] =
        json!([{ "at": "30m", "do": "destination_outage", "consumer": "fh", "duration": "25h" }]);
    let t = run(&v);
    let (c, f) = summary(&t);
    // Written before 1.5 h and not delivered before the outage: from ~29 min to 90 min.
    assert!((3_600..=3_720).contains(&c.expired_unprocessed), "{c:?}");
    let d = events(&t, "delivery");
    let stuck = d
        .iter()
        .find(|e| e["outcome"] == "expired")
        .expect("the stuck batch expired");
    assert!(stuck["why"].as_str().unwrap().contains("retention"));
    // An attempt (500 ms) every 10.5 s (10 s after the last one failed), from
    // 30 min to 24.5 h when its records expired: 86,404 s / 10.5 s = 8,229.
    assert_eq!(stuck["failed_attempts"], 8_229);
    let tries = 8_229;
    assert!(f.failed_delivery_attempts >= tries);
    // Delivery resumes after the outage.
    assert!(d.iter().any(|e| e["outcome"] == "delivered"
        && e["flushed_ms"].as_u64().unwrap() > 25 * 3_600_000 + 1_800_000));
    // DataFreshness climbed through the stall to about a day.
    assert!(f.max_data_freshness_ms > 23 * 3_600_000, "{f:?}");
}

/// A transform whose function returns ProcessingFailed for 10 % of the
/// records and Dropped for 5 %: of the 6,000 records of 10 minutes at 10/s,
/// the transform buffer (1 MB or 60 s; 10 KB/s fills it by time) hands over
/// about 60 s at a time. Exactly 10 % and 5 % of what it transformed come back
/// failed and dropped; the failed ones go to processing-failed/ (discarded),
/// the dropped ones count as processed.
#[test]
fn a_transform_that_fails_records() {
    let mut v = story(
        "10m",
        10.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        json!({ "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": 60 },
                "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda" } ] } }),
    );
    v["consumers"][0]["transform"] =
        json!({ "dropped_share": 0.05, "processing_failed_share": 0.1 });
    let t = run(&v);
    let (c, f) = summary(&t);
    let inv = events(&t, "transform");
    let transformed: u64 = inv.iter().map(|e| e["records"].as_u64().unwrap()).sum();
    assert_eq!(f.records_processing_failed, transformed / 10);
    assert_eq!(f.records_dropped_by_transform, transformed * 5 / 100);
    assert!(inv.iter().all(|e| e["outcome"] == "success"));
    assert_eq!(c.invocations, inv.len() as u64);
    // Nine invocations of about 600 records in 10 minutes (the first buffer opens at ~0.5 s).
    assert_eq!(inv.len(), 9);
    let d = events(&t, "delivery");
    let done: Vec<&Value> = d.iter().filter(|e| e["outcome"] == "delivered").collect();
    let failed: u64 = done
        .iter()
        .filter_map(|e| e["processing_failed_records"].as_u64())
        .sum();
    assert_eq!(c.discarded, failed);
    assert!(done
        .iter()
        .all(|e| e["prefix"] == "processing-failed/" || e["prefix"].is_null()));
    assert_eq!(f.records_to_backup, failed);
}

/// A transform that always fails: each buffer is tried once and retried
/// NumberOfRetries times (default 3) — 4 failed invocations — then all its
/// records go to processing-failed/.
#[test]
fn a_failing_transform_is_retried_three_times_then_its_batch_fails() {
    let mut v = story(
        "5m",
        10.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        json!({ "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": 60 },
                "ProcessingConfiguration": { "Processors": [ { "Type": "Lambda" } ] } }),
    );
    v["consumers"][0]["transform"] = json!({ "error_rate": 1.0 });
    let t = run(&v);
    let (c, f) = summary(&t);
    let inv = events(&t, "transform");
    let buffers = inv
        .iter()
        .filter(|e| e["follow"] == "processing_failed")
        .count() as u64;
    assert!(buffers >= 3);
    assert_eq!(c.failed_invocations, inv.len() as u64);
    assert_eq!(c.invocations, inv.len() as u64);
    let attempts: Vec<u64> = inv
        .iter()
        .take(4)
        .map(|e| e["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(attempts, vec![1, 2, 3, 4]);
    assert_eq!(f.delivered_records, 0);
    assert_eq!(c.processed, 0);
    // Written to processing-failed/ with the batches delivered by the end.
    let written: u64 = events(&t, "delivery")
        .iter()
        .filter(|e| e["outcome"] == "errors_written")
        .map(|e| e["processing_failed_records"].as_u64().unwrap())
        .sum();
    assert_eq!(c.discarded, written);
    assert_eq!(f.records_to_backup, written);
}

/// A poison record is plain bytes to S3, but OpenSearch rejects it as a
/// malformed document: 1 record to AmazonOpenSearchService-failed/, the
/// others delivered.
#[test]
fn a_poison_record_is_bytes_to_s3_and_a_malformed_document_to_opensearch() {
    let timeline = json!([{ "at": "1m", "do": "poison", "partition_key": "k-1" }]);
    let mut v = story(
        "5m",
        10.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        s3(1, 60),
    );
    v["timeline"] = timeline.clone();
    let (c, _) = summary(&run(&v));
    assert_eq!(c.discarded, 0);
    let mut v = story(
        "5m",
        10.0,
        1_000,
        "AmazonopensearchserviceDestinationConfiguration",
        json!({ "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": 60 } }),
    );
    v["timeline"] = timeline;
    let t = run(&v);
    let (c, f) = summary(&t);
    assert_eq!(c.discarded, 1);
    assert_eq!(f.records_to_backup, 1);
    let d = events(&t, "delivery");
    let bad = d
        .iter()
        .find(|e| e["malformed_records"] == 1)
        .expect("a malformed document");
    assert_eq!(bad["prefix"], "AmazonOpenSearchService-failed/");
    assert_eq!(bad["outcome"], "delivered");
}

/// An S3 backup outage while OpenSearch is down too: Firehose can write
/// neither, so delivery pauses until the backup comes back; nothing is lost.
#[test]
fn with_destination_and_backup_down_delivery_pauses() {
    let mut v = story(
        "1h",
        10.0,
        1_000,
        "AmazonopensearchserviceDestinationConfiguration",
        json!({ "BufferingHints": { "SizeInMBs": 5, "IntervalInSeconds": 60 },
                "RetryOptions": { "DurationInSeconds": 0 } }),
    );
    v["timeline"] = json!([
        { "at": "5m", "do": "destination_outage", "consumer": "fh", "duration": "20m" },
        { "at": "5m", "do": "backup_outage", "consumer": "fh", "duration": "10m" }
    ]);
    let t = run(&v);
    let (c, _) = summary(&t);
    assert_eq!(c.expired_unprocessed, 0);
    let d = events(&t, "delivery");
    let paused = d
        .iter()
        .find(|e| e["backup_attempts"].as_u64().unwrap_or(0) > 1)
        .expect("a paused batch");
    // DurationInSeconds 0: one attempt, no retry; then S3 writes every 10 s until 15 min.
    assert_eq!(paused["attempts"], 1);
    assert_eq!(paused["outcome"], "to_backup");
    let done = paused["at_us"].as_u64().unwrap();
    assert!((900_000_000..=910_200_000).contains(&done), "{done}");
}

/// Resharding: Firehose reads each parent to its end before its children, and
/// every record of every shard is delivered.
#[test]
fn resharding_is_followed_parents_before_children() {
    let mut v = story(
        "20m",
        200.0,
        1_000,
        "ExtendedS3DestinationConfiguration",
        s3(1, 60),
    );
    v["stream"]["ShardCount"] = json!(2);
    v["timeline"] = json!([{ "at": "5m", "do": "update_shard_count", "TargetShardCount": 4 }]);
    let t = run(&v);
    let (c, _) = summary(&t);
    assert_eq!(c.expired_unprocessed, 0);
    assert_eq!(c.ordering_violations, 0);
    // Everything but the last minute or so is delivered.
    assert!(c.pending_at_end < 200 * 70, "{c:?}");
    assert_eq!(c.shards.len(), 6);
}

/// Same scenario, same trace.
#[test]
fn runs_are_deterministic() {
    let mut v = story(
        "30m",
        50.0,
        500,
        "HttpEndpointDestinationConfiguration",
        json!({}),
    );
    v["consumers"][0]["destination"] = json!({ "error_rate": 0.3 });
    assert_eq!(run(&v).hash(), run(&v).hash());
}

/// Firehose shares the shard's read limits with every other polling consumer. Beside five
/// readers that poll each second (six calls a second for five allowed), some of its calls are
/// throttled; it retries them the next second and keeps up. At 500 records/s of 1,000 bytes,
/// six readers need 3 MB/s of the shard's 2 MiB/s: the readers that poll every 200 ms while
/// behind win, and Firehose, reading once a second, falls minutes behind.
#[test]
fn firehose_shares_the_read_limits_with_other_polling_consumers() {
    use shardscope_engine::testing::TestPoller;
    let run_with_pollers = |rate: f64| {
        let v = story(
            "10m",
            rate,
            1_000,
            "ExtendedS3DestinationConfiguration",
            s3(1, 60),
        );
        let s = scenario::from_value(&v).unwrap();
        let mut sim = Simulation::new(&s).unwrap();
        for i in 0..5 {
            sim.add_consumer(&format!("poller{i}"), TestPoller::boxed())
                .unwrap();
        }
        sim.finish()
    };
    let fh_throttled = |t: &Trace| {
        t.events
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::ReadThrottled { consumer, .. } if consumer == "fh"))
            .count()
    };
    let t = run_with_pollers(100.0);
    let (c, _) = summary(&t);
    // Six calls a second for five: the shard throttles one reader or another every second.
    assert!(
        t.summary.stream.read_throttled_calls >= 500,
        "{:?}",
        t.summary.stream
    );
    assert_eq!(c.expired_unprocessed + c.discarded, 0);
    // Everything but the last buffer (at most a minute and a few seconds) was delivered.
    assert!(c.pending_at_end <= 6_500, "{c:?}");
    assert!(c.max_iterator_age_ms < 70_000, "{c:?}");

    let t = run_with_pollers(500.0);
    assert!(fh_throttled(&t) > 0, "Firehose was never throttled");
    let (c, _) = summary(&t);
    assert!(c.processed < c.records_in_scope * 6 / 10, "{c:?}");
    assert!(c.max_iterator_age_ms > 5 * 60_000, "{c:?}");
}
