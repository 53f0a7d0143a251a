//! Event-time windows: which records a window has emitted, given the watermark.
//!
//! Event time is the record's `ApproximateArrivalTimestamp` (the source's
//! default). A subtask's watermark is the lowest of its shards'; the job's is
//! the lowest of its subtasks'. A window `[start, end)` fires when the
//! watermark reaches `end − 1`. A subtask that reads no shard has no watermark
//! and holds the job's back, so no window fires, unless the strategy marks
//! idle inputs (`withIdleness`).
//! Source: <https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/>,
//! `flink-connector-aws` Kinesis source docs (`reference/flink-and-kda-sql.md` A8, A11).
//!
//! A record counts as emitted (processed) when the first window holding it fires.
//! Assumption: a session window is per shard — it closes when its shard has had no
//! record for the gap (per key in Flink; the playground's keys share their shard's traffic).
//! With arrival-time event time read in shard order a record is behind the watermark
//! only when `idleness` let the watermark pass a shard that returned nothing for that
//! long while records waited on it (reads throttled again and again). Assumption: such
//! a record is emitted as if on time, so `allowed_lateness` changes nothing here (Flink
//! would drop it past the lateness, `numLateRecordsDropped`).

use crate::scenario::{Window, WindowKind};
use crate::time::SimTime;

/// Records that arrived before the returned time have been emitted by a
/// tumbling or sliding window once the watermark is `watermark`.
pub fn emitted_before(w: &Window, watermark: SimTime) -> SimTime {
    let wm = i128::from(watermark.0) + 1;
    let (size, slide) = (i128::from(w.size.0), i128::from(w.slide.0));
    let t = match w.kind {
        // The window [k·size, (k+1)·size) has fired when (k+1)·size ≤ wm.
        WindowKind::Tumbling | WindowKind::Session => wm.div_euclid(size) * size,
        // A record's first window ends at ⌊(a − size)/slide⌋·slide + slide + size.
        WindowKind::Sliding => (wm - size - slide).div_euclid(slide) * slide + slide + size,
    };
    SimTime(t.clamp(0, i128::from(u64::MAX)) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimDuration;

    fn window(kind: WindowKind, size_s: u64, slide_s: u64) -> Window {
        Window {
            kind,
            size: SimDuration::from_secs(size_s),
            slide: SimDuration::from_secs(slide_s),
            allowed_lateness: SimDuration(0),
            idleness: None,
        }
    }

    #[test]
    fn a_tumbling_minute_fires_at_its_end() {
        let w = window(WindowKind::Tumbling, 60, 60);
        let s = |x: u64| SimTime(x * 1_000_000);
        assert_eq!(emitted_before(&w, SimTime(s(60).0 - 2)), s(0));
        assert_eq!(emitted_before(&w, SimTime(s(60).0 - 1)), s(60));
        assert_eq!(emitted_before(&w, s(119)), s(60));
    }

    #[test]
    fn a_sliding_window_emits_a_record_with_its_first_window() {
        // 60 s windows every 10 s: the window [0, 60) fires at 60 s and holds
        // the records of [0, 60); [10, 70) then adds those of [60, 70).
        let w = window(WindowKind::Sliding, 60, 10);
        let s = |x: u64| SimTime(x * 1_000_000);
        assert_eq!(emitted_before(&w, SimTime(s(60).0 - 1)), s(60));
        assert_eq!(emitted_before(&w, SimTime(s(70).0 - 1)), s(70));
        // Windows start before 0 too: [-30 s, 30 s) fires at 30 s.
        assert_eq!(emitted_before(&w, s(35)), s(30));
    }
}
