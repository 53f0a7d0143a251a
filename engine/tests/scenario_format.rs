//! Scenario format v1: defaults, ranges, paths and messages, limits.
//! Every message asserted here is part of what a reader sees.

use serde_json::{json, Value};
use shardscope_engine::scenario::{
    self, format_duration, limits, parse_duration, Action, ConsumerKind, DestinationKind,
    LambdaConsumer, Scenario, ScenarioError, ShardNumber, StartingPosition, StreamMode,
};
use shardscope_engine::time::{SimDuration, SimTime};

/// The smallest valid scenario.
fn minimal() -> Value {
    json!({ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 2 } })
}

/// A small scenario with one producer and one Lambda consumer.
fn with_lambda() -> Value {
    json!({
        "format": "shardscope/1",
        "duration": "1h",
        "stream": { "ShardCount": 2 },
        "producers": [ { "name": "web", "records_per_second": 10 } ],
        "consumers": [ { "kind": "lambda", "name": "fn",
                         "EventSourceMapping": { "StartingPosition": "LATEST" } } ]
    })
}

fn ok(v: &Value) -> Scenario {
    match scenario::from_value(v) {
        Ok(s) => s,
        Err(e) => panic!("expected a valid scenario, got {e}\n{v:#}"),
    }
}

fn fail(v: &Value) -> ScenarioError {
    match scenario::from_value(v) {
        Ok(_) => panic!("expected an error for\n{v:#}"),
        Err(e) => e,
    }
}

/// Sets the value at a JSON pointer, creating objects on the way.
fn set(mut v: Value, pointer: &str, x: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent).expect("parent exists")
    };
    match target {
        Value::Object(m) => {
            m.insert(key.to_string(), x);
        }
        Value::Array(a) => {
            let i: usize = key.parse().expect("index");
            if i < a.len() {
                a[i] = x;
            } else {
                a.push(x);
            }
        }
        _ => panic!("not a container at {parent}"),
    }
    v
}

fn lambda(s: &Scenario, i: usize) -> &LambdaConsumer {
    match &s.consumers[i].kind {
        ConsumerKind::Lambda(l) => l,
        other => panic!("not a Lambda consumer: {other:?}"),
    }
}

#[track_caller]
fn assert_error(v: Value, path: &str, message: &str) {
    let e = fail(&v);
    assert_eq!(
        (e.path.as_str(), e.message.as_str()),
        (path, message),
        "{e}"
    );
    assert_eq!(e.to_string(), format!("{path}: {message}"));
}

#[track_caller]
fn assert_error_contains(v: Value, path: &str, parts: &[&str]) {
    let e = fail(&v);
    assert_eq!(e.path, path, "{e}");
    for part in parts {
        assert!(e.message.contains(part), "{e:?} lacks {part:?}");
    }
}

#[test]
fn minimal_scenario_gets_every_default() {
    let s = ok(&minimal());
    assert_eq!(s.title, "");
    assert_eq!(s.description, "");
    assert_eq!(s.seed, 1);
    assert_eq!(s.duration, SimDuration::from_secs(600));
    assert_eq!(s.stream.stream_name, "stream");
    assert_eq!(s.stream.shard_count, 2);
    assert_eq!(s.stream.mode, StreamMode::Provisioned);
    assert_eq!(s.stream.retention_hours, 24);
    assert!(s.producers.is_empty() && s.consumers.is_empty() && s.timeline.is_empty());
}

#[test]
fn producer_and_lambda_defaults() {
    let s = ok(&with_lambda());
    let p = &s.producers[0];
    assert_eq!(p.record_bytes, 1000);
    assert_eq!(p.partition_keys, 1000);
    assert_eq!(p.hot_key_share, 0.0);
    assert!(p.retry_throttled);
    assert_eq!(p.explicit_hash_key, None);
    let l = lambda(&s, 0);
    let e = &l.esm;
    assert_eq!(e.batch_size, 100);
    assert_eq!(e.maximum_batching_window_in_seconds, 0);
    assert_eq!(e.parallelization_factor, 1);
    assert_eq!(e.starting_position, StartingPosition::Latest);
    assert_eq!(e.maximum_retry_attempts, None);
    assert_eq!(e.maximum_record_age_in_seconds, None);
    assert!(!e.bisect_batch_on_function_error);
    assert!(!e.report_batch_item_failures);
    assert_eq!(e.tumbling_window_in_seconds, 0);
    assert_eq!(e.on_failure, None);
    assert!(e.enabled);
    assert!(!l.enhanced_fan_out);
    assert_eq!(l.function.timeout_seconds, 3);
    assert_eq!(l.function.reserved_concurrent_executions, None);
    assert_eq!(l.handler.invoke_ms, 20.0);
    assert_eq!(l.handler.per_record_ms, 0.5);
    assert_eq!(l.handler.error_rate, 0.0);
}

#[test]
fn on_demand_starts_with_four_shards() {
    let v = json!({ "format": "shardscope/1", "duration": "1h",
                    "stream": { "StreamModeDetails": { "StreamMode": "ON_DEMAND" } } });
    let s = ok(&v);
    assert_eq!(s.stream.mode, StreamMode::OnDemand);
    assert_eq!(s.stream.shard_count, 4);
}

#[test]
fn provisioned_needs_a_shard_count() {
    assert_error(
        json!({ "format": "shardscope/1", "duration": "1h", "stream": {} }),
        "stream.ShardCount",
        "is required in PROVISIONED mode (the default mode) but missing",
    );
}

#[test]
fn batch_size_edges() {
    let at = "/consumers/0/EventSourceMapping/BatchSize";
    assert_eq!(
        lambda(&ok(&set(with_lambda(), at, json!(10000))), 0)
            .esm
            .batch_size,
        10000
    );
    assert_eq!(
        lambda(&ok(&set(with_lambda(), at, json!(1))), 0)
            .esm
            .batch_size,
        1
    );
    assert_error(
        set(with_lambda(), at, json!(10001)),
        "consumers[0].EventSourceMapping.BatchSize",
        "10001 is above the maximum 10000",
    );
    assert_error(
        set(with_lambda(), at, json!(0)),
        "consumers[0].EventSourceMapping.BatchSize",
        "0 is below the minimum 1",
    );
}

/// (pointer, accepted values, rejected value, path, message)
type Edge = (&'static str, Vec<Value>, Value, &'static str, &'static str);

#[test]
fn range_edges_accepted_and_rejected() {
    let esm = "/consumers/0/EventSourceMapping";
    let edges: Vec<Edge> = vec![
        (
            "/stream/RetentionPeriodHours",
            vec![json!(24), json!(8760)],
            json!(23),
            "stream.RetentionPeriodHours",
            "23 is below the minimum 24",
        ),
        (
            "/stream/RetentionPeriodHours",
            vec![],
            json!(8761),
            "stream.RetentionPeriodHours",
            "8761 is above the maximum 8760",
        ),
        (
            "/stream/ShardCount",
            vec![json!(1), json!(64)],
            json!(65),
            "stream.ShardCount",
            "65 is above the maximum 64 (a playground limit)",
        ),
        ("/stream/ShardCount", vec![], json!(0), "stream.ShardCount", "0 is below the minimum 1"),
        (
            "/consumers/0/EventSourceMapping/MaximumBatchingWindowInSeconds",
            vec![json!(0), json!(300)],
            json!(301),
            "consumers[0].EventSourceMapping.MaximumBatchingWindowInSeconds",
            "301 is above the maximum 300",
        ),
        (
            "/consumers/0/EventSourceMapping/ParallelizationFactor",
            vec![json!(1), json!(10)],
            json!(11),
            "consumers[0].EventSourceMapping.ParallelizationFactor",
            "11 is above the maximum 10",
        ),
        (
            "/consumers/0/EventSourceMapping/MaximumRetryAttempts",
            vec![json!(-1), json!(0), json!(10000)],
            json!(-2),
            "consumers[0].EventSourceMapping.MaximumRetryAttempts",
            "-2 is below the minimum -1",
        ),
        (
            "/consumers/0/EventSourceMapping/MaximumRetryAttempts",
            vec![],
            json!(10001),
            "consumers[0].EventSourceMapping.MaximumRetryAttempts",
            "10001 is above the maximum 10000",
        ),
        (
            "/consumers/0/EventSourceMapping/MaximumRecordAgeInSeconds",
            vec![json!(-1), json!(60), json!(604800)],
            json!(604801),
            "consumers[0].EventSourceMapping.MaximumRecordAgeInSeconds",
            "604801 is above the maximum 604800",
        ),
        (
            "/consumers/0/EventSourceMapping/MaximumRecordAgeInSeconds",
            vec![],
            json!(59),
            "consumers[0].EventSourceMapping.MaximumRecordAgeInSeconds",
            "59 is not allowed: use -1 (no maximum age) or 60 to 604800; AWS rejects 0 to 59 although its schema's range starts at -1",
        ),
        (
            "/consumers/0/EventSourceMapping/TumblingWindowInSeconds",
            vec![json!(0), json!(900)],
            json!(901),
            "consumers[0].EventSourceMapping.TumblingWindowInSeconds",
            "901 is above the maximum 900",
        ),
        (
            "/consumers/0/Function",
            vec![json!({ "Timeout": 1 }), json!({ "Timeout": 900 })],
            json!({ "Timeout": 901 }),
            "consumers[0].Function.Timeout",
            "901 is above the maximum 900",
        ),
        (
            "/consumers/0/Function",
            vec![
                json!({ "ReservedConcurrentExecutions": null }),
                json!({ "ReservedConcurrentExecutions": 0 }),
                json!({ "ReservedConcurrentExecutions": 1000 }),
            ],
            json!({ "ReservedConcurrentExecutions": 1001 }),
            "consumers[0].Function.ReservedConcurrentExecutions",
            "1001 is above the maximum 1000",
        ),
        (
            "/consumers/0/handler",
            vec![json!({ "error_rate": 0 }), json!({ "error_rate": 1 })],
            json!({ "error_rate": 1.01 }),
            "consumers[0].handler.error_rate",
            "1.01 is above the maximum 1",
        ),
        (
            "/consumers/0/handler",
            vec![json!({ "invoke_ms": 0, "per_record_ms": 0 })],
            json!({ "per_record_ms": -0.5 }),
            "consumers[0].handler.per_record_ms",
            "-0.5 is below the minimum 0",
        ),
        (
            "/producers/0/record_bytes",
            vec![json!(1), json!(1048576)],
            json!(1048577),
            "producers[0].record_bytes",
            "1048577 is above the maximum 1048576",
        ),
        (
            "/producers/0/partition_keys",
            vec![json!(1), json!(1000000)],
            json!(1000001),
            "producers[0].partition_keys",
            "1000001 is above the maximum 1000000 (a playground limit)",
        ),
        (
            "/producers/0/hot_key_share",
            vec![json!(0), json!(1), json!(0.3)],
            json!(-0.1),
            "producers[0].hot_key_share",
            "-0.1 is below the minimum 0",
        ),
        (
            "/producers/0/records_per_second",
            vec![json!(0), json!(0.5)],
            json!(-1),
            "producers[0].records_per_second",
            "-1 is below the minimum 0",
        ),
        (
            "/seed",
            vec![json!(0), json!(u64::MAX)],
            json!(-1),
            "seed",
            "-1 is below the minimum 0",
        ),
    ];
    let _ = esm;
    for (pointer, good, bad, path, message) in edges {
        for g in good {
            ok(&set(with_lambda(), pointer, g));
        }
        assert_error(set(with_lambda(), pointer, bad), path, message);
    }
}

#[test]
fn unknown_keys_name_their_path_and_the_allowed_keys() {
    let v = json!({ "format": "shardscope/1", "duration": "1h", "stream": { "ShardCont": 2 } });
    assert_error(
        v,
        "stream.ShardCont",
        "unknown key \"ShardCont\" (did you mean \"ShardCount\"?); allowed keys here: StreamName, ShardCount, StreamModeDetails, RetentionPeriodHours",
    );
    assert_error_contains(
        set(
            with_lambda(),
            "/consumers/0/EventSourceMapping/FilterCriteria",
            json!({}),
        ),
        "consumers[0].EventSourceMapping.FilterCriteria",
        &[
            "unknown key \"FilterCriteria\"",
            "BatchSize",
            "DestinationConfig",
        ],
    );
    assert_error_contains(
        set(minimal(), "/titel", json!("x")),
        "titel",
        &[
            "did you mean \"title\"?",
            "allowed keys here: format, title",
        ],
    );
    assert_error_contains(
        set(minimal(), "/my key", json!(1)),
        "[\"my key\"]",
        &["unknown key \"my key\""],
    );
    assert_error_contains(
        set(
            with_lambda(),
            "/consumers/0/EventSourceMapping/DestinationConfig",
            json!({ "OnSuccess": {} }),
        ),
        "consumers[0].EventSourceMapping.DestinationConfig.OnSuccess",
        &["allowed keys here: OnFailure"],
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    assert_error(
        set(
            with_lambda(),
            "/consumers/0/EventSourceMapping/BatchSize",
            json!("100"),
        ),
        "consumers[0].EventSourceMapping.BatchSize",
        "expected a number, found a string (write the number without quotes)",
    );
    assert_error(
        set(
            with_lambda(),
            "/consumers/0/EventSourceMapping/BatchSize",
            json!(1.5),
        ),
        "consumers[0].EventSourceMapping.BatchSize",
        "expected a whole number, found 1.5",
    );
    assert_error(
        set(
            with_lambda(),
            "/consumers/0/EventSourceMapping/BatchSize",
            json!(1e30),
        ),
        "consumers[0].EventSourceMapping.BatchSize",
        "1e+30 is above the maximum 10000",
    );
    assert_error(
        set(
            with_lambda(),
            "/consumers/0/EventSourceMapping/BatchSize",
            json!(u64::MAX),
        ),
        "consumers[0].EventSourceMapping.BatchSize",
        "18446744073709551615 is above the maximum 10000",
    );
    assert_error(
        set(with_lambda(), "/consumers/0/enhanced_fan_out", json!("yes")),
        "consumers[0].enhanced_fan_out",
        "expected a boolean (true or false), found a string",
    );
    assert_error(
        set(minimal(), "/stream", json!([])),
        "stream",
        "expected an object, found an array",
    );
    assert_error(
        set(minimal(), "/producers", json!({})),
        "producers",
        "expected an array, found an object",
    );
    assert_error(json!([1, 2]), "$", "expected an object, found an array");
}

#[test]
fn bare_numbers_are_not_durations() {
    assert_error(
        set(minimal(), "/duration", json!(600)),
        "duration",
        "expected a duration string, found the number 600; write the unit, e.g. \"600s\" or \"600ms\"",
    );
}

#[test]
fn duration_strings() {
    let ms = |n: u64| Ok(SimDuration::from_millis(n));
    let table: Vec<(&str, Result<SimDuration, ()>)> = vec![
        ("250ms", ms(250).map_err(|_: ()| ())),
        ("90s", ms(90_000).map_err(|_: ()| ())),
        ("15m", ms(900_000).map_err(|_: ()| ())),
        ("2h", ms(7_200_000).map_err(|_: ()| ())),
        ("1h30m", ms(5_400_000).map_err(|_: ()| ())),
        ("3d", ms(259_200_000).map_err(|_: ()| ())),
        ("1d2h", ms(93_600_000).map_err(|_: ()| ())),
        ("0s", ms(0).map_err(|_: ()| ())),
        ("1m30s500ms", ms(90_500).map_err(|_: ()| ())),
        ("7us", Ok(SimDuration(7))),
        ("", Err(())),
        ("10", Err(())),
        ("h", Err(())),
        ("1.5h", Err(())),
        ("-5s", Err(())),
        ("+5s", Err(())),
        ("5 s", Err(())),
        (" 5s", Err(())),
        ("5S", Err(())),
        ("5sec", Err(())),
        ("30m1h", Err(())),
        ("1h1h", Err(())),
        ("1s1ms1s", Err(())),
        ("5µs", Err(())),
        ("99999999999999999999d", Err(())),
        ("213503982d", Ok(SimDuration(213_503_982 * 86_400_000_000))),
        ("213503983d", Err(())), // overflows u64 microseconds
    ];
    for (text, want) in table {
        let got = parse_duration(text).map_err(|_| ());
        assert_eq!(got, want, "{text:?}");
    }
    assert_eq!(
        parse_duration("1.5h").unwrap_err(),
        "\"1.5h\" is not a duration: fractions are not allowed (write \"1h30m\", not \"1.5h\"); use a duration string such as \"250ms\", \"90s\", \"15m\", \"1h30m\" or \"3d\""
    );
    assert_eq!(
        parse_duration("30m1h").unwrap_err(),
        "\"30m1h\" is not a duration: units must go from largest to smallest, each at most once (\"1h30m\"); use a duration string such as \"250ms\", \"90s\", \"15m\", \"1h30m\" or \"3d\""
    );
    assert_eq!(format_duration(SimDuration::from_secs(93_600)), "1d2h");
    assert_eq!(
        format_duration(SimDuration::from_millis(90_500)),
        "1m30s500ms"
    );
    assert_eq!(format_duration(SimDuration(0)), "0s");
    assert_error_contains(
        set(minimal(), "/duration", json!("10 minutes")),
        "duration",
        &["\"10 minutes\" is not a duration"],
    );
}

#[test]
fn duration_bounds() {
    assert_error(
        set(minimal(), "/duration", json!("0s")),
        "duration",
        "must be longer than 0s",
    );
    ok(&set(minimal(), "/duration", json!("8d")));
    assert_error(
        set(minimal(), "/duration", json!("8d1ms")),
        "duration",
        "8d1ms is above the maximum 8d (a playground limit)",
    );
    assert_eq!(limits::MAX_DURATION, SimDuration::from_secs(8 * 86_400));
}

#[test]
fn format_is_required_and_checked() {
    assert_error(
        json!({ "duration": "1h", "stream": { "ShardCount": 1 } }),
        "format",
        "is required but missing; write \"format\": \"shardscope/1\"",
    );
    assert_error(
        set(minimal(), "/format", json!("shardscope/2")),
        "format",
        "unsupported format \"shardscope/2\"; supported formats: \"shardscope/1\"",
    );
    // The format is checked before unknown keys: a newer document says so first.
    assert_error_contains(
        set(
            set(minimal(), "/format", json!("shardscope/2")),
            "/newkey",
            json!(1),
        ),
        "format",
        &["unsupported format"],
    );
}

#[test]
fn starting_position_rules() {
    let esm = "/consumers/0/EventSourceMapping";
    assert_error(
        set(with_lambda(), esm, json!({ "BatchSize": 10 })),
        "consumers[0].EventSourceMapping.StartingPosition",
        "is required (as in AWS) but missing: TRIM_HORIZON, LATEST or AT_TIMESTAMP",
    );
    assert_error(
        set(
            with_lambda(),
            esm,
            json!({ "StartingPosition": "AT_TIMESTAMP" }),
        ),
        "consumers[0].EventSourceMapping.StartingPositionTimestamp",
        "is required when StartingPosition is AT_TIMESTAMP",
    );
    assert_error(
        set(
            with_lambda(),
            esm,
            json!({ "StartingPosition": "LATEST", "StartingPositionTimestamp": "1m" }),
        ),
        "consumers[0].EventSourceMapping.StartingPositionTimestamp",
        "is only allowed when StartingPosition is AT_TIMESTAMP",
    );
    assert_error_contains(
        set(
            with_lambda(),
            esm,
            json!({ "StartingPosition": "AT_SEQUENCE_NUMBER" }),
        ),
        "consumers[0].EventSourceMapping.StartingPosition",
        &[
            "not a starting position",
            "TRIM_HORIZON, LATEST, AT_TIMESTAMP",
        ],
    );
    let s = ok(&set(
        with_lambda(),
        esm,
        json!({ "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "20m" }),
    ));
    assert_eq!(
        lambda(&s, 0).esm.starting_position,
        StartingPosition::AtTimestamp(SimTime::from_secs(1200))
    );
    ok(&set(
        with_lambda(),
        esm,
        json!({ "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "1h" }),
    ));
    assert_error_contains(
        set(
            with_lambda(),
            esm,
            json!({ "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "61m" }),
        ),
        "consumers[0].EventSourceMapping.StartingPositionTimestamp",
        &["1h1m is after the end of the run (1h)"],
    );
}

fn with_timeline(entries: Value) -> Value {
    set(with_lambda(), "/timeline", entries)
}

#[test]
fn set_mapping_cannot_move_the_starting_position() {
    assert_error(
        with_timeline(json!([{ "at": "5m", "do": "set_mapping", "consumer": "fn",
                                "StartingPosition": "TRIM_HORIZON" }])),
        "timeline[0].StartingPosition",
        "UpdateEventSourceMapping cannot change the starting position; use \"do\": \"recreate_mapping\" to read from a new one",
    );
    assert_error_contains(
        with_timeline(json!([{ "at": "5m", "do": "set_mapping", "consumer": "fn" }])),
        "timeline[0]",
        &["set_mapping changes nothing", "BatchSize"],
    );
    let s = ok(&with_timeline(
        json!([{ "at": "5m", "do": "set_mapping", "consumer": "fn",
        "BatchSize": 7, "MaximumRetryAttempts": -1, "DestinationConfig": {},
        "FunctionResponseTypes": ["ReportBatchItemFailures"], "Enabled": false }]),
    ));
    let Action::SetMapping { changes, .. } = &s.timeline[0].action else {
        panic!("set_mapping")
    };
    assert_eq!(changes.batch_size, Some(7));
    assert_eq!(changes.maximum_retry_attempts, Some(None));
    assert_eq!(changes.on_failure, Some(None));
    assert_eq!(changes.report_batch_item_failures, Some(true));
    assert_eq!(changes.enabled, Some(false));
    assert_eq!(changes.parallelization_factor, None);
    let mut esm = lambda(&s, 0).esm.clone();
    esm.apply(changes);
    assert_eq!((esm.batch_size, esm.enabled), (7, false));
}

#[test]
fn recreate_mapping_timestamp_is_not_in_the_future() {
    let s = ok(&with_timeline(
        json!([{ "at": "30m", "do": "recreate_mapping", "consumer": "fn",
        "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "20m" }]),
    ));
    assert_eq!(
        s.timeline[0].action,
        Action::RecreateMapping {
            consumer: "fn".into(),
            starting_position: StartingPosition::AtTimestamp(SimTime::from_secs(1200)),
        }
    );
    assert_error(
        with_timeline(json!([{ "at": "30m", "do": "recreate_mapping", "consumer": "fn",
            "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "31m" }])),
        "timeline[0].StartingPositionTimestamp",
        "31m is after the time of this entry (30m); AWS rejects a StartingPositionTimestamp in the future",
    );
}

#[test]
fn timeline_actions_and_references() {
    let s = ok(&with_timeline(json!([
        { "at": "40m", "do": "set_rate", "producer": "web", "records_per_second": 50 },
        { "at": "10m", "do": "poison" },
        { "at": "10m", "do": "poison", "partition_key": "k-7", "count": 3 },
        { "at": "20m", "do": "update_shard_count", "TargetShardCount": 4, "ScalingType": "UNIFORM_SCALING" },
        { "at": "25m", "do": "split_shard", "ShardToSplit": "shardId-000000000003",
          "NewStartingHashKey": "170141183460469231731687303715884105728" },
        { "at": "26m", "do": "merge_shards", "ShardToMerge": "shardId-000000000004",
          "AdjacentShardToMerge": "shardId-000000000005" },
        { "at": "30m", "do": "deploy", "consumer": "fn", "handler": { "error_rate": 1 } }
    ])));
    let names: Vec<&str> = s.timeline.iter().map(|e| e.action.name()).collect();
    // Sorted by `at`, ties in document order.
    assert_eq!(
        names,
        [
            "poison",
            "poison",
            "update_shard_count",
            "split_shard",
            "merge_shards",
            "deploy",
            "set_rate"
        ]
    );
    assert_eq!(
        s.timeline[0].action,
        Action::Poison {
            partition_key: "k-0".into(),
            count: 1
        }
    );
    assert_eq!(
        s.timeline[1].action,
        Action::Poison {
            partition_key: "k-7".into(),
            count: 3
        }
    );
    assert_eq!(
        s.timeline[3].action,
        Action::SplitShard {
            shard_to_split: ShardNumber(3),
            new_starting_hash_key: Some(1u128 << 127),
        }
    );
    assert_eq!(ShardNumber(3).to_string(), "shardId-000000000003");

    assert_error(
        with_timeline(
            json!([{ "at": "1m", "do": "set_rate", "producer": "app", "records_per_second": 1 }]),
        ),
        "timeline[0].producer",
        "no producer named \"app\"; producers: web",
    );
    assert_error(
        with_timeline(json!([{ "at": "1m", "do": "poison" },
                             { "at": "1m", "do": "deploy", "consumer": "x", "handler": {} }])),
        "timeline[1].consumer",
        "no consumer named \"x\"; consumers: fn",
    );
    assert_error(
        with_timeline(json!([{ "at": "2h", "do": "poison" }])),
        "timeline[0].at",
        "2h is after the end of the run (duration 1h)",
    );
    assert_error(
        with_timeline(json!([{ "at": "1m", "do": "reshard" }])),
        "timeline[0].do",
        "unknown action \"reshard\"; allowed actions: poison, set_rate, update_shard_count, split_shard, merge_shards, deploy, set_mapping, recreate_mapping, destination_outage, backup_outage, fail, create_snapshot, stop_application, start_application, update_application, stop_job, start_job, reset_checkpoint",
    );
    assert_error(
        with_timeline(json!([{ "at": "1m", "do": "split_shard", "ShardToSplit": "shard-1" }])),
        "timeline[0].ShardToSplit",
        "\"shard-1\" is not a shard id: expected \"shardId-\" and 12 digits, e.g. \"shardId-000000000000\"",
    );
    assert_error(
        with_timeline(
            json!([{ "at": "1m", "do": "merge_shards", "ShardToMerge": "shardId-000000000001",
                               "AdjacentShardToMerge": "shardId-000000000001" }]),
        ),
        "timeline[0].AdjacentShardToMerge",
        "a shard cannot be merged with itself",
    );
    assert_error_contains(
        with_timeline(
            json!([{ "at": "1m", "do": "split_shard", "ShardToSplit": "shardId-000000000000",
                               "NewStartingHashKey": "340282366920938463463374607431768211456" }]),
        ),
        "timeline[0].NewStartingHashKey",
        &["above the maximum 340282366920938463463374607431768211455"],
    );
    assert_error_contains(
        with_timeline(
            json!([{ "at": "1m", "do": "update_shard_count", "TargetShardCount": 4,
                               "ScalingType": "FAST" }]),
        ),
        "timeline[0].ScalingType",
        &["allowed: UNIFORM_SCALING"],
    );
    assert_error_contains(
        with_timeline(json!([{ "at": "1m", "do": "poison", "count": 2, "producer": "web" }])),
        "timeline[0].producer",
        &["allowed keys here: at, do, partition_key, count"],
    );
    assert_error(
        with_timeline(json!([{ "at": "1m", "do": "poison", "partition_key": "" }])),
        "timeline[0].partition_key",
        "a partition key has 1 to 256 characters",
    );
    assert_error(
        with_timeline(json!([{ "at": "1m", "do": "poison", "count": 1001 }])),
        "timeline[0].count",
        "1001 is above the maximum 1000 (a playground limit)",
    );
    assert_error(
        with_timeline(json!([{ "do": "poison" }])),
        "timeline[0].at",
        "is required but missing",
    );
}

#[test]
fn resharding_is_provisioned_only() {
    let v = set(
        with_timeline(json!([{ "at": "1m", "do": "update_shard_count", "TargetShardCount": 4 }])),
        "/stream",
        json!({ "StreamModeDetails": { "StreamMode": "ON_DEMAND" } }),
    );
    assert_error(
        v,
        "timeline[0].do",
        "update_shard_count works in PROVISIONED mode only, and this stream is ON_DEMAND (stream.StreamModeDetails.StreamMode)",
    );
}

#[test]
fn consumer_kinds() {
    assert_error(
        set(with_lambda(), "/consumers/0/kind", json!("kcl")),
        "consumers[0].kind",
        "unknown kind \"kcl\"; allowed kinds: lambda, firehose, flink, glue, kda_sql",
    );
}

#[test]
fn on_failure_destinations() {
    let at = "/consumers/0/EventSourceMapping/DestinationConfig";
    for (arn, kind) in [
        (
            "arn:aws:sqs:us-east-1:123456789012:dlq",
            DestinationKind::Sqs,
        ),
        (
            "arn:aws:sns:eu-west-1:123456789012:alerts",
            DestinationKind::Sns,
        ),
        ("arn:aws:s3:::my-failed-batches", DestinationKind::S3),
    ] {
        let s = ok(&set(
            with_lambda(),
            at,
            json!({ "OnFailure": { "Destination": arn } }),
        ));
        let d = lambda(&s, 0).esm.on_failure.clone().expect("destination");
        assert_eq!((d.arn.as_str(), d.kind), (arn, kind));
    }
    for arn in [
        "arn:aws:lambda:us-east-1:123456789012:function:f",
        "arn:aws:sqs:us-east-1:12345:dlq",
        "arn:aws:s3:us-east-1::bucket",
        "arn:aws:kafka:us-east-1:123456789012:topic",
        "dlq",
        "",
    ] {
        assert_error_contains(
            set(
                with_lambda(),
                at,
                json!({ "OnFailure": { "Destination": arn } }),
            ),
            "consumers[0].EventSourceMapping.DestinationConfig.OnFailure.Destination",
            &["is not an on-failure destination for Kinesis"],
        );
    }
}

#[test]
fn function_response_types() {
    let at = "/consumers/0/EventSourceMapping/FunctionResponseTypes";
    assert!(
        lambda(
            &ok(&set(with_lambda(), at, json!(["ReportBatchItemFailures"]))),
            0
        )
        .esm
        .report_batch_item_failures
    );
    assert!(
        !lambda(&ok(&set(with_lambda(), at, json!([]))), 0)
            .esm
            .report_batch_item_failures
    );
    assert_error_contains(
        set(with_lambda(), at, json!(["Partial"])),
        "consumers[0].EventSourceMapping.FunctionResponseTypes[0]",
        &["allowed: ReportBatchItemFailures"],
    );
}

#[test]
fn names_are_unique() {
    let v = set(
        with_lambda(),
        "/producers/1",
        json!({ "name": "web", "records_per_second": 1 }),
    );
    assert_error(
        v,
        "producers[1].name",
        "producer name \"web\" is already used by producers[0]; names must be unique",
    );
    let v = set(
        with_lambda(),
        "/consumers/1",
        json!({ "kind": "lambda", "name": "fn", "EventSourceMapping": { "StartingPosition": "LATEST" } }),
    );
    assert_error_contains(v, "consumers[1].name", &["already used by consumers[0]"]);
}

#[test]
fn explicit_hash_key() {
    let at = "/producers/0/ExplicitHashKey";
    let s = ok(&set(
        with_lambda(),
        at,
        json!("340282366920938463463374607431768211455"),
    ));
    assert_eq!(s.producers[0].explicit_hash_key, Some(u128::MAX));
    assert_eq!(
        ok(&set(with_lambda(), at, json!("0"))).producers[0].explicit_hash_key,
        Some(0)
    );
    for bad in [
        "",
        "01",
        "-1",
        "+1",
        "1e3",
        "340282366920938463463374607431768211456",
    ] {
        let e = fail(&set(with_lambda(), at, json!(bad)));
        assert_eq!(e.path, "producers[0].ExplicitHashKey", "{bad}: {e}");
    }
    assert_error_contains(
        set(with_lambda(), at, json!(5)),
        "producers[0].ExplicitHashKey",
        &["expected a decimal string, found a number"],
    );
}

#[test]
fn playground_limits() {
    // Shards over time.
    let mut splits = Vec::new();
    for i in 0..63 {
        splits.push(json!({ "at": "1m", "do": "split_shard",
                            "ShardToSplit": format!("shardId-{i:012}") }));
    }
    let v = set(
        set(minimal(), "/stream/ShardCount", json!(2)),
        "/timeline",
        json!(splits),
    );
    assert_error(
        v,
        "timeline[62].ShardToSplit",
        "this would make 65 open shards, above the maximum 64 (a playground limit)",
    );
    assert_error(
        set(
            minimal(),
            "/timeline",
            json!([{ "at": "1m", "do": "update_shard_count", "TargetShardCount": 65 }]),
        ),
        "timeline[0].TargetShardCount",
        "65 is above the maximum 64 (a playground limit)",
    );
    // Producers, consumers, timeline entries.
    let producers: Vec<Value> = (0..17)
        .map(|i| json!({ "name": format!("p{i}"), "records_per_second": 1 }))
        .collect();
    assert_error(
        set(minimal(), "/producers", json!(producers)),
        "producers",
        "17 entries is above the maximum 16 (a playground limit)",
    );
    let consumers: Vec<Value> = (0..9)
        .map(|i| {
            json!({ "kind": "lambda", "name": format!("c{i}"),
                         "EventSourceMapping": { "StartingPosition": "LATEST" } })
        })
        .collect();
    assert_error(
        set(minimal(), "/consumers", json!(consumers)),
        "consumers",
        "9 entries is above the maximum 8 (a playground limit)",
    );
    let entries: Vec<Value> = (0..201)
        .map(|_| json!({ "at": "1m", "do": "poison" }))
        .collect();
    assert_error(
        set(minimal(), "/timeline", json!(entries)),
        "timeline",
        "201 entries is above the maximum 200 (a playground limit)",
    );
    // Total rate, at the start and after set_rate.
    let two = json!([{ "name": "a", "records_per_second": 600000 },
                     { "name": "b", "records_per_second": 400000.5 }]);
    assert_error(
        set(minimal(), "/producers", two),
        "producers",
        "the producers' records_per_second add up to 1000000.5, above the maximum 1000000 (a playground limit)",
    );
    let v = set(
        set(
            minimal(),
            "/producers",
            json!([{ "name": "a", "records_per_second": 600000 },
                                            { "name": "b", "records_per_second": 1 }]),
        ),
        "/timeline",
        json!([{ "at": "1m", "do": "set_rate", "producer": "b", "records_per_second": 400001 }]),
    );
    assert_error(
        v,
        "timeline[0].records_per_second",
        "the producers' rates would add up to 1000001 records/s, above the maximum 1000000 (a playground limit)",
    );
    assert_error(
        set(
            minimal(),
            "/producers",
            json!([{ "name": "a", "records_per_second": 1000001 }]),
        ),
        "producers[0].records_per_second",
        "1000001 is above the maximum 1000000 (a playground limit)",
    );
    // Total records: 1,000,000/s for 8 days is 6.9e11 records.
    let v = set(
        set(minimal(), "/duration", json!("8d")),
        "/producers",
        json!([{ "name": "a", "records_per_second": 1000000 }]),
    );
    assert_error(
        v,
        "duration",
        "the producers would offer about 691,200,000,000 records over the run, above the maximum 5,000,000,000 (a playground limit); shorten the duration or lower records_per_second",
    );
    // Events: 64 shards polled by one consumer for 8 days.
    let v = set(
        set(
            set(with_lambda(), "/duration", json!("8d")),
            "/stream/ShardCount",
            json!(64),
        ),
        "/producers",
        json!([]),
    );
    assert_error_contains(
        v,
        "duration",
        &[
            "this run would take about 88,473,600 simulated events",
            "above the maximum 25,000,000",
        ],
    );
    // The same stream for 2 days fits.
    ok(&set(
        set(
            set(with_lambda(), "/duration", json!("2d")),
            "/stream/ShardCount",
            json!(64),
        ),
        "/producers",
        json!([]),
    ));
    // BatchSize 1 at the reference benchmark's rate for an hour is too many invocations.
    let v = set(
        set(
            set(with_lambda(), "/stream/ShardCount", json!(16)),
            "/producers/0/records_per_second",
            json!(14400),
        ),
        "/consumers/0/EventSourceMapping/BatchSize",
        json!(1),
    );
    assert_error_contains(v, "duration", &["simulated events"]);
}

#[test]
fn strings_are_bounded() {
    assert_error(
        set(minimal(), "/title", json!("x".repeat(201))),
        "title",
        "is longer than 200 characters (a playground limit)",
    );
    assert_error_contains(
        set(with_lambda(), "/producers/0/name", json!("n".repeat(65))),
        "producers[0].name",
        &["is longer than 64 characters"],
    );
    assert_error_contains(
        set(minimal(), "/stream/StreamName", json!("my stream")),
        "stream.StreamName",
        &["is not a stream name"],
    );
}

#[test]
fn text_level_errors() {
    let e = scenario::parse("{ \"format\": ").unwrap_err();
    assert_eq!(e.path, "$");
    assert!(e.message.starts_with("not valid JSON: "), "{e}");
    assert!(e.message.contains("line 1"), "{e}");

    let e = scenario::parse(
        r#"{"format":"shardscope/1","duration":"1h","stream":{"ShardCount":1,"ShardCount":2}}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "stream.ShardCount: duplicate key \"ShardCount\": each key may appear once"
    );

    let e = scenario::parse(&" ".repeat(limits::MAX_DOCUMENT_BYTES + 1)).unwrap_err();
    assert_eq!(e.path, "$");
    assert!(e.message.contains("above the maximum 1048576"), "{e}");

    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(scenario::parse(&deep).unwrap_err().path, "$");
}

#[test]
fn presets_are_valid_and_round_trip() {
    for (name, text) in [
        (
            "poison-blocks-a-shard",
            include_str!("../../www/presets/poison-blocks-a-shard.json"),
        ),
        (
            "buggy-deploy-and-replay",
            include_str!("../../www/presets/buggy-deploy-and-replay.json"),
        ),
    ] {
        let s = scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            scenario::from_value(&s.to_json()).as_ref(),
            Ok(&s),
            "{name}"
        );
        assert_eq!(
            scenario::parse(&s.to_json().to_string()).as_ref(),
            Ok(&s),
            "{name}"
        );
    }
}

#[test]
fn design_example_parses() {
    // The example of design.md, "Scenario format v1", without its comments.
    let text = r#"{
      "format": "shardscope/1",
      "title": "A poison record blocks one shard",
      "seed": 1,
      "duration": "26h",
      "stream": { "StreamName": "orders", "ShardCount": 2,
                  "StreamModeDetails": { "StreamMode": "PROVISIONED" }, "RetentionPeriodHours": 24 },
      "producers": [ { "name": "web", "records_per_second": 20, "record_bytes": 1000,
                       "partition_keys": 1000, "retry_throttled": true } ],
      "consumers": [
        { "kind": "lambda", "name": "enricher",
          "EventSourceMapping": { "BatchSize": 100, "MaximumBatchingWindowInSeconds": 0, "ParallelizationFactor": 1,
            "StartingPosition": "TRIM_HORIZON", "MaximumRetryAttempts": -1, "MaximumRecordAgeInSeconds": -1,
            "BisectBatchOnFunctionError": false, "FunctionResponseTypes": [], "TumblingWindowInSeconds": 0,
            "DestinationConfig": { "OnFailure": { "Destination": "arn:aws:sqs:us-east-1:123456789012:dlq" } } },
          "enhanced_fan_out": false,
          "Function": { "Timeout": 60, "ReservedConcurrentExecutions": null },
          "handler": { "invoke_ms": 20, "per_record_ms": 0.5, "error_rate": 0.0 } }
      ],
      "timeline": [
        { "at": "1h", "do": "poison", "partition_key": "k-42" },
        { "at": "2h", "do": "update_shard_count", "TargetShardCount": 4 },
        { "at": "3h", "do": "set_rate", "producer": "web", "records_per_second": 500 },
        { "at": "4h", "do": "deploy", "consumer": "enricher", "handler": { "error_rate": 1.0 } },
        { "at": "5h", "do": "recreate_mapping", "consumer": "enricher",
          "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "4h" }
      ]
    }"#;
    let s = scenario::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.duration, SimDuration::from_secs(26 * 3600));
    assert_eq!(s.timeline.len(), 5);
    assert_eq!(lambda(&s, 0).function.timeout_seconds, 60);
}

#[test]
fn document_examples_are_the_presets_and_valid() {
    let doc = include_str!("../../docs/scenario-format.md");
    let blocks: Vec<&str> = doc
        .split("```json\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect();
    assert_eq!(blocks.len(), 2, "two complete examples");
    let presets = [
        include_str!("../../www/presets/poison-blocks-a-shard.json"),
        include_str!("../../www/presets/buggy-deploy-and-replay.json"),
    ];
    for (block, preset) in blocks.iter().zip(presets) {
        let s = scenario::parse(block).unwrap_or_else(|e| panic!("{e}\n{block}"));
        assert_eq!(Ok(s), scenario::parse(preset));
    }
}

/// `handler.item_failures`: "report" (default) or "malformed"; other values
/// and types are errors at their path listing the allowed values; the key
/// survives the canonical JSON (written only when not the default) and is
/// accepted in a `deploy`'s partial handler.
#[test]
fn handler_item_failures() {
    use shardscope_engine::scenario::{ConsumerKind, ItemFailures};
    let handler = |s: &Scenario| match &s.consumers[0].kind {
        ConsumerKind::Lambda(l) => l.handler.item_failures,
        other => panic!("not a Lambda consumer: {other:?}"),
    };
    assert_eq!(handler(&ok(&with_lambda())), ItemFailures::Report);
    for (v, want) in [
        ("report", ItemFailures::Report),
        ("malformed", ItemFailures::Malformed),
    ] {
        let s = ok(&set(
            with_lambda(),
            "/consumers/0/handler",
            json!({ "item_failures": v }),
        ));
        assert_eq!(handler(&s), want);
        let back = scenario::from_value(&s.to_json()).expect("round trip");
        assert_eq!(back, s);
        let written = s.to_json()["consumers"][0]["handler"]
            .get("item_failures")
            .cloned();
        assert_eq!(
            written,
            (want == ItemFailures::Malformed).then(|| json!("malformed"))
        );
    }
    assert_error(
        set(
            with_lambda(),
            "/consumers/0/handler",
            json!({ "item_failures": "partial" }),
        ),
        "consumers[0].handler.item_failures",
        "\"partial\" is not an item failures response; allowed: report, malformed",
    );
    assert_error_contains(
        set(
            with_lambda(),
            "/consumers/0/handler",
            json!({ "item_failures": 1 }),
        ),
        "consumers[0].handler.item_failures",
        &[],
    );
    let deploy = set(
        with_lambda(),
        "/timeline",
        json!([{ "at": "1m", "do": "deploy", "consumer": "fn",
                 "handler": { "item_failures": "malformed" } }]),
    );
    let s = ok(&deploy);
    assert_eq!(scenario::from_value(&s.to_json()).as_ref(), Ok(&s));
    assert_error(
        set(deploy, "/timeline/0/handler/item_failures", json!("none")),
        "timeline[0].handler.item_failures",
        "\"none\" is not an item failures response; allowed: report, malformed",
    );
}
