//! Amazon Managed Service for Apache Flink with the Kinesis source, as a
//! consumer of the engine's stream: subtasks read the shards assigned to them,
//! a job processes the records (optionally in event-time windows) and emits them
//! to a sink; checkpoints save the read positions; an unhandled exception
//! restarts the job from the last completed checkpoint after 10 s (a poison
//! record makes that an endless loop); snapshots are taken on stop, update and
//! scaling; the autoscaler doubles or halves the parallelism on CPU, each time
//! with downtime; KPUs are billed.
//! Facts: `reference/flink-and-kda-sql.md` Part A and Part C; each rule cites its
//! page where it is modelled; every undocumented choice is named "Assumption:" in
//! the code and on the trace event (`assumption`).
//!
//! Files, after Flink's concepts: [`application`] (the consumer: status, the
//! one-second step of every subtask, restarts, the timeline actions),
//! [`checkpoint`] (when checkpoints start, what they hold), [`assigner`] (shards
//! to subtasks), [`autoscaler`] (KPUs, CPU datapoints, scaling decisions),
//! [`window`] (the watermark and which records a window has emitted), [`metrics`]
//! (CloudWatch names).

pub mod application;
pub mod assigner;
pub mod autoscaler;
pub mod checkpoint;
pub mod metrics;
pub mod window;

pub use application::Application;

use serde::Serialize;

/// A Flink event in the trace (`"type": "Flink"`). Times are ms since the start
/// of the run. Fields that do not apply are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlinkEvent {
    /// `status` (the application's status changed), `checkpoint` (one ended),
    /// `failure` (an unhandled exception), `restore` (the job runs again, from a
    /// checkpoint, a snapshot or its initial position), `snapshot`, `scale`
    /// (the autoscaler's decision), `update` (UpdateApplication).
    pub what: &'static str,
    /// `status`: RUNNING, RESTARTING, UPDATING, AUTOSCALING, READY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// Checkpoint or snapshot: its id, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// A snapshot's name, or the snapshot a restore used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// Checkpoint: `completed` or `aborted` (the job failed while it ran).
    /// Failure: `poison` or `fail`. Restore: `checkpoint`, `snapshot`,
    /// `initial_position`, `restore_failed`. Snapshot: `manual`, `stop`,
    /// `update`, `scale`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// When the checkpoint started.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    /// How long it took.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Failure: the shard of the poison record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Failure: the poison record's sequence number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<String>,
    /// Restore: the checkpoint it used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<u64>,
    /// Restore: records read before the failure or stop that will be read again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rewound_records: Option<u64>,
    /// Restore: records never emitted that the new start position passes over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped_records: Option<u64>,
    /// Restore: `ApplicationRestoreType`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_type: Option<&'static str>,
    /// Status, scale, update: the parallelism (after the change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// Scale: the parallelism before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_parallelism: Option<u32>,
    /// Status: billed KPUs (allocated + 1 for orchestration).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kpus: Option<u32>,
    /// Failure: `fullRestarts` so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restarts: Option<u64>,
    /// The rule, in a few words, with the AWS page that states it.
    pub why: &'static str,
    /// The assumption this event rests on, when AWS does not document it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<&'static str>,
}

/// KPU-hours, a number with three decimals (`f64` without NaN, so it compares).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct KpuHours(pub f64);

impl Eq for KpuHours {}

/// The `flink` block of a Flink consumer's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlinkSummary {
    /// `fullRestarts`: job restarts after an unhandled exception.
    pub restarts: u64,
    /// Checkpoints completed.
    pub checkpoints_completed: u64,
    /// Snapshots taken, manual and automatic.
    pub snapshots: u64,
    /// Time the job was not running while the application was (restarts,
    /// updates, scaling).
    pub downtime_ms: u64,
    /// Records an at-least-once sink received again after a restore.
    pub duplicates_at_sink: u64,
    /// Highest `millisBehindLatest`.
    pub max_millis_behind_latest: u64,
    /// The parallelism when the run ended.
    pub parallelism_at_end: u32,
    /// Most KPUs billed at once (allocated + 1 for orchestration).
    pub max_kpus: u32,
    /// KPU-hours billed (orchestration KPU included).
    pub kpu_hours: KpuHours,
    /// Records never emitted that a restore without state passed over.
    pub records_skipped: u64,
}

/// AWS pages cited by `why` strings.
pub(crate) mod why {
    pub const RUNNING: &str = "the job runs: each subtask reads the shards assigned to it by hash range — https://docs.aws.amazon.com/managed-flink/latest/java/how-sources.html";
    pub const RUNNING_EFO: &str = "the job runs: each shard pushes to its subtask through enhanced fan-out (SubscribeToShard), on its own 2 MiB/s and about 70 ms behind, instead of sharing the shard's read limits — https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html";
    pub const CHECKPOINT: &str = "checkpoint: the read positions and state are saved; checkpoints start CheckpointInterval apart and never closer than MinPauseBetweenCheckpoints after the last one ended — https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_CheckpointConfiguration.html";
    pub const CHECKPOINT_ABORTED: &str = "the job failed while the checkpoint ran: it never completes (numberOfFailedCheckpoints) — https://docs.aws.amazon.com/managed-flink/latest/java/troubleshooting-chk-timeout.html";
    pub const POISON: &str = "an unhandled exception fails the job; Managed Flink restarts it from the latest checkpoint after a 10 s fixed delay, without limit, so a record that always throws makes a restart loop — https://docs.aws.amazon.com/managed-flink/latest/java/troubleshooting-rt-restarts.html";
    pub const FAIL: &str = "an unhandled exception fails the job over; it restarts from the latest completed checkpoint after 10 s — https://docs.aws.amazon.com/managed-flink/latest/java/troubleshooting-rt-restarts.html";
    pub const RESTORE_CHECKPOINT: &str = "restored from the latest completed checkpoint: the shard positions rewind to it and every record after it is read again; an at-least-once sink receives those again — https://docs.aws.amazon.com/managed-flink/latest/java/how-fault.html";
    pub const RESTORE_SNAPSHOT: &str = "restored from a snapshot (a savepoint): the job resumes from the positions it holds — https://docs.aws.amazon.com/managed-flink/latest/java/how-snapshots.html";
    pub const RESTORE_SKIP: &str = "SKIP_RESTORE_FROM_SNAPSHOT, or no state to restore: the source starts from its InitialPosition with empty state — https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_ApplicationRestoreConfiguration.html";
    pub const RESTORE_FAILED: &str = "the snapshot holds state of an operator the new code removed: the restore faults unless AllowNonRestoredState is true — https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_FlinkRunConfiguration.html";
    pub const SNAPSHOT: &str = "snapshot (a savepoint): taken on request, and, with SnapshotsEnabled, whenever the application is stopped, updated or scaled — https://docs.aws.amazon.com/managed-flink/latest/java/how-snapshots.html";
    pub const STOP: &str = "StopApplication: a normal stop takes a snapshot (with SnapshotsEnabled); Force stops without one — https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_StopApplication.html";
    pub const UPDATE: &str = "UpdateApplication: the job stops (with a snapshot if SnapshotsEnabled) and restarts with the new configuration; without snapshots its state is lost — https://docs.aws.amazon.com/managed-flink/latest/java/how-fault-snapshot.html";
    pub const SCALE_UP: &str = "autoscaling: containerCPUUtilization at or above 75 % for 15 minutes doubles the parallelism, with downtime while the job restarts — https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling-auto.html";
    pub const SCALE_DOWN: &str = "autoscaling: containerCPUUtilization below 10 % for 6 hours halves the parallelism, never below the configured Parallelism — https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling-auto.html";
}

/// Assumptions named on trace events (AWS documents none of these).
pub(crate) mod assumption {
    pub const STEP: &str = "each subtask reads each of its shards once a second (up to 10,000 records), as far as its share of a KPU's vCPU allows";
    pub const EFO_BUFFER: &str = "a shard's subscription pauses while 10,000 of its records wait in the job, and resumes when half are read";
    pub const RESTART_DELAY: &str = "restoring the checkpoint takes no time beyond the 10 s delay";
    pub const DOWNTIME: &str = "an update or a scaling takes 30 s of downtime (AWS documents none)";
    pub const NO_CHECKPOINT: &str =
        "with no completed checkpoint, the job restarts from the positions it started from";
    pub const STOPPED_LATEST: &str =
        "RESTORE_FROM_LATEST_SNAPSHOT with no snapshot starts without state, from InitialPosition";
    pub const RESTORE_FAILED: &str =
        "a faulted restore returns the application to READY (AWS leaves it UPDATING)";
    pub const CPU_MINUTES: &str = "a minute with downtime, or a scaling, resets both streaks";
}
