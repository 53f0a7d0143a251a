//! The batch failure state machine of one lane: invoke, then checkpoint,
//! retry, bisect or discard. Pure: no kernel, no time source; the mapping
//! drives it.
//!
//! Rules and sources:
//! - Default: on a function error the whole batch is retried until it succeeds
//!   or its records expire; the shard (the lane) waits meanwhile.
//!   <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>
//! - `MaximumRetryAttempts` (−1 = infinite, 0–10,000): after 1 + N failed
//!   invocations the batch is discarded. `MaximumRecordAgeInSeconds` (−1, or
//!   60–604,800): a batch holding an older record is discarded.
//!   <https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html>
//! - Throttles are "before invocation" errors: retried without using retry
//!   attempts; only age or expiry ends them.
//!   <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>
//! - Bisection: [`super::bisect`]; partial failures: [`super::item_failures`].
//!
//! Assumption (the retry delay of stream mappings is undocumented): retries
//! wait 1 s, doubling after each consecutive failure, capped at 60 s; the
//! same delays after consecutive throttles. Prior art: the floci emulator's
//! exponential back-off capped at 60 s (<https://github.com/floci-io/floci/pull/3613>).

use std::collections::VecDeque;

use crate::scenario::EventSourceMapping;
use crate::time::{SimDuration, SimTime};

use super::batch::Batch;
use super::bisect;
use super::destination::Condition;
use super::handler::Response;
use super::item_failures;

/// Label for the trace.
pub const BACKOFF_ASSUMPTION: &str =
    "retry delay undocumented: 1 s doubling per consecutive failure, capped at 60 s";

/// The first retry delay.
pub const BACKOFF_BASE: SimDuration = SimDuration::from_secs(1);
/// The longest retry delay.
pub const BACKOFF_CAP: SimDuration = SimDuration::from_secs(60);

/// The delay before the `n`-th consecutive retry (n ≥ 1).
pub fn backoff(n: u32) -> SimDuration {
    let shift = n.saturating_sub(1).min(16);
    SimDuration((BACKOFF_BASE.0 << shift).min(BACKOFF_CAP.0))
}

/// The error-handling settings of a mapping.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// `MaximumRetryAttempts` (`None`: −1).
    pub max_retry: Option<u32>,
    /// `MaximumRecordAgeInSeconds` (`None`: −1).
    pub max_age: Option<SimDuration>,
    /// `BisectBatchOnFunctionError`.
    pub bisect: bool,
}

impl Policy {
    /// The policy of `esm`.
    pub fn of(esm: &EventSourceMapping) -> Policy {
        Policy {
            max_retry: esm.maximum_retry_attempts,
            max_age: esm
                .maximum_record_age_in_seconds
                .map(|s| SimDuration::from_secs(u64::from(s))),
            bisect: esm.bisect_batch_on_function_error,
        }
    }
}

/// What became of records `[lo, hi)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Processed successfully.
    Processed,
    /// Discarded (with the number of invocations that saw them).
    Discarded(Condition, u32),
    /// Trimmed by retention before they were processed (the kernel counts them).
    Expired,
}

impl Disposition {
    /// How the consumer's ledger records it; None for expired records, which the kernel
    /// counts itself.
    pub fn outcome(&self) -> Option<crate::consumer::Outcome> {
        match self {
            Disposition::Processed => Some(crate::consumer::Outcome::Processed),
            Disposition::Discarded(..) => Some(crate::consumer::Outcome::Discarded),
            Disposition::Expired => None,
        }
    }
}

/// Records `[lo, hi)` of the lane's shard and what became of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settlement {
    /// The records (as a batch, for OnFailure metadata).
    pub batch: Batch,
    /// What became of them.
    pub disposition: Disposition,
}

/// What the lane does after a result.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Follow {
    /// Checkpoint past the piece and go on.
    Checkpoint,
    /// Retry the same records after a delay.
    Retry,
    /// Halve the piece and invoke the first half now.
    Bisect,
    /// Checkpoint at the lowest reported failure and retry from there.
    PartialRetry,
    /// Give up on the piece (OnFailure message if configured).
    Discard,
}

/// When to invoke next.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Invoke the next piece now.
    Now,
    /// Invoke it after this delay.
    After(SimDuration),
    /// The job is finished.
    Done,
}

/// One lane's batch and the pieces it was split into.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Pieces still to process, in sequence order; the front one is current.
    pub pieces: VecDeque<Batch>,
    /// Retry attempts used by the front piece.
    pub retries: u32,
    /// Invocations that reached the function with the front piece's records
    /// (`approximateInvokeCount`).
    pub invoke_count: u32,
    /// Consecutive throttles of the front piece.
    pub throttles: u32,
}

impl Job {
    /// A job for `batch`.
    pub fn new(batch: Batch) -> Job {
        let mut pieces = VecDeque::new();
        if batch.records() > 0 {
            pieces.push_back(batch);
        }
        Job {
            pieces,
            retries: 0,
            invoke_count: 0,
            throttles: 0,
        }
    }

    /// Makes this a new job for `batch` (as [`Job::new`], keeping the allocation).
    pub fn reset(&mut self, batch: Batch) {
        self.pieces.clear();
        if batch.records() > 0 {
            self.pieces.push_back(batch);
        }
        self.retries = 0;
        self.invoke_count = 0;
        self.throttles = 0;
    }

    /// The current piece.
    pub fn front(&self) -> Option<&Batch> {
        self.pieces.front()
    }

    /// True when every piece is settled.
    pub fn is_done(&self) -> bool {
        self.pieces.is_empty()
    }

    fn pop(&mut self) {
        self.pieces.pop_front();
        self.retries = 0;
        self.invoke_count = 0;
        self.throttles = 0;
    }

    /// Before an invocation: records below the trim horizon are gone (the
    /// iterator lands on the oldest untrimmed record); a piece holding a record
    /// older than `MaximumRecordAgeInSeconds` is discarded. Returns true if a
    /// piece is left to invoke.
    pub fn prepare(
        &mut self,
        now: SimTime,
        trim_seq: u64,
        policy: &Policy,
        out: &mut Vec<Settlement>,
    ) -> bool {
        while let Some(front) = self.pieces.front() {
            if front.lo < trim_seq {
                let gone = front.slice(front.lo, trim_seq);
                let rest = front.slice(trim_seq, front.hi());
                out.push(Settlement {
                    batch: gone,
                    disposition: Disposition::Expired,
                });
                if rest.records() == 0 {
                    self.pop();
                    continue;
                }
                self.pieces[0] = rest;
            }
            let front = &self.pieces[0];
            if let (Some(max), Some(first)) = (policy.max_age, front.first_arrival()) {
                if now.0.saturating_sub(first.0) > max.0 {
                    out.push(Settlement {
                        batch: front.clone(),
                        disposition: Disposition::Discarded(
                            Condition::MaximumRecordAgeExceeded,
                            self.invoke_count,
                        ),
                    });
                    self.pop();
                    continue;
                }
            }
            return true;
        }
        false
    }

    /// The invocation was throttled (before invocation): retry later, no
    /// retry attempt used.
    pub fn throttled(&mut self) -> Next {
        self.throttles += 1;
        Next::After(backoff(self.throttles))
    }

    /// Applies the function's `response` to the front piece.
    pub fn result(
        &mut self,
        response: Response,
        policy: &Policy,
        out: &mut Vec<Settlement>,
    ) -> (Follow, Next) {
        if self.pieces.is_empty() {
            return (Follow::Checkpoint, Next::Done);
        }
        self.invoke_count += 1;
        self.throttles = 0;
        if response == Response::Success {
            if let Some(batch) = self.pieces.pop_front() {
                out.push(Settlement {
                    batch,
                    disposition: Disposition::Processed,
                });
            }
            self.retries = 0;
            self.invoke_count = 0;
            return (Follow::Checkpoint, self.next_now());
        }
        let front = self.pieces[0].clone();
        let follow = match response {
            Response::Success => {
                out.push(Settlement {
                    batch: front,
                    disposition: Disposition::Processed,
                });
                self.pop();
                return (Follow::Checkpoint, self.next_now());
            }
            Response::ItemFailures { lowest } => {
                let cp = item_failures::checkpoint(front.lo, front.hi(), lowest);
                if cp > front.lo {
                    out.push(Settlement {
                        batch: front.slice(front.lo, cp),
                        disposition: Disposition::Processed,
                    });
                }
                if cp >= front.hi() {
                    self.pop();
                    return (Follow::Checkpoint, self.next_now());
                }
                self.pieces[0] = front.slice(cp, front.hi());
                Follow::PartialRetry
            }
            Response::Error(_) => {
                if bisect::should_bisect(policy.bisect, &front) {
                    let (a, b) = front.halves();
                    self.pieces.pop_front();
                    self.pieces.push_front(b);
                    self.pieces.push_front(a);
                    self.retries = 0;
                    self.invoke_count = 0;
                    return (Follow::Bisect, Next::Now);
                }
                Follow::Retry
            }
        };
        self.retries += 1;
        if policy.max_retry.is_some_and(|m| self.retries > m) {
            let batch = self.pieces[0].clone();
            out.push(Settlement {
                batch,
                disposition: Disposition::Discarded(
                    Condition::RetryAttemptsExhausted,
                    self.invoke_count,
                ),
            });
            self.pop();
            return (Follow::Discard, self.next_now());
        }
        (follow, Next::After(backoff(self.retries)))
    }

    fn next_now(&self) -> Next {
        if self.pieces.is_empty() {
            Next::Done
        } else {
            Next::Now
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lambda::handler::FunctionError;

    use crate::lambda::batch::test_batch as batch;

    fn respond(b: &Batch, rbif: bool) -> Response {
        match b.first_poison() {
            Some(p) if rbif => Response::ItemFailures { lowest: p },
            Some(_) => Response::Error(FunctionError::Poison),
            None => Response::Success,
        }
    }

    /// Drives a job to the end with a poison-aware handler; returns
    /// (failed invocations, invocations, settlements).
    fn drive(mut job: Job, policy: Policy, rbif: bool, cap: u32) -> (u32, u32, Vec<Settlement>) {
        let (f, i, _, out) = drive_b(&mut job, policy, rbif, cap);
        (f, i, out)
    }

    fn drive_b(
        job: &mut Job,
        policy: Policy,
        rbif: bool,
        cap: u32,
    ) -> (u32, u32, u32, Vec<Settlement>) {
        let mut out = Vec::new();
        let (mut failed, mut inv, mut halvings) = (0, 0, 0);
        while inv < cap && job.prepare(SimTime(0), 0, &policy, &mut out) {
            let r = respond(job.front().unwrap(), rbif);
            inv += 1;
            if r != Response::Success {
                failed += 1;
            }
            let (follow, next) = job.result(r, &policy, &mut out);
            if follow == Follow::Bisect {
                halvings += 1;
            }
            if next == Next::Done {
                break;
            }
        }
        (failed, inv, halvings, out)
    }

    fn count(out: &[Settlement], f: impl Fn(&Disposition) -> bool) -> u64 {
        out.iter()
            .filter(|s| f(&s.disposition))
            .map(|s| s.batch.records())
            .sum()
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let s: Vec<u64> = (1..=8).map(|n| backoff(n).as_millis() / 1000).collect();
        assert_eq!(s, vec![1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(1_000), BACKOFF_CAP);
    }

    #[test]
    fn max_retry_2_gives_three_failed_invocations_then_discard() {
        let p = Policy {
            max_retry: Some(2),
            max_age: None,
            bisect: false,
        };
        let (failed, inv, out) = drive(Job::new(batch(100, Some(5))), p, false, 100);
        assert_eq!((failed, inv), (3, 3));
        assert_eq!(out.len(), 1);
        assert_eq!(
            out[0].disposition,
            Disposition::Discarded(Condition::RetryAttemptsExhausted, 3)
        );
        assert_eq!(out[0].batch.records(), 100);
    }

    #[test]
    fn default_retries_forever() {
        let p = Policy {
            max_retry: None,
            max_age: None,
            bisect: false,
        };
        let (failed, _, out) = drive(Job::new(batch(100, Some(5))), p, false, 500);
        assert_eq!(failed, 500);
        assert!(out.is_empty());
    }

    #[test]
    fn bisect_isolates_the_poison_record() {
        let p = Policy {
            max_retry: Some(0),
            max_age: None,
            bisect: true,
        };
        let (failed, _, halvings, out) =
            drive_b(&mut Job::new(batch(100, Some(37))), p, false, 1000);
        // 100 → 50 → 25 → 13 → 6 → 3 → 1 (seq 37 sits in [25, 50), then
        // [25, 38), [32, 38), [35, 38), [37, 38)): 6 halvings.
        assert_eq!(halvings, 6);
        assert!(halvings <= bisect::halvings_to_isolate(100));
        assert_eq!(failed, halvings + 1);
        let discarded = count(&out, |d| matches!(d, Disposition::Discarded(..)));
        let processed = count(&out, |d| *d == Disposition::Processed);
        assert_eq!((discarded, processed), (1, 99));
        // Settlements tile the batch in order.
        let mut at = 0;
        for s in &out {
            assert_eq!(s.batch.lo, at);
            at = s.batch.hi();
        }
        assert_eq!(at, 100);
    }

    #[test]
    fn partial_failure_checkpoints_at_the_lowest_and_counts_a_retry() {
        let p = Policy {
            max_retry: Some(1),
            max_age: None,
            bisect: false,
        };
        let (failed, inv, out) = drive(Job::new(batch(100, Some(40))), p, true, 100);
        // 1st: 0..40 processed, retry 40..100; 2nd: partial again at 40 → retries 2 > 1.
        assert_eq!((failed, inv), (2, 2));
        assert_eq!(count(&out, |d| *d == Disposition::Processed), 40);
        assert_eq!(count(&out, |d| matches!(d, Disposition::Discarded(..))), 60);
    }

    #[test]
    fn expired_heads_are_dropped_and_old_batches_discarded() {
        let p = Policy {
            max_retry: None,
            max_age: Some(SimDuration::from_secs(60)),
            bisect: false,
        };
        let mut job = Job::new(batch(100, None));
        let mut out = Vec::new();
        assert!(job.prepare(SimTime::from_secs(30), 10, &p, &mut out));
        assert_eq!(out[0].disposition, Disposition::Expired);
        assert_eq!(out[0].batch.records(), 10);
        assert_eq!(job.front().unwrap().lo, 10);
        // Record 10 arrived at 10 s: at 71 s it is 61 s old.
        assert!(!job.prepare(SimTime::from_secs(71), 10, &p, &mut out));
        assert_eq!(
            out[1].disposition,
            Disposition::Discarded(Condition::MaximumRecordAgeExceeded, 0)
        );
    }

    #[test]
    fn throttles_use_no_retry_attempts() {
        let p = Policy {
            max_retry: Some(0),
            max_age: None,
            bisect: false,
        };
        let mut job = Job::new(batch(10, None));
        for n in 1..=10 {
            assert_eq!(job.throttled(), Next::After(backoff(n)));
        }
        let mut out = Vec::new();
        let (f, n) = job.result(Response::Success, &p, &mut out);
        assert_eq!((f, n), (Follow::Checkpoint, Next::Done));
        assert_eq!(out[0].disposition, Disposition::Processed);
    }
}
