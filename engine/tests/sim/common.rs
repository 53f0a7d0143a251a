//! Helpers: build scenarios from JSON, run them with test pollers.

use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;
use shardscope_engine::testing::{PollerConfig, TestPoller};
use shardscope_engine::trace::{Series, Trace};
use shardscope_engine::Consumer;

/// Parses a scenario, panicking with the error's path on failure.
pub fn parse(json: &str) -> Scenario {
    scenario::parse(json).unwrap_or_else(|e| panic!("bad test scenario: {e}"))
}

/// A scenario with one stream, the given producers and timeline, no consumers.
pub fn scenario(duration: &str, stream: &str, producers: &str, timeline: &str) -> Scenario {
    parse(&format!(
        r#"{{"format": "shardscope/1", "seed": 1, "duration": "{duration}",
            "stream": {stream}, "producers": [{producers}], "timeline": [{timeline}]}}"#
    ))
}

/// A provisioned stream of `n` shards with 24 h retention.
pub fn provisioned(n: u32) -> String {
    format!(r#"{{"ShardCount": {n}, "StreamModeDetails": {{"StreamMode": "PROVISIONED"}}}}"#)
}

/// A producer.
pub fn producer(name: &str, rate: f64, bytes: u32, keys: u32, retry: bool) -> String {
    format!(
        r#"{{"name": "{name}", "records_per_second": {rate}, "record_bytes": {bytes},
            "partition_keys": {keys}, "retry_throttled": {retry}}}"#
    )
}

/// Runs `s` with the given consumers and returns the trace.
pub fn run(s: &Scenario, consumers: Vec<(&str, Box<dyn Consumer>)>) -> Trace {
    let mut sim = Simulation::new(s).expect("simulation");
    for (name, c) in consumers {
        sim.add_consumer(name, c).expect("consumer");
    }
    sim.finish()
}

/// A default poller.
pub fn poller() -> Box<dyn Consumer> {
    TestPoller::boxed()
}

/// A poller with settings.
pub fn poller_with(cfg: PollerConfig) -> Box<dyn Consumer> {
    Box::new(TestPoller::new(cfg))
}

/// The stream-level series called `metric`.
pub fn stream_series<'a>(t: &'a Trace, metric: &str) -> &'a Series {
    t.series
        .iter()
        .find(|s| s.metric == metric && s.shard.is_none() && s.consumer.is_none())
        .unwrap_or_else(|| panic!("no series {metric}"))
}

/// Values of a series with gaps as 0.
pub fn values(s: &Series) -> Vec<u64> {
    s.values.iter().map(|v| v.unwrap_or(0)).collect()
}

/// Checks conservation for every consumer of a trace.
pub fn assert_conservation(t: &Trace) {
    for (name, c) in &t.summary.consumers {
        assert_eq!(
            c.records_in_scope,
            c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end,
            "conservation for {name}: {c:?}"
        );
    }
}
