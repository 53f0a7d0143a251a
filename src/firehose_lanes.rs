//! Firehose consumers' lanes under the shards (layout from `shardscope_views::firehose`):
//! buffers filling, stalls, outages, and each delivery or transform invocation as a mark
//! the reader can open in the inspector (click, or Enter on a focused mark).

use std::rc::Rc;

use shardscope_engine::trace::{EventKind, Trace};
use shardscope_views::coord::D1;
use shardscope_views::firehose::{facts, shape, Lane, Outcome};
use shardscope_views::TimeAxis;
use yew::prelude::*;

use crate::consumer_lane;
use crate::timeline::Selection;

/// The inspector's view of Firehose event `index` of `trace`.
pub fn selection(trace: &Trace, index: usize, count: u64, consumer: &str) -> Selection {
    let Some(event) = trace.events.get(index) else {
        return Selection::default();
    };
    let EventKind::Firehose(f) = &event.kind else {
        return Selection::default();
    };
    let what = match f.what {
        "transform" => "Transform invocation",
        "delivery" => "Firehose buffer",
        _ => "Firehose",
    };
    let outcome = f.outcome.unwrap_or("").replace('_', " ");
    consumer_lane::selection(
        consumer_lane::counted(count, format!("{what}: {outcome}")),
        consumer,
        event.at.0,
        facts(f),
        f.why,
        f.assumption,
    )
}

/// The lanes drawn from `top`, each `lane_h` high.
pub fn rows(
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
            let band = |spans: &[shardscope_views::firehose::Span], class: &'static str, dy: f64, h: f64| {
                spans.iter().map(move |s| html! {
                    <rect class={class} x={D1(s.x0).to_string()} y={D1(y + dy).to_string()}
                        width={D1((s.x1 - s.x0).max(1.0)).to_string()} height={D1(h).to_string()} />
                }).collect::<Html>()
            };
            let cy = y + lane_h / 2.0;
            let marks = l.marks.iter().enumerate().map(|(i, m)| {
                consumer_lane::mark(
                    format!("fh {}", m.outcome.name()),
                    shape(m.outcome, m.x, m.x_end, cy),
                    format!("{} × {} ({})", m.count, m.outcome.label(), l.consumer),
                    i == 0,
                )
            });
            let marks_at = l.marks.iter().map(|m| (m.event, m.count));
            let open = consumer_lane::open_marks(on_select, trace, &l.consumer, marks_at, selection);
            let body = html! {
                <>
                    { band(&l.outages, "fh-outage", 3.0, lane_h - 6.0) }
                    { band(&l.backup_outages, "fh-outage backup", 3.0, lane_h - 6.0) }
                    { band(&l.buffers, "fh-buffer", 5.0, 4.0) }
                    { band(&l.stalls, "fh-stall", lane_h - 7.0, 4.0) }
                </>
            };
            consumer_lane::Frame {
                kind: "firehose",
                consumer: &l.consumer,
                title: format!("{}: Firehose → {}", l.consumer, l.destination.replace('_', " ")),
                y,
                lane_h,
                width: axis.width,
                marks_label: "buffers and deliveries",
            }
            .draw(body, marks.collect(), open)
        }) }
    }
}

/// The Firehose marks that appear in `lanes`, for the legend.
pub fn legend_items(lanes: &[Lane]) -> Html {
    let seen: Vec<Outcome> = Outcome::ALL
        .into_iter()
        .filter(|o| {
            lanes
                .iter()
                .any(|l| l.marks.iter().any(|m| m.outcome == *o))
        })
        .collect();
    let stalls = lanes.iter().any(|l| !l.stalls.is_empty());
    html! {
        <>
        { for Outcome::ALL.iter().filter(|o| seen.contains(o)).map(|o| html! {
            <li>
                <svg width="14" height="14" aria-hidden="true">
                    <g class={format!("fh {}", o.name())}><path d={shape(*o, 7.0, 7.0, 8.0)} /></g>
                </svg>
                { o.label() }
            </li>
        }) }
        if !lanes.is_empty() {
            <li>
                <svg width="22" height="14" aria-hidden="true"><rect class="fh-buffer" x="2" y="5" width="18" height="4" /></svg>
                { "buffer filling (first record → flush)" }
            </li>
        }
        if stalls {
            <li>
                <svg width="22" height="14" aria-hidden="true"><rect class="fh-stall" x="2" y="5" width="18" height="4" /></svg>
                { "stalled: retrying, reading paused" }
            </li>
        }
        </>
    }
}
