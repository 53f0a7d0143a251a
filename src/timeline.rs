//! The timeline (one lane per shard, with lineage, write density, incidents and episodes)
//! and the charts under it, sharing its time axis. Layout comes from `shardscope-views`;
//! this file only turns it into SVG and handles zoom, pan and selection.

use std::rc::Rc;

use shardscope_engine::lambda::{retry::Follow, LambdaEvent};
use shardscope_engine::trace::{EventKind, Series, Trace, TraceEvent};
use shardscope_views::chart::{chart, Scale};
use shardscope_views::coord::D1;
use shardscope_views::invocations::{self, shape, Outcome};
use shardscope_views::lanes::{density_paths, lanes};
use shardscope_views::marks::{episodes, markers, EpisodeKind, MarkerKind};
use shardscope_views::playhead::read_positions;
use shardscope_views::status_lane::MarkKind;
use shardscope_views::TimeAxis;
use yew::prelude::*;

/// Left gutter for lane labels and chart values, in pixels.
const GUTTER: f64 = 92.0;
const LANE_H: f64 = 22.0;
/// Room above the lanes: two rows of incident labels, then the time axis labels.
const AXIS_H: f64 = 43.0;
const CHART_H: f64 = 110.0;

/// What the reader clicked: shown in the inspector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    pub title: String,
    pub detail: String,
    /// Facts as label → value (shard, sequence range, records, attempt, checkpoints…).
    pub facts: Vec<(String, String)>,
    /// Why it happened, in a sentence, and the AWS page that states the rule.
    pub why: Option<(String, Option<String>)>,
    /// The assumption it rests on, where AWS documents nothing.
    pub assumption: Option<String>,
}

impl Selection {
    fn plain(title: String, detail: String) -> Selection {
        Selection {
            title,
            detail,
            ..Selection::default()
        }
    }
}

#[derive(Properties)]
pub struct TimelineProps {
    pub trace: Rc<Trace>,
    /// Reprocessing rewinds (recreate_mapping), drawn as jumps back in time.
    #[prop_or_default]
    pub rewinds: Rc<Vec<shardscope_views::marks::Rewind>>,
    pub on_select: Callback<Selection>,
}

/// The same run is the same trace object: comparing traces field by field (every event)
/// on each render of the page would cost more than it saves.
impl PartialEq for TimelineProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.trace, &other.trace)
            && self.rewinds == other.rewinds
            && self.on_select == other.on_select
    }
}

#[function_component(Timeline)]
pub fn timeline(props: &TimelineProps) -> Html {
    let container = use_node_ref();
    let width = use_state(|| 720.0_f64);
    let duration = props.trace.duration_us;
    // The run's era: a new one each time the duration changes (see `ForRun`).
    let eras = use_mut_ref(|| (duration, 0u64));
    let era = {
        let mut e = eras.borrow_mut();
        if e.0 != duration {
            *e = (duration, e.1 + 1);
        }
        e.1
    };
    let window = use_state(|| ForRun::new(era, (0u64, duration.max(1))));
    let log_age = use_state(|| false);
    // The playhead starts at the end, where the summary is; play moves it at `speed`×.
    let playhead = use_state(|| ForRun::new(era, duration));
    let mark_focus = use_state(|| 0usize);
    let playing = use_state(|| false);
    let speed = use_state(|| 60u64);

    // Measure the container; again on every window resize.
    {
        let container = container.clone();
        let width = width.clone();
        use_effect_with((), move |_| {
            let measure = {
                let width = width.clone();
                move || {
                    if let Some(el) = container.cast::<web_sys::Element>() {
                        let w = f64::from(el.client_width());
                        if w > 0.0 && (w - *width).abs() >= 1.0 {
                            width.set(w);
                        }
                    }
                }
            };
            measure();
            let listener = web_sys::window()
                .map(|w| gloo_events::EventListener::new(&w, "resize", move |_| measure()));
            move || drop(listener)
        });
    }
    // A new run (of another duration) shows the whole of it, with the playhead at its end.
    let win = window.get(era, (0, duration.max(1)));
    let head = playhead.get(era, duration);
    // Playing: every 100 ms of wall time the playhead moves `speed` × 100 ms on. The timer
    // keeps its own position (a state handle read inside it would be stale); a run of another
    // duration starts it again, from that run's end (where it stops).
    {
        let playhead = playhead.clone();
        let playing = playing.clone();
        use_effect_with((*playing, *speed, era), move |(on, speed, _)| {
            let step = speed.saturating_mul(100_000);
            let mut at = head;
            let timer = on.then(|| {
                let playhead = playhead.clone();
                let playing = playing.clone();
                gloo_timers::callback::Interval::new(100, move || {
                    at = at.saturating_add(step).min(duration);
                    playhead.set(ForRun::new(era, at));
                    if at >= duration {
                        playing.set(false);
                    }
                })
            });
            move || drop(timer)
        });
    }

    let trace = &props.trace;
    let plot_w = (*width - GUTTER - 8.0).max(120.0);
    let axis = TimeAxis {
        start_us: win.0,
        end_us: win.1,
        width: plot_w,
    };
    let zoom = |factor: f64| {
        let window = window.clone();
        let duration = duration.max(1);
        Callback::from(move |_: MouseEvent| {
            let (a, b) = win;
            let mid = (a + b) / 2;
            let half = (((b - a) as f64 * factor) / 2.0).max(500_000.0) as u64;
            let half = half.min(duration / 2 + 1);
            let start = mid
                .saturating_sub(half)
                .min(duration.saturating_sub(2 * half));
            window.set(ForRun::new(era, (start, (start + 2 * half).min(duration))));
        })
    };
    let pan = |direction: i64| {
        let window = window.clone();
        let duration = duration.max(1);
        Callback::from(move |_: MouseEvent| {
            let (a, b) = win;
            let step = (b - a) / 2;
            let start = if direction < 0 {
                a.saturating_sub(step)
            } else {
                (a + step).min(duration - (b - a))
            };
            window.set(ForRun::new(era, (start, start + (b - a))));
        })
    };
    let reset = {
        let window = window.clone();
        Callback::from(move |_: MouseEvent| window.set(ForRun::new(era, (0, duration.max(1)))))
    };
    let toggle_log = {
        let log_age = log_age.clone();
        Callback::from(move |_: MouseEvent| log_age.set(!*log_age))
    };
    let zoomed = win != (0, duration.max(1));
    let toggle_play = {
        let playing = playing.clone();
        let playhead = playhead.clone();
        Callback::from(move |_: MouseEvent| {
            if !*playing && head >= duration {
                playhead.set(ForRun::new(era, 0));
            }
            playing.set(!*playing);
        })
    };
    let on_scrub = {
        let playhead = playhead.clone();
        let playing = playing.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(input) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                if let Some(v) = crate::knobs::browser_number(&input) {
                    playing.set(false);
                    playhead.set(ForRun::new(era, v as u64));
                }
            }
        })
    };
    let on_speed = {
        let speed = speed.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Ok(v) = select.value().parse() {
                    speed.set(v);
                }
            }
        })
    };
    let next = shardscope_views::playhead::next_incident(trace, head);
    let jump = {
        let playhead = playhead.clone();
        let window = window.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(t) = next {
                playhead.set(ForRun::new(era, t));
                // Keep the incident in view when zoomed in.
                let (a, b) = win;
                if t < a || t > b {
                    let half = (b - a) / 2;
                    let start = t.saturating_sub(half);
                    window.set(ForRun::new(era, (start, start + (b - a))));
                }
            }
        })
    };
    let counters = shardscope_views::playhead::counters_at(trace, head);
    let fh_lanes = shardscope_views::firehose::lanes(&trace.events, &axis);
    let fl_lanes = shardscope_views::flink::lanes(&trace.events, &axis);
    let gl_lanes = shardscope_views::glue::lanes(&trace.events, &axis);
    let kd_lanes = shardscope_views::kda_sql::lanes(&trace.events, &axis);
    let playhead_x = GUTTER + axis.x(head);
    let show_line = head >= axis.start_us && head <= axis.end_us;

    html! {
        <div class="timeline" ref={container} data-run={(Rc::as_ptr(trace) as usize).to_string()}>
            <div class="toolbar timeline-toolbar" role="toolbar" aria-label="Time axis">
                <button type="button" onclick={zoom(0.5)} aria-label="Zoom in">{ "Zoom in" }</button>
                <button type="button" onclick={zoom(2.0)} aria-label="Zoom out" disabled={!zoomed}>{ "Zoom out" }</button>
                <button type="button" onclick={pan(-1)} aria-label="Earlier" disabled={win.0 == 0}>{ "◀ Earlier" }</button>
                <button type="button" onclick={pan(1)} aria-label="Later" disabled={win.1 >= duration}>{ "Later ▶" }</button>
                <button type="button" onclick={reset} disabled={!zoomed}>{ "Whole run" }</button>
            </div>
            <div class="playhead-controls" role="group" aria-label="Playhead">
                <button type="button" onclick={toggle_play}>{ if *playing { "Pause" } else { "Play" } }</button>
                <label class="speed">
                    <span>{ "Speed" }</span>
                    <select onchange={on_speed} aria-label="Playback speed">
                        { for [(1u64, "1×"), (60, "1 min/s"), (600, "10 min/s"), (3600, "1 h/s")].iter().map(|(v, l)| html! {
                            <option value={v.to_string()} selected={*speed == *v}>{ *l }</option>
                        }) }
                    </select>
                </label>
                <input type="range" class="scrubber" aria-label="Playhead time" min="0"
                    max={trace.duration_us.to_string()} step="1000000" value={head.to_string()} oninput={on_scrub} />
                <output class="playhead-time">{ shardscope_views::axis::clock(head) }</output>
                <button type="button" onclick={jump} disabled={next.is_none()}>{ "Next incident ▸" }</button>
            </div>
            if !counters.is_empty() {
                <table class="figures counters" aria-label="Counters at the playhead">
                    <thead><tr>
                        <th scope="col">{ format!("at {}", shardscope_views::axis::clock(head)) }</th>
                        { for shardscope_views::playhead::COUNTERS.iter().map(|(l, _)| html! { <th scope="col">{ *l }</th> }) }
                    </tr></thead>
                    <tbody>
                        { for counters.iter().map(|(name, v)| html! {
                            <tr>
                                <th scope="row">{ name.clone() }</th>
                                { for v.iter().map(|n| html! { <td>{ crate::summary_view::group(*n) }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            <div class="plots">
            { rewinds_svg(&props.rewinds, &axis, *width) }
            { lanes_svg(trace, (&fh_lanes, &fl_lanes, &gl_lanes, &kd_lanes), &axis, *width, &props.on_select, &mark_focus, head) }
            { legend(trace, &fh_lanes, &fl_lanes, &gl_lanes, &kd_lanes) }
            { age_chart(trace, &axis, *width, *log_age, toggle_log) }
            { chart_svg(
                "Incoming records and write throttles",
                &shardscope_views::series::WRITES,
                trace, &axis, *width, Scale::Linear) }
            { for shardscope_views::series::CONSUMER_CHARTS.iter().map(|(title, metric)| {
                consumer_chart(title, metric, trace, &axis, *width)
            }) }
            { chart_svg(
                "Read throttles (GetRecords calls)",
                &shardscope_views::series::READS,
                trace, &axis, *width, Scale::Linear) }
            if show_line {
                <svg class="playhead-overlay" width="100%" height="100%" aria-hidden="true">
                    <line x1={D1(playhead_x).to_string()} x2={D1(playhead_x).to_string()} y1="0" y2="100%" />
                </svg>
            }
            </div>
        </div>
    }
}

/// A view setting of the timeline (its window, its playhead) and the era of the run it was
/// set for: the era changes with the run's duration, so a run of another duration starts
/// from the default in the render that draws it, and a setting of an earlier run of the
/// same duration is not revived. (Reset by an effect after that render, a run of another
/// duration, such as another preset's, was drawn twice: in the old window, then in its own.)
/// Knob changes that keep the duration keep the zoom and the playhead.
#[derive(Clone, Copy, PartialEq)]
struct ForRun<T> {
    era: u64,
    value: T,
}

impl<T: Copy> ForRun<T> {
    fn new(era: u64, value: T) -> Self {
        ForRun { era, value }
    }

    /// The setting for the run of `era`: `default` if it was set for another.
    fn get(&self, era: u64, default: T) -> T {
        if self.era == era {
            self.value
        } else {
            default
        }
    }
}

/// The invocation mark that is the timeline's one tab stop (the last one focused).
type MarkFocus = UseStateHandle<usize>;

fn lanes_svg(
    trace: &Rc<Trace>,
    (fh_lanes, fl_lanes, gl_lanes, kd_lanes): (
        &[shardscope_views::firehose::Lane],
        &[shardscope_views::flink::Lane],
        &[shardscope_views::glue::Lane],
        &[shardscope_views::kda_sql::Lane],
    ),
    axis: &TimeAxis,
    width: f64,
    on_select: &Callback<Selection>,
    mark_focus: &MarkFocus,
    playhead: u64,
) -> Html {
    let incoming: Vec<&Series> = trace
        .series
        .iter()
        .filter(|s| s.metric == "IncomingRecords" && s.shard.is_some())
        .collect();
    let lanes = lanes(&trace.shards, &incoming, axis, trace.duration_us);
    let fh_top = AXIS_H + LANE_H * lanes.len() as f64 + 4.0;
    let fl_top = fh_top + LANE_H * fh_lanes.len() as f64;
    let gl_top = fl_top + LANE_H * fl_lanes.len() as f64;
    let kd_top = gl_top + LANE_H * gl_lanes.len() as f64;
    let height = kd_top + LANE_H * kd_lanes.len() as f64 + 4.0;
    let y = |row: usize| AXIS_H + LANE_H * row as f64;
    let rows = shardscope_views::map_of(lanes.iter().map(|l| (l.shard, l.row)));
    let row_of = |shard| rows.get(&shard).copied();
    let clip = |x: f64| x.max(0.0).min(axis.width);

    let lane_marks = lanes.iter().map(|l| {
        let (x0, x1) = (clip(l.x_start), clip(l.x_end));
        let top = y(l.row);
        let connectors = l.parent_rows.iter().map(|p| {
            let py = y(*p) + LANE_H / 2.0;
            let cy = top + LANE_H / 2.0;
            let x = l.x_start;
            html! { <path class="lineage" d={format!("M{},{} C{},{} {},{} {},{}", D1(x), D1(py), D1(x + 6.0), D1(py), D1(x - 6.0), D1(cy), D1(x + 2.0), D1(cy))} /> }
        });
        html! {
            <g class="lane">
                <text class="lane-label" x="-8" y={D1(top + 15.0).to_string()} text-anchor="end">
                    { format!("shard {}", l.shard.0) }
                </text>
                if x1 > x0 {
                    <rect class={if l.closed { "lane-bg closed" } else { "lane-bg" }}
                        x={D1(x0).to_string()} y={D1(top + 3.0).to_string()}
                        width={D1(x1 - x0).to_string()} height={D1(LANE_H - 6.0).to_string()}>
                        <title>{ format!("{}{}", l.shard, if l.closed { " (CLOSED by a reshard)" } else { "" }) }</title>
                    </rect>
                }
                { for density_paths(&l.density, axis.width, top + 6.0, LANE_H - 12.0).into_iter().map(|(level, d)| {
                    html! { <path class={format!("density d{level}")} {d} /> }
                }) }
                { for connectors }
            </g>
        }
    });

    // Each consumer's read position on each shard at the playhead, and what it has not read
    // yet shaded up to the playhead (or the shard's end).
    let ends = shardscope_views::map_of(lanes.iter().map(|l| (l.shard, (l.x_start, l.x_end))));
    let read_marks = read_positions(trace, playhead).into_iter().filter_map(|p| {
        let row = row_of(p.shard)?;
        let (start, end) = ends.get(&p.shard).copied()?;
        let x = clip(axis.x(p.at_us).max(start));
        let to = clip(axis.x(playhead).min(end));
        let top = y(row);
        let title = format!(
            "{} has read {} up to {} (IteratorAge {} at the playhead's last read)",
            p.consumer,
            p.shard,
            shardscope_views::axis::clock(p.at_us),
            shardscope_views::axis::clock(p.age_ms * 1_000),
        );
        Some(html! {
            <g class="read-position">
                if to > x {
                    <rect class="behind" x={D1(x).to_string()} y={D1(top + 3.0).to_string()}
                        width={D1(to - x).to_string()} height={D1(LANE_H - 6.0).to_string()} />
                }
                <line class="read-mark" x1={D1(x).to_string()} x2={D1(x).to_string()}
                    y1={D1(top + 1.0).to_string()} y2={D1(top + LANE_H - 1.0).to_string()} />
                <title>{ title }</title>
            </g>
        })
    });

    // The episodes drawn, with their rows. Their clicks are handled by their group, which
    // finds the episode by its place in it (as the invocation marks'): a stream throttled
    // for a while has hundreds, and a handler and an inspector's view each were a good part
    // of a redraw.
    let drawn_episodes: Rc<Vec<_>> = Rc::new(
        episodes(&trace.events, axis)
            .into_iter()
            .filter(|e| e.x1 >= 0.0 && e.x0 <= axis.width)
            .filter_map(|e| Some((row_of(e.shard)?, e)))
            .collect(),
    );
    let episode_marks = drawn_episodes.iter().map(|(row, e)| {
        let (class, dy) = match e.kind {
            EpisodeKind::WriteThrottled => ("episode write-throttled", LANE_H - 5.0),
            EpisodeKind::ReadThrottled => ("episode read-throttled", 1.0),
            EpisodeKind::Expired => ("episode expired", LANE_H - 9.0),
        };
        let (x0, x1) = (clip(e.x0), clip(e.x1));
        html! {
            <rect class={class} x={D1(x0).to_string()} y={D1(y(*row) + dy).to_string()}
                width={D1((x1 - x0).max(2.0)).to_string()} height="4">
                <title>{ e.detail.clone() }</title>
            </rect>
        }
    });
    let on_episode_click = {
        let (select, drawn) = (on_select.clone(), drawn_episodes.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some((_, ep)) = mark_index(&e).and_then(|i| drawn.get(i)) {
                select.emit(Selection::plain(
                    episode_title(ep.kind).to_string(),
                    ep.detail.clone(),
                ));
            }
        })
    };

    let drawn: Vec<_> = invocations::marks(&trace.events, axis)
        .into_iter()
        .filter_map(|m| Some((row_of(m.shard)?, m)))
        .collect();
    // One tab stop for all the marks (a roving focus): the one focused last, or the first.
    let stop = (**mark_focus).min(drawn.len().saturating_sub(1));
    let drawn = Rc::new(drawn);
    let invocation_marks = drawn.iter().enumerate().map(|(i, (row, m))| {
        let cy = y(*row) + LANE_H / 2.0;
        let name = m.outcome.name();
        let label = format!("{} {} invocation(s) on {}", m.count, name, m.shard);
        let d = shape(m.outcome, m.x, cy, m.width);
        let tabindex = if i == stop { "0" } else { "-1" };
        // Named by its `<title>`, for screen readers too: no `aria-label` copy of it.
        html! {
            <g class={format!("inv {name}")} {tabindex} role="button">
                <path {d} />
                <title>{ label }</title>
            </g>
        }
    });
    // The marks' clicks, keys and focus are handled by their group, which finds the mark
    // by its place in the group (hundreds of marks, each with three handlers, were a good
    // part of a redraw). What the inspector shows is worked out on a click, not for every
    // mark drawn.
    let inspect = {
        let (select, trace, drawn) = (on_select.clone(), trace.clone(), drawn.clone());
        move |i: usize| {
            let Some((_, m)) = drawn.get(i) else { return };
            if let Some(event) = trace.events.get(m.event) {
                // The message is sent when the invocation ends, at or after its start
                // (and emitted before it: with a 0 ms invocation it sorts first).
                let from = trace.events.partition_point(|e| e.at < event.at);
                let message = on_failure_message(&trace.events[from..], event);
                select.emit(invocation_selection(event, message, m));
            }
        }
    };
    let on_mark_click = {
        let inspect = inspect.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(i) = mark_index(&e) {
                inspect(i);
            }
        })
    };
    let on_mark_key = Callback::from(move |e: KeyboardEvent| {
        if let Some(i) = mark_index(&e) {
            mark_key(&e, &|| inspect(i));
        }
    });
    let on_mark_focus = {
        let mark_focus = mark_focus.clone();
        Callback::from(move |e: FocusEvent| {
            if let Some(i) = mark_index(&e).filter(|&i| *mark_focus != i) {
                mark_focus.set(i);
            }
        })
    };

    let markers = markers(&trace.events, axis);
    let marker_marks = markers.iter().filter(|m| m.x >= 0.0 && m.x <= axis.width).map(|m| {
        let class = match m.kind {
            MarkerKind::Action => "marker action",
            MarkerKind::Rejected => "marker rejected",
            MarkerKind::Poison => "marker poison",
        };
        let selection = Selection::plain(m.label.clone(), m.detail.clone());
        let onclick = {
            let select = on_select.clone();
            let selection = selection.clone();
            Callback::from(move |_: MouseEvent| select.emit(selection.clone()))
        };
        let onkeydown = {
            let select = on_select.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" || e.key() == " " {
                    e.prevent_default();
                    select.emit(selection.clone());
                }
            })
        };
        html! {
            <g class={class} {onclick} {onkeydown} tabindex="0" role="button" aria-label={m.detail.clone()}>
                <rect class="hit" x={D1(m.x - 5.0).to_string()} y={(13 * m.row).to_string()}
                    width={D1(shardscope_views::marks::label_width(&m.label)).to_string()} height="14" />
                <line x1={D1(m.x).to_string()} x2={D1(m.x).to_string()} y1={(2 + 13 * m.row).to_string()} y2={D1(height - 4.0).to_string()} />
                <text x={D1(m.x + 3.0).to_string()} y={(11 + 13 * m.row).to_string()}>{ m.label.clone() }</text>
                <title>{ m.detail.clone() }</title>
            </g>
        }
    });

    let ticks = axis.ticks(70.0);
    html! {
        <svg class="lanes" width={D1(width).to_string()} height={(height.round() as i64).to_string()} role="img"
            aria-label={format!("{} shards over {}", lanes.len(), shardscope_views::axis::clock(trace.duration_us))}>
            <g transform={format!("translate({},0)", D1(GUTTER))}>
                { for ticks.iter().map(|t| html! {
                    <g class="tick">
                        <line x1={D1(t.x).to_string()} x2={D1(t.x).to_string()} y1={D1(AXIS_H).to_string()} y2={D1(height - 4.0).to_string()} />
                        <text x={D1(t.x).to_string()} y={D1(AXIS_H - 4.0).to_string()} text-anchor="middle">{ t.label.clone() }</text>
                    </g>
                }) }
                { for lane_marks }
                { crate::firehose_lanes::rows(trace, fh_lanes, axis, fh_top, LANE_H, on_select) }
                { crate::flink_lanes::LANES.rows(trace, fl_lanes, axis, fl_top, LANE_H, on_select) }
                { crate::glue_lanes::LANES.rows(trace, gl_lanes, axis, gl_top, LANE_H, on_select) }
                { crate::kda_sql_lanes::LANES.rows(trace, kd_lanes, axis, kd_top, LANE_H, on_select) }
                { for read_marks }
                <g class="invocations" role="group" onclick={on_mark_click} onkeydown={on_mark_key}
                    onfocusin={on_mark_focus}
                    aria-label="Invocations, shard by shard: arrow keys move between marks, Enter opens one in the inspector">
                    { for invocation_marks }
                </g>
                <g class="episodes" onclick={on_episode_click}>
                    { for episode_marks }
                </g>
                { for marker_marks }
            </g>
        </svg>
    }
}

/// The index of the mark an event happened on (an invocation's or a consumer lane's group,
/// or its shape in it; an episode): how many marks come before it in their group.
pub(crate) fn mark_index(e: &web_sys::Event) -> Option<usize> {
    use wasm_bindgen::JsCast;
    let mut el = e.target()?.dyn_into::<web_sys::Element>().ok()?;
    if el.first_element_child().is_none() {
        // The mark's shape or title.
        el = el.parent_element()?;
    }
    let mut i = 0;
    let mut before = el.previous_element_sibling();
    while let Some(b) = before {
        i += 1;
        before = b.previous_element_sibling();
    }
    Some(i)
}

/// Keys on a focused invocation mark: Enter or Space inspects it; the arrow keys move the
/// focus to the previous or next mark, Home and End to the first and last. The marks are
/// siblings in lane order: one shard's from left to right, then the next shard's.
pub(crate) fn mark_key(e: &KeyboardEvent, inspect: &dyn Fn()) {
    use wasm_bindgen::JsCast;
    let forward = match e.key().as_str() {
        "Enter" | " " => {
            e.prevent_default();
            inspect();
            return;
        }
        "ArrowRight" | "ArrowDown" => true,
        "ArrowLeft" | "ArrowUp" => false,
        "Home" | "End" => {
            e.prevent_default();
            let group = e
                .target_dyn_into::<web_sys::Element>()
                .and_then(|el| el.parent_element());
            let to = group.and_then(|g| {
                if e.key() == "Home" {
                    g.first_element_child()
                } else {
                    g.last_element_child()
                }
            });
            if let Some(to) = to.and_then(|t| t.dyn_into::<web_sys::SvgElement>().ok()) {
                let _ = to.focus();
            }
            return;
        }
        _ => return,
    };
    e.prevent_default();
    let Some(el) = e.target_dyn_into::<web_sys::Element>() else {
        return;
    };
    let to = if forward {
        el.next_element_sibling()
    } else {
        el.previous_element_sibling()
    };
    if let Some(to) = to.and_then(|t| t.dyn_into::<web_sys::SvgElement>().ok()) {
        let _ = to.focus();
    }
}

/// Each rewind as an arrow from the recreate back to where the new mapping starts reading.
fn rewinds_svg(rewinds: &[shardscope_views::marks::Rewind], axis: &TimeAxis, width: f64) -> Html {
    if rewinds.is_empty() {
        return html! {};
    }
    html! {
        <svg class="rewinds" width={D1(width).to_string()} height="34" role="img" aria-label="Reprocessing rewinds">
            <g transform={format!("translate({},0)", D1(GUTTER))}>
                { for rewinds.iter().map(|r| {
                    let (a, b) = (axis.x(r.from_us), axis.x(r.to_us));
                    let label = format!(
                        "{}: recreated at {}, reads again from {}",
                        r.consumer,
                        shardscope_views::axis::clock(r.from_us),
                        shardscope_views::axis::clock(r.to_us)
                    );
                    html! {
                        <g class="rewind">
                            <path d={format!("M{a},30 C{a},6 {b},6 {b},26", a = D1(a), b = D1(b))} />
                            <path class="head" d={format!("M{},21 L{},29 L{},21", D1(b - 4.0), D1(b), D1(b + 4.0))} />
                            <text x={D1((a + b) / 2.0).to_string()} y="10" text-anchor="middle">{ "rewind" }</text>
                            <title>{ label }</title>
                        </g>
                    }
                }) }
            </g>
        </svg>
    }
}

/// The OnFailure message a discarding invocation `event` sent: the first `on_failure` event in
/// `after` (the events from the invocation's start on) of the same consumer for the same records.
fn on_failure_message<'t>(after: &'t [TraceEvent], event: &TraceEvent) -> Option<&'t LambdaEvent> {
    let EventKind::Lambda(l) = &event.kind else {
        return None;
    };
    if l.follow != Some(Follow::Discard) {
        return None;
    }
    after.iter().find_map(|e| match &e.kind {
        EventKind::Lambda(m)
            if m.what == "on_failure"
                && e.cause == event.cause
                && m.shard == l.shard
                && m.first_seq == l.first_seq
                && m.last_seq == l.last_seq =>
        {
            Some(&**m)
        }
        _ => None,
    })
}

/// The inspector's view of an invocation mark: what happened, to which records, and why; for a
/// discarded batch, also what its OnFailure message says.
fn invocation_selection(
    event: &TraceEvent,
    message: Option<&LambdaEvent>,
    m: &invocations::Mark,
) -> Selection {
    let EventKind::Lambda(l) = &event.kind else {
        return Selection::default();
    };
    let mut facts = vec![
        ("consumer".to_string(), m.consumer.clone()),
        (
            "time".to_string(),
            shardscope_views::axis::clock(event.at.0),
        ),
    ];
    if let Some(shard) = l.shard {
        facts.push(("shard".into(), shard.to_string()));
    }
    if let Some(lane) = l.lane {
        facts.push(("ParallelizationFactor lane".into(), lane.to_string()));
    }
    if let (Some(a), Some(b)) = (l.first_seq, l.last_seq) {
        facts.push(("sequence numbers".into(), format!("{a} – {b}")));
    }
    if let Some(n) = l.records {
        facts.push(("records".into(), n.to_string()));
    }
    if let Some(n) = l.invocations {
        facts.push(("invocations".into(), n.to_string()));
    }
    if let Some(n) = l.attempt {
        facts.push(("attempt".into(), n.to_string()));
    }
    if let Some(d) = l.duration_ms {
        facts.push(("duration".into(), format!("{d} ms")));
    }
    if let Some(o) = l.outcome {
        facts.push(("outcome".into(), o.to_string()));
    }
    if let Some(e) = l.error {
        facts.push(("error".into(), e.replace('_', " ")));
    }
    if let Some(f) = l.follow {
        let f = serde_json_name(&f);
        facts.push(("then".into(), f.replace('_', " ")));
    }
    if let Some(r) = l.retry_in_ms {
        facts.push(("retry in".into(), format!("{r} ms")));
    }
    if let (Some(a), Some(b)) = (l.checkpoint_before, l.checkpoint_after) {
        facts.push(("checkpoint".into(), format!("{a} → {b}")));
    }
    // A discard's OnFailure message (`KinesisBatchInfo` and `requestContext`).
    let msg = message.unwrap_or(l);
    if let Some(c) = msg.condition {
        facts.push(("OnFailure condition".into(), c.to_string()));
    }
    if let Some(d) = msg.destination {
        facts.push(("destination".into(), d.to_string()));
    }
    if let Some(c) = msg.carries {
        facts.push((
            "destination receives".into(),
            serde_json_name(&c).replace('_', " "),
        ));
    }
    if let Some(t) = msg.first_arrival_ms {
        let t = shardscope_views::axis::clock(t * 1_000);
        facts.push(("approximateArrivalOfFirstRecord".into(), t));
    }
    if let Some(t) = msg.last_arrival_ms {
        let t = shardscope_views::axis::clock(t * 1_000);
        facts.push(("approximateArrivalOfLastRecord".into(), t));
    }
    let (text, link) = crate::consumer_lane::why(l.why);
    let title = if m.count > 1 {
        format!("{} × {} invocation", m.count, m.outcome.name())
    } else {
        format!("Invocation: {}", m.outcome.name())
    };
    Selection {
        title,
        detail: String::new(),
        facts,
        why: Some((text, link)),
        assumption: l.assumption.map(str::to_string),
    }
}

/// The snake_case name a value serializes to (the trace's own spelling).
fn serde_json_name<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn episode_title(kind: EpisodeKind) -> &'static str {
    match kind {
        EpisodeKind::WriteThrottled => "Write throttling",
        EpisodeKind::ReadThrottled => "Read throttling",
        EpisodeKind::Expired => "Records expired unread",
    }
}

fn age_chart(
    trace: &Trace,
    axis: &TimeAxis,
    width: f64,
    log: bool,
    toggle: Callback<MouseEvent>,
) -> Html {
    let series = shardscope_views::series::iterator_ages(trace);
    if series.is_empty() {
        return html! {};
    }
    html! {
        <figure class="chart">
            <figcaption>
                { "Iterator age per shard (ms)" }
                <button type="button" class="link" onclick={toggle}>
                    { if log { "linear scale" } else { "log scale" } }
                </button>
            </figcaption>
            { plot(&series, axis, width, if log { Scale::Log } else { Scale::Linear }) }
        </figure>
    }
}

/// A legend of the invocation shapes that appear in this run.
fn legend(
    trace: &Trace,
    fh_lanes: &[shardscope_views::firehose::Lane],
    fl_lanes: &[shardscope_views::flink::Lane],
    gl_lanes: &[shardscope_views::glue::Lane],
    kd_lanes: &[shardscope_views::kda_sql::Lane],
) -> Html {
    let mut seen = std::collections::BTreeSet::new();
    for e in &trace.events {
        if let EventKind::Lambda(l) = &e.kind {
            if let Some(o) = invocations::outcome(l) {
                seen.insert(o);
            }
        }
    }
    let reads = trace
        .series
        .iter()
        .any(|s| s.metric == "IteratorAgeMilliseconds" && s.shard.is_some());
    if seen.is_empty()
        && !reads
        && fh_lanes.is_empty()
        && fl_lanes.is_empty()
        && gl_lanes.is_empty()
    {
        return html! {};
    }
    html! {
        <ul class="legend-list" aria-label="Timeline marks">
            { for Outcome::ALL.iter().filter(|o| seen.contains(o)).map(|o| html! {
                <li>
                    <svg width="14" height="14" aria-hidden="true">
                        <g class={format!("inv {}", o.name())}><path d={shape(*o, 5.0, 7.0, 8.0)} /></g>
                    </svg>
                    { legend_label(*o) }
                </li>
            }) }
            if reads {
                <li>
                    <svg width="22" height="14" aria-hidden="true">
                        <g class="read-position">
                            <rect class="behind" x="5" y="2" width="16" height="10" />
                            <line class="read-mark" x1="5" x2="5" y1="1" y2="13" />
                        </g>
                    </svg>
                    { "read position at the playhead (from IteratorAge); shaded: not read yet" }
                </li>
            }
            { crate::firehose_lanes::legend_items(fh_lanes) }
            { crate::flink_lanes::LANES.legend_items(fl_lanes, &shardscope_views::flink::Kind::ALL.map(MarkKind::look)) }
            { crate::glue_lanes::LANES.legend_items(gl_lanes, &shardscope_views::glue::Kind::ALL.map(MarkKind::look)) }
            { crate::kda_sql_lanes::LANES.legend_items(kd_lanes, &shardscope_views::kda_sql::Kind::ALL.map(MarkKind::look)) }
        </ul>
    }
}

fn legend_label(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::Error => "error, retried",
        Outcome::Timeout => "timeout, retried",
        Outcome::Bisect => "error, batch bisected",
        Outcome::Partial => "partial batch failure",
        Outcome::Throttled => "throttled (no retry used)",
        Outcome::Discard => "discarded → OnFailure",
    }
}

/// One Lambda metric, a line per consumer.
fn consumer_chart(title: &str, metric: &str, trace: &Trace, axis: &TimeAxis, width: f64) -> Html {
    let series = shardscope_views::series::per_consumer(trace, metric);
    if series.is_empty()
        || series
            .iter()
            .all(|(_, s)| s.values.iter().all(|v| v.unwrap_or(0) == 0))
    {
        return html! {};
    }
    let period = shardscope_views::axis::clock(series[0].1.period_ms * 1_000);
    html! {
        <figure class="chart">
            <figcaption>{ format!("{title}, per {period}") }</figcaption>
            { plot(&series, axis, width, Scale::Linear) }
        </figure>
    }
}

fn chart_svg(
    title: &str,
    metrics: &[&str],
    trace: &Trace,
    axis: &TimeAxis,
    width: f64,
    scale: Scale,
) -> Html {
    let series = shardscope_views::series::stream(trace, metrics);
    if series.is_empty() {
        return html! {};
    }
    let period = shardscope_views::axis::clock(series[0].1.period_ms * 1_000);
    html! {
        <figure class="chart">
            <figcaption>{ format!("{title}, per {period}") }</figcaption>
            { plot(&series, axis, width, scale) }
        </figure>
    }
}

fn plot(series: &[(String, &Series)], axis: &TimeAxis, width: f64, scale: Scale) -> Html {
    let c = chart(series, axis, CHART_H, scale);
    let legend = html! {
        <ul class="legend-list series-legend">
            { for c.lines.iter().enumerate().map(|(i, line)| html! {
                <li class={format!("s{}", i % 8)}>{ format!("— {}", line.label) }</li>
            }) }
        </ul>
    };
    html! {
        <>
        <svg width={D1(width).to_string()} height={((CHART_H + 10.0) as i64).to_string()} role="img"
            aria-label={series.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", ")}>
            <g transform={format!("translate({},6)", D1(GUTTER))}>
                { for c.y_ticks.iter().map(|(y, label)| html! {
                    <g class="tick">
                        <line x1="0" x2={D1(axis.width).to_string()} y1={D1(*y).to_string()} y2={D1(*y).to_string()} />
                        <text x="-6" y={D1(y + 4.0).to_string()} text-anchor="end">{ label.clone() }</text>
                    </g>
                }) }
                { for c.lines.iter().enumerate().map(|(i, line)| html! {
                    <g class={format!("series s{}", i % 8)}>
                        <title>{ format!("{} (max {})", line.label, line.max) }</title>
                        <path d={shardscope_views::chart::path_data(&line.segments)} />
                    </g>
                }) }
            </g>
        </svg>
        { legend }
        </>
    }
}
