//! Managed Flink's CloudWatch metrics, under their names (namespace
//! `AWS/KinesisAnalytics`).
//! Source: <https://docs.aws.amazon.com/managed-flink/latest/java/metrics-dimensions.html>

/// `fullRestarts` (count since the job was submitted).
pub const FULL_RESTARTS: &str = "fullRestarts";
/// `downtime` (ms in the current outage; 0 while running).
pub const DOWNTIME: &str = "downtime";
/// `uptime` (ms running without interruption).
pub const UPTIME: &str = "uptime";
/// `millisBehindLatest` (ms the source is behind the stream's head).
pub const MILLIS_BEHIND_LATEST: &str = "millisBehindLatest";
/// `lastCheckpointDuration` (ms).
pub const LAST_CHECKPOINT_DURATION: &str = "lastCheckpointDuration";
/// `numberOfFailedCheckpoints` (count).
pub const FAILED_CHECKPOINTS: &str = "numberOfFailedCheckpoints";
/// `KPUs` (billed: allocated + 1 for orchestration).
pub const KPUS: &str = "KPUs";
/// `containerCPUUtilization` (%, the busiest KPU).
pub const CPU: &str = "containerCPUUtilization";
