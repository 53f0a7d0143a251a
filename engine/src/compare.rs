//! Comparing consumers: one stream, its producers and its timeline played against a
//! chosen set of consumers, drawn as one run.
//!
//! By default each consumer reads as if it were alone with the stream: its own read
//! limits on every shard, so one consumer's reads never throttle another's: that is the
//! question a reader who compares services asks. Sharing the shard's read limits (the
//! five GetRecords calls and 2 MB a second) is asked for with [`Choice::shared`]: then
//! the chosen consumers run together as the scenario says. Either way it is one run
//! (the producers, the stream and the timeline never depend on readers, so they are
//! simulated once) and [`Runs::finish`] gives one [`Trace`]. `merge` still takes runs
//! apart by consumer, so that a run per consumer stays possible.
//!
//! A timeline action that names a consumer left out is left out too; the events keep
//! the index of their entry in the scenario.

use crate::cost::Cost;
use crate::scenario::Scenario;
use crate::sim::{SimError, Simulation};
use crate::time::SimTime;
use crate::trace::{Cause, EventKind, Trace, TraceEvent};

/// Which consumers to compare, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// The consumers, by name (in the scenario's order whatever the order here).
    pub consumers: Vec<String>,
    /// One run with every chosen consumer, sharing the shards' read limits.
    pub shared: bool,
}

/// One run of the comparison.
struct Part {
    sim: Simulation,
    /// The consumers it holds.
    consumers: Vec<String>,
    /// For each of its timeline entries, the entry's index in the scenario.
    timeline: Vec<usize>,
}

/// The runs of a comparison (or of a plain scenario: one run, unchanged).
pub struct Runs {
    parts: Vec<Part>,
    /// Consumers named by each scenario timeline entry (None: the stream's).
    owners: Vec<Option<String>>,
    plain: bool,
}

/// The scenario with only `keep` of its consumers, and the actions that concern them.
fn only(s: &Scenario, keep: &[&str]) -> (Scenario, Vec<usize>) {
    let mut part = s.clone();
    part.consumers.retain(|c| keep.contains(&c.name.as_str()));
    part.challenge = None;
    let mut map = Vec::new();
    part.timeline.clear();
    for (i, e) in s.timeline.iter().enumerate() {
        if e.action.consumer().is_none_or(|c| keep.contains(&c)) {
            part.timeline.push(e.clone());
            map.push(i);
        }
    }
    (part, map)
}

impl Runs {
    /// The runs for `s`: one as it is without a choice, else those of the choice.
    pub fn new(s: &Scenario, choice: Option<&Choice>) -> Result<Runs, SimError> {
        let owners = s
            .timeline
            .iter()
            .map(|e| e.action.consumer().map(str::to_string))
            .collect();
        let Some(choice) = choice else {
            return Ok(Runs {
                parts: vec![Part {
                    sim: Simulation::new(s)?,
                    consumers: s.consumers.iter().map(|c| c.name.clone()).collect(),
                    timeline: (0..s.timeline.len()).collect(),
                }],
                owners,
                plain: true,
            });
        };
        let chosen: Vec<&str> = s
            .consumers
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| choice.consumers.iter().any(|c| c == n))
            .collect();
        // One run: the producers, the stream and the timeline are simulated once. Apart,
        // each consumer has its own read limits; its results are those of a run alone
        // with the stream, since consumers share nothing else (each has its own named RNG
        // stream, ledger and subscriptions; a test compares the two).
        let (scenario, timeline) = only(s, &chosen);
        let mut sim = Simulation::new(&scenario)?;
        if !choice.shared {
            sim.isolate_reads();
        }
        let parts = vec![Part {
            sim,
            consumers: chosen.iter().map(|c| c.to_string()).collect(),
            timeline,
        }];
        Ok(Runs {
            parts,
            owners,
            plain: false,
        })
    }

    /// How far the slowest run has got.
    pub fn now(&self) -> SimTime {
        self.parts
            .iter()
            .map(|p| p.sim.now())
            .min()
            .unwrap_or_default()
    }

    /// When the runs end.
    pub fn end(&self) -> SimTime {
        self.parts.first().map_or(SimTime(0), |p| p.sim.end())
    }

    /// Kernel events handled so far, in every run.
    pub fn events_processed(&self) -> u64 {
        self.parts.iter().map(|p| p.sim.events_processed()).sum()
    }

    /// Runs every run up to `t`; true when all are done.
    pub fn run_until(&mut self, t: SimTime) -> bool {
        let mut done = true;
        for p in &mut self.parts {
            done &= p.sim.run_until(t);
        }
        done
    }

    /// Runs to the end and returns one trace.
    pub fn finish(self) -> Trace {
        let Runs {
            parts,
            owners,
            plain,
        } = self;
        let mut traces = Vec::new();
        let mut kept = Vec::new();
        for p in parts {
            traces.push(p.sim.finish());
            kept.push((p.consumers, p.timeline));
        }
        if plain {
            if let Some(t) = traces.pop() {
                return t;
            }
        }
        merge(traces, &kept, &owners)
    }
}

/// A trace of nothing (there is always a run: not reached).
fn empty_trace() -> Trace {
    let summary = crate::trace::Summary {
        format: crate::trace::SUMMARY_FORMAT,
        stream: Default::default(),
        consumers: Default::default(),
        cost: None,
    };
    Trace {
        title: String::new(),
        seed: 0,
        duration_us: 0,
        events: Vec::new(),
        series: Vec::new(),
        shards: Vec::new(),
        summary,
    }
}

/// The consumer an event is about, if any.
fn event_consumer(e: &TraceEvent) -> Option<&str> {
    match (&e.cause, &e.kind) {
        (Cause::Consumer { consumer }, _)
        | (_, EventKind::ReadThrottled { consumer, .. })
        | (_, EventKind::RecordsExpired { consumer, .. })
        | (_, EventKind::ConsumerNotSimulated { consumer, .. })
        | (_, EventKind::ConsumerNote { consumer, .. }) => Some(consumer),
        _ => None,
    }
}

/// One trace from the runs' traces: consumer events, series and figures from the run
/// that held the consumer; the stream's from the first run. Traces are taken apart, not
/// copied (an hour's events are many).
fn merge(
    traces: Vec<Trace>,
    kept: &[(Vec<String>, Vec<usize>)],
    owners: &[Option<String>],
) -> Trace {
    let mut events = Vec::new();
    let mut series = Vec::new();
    let mut head: Option<(String, u64, u64, Vec<crate::stream::ShardInfo>)> = None;
    let mut summary: Option<crate::trace::Summary> = None;
    let mut consumers = std::collections::BTreeMap::new();
    let mut costs = std::collections::BTreeMap::new();
    let mut read_throttled = 0;
    for (i, (t, (names, timeline))) in traces.into_iter().zip(kept).enumerate() {
        let mine = |c: &str| names.iter().any(|n| n == c);
        for mut e in t.events {
            if let Cause::Timeline { index } = &mut e.cause {
                *index = timeline.get(*index).copied().unwrap_or(*index);
            }
            let keep = match (&e.cause, event_consumer(&e)) {
                (_, Some(c)) => mine(c),
                (Cause::Timeline { index }, None) => match owners.get(*index) {
                    Some(Some(c)) => mine(c),
                    _ => i == 0,
                },
                _ => i == 0,
            };
            if keep {
                events.push(e);
            }
        }
        for s in t.series {
            if s.consumer.as_deref().map_or(i == 0, mine) {
                series.push(s);
            }
        }
        let mut s = t.summary;
        read_throttled += s.stream.read_throttled_calls;
        if let Some(cost) = s.cost.as_mut() {
            costs.append(&mut cost.consumers);
        }
        consumers.append(&mut s.consumers);
        if head.is_none() {
            head = Some((t.title, t.seed, t.duration_us, t.shards));
            summary = Some(s);
        }
    }
    let (Some((title, seed, duration_us, shards)), Some(mut summary)) = (head, summary) else {
        return empty_trace();
    };
    let names: Vec<String> = consumers.keys().cloned().collect();
    let events = crate::sim::sort_events(events, &names);
    summary.stream.read_throttled_calls = read_throttled;
    summary.consumers = consumers;
    summary.cost = summary.cost.take().map(|c| {
        let total = c.stream_usd + costs.values().map(|c| c.usd).sum::<f64>();
        Cost {
            consumers: costs,
            total_usd: (total * 1e6).round() / 1e6,
            ..c
        }
    });
    Trace {
        title,
        seed,
        duration_us,
        events,
        series,
        shards,
        summary,
    }
}
