//! Firehose's buffers (`BufferingHints`, and the transform's own
//! `BufferSizeInMBs`/`BufferIntervalInSeconds`): records in sequence-number
//! segments, closed when they reach a size or an interval after their first
//! record, whichever comes first.
//! Source: <https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html>

use crate::stream::{Run, ShardId};
use crate::time::SimTime;

/// What became of the records of a segment.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SegKind {
    /// Data for the destination.
    Data,
    /// The transform returned `Dropped`: a success, never delivered.
    Dropped,
    /// The transform returned `ProcessingFailed` (or its invocation failed).
    ProcessingFailed,
    /// OpenSearch rejected the document as malformed.
    Malformed,
    /// The destination's retry window ran out: the record goes to the backup.
    DeliveryFailed,
}

impl SegKind {
    /// True for records that end in an S3 error prefix.
    pub fn failed(self) -> bool {
        matches!(
            self,
            SegKind::ProcessingFailed | SegKind::Malformed | SegKind::DeliveryFailed
        )
    }
}

/// Records of one shard, of one kind: a run of the stream (its arrival
/// times come along, for `DataFreshness`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub shard: ShardId,
    pub run: Run,
    pub kind: SegKind,
}

impl Segment {
    /// The records of a run read from `shard`.
    pub fn of_run(shard: ShardId, run: &Run) -> Segment {
        Segment {
            shard,
            run: *run,
            kind: SegKind::Data,
        }
    }

    pub fn from(&self) -> u64 {
        self.run.first_seq
    }

    pub fn to(&self) -> u64 {
        self.run.end_seq()
    }

    pub fn records(&self) -> u64 {
        self.run.count
    }

    pub fn bytes(&self) -> u64 {
        self.run.bytes()
    }

    /// Poison records (the transform fails them; OpenSearch rejects them).
    pub fn poison(&self) -> bool {
        self.run.is_poison()
    }

    /// The first `n` records (at least 1) as a segment of kind `kind`.
    pub fn head(&self, n: u64, kind: SegKind) -> Segment {
        Segment {
            run: self.run.slice(self.from(), self.from() + n),
            kind,
            ..*self
        }
    }

    /// The records from `from` on (`from` inside the segment).
    pub fn tail(&self, from: u64) -> Segment {
        Segment {
            run: self.run.slice(from, self.to()),
            ..*self
        }
    }

    /// Arrival time of the oldest record.
    pub fn oldest(&self) -> SimTime {
        self.run.first_arrival
    }
}

/// A buffer being filled.
#[derive(Clone, Debug, Default)]
pub struct Buffer {
    pub segs: Vec<Segment>,
    /// Bytes that count against the size hint (data records only).
    pub bytes: u64,
    pub records: u64,
    /// When its first record came in (`None`: empty).
    pub opened_at: Option<SimTime>,
    /// Bumped at every flush, so an interval timer of an earlier buffer is ignored.
    pub generation: u64,
}

impl Buffer {
    /// Adds as much of `seg` as fits under `limit` bytes — the record that
    /// reaches the limit included, so an object can be a little over the hint
    /// ("record boundaries", API_BufferingHints) — and returns the rest.
    /// Only data records count towards the size.
    pub fn add(&mut self, seg: Segment, limit: u64, now: SimTime) -> Option<Segment> {
        if self.opened_at.is_none() {
            self.opened_at = Some(now);
        }
        let (taken, rest) = if seg.kind == SegKind::Data {
            let room = limit.saturating_sub(self.bytes);
            let fit = room.div_ceil(u64::from(seg.run.record_bytes.max(1))).max(1);
            if fit < seg.records() {
                (seg.head(fit, seg.kind), Some(seg.tail(seg.from() + fit)))
            } else {
                (seg, None)
            }
        } else {
            (seg, None)
        };
        if taken.kind == SegKind::Data {
            self.bytes += taken.bytes();
        }
        self.records += taken.records();
        match self.segs.last_mut() {
            // One segment per shard stretch: reads of the same shard in a row join up.
            Some(last)
                if last.shard == taken.shard
                    && last.to() == taken.from()
                    && last.kind == taken.kind
                    && last.run.source == taken.run.source
                    && last.run.record_bytes == taken.run.record_bytes =>
            {
                last.run.count += taken.run.count;
                last.run.last_arrival = taken.run.last_arrival;
            }
            _ => self.segs.push(taken),
        }
        rest
    }

    /// True when it has reached `limit`.
    pub fn full(&self, limit: u64) -> bool {
        self.bytes >= limit
    }

    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    /// Empties the buffer, returning its segments and when it was opened.
    pub fn take(&mut self) -> (Vec<Segment>, SimTime) {
        let opened = self.opened_at.take().unwrap_or(SimTime::ZERO);
        self.bytes = 0;
        self.records = 0;
        self.generation += 1;
        (std::mem::take(&mut self.segs), opened)
    }

    /// Arrival time of the oldest record held.
    pub fn oldest(&self) -> Option<SimTime> {
        oldest(&self.segs)
    }
}

/// Arrival time of the oldest record of `segs`.
pub fn oldest(segs: &[Segment]) -> Option<SimTime> {
    segs.iter().map(Segment::oldest).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::stream::RunSource;

    fn seg(from: u64, to: u64) -> Segment {
        let run = Run {
            first_seq: from,
            count: to - from,
            record_bytes: 1_000,
            first_arrival: SimTime(from),
            last_arrival: SimTime(to - 1),
            source: RunSource::Producer(0),
        };
        Segment::of_run(ShardId(0), &run)
    }

    #[test]
    fn a_segment_is_split_at_the_record_that_reaches_the_size() {
        let mut b = Buffer::default();
        // 2,500 bytes of room: records of 1,000 bytes → 3 fit (the third crosses).
        let rest = b.add(seg(0, 10), 2_500, SimTime(1));
        assert_eq!(b.records, 3);
        assert_eq!(b.bytes, 3_000);
        assert!(b.full(2_500));
        assert_eq!(rest, Some(seg(3, 10)));
    }

    #[test]
    fn reads_of_one_shard_in_a_row_join_up() {
        let mut b = Buffer::default();
        assert_eq!(b.add(seg(0, 2), 1 << 20, SimTime(1)), None);
        assert_eq!(b.add(seg(2, 5), 1 << 20, SimTime(2)), None);
        assert_eq!(b.segs.len(), 1);
        assert_eq!(b.opened_at, Some(SimTime(1)));
        let (segs, opened) = b.take();
        assert_eq!((segs[0].from(), segs[0].to(), opened), (0, 5, SimTime(1)));
        assert!(b.is_empty());
        assert_eq!(b.generation, 1);
    }
}
