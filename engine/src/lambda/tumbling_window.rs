//! Tumbling windows (`TumblingWindowInSeconds` 1–900): windows by each
//! record's `approximateArrivalTimestamp`, state carried between invocations,
//! a final invocation per window (`isFinalInvokeForWindow`), early termination
//! when the state passes 1 MB (`isWindowTerminatedEarly`; the window then
//! continues with fresh state), and windows closed at shard end.
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html>
//!
//! Assumption (the state is the user's code): the handler's state grows by
//! [`STATE_BYTES_PER_RECORD`] bytes per record aggregated.

use crate::time::SimTime;

/// State limit per shard: 1 MB.
/// Source: <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html>
pub const MAX_STATE_BYTES: u64 = 1 << 20;

/// Assumption: bytes of state per aggregated record.
pub const STATE_BYTES_PER_RECORD: u64 = 64;

/// Label for the trace.
pub const ASSUMPTION: &str = "window state grows by 64 bytes per record aggregated";

/// The window holding arrival time `t` for windows of `secs` seconds:
/// `[start, end)`, aligned to multiples of the window length.
pub fn window_of(t: SimTime, secs: u32) -> (SimTime, SimTime) {
    let len = u64::from(secs.max(1)) * 1_000_000;
    let start = t.0 / len * len;
    (SimTime(start), SimTime(start + len))
}

/// An open window of one shard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Window start.
    pub start: SimTime,
    /// Window end (exclusive).
    pub end: SimTime,
    /// State size now.
    pub state_bytes: u64,
}

impl Window {
    /// Adds `records` to the state; returns true if the state went above
    /// 1 MB (the window is then terminated early and its state starts afresh).
    pub fn aggregate(&mut self, records: u64) -> bool {
        self.state_bytes = self
            .state_bytes
            .saturating_add(records.saturating_mul(STATE_BYTES_PER_RECORD));
        if self.state_bytes > MAX_STATE_BYTES {
            self.state_bytes = 0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_align_and_terminate_early() {
        let (s, e) = window_of(SimTime::from_secs(95), 30);
        assert_eq!((s, e), (SimTime::from_secs(90), SimTime::from_secs(120)));
        let mut w = Window {
            start: s,
            end: e,
            state_bytes: 0,
        };
        // 1 MiB / 64 B = 16,384 records fit; one more terminates early.
        assert!(!w.aggregate(16_384));
        assert!(w.aggregate(1));
        assert_eq!(w.state_bytes, 0);
    }
}
