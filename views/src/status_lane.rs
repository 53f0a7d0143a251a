//! A consumer that has a status (a Flink application, a Glue job) as one lane under the
//! shards: its status as bands (the quiet status, RUNNING, is the lane's background) and
//! its events as marks, aggregated per pixel column so an hour-long restart loop stays a
//! few hundred nodes. Each service says what its events mean ([`Read`]) and how its
//! marks look ([`MarkKind`]).

use std::collections::BTreeMap;

use shardscope_engine::trace::{EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::coord::D1;
use crate::firehose::consumer_of;

/// What a service's mark kinds provide. Kinds order from the least to the most telling:
/// when several share a pixel, the most telling is drawn on top.
pub trait MarkKind: Copy + Ord {
    /// CSS class.
    fn name(self) -> &'static str;
    /// Words for the legend.
    fn label(self) -> &'static str;
    /// Its shape: one per kind within a service, so marks read without colour.
    fn form(self) -> Shape;
    /// The SVG path at `x` on a lane whose middle is `cy`.
    fn shape(self, x: f64, cy: f64) -> String {
        self.form().path(x, cy)
    }
    /// What a drawn mark keeps of its kind.
    fn look(self) -> Look {
        Look {
            name: self.name(),
            label: self.label(),
            shape: self.form(),
        }
    }
}

/// How a mark looks: its CSS class, its words and its shape. Lanes keep this rather
/// than each service's kind, so that drawing them is one function, not one per service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    pub name: &'static str,
    pub label: &'static str,
    pub shape: Shape,
}

/// The shapes of status lanes' marks (Flink's and Glue's share them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A tick above the middle.
    TickUp,
    /// A short tick below the middle.
    TickDown,
    /// ▲
    Triangle,
    /// ◀ a rewind.
    Rewind,
    /// ◆ above the middle.
    Diamond,
    /// ✕
    Cross,
    /// ■
    Square,
}

impl Shape {
    /// The SVG path at `x` on a lane whose middle is `cy`.
    pub fn path(self, x: f64, cy: f64) -> String {
        match self {
            Shape::TickUp => format!("M{},{}h2v6h-2z", D1(x - 1.0), D1(cy - 9.0)),
            Shape::TickDown => format!("M{},{}h2v5h-2z", D1(x - 1.0), D1(cy + 3.0)),
            Shape::Triangle => format!("M{},{}l4,7h-8z", D1(x), D1(cy - 4.0)),
            Shape::Rewind => format!("M{},{}v8l-6,-4z", D1(x), D1(cy - 4.0)),
            Shape::Diamond => format!("M{},{}l3,3l-3,3l-3,-3z", D1(x), D1(cy - 10.0)),
            Shape::Cross => format!("M{},{}l7,7m0,-7l-7,7", D1(x - 3.5), D1(cy - 3.5)),
            Shape::Square => format!("M{},{}h7v7h-7z", D1(x - 3.5), D1(cy - 3.5)),
        }
    }
}

/// What one trace event means for its consumer's lane.
pub enum Read<K> {
    /// The status changed.
    Status(&'static str),
    /// A mark.
    Mark(K),
}

/// One drawn mark: `count` events of one kind in one pixel column.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub look: Look,
    pub x: f64,
    pub count: u64,
    /// The (first) trace event behind it.
    pub event: usize,
}

/// A stretch of one status.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub status: &'static str,
    pub x0: f64,
    pub x1: f64,
    /// The status event that began it.
    pub event: usize,
}

/// One consumer's lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub consumer: String,
    /// Status bands, RUNNING ones left out (the lane's background).
    pub bands: Vec<Band>,
    pub marks: Vec<Mark>,
}

/// The lanes of every consumer whose events `read` understands, in order of first
/// appearance. A lane starts RUNNING.
pub fn lanes<K: MarkKind>(
    events: &[TraceEvent],
    axis: &TimeAxis,
    read: impl Fn(&EventKind) -> Option<Read<K>>,
) -> Vec<Lane> {
    let mut out: Vec<Lane> = Vec::new();
    // Per lane, the open status: (status, since µs, event).
    let mut open: Vec<(&'static str, u64, usize)> = Vec::new();
    let mut cells: BTreeMap<(usize, i64, K), Mark> = BTreeMap::new();
    let close =
        |lane: &mut Lane, (status, since, event): (&'static str, u64, usize), until: u64| {
            if status == "RUNNING" {
                return;
            }
            let (x0, x1) = (axis.x(since).max(0.0), axis.x(until).min(axis.width));
            if x1 >= x0 && x1 >= 0.0 && x0 <= axis.width {
                match lane.bands.last_mut() {
                    // Bands of one status closer than a pixel merge.
                    Some(b) if b.status == status && x0 <= b.x1 + 1.0 => b.x1 = b.x1.max(x1),
                    _ => lane.bands.push(Band {
                        status,
                        x0,
                        x1,
                        event,
                    }),
                }
            }
        };
    for (i, e) in events.iter().enumerate() {
        let Some(what) = read(&e.kind) else {
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
                    bands: Vec::new(),
                    marks: Vec::new(),
                });
                open.push(("RUNNING", 0, i));
                out.len() - 1
            }
        };
        let kind = match what {
            Read::Status(status) => {
                close(&mut out[lane], open[lane], e.at.0);
                open[lane] = (status, e.at.0, i);
                continue;
            }
            Read::Mark(kind) => kind,
        };
        let x = axis.x(e.at.0);
        if !(0.0..=axis.width).contains(&x) {
            continue;
        }
        cells
            .entry((lane, x.floor() as i64, kind))
            .and_modify(|m| m.count += 1)
            .or_insert(Mark {
                look: kind.look(),
                x,
                count: 1,
                event: i,
            });
    }
    for (lane, o) in open.iter().enumerate() {
        close(&mut out[lane], *o, axis.end_us);
    }
    for ((lane, _, _), m) in cells {
        out[lane].marks.push(m);
    }
    out
}
