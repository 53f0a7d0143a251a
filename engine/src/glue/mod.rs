//! AWS Glue streaming ETL with the Kinesis source, as a consumer of the engine's
//! stream: a job run starts, then every `windowSize` a micro-batch fetches each
//! shard for about `MaxFetchTimeInMs` (at most `MaxFetchRecordsPerShard` records),
//! processes the records on the executors and commits the offsets to the
//! checkpoint location; a batch that raises is retried (1 s, 2 s, then 5 s), then
//! the run fails and `MaxRetries` new runs resume from the checkpoint, re-running
//! the uncommitted batch. DPUs are billed per second with a 1-minute minimum.
//! Facts: `reference/firehose-and-glue.md` Part 2 and §4; undocumented choices are
//! named "Assumption:" here and in the notes the job writes to the trace.
//!
//! Status (issue 13): the engine's core (runs, micro-batches, retries, MaxRetries,
//! auto scaling, enhanced fan-out, billing), tested natively with the job added to
//! the simulation directly. Not read from scenarios yet (`"kind": "glue"` is refused
//! as planned); next: the format and the timeline actions (stop_job, start_job,
//! reset_checkpoint), typed trace events instead of notes, the views, presets.

pub mod job;

pub use job::Job;

use serde::Serialize;

/// DPU-hours, a number with three decimals (`f64` without NaN, so it compares).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct DpuHours(pub f64);

impl Eq for DpuHours {}

/// The `glue` block of a Glue consumer's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GlueSummary {
    /// Micro-batches committed.
    pub micro_batches: u64,
    /// Batch attempts that raised.
    pub failed_batches: u64,
    /// Batch attempts re-run within a run (`batchMaxRetries`).
    pub batch_retries: u64,
    /// Job runs started (attempts and restarts included).
    pub job_runs: u64,
    /// Job runs that ended FAILED.
    pub failed_runs: u64,
    /// Records the sink received again: written by a failed attempt, then by a later one.
    pub duplicates: u64,
    /// Longest `batchProcessingTimeInMs`.
    pub max_batch_processing_ms: u64,
    /// Most workers at once (driver included).
    pub max_workers: u32,
    /// DPU-hours billed (1-minute minimum per run).
    pub dpu_hours: DpuHours,
}
