//! Lambda invocations as marks on their shard's lane, coloured *and* shaped by outcome so
//! they read without colour, and aggregated per pixel column so that 100,000 invocations
//! draw as a few thousand marks.

use std::collections::BTreeMap;

use shardscope_engine::lambda::retry::Follow;
use shardscope_engine::lambda::LambdaEvent;
use shardscope_engine::stream::ShardId;
use shardscope_engine::trace::{EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::coord::D1;

/// What a mark says happened, from the least to the most telling: when several
/// invocations share a pixel, the most telling one is drawn and opened by a click.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Succeeded; the checkpoint moved past the batch.
    Success,
    /// Refused by a concurrency limit before it ran (never uses up retries).
    Throttled,
    /// Failed; the batch is split in two (BisectBatchOnFunctionError).
    Bisect,
    /// Some records reported failed (ReportBatchItemFailures); retried from the lowest.
    Partial,
    /// Failed; the same batch will be retried.
    Error,
    /// Ran past Function.Timeout; retried like an error.
    Timeout,
    /// Given up on: discarded, with an OnFailure message if a destination is set.
    Discard,
}

impl Outcome {
    /// CSS class and the word for legends and screen readers.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Throttled => "throttled",
            Outcome::Bisect => "bisect",
            Outcome::Partial => "partial",
            Outcome::Error => "error",
            Outcome::Timeout => "timeout",
            Outcome::Discard => "discard",
        }
    }

    /// All of them, in legend order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Success,
        Outcome::Error,
        Outcome::Timeout,
        Outcome::Bisect,
        Outcome::Partial,
        Outcome::Throttled,
        Outcome::Discard,
    ];
}

/// The SVG path of a mark centred at (`x`, `cy`): one shape per outcome, so marks read
/// without colour. A success is a bar over the `width` its streak took.
pub fn shape(outcome: Outcome, x: f64, cy: f64, width: f64) -> String {
    let w = width.max(1.5);
    match outcome {
        Outcome::Success => format!("M{},{}h{}v4h{}z", D1(x), D1(cy - 2.0), D1(w), D1(-w)),
        // ✕
        Outcome::Error => format!("M{},{}l7,7m0,-7l-7,7", D1(x - 3.5), D1(cy - 3.5)),
        // An hourglass.
        Outcome::Timeout => format!("M{},{}h7l-7,7h7z", D1(x - 3.5), D1(cy - 3.5)),
        // ◆
        Outcome::Bisect => format!("M{},{}l4,4l-4,4l-4,-4z", D1(x), D1(cy - 4.0)),
        // ▲
        Outcome::Partial => format!("M{},{}l4,7h-8z", D1(x), D1(cy - 4.0)),
        // A diamond outline (drawn with a stroke only).
        Outcome::Throttled => format!("M{},{}l3.5,3.5l-3.5,3.5l-3.5,-3.5z", D1(x), D1(cy - 3.5)),
        // ▼
        Outcome::Discard => format!("M{},{}h9l-4.5,8z", D1(x - 4.5), D1(cy - 5.0)),
    }
}

/// One drawn mark: it stands for `count` invocations of one consumer on one shard.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub consumer: String,
    pub shard: ShardId,
    pub outcome: Outcome,
    pub x: f64,
    /// Width in pixels (a streak of successes spans its time; others are points).
    pub width: f64,
    /// Invocations the mark stands for.
    pub count: u64,
    /// The trace event to open in the inspector (index into `trace.events`).
    pub event: usize,
}

/// The outcome of a Lambda event, or None for events that are not invocations.
pub fn outcome(e: &LambdaEvent) -> Option<Outcome> {
    match e.what {
        "invocation" | "invocations" | "throttled" => {}
        _ => return None,
    }
    Some(match (e.outcome, e.follow) {
        (Some("throttled"), _) => Outcome::Throttled,
        (_, Some(Follow::Discard)) => Outcome::Discard,
        (_, Some(Follow::Bisect)) => Outcome::Bisect,
        (Some("partial_failure"), _) | (_, Some(Follow::PartialRetry)) => Outcome::Partial,
        (Some("timeout"), _) => Outcome::Timeout,
        (Some("error"), _) => Outcome::Error,
        _ => Outcome::Success,
    })
}

/// The marks of every Lambda invocation in `events` visible on `axis`.
pub fn marks(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Mark> {
    // (consumer, shard, column, outcome) → mark; BTreeMap for a deterministic order.
    let mut cells: BTreeMap<(String, ShardId, i64, Outcome), Mark> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        let EventKind::Lambda(l) = &e.kind else {
            continue;
        };
        let (Some(outcome), Some(shard)) = (outcome(l), l.shard) else {
            continue;
        };
        let consumer = match &e.cause {
            shardscope_engine::trace::Cause::Consumer { consumer } => consumer.clone(),
            _ => String::new(),
        };
        let x0 = axis.x(e.at.0);
        let span_us = if l.what == "invocations" {
            l.duration_ms.unwrap_or(0) * 1_000
        } else {
            0
        };
        let x1 = axis.x(e.at.0 + span_us);
        if x1 < 0.0 || x0 > axis.width {
            continue;
        }
        let (x0, x1) = (x0.max(0.0), x1.min(axis.width));
        let count = l.invocations.unwrap_or(1);
        let key = (consumer.clone(), shard, x0.floor() as i64, outcome);
        cells
            .entry(key)
            .and_modify(|m| {
                m.count += count;
                m.width = m.width.max(x1 - m.x);
            })
            .or_insert(Mark {
                consumer,
                shard,
                outcome,
                x: x0,
                width: x1 - x0,
                count,
                event: i,
            });
    }
    cells.into_values().collect()
}
