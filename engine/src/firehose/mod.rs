//! Amazon Data Firehose with the Kinesis data stream as its source, as a
//! consumer of the engine's stream: it reads every shard once a second from
//! LATEST, optionally runs the records through a transform Lambda, buffers them
//! by size or time, delivers each buffer to its destination, retries failures
//! for the destination's retry window, writes what failed to S3, and stalls
//! when neither the destination nor S3 takes the data — while the stream's
//! retention keeps ageing what it has not delivered.
//! Facts: `reference/firehose-and-glue.md` Part 1 and §3–4; each rule cites its
//! AWS page where it is modelled; every undocumented choice is named
//! "Assumption:" in the code and on the trace event (`assumption`).
//!
//! Files, after Firehose's concepts: [`delivery_stream`] (the consumer: reading
//! the source, the two buffers, timers), [`buffer`] (`BufferingHints`),
//! [`transform`] (the Lambda processor), [`delivery`] (delivery attempts, the
//! retry window, backup and error prefixes), [`metrics`] (CloudWatch names).

pub mod buffer;
pub mod delivery;
pub mod delivery_stream;
pub mod metrics;
pub mod transform;

pub use delivery_stream::DeliveryStream;

use serde::Serialize;

/// A Firehose event in the trace (`"type": "Firehose"`): one per delivered
/// buffer (a batch), per transform invocation and per outage. Times are ms
/// since the start of the run. Fields that do not apply are left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FirehoseEvent {
    /// `delivery` (a buffer's whole story, written when it ends), `transform`
    /// (one Lambda invocation), `destination_outage`, `backup_outage`.
    pub what: &'static str,
    /// `s3`, `opensearch`, `redshift`, `http_endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<&'static str>,
    /// The batch (buffer) or invocation number, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
    /// Records in the buffer or invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<u64>,
    /// Bytes that count against `SizeInMBs` (or the transform's `BufferSizeInMBs`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// When the buffer received its first record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buffer_opened_ms: Option<u64>,
    /// When the buffer was closed for delivery.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flushed_ms: Option<u64>,
    /// What closed it: `size`, `interval` or `end` (still open when the run ended).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<&'static str>,
    /// Delivery attempts made to the destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Of those, failed ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_attempts: Option<u32>,
    /// Writes to S3 (error prefix or backup bucket), failed ones included.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_attempts: Option<u32>,
    /// When the first attempt failed: from then on reading is paused (the stall).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stalled_from_ms: Option<u64>,
    /// Delivery: `delivered`, `to_backup` (retry window used up),
    /// `errors_written` (no data for the destination, only failed records for
    /// S3), `nothing_to_deliver` (only records the transform dropped), `expired`
    /// (every record passed the stream's retention first), `in_progress` (at the
    /// end of the run). Transform: `success`, `error`, `timeout`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// Records the destination received.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_records: Option<u64>,
    /// Records written to an S3 error prefix or backup location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup_records: Option<u64>,
    /// Records the transform returned `ProcessingFailed` for (or all, after its retries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processing_failed_records: Option<u64>,
    /// Records the transform returned `Dropped` for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dropped_records: Option<u64>,
    /// Documents OpenSearch rejected as malformed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub malformed_records: Option<u64>,
    /// Records that passed the stream's retention while the batch waited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_records: Option<u64>,
    /// Where failed records went (`processing-failed/`, `AmazonOpenSearchService-failed/`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// How long it took: the invocation, or the delivery from flush to done.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Transform: the attempt (1 = first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// Transform: what follows a failure: `retry` or `processing_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow: Option<&'static str>,
    /// Outages: when it ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<u64>,
    /// The rule, in a few words, with the AWS page that states it.
    pub why: &'static str,
    /// The assumption this event rests on, when AWS does not document it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumption: Option<&'static str>,
}

/// The `firehose` block of a Firehose consumer's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FirehoseSummary {
    /// Buffers delivered to the destination.
    pub delivery_batches: u64,
    /// Records the destination received (a record sent again after a failed
    /// attempt counts once per successful delivery).
    pub delivered_records: u64,
    /// Bytes the destination received.
    pub delivered_bytes: u64,
    /// Delivery attempts that failed.
    pub failed_delivery_attempts: u64,
    /// Records written to S3 as failed (error prefix, `*-failed/`, `errors/`)
    /// or as an all-data backup.
    pub records_to_backup: u64,
    /// Records the transform failed (ProcessingFailed, or its invocation failed
    /// after every retry): written to `processing-failed/`.
    pub records_processing_failed: u64,
    /// Records the transform returned `Dropped` (a success: processed).
    pub records_dropped_by_transform: u64,
    /// Highest `DataFreshness`: the age of the oldest record in Firehose.
    pub max_data_freshness_ms: u64,
}

/// AWS pages cited by `why` strings.
pub(crate) mod why {
    pub const DELIVERED: &str = "buffer delivered: Firehose flushes when the buffer reaches SizeInMBs or IntervalInSeconds after its first record, whichever comes first — https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html";
    pub const S3_RETRY: &str = "S3 delivery failed: with a Kinesis source Firehose retries indefinitely, bounded by the stream's retention; reading pauses meanwhile — https://docs.aws.amazon.com/firehose/latest/dev/retry.html";
    pub const TO_BACKUP: &str = "retry window (RetryOptions.DurationInSeconds) used up: the batch is written to the S3 backup under the failed prefix — https://docs.aws.amazon.com/firehose/latest/dev/retry.html";
    pub const REDSHIFT_SKIPPED: &str = "RetryOptions.DurationInSeconds used up: Firehose skips the batch of S3 objects and writes a manifest to errors/ for a manual COPY — https://docs.aws.amazon.com/firehose/latest/dev/retry.html";
    pub const EXPIRED: &str = "the batch's records passed the stream's retention while Firehose retried: a Kinesis source bounds the retries by its retention — https://docs.aws.amazon.com/firehose/latest/dev/troubleshooting.html";
    pub const TRANSFORM: &str = "transform Lambda: invoked synchronously per buffer; each record comes back Ok, Dropped (a success) or ProcessingFailed — https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html";
    pub const TRANSFORM_RETRY: &str = "transform invocation failed: retried NumberOfRetries times (default 3), then the whole batch is ProcessingFailed and goes to processing-failed/ — https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html";
    pub const MALFORMED: &str = "OpenSearch rejected a malformed document: it goes to the AmazonOpenSearchService-failed/ prefix of the S3 backup — https://docs.aws.amazon.com/firehose/latest/APIReference/API_AmazonopensearchserviceDestinationConfiguration.html";
    pub const DESTINATION_OUTAGE: &str = "destination outage: every request to the destination fails until it ends — https://docs.aws.amazon.com/firehose/latest/dev/retry.html";
    pub const BACKUP_OUTAGE: &str = "S3 backup outage: if Firehose can write neither to the destination nor to the backup bucket, it pauses delivery — https://docs.aws.amazon.com/firehose/latest/dev/retry.html";
    pub const IN_PROGRESS: &str = "still being delivered when the run ended";
}

/// Assumptions named on trace events (AWS documents none of these).
pub(crate) mod assumption {
    pub const RETRY_CADENCE: &str = "a failed delivery or S3 write is retried every 10 s (AWS documents the retry window, not the cadence); batches are delivered in order, one at a time, and while one is failing Firehose reads no further from the source";
    pub const TRANSFORM_RETRY: &str =
        "a failed transform invocation is retried at once (AWS documents the count, not the delay)";
    pub const MALFORMED: &str =
        "a malformed document is rejected at once and not retried, since a retry cannot succeed";
    pub const ERRORS_WITH_BATCH: &str = "a buffer's failed records (and, with the all-data S3BackupMode, a copy of its delivered records) are written to S3 right after its delivery; the batch is done, and Firehose reads on, only when that write succeeds";
}
