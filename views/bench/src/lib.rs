//! The page's chart drawing and its engine, built for wasm and timed in node
//! (`tests/bench/views.mjs`): every chart line of a run laid out (`chart`) and written as path
//! text (`path_data`), as a redraw does, and the run itself. In the page a redraw's drawing
//! moves by half a millisecond from run to run, and the engine by a tenth; here, without a
//! browser, runs repeat within a few per cent, which is what a change to the chart code or to
//! the engine's hot paths at the page's opt-level needs to be judged by.
//!
//! Two exported functions: `setup(story)` runs a story and keeps its trace (it returns the
//! number of trace events; timing it times the engine), `redraw(times)` draws its charts
//! `times` times (it returns the length of the text written, so that none of it is optimised
//! away).

// `no_mangle` (to export the two functions) counts as unsafe code; nothing else is.
#![deny(unsafe_code)]

use std::cell::RefCell;

use shardscope_engine::compare::{Choice, Runs};
use shardscope_engine::trace::Trace;
use shardscope_views::chart::{chart, path_data, Scale};
use shardscope_views::series::{
    iterator_ages, per_consumer, stream, CONSUMER_CHARTS, READS, WRITES,
};
use shardscope_views::TimeAxis;

/// The stories timed: (name, scenario, drawn as in the compare view).
pub const STORIES: [(&str, &str, bool); 4] = [
    (
        "shared-throughput-vs-enhanced-fan-out",
        include_str!("../../../www/presets/shared-throughput-vs-enhanced-fan-out.json"),
        false,
    ),
    (
        "poison-blocks-a-shard",
        include_str!("../../../www/presets/poison-blocks-a-shard.json"),
        false,
    ),
    (
        "tour/scaling",
        include_str!("../../../www/presets/tour/scaling.json"),
        true,
    ),
    (
        "buggy-deploy-and-replay",
        include_str!("../../../www/presets/buggy-deploy-and-replay.json"),
        false,
    ),
];

/// The plot's width in pixels, as on a 1280 px wide page.
const WIDTH: f64 = 1_100.0;

thread_local! {
    static TRACE: RefCell<Option<Trace>> = const { RefCell::new(None) };
}

/// Runs story `story` (an index into [`STORIES`]) and keeps its trace; returns the number of
/// its trace events, or 0 if there is no such story.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn setup(story: u32) -> u32 {
    let Some((_, json, compared)) = STORIES.get(story as usize) else {
        return 0;
    };
    let Ok(s) = shardscope_engine::scenario::parse(json) else {
        return 0;
    };
    let choice = compared.then(|| Choice {
        consumers: s.consumers.iter().map(|c| c.name.clone()).collect(),
        shared: false,
    });
    let Ok(run) = Runs::new(&s, choice.as_ref()) else {
        return 0;
    };
    let trace = run.finish();
    let events = trace.events.len() as u32;
    TRACE.with_borrow_mut(|t| *t = Some(trace));
    events
}

/// Draws the kept trace's charts `times` times; returns the bytes of path text written.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn redraw(times: u32) -> u32 {
    TRACE.with_borrow(|t| {
        t.as_ref()
            .map_or(0, |trace| (0..times).map(|_| charts(trace)).sum())
    })
}

/// Every chart of `trace`, laid out and written: the length of the text.
pub fn charts(trace: &Trace) -> u32 {
    let axis = TimeAxis::whole(trace.duration_us, WIDTH);
    let mut groups = vec![iterator_ages(trace)];
    groups.extend(CONSUMER_CHARTS.iter().map(|(_, m)| per_consumer(trace, m)));
    groups.push(stream(trace, &WRITES));
    groups.push(stream(trace, &READS));
    let mut bytes = 0;
    for series in groups.iter().filter(|g| !g.is_empty()) {
        for line in chart(series, &axis, 120.0, Scale::Linear).lines {
            bytes += path_data(&line.segments).len();
        }
    }
    bytes as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every story runs and draws something.
    #[test]
    fn every_story_draws() {
        for i in 0..STORIES.len() as u32 {
            assert!(setup(i) > 0, "{}", STORIES[i as usize].0);
            assert!(redraw(1) > 1_000, "{}", STORIES[i as usize].0);
        }
        assert_eq!(setup(99), 0);
    }
}
