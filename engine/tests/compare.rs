//! Comparing consumers (issue 15): each consumer alone with its own copy of the stream,
//! or all of them sharing the shards' read limits, drawn as one trace.

use shardscope_engine::compare::{Choice, Runs};
use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::trace::{Cause, EventKind, Trace};
use shardscope_engine::Simulation;

fn preset(name: &str) -> Scenario {
    let path = format!("{}/../www/presets/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("preset");
    scenario::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn compare(s: &Scenario, names: &[&str], shared: bool) -> Trace {
    let choice = Choice {
        consumers: names.iter().map(|n| n.to_string()).collect(),
        shared,
    };
    Runs::new(s, Some(&choice)).expect("valid").finish()
}

fn alone(s: &Scenario, name: &str) -> Trace {
    let mut one = s.clone();
    one.consumers.retain(|c| c.name == name);
    Simulation::new(&one).expect("valid").finish()
}

const ALL: [&str; 5] = ["lambda", "flink", "kda-sql", "firehose", "glue"];

#[test]
fn each_consumer_compared_alone_is_the_consumer_run_alone() {
    // The compare view runs the five together, each with its own read limits; each must
    // come out as in a run of its own with the stream (timeline actions, reshards and
    // replays included: every tour story).
    for story in ["use-cases", "scaling", "reprocessing"] {
        let s = preset(&format!("tour/{story}"));
        let t = compare(&s, &ALL, false);
        for name in ALL {
            let a = alone(&s, name);
            assert_eq!(
                t.summary.consumers[name], a.summary.consumers[name],
                "{story} {name}"
            );
        }
    }
    let s = preset("tour/error-handling");
    let t = compare(&s, &ALL, false);
    assert_eq!(t.summary.consumers.len(), 5);
    for name in ALL {
        let a = alone(&s, name);
        assert_eq!(
            t.summary.consumers[name], a.summary.consumers[name],
            "{name}"
        );
        let cost = |t: &Trace| t.summary.cost.as_ref().map(|c| c.consumers[name].clone());
        assert_eq!(cost(&t), cost(&a), "{name}");
        // Its events are the ones of its own run, in the same order.
        let mine = |t: &Trace| -> Vec<String> {
            t.events
                .iter()
                .filter(|e| matches!(&e.cause, Cause::Consumer { consumer } if consumer == name))
                .map(|e| serde_json::to_string(e).unwrap_or_default())
                .collect()
        };
        assert_eq!(mine(&t), mine(&a), "{name}");
    }
    // The stream is the one every run wrote: 50 records/s for an hour, and the poison record.
    assert_eq!(t.summary.stream.incoming_records, 180_001);
    let poison = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::PoisonWritten { .. }))
        .count();
    assert_eq!(poison, 1, "the stream's events once, not once a run");
    // Alone, nobody is read-throttled: one poller a shard stays within 5 calls a second.
    assert_eq!(t.summary.stream.read_throttled_calls, 0);
}

#[test]
fn one_poison_record_ends_differently_in_each_service() {
    let t = compare(&shardscope_engine_preset(), &ALL, false);
    let c = &t.summary.consumers;
    // Lambda: retried without limit (MaximumRetryAttempts -1): nothing discarded, the
    // poisoned shard waits behind its batch.
    assert_eq!(c["lambda"].discarded, 0);
    assert!(c["lambda"].failed_invocations > 0 && c["lambda"].pending_at_end > 0);
    // Flink: the job fails and restarts from its checkpoint in a loop.
    let f = c["flink"].flink.as_ref().expect("flink block");
    assert!(f.restarts > 100, "{}", f.restarts);
    // KDA SQL: the one bad row goes to error_stream; the application goes on.
    let k = c["kda-sql"].kda_sql.as_ref().expect("kda block");
    assert_eq!(k.error_stream_records, 1);
    assert_eq!(c["kda-sql"].discarded, 1);
    // Firehose: the transform fails it into processing-failed/.
    let h = c["firehose"].firehose.as_ref().expect("firehose block");
    assert_eq!(h.records_processing_failed, 1);
    // Glue: the batch fails its 3 retries in each of 3 runs (MaxRetries 2): FAILED.
    let g = c["glue"].glue.as_ref().expect("glue block");
    assert_eq!((g.job_runs, g.failed_runs), (3, 3));
}

fn shardscope_engine_preset() -> Scenario {
    preset("tour/error-handling")
}

#[test]
fn sharing_the_read_limits_is_asked_for_and_then_throttles() {
    // Five consumers polling the same two shards: more than 5 GetRecords calls a
    // second a shard, so the shared run is throttled where the separate ones are not.
    let s = preset("tour/error-handling");
    let shared = compare(&s, &ALL, true);
    let apart = compare(&s, &ALL, false);
    assert!(shared.summary.stream.read_throttled_calls > 1_000);
    assert_eq!(apart.summary.stream.read_throttled_calls, 0);
    // Shared is the scenario as written.
    let whole = Simulation::new(&s).expect("valid").finish();
    assert_eq!(shared.summary.consumers, whole.summary.consumers);
}

#[test]
fn a_choice_leaves_out_the_others_and_their_actions_and_keeps_indexes() {
    // The Glue reprocessing preset: its timeline names the Glue job; comparing only
    // the other consumers leaves those entries out.
    let s = preset("glue-reprocess-reset-checkpoint");
    let glue = s.consumers[0].name.clone();
    let t = compare(&s, &[glue.as_str()], false);
    let whole = Simulation::new(&s).expect("valid").finish();
    assert_eq!(t.summary.consumers, whole.summary.consumers);
    let indexes = |t: &Trace| -> Vec<usize> {
        t.events
            .iter()
            .filter_map(|e| match e.cause {
                Cause::Timeline { index } => Some(index),
                _ => None,
            })
            .collect()
    };
    assert_eq!(indexes(&t), indexes(&whole));
    let none = compare(&s, &[], false);
    assert!(none.summary.consumers.is_empty());
    assert!(indexes(&none)
        .iter()
        .all(|i| s.timeline[*i].action.consumer().is_none()));
}

#[test]
fn the_same_comparison_is_the_same_trace() {
    let s = preset("tour/error-handling");
    let a = compare(&s, &["lambda", "glue"], false);
    let b = compare(&s, &["glue", "lambda"], false);
    assert_eq!(a.hash(), b.hash());
    assert_eq!(a, b);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]

    /// For any seed and any choice of the five: every consumer's records are conserved, the
    /// merged trace is its own consumers' and the stream's once, and the same choice gives
    /// the same trace.
    #[test]
    fn compared_runs_conserve_records_and_are_deterministic(
        seed in 1u64..1_000,
        mask in 1u8..32,
        shared in proptest::bool::ANY,
    ) {
        let mut s = preset("tour/error-handling");
        s.seed = seed;
        s.duration = shardscope_engine::time::SimDuration::from_secs(900);
        let names: Vec<&str> = ALL.iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, n)| *n).collect();
        let t = compare(&s, &names, shared);
        proptest::prop_assert_eq!(t.summary.consumers.len(), names.len());
        for (name, c) in &t.summary.consumers {
            proptest::prop_assert!(names.contains(&name.as_str()));
            proptest::prop_assert_eq!(
                c.records_in_scope,
                c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
                "{}", name
            );
        }
        let poison = t.events.iter().filter(|e| matches!(e.kind, EventKind::PoisonWritten { .. })).count();
        proptest::prop_assert_eq!(poison, 1);
        proptest::prop_assert_eq!(t.hash(), compare(&s, &names, shared).hash());
    }
}
