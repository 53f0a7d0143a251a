//! Lambda invocations as marks on their shard's lane, coloured *and* shaped by outcome so
//! they read without colour, and aggregated per pixel column so that 100,000 invocations
//! draw as a few thousand marks; successes that touch on screen are one bar.

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
    let w = width.max(MIN_WIDTH);
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
    // Successes that touch on screen (within half a pixel) draw as one bar (they would look the same, and a
    // long run drew thousands of marks the page then had to build): `open` is the bar
    // the next success of the same consumer and shard may extend.
    let mut out: Vec<Mark> = Vec::with_capacity(cells.len());
    let mut open: Option<usize> = None;
    for m in cells.into_values() {
        if let Some(i) = open {
            let bar = &out[i];
            if bar.consumer != m.consumer || bar.shard != m.shard {
                open = None;
            }
        }
        if m.outcome != Outcome::Success {
            out.push(m);
            continue;
        }
        if let Some(i) = open {
            let bar = &mut out[i];
            if m.x <= bar.x + bar.width.max(MIN_WIDTH) + TOUCH {
                bar.width = bar.width.max(m.x + m.width - bar.x);
                bar.count += m.count;
                continue;
            }
        }
        open = Some(out.len());
        out.push(m);
    }
    out
}

/// The narrowest mark drawn, in pixels.
const MIN_WIDTH: f64 = 1.5;

/// Marks closer than this (in pixels) touch on screen.
const TOUCH: f64 = 0.5;

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::time::SimTime;
    use shardscope_engine::trace::Cause;

    /// A Lambda event of `what` on shard 0 at `at_s`, lasting `ms`.
    fn event(at_s: u64, what: &'static str, outcome: &'static str, ms: u64, n: u64) -> TraceEvent {
        TraceEvent {
            at: SimTime::from_secs(at_s),
            cause: Cause::Consumer {
                consumer: "f".into(),
            },
            kind: EventKind::Lambda(Box::new(LambdaEvent {
                what,
                shard: Some(ShardId(0)),
                duration_ms: Some(ms),
                outcome: Some(outcome),
                invocations: Some(n),
                ..LambdaEvent::default()
            })),
        }
    }

    /// On a 1,000 px axis of 1,000 s (1 px a second): streaks of successes over
    /// 0–10 s and 10–20 s touch and draw as one bar of 20 px and 7 invocations; one at
    /// 30 s (a 1.5 px mark, 10 px away) stays apart; errors at 40 s and 41 s, 1 px
    /// apart, stay two marks (their ✕s are not bars).
    #[test]
    fn touching_successes_are_one_bar() {
        let events = vec![
            event(0, "invocations", "success", 10_000, 3),
            event(10, "invocations", "success", 10_000, 4),
            event(30, "invocation", "success", 0, 1),
            event(40, "invocation", "error", 0, 1),
            event(41, "invocation", "error", 0, 1),
        ];
        let axis = TimeAxis::whole(1_000_000_000, 1_000.0);
        let m = marks(&events, &axis);
        let got: Vec<(Outcome, u64, u64, u64)> = m
            .iter()
            .map(|m| {
                (
                    m.outcome,
                    m.x.round() as u64,
                    m.width.round() as u64,
                    m.count,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (Outcome::Success, 0, 20, 7),
                (Outcome::Success, 30, 0, 1),
                (Outcome::Error, 40, 0, 1),
                (Outcome::Error, 41, 0, 1),
            ]
        );
        assert_eq!(m[0].event, 0, "the bar opens its first streak");
    }
}
