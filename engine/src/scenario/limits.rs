//! Playground limits, checked before any run so that a shared link cannot hang
//! a reader's browser tab. They are Shardscope's, not AWS's: each says why.
//!
//! The engine's cost grows with simulated *events* (polls, batches,
//! checkpoints), not with records, which travel in compact runs. So the limits
//! bound the things that multiply events: shards, consumers, simulated time and
//! batches. For scale: the reference benchmark (16 shards, 14,400 records/s,
//! one Lambda mapping, one hour) is about 51.8 M records and 0.6 M events.

use crate::time::SimDuration;

/// Longest simulated run: 8 days. Long enough for a poison record to block a
/// shard for the default 24 h retention and beyond ("26h"), and for scenarios
/// around the 7-day maximum of `MaximumRecordAgeInSeconds`; short enough that
/// per-second metric series stay under 700,000 points.
pub const MAX_DURATION: SimDuration = SimDuration::from_secs(8 * 86_400);

/// Most shards open at any time, including after `update_shard_count`,
/// `split_shard` and on-demand scaling: 64. Every shard is a polling lane per
/// consumer (times ParallelizationFactor), so shards multiply events.
pub const MAX_SHARDS: u32 = 64;

/// Most producers: 16. Each is a source of write events per shard.
pub const MAX_PRODUCERS: usize = 16;

/// Most consumers: 8. Each one polls every shard; five or more shared-throughput
/// readers already saturate a shard's 5 GetRecords/s, so more teach nothing new.
pub const MAX_CONSUMERS: usize = 8;

/// Most timeline entries: 200. Enough for any story; bounds resharding work.
pub const MAX_TIMELINE_ENTRIES: usize = 200;

/// Highest total producer rate at any moment: 1,000,000 records/s, far above
/// what 64 shards admit (64,000 records/s), so throttling can still be shown.
pub const MAX_TOTAL_RECORDS_PER_SECOND: f64 = 1_000_000.0;

/// Most distinct partition keys per producer: 1,000,000. Per-key bookkeeping
/// (ordering checks, ParallelizationFactor lanes) grows with keys.
pub const MAX_PARTITION_KEYS: u32 = 1_000_000;

/// Most records offered by all producers over the run (Σ rate × time, plus
/// poison records): 5 × 10^9, about 100 times the reference benchmark.
pub const MAX_TOTAL_RECORDS: f64 = 5.0e9;

/// Most estimated events over the run: 25,000,000, about 40 times the
/// reference benchmark. The estimate, per consumer, is one poll per shard per
/// second at the highest shard count plus one invocation per `BatchSize`
/// records offered (see `docs/scenario-format.md`).
pub const MAX_ESTIMATED_EVENTS: f64 = 25.0e6;

/// Most records per `poison` entry: 1,000 (AWS's PutRecords takes 500 per call;
/// a poison burst is a handful of bad records, not a traffic source).
pub const MAX_POISON_COUNT: u32 = 1_000;

/// Longest name of a producer or consumer, in characters: 64 (they label lanes
/// in the UI and keys in the summary).
pub const MAX_NAME_CHARS: usize = 64;

/// Longest `title`, in characters: 200.
pub const MAX_TITLE_CHARS: usize = 200;

/// Longest `description`, in characters: 4,000 (scenarios travel in URLs).
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;

/// Largest scenario document accepted by [`super::parse`], in bytes: 1 MiB.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;
