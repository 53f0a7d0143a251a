//! A shard's tip as it stood at an earlier instant: what a reader that reads
//! behind the kernel's clock (a Lambda lane's idle polls computed together, see
//! `lambda::mapping`'s "Idle polls computed late") would have seen then.
//!
//! While a shard is watched, every write to it notes how far its sequence
//! numbers had come and when: one step per tick written one by one, and one
//! step in closed form for a bulk step's ticks (`producer.rs`, "Steady
//! stretches"), so the log grows with writes' bulk steps, not with ticks. From
//! it, [`TipLog::as_of`] gives the sequence number the shard's next record had
//! at an instant, and when its newest record then was written: that record's
//! run then ended there ([`crate::stream::Stream::append_tick`] sets a run's last
//! arrival to the tick that extends it), so the run as it stood is the run
//! truncated there, with that last arrival — its interpolated arrivals exactly
//! those a read at that instant found.

use crate::exact::{div_rem, mul_add};
use crate::producer::TICK;
use crate::time::SimTime;

/// How writes moved a shard's next sequence number: `writes` writes, `every` µs
/// apart from `first`, starting at sequence number `seq`; through its `j`-th a
/// route writing `q` records a write and `r / den` more (carrying `carry` in) had
/// written `j·q + ⌊(carry + j·r) / den⌋` records (`producer.rs`, "Exact
/// arithmetic"). One tick, a bulk step's ticks and records below one a tick are
/// each one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TipStep {
    first: SimTime,
    every: u64,
    writes: u64,
    seq: u64,
    q: u64,
    r: u128,
    den: u128,
    carry: u128,
}

impl TipStep {
    /// One tick at `at` that wrote `count` records, after which the next sequence
    /// number was `next`.
    pub(crate) fn tick(at: SimTime, count: u64, next: u64) -> TipStep {
        TipStep::dense(at, 1, next - count, count, 0, 1, 0)
    }

    /// `ticks` ticks from `first`, from sequence number `seq`, of a route writing `q`
    /// records a tick and `r / den` more, carrying `carry` in.
    pub(crate) fn dense(
        first: SimTime,
        ticks: u64,
        seq: u64,
        q: u64,
        r: u128,
        den: u128,
        carry: u128,
    ) -> TipStep {
        TipStep {
            first,
            every: TICK.0,
            writes: ticks,
            seq,
            q,
            r,
            den,
            carry,
        }
    }

    /// `count` records, one every `gap` µs after `from`, from sequence number `seq`.
    pub(crate) fn sparse(from: SimTime, gap: u64, count: u64, seq: u64) -> TipStep {
        TipStep {
            first: SimTime(from.0 + gap),
            every: gap.max(1),
            writes: count,
            seq,
            q: 1,
            r: 0,
            den: 1,
            carry: 0,
        }
    }

    /// The next sequence number after this step's writes at or before `t` (which is
    /// not before its first), and when the last of them was written.
    fn as_of(&self, t: SimTime) -> (u64, SimTime) {
        let j = ((t.0 - self.first.0) / self.every + 1).min(self.writes);
        let written = j * self.q + div_rem(mul_add(j, self.r, self.carry), self.den).0 as u64;
        (
            self.seq + written,
            SimTime(self.first.0 + (j - 1) * self.every),
        )
    }
}

/// How many steps a log keeps before [`TipLog::forget_before`] forgets those no read
/// needs any more.
const FORGET_AT: usize = 16;

/// The writes to one shard since it began to be watched (see the module documentation).
#[derive(Clone, Debug, Default)]
pub(crate) struct TipLog {
    /// The next sequence number when the watch began.
    base: u64,
    /// The newest record's arrival when the watch began.
    base_at: Option<SimTime>,
    steps: Vec<TipStep>,
}

impl TipLog {
    pub(crate) fn new(next_seq: u64, newest: Option<SimTime>) -> TipLog {
        TipLog {
            base: next_seq,
            base_at: newest,
            steps: Vec::new(),
        }
    }

    /// Begins again, as [`Self::new`] would, keeping the steps' allocation.
    pub(crate) fn restart(&mut self, next_seq: u64, newest: Option<SimTime>) {
        self.base = next_seq;
        self.base_at = newest;
        self.steps.clear();
    }

    pub(crate) fn note(&mut self, step: TipStep) {
        self.steps.push(step);
    }

    /// Forgets the steps a read at `t` or later does not need (reads behind the
    /// clock come in time order), so that the log stays short however long it runs.
    pub(crate) fn forget_before(&mut self, t: SimTime) {
        // A few steps more change no answer (a read at `t` or later finds the same step):
        // they are forgotten together, not at every read.
        if self.steps.len() < FORGET_AT {
            return;
        }
        let i = self.steps.partition_point(|s| s.first <= t);
        if i > 1 {
            let (next, at) = self.steps[i - 2].as_of(t);
            self.base = next;
            self.base_at = Some(at);
            self.steps.drain(..i - 1);
        }
    }

    /// The shard's next sequence number at `t`, and when its newest record
    /// then had been written (`None` for a shard that had none).
    pub(crate) fn as_of(&self, t: SimTime) -> (u64, Option<SimTime>) {
        // Steps come in time order: the last one that started by `t` tells (looked for from
        // the newest: reads behind the clock are mostly a poll or two behind it).
        match self.steps.iter().rposition(|s| s.first <= t) {
            Some(i) => {
                let (next, at) = self.steps[i].as_of(t);
                (next, Some(at))
            }
            None => (self.base, self.base_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimTime {
        SimTime(n * 1_000)
    }

    /// A lane that reads nothing for long (it retries a poison batch once a minute)
    /// while its mapping's other lane polls late: the log of its shard, written a tick
    /// at a time (two producers: no bulk steps), keeps only what a read from the
    /// earliest late timer on needs, not the half hour of ticks since it last read.
    #[test]
    fn a_shard_nobody_reads_keeps_a_short_log() {
        let s = crate::scenario::parse(
            r#"{"format": "shardscope/1", "seed": 1, "duration": "30m",
                "stream": {"ShardCount": 2},
                "producers": [{"name": "a", "records_per_second": 10, "partition_keys": 100},
                              {"name": "b", "records_per_second": 10, "partition_keys": 100}],
                "consumers": [{"kind": "lambda", "name": "fn",
                    "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON"},
                    "handler": {"invoke_ms": 20}}],
                "timeline": [{"at": "10s", "do": "poison", "partition_key": "k-7"}]}"#,
        )
        .expect("scenario");
        let mut sim = crate::sim::Simulation::new(&s).expect("simulation");
        sim.run_until(SimTime(29 * 60 * 1_000_000));
        let longest = sim
            .stream()
            .shards
            .iter()
            .filter_map(|s| s.tips.as_ref())
            .map(|l| l.steps.len())
            .max();
        // Ticks of the last minute at most (the blocked lane retries once a minute).
        assert!(
            longest.is_some_and(|n| n > 0 && n <= 2 * 600 + 10),
            "{longest:?}"
        );
    }

    #[test]
    fn before_any_write_the_tip_is_where_the_watch_began() {
        let mut log = TipLog::new(40, Some(ms(900)));
        log.note(TipStep::tick(ms(1_000), 3, 43));
        assert_eq!(log.as_of(ms(999)), (40, Some(ms(900))));
        assert_eq!(log.as_of(ms(1_000)), (43, Some(ms(1_000))));
        assert_eq!(log.as_of(ms(5_000)), (43, Some(ms(1_000))));
    }

    #[test]
    fn a_dense_step_counts_its_ticks_carry_by_carry() {
        // 1.5 records a tick (q = 1, r/den = 1/2), carrying 1/2 in: the ticks write
        // 2, 1, 2, 1 records.
        let mut log = TipLog::new(10, None);
        log.note(TipStep::dense(ms(200), 4, 10, 1, 1, 2, 1));
        assert_eq!(log.as_of(ms(199)), (10, None));
        assert_eq!(log.as_of(ms(200)), (12, Some(ms(200))));
        assert_eq!(log.as_of(ms(299)), (12, Some(ms(200))));
        assert_eq!(log.as_of(ms(300)), (13, Some(ms(300))));
        assert_eq!(log.as_of(ms(400)), (15, Some(ms(400))));
        assert_eq!(log.as_of(ms(500)), (16, Some(ms(500))));
        assert_eq!(log.as_of(ms(9_000)), (16, Some(ms(500))));
    }

    #[test]
    fn a_sparse_step_writes_one_record_a_gap() {
        let mut log = TipLog::new(5, Some(ms(100)));
        log.note(TipStep::sparse(ms(100), 500_000, 3, 5));
        assert_eq!(log.as_of(ms(599)), (5, Some(ms(100))));
        assert_eq!(log.as_of(ms(600)), (6, Some(ms(600))));
        assert_eq!(log.as_of(ms(1_100)), (7, Some(ms(1_100))));
        assert_eq!(log.as_of(ms(1_700)), (8, Some(ms(1_600))));
    }
}
