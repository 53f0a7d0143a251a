//! Comparing consumers: one stream, its producers and its timeline played against a
//! chosen set of consumers, drawn as one run.
//!
//! By default each consumer reads as if it were alone with the stream: its own read
//! limits on every shard, so one consumer's reads never throttle another's: that is the
//! question a reader who compares services asks. Sharing the shard's read limits (the
//! five GetRecords calls and 2 MB a second) is asked for with [`Choice::shared`]: then
//! the chosen consumers run together as the scenario says. Either way it is one run
//! (the producers, the stream and the timeline never depend on readers, so they are
//! simulated once) and [`Runs::finish`] gives one [`Trace`].
//!
//! A timeline action that names a consumer left out is left out too; the events keep
//! the index of their entry in the scenario.

use crate::scenario::Scenario;
use crate::sim::{SimError, Simulation};
use crate::time::SimTime;
use crate::trace::{Cause, Trace};

/// Which consumers to compare, and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Choice {
    /// The consumers, by name (in the scenario's order whatever the order here).
    pub consumers: Vec<String>,
    /// One run with every chosen consumer, sharing the shards' read limits.
    pub shared: bool,
}

/// The run of a comparison (or of a plain scenario, unchanged).
pub struct Runs {
    sim: Simulation,
    /// For each timeline entry of the run, its index in the scenario (`None`: the same).
    timeline: Option<Vec<usize>>,
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
    /// The run for `s`: as it is without a choice, else the chosen consumers'. Apart, each
    /// has its own read limits; its results are those of a run alone with the stream,
    /// since consumers share nothing else (each has its own named RNG stream, ledger and
    /// subscriptions; a test compares the two).
    pub fn new(s: &Scenario, choice: Option<&Choice>) -> Result<Runs, SimError> {
        let Some(choice) = choice else {
            return Ok(Runs {
                sim: Simulation::new(s)?,
                timeline: None,
            });
        };
        let chosen: Vec<&str> = s
            .consumers
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| choice.consumers.iter().any(|c| c == n))
            .collect();
        let (scenario, timeline) = only(s, &chosen);
        let mut sim = Simulation::new(&scenario)?;
        if !choice.shared {
            sim.isolate_reads();
        }
        Ok(Runs {
            sim,
            timeline: Some(timeline),
        })
    }

    /// How far the run has got.
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// When the run ends.
    pub fn end(&self) -> SimTime {
        self.sim.end()
    }

    /// Kernel events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.sim.events_processed()
    }

    /// Runs up to `t`; true when done.
    pub fn run_until(&mut self, t: SimTime) -> bool {
        self.sim.run_until(t)
    }

    /// Runs to the end and returns the trace, its events caused by timeline entries
    /// carrying the entry's index in the scenario.
    pub fn finish(self) -> Trace {
        let mut trace = self.sim.finish();
        if let Some(map) = self.timeline {
            for e in &mut trace.events {
                if let Cause::Timeline { index } = &mut e.cause {
                    *index = map.get(*index).copied().unwrap_or(*index);
                }
            }
        }
        trace
    }
}
