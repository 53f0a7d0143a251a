//! Flink consumers' lanes under the shards (layout from `shardscope_views::flink`):
//! the application's status as bands, and checkpoints, failures, restores,
//! snapshots and scalings as marks the reader can open in the inspector.

use std::rc::Rc;

use shardscope_engine::trace::{EventKind, Trace};
use shardscope_views::coord::D1;
use shardscope_views::flink::{facts, shape, Kind, Lane};
use shardscope_views::TimeAxis;
use yew::prelude::*;

use crate::consumer_lane;
use crate::timeline::Selection;

/// The inspector's view of Flink event `index` of `trace`.
pub fn selection(trace: &Trace, index: usize, count: u64, consumer: &str) -> Selection {
    let Some(event) = trace.events.get(index) else {
        return Selection::default();
    };
    let EventKind::Flink(f) = &event.kind else {
        return Selection::default();
    };
    let what = match f.what {
        "status" => format!("Flink application {}", f.status.unwrap_or("")),
        other => format!("Flink {other}"),
    };
    consumer_lane::selection(
        consumer_lane::counted(count, what),
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
            let cy = y + lane_h / 2.0;
            let open = |event: usize, count: u64| {
                let select = on_select.clone();
                let trace = trace.clone();
                let consumer = l.consumer.clone();
                Callback::from(move |()| select.emit(selection(&trace, event, count, &consumer)))
            };
            let bands = l.bands.iter().map(|b| {
                let onclick = open(b.event, 1).reform(|_: MouseEvent| ());
                html! {
                    <rect class={format!("fl-status {}", status_class(b.status))} {onclick}
                        x={D1(b.x0).to_string()} y={D1(y + 3.0).to_string()}
                        width={D1((b.x1 - b.x0).max(1.0)).to_string()} height={D1(lane_h - 6.0).to_string()}>
                        <title>{ format!("{}: {}", l.consumer, b.status) }</title>
                    </rect>
                }
            });
            let marks = l.marks.iter().enumerate().map(|(i, m)| {
                consumer_lane::mark(
                    format!("fl {}", m.kind.name()),
                    shape(m.kind, m.x, cy),
                    format!("{} × {} ({})", m.count, m.kind.label(), l.consumer),
                    i == 0,
                    open(m.event, m.count),
                )
            });
            consumer_lane::Frame {
                kind: "flink",
                consumer: &l.consumer,
                title: format!("{}: Managed Service for Apache Flink", l.consumer),
                y,
                lane_h,
                width: axis.width,
                marks_label: "checkpoints, failures and restores",
            }
            .draw(bands.collect(), marks.collect())
        }) }
    }
}

/// The Flink marks and statuses that appear in `lanes`, for the legend.
pub fn legend_items(lanes: &[Lane]) -> Html {
    let seen = |k: Kind| lanes.iter().any(|l| l.marks.iter().any(|m| m.kind == k));
    let statuses: Vec<&str> = ["RESTARTING", "UPDATING", "AUTOSCALING", "READY"]
        .into_iter()
        .filter(|s| lanes.iter().any(|l| l.bands.iter().any(|b| b.status == *s)))
        .collect();
    html! {
        <>
        { for Kind::ALL.iter().filter(|k| seen(**k)).map(|k| html! {
            <li>
                <svg width="14" height="14" aria-hidden="true">
                    <g class={format!("fl {}", k.name())}><path d={shape(*k, 8.0, 8.0)} /></g>
                </svg>
                { k.label() }
            </li>
        }) }
        { for statuses.into_iter().map(|s| html! {
            <li>
                <svg width="22" height="14" aria-hidden="true">
                    <rect class={format!("fl-status {}", status_class(s))} x="2" y="2" width="18" height="10" />
                </svg>
                { s }
            </li>
        }) }
        </>
    }
}

/// The CSS class of a status band.
fn status_class(status: &str) -> &'static str {
    match status {
        "RESTARTING" => "restarting",
        "UPDATING" => "updating",
        "AUTOSCALING" => "autoscaling",
        _ => "ready",
    }
}
