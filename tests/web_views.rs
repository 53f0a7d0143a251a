//! Component tests of the view code in a real browser (wasm-bindgen-test in headless
//! Chromium): the timeline draws a trace's lanes and invocation marks, hands a mark to the
//! inspector by mouse and by keyboard (a consumer lane's marks too, and a throttling episode
//! by mouse), shows a run of another duration whole, and the summary table shows the
//! engine's numbers.
//! The expected numbers come from the preset's story: bounded-retries-on-failure has 2
//! shards, MaximumRetryAttempts 2 (3 failed invocations, the last one discards) and 1
//! OnFailure message.

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use shardscope::timeline::{Selection, Timeline, TimelineProps};
use shardscope_engine::{Simulation, Trace};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::{function_component, Callback, Html, Properties};

wasm_bindgen_test_configure!(run_in_browser);

fn trace_of(preset: &str) -> Rc<Trace> {
    let p = shardscope::presets::by_id(preset).expect("preset");
    let scenario = shardscope_engine::scenario::parse(p.json).expect("valid preset");
    let mut sim = Simulation::new(&scenario).expect("simulation");
    sim.run();
    Rc::new(sim.finish())
}

fn new_root() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

/// Mounts the timeline for `trace`; returns its root and what it handed to the inspector.
async fn mount_timeline(trace: Rc<Trace>) -> (web_sys::Element, Rc<RefCell<Vec<Selection>>>) {
    let root = new_root();
    let selected = Rc::new(RefCell::new(Vec::new()));
    let sink = selected.clone();
    let props = TimelineProps {
        trace,
        rewinds: Rc::default(),
        on_select: Callback::from(move |s: Selection| sink.borrow_mut().push(s)),
    };
    yew::Renderer::<Timeline>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;
    (root, selected)
}

fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into().ok())
        .collect()
}

/// The invocations a mark stands for: its name (its `<title>`) starts with the count.
fn count_of(mark: &web_sys::Element) -> u64 {
    let label = mark
        .query_selector("title")
        .ok()
        .flatten()
        .and_then(|t| t.text_content())
        .unwrap_or_default();
    label.split(' ').next().unwrap().parse().unwrap()
}

fn bubbling(kind: &str) -> web_sys::Event {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    web_sys::Event::new_with_event_init_dict(kind, &init).unwrap()
}

fn key(name: &str) -> web_sys::KeyboardEvent {
    let init = web_sys::KeyboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_key(name);
    web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap()
}

fn focused() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

#[wasm_bindgen_test]
async fn the_timeline_draws_a_lane_per_shard_and_marks_by_outcome() {
    let trace = trace_of("bounded-retries-on-failure");
    let (root, _) = mount_timeline(trace.clone()).await;

    let lanes = all(&root, ".lane-label");
    assert_eq!(lanes.len(), 2, "one lane per shard");
    let enricher = &trace.summary.consumers["enricher"];
    assert_eq!(enricher.failed_invocations, 3);
    assert_eq!(enricher.on_failure_messages, 1);
    // The 3 failed invocations: 2 errors that are retried, then the one that discards.
    let errors: u64 = all(&root, ".invocations .inv.error")
        .iter()
        .map(count_of)
        .sum();
    let discards: u64 = all(&root, ".invocations .inv.discard")
        .iter()
        .map(count_of)
        .sum();
    assert_eq!((errors, discards), (2, 1));
    // Every invocation is drawn: the marks' counts add up to the summary's. (This preset has
    // no throttles, which are marks but not invocations, and no tumbling-window final
    // invocations, which are invocations without a mark.)
    let drawn: u64 = all(&root, ".invocations .inv").iter().map(count_of).sum();
    assert_eq!(drawn, enricher.invocations);
    // Readable without colour: each mark has a shape (a path) and a text label.
    for mark in all(&root, ".invocations .inv") {
        assert!(mark.query_selector("path").unwrap().is_some());
        assert!(mark.query_selector("title").unwrap().is_some());
    }
    // The consumer's read position on each shard, at the playhead (the end of the run).
    assert_eq!(all(&root, ".lanes .read-position .read-mark").len(), 2);
    // The poison incident is a labelled marker; the charts share the time axis.
    assert_eq!(all(&root, ".marker.poison").len(), 1);
    // Each series is one path; its segments are subpaths.
    let lines = all(&root, ".chart .series path");
    assert!(lines.len() >= 5, "the charts are drawn");
    assert!(lines
        .iter()
        .all(|l| l.get_attribute("d").is_some_and(|d| d.starts_with('M'))));
}

#[wasm_bindgen_test]
async fn a_clicked_mark_goes_to_the_inspector_with_its_aws_rule() {
    let trace = trace_of("bounded-retries-on-failure");
    let (root, selected) = mount_timeline(trace).await;

    let error = all(&root, ".invocations .inv.error").remove(0);
    error.dispatch_event(&bubbling("click")).unwrap();
    yew::scheduler::flush().await;
    let s = selected.borrow().last().cloned().expect("a selection");
    assert!(s.title.contains("error"), "{}", s.title);
    let (why, link) = s.why.expect("a why");
    assert!(why.contains("retried"), "{why}");
    assert_eq!(
        link.as_deref(),
        Some("https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html")
    );
    assert!(
        s.assumption.is_some(),
        "the retry back-off is an assumption"
    );
}

/// Throttling episodes open through their group's one handler, by their place in it.
#[wasm_bindgen_test]
async fn a_clicked_episode_goes_to_the_inspector() {
    let trace = trace_of("write-throttling-hot-shard");
    let (root, selected) = mount_timeline(trace).await;

    let episodes = all(&root, ".episodes .episode.write-throttled");
    assert!(!episodes.is_empty(), "the hot shard is throttled");
    let last = episodes.last().unwrap();
    last.dispatch_event(&bubbling("click")).unwrap();
    yew::scheduler::flush().await;
    let s = selected.borrow().last().cloned().expect("a selection");
    assert_eq!(s.title, "Write throttling");
    // The episode clicked, not another: its tooltip is the inspector's detail.
    let title = last
        .query_selector("title")
        .unwrap()
        .and_then(|t| t.text_content())
        .unwrap();
    assert_eq!(s.detail, title);
}

/// A consumer lane's marks open through their group's handlers, by mouse and by Enter, each
/// as itself (found by its place among the lane's marks).
#[wasm_bindgen_test]
async fn a_consumer_lanes_marks_go_to_the_inspector_by_mouse_and_by_key() {
    let trace = trace_of("firehose-opensearch-outage-to-backup");
    let (root, selected) = mount_timeline(trace).await;

    let marks = all(&root, ".firehose-marks [role=button]");
    assert!(marks.len() >= 2, "{} marks", marks.len());
    let backup = marks
        .iter()
        .position(|m| {
            m.get_attribute("class")
                .is_some_and(|c| c.contains("to-backup"))
        })
        .expect("a batch that went to the S3 backup");
    marks[backup].dispatch_event(&bubbling("click")).unwrap();
    yew::scheduler::flush().await;
    let s = selected.borrow().last().cloned().expect("a selection");
    assert!(
        s.title.contains("Firehose buffer: to backup"),
        "{}",
        s.title
    );

    let first = &marks[0];
    first.dispatch_event(&key("Enter")).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(selected.borrow().len(), 2, "Enter opens the focused mark");
    let s = selected.borrow().last().cloned().unwrap();
    assert!(
        !s.title.contains("to backup"),
        "the first mark, not the one clicked: {}",
        s.title
    );
}

/// A run of another duration (another preset) is drawn whole at once, with the playhead at
/// its end, even when the last one was zoomed in; and so is a later run of the zoomed run's
/// duration.
#[wasm_bindgen_test]
async fn a_run_of_another_duration_is_drawn_whole() {
    let short = trace_of("bounded-retries-on-failure");
    let long = trace_of("write-throttling-hot-shard");
    assert_ne!(short.duration_us, long.duration_us);
    let root = new_root();
    let props = |trace: Rc<Trace>| TimelineProps {
        trace,
        rewinds: Rc::default(),
        on_select: Callback::noop(),
    };
    let mut app =
        yew::Renderer::<Timeline>::with_root_and_props(root.clone(), props(short.clone())).render();
    yew::scheduler::flush().await;
    let button = |label: &str| {
        all(&root, "button")
            .into_iter()
            .find(|b| b.text_content().as_deref() == Some(label))
            .unwrap()
    };
    let playhead = || {
        root.query_selector(".playhead-time")
            .unwrap()
            .and_then(|o| o.text_content())
            .unwrap()
    };
    button("Zoom in")
        .dispatch_event(&bubbling("click"))
        .unwrap();
    yew::scheduler::flush().await;
    assert!(!button("Whole run").has_attribute("disabled"), "zoomed in");

    app.update(props(long.clone()));
    yew::scheduler::flush().await;
    assert!(
        button("Whole run").has_attribute("disabled"),
        "the new run is shown whole"
    );
    assert_eq!(playhead(), shardscope_views::axis::clock(long.duration_us));

    // Back to a run of the first one's duration: whole too, not the first run's zoom again.
    app.update(props(trace_of("bounded-retries-on-failure")));
    yew::scheduler::flush().await;
    assert!(
        button("Whole run").has_attribute("disabled"),
        "not the old zoom revived"
    );
    assert_eq!(playhead(), shardscope_views::axis::clock(short.duration_us));
}

#[wasm_bindgen_test]
async fn the_marks_are_one_tab_stop_and_the_arrows_move_between_them() {
    let trace = trace_of("bounded-retries-on-failure");
    let (root, selected) = mount_timeline(trace).await;

    let marks = all(&root, ".invocations .inv");
    assert!(marks.len() > 3);
    let stops: Vec<_> = marks
        .iter()
        .filter(|m| m.get_attribute("tabindex").as_deref() == Some("0"))
        .collect();
    assert_eq!(stops.len(), 1, "one tab stop");
    assert!(marks[1..]
        .iter()
        .all(|m| m.get_attribute("tabindex").as_deref() == Some("-1")));

    let first: web_sys::SvgElement = marks[0].clone().dyn_into().unwrap();
    first.focus().unwrap();
    first.dispatch_event(&key("ArrowRight")).unwrap();
    assert_eq!(focused().as_ref(), Some(&marks[1]));
    // The tab stop moves with the focus: Tab out and back returns to this mark.
    yew::scheduler::flush().await;
    let marks = all(&root, ".invocations .inv");
    assert_eq!(marks[1].get_attribute("tabindex").as_deref(), Some("0"));
    assert_eq!(marks[0].get_attribute("tabindex").as_deref(), Some("-1"));
    marks[1].dispatch_event(&key("End")).unwrap();
    assert_eq!(focused().as_ref(), marks.last());
    marks.last().unwrap().dispatch_event(&key("Home")).unwrap();
    assert_eq!(focused().as_ref(), Some(&marks[0]));

    // Enter on the discard mark opens it, with its OnFailure message.
    let discard = all(&root, ".invocations .inv.discard").remove(0);
    discard.dispatch_event(&key("Enter")).unwrap();
    yew::scheduler::flush().await;
    let s = selected.borrow().last().cloned().expect("a selection");
    let fact = |k: &str| s.facts.iter().find(|(l, _)| l == k).map(|(_, v)| v.clone());
    assert_eq!(
        fact("OnFailure condition").as_deref(),
        Some("RetryAttemptsExhausted")
    );
    assert_eq!(fact("destination").as_deref(), Some("sqs"));
    assert_eq!(fact("attempt").as_deref(), Some("3"));
    assert!(fact("approximateArrivalOfFirstRecord").is_some());
    assert!(fact("approximateArrivalOfLastRecord").is_some());
}

#[derive(Properties, PartialEq)]
struct SummaryProps {
    summary: shardscope_engine::trace::Summary,
}

/// The summary's tables as a root component.
#[function_component(SummaryHost)]
fn summary_host(props: &SummaryProps) -> Html {
    shardscope::summary_view::summary_view(&props.summary)
}

#[wasm_bindgen_test]
async fn the_summary_table_shows_the_engine_numbers() {
    let trace = trace_of("bounded-retries-on-failure");
    let root = new_root();
    let props = SummaryProps {
        summary: trace.summary.clone(),
    };
    yew::Renderer::<SummaryHost>::with_root_and_props(root.clone(), props).render();
    yew::scheduler::flush().await;

    let row = |table: &str, label: &str| -> String {
        all(&root, &format!("table[aria-label=\"{table}\"] tr"))
            .into_iter()
            .find(|tr| {
                tr.query_selector("th")
                    .unwrap()
                    .and_then(|th| th.text_content())
                    .as_deref()
                    == Some(label)
            })
            .and_then(|tr| tr.query_selector("td").unwrap())
            .and_then(|td| td.text_content())
            .unwrap_or_default()
    };
    let c = &trace.summary.consumers["enricher"];
    assert_eq!(row("Consumer summary", "failed invocations"), "3");
    assert_eq!(row("Consumer summary", "OnFailure messages"), "1");
    assert_eq!(
        row("Consumer summary", "processed"),
        shardscope::summary_view::group(c.processed)
    );
    assert_eq!(
        row("Stream summary", "incoming records"),
        shardscope::summary_view::group(trace.summary.stream.incoming_records)
    );
}
