//! Concurrency, ParallelizationFactor, resharding and reprocessing.

#[path = "lambda_common.rs"]
mod common;
use common::*;

/// ParallelizationFactor 10 on one shard whose records carry only 3 distinct
/// keys: at most 3 concurrent invocations (a key's records stay in one lane).
/// With 1,000 keys: 10. Zero ordering violations in both.
#[test]
fn parallelization_factor_is_capped_by_distinct_keys() {
    // 500 rec/s, handler 200 ms + 1 ms/record: one lane manages 100 records
    // in 300 ms (≈ 333 rec/s), so the shard needs several lanes.
    for (keys, want) in [(3u32, 3u64), (1_000, 10)] {
        let s = lambda(
            "5m",
            1,
            500.0,
            keys,
            r#""ParallelizationFactor": 10"#,
            r#""invoke_ms": 200, "per_record_ms": 1"#,
            "",
            "",
        );
        let t = run(&s);
        let c = summary(&t);
        assert!(
            c.max_concurrency <= want,
            "{keys} keys: {}",
            c.max_concurrency
        );
        if keys == 1_000 {
            assert_eq!(c.max_concurrency, 10);
        } else {
            assert!(c.max_concurrency >= 2, "{}", c.max_concurrency);
        }
        assert_eq!(c.ordering_violations, 0);
        assert_eq!(c.discarded + c.expired_unprocessed, 0);
    }
}

/// ReservedConcurrentExecutions 2 with 4 shards: at most 2 invocations at
/// once; the others are throttled (before-invocation errors) and retried
/// without using retry attempts: with MaximumRetryAttempts 0, nothing is
/// discarded.
#[test]
fn reserved_concurrency_throttles_without_using_retries() {
    let s = lambda(
        "5m",
        4,
        100.0,
        1000,
        r#""MaximumRetryAttempts": 0"#,
        r#""invoke_ms": 500, "per_record_ms": 0"#,
        r#""ReservedConcurrentExecutions": 2"#,
        "",
    );
    let t = run(&s);
    let c = summary(&t);
    assert_eq!(c.max_concurrency, 2);
    assert!(c.throttled_invocations > 0);
    assert_eq!(c.failed_invocations, 0);
    assert_eq!(c.discarded, 0);
    assert_eq!(c.ordering_violations, 0);
    assert!(!of(&t, "throttled").is_empty());
}

/// A buggy deploy at 30 min (every invocation throws) fixed at 60 min: every
/// shard retries its batch for 30 min, so the iterator age peaks near 30 min
/// (at most one 60 s back-off more) and nothing is lost. Then
/// `recreate_mapping` at 70 min with AT_TIMESTAMP 20 min re-delivers every
/// record written since 20 min: 50 min × 20 rec/s = 60,000 records.
#[test]
fn buggy_deploy_then_recreate_at_timestamp_reprocesses() {
    let s = lambda(
        "80m",
        2,
        20.0,
        1000,
        "",
        "",
        "",
        r#"{"at": "30m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 1.0}},
           {"at": "60m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 0.0}},
           {"at": "70m", "do": "recreate_mapping", "consumer": "fn",
            "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "20m"}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    // Iterator age per second before the recreate (after it, the new mapping
    // starts 50 min behind, by design).
    let age = t
        .series
        .iter()
        .find(|s| {
            s.metric == "IteratorAgeMilliseconds"
                && s.consumer.as_deref() == Some("fn")
                && s.shard.is_none()
        })
        .expect("iterator age series");
    let before: Vec<u64> = age.values[..70 * 60]
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let peak = *before.iter().max().unwrap();
    let peak_at_s = before.iter().position(|&v| v == peak).unwrap() as u64;
    assert!((29 * MIN..=31 * MIN + 5_000).contains(&peak), "peak {peak}");
    assert!(
        (60 * 60..62 * 60).contains(&peak_at_s),
        "peak at {peak_at_s} s"
    );
    // Current again before the recreate.
    assert!(before[69 * 60] < 5_000, "{}", before[69 * 60]);
    assert_eq!(c.discarded + c.expired_unprocessed, 0);
    assert_eq!(c.records_in_scope, 80 * 60 * 20);
    assert!(c.pending_at_end < 100);
    // Redeliveries: the 60,000 records from 20 to 70 min, plus the records of
    // the failed retries of the buggy half hour (each retry redelivers its batch).
    let retried: u64 = events(&t)
        .iter()
        .filter(|e| e["what"] == "invocation" && e["outcome"] == "error")
        .map(|e| e["records"].as_u64().unwrap_or(0))
        .sum();
    let rewind = c.redeliveries - retried;
    assert!(
        (59_900..=60_100).contains(&rewind),
        "rewind redeliveries {rewind} (total {}, retries {retried})",
        c.redeliveries
    );
    assert_eq!(of(&t, "recreate_mapping").len(), 1);
}

/// UpdateShardCount 2 → 4 while the mapping lags (a slow handler): each child
/// starts only after its parent is drained, and per-key order holds.
#[test]
fn children_wait_for_their_parents() {
    let s = lambda(
        "40m",
        2,
        300.0,
        1000,
        "",
        r#""invoke_ms": 900, "per_record_ms": 0"#,
        "",
        r#"{"at": "5m", "do": "update_shard_count", "TargetShardCount": 4}"#,
    );
    let t = run(&s);
    let c = summary(&t);
    assert_eq!(c.ordering_violations, 0);
    let drained = of(&t, "shard_drained");
    let started = of(&t, "shard_started");
    assert!(!drained.is_empty(), "the parents were drained");
    for info in &t.shards {
        for p in info.parent.iter().chain(info.adjacent_parent.iter()) {
            let child = started
                .iter()
                .find(|e| e["shard"] == info.id.to_string())
                .map(|e| e["at_us"].as_u64().unwrap());
            let parent = drained
                .iter()
                .find(|e| e["shard"] == p.to_string())
                .map(|e| e["at_us"].as_u64().unwrap());
            if let Some(ct) = child {
                let pt = parent.expect("a started child's parent was drained");
                assert!(ct >= pt, "{} started before its parent {p}", info.id);
            }
        }
    }
    // The mapping lagged: each shard gets ≈ 150 rec/s, one 100-record batch
    // per 0.9 s ≈ 111 rec/s; the parents were drained well after the reshard.
    let last_drain = drained
        .iter()
        .map(|e| e["at_us"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(last_drain > 6 * 60_000_000, "{last_drain}");
}

/// Chains (see `LambdaMapping`): a steady 4-shard stream with a poison record,
/// a reshard and a buggy deploy gives the same trace with and without them,
/// in far fewer kernel events.
#[test]
fn chains_give_the_unchained_trace_in_fewer_events() {
    let s = lambda(
        "10m",
        4,
        3600.0,
        10_000,
        r#""BatchSize": 100, "MaximumRetryAttempts": 2"#,
        r#""invoke_ms": 20, "per_record_ms": 0.1"#,
        "",
        r#"{"at": "2m", "do": "poison", "partition_key": "k-1"},
           {"at": "4m", "do": "update_shard_count", "TargetShardCount": 8},
           {"at": "6m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 0.5}},
           {"at": "7m", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 0.0}}"#,
    );
    let (chained, n_chained) = run_counting(&s, false, true);
    let (unchained, n_unchained) = run_unchained(&s, false);
    assert_eq!(chained.hash(), unchained.hash());
    assert_eq!(chained, unchained);
    assert!(summary(&chained).invocations > 10_000);
    assert!(
        n_chained * 3 < n_unchained * 2,
        "{n_chained} kernel events chained, {n_unchained} unchained"
    );
}
