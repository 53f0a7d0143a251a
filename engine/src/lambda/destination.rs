//! `DestinationConfig.OnFailure`: one message per discarded batch.
//!
//! SQS and SNS receive metadata only — `KinesisBatchInfo{shardId,
//! startSequenceNumber, endSequenceNumber, approximateArrivalOfFirstRecord,
//! approximateArrivalOfLastRecord, batchSize, streamArn}` and
//! `requestContext{condition, approximateInvokeCount}`; the records must be
//! re-read from the stream before they expire. S3 also receives the
//! invocation payload (the records).
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>,
//! <https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md>
//!
//! Without a destination the discarded records are simply skipped (counted
//! as `discarded`). Source: <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>

use serde::Serialize;

use crate::scenario::DestinationKind;

/// Why a batch was discarded (`requestContext.condition`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Condition {
    /// MaximumRetryAttempts used up. Documented value.
    RetryAttemptsExhausted,
    /// A record older than MaximumRecordAgeInSeconds. Assumption: AWS's value
    /// is not in its docs; the name follows the floci emulator
    /// (<https://github.com/floci-io/floci/pull/3613>); LocalStack uses
    /// `RecordAgeExpired`.
    MaximumRecordAgeExceeded,
}

impl Condition {
    /// The condition string.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::RetryAttemptsExhausted => "RetryAttemptsExhausted",
            Condition::MaximumRecordAgeExceeded => "MaximumRecordAgeExceeded",
        }
    }

    /// The assumption label, if the value is not documented.
    pub fn assumption(self) -> Option<&'static str> {
        match self {
            Condition::RetryAttemptsExhausted => None,
            Condition::MaximumRecordAgeExceeded => Some(
                "condition string for age discards is undocumented; named after the floci emulator",
            ),
        }
    }
}

/// What the destination receives.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Carries {
    /// Metadata only (SQS, SNS).
    MetadataOnly,
    /// Metadata and the records (S3).
    MetadataAndRecords,
}

/// What a destination of `kind` receives.
pub fn carries(kind: DestinationKind) -> Carries {
    match kind {
        DestinationKind::Sqs | DestinationKind::Sns => Carries::MetadataOnly,
        DestinationKind::S3 => Carries::MetadataAndRecords,
    }
}

/// The destination kind's short name.
pub fn kind_name(kind: DestinationKind) -> &'static str {
    match kind {
        DestinationKind::Sqs => "sqs",
        DestinationKind::Sns => "sns",
        DestinationKind::S3 => "s3",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqs_and_sns_get_metadata_s3_gets_records() {
        assert_eq!(carries(DestinationKind::Sqs), Carries::MetadataOnly);
        assert_eq!(carries(DestinationKind::Sns), Carries::MetadataOnly);
        assert_eq!(carries(DestinationKind::S3), Carries::MetadataAndRecords);
        assert!(Condition::RetryAttemptsExhausted.assumption().is_none());
        assert!(Condition::MaximumRecordAgeExceeded.assumption().is_some());
    }
}
