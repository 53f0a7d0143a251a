//! Amazon Kinesis Data Analytics for SQL (retired) as a consumer of the engine's
//! stream: the shards are spread over `InputParallelism` in-application streams,
//! each read once a second; an optional preprocessing Lambda returns rows `Ok`,
//! `Dropped` or `ProcessingFailed`; the query's window emits rows to up to three
//! outputs. Bad rows go to `error_stream` and processing goes on; a failing
//! preprocessor or destination is retried forever, so ingestion stalls and the
//! stream ages on; a restart resumes from the slowest destination's checkpoint and
//! the others receive duplicates.
//! Facts: `reference/flink-and-kda-sql.md` Part B and Part C rules 8–9; undocumented
//! choices are named "Assumption:" here and on the trace events.

pub mod application;

pub use application::Application;

use serde::Serialize;

/// A KDA SQL event in the trace (`"type": "KdaSql"`). Fields that do not apply are
/// left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KdaSqlEvent {
    /// `status` (RUNNING, READY), `error_stream` (rows diverted in one step),
    /// `window` (a window emitted), `delivery_failed` (a destination or the
    /// preprocessor began to fail: retried, and ingestion stalls), `resume` (it
    /// succeeded again).
    pub what: &'static str,
    /// `status`: the application's status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// `status` RUNNING: the `InputStartingPosition` it started from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starting_position: Option<&'static str>,
    /// The in-application stream (`SOURCE_SQL_STREAM_001`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_app_stream: Option<String>,
    /// `delivery_failed`: the output's `Name`, or `preprocessor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// Rows: emitted by a window, sent to `error_stream`, or in the failed delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// `error_stream`: of them, poison rows the query could not coerce.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poison_rows: Option<u64>,
    /// `delivery_failed`: `outage` or `error_rate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<&'static str>,
    /// The rule, in a few words, with the AWS page that states it.
    pub why: &'static str,
    /// The assumption this event rests on, when AWS does not document it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<&'static str>,
}

/// The `kda_sql` block of a KDA SQL consumer's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KdaSqlSummary {
    /// Rows sent to `error_stream` (poison rows and `ProcessingFailed`).
    pub error_stream_records: u64,
    /// Windows emitted (for a sliding window: rows emitted).
    pub windows_emitted: u64,
    /// Failed delivery attempts retried (destinations and the preprocessor).
    pub destination_retries: u64,
    /// Rows an output received again after a restart.
    pub duplicates: u64,
    /// Highest `MillisBehindLatest`.
    pub max_millis_behind_latest: u64,
    /// Most KPUs at once.
    pub kpus: u32,
}

/// AWS pages cited by `why` strings.
pub(crate) mod why {
    pub const RUNNING: &str = "RUNNING: the shards are spread evenly over InputParallelism in-application streams, each inserting rows with ROWTIME — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/input-parallelism.html";
    pub const READY: &str = "StopApplication: READY; a later start resumes from LAST_STOPPED_POINT, NOW or TRIM_HORIZON — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_StartApplication.html";
    pub const RESTART: &str = "restarted: output resumes from the last record delivered to the slowest destination, so the others receive rows again (at-least-once) — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/failover-checkpoint.html";
    pub const ERROR_STREAM: &str = "rows the query cannot coerce, and ProcessingFailed records, go to error_stream; processing goes on — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/error-handling.html";
    pub const WINDOW: &str = "window emitted over ROWTIME: tumbling at its end (STEP), stagger its size after its first row, sliding one row per row — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/windowed-sql.html";
    pub const DESTINATION: &str = "delivery failed: the service retries a destination indefinitely; the application falls behind and stops processing new data — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/how-it-works-output.html";
    pub const RESUME: &str = "the retried delivery succeeded: reading goes on from where it stopped; nothing was dropped — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/how-it-works-output.html";
    pub const PREPROCESSOR: &str = "the preprocessing Lambda failed: the service retries the same batch until it succeeds, and ingestion waits — https://docs.aws.amazon.com/kinesisanalytics/latest/dev/lambda-preprocessing.html";
}

/// Assumptions named on trace events (AWS documents none of these).
pub(crate) mod assumption {
    pub const STEP: &str = "shards go to the in-application streams round robin as they are first read, and keep theirs (a child takes its parent's); each stream reads each of its shards once a second (up to 10,000 records) and inserts at most one KPU's worth of rows (per_record_us); 8 KPUs at most";
    pub const RETRY: &str = "a failed delivery or invocation is retried 1 s later; while one is retried, no stream reads";
    pub const SHARES: &str = "in each batch the last records are ProcessingFailed and the ones before them Dropped, by the shares rounded";
    pub const STAGGER: &str =
        "a stagger window is kept per in-application stream, not per partition key";
}
