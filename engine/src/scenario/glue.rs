//! `"kind": "glue"`: an AWS Glue streaming ETL job (`gluestreaming`) reading the
//! stream with `glueContext.forEachBatch`. Its model, its timeline actions, how both
//! are read from JSON, and their canonical JSON, in one place.
//!
//! AWS's names and shapes where AWS has them (`Job` as CreateJob takes it,
//! `KinesisStreamingSourceOptions` as the Glue API spells them, `forEachBatch`'s
//! options); the playground's own model of the batch function in snake_case
//! (`batch`). Facts: `reference/firehose-and-glue.md` Part 2, §3–4.
//! Source: <https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html>
//!
//! Status: the model only (issue 13). It is not read from JSON nor simulated yet:
//! `"kind": "glue"` is still refused as planned.

use super::StartingPosition;
use crate::time::SimDuration;

/// An AWS Glue streaming job.
#[derive(Clone, Debug, PartialEq)]
pub struct GlueConsumer {
    /// `Job`: the CreateJob fields that matter here.
    pub job: GlueJob,
    /// `KinesisStreamingSourceOptions`.
    pub source: KinesisSource,
    /// `forEachBatch`: the micro-batch options.
    pub for_each_batch: ForEachBatch,
    /// `batch`: the playground's model of the batch function.
    pub batch: BatchModel,
}

/// `WorkerType`: the DPUs of one worker.
/// Source: <https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerType {
    /// `G.025X`: 0.25 DPU (2 vCPU, 4 GB); streaming jobs only, Glue 3.0+.
    G025X,
    /// `G.1X`: 1 DPU (4 vCPU, 16 GB).
    G1X,
    /// `G.2X`: 2 DPU (8 vCPU, 32 GB).
    G2X,
    /// `G.4X`: 4 DPU (16 vCPU, 64 GB), Glue 3.0+.
    G4X,
    /// `G.8X`: 8 DPU (32 vCPU, 128 GB), Glue 3.0+.
    G8X,
}

impl WorkerType {
    /// Every worker type, in the API's order.
    pub const ALL: [WorkerType; 5] = [
        WorkerType::G025X,
        WorkerType::G1X,
        WorkerType::G2X,
        WorkerType::G4X,
        WorkerType::G8X,
    ];

    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerType::G025X => "G.025X",
            WorkerType::G1X => "G.1X",
            WorkerType::G2X => "G.2X",
            WorkerType::G4X => "G.4X",
            WorkerType::G8X => "G.8X",
        }
    }

    /// DPUs per worker, in quarters (G.025X is 1 quarter: integers keep billing exact).
    pub fn quarter_dpus(self) -> u64 {
        match self {
            WorkerType::G025X => 1,
            WorkerType::G1X => 4,
            WorkerType::G2X => 8,
            WorkerType::G4X => 16,
            WorkerType::G8X => 32,
        }
    }
}

/// `Job`.
#[derive(Clone, Debug, PartialEq)]
pub struct GlueJob {
    /// `GlueVersion`: "2.0", "3.0", "4.0" (default here: the newest version the
    /// streaming Auto Scaling page names; assumption, since 5.x streaming support
    /// is not verified) or "5.0".
    pub glue_version: GlueVersion,
    /// `WorkerType`, default G.1X (assumption: the console's default).
    pub worker_type: WorkerType,
    /// `NumberOfWorkers`, 2–299, default 2 (assumption). One worker runs the
    /// driver; the others run one executor each. With auto scaling, the maximum.
    pub number_of_workers: u32,
    /// `MaxRetries`: new runs after a FAILED run, 0–10, default 0.
    pub max_retries: u32,
    /// `DefaultArguments["--enable-auto-scaling"] == "true"` (Glue 3.0+). Default false.
    pub auto_scaling: bool,
}

/// `GlueVersion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GlueVersion {
    /// "2.0" (no G.025X, no auto scaling).
    V2,
    /// "3.0".
    V3,
    /// "4.0".
    V4,
    /// "5.0".
    V5,
}

impl GlueVersion {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GlueVersion::V2 => "2.0",
            GlueVersion::V3 => "3.0",
            GlueVersion::V4 => "4.0",
            GlueVersion::V5 => "5.0",
        }
    }
}

/// `KinesisStreamingSourceOptions`.
/// Source: <https://docs.aws.amazon.com/glue/latest/webapi/API_KinesisStreamingSourceOptions.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KinesisSource {
    /// `StartingPosition`: LATEST (default), TRIM_HORIZON (also `earliest`) or a
    /// timestamp (Glue 4.0+). Used only when the checkpoint location is empty.
    pub starting_position: StartingPosition,
    /// `MaxFetchRecordsPerShard`: records per shard per micro-batch, default 100,000.
    pub max_fetch_records_per_shard: u64,
    /// `MaxFetchTimeInMs`: time spent fetching per shard per batch, default 1,000.
    pub max_fetch_time_ms: u64,
    /// `MaxRecordPerRead`: records per GetRecords call, default 10,000.
    pub max_record_per_read: u64,
    /// `AddIdleTimeBetweenReads`, default false.
    pub add_idle_time_between_reads: bool,
    /// `IdleTimeBetweenReadsInMs`, default 1,000 (applies with the flag above).
    pub idle_time_between_reads_ms: u64,
    /// `EnableFanOut` (the playground's switch for `FanoutConsumerARN`): read
    /// through a registered enhanced fan-out consumer. Default false.
    pub enable_fan_out: bool,
}

impl Default for KinesisSource {
    fn default() -> Self {
        KinesisSource {
            starting_position: StartingPosition::Latest,
            max_fetch_records_per_shard: 100_000,
            max_fetch_time_ms: 1_000,
            max_record_per_read: 10_000,
            add_idle_time_between_reads: false,
            idle_time_between_reads_ms: 1_000,
            enable_fan_out: false,
        }
    }
}

/// `forEachBatch` options.
/// Source: <https://github.com/awslabs/aws-glue-libs/blob/main/awsglue/context.py>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForEachBatch {
    /// `windowSize`: the trigger interval, default 100 s.
    pub window_size: SimDuration,
    /// `checkpointLocation`: where offsets are committed. Default
    /// `s3://<bucket>/checkpoint/<name>/`.
    pub checkpoint_location: String,
    /// `batchMaxRetries`: 0–100, default 3 (back-off 1 s, 2 s, then 5 s).
    pub batch_max_retries: u32,
}

/// `batch`: the playground's model of the batch function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchModel {
    /// `startup_ms`: planning and launch overhead per micro-batch, 0–600,000 ms.
    /// Default 1,500 (AWS: "typically 1–2 s").
    pub startup_ms: u64,
    /// `per_record_us`: processing time per record on one executor, 0–1,000,000 µs.
    /// Default 100. A batch's records are shared by the executors.
    pub per_record_us: f64,
    /// `error_rate`: share of batch attempts that raise (seeded), 0–1. Default 0.
    pub error_rate: f64,
}

impl Default for BatchModel {
    fn default() -> Self {
        BatchModel {
            startup_ms: 1_500,
            per_record_us: 100.0,
            error_rate: 0.0,
        }
    }
}

/// A Glue timeline action.
#[derive(Clone, Debug, PartialEq)]
pub enum GlueAction {
    /// `"stop_job"`: BatchStopJobRun: the run ends STOPPED; an unfinished batch
    /// is not committed.
    StopJob,
    /// `"start_job"`: StartJobRun, optionally with a new `NumberOfWorkers` or
    /// `WorkerType` for this run; it resumes from the checkpoint location.
    StartJob {
        /// `NumberOfWorkers` for the run.
        number_of_workers: Option<u32>,
        /// `WorkerType` for the run.
        worker_type: Option<WorkerType>,
    },
    /// `"reset_checkpoint"`: the job is pointed at a new, empty
    /// `checkpointLocation` (and restarted if it runs): it reads again from
    /// `StartingPosition`.
    ResetCheckpoint {
        /// The new `checkpointLocation` (default: the old one with `-reset-N`).
        checkpoint_location: Option<String>,
    },
}

impl GlueAction {
    /// The `do` string.
    pub fn name(&self) -> &'static str {
        match self {
            GlueAction::StopJob => "stop_job",
            GlueAction::StartJob { .. } => "start_job",
            GlueAction::ResetCheckpoint { .. } => "reset_checkpoint",
        }
    }
}
