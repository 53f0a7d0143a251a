//! The cost estimate (issue 15): figures a reader can check by hand against the price
//! list (`engine/src/cost/prices-us-east-1.json`).
//!
//! Counting rules: a producer at r records/s writes every record admitted (these runs
//! stay under the write limits), so an hour writes 3,600 × r records; a record up to
//! 25 KB is one PUT payload unit; a GB is 2^30 bytes.

use serde_json::{json, Value};
use shardscope_engine::cost::{ConsumerCost, Cost};
use shardscope_engine::scenario;
use shardscope_engine::{Simulation, Trace};

fn run(stream: Value, record_bytes: u32, consumers: Value, duration: &str) -> Trace {
    run_with(stream, record_bytes, consumers, duration, json!([]))
}

fn run_with(
    stream: Value,
    record_bytes: u32,
    consumers: Value,
    duration: &str,
    timeline: Value,
) -> Trace {
    let v = json!({
        "format": "shardscope/1",
        "duration": duration,
        "stream": stream,
        "producers": [ { "name": "p", "records_per_second": 250, "record_bytes": record_bytes,
                         "partition_keys": 1000 } ],
        "consumers": consumers,
        "timeline": timeline,
    });
    let s = scenario::from_value(&v).unwrap_or_else(|e| panic!("{e}"));
    Simulation::new(&s).expect("valid").finish()
}

fn cost(t: &Trace) -> &Cost {
    t.summary.cost.as_ref().expect("every run has a cost block")
}

fn meter(c: &ConsumerCost, name: &str) -> (f64, f64) {
    let i = c
        .items
        .iter()
        .find(|i| i.meter == name)
        .unwrap_or_else(|| panic!("{name}"));
    (i.quantity, i.usd)
}

#[test]
fn two_shards_for_an_hour_with_900_000_put_payload_units() {
    // 250 records/s × 3,600 s = 900,000 records of 1,000 bytes: 900,000 units.
    // 2 shard-hours × $0.015 + 0.9 M units × $0.014 = $0.03 + $0.0126 = $0.0426.
    let t = run(json!({ "ShardCount": 2 }), 1_000, json!([]), "1h");
    let c = cost(&t);
    assert_eq!(c.label, "estimate, us-east-1");
    let items: Vec<(&str, f64, f64)> = c
        .stream
        .iter()
        .map(|i| (i.meter, i.quantity, i.usd))
        .collect();
    assert_eq!(
        items,
        [
            ("kinesis_shard_hour", 2.0, 0.03),
            ("kinesis_put_payload_units_million", 0.9, 0.0126),
        ]
    );
    assert_eq!((c.stream_usd, c.total_usd), (0.0426, 0.0426));
}

#[test]
fn a_record_over_25_kb_is_two_units_and_longer_retention_is_billed_per_shard_hour() {
    // 250 records/s of 30,000 bytes is 7.5 MB/s: 8 shards take it. 900,000 records × 2 units.
    // Retention 48 h adds $0.02 a shard-hour: 8 × $0.02 = $0.16.
    let t = run(
        json!({ "ShardCount": 8, "RetentionPeriodHours": 48 }),
        30_000,
        json!([]),
        "1h",
    );
    let c = cost(&t);
    let items: Vec<(&str, f64, f64)> = c
        .stream
        .iter()
        .map(|i| (i.meter, i.quantity, i.usd))
        .collect();
    assert_eq!(
        items,
        [
            ("kinesis_shard_hour", 8.0, 0.12),
            ("kinesis_put_payload_units_million", 1.8, 0.0252),
            ("kinesis_extended_retention_shard_hour", 8.0, 0.16),
        ]
    );
}

#[test]
fn lambda_is_billed_per_request_and_per_gb_second_of_rounded_duration() {
    // Each invocation takes 100.4 ms (invoke_ms; per_record_ms 0): billed 101 ms.
    // At 1,024 MB that is 0.101 GB-s an invocation. The mapping polls every second
    // from TRIM_HORIZON; the requests are the summary's invocations.
    let lambda = json!([{ "kind": "lambda", "name": "fn",
        "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" },
        "Function": { "MemorySize": 1024 },
        "handler": { "invoke_ms": 100.4, "per_record_ms": 0 } }]);
    let t = run(json!({ "ShardCount": 1 }), 200, lambda, "10m");
    let n = t.summary.consumers["fn"].invocations;
    assert!(n > 500, "{n} invocations");
    let c = &cost(&t).consumers["fn"];
    assert_eq!(c.kind, "lambda");
    let (q, usd) = meter(c, "lambda_requests_million");
    assert_eq!(q, n as f64 / 1e6);
    assert_eq!(usd, (n as f64 * 0.2 / 1e6 * 1e6).round() / 1e6);
    let (q, _) = meter(c, "lambda_gb_second");
    assert_eq!(q, (n as f64 * 0.101 * 1e6).round() / 1e6);
}

#[test]
fn firehose_rounds_each_record_up_to_5_kb() {
    // 250 records/s × 600 s = 150,000 records of 6,000 bytes (the producer stops then,
    // and Firehose reads each second until 11 min), less those written before its
    // first read from LATEST (the summary's records_in_scope: 149,974), each billed
    // as 10 KiB: 1,535,733,760 bytes = 1.430264 GB, × $0.029 = $0.041478.
    let firehose = json!([{ "kind": "firehose", "name": "fh",
        "ExtendedS3DestinationConfiguration": {
            "BufferingHints": { "IntervalInSeconds": 60, "SizeInMBs": 64 } } }]);
    let stop = json!([{ "at": "10m", "do": "set_rate", "producer": "p", "records_per_second": 0 }]);
    let t = run_with(json!({ "ShardCount": 2 }), 6_000, firehose, "11m", stop);
    let c = &cost(&t).consumers["fh"];
    let (q, usd) = meter(c, "firehose_gb");
    // Firehose reads every record in scope (written from LATEST at the start), buffered or not.
    let read = t.summary.consumers["fh"].records_in_scope;
    assert_eq!(read, 149_974);
    assert_eq!((q, usd), (1.430264, 0.041478));
}

#[test]
fn enhanced_fan_out_bills_consumer_shard_hours_and_gb_pushed() {
    // A Lambda consumer through enhanced fan-out on 2 shards for 1 h: 2 consumer-shard-hours.
    let lambda = json!([{ "kind": "lambda", "name": "fn", "enhanced_fan_out": true,
        "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } }]);
    let t = run(json!({ "ShardCount": 2 }), 1_000, lambda, "1h");
    let c = &cost(&t).consumers["fn"];
    assert_eq!(meter(c, "kinesis_efo_consumer_shard_hour"), (2.0, 0.03));
    // Every record is pushed once, 900,000 × 1,000 bytes (0.838190 GB), but for those
    // of the last tick or two (25 records each), pushed about 70 ms after they arrive.
    let (q, _) = meter(c, "kinesis_efo_gb");
    let gb = |records: f64| (records * 1_000.0 / (1u64 << 30) as f64 * 1e6).round() / 1e6;
    assert!(q >= gb(900_000.0 - 50.0) && q < gb(900_000.0), "{q}");
}

#[test]
fn kda_sql_bills_one_kpu_an_hour_when_it_needs_no_more() {
    // 250 rows/s is far under one KPU: 3,600 KPU-seconds = 1 KPU-hour × $0.11.
    let app = json!([{ "kind": "kda_sql", "name": "app",
        "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "NOW" } } ],
        "Outputs": [ { "Name": "DEST", "KinesisStreamsOutput":
            { "ResourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/out" } } ] }]);
    let t = run(json!({ "ShardCount": 1 }), 200, app, "1h");
    assert_eq!(
        meter(&cost(&t).consumers["app"], "kda_sql_kpu_hour"),
        (1.0, 0.11)
    );
}

#[test]
fn the_cost_block_does_not_change_the_trace_hash() {
    let t = run(json!({ "ShardCount": 2 }), 1_000, json!([]), "5m");
    let mut summary = t.summary.clone();
    summary.cost = None;
    let again = Trace::compute_hash(&t.events, &t.series, &t.shards, &summary);
    assert_eq!(again, t.hash());
}

#[test]
fn memory_size_is_checked_against_lambdas_range() {
    for (bad, ok) in [(64, false), (128, true), (10_240, true), (10_241, false)] {
        let v = json!({ "format": "shardscope/1", "duration": "1m", "stream": { "ShardCount": 1 },
            "consumers": [{ "kind": "lambda", "name": "fn",
                "EventSourceMapping": { "StartingPosition": "LATEST" },
                "Function": { "MemorySize": bad } }] });
        match scenario::from_value(&v) {
            Ok(_) => assert!(ok, "{bad} accepted"),
            Err(e) => {
                assert!(!ok, "{bad} refused: {e}");
                assert!(
                    e.to_string()
                        .starts_with("consumers[0].Function.MemorySize"),
                    "{e}"
                );
            }
        }
    }
}
