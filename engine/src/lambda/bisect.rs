//! `BisectBatchOnFunctionError`: on a function error, split the failed batch
//! in two and retry each half separately; splitting does not consume the retry
//! quota, and `BatchSize` does not change.
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>,
//! <https://docs.amazonaws.cn/en_us/lambda/latest/dg/kinesis-on-failure-destination.md>
//!
//! Halving repeats on the half that fails, down to a single record (documented
//! for EventBridge Pipes' AUTOMATIC_BISECT, "in half until batch size 1";
//! the Lambda docs imply it).
//!
//! Assumption (AWS does not say how MaximumRetryAttempts counts across
//! halves): each half starts its own count of retry attempts at 0; a failure
//! of a piece of more than one record is answered by halving (no retry
//! attempt used, no back-off); a failure of a single record uses a retry
//! attempt. So with MaximumRetryAttempts 0 a lone poison record in a batch of
//! 100 costs one failed invocation per halving plus one, and only it is
//! discarded. The halves are processed in order: the first half, then the
//! second, so per-key order holds.

use super::batch::Batch;

/// Label for the trace.
pub const ASSUMPTION: &str = "halving uses no retry attempt and no back-off; each half counts its own retries from 0; a single failing record uses retries";

/// True if a failed piece of `batch` is halved rather than retried.
pub fn should_bisect(enabled: bool, batch: &Batch) -> bool {
    enabled && batch.records() > 1
}

/// Number of halvings needed to isolate one record in a batch of `n`
/// (`⌈log2 n⌉`): the failed invocations of a lone poison record with
/// MaximumRetryAttempts 0 are this plus one.
pub fn halvings_to_isolate(n: u64) -> u32 {
    if n <= 1 {
        0
    } else {
        64 - (n - 1).leading_zeros()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halvings() {
        assert_eq!(halvings_to_isolate(1), 0);
        assert_eq!(halvings_to_isolate(2), 1);
        assert_eq!(halvings_to_isolate(100), 7);
        assert_eq!(halvings_to_isolate(128), 7);
        assert_eq!(halvings_to_isolate(129), 8);
    }
}
