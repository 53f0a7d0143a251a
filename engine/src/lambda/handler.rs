//! The function model: what one invocation of the handler does.
//!
//! An invocation of `n` records takes `invoke_ms + per_record_ms × n`
//! milliseconds. It fails when:
//! - it would run longer than `Function.Timeout`: the runtime is stopped at
//!   the timeout and the invocation is a function error
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-retries.html>);
//! - a seeded draw is below `error_rate` (one draw per invocation, always
//!   made, so the random stream does not depend on the outcome): the handler
//!   throws;
//! - the batch holds a poison record.
//!
//! How the handler reports a poison record (stated in the UI label): with
//! `FunctionResponseTypes: ["ReportBatchItemFailures"]` the handler catches
//! per-record errors and returns the poison records' sequence numbers in
//! `batchItemFailures` (a partial failure); without it, it throws (the whole
//! batch fails). An `error_rate` failure is always thrown, so it fails the
//! whole batch in both cases. With `handler.item_failures: "malformed"` the
//! handler returns an `itemIdentifier` that is an empty string, which Lambda
//! treats as a complete failure.
//! Source: <https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html>

use crate::rng::Rng;
use crate::scenario::Handler;
use crate::time::SimDuration;

use super::batch::Batch;

/// Why an invocation failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FunctionError {
    /// The handler threw on a poison record.
    Poison,
    /// The handler threw (an `error_rate` draw).
    Thrown,
    /// The invocation ran past `Function.Timeout`.
    Timeout,
    /// The `batchItemFailures` response was malformed (complete failure).
    Malformed,
}

impl FunctionError {
    /// Short name for the trace.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionError::Poison => "poison_record",
            FunctionError::Thrown => "handler_error",
            FunctionError::Timeout => "timeout",
            FunctionError::Malformed => "malformed_response",
        }
    }
}

/// What the function returned.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Response {
    /// Success (with ReportBatchItemFailures: an empty `batchItemFailures`).
    Success,
    /// `batchItemFailures` naming records; `lowest` is the lowest sequence
    /// number among them.
    ItemFailures {
        /// The lowest reported sequence number.
        lowest: u64,
    },
    /// A function error: the whole batch failed.
    Error(FunctionError),
}

/// One invocation's result.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// How long it ran (the timeout, for a timed-out invocation).
    pub duration: SimDuration,
    /// What it returned.
    pub response: Response,
}

/// How long the handler takes for `records` records (µs, rounded down).
pub fn duration(h: &Handler, records: u64) -> SimDuration {
    let ms = h.invoke_ms + h.per_record_ms * records as f64;
    let us = (ms * 1_000.0).max(0.0);
    SimDuration(if us.is_finite() && us < 1e18 {
        us as u64
    } else {
        u64::MAX / 4
    })
}

/// Runs the handler model on `batch`.
pub fn invoke(
    h: &Handler,
    timeout: SimDuration,
    batch: &Batch,
    report_batch_item_failures: bool,
    malformed: bool,
    rng: &mut Rng,
) -> Invocation {
    let draw = rng.next_f64();
    let d = duration(h, batch.records());
    if d > timeout {
        return Invocation {
            duration: timeout,
            response: Response::Error(FunctionError::Timeout),
        };
    }
    let response = if draw < h.error_rate {
        Response::Error(FunctionError::Thrown)
    } else if let Some(p) = batch.first_poison() {
        if report_batch_item_failures && malformed {
            Response::Error(FunctionError::Malformed)
        } else if report_batch_item_failures {
            Response::ItemFailures { lowest: p }
        } else {
            Response::Error(FunctionError::Poison)
        }
    } else {
        Response::Success
    };
    Invocation {
        duration: d,
        response,
    }
}

/// [`invoke`] for a batch known to succeed (`error_rate` 0, no poison record, within
/// the timeout) that takes `took` (its [`duration`], which the callers have checked):
/// the same one draw.
pub fn invoke_plain(h: &Handler, took: SimDuration, rng: &mut Rng) -> Invocation {
    let draw = rng.next_f64();
    debug_assert!(draw >= h.error_rate, "a plain invocation cannot fail");
    Invocation {
        duration: took,
        response: Response::Success,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lambda::batch::test_batch as batch;

    #[test]
    fn duration_is_invoke_plus_per_record() {
        let h = Handler {
            invoke_ms: 20.0,
            per_record_ms: 0.1,
            error_rate: 0.0,
            ..Handler::default()
        };
        assert_eq!(duration(&h, 100), SimDuration::from_millis(30));
    }

    #[test]
    fn outcomes() {
        let h = Handler::default();
        let t = SimDuration::from_secs(3);
        let mut rng = Rng::new(1);
        let ok = invoke(&h, t, &batch(100, None), false, false, &mut rng);
        assert_eq!(ok.response, Response::Success);
        assert_eq!(ok.duration, SimDuration::from_millis(70));
        let p = invoke(&h, t, &batch(100, Some(40)), false, false, &mut rng);
        assert_eq!(p.response, Response::Error(FunctionError::Poison));
        let r = invoke(&h, t, &batch(100, Some(40)), true, false, &mut rng);
        assert_eq!(r.response, Response::ItemFailures { lowest: 40 });
        let m = invoke(&h, t, &batch(100, Some(40)), true, true, &mut rng);
        assert_eq!(m.response, Response::Error(FunctionError::Malformed));
        let slow = Handler {
            per_record_ms: 100.0,
            ..Handler::default()
        };
        let to = invoke(&slow, t, &batch(100, None), false, false, &mut rng);
        assert_eq!(to.response, Response::Error(FunctionError::Timeout));
        assert_eq!(to.duration, t);
        let bad = Handler {
            error_rate: 1.0,
            ..Handler::default()
        };
        let e = invoke(&bad, t, &batch(10, None), true, false, &mut rng);
        assert_eq!(e.response, Response::Error(FunctionError::Thrown));
    }
}
