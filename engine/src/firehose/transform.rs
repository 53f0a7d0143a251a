//! The transform Lambda (`ProcessingConfiguration`, `Type: "Lambda"`): Firehose
//! buffers input for it (`BufferSizeInMBs`, default 1 MB; `BufferIntervalInSeconds`,
//! default 60 s), invokes it synchronously per buffer, retries a failed
//! invocation `NumberOfRetries` times (default 3), then treats the whole batch
//! as ProcessingFailed. Each returned record is `Ok`, `Dropped` (a success) or
//! `ProcessingFailed`; failed records go to `processing-failed/` in S3. At most
//! 5 invocations per shard are outstanding, and one runs at most 5 minutes.
//! Source: <https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html>

use super::buffer::{SegKind, Segment};
use crate::scenario::TransformModel;
use crate::time::{SimDuration, SimTime};

/// An invocation lasts at most 5 minutes; a longer one is a timeout, handled
/// as an invocation failure (data-transformation.html).
pub const MAX_INVOCATION: SimDuration = SimDuration::from_secs(300);

/// Outstanding invocations per shard for S3, Redshift and OpenSearch
/// destinations (the Firehose limits page).
pub const INVOCATIONS_PER_SHARD: usize = 5;

/// How one invocation ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Result {
    Success,
    Error,
    Timeout,
}

impl Result {
    pub fn as_str(self) -> &'static str {
        match self {
            Result::Success => "success",
            Result::Error => "error",
            Result::Timeout => "timeout",
        }
    }
}

/// A buffer handed to the transform: waiting, running, or done (its output
/// waits for every earlier invocation, so records keep their order).
#[derive(Clone, Debug)]
pub struct Invocation {
    pub id: u64,
    pub segs: Vec<Segment>,
    pub records: u64,
    pub bytes: u64,
    /// 1 for the first try.
    pub attempt: u32,
    pub running: bool,
    /// The output, once done.
    pub output: Option<Vec<Segment>>,
    /// How the current attempt will end, decided when it starts.
    pub result: Result,
    pub started: SimTime,
}

/// How long an invocation of `records` records runs, and how it ends, before
/// any seeded draw: `invoke_ms + per_record_ms × records`, a timeout beyond
/// five minutes.
pub fn duration(model: &TransformModel, records: u64) -> (SimDuration, bool) {
    let ms = model.invoke_ms + model.per_record_ms * records as f64;
    let us = (ms * 1_000.0).round().clamp(0.0, u64::MAX as f64) as u64;
    if us > MAX_INVOCATION.0 {
        (MAX_INVOCATION, true)
    } else {
        (SimDuration(us), false)
    }
}

/// Shares of records, allocated exactly over a run: after `n` records in all, `share × n`
/// (rounded down) have had this outcome, however the records came in batches and segments.
/// A segment with no room left (the other outcome took it) carries the deficit forward,
/// so 10 % of 1,000 records is exactly 100 and shares that add up to 1 leave no `Ok` record.
#[derive(Clone, Debug, Default)]
pub struct Share {
    /// Parts per million.
    ppm: u64,
    seen: u64,
    given: u64,
}

impl Share {
    pub fn new(share: f64) -> Share {
        Share {
            ppm: (share.clamp(0.0, 1.0) * 1e6).round() as u64,
            ..Share::default()
        }
    }

    /// `n` more records seen: how many of them (at most `room`) get this outcome.
    pub fn take(&mut self, n: u64, room: u64) -> u64 {
        self.seen += n;
        if self.ppm == 0 {
            return 0;
        }
        let target = (u128::from(self.seen) * u128::from(self.ppm) / 1_000_000) as u64;
        let k = target.saturating_sub(self.given).min(room);
        self.given += k;
        k
    }
}

/// The records of a successful invocation: per segment, the `Dropped` ones
/// first, then the `ProcessingFailed` ones, then the `Ok` ones (poison records
/// always fail). Assumption: which records of a segment get which result does
/// not matter to the model, only how many.
pub fn apply(segs: &[Segment], dropped: &mut Share, failed: &mut Share) -> Vec<Segment> {
    let mut out = Vec::with_capacity(segs.len());
    for s in segs {
        if s.poison() {
            out.push(Segment {
                kind: SegKind::ProcessingFailed,
                ..*s
            });
            continue;
        }
        let n = s.records();
        let d = dropped.take(n, n);
        let f = failed.take(n, n - d);
        let mut rest = Some(*s);
        for (k, kind) in [(d, SegKind::Dropped), (f, SegKind::ProcessingFailed)] {
            let Some(r) = rest else { break };
            if k == 0 {
                continue;
            }
            out.push(r.head(k, kind));
            rest = (k < r.records()).then(|| r.tail(r.from() + k));
        }
        if let Some(r) = rest {
            out.push(Segment {
                kind: SegKind::Data,
                ..r
            });
        }
    }
    out
}

/// Every record of a batch whose invocation failed after all its retries.
pub fn all_failed(segs: &[Segment]) -> Vec<Segment> {
    segs.iter()
        .map(|s| Segment {
            kind: SegKind::ProcessingFailed,
            ..*s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{Run, RunSource, ShardId};

    fn seg(from: u64, to: u64) -> Segment {
        Segment::of_run(
            ShardId(0),
            &Run {
                first_seq: from,
                count: to - from,
                record_bytes: 100,
                first_arrival: SimTime(0),
                last_arrival: SimTime(10),
                source: RunSource::Producer(0),
            },
        )
    }

    #[test]
    fn shares_add_up_exactly_over_many_batches() {
        let mut s = Share::new(0.1);
        let total: u64 = (0..7).map(|_| s.take(143, 143)).sum();
        assert_eq!(total, 100); // 10 % of 1,001 records, rounded down
        assert_eq!(Share::new(0.0).take(1_000, 1_000), 0);
        assert_eq!(Share::new(1.0).take(1_000, 1_000), 1_000);
    }

    #[test]
    fn a_share_crowded_out_of_a_segment_catches_up_later() {
        // One-record segments with 5 % dropped and 10 % failed: the 20th record is both
        // shares' turn; the failed one waits for the next record instead of being lost.
        let segs: Vec<Segment> = (0..1_000).map(|i| seg(i, i + 1)).collect();
        let out = apply(&segs, &mut Share::new(0.05), &mut Share::new(0.1));
        let count = |k| out.iter().filter(|s| s.kind == k).count();
        assert_eq!(count(SegKind::Dropped), 50);
        // The 1,000th record is both shares' turn too: its failure waits for a 1,001st.
        assert_eq!(count(SegKind::ProcessingFailed), 99);
        // Shares adding up to 1 leave no Ok record (but the first, before any share is due).
        let out = apply(&segs, &mut Share::new(0.5), &mut Share::new(0.5));
        assert!(out.iter().filter(|s| s.kind == SegKind::Data).count() <= 1);
    }

    #[test]
    fn a_segment_splits_into_dropped_failed_and_ok() {
        let out = apply(&[seg(0, 100)], &mut Share::new(0.1), &mut Share::new(0.05));
        let parts: Vec<_> = out.iter().map(|s| (s.from(), s.to(), s.kind)).collect();
        assert_eq!(
            parts,
            vec![
                (0, 10, SegKind::Dropped),
                (10, 15, SegKind::ProcessingFailed),
                (15, 100, SegKind::Data)
            ]
        );
    }

    #[test]
    fn a_long_invocation_times_out_at_five_minutes() {
        let m = TransformModel {
            invoke_ms: 100.0,
            per_record_ms: 1.0,
            ..TransformModel::default()
        };
        assert_eq!(duration(&m, 400), (SimDuration::from_millis(500), false));
        assert_eq!(duration(&m, 400_000), (MAX_INVOCATION, true));
    }
}
