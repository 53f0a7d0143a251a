//! `FunctionResponseTypes: ["ReportBatchItemFailures"]` (partial batch
//! response). Source for every rule here:
//! <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html>
//!
//! - The function returns `{"batchItemFailures":[{"itemIdentifier":"<seq>"}]}`;
//!   Lambda checkpoints at the **lowest** reported sequence number and retries
//!   every record from there on, including later records that had succeeded
//!   (they are redelivered).
//! - An empty or null `batchItemFailures`, or an empty response, is a complete
//!   success; an `itemIdentifier` that is empty, null or under a wrong key is a
//!   complete failure (modelled by `handler.item_failures: "malformed"`).
//! - A response is ignored unless the mapping turns the feature on.
//! - With BisectBatchOnFunctionError also on, a partial-failure response
//!   splits the batch at the returned sequence number and only the remaining
//!   records are retried; a thrown error still bisects.
//!
//! Derived (labelled in the UI): a partial failure counts as one retry
//! attempt (the docs say failures are retried under the normal retry policy
//! but not whether a partial one uses up an attempt).

/// Label for the trace.
pub const ASSUMPTION: &str =
    "a partial batch failure counts as one retry attempt (derived, not stated by AWS)";

/// Where a partial failure puts the checkpoint of a piece `[lo, hi)`: the
/// lowest reported sequence number, clamped into the piece.
pub fn checkpoint(lo: u64, hi: u64, lowest_reported: u64) -> u64 {
    lowest_reported.clamp(lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoint_is_the_lowest_reported() {
        assert_eq!(checkpoint(100, 200, 150), 150);
        assert_eq!(checkpoint(100, 200, 100), 100);
        assert_eq!(checkpoint(100, 200, 999), 200);
    }
}
