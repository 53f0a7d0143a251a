//! A consumer that has a status (a Flink application, a Glue job) as one lane under the
//! shards: its status as bands (the quiet status, RUNNING, is the lane's background) and
//! its events as marks, aggregated per pixel column, and columns whose glyphs overlap
//! into one run, so an hour-long restart loop stays a few nodes. Each service says what
//! its events mean ([`Read`]) and how its marks look ([`MarkKind`]).

use std::collections::BTreeMap;

use shardscope_engine::trace::{EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::coord::D1;
use crate::firehose::consumer_of;

/// What a service's mark kinds provide. Kinds order from the least to the most telling:
/// when several share a pixel, the most telling is drawn on top.
pub trait MarkKind: Copy {
    /// CSS class.
    fn name(self) -> &'static str;
    /// Words for the legend.
    fn label(self) -> &'static str;
    /// Its shape: one per kind within a service, so marks read without colour.
    fn form(self) -> Shape;
    /// Its place in the order (`self as u8`): lanes are drawn by one function for every
    /// service, which orders kinds by this.
    fn rank(self) -> u8;
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

/// One drawn mark: `count` events of one kind in one pixel column, or in a run of
/// columns whose glyphs overlap on screen (a restart loop): one element with a glyph at
/// each column, so an hour-long loop is a few nodes, not hundreds, and looks the same.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub look: Look,
    /// The first column's x.
    pub x: f64,
    /// The run's further columns (empty for a lone mark).
    pub more: Vec<f64>,
    pub count: u64,
    /// The (first) trace event behind it.
    pub event: usize,
    /// The last trace event behind it (`event` for a lone mark).
    pub last: usize,
}

impl Mark {
    /// A mark of `count` events in one column.
    pub fn lone(look: Look, x: f64, count: u64, event: usize) -> Mark {
        Mark {
            look,
            x,
            more: Vec::new(),
            count,
            event,
            last: event,
        }
    }

    /// Its words: "3 × job failed (app)", and a run's span, "… from 10m5s to 59m58s".
    pub fn title(&self, consumer: &str, events: &[TraceEvent]) -> String {
        let words = format!("{} × {} ({consumer})", self.count, self.look.label);
        if self.more.is_empty() {
            return words;
        }
        let at = |i: usize| events.get(i).map_or(0, |e| e.at.0);
        format!(
            "{words} from {} to {}",
            crate::axis::clock(at(self.event)),
            crate::axis::clock(at(self.last))
        )
    }

    /// How many glyphs it draws: one per pixel column.
    pub fn glyphs(&self) -> usize {
        1 + self.more.len()
    }

    /// The SVG path: one glyph per column, on a lane whose middle is `cy`.
    pub fn path(&self, cy: f64) -> String {
        let mut d = self.look.shape.path(self.x, cy);
        for x in &self.more {
            d.push_str(&self.look.shape.path(*x, cy));
        }
        d
    }
}

/// Marks of one kind closer than this (px) overlap on screen (the glyphs are 7–8 px
/// wide): they are one run.
const OVERLAP: f64 = 8.0;

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
    lanes_of(events, axis, &|e| {
        read(e).map(|r| match r {
            Read::Status(s) => Read::Status(s),
            Read::Mark(k) => Read::Mark((k.rank(), k.look())),
        })
    })
}

/// What an event means, a mark kind given as its rank and look.
type ReadAny<'a> = &'a dyn Fn(&EventKind) -> Option<Read<(u8, Look)>>;

/// [`lanes`] for a kind given as its rank and look: one copy of the code, not one per
/// service (3 KB of the bundle each).
fn lanes_of(events: &[TraceEvent], axis: &TimeAxis, read: ReadAny) -> Vec<Lane> {
    let mut out: Vec<Lane> = Vec::new();
    // Per lane, the open status: (status, since µs, event).
    let mut open: Vec<(&'static str, u64, usize)> = Vec::new();
    let mut cells: BTreeMap<(usize, u8, i64), Mark> = BTreeMap::new();
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
        let (rank, look) = kind;
        let x = axis.x(e.at.0);
        if !(0.0..=axis.width).contains(&x) {
            continue;
        }
        cells
            .entry((lane, rank, x.floor() as i64))
            .and_modify(|m| {
                m.count += 1;
                m.last = i;
            })
            .or_insert(Mark::lone(look, x, 1, i));
    }
    for (lane, o) in open.iter().enumerate() {
        close(&mut out[lane], *o, axis.end_us);
    }
    // By lane, then kind (the most telling drawn last, on top), then column: a column
    // that overlaps the run before it joins the run.
    let mut run_of: Option<(usize, u8)> = None;
    for ((lane, kind, _), m) in cells {
        let marks = &mut out[lane].marks;
        match marks.last_mut() {
            Some(run)
                if run_of == Some((lane, kind))
                    && m.x - run.more.last().copied().unwrap_or(run.x) < OVERLAP =>
            {
                run.more.push(m.x);
                run.count += m.count;
                run.last = m.last;
            }
            _ => marks.push(m),
        }
        run_of = Some((lane, kind));
    }
    out
}
