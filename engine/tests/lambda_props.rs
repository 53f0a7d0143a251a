//! Property tests of the Lambda event source mapping over random scenarios:
//! conservation per consumer, per-key order, determinism, no panic.

#[path = "lambda_common.rs"]
mod common;
use common::*;

use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Case {
    shards: u32,
    rate: u32,
    keys: u32,
    batch: u32,
    window: u32,
    pf: u32,
    retry: Option<u32>,
    age: Option<u32>,
    bisect: bool,
    rbif: bool,
    dest: u8,
    invoke_ms: u32,
    per_record_ms: u32,
    error_pct: u32,
    efo: bool,
    poison_at_s: Option<u32>,
    reshard: bool,
    deploy_at_s: Option<u32>,
    recreate: bool,
    tumbling: u32,
    malformed: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            1u32..=4,
            0u32..=400,
            1u32..=2000,
            1u32..=300,
            0u32..=3,
            1u32..=10,
        ),
        (
            proptest::option::of(0u32..=3),
            proptest::option::of(60u32..=200),
            any::<bool>(),
            any::<bool>(),
            0u8..=3,
        ),
        (0u32..=400, 0u32..=5, 0u32..=30, any::<bool>()),
        (
            proptest::option::of(0u32..=300),
            any::<bool>(),
            proptest::option::of(0u32..=300),
            any::<bool>(),
            prop_oneof![Just(0u32), 1u32..=60],
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (shards, rate, keys, batch, window, pf),
                (retry, age, bisect, rbif, dest),
                (invoke_ms, per_record_ms, error_pct, efo),
                (poison_at_s, reshard, deploy_at_s, recreate, tumbling, malformed),
            )| Case {
                shards,
                rate,
                keys,
                batch,
                window,
                pf,
                retry,
                age,
                bisect,
                rbif,
                dest,
                invoke_ms,
                per_record_ms,
                error_pct,
                efo,
                poison_at_s,
                reshard,
                deploy_at_s,
                recreate,
                tumbling,
                malformed,
            },
        )
}

/// `c` where late timers and plain polls apply: no errors drawn, no record age, one lane a
/// shard with no batching or tumbling window, no enhanced fan-out, no deploy.
fn healthy_alone(c: Case) -> Case {
    Case {
        error_pct: 0,
        age: None,
        window: 0,
        pf: 1,
        efo: false,
        tumbling: 0,
        deploy_at_s: None,
        ..c
    }
}

fn scenario(c: &Case) -> shardscope_engine::scenario::Scenario {
    scenario_lasting(c, "6m")
}

fn scenario_lasting(c: &Case, duration: &str) -> shardscope_engine::scenario::Scenario {
    let mut esm = vec![
        format!(r#""BatchSize": {}"#, c.batch),
        format!(r#""MaximumBatchingWindowInSeconds": {}"#, c.window),
        format!(r#""ParallelizationFactor": {}"#, c.pf),
        format!(r#""BisectBatchOnFunctionError": {}"#, c.bisect),
        format!(r#""TumblingWindowInSeconds": {}"#, c.tumbling),
    ];
    esm.push(format!(
        r#""MaximumRetryAttempts": {}"#,
        c.retry.map_or(-1, |r| r as i64)
    ));
    esm.push(format!(
        r#""MaximumRecordAgeInSeconds": {}"#,
        c.age.map_or(-1, |r| r as i64)
    ));
    if c.rbif {
        esm.push(r#""FunctionResponseTypes": ["ReportBatchItemFailures"]"#.into());
    }
    let arn = match c.dest {
        1 => Some("arn:aws:sqs:us-east-1:123456789012:q"),
        2 => Some("arn:aws:sns:us-east-1:123456789012:t"),
        3 => Some("arn:aws:s3:::bucket"),
        _ => None,
    };
    if let Some(a) = arn {
        esm.push(format!(
            r#""DestinationConfig": {{"OnFailure": {{"Destination": "{a}"}}}}"#
        ));
    }
    let mut tl = Vec::new();
    if let Some(t) = c.poison_at_s {
        tl.push(format!(r#"{{"at": "{t}s", "do": "poison", "count": 2}}"#));
    }
    if c.reshard {
        tl.push(format!(
            r#"{{"at": "100s", "do": "update_shard_count", "TargetShardCount": {}}}"#,
            c.shards * 2
        ));
    }
    if let Some(t) = c.deploy_at_s {
        tl.push(format!(
            r#"{{"at": "{t}s", "do": "deploy", "consumer": "fn", "handler": {{"error_rate": 0.9}}}}"#
        ));
        tl.push(format!(
            r#"{{"at": "{}s", "do": "set_mapping", "consumer": "fn", "MaximumRetryAttempts": 1}}"#,
            t + 30
        ));
    }
    if c.recreate {
        tl.push(
            r#"{"at": "250s", "do": "recreate_mapping", "consumer": "fn",
                "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "60s"}"#
                .into(),
        );
    }
    tl.sort_by_key(|s| {
        let i = s.find("\"at\": \"").unwrap() + 7;
        let j = s[i..].find('s').unwrap();
        s[i..i + j].parse::<u32>().unwrap()
    });
    let json = format!(
        r#"{{"format": "shardscope/1", "seed": 7, "duration": "{duration}",
            "stream": {{"ShardCount": {shards}}},
            "producers": [{{"name": "p", "records_per_second": {rate}, "record_bytes": 300,
                            "partition_keys": {keys}}}],
            "consumers": [{{"kind": "lambda", "name": "fn", "enhanced_fan_out": {efo},
                "EventSourceMapping": {{"StartingPosition": "TRIM_HORIZON", {esm}}},
                "Function": {{"Timeout": 2}},
                "handler": {{"invoke_ms": {inv}, "per_record_ms": {per}, "error_rate": {err}}} }}],
            "timeline": [{tl}]}}"#,
        shards = c.shards,
        rate = c.rate,
        keys = c.keys,
        efo = c.efo,
        esm = esm.join(", "),
        inv = c.invoke_ms,
        per = c.per_record_ms,
        err = f64::from(c.error_pct) / 100.0,
        tl = tl.join(", "),
    );
    parse(&json)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Conservation, per-key order, determinism and no panic.
    #[test]
    fn lambda_mapping_properties(c in case()) {
        let s = scenario(&c);
        let t = run_with(&s, c.malformed);
        let sum = summary(&t); // asserts conservation
        prop_assert!(sum.deliveries >= sum.processed);
        if !c.recreate {
            prop_assert_eq!(sum.ordering_violations, 0, "{:?}", sum);
        }
        // Every invocation reaches the Invocations series, whatever path booked it (the
        // metrics are added up per period and written later: at a new period, a recreated
        // mapping or the end of the run).
        let series: u64 = t
            .series
            .iter()
            .filter(|s| s.metric == "Invocations")
            .flat_map(|s| s.values.iter().flatten())
            .sum();
        prop_assert_eq!(series, sum.invocations, "Invocations series vs summary");
        let again = run_with(&s, c.malformed);
        prop_assert_eq!(&t.hash(), &again.hash());
    }

    /// Chaining a lane's back-to-back invocations inside one kernel event
    /// changes nothing: the trace (events, series, summary) is the one of
    /// the unchained model, one kernel event per invocation. The cases are
    /// steered to where chains apply (no errors drawn, no record age limit,
    /// no enhanced fan-out, no tumbling window) and keep poison records,
    /// reshards, deploys (a deploy ends chains: error_rate 0.9), bisection,
    /// partial failures and recreated mappings.
    #[test]
    fn chains_change_nothing(c in case()) {
        let c = Case { error_pct: 0, age: None, efo: false, tumbling: 0, ..c };
        let s = scenario(&c);
        let (chained, _) = run_counting(&s, c.malformed, true);
        let (unchained, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&chained.hash(), &unchained.hash());
        prop_assert_eq!(chained, unchained);
    }

    /// Per-key order is tracked only while a settle could break it (a first
    /// processing below what a shard processed before, or on a shard whose
    /// descendants processed records), and the tracking is rebuilt from what was
    /// processed, newest first, when it starts again: the ordering violations, and
    /// the whole trace, are those of tracking every record from the start.
    /// Recreated mappings (replays), reshards, poison and failures make the cases.
    #[test]
    fn key_tracking_on_demand_changes_nothing(c in case()) {
        let s = scenario(&c);
        let on_demand = run_with(&s, c.malformed);
        let reference = run_tracking_keys(&s, c.malformed);
        prop_assert_eq!(&on_demand.hash(), &reference.hash());
        prop_assert_eq!(on_demand, reference);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Pushes held by the kernel while a lane waits for its batching window to end, and
    /// handed over together (see `Hold`), change nothing: the trace is the one of the
    /// reference model (chains off). The cases keep errors, retries, bisection, partial
    /// failures, poison records, reshards, deploys and recreated mappings.
    #[test]
    fn efo_held_pushes_change_nothing(c in case(), window in 1u32..=3) {
        let c = Case { efo: true, window, tumbling: 0, ..c };
        let s = scenario(&c);
        let (held, _) = run_counting(&s, c.malformed, true);
        let (reference, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&held.hash(), &reference.hash());
        prop_assert_eq!(held, reference);
    }

    /// A push that an idle lane invokes on at once, computed then with its completion
    /// (enhanced fan-out, no batching window, ParallelizationFactor 1), changes nothing:
    /// the trace is the one of the reference model (chains off). The cases keep poison
    /// records, reshards, deploys (which make the invocations fail), bisection, partial
    /// failures and recreated mappings; half of them with invocations short enough to
    /// complete before the next push, where the pushes are plain.
    #[test]
    fn efo_pushes_change_nothing(c in case(), quick in any::<bool>(), invoke_ms in 0u32..=90) {
        let c = Case {
            efo: true,
            window: 0,
            pf: 1,
            tumbling: 0,
            error_pct: 0,
            age: None,
            invoke_ms: if quick { invoke_ms } else { c.invoke_ms },
            per_record_ms: if quick { 0 } else { c.per_record_ms },
            ..c
        };
        let s = scenario(&c);
        let (plain, _) = run_counting(&s, c.malformed, true);
        let (reference, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&plain.hash(), &reference.hash());
        prop_assert_eq!(plain, reference);
    }

    /// A lane's timers computed late from an idle poll on, up to the next timeline
    /// action, change nothing: the trace is the one of queuing each (chains off, the
    /// reference model). The cases are those where windows open (ParallelizationFactor
    /// 1, no batching or tumbling window, no enhanced fan-out) with errors drawn,
    /// record ages, retries, bisection, partial failures, destinations, throttled
    /// reads, poison records, reshards, deploys and recreated mappings; half of them
    /// with a batch larger than what two seconds write, where the idle polls are plain.
    #[test]
    fn late_polls_change_nothing(c in case(), rate in 0u32..=60, calm in any::<bool>()) {
        let c = Case {
            rate: if calm { rate } else { c.rate },
            batch: if calm { c.batch.max(2 * rate + 30) } else { c.batch },
            window: 0,
            pf: 1,
            efo: false,
            tumbling: 0,
            ..c
        };
        let s = scenario(&c);
        let (late, _) = run_counting(&s, c.malformed, true);
        let (reference, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&late.hash(), &reference.hash());
        prop_assert_eq!(late, reference);
    }

    /// Late timers of lanes with no errors drawn (so that chains and plain idle polls
    /// apply) change nothing: the trace is the one of the reference model (chains off).
    /// Busy lanes' chains poll again at each completion and read what is new (see
    /// `reads_late`): small batches, so that reads leave records over, and invocations
    /// short enough for the five reads a second to throttle. Calm lanes (half the cases:
    /// a batch larger than two seconds' records) make runs of plain idle polls
    /// (`late_idle_run`). Poison records, reshards and recreated mappings in both.
    #[test]
    fn late_chains_that_read_change_nothing(
        c in case(),
        rate in 20u32..=400,
        batch in 1u32..=40,
        invoke_ms in 0u32..=300,
        per_record_ms in 0u32..=3,
        calm in any::<bool>(),
    ) {
        let rate = if calm { rate % 61 } else { rate };
        let c = Case {
            rate,
            batch: if calm { 2 * rate + 30 + batch } else { batch },
            invoke_ms,
            per_record_ms,
            ..healthy_alone(c)
        };
        let s = scenario(&c);
        let (late, _) = run_counting(&s, c.malformed, true);
        let (reference, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&late.hash(), &reference.hash());
        prop_assert_eq!(late, reference);
    }

    /// Runs of many late idle polls change nothing: the trace is the one of the reference
    /// model (chains off). In runs of a few minutes every second ends a metric period and
    /// has a sweep, which ends a run of late polls after one; three hours have periods of
    /// several seconds, so a calm lane computes several polls in one run (`late_idle_run`),
    /// their deliveries, processed records and next timer written once at the run's end.
    #[test]
    fn long_late_idle_runs_change_nothing(c in case(), rate in 0u32..=40) {
        let c = Case {
            rate,
            batch: 2 * rate + 30 + c.batch,
            ..healthy_alone(c)
        };
        let s = scenario_lasting(&c, "3h");
        let (late, _) = run_counting(&s, c.malformed, true);
        let (reference, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&late.hash(), &reference.hash());
        prop_assert_eq!(late, reference);
    }

    /// An enhanced fan-out lane that goes idle queues no idle poll (a push polls at
    /// once): the trace is the one of queuing it, with batching windows, tumbling
    /// windows, errors, retries, bisection, reshards, deploys and recreated mappings.
    #[test]
    fn efo_idle_polls_change_nothing(c in case()) {
        let c = Case { efo: true, ..c };
        let s = scenario(&c);
        let (quiet, _) = run_counting(&s, c.malformed, true);
        let (reference, _) = run_unchained(&s, c.malformed);
        prop_assert_eq!(&quiet.hash(), &reference.hash());
        prop_assert_eq!(quiet, reference);
    }
}

/// One shard written at 100 records a second with enhanced fan-out: each tick's 10
/// records (ticks at 0.1 s, 0.2 s, …) are pushed 70 ms later and invoked at once
/// (20 ms); the tick at 300 s is pushed after the end, so 5 minutes make 2,999
/// invocations, each followed by an idle shard. The reference queues an idle poll a
/// second after each completion (superseded by the next one); those of the last
/// second's 10 completions fall after the end: 2,999 − 10 = 2,989. It also queues each
/// completion, which comes 80 ms before the next push and is computed with its push
/// (`push_plain`): 2,999 more. Without them the run has 5,988 fewer kernel events, and
/// the same trace.
#[test]
fn an_idle_efo_lane_queues_no_idle_poll() {
    let s = parse(
        r#"{"format": "shardscope/1", "seed": 1, "duration": "5m",
            "stream": {"ShardCount": 1},
            "producers": [{"name": "p", "records_per_second": 100, "record_bytes": 200}],
            "consumers": [{"kind": "lambda", "name": "fn", "enhanced_fan_out": true,
                "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON"},
                "handler": {"invoke_ms": 20}}]}"#,
    );
    let (quiet, quiet_events) = run_counting(&s, false, true);
    let (reference, reference_events) = run_unchained(&s, false);
    assert_eq!(summary(&quiet).invocations, 2_999);
    let fewer = reference_events - quiet_events;
    assert_eq!(fewer, 2_989 + 2_999);
    assert_eq!(quiet, reference);
}

/// Two shards written at 10 records a second in all (about 5 each), read by a
/// healthy mapping (BatchSize 100, 20 ms an invocation) for 10 minutes: each lane
/// polls a second after its last invocation completed (about every 1.02 s) and
/// invokes once, 1,174 invocations in all. The reference (chains off) queues each
/// poll and each completion: 2,348 kernel events. Computed late, none is queued
/// (the kernel's sweeps, one a second here, have them computed first), so the run
/// has at least 2,348 fewer kernel events, with the same trace.
#[test]
fn idle_polls_computed_late_queue_no_kernel_event() {
    let s = parse(
        r#"{"format": "shardscope/1", "seed": 3, "duration": "10m",
            "stream": {"ShardCount": 2},
            "producers": [{"name": "p", "records_per_second": 10, "record_bytes": 500,
                           "partition_keys": 100}],
            "consumers": [{"kind": "lambda", "name": "fn",
                "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 100},
                "handler": {"invoke_ms": 20}}]}"#,
    );
    let (late, late_events) = run_counting(&s, false, true);
    let (reference, reference_events) = run_unchained(&s, false);
    assert_eq!(summary(&late).invocations, summary(&reference).invocations);
    assert_eq!(summary(&reference).invocations, 1_174);
    assert!(
        late_events + 2 * 1_174 <= reference_events,
        "{late_events} kernel events, against {reference_events}"
    );
    assert_eq!(late, reference);
}

/// The case that first showed chained and unchained runs differing: a deploy
/// turns errors on mid-run (draws were one stream for all shards, served in
/// another order after a chain), and chains ended on a producer tick's
/// instant (their last completion was served before the tick).
#[test]
fn chains_change_nothing_after_a_deploy() {
    let c = Case {
        shards: 3,
        rate: 44,
        keys: 303,
        batch: 4,
        window: 1,
        pf: 1,
        retry: None,
        age: None,
        bisect: false,
        rbif: false,
        dest: 0,
        invoke_ms: 355,
        per_record_ms: 0,
        error_pct: 0,
        efo: false,
        poison_at_s: None,
        reshard: false,
        deploy_at_s: Some(11),
        recreate: false,
        tumbling: 0,
        malformed: false,
    };
    let s = scenario(&c);
    let (chained, chained_events) = run_counting(&s, c.malformed, true);
    let (unchained, unchained_events) = run_unchained(&s, c.malformed);
    assert!(chained_events < unchained_events);
    assert_eq!(chained, unchained);
}

/// A parent shard's last batches fail and are discarded (no retries) while its
/// children, read next, succeed; a replay then processes those records for the first
/// time. They lie above everything processed on the parent, so only the children
/// show them out of order. 100 records a second (10 a tick), 10 keys: from the deploy
/// at 50 s until the split at 60 s, every batch fails, so the 1,000 records of the
/// ticks from 50 s to 59.9 s are discarded (the parent's last batch, invoked at
/// 60.5 s, fails too; the handler is fixed at 61 s, before the children's first
/// batch). The children process every key's newer records; when the mapping,
/// recreated at 120 s from 40 s, processes the 1,000 for the first time, each is an
/// ordering violation.
#[test]
fn a_replayed_parent_tail_breaks_order_behind_its_children() {
    let s = lambda(
        "3m",
        1,
        100.0,
        10,
        r#""BatchSize": 10000, "MaximumBatchingWindowInSeconds": 1, "MaximumRetryAttempts": 0"#,
        r#""invoke_ms": 10"#,
        "",
        r#"{"at": "50s", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 1.0}},
           {"at": "60s", "do": "update_shard_count", "TargetShardCount": 2},
           {"at": "61s", "do": "deploy", "consumer": "fn", "handler": {"error_rate": 0.0}},
           {"at": "120s", "do": "recreate_mapping", "consumer": "fn",
            "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "40s"}"#,
    );
    let t = run(&s);
    let sum = summary(&t);
    let discarded: u64 = of(&t, "on_failure")
        .iter()
        .map(|e| e["records"].as_u64().unwrap())
        .sum();
    assert_eq!(discarded, 1_000);
    assert_eq!(sum.ordering_violations, 1_000);
    assert_eq!(sum.discarded, 0);
    assert_eq!(t, run_tracking_keys(&s, false));
}

/// A healthy lane at the tip: each poll finds the second's one record, the invocation
/// takes 100 ms, and the lane idles until its next poll a second later (a 1.1 s cycle:
/// 54 invocations in a minute). Its completions are chained into the poll's kernel event
/// unless the poll falls on a whole second or the completion reaches the next one (the
/// kernel's sweep samples progress each second): with 1.1 s cycles, 2 in every 10 at
/// most, so at least 43 completions are not kernel events of their own. Their
/// concurrency slot is released at their own time, so `ConcurrentExecutions` and the
/// whole trace are those of the unchained run.
#[test]
fn an_idle_lanes_completions_are_chained() {
    let s = lambda(
        "60s",
        1,
        1.0,
        10,
        r#""BatchSize": 100"#,
        r#""invoke_ms": 100"#,
        "",
        "",
    );
    let (chained, chained_events) = run_counting(&s, false, true);
    let (unchained, unchained_events) = run_unchained(&s, false);
    assert_eq!(summary(&chained).invocations, 54);
    assert!(
        unchained_events - chained_events >= 43,
        "{unchained_events} -> {chained_events}"
    );
    assert_eq!(chained, unchained);
}

/// One shard written at 100 records a second, read through enhanced fan-out by a mapping
/// with a one-second batching window (BatchSize 1,000, 20 ms an invocation) for 10
/// minutes: 558 invocations. A window is at least a second, ten producer ticks each
/// pushed once; the first push after the window opens finds the lane waiting and every
/// later one before the window ends is held by the kernel and handed over in one delivery
/// (`Hold`), at least 8 a window. So the run has at least 8 × 558 = 4,464 fewer kernel
/// events than the reference (chains off), with the same trace.
#[test]
fn efo_pushes_in_a_batching_window_are_held() {
    let s = parse(
        r#"{"format": "shardscope/1", "seed": 1, "duration": "10m",
            "stream": {"ShardCount": 1},
            "producers": [{"name": "p", "records_per_second": 100, "record_bytes": 200}],
            "consumers": [{"kind": "lambda", "name": "fn", "enhanced_fan_out": true,
                "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 1000,
                                       "MaximumBatchingWindowInSeconds": 1},
                "handler": {"invoke_ms": 20}}]}"#,
    );
    let (held, held_events) = run_counting(&s, false, true);
    let (reference, reference_events) = run_unchained(&s, false);
    assert_eq!(summary(&reference).invocations, 558);
    assert!(
        held_events + 8 * 558 <= reference_events,
        "{held_events} kernel events, against {reference_events}"
    );
    assert_eq!(held, reference);
}
