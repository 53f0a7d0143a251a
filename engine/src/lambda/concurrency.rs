//! Function concurrency: `ReservedConcurrentExecutions` and the account's
//! 1,000 concurrent executions. An invocation that would go above the limit is
//! throttled — a "before invocation" error, retried without using up retry
//! attempts.
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>
//!
//! Assumption: each Lambda consumer of a scenario is a function in its own
//! account (the account's 1,000 is not shared between consumers), and burst
//! limits are not modelled.

use crate::scenario::FunctionConfig;

/// The account's default concurrency quota per region.
/// Source: <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>
pub const ACCOUNT_CONCURRENCY: u64 = 1_000;

/// Label for the trace.
pub const ASSUMPTION: &str =
    "each Lambda consumer has the account's 1,000 concurrent executions to itself; no burst limit";

/// Running invocations of one function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Concurrency {
    /// Invocations running now. (The most at once is `ConcurrentExecutions`'s
    /// maximum, taken from the mapping's gauge: `LambdaMapping::held`.)
    pub running: u64,
}

impl Concurrency {
    /// The function's limit.
    pub fn limit(f: &FunctionConfig) -> u64 {
        f.reserved_concurrent_executions
            .map_or(ACCOUNT_CONCURRENCY, |r| {
                u64::from(r).min(ACCOUNT_CONCURRENCY)
            })
    }

    /// Tries to start an invocation; false means throttled.
    pub fn try_start(&mut self, limit: u64) -> bool {
        if self.running >= limit {
            return false;
        }
        self.running += 1;
        true
    }

    /// An invocation ended.
    pub fn end(&mut self) {
        self.running = self.running.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_concurrency_throttles_above_it() {
        let f = FunctionConfig {
            reserved_concurrent_executions: Some(2),
            ..FunctionConfig::default()
        };
        let mut c = Concurrency::default();
        let l = Concurrency::limit(&f);
        assert!(c.try_start(l) && c.try_start(l));
        assert!(!c.try_start(l));
        c.end();
        assert!(c.try_start(l));
        assert_eq!(c.running, 2);
        assert_eq!(Concurrency::limit(&FunctionConfig::default()), 1_000);
    }
}
