//! A batch: contiguous records of one shard, held as [`Run`]s so that its cost
//! grows with runs, never with records.
//!
//! A batch holds up to `BatchSize` records and is cut at the 6 MB synchronous
//! invoke payload.
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>,
//! <https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html>

use std::collections::VecDeque;

use crate::stream::{Run, ShardId};
use crate::time::SimTime;

/// The synchronous invoke payload limit: 6 MB for the request. It cannot be
/// changed. Taken as 6 MiB (6,291,456 bytes).
/// Source: <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const MAX_PAYLOAD_BYTES: u64 = 6 << 20;

/// Contiguous records `[lo, hi)` of one shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The shard.
    pub shard: ShardId,
    /// The records, as contiguous runs (possibly empty: a tumbling window's
    /// final invocation carries no records).
    pub runs: Vec<Run>,
    /// First sequence number (also set when `runs` is empty).
    pub lo: u64,
}

impl Batch {
    /// A batch of `runs` (which must be contiguous).
    pub fn new(shard: ShardId, runs: Vec<Run>) -> Batch {
        let lo = runs.first().map_or(0, |r| r.first_seq);
        Batch { shard, runs, lo }
    }

    /// An empty batch at `seq`.
    pub fn empty(shard: ShardId, seq: u64) -> Batch {
        Batch {
            shard,
            runs: Vec::new(),
            lo: seq,
        }
    }

    /// One past the last sequence number.
    // Inline always: at the page's opt-level "z" LLVM calls even accessors this small (see
    // ARCHITECTURE.md, "Speed at opt-level z").
    #[inline(always)]
    pub fn hi(&self) -> u64 {
        self.runs.last().map_or(self.lo, Run::end_seq)
    }

    /// Number of records.
    #[inline(always)]
    pub fn records(&self) -> u64 {
        self.hi() - self.lo
    }

    /// Payload bytes.
    pub fn bytes(&self) -> u64 {
        self.runs.iter().map(Run::bytes).sum()
    }

    /// Arrival of the first record.
    pub fn first_arrival(&self) -> Option<SimTime> {
        self.runs.first().map(|r| r.first_arrival)
    }

    /// Arrival of the last record.
    pub fn last_arrival(&self) -> Option<SimTime> {
        self.runs.last().map(|r| r.last_arrival)
    }

    /// Sequence number of the first poison record, if any (poison records are
    /// single-record runs, so this looks at runs only).
    pub fn first_poison(&self) -> Option<u64> {
        self.runs
            .iter()
            .find(|r| r.is_poison())
            .map(|r| r.first_seq)
    }

    /// True if the batch holds a poison record.
    pub fn has_poison(&self) -> bool {
        self.runs.iter().any(Run::is_poison)
    }

    /// The records `[from, to)` of this batch (clamped to it).
    pub fn slice(&self, from: u64, to: u64) -> Batch {
        let from = from.clamp(self.lo, self.hi());
        let to = to.clamp(from, self.hi());
        let runs = self
            .runs
            .iter()
            .filter(|r| r.end_seq() > from && r.first_seq < to)
            .map(|r| r.slice(from, to))
            .collect();
        Batch {
            shard: self.shard,
            runs,
            lo: from,
        }
    }

    /// Splits the batch into halves `[lo, mid)` and `[mid, hi)`, the first
    /// half holding the extra record when the count is odd.
    pub fn halves(&self) -> (Batch, Batch) {
        let mid = self.lo + self.records().div_ceil(2);
        (self.slice(self.lo, mid), self.slice(mid, self.hi()))
    }
}

/// Takes from the front of `runs` the next batch: at most `max_records`
/// records and `max_bytes` bytes, stopping before the first record that
/// arrived at or after `not_after` (a tumbling window's end), if given.
///
/// Assumption: a single record larger than the limit is taken alone (AWS does
/// not document what the ESM does with a record above 6 MB; this playground's
/// records are at most 1 MiB, so it never happens).
///
/// The batch's run list is `spare` (a settled batch's, emptied first), so that
/// reading batches does not allocate.
pub fn take(
    shard: ShardId,
    spare: Vec<Run>,
    runs: &mut VecDeque<Run>,
    max_records: u64,
    max_bytes: u64,
    not_after: Option<SimTime>,
) -> Batch {
    let mut b = Batch {
        shard,
        runs: spare,
        lo: 0,
    };
    take_into(&mut b, runs, max_records, max_bytes, not_after);
    b
}

/// [`take`] into `out` (its shard kept, its runs replaced), reusing its
/// allocation: a chain of invocations cuts one batch after the other.
pub fn take_into(
    out: &mut Batch,
    runs: &mut VecDeque<Run>,
    max_records: u64,
    max_bytes: u64,
    not_after: Option<SimTime>,
) {
    out.runs.clear();
    let mut records = 0u64;
    let mut bytes = 0u64;
    while let Some(r) = runs.front().copied() {
        if records >= max_records {
            break;
        }
        let per = u64::from(r.record_bytes).max(1);
        let mut take = (max_records - records).min(r.count);
        take = take.min(max_bytes.saturating_sub(bytes) / per);
        if let Some(end) = not_after {
            take = take.min(arrived_before(&r, end));
        }
        if take == 0 {
            let window_blocks = not_after.is_some_and(|e| r.first_arrival >= e);
            if records == 0 && !window_blocks {
                take = 1;
            } else {
                break;
            }
        }
        records += take;
        bytes += take * u64::from(r.record_bytes);
        if take == r.count {
            out.runs.push(r);
            runs.pop_front();
        } else {
            // What `Run::slice` gives for both parts, with the arrival
            // interpolations done once each (they showed in profiles).
            let cut = r.first_seq + take;
            out.runs.push(Run {
                count: take,
                last_arrival: r.arrival(cut - 1),
                ..r
            });
            runs[0] = Run {
                first_seq: cut,
                count: r.count - take,
                first_arrival: r.arrival(cut),
                ..r
            };
            break;
        }
    }
    out.lo = out.runs.first().map_or(0, |r| r.first_seq);
}

fn arrived_before(r: &Run, t: SimTime) -> u64 {
    if r.first_arrival >= t {
        return 0;
    }
    if r.last_arrival < t {
        return r.count;
    }
    // Binary search over the interpolated arrivals (log of the run length).
    let (mut lo, mut hi) = (0u64, r.count);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if r.arrival(r.first_seq + mid) < t {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Number of records in `runs`.
pub fn count(runs: &VecDeque<Run>) -> u64 {
    runs.iter().map(|r| r.count).sum()
}

/// A batch of `n` records of 100 bytes on shard 0, one arriving per second
/// (record `i` at `i` s), with a poison record at `poison_at`: what the
/// handler and retry tests invoke.
#[cfg(test)]
pub(crate) fn test_batch(n: u64, poison_at: Option<u64>) -> Batch {
    use crate::stream::{KeyId, RunSource};
    let mk = |first_seq: u64, count: u64, source| Run {
        first_seq,
        count,
        record_bytes: 100,
        first_arrival: SimTime(first_seq * 1_000_000),
        last_arrival: SimTime((first_seq + count - 1) * 1_000_000),
        source,
    };
    let mut runs = Vec::new();
    let mut seq = 0;
    if let Some(p) = poison_at {
        if p > 0 {
            runs.push(mk(0, p, RunSource::Producer(0)));
        }
        runs.push(mk(p, 1, RunSource::Poison(KeyId(1))));
        seq = p + 1;
    }
    if seq < n {
        runs.push(mk(seq, n - seq, RunSource::Producer(0)));
    }
    Batch::new(ShardId(0), runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{KeyId, RunSource};

    fn run(first_seq: u64, count: u64, bytes: u32) -> Run {
        Run {
            first_seq,
            count,
            record_bytes: bytes,
            first_arrival: SimTime(first_seq * 1_000),
            last_arrival: SimTime((first_seq + count - 1) * 1_000),
            source: RunSource::Producer(0),
        }
    }

    #[test]
    fn take_cuts_at_batch_size_and_payload() {
        let mut q: VecDeque<Run> = vec![run(0, 60, 1000), run(60, 60, 1000)].into();
        let b = take(ShardId(0), Vec::new(), &mut q, 100, MAX_PAYLOAD_BYTES, None);
        assert_eq!((b.lo, b.hi(), b.records()), (0, 100, 100));
        assert_eq!(count(&q), 20);
        // 1 MiB records: six fit in 6 MiB.
        let mut q: VecDeque<Run> = vec![run(0, 10, 1 << 20)].into();
        let b = take(ShardId(0), Vec::new(), &mut q, 100, MAX_PAYLOAD_BYTES, None);
        assert_eq!(b.records(), 6);
        assert_eq!(b.bytes(), 6 << 20);
    }

    #[test]
    fn take_stops_at_a_window_end() {
        let mut q: VecDeque<Run> = vec![run(0, 100, 10)].into();
        // Record i arrived at i ms: those before 30 ms are 0..30.
        let b = take(
            ShardId(0),
            Vec::new(),
            &mut q,
            100,
            MAX_PAYLOAD_BYTES,
            Some(SimTime(30_000)),
        );
        assert_eq!(b.records(), 30);
        let b = take(
            ShardId(0),
            Vec::new(),
            &mut q,
            100,
            MAX_PAYLOAD_BYTES,
            Some(SimTime(30_000)),
        );
        assert_eq!(b.records(), 0);
    }

    #[test]
    fn halves_and_poison() {
        let p = Run {
            source: RunSource::Poison(KeyId(3)),
            ..run(37, 1, 10)
        };
        let b = Batch::new(ShardId(1), vec![run(0, 37, 10), p, run(38, 62, 10)]);
        assert_eq!(b.first_poison(), Some(37));
        let (l, r) = b.halves();
        assert_eq!((l.lo, l.hi(), r.lo, r.hi()), (0, 50, 50, 100));
        assert!(l.has_poison() && !r.has_poison());
        let s = b.slice(37, 38);
        assert_eq!(s.records(), 1);
        assert!(s.has_poison());
        let odd = b.slice(0, 25).halves();
        assert_eq!((odd.0.records(), odd.1.records()), (13, 12));
    }
}
