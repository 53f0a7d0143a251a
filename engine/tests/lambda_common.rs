//! Helpers shared by the Lambda tests (included with `#[path]`).
#![allow(dead_code)]

use shardscope_engine::lambda::LambdaMapping;
use shardscope_engine::scenario::{self, ConsumerKind, Scenario};
use shardscope_engine::sim::Simulation;
use shardscope_engine::trace::{ConsumerSummary, EventKind, Trace};

/// Parses a scenario.
pub fn parse(json: &str) -> Scenario {
    scenario::parse(json).unwrap_or_else(|e| panic!("bad test scenario: {e}"))
}

/// A scenario: one stream of `shards` shards, one producer, one Lambda
/// consumer `fn` with the given mapping/handler/function extras, a timeline.
#[allow(clippy::too_many_arguments)]
pub fn lambda(
    duration: &str,
    shards: u32,
    rate: f64,
    keys: u32,
    esm: &str,
    handler: &str,
    function: &str,
    timeline: &str,
) -> Scenario {
    let esm = if esm.is_empty() {
        String::new()
    } else {
        format!(", {esm}")
    };
    parse(&format!(
        r#"{{"format": "shardscope/1", "seed": 1, "duration": "{duration}",
            "stream": {{"ShardCount": {shards}}},
            "producers": [{{"name": "p", "records_per_second": {rate}, "record_bytes": 200,
                            "partition_keys": {keys}}}],
            "consumers": [{{"kind": "lambda", "name": "fn",
                "EventSourceMapping": {{"StartingPosition": "TRIM_HORIZON"{esm}}},
                "Function": {{{function}}},
                "handler": {{{handler}}} }}],
            "timeline": [{timeline}]}}"#
    ))
}

/// Runs a scenario with the Lambda mapping for every Lambda consumer.
pub fn run(s: &Scenario) -> Trace {
    run_with(s, false)
}

/// Runs with the handler returning malformed item failures.
pub fn run_with(s: &Scenario, malformed: bool) -> Trace {
    simulation(s, malformed).finish()
}

/// Runs with per-key order tracked from the first processed record on, never
/// stopped (`Simulation::track_keys_always`): the reference for tracking on demand.
pub fn run_tracking_keys(s: &Scenario, malformed: bool) -> Trace {
    let mut sim = simulation(s, malformed);
    sim.track_keys_always();
    sim.finish()
}

/// A simulation of `s` with the Lambda mapping for every Lambda consumer.
fn simulation(s: &Scenario, malformed: bool) -> Simulation {
    let f = move |c: &scenario::Consumer| -> Option<Box<dyn shardscope_engine::Consumer>> {
        match &c.kind {
            ConsumerKind::Lambda(l) => Some(Box::new(
                LambdaMapping::new(l).with_malformed_item_failures(malformed),
            )),
            _ => shardscope_engine::sim::default_consumers(c),
        }
    };
    Simulation::with_consumers(s, &f).expect("simulation")
}

/// Runs with chains off: one kernel event per invocation (the reference
/// behaviour that chains must reproduce exactly). Returns the trace and the
/// number of kernel events.
pub fn run_unchained(s: &Scenario, malformed: bool) -> (Trace, u64) {
    run_counting(s, malformed, false)
}

/// Runs and counts kernel events, with chains on or off.
pub fn run_counting(s: &Scenario, malformed: bool, chains: bool) -> (Trace, u64) {
    let f = move |c: &scenario::Consumer| -> Option<Box<dyn shardscope_engine::Consumer>> {
        match &c.kind {
            ConsumerKind::Lambda(l) => {
                let m = LambdaMapping::new(l).with_malformed_item_failures(malformed);
                Some(Box::new(if chains {
                    m.with_chains()
                } else {
                    m.without_chains()
                }))
            }
            _ => shardscope_engine::sim::default_consumers(c),
        }
    };
    let mut sim = Simulation::with_consumers(s, &f).expect("simulation");
    sim.run();
    let n = sim.events_processed();
    (sim.finish(), n)
}

/// The summary of consumer `fn`, after checking conservation.
pub fn summary(t: &Trace) -> ConsumerSummary {
    let c = t.summary.consumers["fn"].clone();
    assert_eq!(
        c.records_in_scope,
        c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
        "conservation: {c:?}"
    );
    c
}

/// The Lambda events, as JSON with `at_us`.
pub fn events(t: &Trace) -> Vec<serde_json::Value> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Lambda(ev) => {
                let mut v = serde_json::to_value(ev).ok()?;
                v["at_us"] = e.at.0.into();
                Some(v)
            }
            _ => None,
        })
        .collect()
}

/// Events whose `what` is `what`.
pub fn of(t: &Trace, what: &str) -> Vec<serde_json::Value> {
    events(t)
        .into_iter()
        .filter(|e| e["what"] == what)
        .collect()
}

/// Shard summary field.
pub fn shard_age(c: &ConsumerSummary, shard: u32) -> u64 {
    c.shards[&format!("shardId-{shard:012}")].max_iterator_age_ms
}

/// The shard a poison record went to.
pub fn poison_shard(t: &Trace) -> u32 {
    t.events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::PoisonWritten { shard, .. } => Some(shard.0),
            _ => None,
        })
        .expect("a poison record")
}

pub const MIN: u64 = 60_000;
pub const HOUR: u64 = 3_600_000;
