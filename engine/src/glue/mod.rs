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
//! Every change the reader may ask about is a [`GlueEvent`] in the trace, with the
//! rule it follows (`why`, with its AWS page) and the assumption it rests on.

pub mod job;

pub use job::Job;

use serde::Serialize;

/// A Glue event in the trace (`"type": "Glue"`). Fields that do not apply are
/// left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GlueEvent {
    /// `run` (a job run's state changed), `batch` (a micro-batch committed its
    /// offsets), `batch_failed` (an attempt raised), `scale` (auto scaling),
    /// `checkpoint_reset` (a new checkpointLocation), `reshard` (the stream was
    /// resharded while a run read it).
    pub what: &'static str,
    /// `run`: the `JobRunState` (STARTING, RUNNING, STOPPED, FAILED, TIMEOUT, EXPIRED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    /// `run`: the job run's id (`jr_2`, `jr_2_attempt_1`, `jr_2_restart_1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// The micro-batch's id (Spark's batchId, from 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
    /// The micro-batch's records (`numRecords`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// `batch`: `batchProcessingTimeInMs`, from its fetch to its commit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_ms: Option<u64>,
    /// `batch`: the `windowSize` it is measured against, in ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_ms: Option<u64>,
    /// `batch_failed`: the attempt that raised, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// `batch_failed`: the back-off before the next attempt; none when the run fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
    /// `batch_failed`: `poison` or `error_rate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    /// `batch_failed` on a poison record: its shard and sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    /// `run` (STARTING) and `scale`: the workers, the driver's included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workers: Option<u32>,
    /// `scale`: the workers before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_workers: Option<u32>,
    /// `run` (STARTING): the `WorkerType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_type: Option<&'static str>,
    /// `run` (STARTING) and `checkpoint_reset`: the checkpointLocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_location: Option<String>,
    /// The rule, in a few words, with the AWS page that states it.
    pub why: &'static str,
    /// The assumption this event rests on, when AWS does not document it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<&'static str>,
}

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

/// AWS pages cited by `why` strings.
pub(crate) mod why {
    pub const STARTING: &str = "StartJobRun: STARTING while Glue provisions the workers; the run resumes from the offsets in checkpointLocation, or from StartingPosition when it is empty — https://docs.aws.amazon.com/glue/latest/dg/add-job-streaming.html";
    pub const RUNNING: &str = "RUNNING: a micro-batch every windowSize (at once after one that overran), each shard read with GetRecords for about MaxFetchTimeInMs and at most MaxFetchRecordsPerShard records, on its shared read limits — https://docs.aws.amazon.com/glue/latest/webapi/API_KinesisStreamingSourceOptions.html";
    pub const RUNNING_EFO: &str = "RUNNING with enhanced fan-out: each shard pushes on the job's own 2 MiB/s; MaxRecordPerRead and IdleTimeBetweenReadsInMs no longer apply — https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-efo.html";
    pub const BATCH: &str = "committed: the batch function returned and the offsets went to checkpointLocation; a later run resumes after them — https://docs.aws.amazon.com/glue/latest/dg/glue-streaming-concepts.html";
    pub const BATCH_FAILED: &str = "the batch function raised: forEachBatch runs the batch again after 1 s, 2 s, then 5 s, up to batchMaxRetries (3), then re-raises and the run FAILS — https://github.com/awslabs/aws-glue-libs/blob/main/awsglue/context.py";
    pub const FAILED: &str = "FAILED: while MaxRetries allows, a new attempt resumes from checkpointLocation and runs the uncommitted batch again (written twice); after the last, the stream ages on — https://docs.aws.amazon.com/glue/latest/webapi/API_Job.html";
    pub const STOPPED: &str = "BatchStopJobRun: STOPPED; a batch with logged but uncommitted offsets runs again in the next run — https://docs.aws.amazon.com/glue/latest/webapi/API_BatchStopJobRun.html";
    pub const TIMEOUT: &str = "the run reached its Timeout (under 7 days): TIMEOUT, and not retried — https://docs.aws.amazon.com/glue/latest/webapi/API_Job.html";
    pub const EXPIRED: &str = "maintenance: 7 days after the run started (no MaintenanceWindow) Glue commits the batch in progress, marks the run EXPIRED and starts a _restart_N run from checkpointLocation; not counted in MaxRetries — https://docs.aws.amazon.com/glue/latest/dg/glue-streaming-maintenance.html";
    pub const SCALE: &str = "auto scaling: after each micro-batch, executors are added when batchProcessingTimeInMs nears windowSize and removed when it is much lower, up to NumberOfWorkers — https://docs.aws.amazon.com/glue/latest/dg/glue-streaming-auto-scaling.html";
    pub const RESET: &str = "a new, empty checkpointLocation: no offsets, so the job reads again from StartingPosition (what passed the retention is gone) — https://docs.aws.amazon.com/glue/latest/dg/add-job-streaming.html";
    pub const RESHARD: &str = "resharded while running: the connector lists shards every describeShardInterval (1 s) and reads children after parents; AWS's 2022/23 guide said to stop, reshard, then start — https://docs.aws.amazon.com/glue/latest/webapi/API_KinesisStreamingSourceOptions.html";
}

/// Assumptions named on trace events (AWS documents none of these).
pub(crate) mod assumption {
    pub const RUN_START: &str = "a run starts in 20 s (AWS: tens of seconds); one worker runs the driver, each other one an executor";
    pub const FETCH: &str = "without AddIdleTimeBetweenReads, a GetRecords call every 200 ms";
    pub const EFO_BUFFER: &str =
        "a subscription pauses while MaxFetchRecordsPerShard records wait, and resumes at half";
    pub const WRITTEN: &str = "an attempt raising on a poison record wrote the batch's records before it; an error_rate failure wrote nothing";
    pub const SCALING: &str = "a run starts with 1 executor; they double when the last 3 batches average 90 % of windowSize or more, and halve when all 3 took under 25 %";
    pub const STOP: &str = "a batch still fetching is planned again by the next run; one being processed runs again as logged";
    pub const RESHARD: &str =
        "the current connector follows resharding; the old rule to stop first is not enforced";
    pub const NO_TIMEOUT: &str = "without Timeout a streaming job runs until stopped (the API's 2,880 minutes are for batch jobs)";
}
