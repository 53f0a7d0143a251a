//! What every consumer lane under the shards shares (Firehose's, Flink's, Glue's):
//! the frame with its label, the marks the reader opens in the inspector, the
//! inspector's first facts and its "why", and the lanes of a consumer with a status
//! (status bands and marks). One copy of each keeps the bundle small.

use std::rc::Rc;

use shardscope_engine::trace::Trace;
use shardscope_views::coord::D1;
use shardscope_views::status_lane::{Lane, Look};
use shardscope_views::TimeAxis;
use yew::prelude::*;

use crate::timeline::Selection;

/// A `why` string split into its text and the AWS page after " — ".
pub fn why(why: &str) -> (String, Option<String>) {
    match why.split_once(" — http") {
        Some((text, rest)) => (text.to_string(), Some(format!("http{rest}"))),
        None => (why.to_string(), None),
    }
}

/// The inspector's view of a consumer event: `title`, the consumer and the time
/// first, then `facts`.
pub fn selection(
    title: String,
    consumer: &str,
    at_us: u64,
    facts: Vec<(String, String)>,
    why_text: &str,
    assumption: Option<&str>,
) -> Selection {
    let mut all = vec![
        ("consumer".to_string(), consumer.to_string()),
        ("time".to_string(), shardscope_views::axis::clock(at_us)),
    ];
    all.extend(facts);
    Selection {
        title,
        detail: String::new(),
        facts: all,
        why: Some(why(why_text)),
        assumption: assumption.map(str::to_string),
    }
}

/// "3 × what", or "what" alone.
pub fn counted(count: u64, what: String) -> String {
    if count > 1 {
        format!("{count} × {what}")
    } else {
        what
    }
}

/// A mark the reader opens with a click, or with Enter once focused (the first of
/// a lane takes the tab stop; arrow keys move between them). Its lane's group handles
/// the clicks and keys of all its marks ([`Frame::draw`]). Its `<title>` is its name for
/// screen readers too (SVG's accessible name): no `aria-label` copy of it.
pub fn mark(class: String, d: String, label: String, first: bool) -> Html {
    html! {
        <g {class} tabindex={if first { "0" } else { "-1" }}
            role="button">
            <path {d} />
            <title>{ label }</title>
        </g>
    }
}

/// What opens a lane's marks by their place among them (see [`Frame::draw`]): the
/// inspector's view (`select`) of each mark's event and count, for `consumer`.
pub fn open_marks(
    on_select: &Callback<Selection>,
    trace: &Rc<Trace>,
    consumer: &str,
    marks: impl Iterator<Item = (usize, u64)>,
    select: fn(&Trace, usize, u64, &str) -> Selection,
) -> Callback<usize> {
    let (on_select, trace, consumer) = (on_select.clone(), trace.clone(), consumer.to_string());
    let marks: Rc<[(usize, u64)]> = marks.collect();
    Callback::from(move |i: usize| {
        if let Some(&(event, count)) = marks.get(i) {
            on_select.emit(select(&trace, event, count, &consumer));
        }
    })
}

/// A consumer's lane of `kind` ("firehose", "flink") at `y`: its short label (with
/// `title` on hover), the background, `body`, and the marks as a group named
/// `marks_label`, whose clicks and keys open the mark at their place (`open`).
pub struct Frame<'a> {
    pub kind: &'static str,
    pub consumer: &'a str,
    pub title: String,
    pub y: f64,
    pub lane_h: f64,
    pub width: f64,
    pub marks_label: &'static str,
}

impl Frame<'_> {
    /// The lane, with `open` called with a mark's place among `marks` when the reader
    /// opens it: one handler for the lane's marks, not three for each (a lane of a long
    /// run has hundreds of marks, drawn again at every redraw).
    pub fn draw(self, body: Html, marks: Html, open: Callback<usize>) -> Html {
        use shardscope_views::coord::D1;
        let Frame {
            kind,
            consumer,
            title,
            y,
            lane_h,
            width,
            marks_label,
        } = self;
        let onclick = {
            let open = open.clone();
            Callback::from(move |e: MouseEvent| {
                if let Some(i) = crate::timeline::mark_index(&e) {
                    open.emit(i);
                }
            })
        };
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if let Some(i) = crate::timeline::mark_index(&e) {
                crate::timeline::mark_key(&e, &|| open.emit(i));
            }
        });
        html! {
            <g class={format!("{kind}-lane")} data-consumer={consumer.to_string()}>
                <text class="lane-label" x="-8" y={D1(y + 15.0).to_string()} text-anchor="end">
                    { shardscope_views::firehose::short_label(consumer) }
                    <title>{ title }</title>
                </text>
                <rect class={format!("lane-bg {kind}")} x="0" y={D1(y + 3.0).to_string()}
                    width={D1(width).to_string()} height={D1(lane_h - 6.0).to_string()} />
                { body }
                <g class={format!("{kind}-marks")} role="group" {onclick} {onkeydown}
                    aria-label={format!("{consumer}: {marks_label}; arrow keys move between marks, Enter opens one")}>
                    { marks }
                </g>
            </g>
        }
    }
}

/// How one service's status lanes look and open.
pub struct StatusLanes {
    /// The lane's kind ("flink", "glue") and the marks' CSS class ("fl", "gl").
    pub kind: &'static str,
    pub class: &'static str,
    /// The service's name, for the lane's title.
    pub service: &'static str,
    pub marks_label: &'static str,
    /// The statuses drawn as bands, in legend order.
    pub statuses: &'static [&'static str],
    /// The inspector's view of event `index` (`count` of them) of a consumer.
    pub select: fn(&Trace, usize, u64, &str) -> Selection,
}

impl StatusLanes {
    /// The lanes drawn from `top`, each `lane_h` high.
    pub fn rows(
        &'static self,
        trace: &Rc<Trace>,
        lanes: &[Lane],
        axis: &TimeAxis,
        top: f64,
        lane_h: f64,
        on_select: &Callback<Selection>,
    ) -> Html {
        html! {
            { for lanes.iter().enumerate().map(|(row, l)| {
                let y = top + lane_h * row as f64;
                let cy = y + lane_h / 2.0;
                let open = |event: usize, count: u64| {
                    let select = on_select.clone();
                    let trace = trace.clone();
                    let consumer = l.consumer.clone();
                    let f = self.select;
                    Callback::from(move |()| select.emit(f(&trace, event, count, &consumer)))
                };
                let marks_at = l.marks.iter().map(|m| (m.event, m.count));
                let open_mark = open_marks(on_select, trace, &l.consumer, marks_at, self.select);
                let bands = l.bands.iter().map(|b| {
                    let onclick = open(b.event, 1).reform(|_: MouseEvent| ());
                    html! {
                        <rect class={format!("{}-status {}", self.class, b.status.to_ascii_lowercase())} {onclick}
                            x={D1(b.x0).to_string()} y={D1(y + 3.0).to_string()}
                            width={D1((b.x1 - b.x0).max(1.0)).to_string()} height={D1(lane_h - 6.0).to_string()}>
                            <title>{ format!("{}: {}", l.consumer, b.status) }</title>
                        </rect>
                    }
                });
                let marks = l.marks.iter().enumerate().map(|(i, m)| {
                    mark(
                        format!("{} {}", self.class, m.look.name),
                        m.path(cy),
                        m.title(&l.consumer, &trace.events),
                        i == 0,
                    )
                });
                Frame {
                    kind: self.kind,
                    consumer: &l.consumer,
                    title: format!("{}: {}", l.consumer, self.service),
                    y,
                    lane_h,
                    width: axis.width,
                    marks_label: self.marks_label,
                }
                .draw(bands.collect(), marks.collect(), open_mark)
            }) }
        }
    }

    /// The marks (of `all`, in that order) and statuses that appear in `lanes`, for the
    /// legend.
    pub fn legend_items(&self, lanes: &[Lane], all: &[Look]) -> Html {
        let seen = |k: Look| lanes.iter().any(|l| l.marks.iter().any(|m| m.look == k));
        let statuses = self.statuses.iter().filter(|s| {
            lanes
                .iter()
                .any(|l| l.bands.iter().any(|b| b.status == **s))
        });
        html! {
            <>
            { for all.iter().filter(|k| seen(**k)).map(|k| html! {
                <li>
                    <svg width="14" height="14" aria-hidden="true">
                        <g class={format!("{} {}", self.class, k.name)}><path d={k.shape.path(8.0, 8.0)} /></g>
                    </svg>
                    { k.label }
                </li>
            }) }
            { for statuses.map(|s| html! {
                <li>
                    <svg width="22" height="14" aria-hidden="true">
                        <rect class={format!("{}-status {}", self.class, s.to_ascii_lowercase())} x="2" y="2" width="18" height="10" />
                    </svg>
                    { *s }
                </li>
            }) }
            </>
        }
    }
}
