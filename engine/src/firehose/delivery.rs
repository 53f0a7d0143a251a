//! Delivering a closed buffer (a batch): attempts to the destination, the
//! retry window of each destination, and the S3 writes of what failed.
//!
//! - S3: no retry option; with a Kinesis source Firehose retries indefinitely,
//!   bounded by the stream's retention.
//! - OpenSearch and Redshift: `RetryOptions.DurationInSeconds` counts from the
//!   first attempt, the first attempt included; 0 means no retry.
//! - HTTP endpoint: the window starts after the first attempt fails.
//! - Then OpenSearch failures go to `AmazonOpenSearchService-failed/`, HTTP ones to
//!   `http-endpoint-failed/`, and Redshift skips the batch and writes a manifest
//!   to `errors/`. Transform failures go to `processing-failed/` (or to the S3
//!   destination's `ErrorOutputPrefix`).
//! - If neither the destination nor S3 takes the data, delivery pauses.
//!
//! Source: <https://docs.aws.amazon.com/firehose/latest/dev/retry.html>,
//! `API_AmazonopensearchserviceRetryOptions`, `API_RedshiftRetryOptions`,
//! `API_HttpEndpointRetryOptions`.

use super::buffer::{SegKind, Segment};
use crate::scenario::FirehoseDestination;
use crate::time::{SimDuration, SimTime};

/// Assumption: the delay between two attempts of a failing delivery or S3
/// write. AWS documents the retry window, not the cadence.
pub const RETRY_EVERY: SimDuration = SimDuration::from_secs(10);

/// Assumption: one S3 PUT of failed records (or of the all-data backup) takes
/// this long.
pub const S3_WRITE: SimDuration = SimDuration::from_millis(100);

/// Where a batch is in its delivery.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Waiting behind earlier batches.
    Queued,
    /// Being delivered to the destination.
    Destination,
    /// Its failed records (or its all-data backup) being written to S3.
    Backup,
}

/// A closed buffer on its way out.
#[derive(Clone, Debug)]
pub struct Batch {
    pub id: u64,
    pub segs: Vec<Segment>,
    pub opened_at: SimTime,
    pub flushed_at: SimTime,
    /// `size` or `interval`.
    pub trigger: &'static str,
    pub phase: Phase,
    pub attempts: u32,
    pub failed_attempts: u32,
    pub backup_attempts: u32,
    pub backup_failed: u32,
    pub first_attempt: Option<SimTime>,
    pub first_failure: Option<SimTime>,
    /// Whether the current attempt will fail (decided when it starts).
    pub failing: bool,
    /// The destination took the data.
    pub delivered: bool,
    /// The retry window ran out.
    pub gave_up: bool,
    /// Data records and bytes of the last attempt.
    pub sent_records: u64,
    pub sent_bytes: u64,
    /// Records that passed the stream's retention while the batch waited.
    pub expired: u64,
    /// HTTP: time spent waiting between retries (its window excludes response waits).
    pub retry_waited: SimDuration,
}

impl Batch {
    pub fn new(
        id: u64,
        segs: Vec<Segment>,
        opened_at: SimTime,
        now: SimTime,
        trigger: &'static str,
    ) -> Batch {
        Batch {
            id,
            segs,
            opened_at,
            flushed_at: now,
            trigger,
            phase: Phase::Queued,
            attempts: 0,
            failed_attempts: 0,
            backup_attempts: 0,
            backup_failed: 0,
            first_attempt: None,
            first_failure: None,
            failing: false,
            delivered: false,
            gave_up: false,
            sent_records: 0,
            sent_bytes: 0,
            expired: 0,
            retry_waited: SimDuration::ZERO,
        }
    }

    /// Records of kind `kind`.
    pub fn count(&self, pred: impl Fn(SegKind) -> bool) -> u64 {
        self.segs
            .iter()
            .filter(|s| pred(s.kind))
            .map(Segment::records)
            .sum()
    }

    /// True while the batch has failed and not yet got through: reading pauses.
    pub fn stalled(&self) -> bool {
        self.failed_attempts > 0 || self.backup_failed > 0
    }

    /// Drops the records below each shard's trim horizon (`trim(shard)`) that the
    /// batch still has to hand over: a Kinesis source bounds Firehose's retries by its
    /// retention. Once the destination took the data, only the failed records still
    /// waiting for their S3 write can be lost.
    pub fn drop_expired(&mut self, trim: impl Fn(crate::stream::ShardId) -> u64) {
        let delivered = self.delivered;
        // Usually nothing is near the trim horizon: the segments stay as they are, and no
        // new list is made (every step looks).
        if self
            .segs
            .iter()
            .all(|s| (delivered && !s.kind.failed()) || trim(s.shard) <= s.from())
        {
            return;
        }
        let mut kept = Vec::with_capacity(self.segs.len());
        for s in self.segs.drain(..) {
            if delivered && !s.kind.failed() {
                kept.push(s);
                continue;
            }
            let t = trim(s.shard);
            if t >= s.to() {
                self.expired += s.records();
            } else if t > s.from() {
                self.expired += t - s.from();
                kept.push(s.tail(t));
            } else {
                kept.push(s);
            }
        }
        self.segs = kept;
    }

    /// After a failed destination attempt ending at `now`: retry (at the
    /// returned time) or give up (`None`). OpenSearch and Redshift count the window
    /// from the first attempt, the first attempt included; an HTTP endpoint counts
    /// it from the first failure and leaves out the time spent waiting for a
    /// response, so only the waits between retries count.
    pub fn retry_at(
        &mut self,
        destination: FirehoseDestination,
        window: Option<u32>,
        now: SimTime,
    ) -> Option<SimTime> {
        let next = SimTime(now.0 + RETRY_EVERY.0);
        let Some(window) = window else {
            // S3: indefinitely (bounded by the source's retention).
            return Some(next);
        };
        let window = SimDuration::from_secs(u64::from(window));
        let used = match destination {
            FirehoseDestination::HttpEndpoint => self.retry_waited.0 + RETRY_EVERY.0,
            _ => next.0 - self.first_attempt.unwrap_or(now).0,
        };
        if window.0 == 0 || used >= window.0 {
            return None;
        }
        self.retry_waited = SimDuration(self.retry_waited.0 + RETRY_EVERY.0);
        Some(next)
    }

    /// How a finished batch ended: `delivered` (the destination took its data),
    /// `to_backup` (the retry window ran out), `errors_written` (it held no data for
    /// the destination, only failed records for S3) or `nothing_to_deliver` (only
    /// records the transform dropped).
    pub fn outcome(&self) -> &'static str {
        if self.gave_up {
            "to_backup"
        } else if self.delivered {
            "delivered"
        } else if self.count(SegKind::failed) > 0 {
            "errors_written"
        } else {
            "nothing_to_deliver"
        }
    }

    /// Turns the data records into delivery failures (the retry window ran out).
    pub fn give_up(&mut self) {
        self.gave_up = true;
        for s in &mut self.segs {
            if s.kind == SegKind::Data {
                s.kind = SegKind::DeliveryFailed;
            }
        }
    }
}

/// The S3 prefix of records that failed, by cause.
pub fn failed_prefix(
    destination: FirehoseDestination,
    kind: SegKind,
    error_output_prefix: Option<&str>,
) -> String {
    match (kind, destination) {
        (SegKind::ProcessingFailed, FirehoseDestination::S3) => {
            error_output_prefix.map_or_else(|| "processing-failed/".to_string(), str::to_string)
        }
        (SegKind::ProcessingFailed, _) => "processing-failed/".to_string(),
        (_, FirehoseDestination::OpenSearch) => "AmazonOpenSearchService-failed/".to_string(),
        (_, FirehoseDestination::HttpEndpoint) => "http-endpoint-failed/".to_string(),
        (_, FirehoseDestination::Redshift) => "errors/".to_string(),
        (_, FirehoseDestination::S3) => {
            error_output_prefix.map_or_else(|| "processing-failed/".to_string(), str::to_string)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch() -> Batch {
        let mut b = Batch::new(1, Vec::new(), SimTime::ZERO, SimTime::ZERO, "size");
        b.first_attempt = Some(SimTime::ZERO);
        b
    }

    #[test]
    fn opensearch_retries_within_the_window_from_the_first_attempt() {
        let mut b = batch();
        let os = FirehoseDestination::OpenSearch;
        // 300 s window: an attempt ending at 285 s retries at 295 s; one ending at 290 s gives up.
        assert_eq!(
            b.retry_at(os, Some(300), SimTime::from_secs(285)),
            Some(SimTime::from_secs(295))
        );
        assert_eq!(b.retry_at(os, Some(300), SimTime::from_secs(290)), None);
        assert_eq!(b.retry_at(os, Some(0), SimTime::from_secs(1)), None);
    }

    #[test]
    fn http_counts_only_the_waits_between_retries_and_s3_never_gives_up() {
        let mut b = batch();
        b.first_failure = Some(SimTime::from_secs(100));
        let http = FirehoseDestination::HttpEndpoint;
        // A 300 s window is 29 waits of 10 s (the 30th would reach 300 s), however long
        // each attempt waits for its response.
        let mut now = SimTime::from_secs(100);
        let mut retries = 0;
        while let Some(at) = b.retry_at(http, Some(300), now) {
            retries += 1;
            now = SimTime(at.0 + 600_000_000); // a 600 s response wait each time
        }
        assert_eq!(retries, 29);
        let s3 = FirehoseDestination::S3;
        assert!(b.retry_at(s3, None, SimTime::from_secs(90_000)).is_some());
    }
}
