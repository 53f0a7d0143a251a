//! Lambda's metrics for the mapping, as series in the trace (CloudWatch names
//! in the AWS/Lambda namespace): `Invocations`, `Errors`, `Throttles`
//! (sums), `ConcurrentExecutions` (maximum), `IteratorAge` (maximum) and the
//! playground's `OnFailureMessages` (sum).
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html>
//!
//! `ConcurrentExecutions` (Maximum) is, for each period, the largest number of
//! invocations running at any instant of it (an invocation runs on
//! `[start, end)`, so one ending when another starts does not overlap it); a
//! period in which something runs has a value even if no invocation starts
//! in it.
//!
//! `IteratorAge`: AWS gives two definitions (reference §2.8). This model uses
//! the monitoring page's: the age of the last record in the batch, from when
//! the stream received it to when the mapping sends the batch to the function
//! (at invocation start, retries included). The same value feeds the
//! consumer's `max_iterator_age_ms`.

/// `Invocations`.
pub const INVOCATIONS: &str = "Invocations";
/// `Errors`.
pub const ERRORS: &str = "Errors";
/// `Throttles`.
pub const THROTTLES: &str = "Throttles";
/// `ConcurrentExecutions`.
pub const CONCURRENT_EXECUTIONS: &str = "ConcurrentExecutions";
/// `IteratorAge` (Lambda's, ms).
pub const ITERATOR_AGE: &str = "IteratorAge";
/// OnFailure messages sent (playground metric).
pub const ON_FAILURE_MESSAGES: &str = "OnFailureMessages";
