//! The AWS Lambda event source mapping (ESM) for Kinesis, as a consumer of
//! the engine's stream: per-shard pollers (or enhanced fan-out), batching,
//! the function model, retries, bisection, partial batch responses, OnFailure
//! destinations, concurrency, resharding, reprocessing and Lambda's metrics.
//! Facts: `reference/kinesis-and-lambda.md` §2–§5; each rule cites its AWS
//! page where it is modelled, and every undocumented choice is named
//! "Assumption:" in the code and in the trace (`assumption` on the event).
//!
//! Files, after AWS concepts: [`mapping`] (the ESM and its shard pollers),
//! [`batch`], [`handler`] (the function model), [`retry`] (the failure state
//! machine), [`bisect`], [`item_failures`] (ReportBatchItemFailures),
//! [`concurrency`], [`destination`] (OnFailure), [`metrics`], [`lanes`]
//! (ParallelizationFactor), [`tumbling_window`].

pub mod batch;
pub mod bisect;
pub mod concurrency;
pub mod destination;
pub mod handler;
pub mod item_failures;
pub mod lanes;
pub mod mapping;
pub mod metrics;
pub mod retry;
pub mod tumbling_window;

pub use mapping::LambdaMapping;

use serde::Serialize;

use crate::stream::ShardId;

/// A Lambda event in the trace (`"type": "Lambda"`). One per invocation that
/// is not a plain first-try success; consecutive first-try successes of one
/// lane within a minute are drawn as one mark (`what: "invocations"`, with
/// their count), so an hour of a busy stream stays small. Fields that do not
/// apply are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LambdaEvent {
    /// `invocation`, `invocations` (a streak of first-try successes),
    /// `throttled`, `on_failure`, `window_final`, `window_terminated_early`,
    /// `shard_started`, `shard_drained`, `deploy`, `set_mapping`,
    /// `recreate_mapping`.
    pub what: &'static str,
    /// The shard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardId>,
    /// The ParallelizationFactor lane (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lane: Option<u32>,
    /// How long the invocation ran, ms (a streak: from its first start to its
    /// last end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// First sequence number of the batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seq: Option<u64>,
    /// Last sequence number of the batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seq: Option<u64>,
    /// Records in the batch (a streak: in all its invocations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// OnFailure: `KinesisBatchInfo.approximateArrivalOfFirstRecord`, ms
    /// since the start of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_arrival_ms: Option<u64>,
    /// OnFailure: `KinesisBatchInfo.approximateArrivalOfLastRecord`, ms since
    /// the start of the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_arrival_ms: Option<u64>,
    /// Invocations in a streak.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocations: Option<u64>,
    /// Attempt number of these records (1 = first try; `approximateInvokeCount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// `success`, `error`, `timeout`, `throttled`, `partial_failure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// The function error, if any (`poison_record`, `handler_error`,
    /// `timeout`, `malformed_response`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'static str>,
    /// What follows: `checkpoint`, `retry`, `bisect`, `partial_retry`, `discard`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow: Option<retry::Follow>,
    /// When the retry is due, ms after this event's time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_ms: Option<u64>,
    /// Shard checkpoint (next sequence number to process) before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_before: Option<u64>,
    /// Shard checkpoint after.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_after: Option<u64>,
    /// OnFailure: `RetryAttemptsExhausted` or `MaximumRecordAgeExceeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<&'static str>,
    /// OnFailure: `sqs`, `sns`, `s3`, or `none` (records skipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<&'static str>,
    /// OnFailure: what the destination receives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carries: Option<destination::Carries>,
    /// The rule, in a few words, with the AWS page that states it.
    pub why: &'static str,
    /// The assumption this event rests on, when AWS does not document it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<&'static str>,
}

/// AWS pages cited by `why` strings.
pub(crate) mod why {
    pub const SUCCESS: &str = "success: checkpoint past the batch — https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html";
    pub const RETRY: &str = "function error: the whole batch is retried until it succeeds, its records expire or the retry/age limits end it; the shard waits — https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html";
    pub const BISECT: &str = "BisectBatchOnFunctionError: the failed batch is split in two, each half retried, without using retry attempts — https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html";
    pub const PARTIAL: &str = "ReportBatchItemFailures: checkpoint at the lowest reported sequence number, retry from there — https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html";
    pub const DISCARD_RETRIES: &str = "MaximumRetryAttempts used up: the batch is discarded — https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html";
    pub const DISCARD_AGE: &str = "MaximumRecordAgeInSeconds: a batch holding an older record is discarded — https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html";
    pub const ON_FAILURE: &str = "OnFailure destination: SQS/SNS get metadata only, S3 also the records — https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md";
    pub const THROTTLED: &str = "throttled (concurrency limit): a before-invocation error, retried without using retry attempts — https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html";
    pub const TIMEOUT: &str = "Function.Timeout reached: the runtime is stopped, a function error — https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html";
    pub const DRAINED: &str = "shard end reached: its children may now be read (parents before children) — https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html";
    pub const STARTED: &str = "shard polling starts (its parents are drained) — https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html";
    pub const DEPLOY: &str = "new function code deployed; the next invocation uses it";
    pub const SET_MAPPING: &str = "UpdateEventSourceMapping: applied to the next batch — https://docs.aws.amazon.com/lambda/latest/api/API_UpdateEventSourceMapping.html";
    pub const RECREATE: &str = "mapping deleted and created again: new StartingPosition, fresh checkpoints; expired records cannot come back — https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html";
    pub const WINDOW_FINAL: &str = "tumbling window end: a final invocation with isFinalInvokeForWindow — https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html";
    pub const WINDOW_EARLY: &str = "tumbling window state above 1 MB: the window is terminated early (isWindowTerminatedEarly) and continues with fresh state — https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html";
}
