//! Property tests of scenario format v1: the canonical form round-trips, and no
//! input — random bytes, random JSON, mutated valid scenarios — makes `parse`
//! panic or give an error without a usable path.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use shardscope_engine::scenario::{
    self, Action, Consumer, ConsumerKind, DestinationKind, EventSourceMapping, FunctionConfig,
    Handler, HandlerPatch, ItemFailures, LambdaConsumer, MappingPatch, OnFailureDestination,
    Producer, Scenario, ScenarioError, ShardNumber, StartingPosition, StreamConfig, StreamMode,
    TimelineEntry,
};
use shardscope_engine::time::{SimDuration, SimTime};

const TOP_KEYS: &[&str] = &[
    "format",
    "title",
    "description",
    "seed",
    "duration",
    "stream",
    "producers",
    "consumers",
    "timeline",
];

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------
// Valid scenarios
// ---------------------------------------------------------------------------

/// Durations in whole milliseconds, as duration strings can write them.
fn millis(max_ms: u64) -> impl Strategy<Value = u64> {
    prop_oneof![0..=max_ms, (0..=max_ms / 60_000).prop_map(|m| m * 60_000)]
}

/// Rates: whole and fractional, small enough for every limit.
fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![(0u32..=50).prop_map(f64::from), 0.0..=50.0f64]
}

fn unit() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), Just(1.0), 0.0..=1.0f64]
}

fn ms_cost() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        (0u32..1000).prop_map(f64::from),
        0.0..=900_000.0f64
    ]
}

fn name(prefix: &'static str) -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _é-]{0,20}".prop_map(move |s| format!("{prefix}{s}"))
}

fn producer(i: usize) -> impl Strategy<Value = Producer> {
    (
        rate(),
        1u32..=1_048_576,
        1u32..=1_000_000,
        unit(),
        any::<bool>(),
        proptest::option::of(any::<u128>()),
    )
        .prop_map(move |(r, bytes, keys, hot, retry, key)| Producer {
            name: format!("p{i}"),
            records_per_second: r,
            record_bytes: bytes,
            partition_keys: keys,
            hot_key_share: hot,
            retry_throttled: retry,
            explicit_hash_key: key,
        })
}

fn destination() -> impl Strategy<Value = Option<OnFailureDestination>> {
    prop_oneof![
        Just(None),
        Just(Some(OnFailureDestination {
            arn: "arn:aws:sqs:us-east-1:123456789012:dlq".into(),
            kind: DestinationKind::Sqs,
        })),
        Just(Some(OnFailureDestination {
            arn: "arn:aws-cn:sns:cn-north-1:123456789012:topic.x".into(),
            kind: DestinationKind::Sns,
        })),
        Just(Some(OnFailureDestination {
            arn: "arn:aws:s3:::failed-batches".into(),
            kind: DestinationKind::S3,
        })),
    ]
}

fn position(latest_ms: u64) -> impl Strategy<Value = StartingPosition> {
    prop_oneof![
        Just(StartingPosition::TrimHorizon),
        Just(StartingPosition::Latest),
        (0..=latest_ms).prop_map(|ms| StartingPosition::AtTimestamp(SimTime::from_millis(ms))),
    ]
}

fn retries() -> impl Strategy<Value = Option<u32>> {
    proptest::option::of(0u32..=10_000)
}

fn max_age() -> impl Strategy<Value = Option<u32>> {
    proptest::option::of(60u32..=604_800)
}

fn esm(end_ms: u64) -> impl Strategy<Value = EventSourceMapping> {
    (
        (10u32..=10_000, 0u32..=300, 1u32..=10, position(end_ms)),
        (retries(), max_age(), any::<bool>(), any::<bool>()),
        (0u32..=900, destination(), any::<bool>()),
    )
        .prop_map(
            |((b, w, pf, sp), (r, age, bisect, rbif), (tw, d, en))| EventSourceMapping {
                batch_size: b,
                maximum_batching_window_in_seconds: w,
                parallelization_factor: pf,
                starting_position: sp,
                maximum_retry_attempts: r,
                maximum_record_age_in_seconds: age,
                bisect_batch_on_function_error: bisect,
                report_batch_item_failures: rbif,
                tumbling_window_in_seconds: tw,
                on_failure: d,
                enabled: en,
            },
        )
}

fn consumer(i: usize, end_ms: u64) -> impl Strategy<Value = Consumer> {
    (
        esm(end_ms),
        any::<bool>(),
        1u32..=900,
        proptest::option::of(0u32..=1000),
        (ms_cost(), ms_cost(), unit()),
        name("c"),
    )
        .prop_map(
            move |(esm, efo, timeout, reserved, (a, b, e), n)| Consumer {
                name: format!("{n}#{i}"),
                kind: ConsumerKind::Lambda(LambdaConsumer {
                    esm,
                    enhanced_fan_out: efo,
                    function: FunctionConfig {
                        timeout_seconds: timeout,
                        reserved_concurrent_executions: reserved,
                        memory_size_mb: 128,
                    },
                    handler: Handler {
                        invoke_ms: a,
                        per_record_ms: b,
                        error_rate: e,
                        item_failures: if i.is_multiple_of(2) {
                            ItemFailures::Report
                        } else {
                            ItemFailures::Malformed
                        },
                    },
                }),
            },
        )
}

fn mapping_patch() -> impl Strategy<Value = MappingPatch> {
    use proptest::option::of;
    (
        (
            of(10u32..=10_000),
            of(0u32..=300),
            of(1u32..=10),
            of(retries()),
        ),
        (
            of(max_age()),
            of(any::<bool>()),
            of(any::<bool>()),
            of(0u32..=900),
        ),
        (of(destination()), of(any::<bool>())),
    )
        .prop_map(|((b, w, pf, r), (age, bi, rb, tw), (d, en))| MappingPatch {
            batch_size: b,
            maximum_batching_window_in_seconds: w,
            parallelization_factor: pf,
            maximum_retry_attempts: r,
            maximum_record_age_in_seconds: age,
            bisect_batch_on_function_error: bi,
            report_batch_item_failures: rb,
            tumbling_window_in_seconds: tw,
            on_failure: d,
            enabled: en,
        })
        .prop_filter("set_mapping changes something", |p| !p.is_empty())
}

fn action(
    producers: Vec<String>,
    consumers: Vec<String>,
    mode: StreamMode,
    at_ms: u64,
) -> BoxedStrategy<Action> {
    let mut options: Vec<BoxedStrategy<Action>> = vec![("[a-z0-9-]{1,10}", 1u32..=1000)
        .prop_map(|(k, c)| Action::Poison {
            partition_key: k,
            count: c,
        })
        .boxed()];
    if !producers.is_empty() {
        options.push(
            (proptest::sample::select(producers), rate())
                .prop_map(|(p, r)| Action::SetRate {
                    producer: p,
                    records_per_second: r,
                })
                .boxed(),
        );
    }
    if mode == StreamMode::Provisioned {
        options.push(
            (1u32..=16)
                .prop_map(|n| Action::UpdateShardCount {
                    target_shard_count: n,
                })
                .boxed(),
        );
        options.push(
            (0u64..1_000_000_000_000, proptest::option::of(any::<u128>()))
                .prop_map(|(s, k)| Action::SplitShard {
                    shard_to_split: ShardNumber(s),
                    new_starting_hash_key: k,
                })
                .boxed(),
        );
        options.push(
            (0u64..1000, 1u64..1000)
                .prop_map(|(a, d)| Action::MergeShards {
                    shard_to_merge: ShardNumber(a),
                    adjacent_shard_to_merge: ShardNumber(a + d),
                })
                .boxed(),
        );
    }
    if !consumers.is_empty() {
        let c = proptest::sample::select(consumers);
        let patch = (
            proptest::option::of(ms_cost()),
            proptest::option::of(ms_cost()),
            proptest::option::of(unit()),
            proptest::option::of(prop_oneof![
                Just(ItemFailures::Report),
                Just(ItemFailures::Malformed)
            ]),
        )
            .prop_map(|(a, b, e, f)| HandlerPatch {
                invoke_ms: a,
                per_record_ms: b,
                error_rate: e,
                item_failures: f,
            });
        options.push(
            (c.clone(), patch)
                .prop_map(|(consumer, handler)| Action::Deploy { consumer, handler })
                .boxed(),
        );
        options.push(
            (c.clone(), mapping_patch())
                .prop_map(|(consumer, changes)| Action::SetMapping { consumer, changes })
                .boxed(),
        );
        options.push(
            (c, position(at_ms))
                .prop_map(|(consumer, starting_position)| Action::RecreateMapping {
                    consumer,
                    starting_position,
                })
                .boxed(),
        );
    }
    proptest::strategy::Union::new(options).boxed()
}

/// A valid scenario whose timeline is already sorted (so parsing keeps it as is).
fn valid_scenario() -> impl Strategy<Value = Scenario> {
    let end_ms = prop_oneof![1u64..=86_400_000, Just(86_400_000)];
    (
        end_ms,
        any::<u64>(),
        prop_oneof![Just(StreamMode::Provisioned), Just(StreamMode::OnDemand)],
        1u32..=8,
        24u32..=8760,
        0usize..=4,
        0usize..=3,
        ".{0,30}",
        "[a-zA-Z0-9_.-]{1,20}",
    )
        .prop_flat_map(
            |(
                end_ms,
                seed,
                mode,
                shards,
                retention,
                n_producers,
                n_consumers,
                title,
                stream_name,
            )| {
                let producers: Vec<_> = (0..n_producers).map(producer).collect();
                let consumers: Vec<_> = (0..n_consumers).map(|i| consumer(i, end_ms)).collect();
                (
                    Just((end_ms, seed, mode, shards, retention, title, stream_name)),
                    producers,
                    consumers,
                    proptest::collection::vec(millis(end_ms), 0..6),
                )
            },
        )
        .prop_flat_map(|(basics, producers, consumers, mut times)| {
            let (_, _, mode, ..) = basics.clone();
            times.sort_unstable();
            let p_names: Vec<String> = producers.iter().map(|p| p.name.clone()).collect();
            let c_names: Vec<String> = consumers.iter().map(|c| c.name.clone()).collect();
            let actions: Vec<_> = times
                .iter()
                .map(|&t| {
                    action(p_names.clone(), c_names.clone(), mode, t).prop_map(move |a| {
                        TimelineEntry {
                            at: SimTime::from_millis(t),
                            action: a,
                        }
                    })
                })
                .collect();
            (Just(basics), Just(producers), Just(consumers), actions)
        })
        .prop_map(
            |(
                (end_ms, seed, mode, shards, retention, title, stream_name),
                producers,
                consumers,
                timeline,
            )| {
                Scenario {
                    title,
                    description: String::new(),
                    seed,
                    duration: SimDuration::from_millis(end_ms),
                    stream: StreamConfig {
                        stream_name,
                        shard_count: shards,
                        mode,
                        retention_hours: retention,
                    },
                    producers,
                    consumers,
                    timeline,
                    embed: None,
                    challenge: None,
                }
            },
        )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn canonical_form_round_trips(s in valid_scenario()) {
        let v = s.to_json();
        let back = scenario::from_value(&v);
        prop_assert_eq!(back.as_ref(), Ok(&s), "{:#}", v);
        // Through text too, as URLs and files carry it.
        let text = serde_json::to_string(&v).expect("serialises");
        let reparsed = scenario::parse(&text);
        prop_assert_eq!(reparsed.as_ref(), Ok(&s));
        // The canonical form is a fixed point.
        prop_assert_eq!(back.expect("parsed").to_json(), v);
    }
}

// ---------------------------------------------------------------------------
// Hostile inputs
// ---------------------------------------------------------------------------

/// The error must have a message and a path that starts at something real:
/// the document (`$`), a top-level key of the format, or a key of the input.
fn check_error(input: Option<&Value>, e: &ScenarioError) -> Result<(), TestCaseError> {
    prop_assert!(!e.path.is_empty(), "empty path: {:?}", e);
    prop_assert!(!e.message.is_empty(), "empty message: {:?}", e);
    prop_assert_eq!(e.to_string(), format!("{}: {}", e.path, e.message));
    if e.path == "$" {
        return Ok(());
    }
    let first = e.path.split(['.', '[']).next().unwrap_or("");
    let in_input = input
        .and_then(Value::as_object)
        .is_some_and(|m| m.contains_key(first) || (first.is_empty() && e.path.starts_with("[\"")));
    prop_assert!(
        TOP_KEYS.contains(&first) || in_input,
        "path {:?} does not start at a known key",
        e.path
    );
    Ok(())
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("shardscope/1"),
            Just("1h"),
            Just("LATEST"),
            Just("lambda"),
            Just("poison"),
            Just("AT_TIMESTAMP"),
            Just("shardId-000000000000"),
        ]
        .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        let key = prop_oneof![
            proptest::sample::select(vec![
                "format",
                "duration",
                "stream",
                "ShardCount",
                "producers",
                "consumers",
                "timeline",
                "kind",
                "name",
                "EventSourceMapping",
                "StartingPosition",
                "at",
                "do",
                "records_per_second",
                "handler",
                "BatchSize",
            ])
            .prop_map(String::from),
            ".{0,8}",
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(key, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A rich valid scenario to mutate.
fn base() -> Value {
    serde_json::from_str(include_str!(
        "../../www/presets/buggy-deploy-and-replay.json"
    ))
    .expect("preset is JSON")
}

/// A Firehose scenario with a transform and both outage actions: the base for mutating the
/// Firehose keys (the ProcessingConfiguration's Parameters list included).
fn firehose_base() -> Value {
    let mut v: Value = serde_json::from_str(include_str!(
        "../../www/presets/firehose-transform-fails-records.json"
    ))
    .expect("preset is JSON");
    v["timeline"] = json!([
        { "at": "2m", "do": "destination_outage", "consumer": "enriched-to-s3", "duration": "3m" },
        { "at": "4m", "do": "backup_outage", "consumer": "enriched-to-s3", "duration": "1m" }
    ]);
    v
}

/// `v` after `edits` at random places.
fn mutated(mut v: Value, edits: Vec<(prop::sample::Index, usize, Mutation)>) -> Value {
    for (where_, pick, m) in edits {
        let mut all = Vec::new();
        containers(&v, String::new(), &mut all);
        let pointer = where_.get(&all).clone();
        mutate(&mut v, &pointer, pick, m);
    }
    v
}

/// A mutated scenario gives a clear error, or one that still round-trips.
fn check_mutated(v: &Value) -> Result<(), TestCaseError> {
    match scenario::from_value(v) {
        Ok(s) => {
            let back = scenario::from_value(&s.to_json());
            prop_assert_eq!(back.as_ref(), Ok(&s));
        }
        Err(e) => check_error(Some(v), &e)?,
    }
    Ok(())
}

/// Every container path in `v` (as JSON pointers).
fn containers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            out.push(here.clone());
            for (k, x) in m {
                containers(
                    x,
                    format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            out.push(here.clone());
            for (i, x) in a.iter().enumerate() {
                containers(x, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Drop,
    Replace(Value),
    AddKey(String, Value),
    Deep(usize),
    LongString(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Drop),
        any_json().prop_map(Mutation::Replace),
        prop_oneof![
            Just(Value::from(u64::MAX)),
            Just(Value::from(i64::MIN)),
            Just(Value::from(-1)),
            Just(Value::from(1e308)),
            Just(Value::from(-1e308)),
            Just(Value::from(5e-324)),
            Just(Value::from(4_294_967_296u64)),
            Just(Value::from(0.5)),
            Just(Value::String("-1".into())),
        ]
        .prop_map(Mutation::Replace),
        (".{0,10}", any_json()).prop_map(|(k, v)| Mutation::AddKey(k, v)),
        (1usize..300).prop_map(Mutation::Deep),
        (1usize..100_000).prop_map(Mutation::LongString),
    ]
}

/// Applies `m` to the container at `pointer` (to one of its children, chosen by `pick`).
fn mutate(v: &mut Value, pointer: &str, pick: usize, m: Mutation) {
    let Some(target) = v.pointer_mut(pointer) else {
        return;
    };
    let child: Option<&mut Value> = match target {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            if keys.is_empty() {
                None
            } else {
                let k = &keys[pick % keys.len()];
                if let Mutation::Drop = m {
                    map.remove(k);
                    return;
                }
                if let Mutation::AddKey(key, x) = m {
                    map.insert(key, x);
                    return;
                }
                map.get_mut(k)
            }
        }
        Value::Array(a) => {
            if a.is_empty() {
                None
            } else {
                let i = pick % a.len();
                if let Mutation::Drop = m {
                    a.remove(i);
                    return;
                }
                if let Mutation::AddKey(_, x) = m {
                    let copy = a[i].clone();
                    a.push(copy);
                    a.push(x);
                    return;
                }
                a.get_mut(i)
            }
        }
        _ => None,
    };
    let Some(child) = child else { return };
    match m {
        Mutation::Replace(x) => *child = x,
        Mutation::Deep(depth) => {
            let mut x = child.take();
            for i in 0..depth {
                x = if i % 2 == 0 {
                    json!([x])
                } else {
                    json!({ "k": x })
                };
            }
            *child = x;
        }
        Mutation::LongString(n) => *child = Value::String("x".repeat(n)),
        Mutation::Drop | Mutation::AddKey(..) => {}
    }
}

/// Writes `v` as JSON text, repeating the first key of the `dup`-th object.
fn text_with_duplicate(v: &Value, dup: &mut usize, out: &mut String) {
    match v {
        Value::Object(m) => {
            out.push('{');
            let mut first = true;
            let mut write = |k: &String, x: &Value, dup: &mut usize, out: &mut String| {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                text_with_duplicate(x, dup, out);
            };
            let this = *dup;
            *dup = dup.wrapping_sub(1);
            if let (0, Some((k, x))) = (this, m.iter().next()) {
                write(k, x, &mut usize::MAX.clone(), out);
            }
            for (k, x) in m {
                write(k, x, dup, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                text_with_duplicate(x, dup, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = scenario::parse(&text) {
            check_error(None, &e)?;
        }
    }

    #[test]
    fn random_json_never_panics(v in any_json()) {
        if let Err(e) = scenario::from_value(&v) {
            check_error(Some(&v), &e)?;
        }
        if let Err(e) = scenario::parse(&v.to_string()) {
            check_error(Some(&v), &e)?;
        }
    }

    #[test]
    fn random_json_with_a_valid_frame_never_panics(
        stream in any_json(), producers in any_json(), consumers in any_json(), timeline in any_json()
    ) {
        let v = json!({ "format": "shardscope/1", "duration": "1h", "stream": stream,
                        "producers": producers, "consumers": consumers, "timeline": timeline });
        if let Err(e) = scenario::from_value(&v) {
            check_error(Some(&v), &e)?;
        }
    }

    #[test]
    fn mutated_scenarios_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<usize>(), mutation()), 1..4)
    ) {
        let v = mutated(base(), edits);
        check_mutated(&v)?;
        if let Err(e) = scenario::parse(&v.to_string()) {
            check_error(Some(&v), &e)?;
        }
    }

    #[test]
    fn mutated_firehose_scenarios_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<usize>(), mutation()), 1..4)
    ) {
        check_mutated(&mutated(firehose_base(), edits))?;
    }

    #[test]
    fn duplicate_keys_are_rejected_with_their_path(which in 0usize..40) {
        let v = base();
        let mut objects = Vec::new();
        containers(&v, String::new(), &mut objects);
        let n_objects = objects.iter().filter(|p| v.pointer(p).is_some_and(Value::is_object)).count();
        let mut dup = which % n_objects;
        let mut text = String::new();
        text_with_duplicate(&v, &mut dup, &mut text);
        let e = scenario::parse(&text).expect_err("a duplicate key is an error");
        prop_assert!(e.message.starts_with("duplicate key "), "{}", e);
        check_error(Some(&v), &e)?;
    }

    #[test]
    fn mutated_text_never_panics(cut in any::<prop::sample::Index>(), junk in ".{0,4}") {
        let text = base().to_string();
        let mut at = cut.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let spliced = format!("{}{}{}", &text[..at], junk, &text[at..]);
        if let Err(e) = scenario::parse(&spliced) {
            check_error(serde_json::from_str::<Value>(&spliced).ok().as_ref(), &e)?;
        }
        if let Err(e) = scenario::parse(&text[..at]) {
            check_error(None, &e)?;
        }
    }
}

#[test]
fn containers_sees_the_whole_base() {
    let mut all = Vec::new();
    containers(&base(), String::new(), &mut all);
    assert!(all.len() > 10, "{all:?}");
    let _ = Map::<String, Value>::new();
}
