//! Lambda's metrics for the mapping, as series in the trace (CloudWatch names
//! in the AWS/Lambda namespace): `Invocations`, `Errors`, `Throttles`
//! (sums), `ConcurrentExecutions` (maximum), `IteratorAge` (maximum) and the
//! playground's `OnFailureMessages` (sum).
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics.html>
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

use std::collections::BTreeMap;

use crate::time::SimTime;
use crate::trace::Stat;

/// Per-second accumulators of the Lambda metrics of one mapping.
#[derive(Clone, Debug, Default)]
pub struct LambdaSeries {
    /// metric → (statistic, value per second).
    pub values: BTreeMap<&'static str, (Stat, Vec<u64>)>,
}

impl LambdaSeries {
    /// Adds an observation at `t` (1 s periods).
    pub fn add(&mut self, t: SimTime, metric: &'static str, stat: Stat, v: u64) {
        let i = (t.0 / 1_000_000) as usize;
        let e = self.values.entry(metric).or_insert((stat, Vec::new()));
        if e.1.len() <= i {
            e.1.resize(i + 1, 0);
        }
        match stat {
            Stat::Sum => e.1[i] += v,
            Stat::Maximum => e.1[i] = e.1[i].max(v),
            Stat::Last => e.1[i] = v,
        }
    }
}
