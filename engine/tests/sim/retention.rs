//! Retention, the moving trim horizon, and records that expire before a
//! consumer reads them.

use shardscope_engine::scenario::StartingPosition;
use shardscope_engine::testing::PollerConfig;
use shardscope_engine::time::SimTime;
use shardscope_engine::trace::EventKind;

use crate::common::*;

/// 10 rec/s into one shard with 24 h retention for 26 h: 936,000 records.
/// A reader that starts at 25 h from TRIM_HORIZON finds the first hour
/// already trimmed: the 36,000 records that arrived in (0, 1h] expired
/// before it read them. It reads the rest and catches up.
#[test]
fn a_late_reader_loses_what_retention_trimmed() {
    let s = scenario(
        "26h",
        &provisioned(1),
        &producer("web", 10.0, 1000, 100, false),
        "",
    );
    let late = poller_with(PollerConfig {
        paused_until: SimTime::from_secs(25 * 3600),
        ..PollerConfig::default()
    });
    let t = run(&s, vec![("early", poller()), ("late", late)]);
    assert_eq!(t.summary.stream.incoming_records, 936_000);
    // Both poll once a second, so up to one second of records (10) is still
    // unread at the end.
    let late = &t.summary.consumers["late"];
    assert_eq!(late.records_in_scope, 936_000);
    assert_eq!(late.expired_unprocessed, 36_000);
    assert_eq!(late.processed + late.pending_at_end, 900_000);
    assert!(late.pending_at_end <= 10);
    let early = &t.summary.consumers["early"];
    assert_eq!(early.expired_unprocessed, 0);
    assert_eq!(early.processed + early.pending_at_end, 936_000);
    assert!(early.pending_at_end <= 10);
    assert_conservation(&t);
    let expired: Vec<u64> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordsExpired {
                consumer, records, ..
            } if consumer == "late" => Some(*records),
            _ => None,
        })
        .collect();
    assert_eq!(expired, vec![36_000]);
}

/// A reader created at the start has everything in scope (nothing was written
/// yet); one created at 40 min with AT_TIMESTAMP 30 min has the records that
/// arrived at or after 30:00.000 — the ticks at 1800.0 s … 3600.0 s, one
/// record each: 18,001. One created at 40 min with LATEST has what the ticks
/// after 2400.0 s write, up to 3600.0 s (the tick at exactly 40:00 runs before
/// the creation: the kernel's own events at an instant come first): 12,000.
#[test]
fn starting_positions_set_the_scope() {
    let s = scenario(
        "1h",
        &provisioned(1),
        &producer("web", 10.0, 100, 100, false),
        "",
    );
    let at = poller_with(PollerConfig {
        starting_position: StartingPosition::AtTimestamp(SimTime::from_secs(1800)),
        start_at: SimTime::from_secs(2400),
        ..PollerConfig::default()
    });
    let latest = poller_with(PollerConfig {
        starting_position: StartingPosition::Latest,
        start_at: SimTime::from_secs(2400),
        ..PollerConfig::default()
    });
    let t = run(
        &s,
        vec![("first", poller()), ("at", at), ("latest", latest)],
    );
    assert_eq!(t.summary.consumers["first"].records_in_scope, 36_000);
    assert_eq!(t.summary.consumers["latest"].records_in_scope, 12_000);
    let at = &t.summary.consumers["at"];
    // Records that arrived at or after 30:00.000: ticks 1800.0 s … 3600.0 s.
    assert_eq!(at.records_in_scope, 18_001);
    assert_eq!(at.processed + at.pending_at_end, 18_001);
    assert_conservation(&t);
}

/// A closed parent stays readable until retention trims it, then expires.
#[test]
fn closed_shards_expire_after_retention() {
    let s = scenario(
        "25h",
        &provisioned(1),
        &producer("web", 1.0, 100, 100, false),
        r#"{"at": "10m", "do": "split_shard", "ShardToSplit": "shardId-000000000000"}"#,
    );
    let t = run(&s, vec![("reader", poller())]);
    let expired: Vec<_> = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::ShardExpired { .. }))
        .collect();
    assert_eq!(expired.len(), 1);
    let secs = expired[0].at.as_secs_f64();
    assert!((24.0 * 3600.0 + 600.0..24.0 * 3600.0 + 602.0).contains(&secs));
    assert_eq!(t.summary.consumers["reader"].expired_unprocessed, 0);
    assert_conservation(&t);
}
