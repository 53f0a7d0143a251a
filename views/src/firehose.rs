//! A Firehose consumer as one lane under the shards: its buffers filling (a bar from
//! the first record in to the flush), each buffer's delivery as a mark shaped by how
//! it ended, the stalls (failed attempts, reading paused) and the outages as bands,
//! and the transform's invocations above. Marks are aggregated per pixel column, and
//! touching buffer bars merge, so an hour of a busy stream stays a few hundred nodes.

use shardscope_engine::firehose::FirehoseEvent;
use shardscope_engine::trace::{Cause, EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::coord::D1;

/// How a buffer's delivery or a transform invocation ended, from the least to the
/// most telling: when several share a pixel, the most telling one is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// A transform invocation that succeeded.
    Transformed,
    /// Delivered on the first attempt.
    Delivered,
    /// Still on its way when the run ended.
    InProgress,
    /// Delivered after failed attempts (S3 retries, or within the retry window).
    Retried,
    /// Only failed or dropped records: written to an S3 error prefix.
    ErrorsWritten,
    /// A transform invocation that failed (retried, or its batch failed).
    TransformFailed,
    /// The retry window ran out: the batch went to the S3 backup.
    ToBackup,
    /// Its records passed the stream's retention first: lost.
    Expired,
}

impl Outcome {
    /// CSS class and the word for legends and screen readers.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Transformed => "transformed",
            Outcome::Delivered => "delivered",
            Outcome::InProgress => "in-progress",
            Outcome::Retried => "retried",
            Outcome::ErrorsWritten => "errors-written",
            Outcome::TransformFailed => "transform-failed",
            Outcome::ToBackup => "to-backup",
            Outcome::Expired => "expired",
        }
    }

    /// Words for the legend.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Transformed => "transform invocation",
            Outcome::Delivered => "buffer delivered",
            Outcome::InProgress => "still being delivered at the end",
            Outcome::Retried => "delivered after failed attempts",
            Outcome::ErrorsWritten => "failed records written to an S3 error prefix",
            Outcome::TransformFailed => "transform invocation failed",
            Outcome::ToBackup => "retry window used up → S3 backup",
            Outcome::Expired => "records expired while retrying: lost",
        }
    }

    /// All of them, in legend order.
    pub const ALL: [Outcome; 8] = [
        Outcome::Delivered,
        Outcome::Retried,
        Outcome::ToBackup,
        Outcome::ErrorsWritten,
        Outcome::Expired,
        Outcome::InProgress,
        Outcome::Transformed,
        Outcome::TransformFailed,
    ];
}

/// The outcome of a Firehose event, or `None` for outages.
pub fn outcome(e: &FirehoseEvent) -> Option<Outcome> {
    Some(match (e.what, e.outcome) {
        ("transform", Some("success")) => Outcome::Transformed,
        ("transform", _) => Outcome::TransformFailed,
        ("delivery", Some("delivered")) if e.failed_attempts.is_some() => Outcome::Retried,
        ("delivery", Some("delivered" | "nothing_to_deliver")) => Outcome::Delivered,
        ("delivery", Some("to_backup")) => Outcome::ToBackup,
        ("delivery", Some("expired")) => Outcome::Expired,
        ("delivery", Some("errors_written")) => Outcome::ErrorsWritten,
        ("delivery", _) => Outcome::InProgress,
        _ => return None,
    })
}

/// How wide the mark of an outcome that merges with its neighbours is (its shape is a
/// bar that grows), if it does.
fn bar_width(outcome: Outcome) -> Option<f64> {
    match outcome {
        Outcome::Transformed => Some(2.0),
        Outcome::Delivered => Some(5.0),
        _ => None,
    }
}

/// The SVG path of a mark centred at (`x`, `cy`), or over `x..=x_end` for merged
/// marks: one shape per outcome, so marks read without colour.
pub fn shape(outcome: Outcome, x: f64, x_end: f64, cy: f64) -> String {
    let stretch = (x_end - x).max(0.0);
    match outcome {
        // A small bar above the lane's middle.
        Outcome::Transformed => format!(
            "M{},{}h{}v5h{}z",
            D1(x - 1.0),
            D1(cy - 7.0),
            D1(2.0 + stretch),
            D1(-2.0 - stretch)
        ),
        // ●-ish: a square dot (a band of them, merged).
        Outcome::Delivered => format!(
            "M{},{}h{}v5h{}z",
            D1(x - 2.5),
            D1(cy - 2.5),
            D1(5.0 + stretch),
            D1(-5.0 - stretch)
        ),
        // An open square.
        Outcome::InProgress => format!("M{},{}h6v6h-6z", D1(x - 3.0), D1(cy - 3.0)),
        // ◆
        Outcome::Retried => format!("M{},{}l4,4l-4,4l-4,-4z", D1(x), D1(cy - 4.0)),
        // ▲
        Outcome::ErrorsWritten => format!("M{},{}l4,7h-8z", D1(x), D1(cy - 4.0)),
        // ✕ above the lane's middle.
        Outcome::TransformFailed => format!("M{},{}l5,5m0,-5l-5,5", D1(x - 2.5), D1(cy - 8.0)),
        // ▼
        Outcome::ToBackup => format!("M{},{}h9l-4.5,8z", D1(x - 4.5), D1(cy - 4.0)),
        // ✕
        Outcome::Expired => format!("M{},{}l7,7m0,-7l-7,7", D1(x - 3.5), D1(cy - 3.5)),
    }
}

/// One drawn mark: `count` deliveries or invocations of one consumer.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub outcome: Outcome,
    pub x: f64,
    /// The last column's x of marks merged into this one (`x` when alone).
    pub x_end: f64,
    pub count: u64,
    /// The trace event to open in the inspector (index into `trace.events`).
    pub event: usize,
}

/// A stretch of time on the lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub x0: f64,
    pub x1: f64,
    /// The (first) trace event behind it.
    pub event: usize,
}

/// One Firehose consumer's lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub consumer: String,
    /// `s3`, `opensearch`, `redshift`, `http_endpoint`.
    pub destination: &'static str,
    /// Buffers filling, touching ones merged.
    pub buffers: Vec<Span>,
    /// From a batch's first failed attempt to its end: reading is paused.
    pub stalls: Vec<Span>,
    /// Destination outages.
    pub outages: Vec<Span>,
    /// S3 backup outages.
    pub backup_outages: Vec<Span>,
    pub marks: Vec<Mark>,
}

pub(crate) fn consumer_of(e: &TraceEvent) -> Option<&str> {
    match &e.cause {
        Cause::Consumer { consumer } => Some(consumer),
        _ => None,
    }
}

/// Adds `[x0, x1]` to `spans`, merging it into the last one when they touch.
pub(crate) fn push_span(spans: &mut Vec<Span>, x0: f64, x1: f64, event: usize, axis: &TimeAxis) {
    if x1 < 0.0 || x0 > axis.width {
        return;
    }
    let (x0, x1) = (x0.max(0.0), x1.min(axis.width));
    if let Some(last) = spans.last_mut() {
        if x0 <= last.x1 + 1.0 {
            last.x1 = last.x1.max(x1);
            return;
        }
    }
    spans.push(Span { x0, x1, event });
}

/// The lanes of every Firehose consumer in `events`, in order of first appearance.
pub fn lanes(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Lane> {
    lanes_with(events, axis, true)
}

/// The lanes without their marks (`marks` false): the compare table needs only the
/// stalls, on an axis of a pixel a microsecond, where every event would be a mark.
pub fn lanes_with(events: &[TraceEvent], axis: &TimeAxis, marks: bool) -> Vec<Lane> {
    let mut out: Vec<Lane> = Vec::new();
    // Each lane's marks by (column, outcome), in that order: a sorted vector, to which
    // events, in time order, add at or near its end.
    let mut cells: Vec<Vec<(i64, Outcome, Mark)>> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let EventKind::Firehose(f) = &e.kind else {
            continue;
        };
        let Some(consumer) = consumer_of(e) else {
            continue;
        };
        let lane = match out.iter().position(|l| l.consumer == consumer) {
            Some(p) => p,
            None => {
                out.push(Lane {
                    consumer: consumer.to_string(),
                    destination: f.destination.unwrap_or(""),
                    buffers: Vec::new(),
                    stalls: Vec::new(),
                    outages: Vec::new(),
                    backup_outages: Vec::new(),
                    marks: Vec::new(),
                });
                cells.push(Vec::new());
                out.len() - 1
            }
        };
        let l = &mut out[lane];
        let at = e.at.0;
        match f.what {
            "destination_outage" | "backup_outage" => {
                let until = f.until_ms.unwrap_or(0) * 1_000;
                let spans = if f.what == "destination_outage" {
                    &mut l.outages
                } else {
                    &mut l.backup_outages
                };
                push_span(spans, axis.x(at), axis.x(until), i, axis);
                continue;
            }
            "delivery" => {
                if let (Some(a), Some(b)) = (f.buffer_opened_ms, f.flushed_ms) {
                    push_span(
                        &mut l.buffers,
                        axis.x(a * 1_000),
                        axis.x(b * 1_000),
                        i,
                        axis,
                    );
                }
                if let Some(s) = f.stalled_from_ms {
                    push_span(&mut l.stalls, axis.x(s * 1_000), axis.x(at), i, axis);
                }
            }
            _ => {}
        }
        let Some(outcome) = outcome(f).filter(|_| marks) else {
            continue;
        };
        let x = axis.x(at);
        if !(0.0..=axis.width).contains(&x) {
            continue;
        }
        let key = (x.floor() as i64, outcome);
        let lane_cells = &mut cells[lane];
        let pos = lane_cells.partition_point(|(c, o, _)| (*c, *o) < key);
        match lane_cells.get_mut(pos) {
            Some((c, o, m)) if (*c, *o) == key => m.count += 1,
            _ => lane_cells.insert(
                pos,
                (
                    key.0,
                    outcome,
                    Mark {
                        outcome,
                        x,
                        x_end: x,
                        count: 1,
                        event: i,
                    },
                ),
            ),
        }
    }
    // Transform invocations and deliveries whose marks touch on screen draw as one bar
    // (a busy hour drew a mark per pixel column, which the page then had to build).
    for (lane, lane_cells) in cells.into_iter().enumerate() {
        let marks = &mut out[lane].marks;
        let mut slots: [Option<usize>; 2] = [None, None];
        for (_, _, m) in lane_cells {
            merge_mark(marks, &mut slots, m);
        }
    }
    out
}

/// Adds `m` to a lane's `marks` (in column order), into the bar of its kind that it
/// touches (`slots`: the last transform bar and delivery bar), if it draws as a bar.
fn merge_mark(marks: &mut Vec<Mark>, slots: &mut [Option<usize>; 2], m: Mark) {
    let Some(w) = bar_width(m.outcome) else {
        marks.push(m);
        return;
    };
    let slot = &mut slots[usize::from(m.outcome == Outcome::Delivered)];
    if let Some(bar) = slot.map(|k| &mut marks[k]) {
        if m.x <= bar.x_end + w + TOUCH {
            bar.x_end = m.x;
            bar.count += m.count;
            return;
        }
    }
    *slot = Some(marks.len());
    marks.push(m);
}

/// Marks closer than this (in pixels) touch on screen.
const TOUCH: f64 = 0.5;

/// A lane label that fits the 92 px gutter: at most 13 characters.
pub fn short_label(name: &str) -> String {
    if name.chars().count() <= 13 {
        name.to_string()
    } else {
        format!("{}…", name.chars().take(12).collect::<String>())
    }
}

/// Facts about a Firehose event for the inspector, as label → value.
pub fn facts(f: &FirehoseEvent) -> Vec<(String, String)> {
    let clock = |ms: u64| crate::axis::clock(ms * 1_000);
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, s: String| v.push((k.to_string(), s));
    if let Some(d) = f.destination {
        put("destination", d.replace('_', " "));
    }
    if let Some(n) = f.batch {
        put(
            if f.what == "transform" {
                "invocation"
            } else {
                "buffer"
            },
            format!("#{n}"),
        );
    }
    if let Some(n) = f.records {
        put("records", n.to_string());
    }
    if let Some(n) = f.bytes {
        put("bytes", n.to_string());
    }
    if let (Some(a), Some(b)) = (f.buffer_opened_ms, f.flushed_ms) {
        put(
            "buffering",
            format!("{} → {} ({} s)", clock(a), clock(b), (b - a) / 1_000),
        );
    }
    if let Some(t) = f.trigger {
        let t = match t {
            "size" => "SizeInMBs reached",
            "interval" => "IntervalInSeconds passed",
            _ => "still open at the end",
        };
        put("flushed because", t.to_string());
    }
    if let Some(n) = f.attempts {
        put("delivery attempts", n.to_string());
    }
    if let Some(n) = f.failed_attempts {
        put("failed attempts", n.to_string());
    }
    if let Some(n) = f.backup_attempts {
        put("S3 writes (error prefix or backup)", n.to_string());
    }
    if let Some(t) = f.stalled_from_ms {
        put("reading paused from", clock(t));
    }
    if let Some(n) = f.attempt {
        put("attempt", n.to_string());
    }
    if let Some(o) = f.outcome {
        put("outcome", o.replace('_', " "));
    }
    if let Some(o) = f.follow {
        put("then", o.replace('_', " "));
    }
    for (k, n) in [
        ("delivered records", f.delivered_records),
        ("records to S3 (failed or backup)", f.backup_records),
        ("ProcessingFailed records", f.processing_failed_records),
        ("Dropped records", f.dropped_records),
        ("malformed documents", f.malformed_records),
        ("records expired (lost)", f.expired_records),
    ] {
        if let Some(n) = n {
            put(k, n.to_string());
        }
    }
    if let Some(p) = &f.prefix {
        put("S3 prefix", p.clone());
    }
    if let Some(d) = f.duration_ms {
        put("duration", format!("{d} ms"));
    }
    if let Some(t) = f.until_ms {
        put("until", clock(t));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::time::SimTime;

    fn ev(at_s: u64, f: FirehoseEvent) -> TraceEvent {
        TraceEvent {
            at: SimTime::from_secs(at_s),
            cause: Cause::Consumer {
                consumer: "fh".into(),
            },
            kind: EventKind::Firehose(Box::new(f)),
        }
    }

    fn delivery(opened_s: u64, flushed_s: u64, outcome: &'static str) -> FirehoseEvent {
        FirehoseEvent {
            what: "delivery",
            destination: Some("s3"),
            buffer_opened_ms: Some(opened_s * 1_000),
            flushed_ms: Some(flushed_s * 1_000),
            outcome: Some(outcome),
            ..FirehoseEvent::default()
        }
    }

    #[test]
    fn buffers_merge_when_they_touch_and_marks_aggregate_per_column() {
        // 100 s on 100 px: 1 px a second.
        let axis = TimeAxis::whole(100_000_000, 100.0);
        let events = vec![
            ev(11, delivery(0, 10, "delivered")),
            ev(21, delivery(10, 20, "delivered")),
            ev(21, delivery(20, 20, "delivered")),
            ev(80, delivery(60, 70, "to_backup")),
        ];
        let l = &lanes(&events, &axis)[0];
        assert_eq!(l.consumer, "fh");
        assert_eq!(l.buffers.len(), 2);
        assert_eq!((l.buffers[0].x0, l.buffers[0].x1), (0.0, 20.0));
        let marks: Vec<_> = l.marks.iter().map(|m| (m.x, m.outcome, m.count)).collect();
        assert_eq!(
            marks,
            vec![
                (11.0, Outcome::Delivered, 1),
                (21.0, Outcome::Delivered, 2),
                (80.0, Outcome::ToBackup, 1)
            ]
        );
    }

    /// Delivery marks 5 px wide, 1 px a second: deliveries at 30, 33 and 36 s touch and
    /// are one bar from 30 to 36 of 3 deliveries; one at 50 s stays apart; backups
    /// (▼) never merge.
    #[test]
    fn touching_deliveries_are_one_bar() {
        let axis = TimeAxis::whole(100_000_000, 100.0);
        let events = vec![
            ev(30, delivery(20, 30, "delivered")),
            ev(33, delivery(30, 33, "delivered")),
            ev(36, delivery(33, 36, "delivered")),
            ev(50, delivery(36, 50, "delivered")),
            ev(60, delivery(50, 60, "to_backup")),
            ev(61, delivery(60, 61, "to_backup")),
        ];
        let l = &lanes(&events, &axis)[0];
        let marks: Vec<_> = l
            .marks
            .iter()
            .map(|m| (m.x, m.x_end, m.outcome, m.count))
            .collect();
        assert_eq!(
            marks,
            vec![
                (30.0, 36.0, Outcome::Delivered, 3),
                (50.0, 50.0, Outcome::Delivered, 1),
                (60.0, 60.0, Outcome::ToBackup, 1),
                (61.0, 61.0, Outcome::ToBackup, 1),
            ]
        );
        assert_eq!(
            shape(Outcome::Delivered, 30.0, 36.0, 10.0),
            "M27.5,7.5h11.0v5h-11.0z"
        );
    }

    /// Marks sharing a column are ordered by outcome, whatever order their events
    /// come in, and each lane keeps its own: two consumers, 1 px a second.
    #[test]
    fn marks_of_a_column_come_in_outcome_order_lane_by_lane() {
        let axis = TimeAxis::whole(100_000_000, 100.0);
        let on = |consumer: &str, mut e: TraceEvent| {
            e.cause = Cause::Consumer {
                consumer: consumer.into(),
            };
            e
        };
        let events = vec![
            on("a", ev(40, delivery(30, 40, "to_backup"))),
            on("b", ev(40, delivery(30, 40, "expired"))),
            on("a", ev(40, delivery(30, 40, "delivered"))),
            on("a", ev(40, delivery(30, 40, "to_backup"))),
            on("b", ev(41, delivery(40, 41, "delivered"))),
        ];
        let l = lanes(&events, &axis);
        let marks = |i: usize| -> Vec<_> {
            l[i].marks
                .iter()
                .map(|m| (m.x, m.outcome, m.count, m.event))
                .collect()
        };
        assert_eq!(
            marks(0),
            vec![
                (40.0, Outcome::Delivered, 1, 2),
                (40.0, Outcome::ToBackup, 2, 0)
            ]
        );
        assert_eq!(
            marks(1),
            vec![
                (40.0, Outcome::Expired, 1, 1),
                (41.0, Outcome::Delivered, 1, 4)
            ]
        );
        // The compare table's lanes: the same spans, no marks.
        let bare = lanes_with(&events, &axis, false);
        assert!(bare.iter().all(|l| l.marks.is_empty()));
        assert_eq!(bare[0].buffers, l[0].buffers);
    }

    #[test]
    fn a_stall_spans_from_the_first_failure_to_the_end_of_the_batch() {
        let axis = TimeAxis::whole(100_000_000, 100.0);
        let mut d = delivery(0, 10, "delivered");
        d.failed_attempts = Some(3);
        d.stalled_from_ms = Some(10_500);
        let l = &lanes(&[ev(42, d)], &axis)[0];
        assert_eq!((l.stalls[0].x0, l.stalls[0].x1), (10.5, 42.0));
        assert_eq!(l.marks[0].outcome, Outcome::Retried);
    }
}
