//! The write path: per-shard limits, throttling, retries and drops.

use crate::common::*;

/// 1,500 rec/s into one shard for 10 minutes, throttled records dropped.
/// Each 100 ms tick offers 150 records; the shard admits 1,000 per second
/// (six full ticks of 150 and 100 of the seventh), so every second admits
/// 1,000 and throttles 500: 600 s × 1,000 = 600,000 admitted and
/// 600 s × 500 = 300,000 throttled, exactly.
#[test]
fn one_shard_at_1500_per_second_admits_600k_and_throttles_300k() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("web", 1500.0, 100, 1000, false),
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.incoming_records, 600_000);
    assert_eq!(t.summary.stream.write_throttled_records, 300_000);
    let incoming = values(stream_series(&t, "IncomingRecords"));
    assert_eq!(incoming.len(), 600);
    assert!(incoming.iter().all(|&v| v == 1_000), "{incoming:?}");
    let throttled = values(stream_series(&t, "WriteProvisionedThroughputExceeded"));
    assert!(throttled.iter().all(|&v| v == 500));
    // One throttling episode covering the whole run.
    let episodes: Vec<_> = t
        .events
        .iter()
        .filter(|e| e.kind_name() == "WriteThrottled")
        .collect();
    assert_eq!(episodes.len(), 1);
}

/// The byte limit binds first for large records: 1 MiB/s of 100 KiB records
/// is 10 records per second (1,048,576 / 102,400 = 10.24).
#[test]
fn the_byte_limit_binds_for_large_records() {
    let s = scenario(
        "1m",
        &provisioned(1),
        &producer("big", 20.0, 102_400, 10, false),
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.incoming_records, 600);
    assert_eq!(t.summary.stream.write_throttled_records, 600);
}

/// With retries the shard stays saturated: the same 600,000 records are
/// admitted, and the backlog of retries is throttled again and again (so the
/// throttle count exceeds the 300,000 records that were first refused).
#[test]
fn retried_puts_keep_the_shard_saturated() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("web", 1500.0, 100, 1000, true),
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.incoming_records, 600_000);
    assert!(t.summary.stream.write_throttled_records > 300_000);
}

/// Below the limits nothing is throttled and every offered record lands:
/// 2 shards, 500 rec/s for 1 minute = 30,000 records.
#[test]
fn below_the_limits_everything_is_admitted() {
    let s = scenario(
        "1m",
        &provisioned(2),
        &producer("web", 500.0, 1000, 1000, false),
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.incoming_records, 30_000);
    assert_eq!(t.summary.stream.write_throttled_records, 0);
}

/// Fractional rates carry their remainder: 0.5 rec/s for 10 minutes is 300.
#[test]
fn fractional_rates_accumulate_exactly() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("slow", 0.5, 100, 10, false),
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.incoming_records, 300);
}

/// `set_rate` changes the rate at its time. Timeline actions at time t come
/// before the producer tick at t (which writes the records of (t − 100 ms, t]),
/// so the ticks at 0.1 s … 59.9 s write 10 records each (5,990) and the ticks
/// at 60.0 s … 120.0 s write 1 each (601): 6,591.
#[test]
fn set_rate_takes_effect_at_its_time() {
    let s = scenario(
        "2m",
        &provisioned(1),
        &producer("web", 100.0, 100, 10, false),
        r#"{"at": "1m", "do": "set_rate", "producer": "web", "records_per_second": 10}"#,
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.incoming_records, 6_591);
}
