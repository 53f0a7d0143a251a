//! Firehose's CloudWatch metrics, under their names (namespace `AWS/Firehose`).
//! Firehose publishes every 5 minutes; the playground keeps the run's metric
//! period so the charts line up with the stream's.
//! Source: <https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html>

use crate::scenario::FirehoseDestination;

/// `DataReadFromKinesisStream.Records` (Sum).
pub const READ_RECORDS: &str = "DataReadFromKinesisStream.Records";
/// `DataReadFromKinesisStream.Bytes` (Sum).
pub const READ_BYTES: &str = "DataReadFromKinesisStream.Bytes";
/// `KinesisMillisBehindLatest` (Maximum, ms).
pub const MILLIS_BEHIND: &str = "KinesisMillisBehindLatest";
/// `ExecuteProcessing.Success` (successful invocations over all, in percent).
pub const PROCESSING_SUCCESS: &str = "ExecuteProcessing.Success";
/// `ExecuteProcessing.Duration` (Maximum, ms).
pub const PROCESSING_DURATION: &str = "ExecuteProcessing.Duration";
/// `SucceedProcessing.Records` (Sum).
pub const PROCESSING_RECORDS: &str = "SucceedProcessing.Records";
/// `BackupToS3.Records` (Sum): records written to the S3 backup or error prefix.
pub const BACKUP_RECORDS: &str = "BackupToS3.Records";
/// `BackupToS3.Success` (successful S3 writes over all, in percent).
pub const BACKUP_SUCCESS: &str = "BackupToS3.Success";

/// The destination's own metrics: `DeliveryTo….DataFreshness` (Maximum, s, the
/// age of the oldest record in Firehose), `.Success` (successful requests over
/// all, in percent; CloudWatch shows the ratio 0–1), `.Records` and `.Bytes` (Sum).
pub struct DeliveryMetrics {
    pub freshness: &'static str,
    pub success: &'static str,
    pub records: &'static str,
    pub bytes: &'static str,
}

/// Each metric's name per destination, in the order of `FIREHOSE_DESTINATIONS`
/// (S3, OpenSearch, Redshift, HTTP endpoint).
pub const FRESHNESS: [&str; 4] = [
    "DeliveryToS3.DataFreshness",
    "DeliveryToAmazonOpenSearchService.DataFreshness",
    "DeliveryToRedshift.DataFreshness",
    "DeliveryToHttpEndpoint.DataFreshness",
];
const SUCCESS: [&str; 4] = [
    "DeliveryToS3.Success",
    "DeliveryToAmazonOpenSearchService.Success",
    "DeliveryToRedshift.Success",
    "DeliveryToHttpEndpoint.Success",
];
const RECORDS: [&str; 4] = [
    "DeliveryToS3.Records",
    "DeliveryToAmazonOpenSearchService.Records",
    "DeliveryToRedshift.Records",
    "DeliveryToHttpEndpoint.Records",
];
const BYTES: [&str; 4] = [
    "DeliveryToS3.Bytes",
    "DeliveryToAmazonOpenSearchService.Bytes",
    "DeliveryToRedshift.Bytes",
    "DeliveryToHttpEndpoint.Bytes",
];

/// The metric names of a destination.
pub fn delivery(d: FirehoseDestination) -> DeliveryMetrics {
    let i = match d {
        FirehoseDestination::S3 => 0,
        FirehoseDestination::OpenSearch => 1,
        FirehoseDestination::Redshift => 2,
        FirehoseDestination::HttpEndpoint => 3,
    };
    DeliveryMetrics {
        freshness: FRESHNESS[i],
        success: SUCCESS[i],
        records: RECORDS[i],
        bytes: BYTES[i],
    }
}

/// A success ratio per metric period: successes and attempts in the current
/// period, written as the period's last value (in percent) at every attempt.
#[derive(Clone, Debug, Default)]
pub struct Ratio {
    period: Option<u64>,
    ok: u64,
    all: u64,
}

impl Ratio {
    /// Counts one attempt in `period`; returns the period's ratio in percent.
    pub fn note(&mut self, period: u64, ok: bool) -> u64 {
        if self.period != Some(period) {
            *self = Ratio {
                period: Some(period),
                ok: 0,
                all: 0,
            };
        }
        self.all += 1;
        self.ok += u64::from(ok);
        self.ok * 100 / self.all
    }
}
