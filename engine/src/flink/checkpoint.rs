//! Checkpoints: when the next one starts, and what one holds.
//!
//! A checkpoint starts `CheckpointInterval` after the previous one started, but
//! never less than `MinPauseBetweenCheckpoints` after the previous one ended
//! (one at a time: concurrent checkpoints are fixed at 1).
//! Source: <https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_CheckpointConfiguration.html>,
//! `reference-flink-settings` (`reference/flink-and-kda-sql.md` A4).

use crate::lineage::ShardReads;
use crate::shard_map::ShardMap;
use crate::time::{SimDuration, SimTime};

/// What a checkpoint or snapshot holds: the source's positions and, per shard,
/// how far the job had emitted to the sink (records in between are in window state).
#[derive(Clone, Debug, Default)]
pub struct State {
    /// The source's read positions (with the lineage it has read through).
    pub reads: ShardReads,
    /// Per shard, one past the last record emitted to the sink.
    pub emitted: ShardMap<u64>,
    /// The job had a window operator (its state must be restored or allowed to be dropped).
    pub window: bool,
}

/// A completed checkpoint or a snapshot.
#[derive(Clone, Debug)]
pub struct Saved {
    /// Checkpoint id, or snapshot number, from 1.
    pub id: u64,
    /// The snapshot's name (checkpoints have none).
    pub name: String,
    /// When it was taken.
    pub at: SimTime,
    /// What it holds.
    pub state: State,
}

/// When the checkpoint after one that started at `started` and ended at
/// `ended` may start.
pub fn next_start(
    started: SimTime,
    ended: SimTime,
    interval: SimDuration,
    min_pause: SimDuration,
) -> SimTime {
    SimTime(
        started
            .0
            .saturating_add(interval.0)
            .max(ended.0.saturating_add(min_pause.0)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_to_start_unless_the_pause_is_longer() {
        let s = |x: u64| SimTime(x * 1_000);
        let d = |x: u64| SimDuration(x * 1_000);
        // 60 s interval, 5 s pause, a 1 s checkpoint: the next starts 60 s after.
        assert_eq!(next_start(s(0), s(1_000), d(60_000), d(5_000)), s(60_000));
        // A 58 s checkpoint: the pause pushes the next to 63 s.
        assert_eq!(next_start(s(0), s(58_000), d(60_000), d(5_000)), s(63_000));
    }
}
