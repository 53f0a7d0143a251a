//! Running the engine without freezing the page: the simulation advances in slices of
//! simulated time, handing the page back to the browser between them, with progress and a
//! cancel button. A short
//! scenario finishes within the first frame; a long one keeps the page responsive.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use shardscope_engine::compare::{Choice, Runs};
use shardscope_engine::scenario::Scenario;
use shardscope_engine::time::SimTime;
use shardscope_engine::Trace;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Wall-clock budget of one frame's worth of simulation, in milliseconds: most of a 60 Hz
/// frame, leaving room to draw.
const FRAME_BUDGET_MS: f64 = 12.0;

/// The first frame's budget: a run that fits in it is drawn without a progress bar and without
/// handing the page back in between (each costs a render and a paint of the page: measured,
/// 12-19 ms of poison-blocks-a-shard's and tour/scaling's knob change to redraw at 50 ms). 100 ms
/// is the limit under which a response still feels instant (Nielsen's 0.1 s), so a run that
/// fits needs no progress bar, and a knob dragged on a long scenario waits at most that long.
const FIRST_FRAME_BUDGET_MS: f64 = 100.0;

/// How often a long run redraws its progress bar, in milliseconds: each redraw renders the
/// whole page again, so not after every frame's slice.
const PROGRESS_EVERY_MS: f64 = 100.0;

#[derive(Clone, PartialEq)]
pub enum RunState {
    /// Nothing to run (no valid scenario yet).
    Idle,
    /// Simulating; `progress` is the simulated fraction done, 0 to 1.
    Running {
        progress: f64,
    },
    /// The trace, and the wall-clock milliseconds spent simulating it (the slices only,
    /// not the pauses between them).
    Done(Rc<Trace>, f64),
    Cancelled,
    Failed(String),
}

/// The next slice of simulated time, sized so that a slice takes about a quarter of the
/// frame budget: grow when slices are quick, shrink when they are slow.
pub fn next_slice_us(slice_us: u64, took_ms: f64) -> u64 {
    let target = FRAME_BUDGET_MS / 4.0;
    let factor = if took_ms <= 0.01 {
        8.0
    } else {
        (target / took_ms).clamp(0.25, 8.0)
    };
    ((slice_us as f64 * factor) as u64).clamp(1_000, u64::MAX / 4)
}

/// A fine clock (`performance.now()`), or the date's milliseconds without one.
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Runs `scenario` (its consumers compared by `choice`, if any) whenever either changes;
/// returns the state of the run, whether that run is a comparison, and a cancel callback.
/// (Until a new run first reports, the last one's state stays on show, and with it
/// whether it was a comparison: the page must not draw a compare table for a plain run.)
///
/// The first slice runs in a microtask queued by the render that sees the change: after that
/// render, before the browser may paint, and outside Yew's scheduler. Run from an effect
/// (inside the scheduler), it counted against the 16 ms after which Yew hands the page back
/// to the browser, so a mid-size run cost a paint of a half-updated page and a second task.
#[hook]
pub fn use_simulation(
    scenario: Option<Rc<Scenario>>,
    choice: Option<Rc<Choice>>,
) -> (RunState, bool, Callback<()>) {
    let redraw = use_force_update();
    let current = use_mut_ref(|| Current {
        key: None,
        shown: Rc::new(RefCell::new(Shown {
            state: RunState::Idle,
            compared: false,
        })),
        cancelled: Rc::new(Cell::new(false)),
    });
    let key = RunKey(scenario, choice);
    {
        let mut cur = current.borrow_mut();
        if cur.key.as_ref() != Some(&key) {
            // The run on show, if still going, is not wanted any more.
            cur.cancelled.set(true);
            let flag = Rc::new(Cell::new(false));
            let compared = key.1.is_some();
            let shown = Rc::new(RefCell::new(Shown {
                state: RunState::Idle,
                compared,
            }));
            match key.0.as_deref().map(|s| Runs::new(s, key.1.as_deref())) {
                None => {}
                Some(Err(e)) => shown.borrow_mut().state = RunState::Failed(e.to_string()),
                Some(Ok(sim)) => {
                    *shown.borrow_mut() = cur.shown.borrow().clone();
                    let run = Run {
                        slice_us: (sim.end().0 / 100).max(1_000),
                        sim: Some(sim),
                        busy_ms: 0.0,
                        shown_at: None,
                        cancelled: flag.clone(),
                        shown: shown.clone(),
                        compared,
                        redraw: redraw.clone(),
                    };
                    // A microtask: after this render, before the browser may paint.
                    yew::platform::spawn_local(async move { step(run) });
                }
            }
            *cur = Current {
                key: Some(key),
                shown,
                cancelled: flag,
            };
        }
    }
    // Leaving the page cancels the run.
    {
        let current = current.clone();
        use_effect_with((), move |_| move || current.borrow().cancelled.set(true));
    }

    let cancel = {
        let current = current.clone();
        let redraw = redraw.clone();
        Callback::from(move |()| {
            let cur = current.borrow();
            cur.cancelled.set(true);
            cur.shown.borrow_mut().state = RunState::Cancelled;
            redraw.force_update();
        })
    };
    let shown = current.borrow().shown.borrow().clone();
    (shown.state, shown.compared, cancel)
}

/// What the page shows of a run: its state, and whether it is a comparison.
#[derive(Clone)]
struct Shown {
    state: RunState,
    compared: bool,
}

/// The run for the current scenario and choice, and what it shows.
struct Current {
    key: Option<RunKey>,
    shown: Rc<RefCell<Shown>>,
    cancelled: Rc<Cell<bool>>,
}

/// What a run depends on: the scenario by identity (see [`crate::state::same_scenario`]),
/// the comparison by value.
struct RunKey(Option<Rc<Scenario>>, Option<Rc<Choice>>);

impl PartialEq for RunKey {
    fn eq(&self, other: &Self) -> bool {
        crate::state::same_scenario(&self.0, &other.0) && self.1 == other.1
    }
}

/// A run in progress.
struct Run {
    sim: Option<Runs>,
    /// Simulated time per `run_until` call (see [`next_slice_us`]).
    slice_us: u64,
    /// Wall-clock time spent in the engine so far.
    busy_ms: f64,
    /// When the progress bar was last updated, if it was.
    shown_at: Option<f64>,
    cancelled: Rc<Cell<bool>>,
    /// What the page shows of this run.
    shown: Rc<RefCell<Shown>>,
    /// This run is a comparison.
    compared: bool,
    /// Renders the page again (after `shown` changed).
    redraw: UseForceUpdateHandle,
}

impl Run {
    fn show(&self, state: RunState) {
        *self.shown.borrow_mut() = Shown {
            state,
            compared: self.compared,
        };
        self.redraw.force_update();
    }
}

/// One frame of simulation, then hand the page back to the browser and continue.
fn step(mut run: Run) {
    if run.cancelled.get() {
        return;
    }
    let frame_start = now_ms();
    let mut done = false;
    let mut progress = 0.0;
    if let Some(s) = run.sim.as_mut() {
        // (Every frame that does not finish the run shows the progress bar.)
        let budget = if run.shown_at.is_none() {
            FIRST_FRAME_BUDGET_MS
        } else {
            FRAME_BUDGET_MS
        };
        while now_ms() - frame_start < budget {
            let t0 = now_ms();
            let target = SimTime(s.now().0.saturating_add(run.slice_us));
            done = s.run_until(target);
            run.slice_us = next_slice_us(run.slice_us, now_ms() - t0);
            progress = s.now().0 as f64 / s.end().0.max(1) as f64;
            if done {
                break;
            }
        }
    }
    if done {
        if let Some(s) = run.sim.take() {
            let trace = Rc::new(s.finish());
            let busy = run.busy_ms + (now_ms() - frame_start);
            run.show(RunState::Done(trace, busy));
        }
        return;
    }
    let now = now_ms();
    run.busy_ms += now - frame_start;
    if run.shown_at.is_none_or(|t| now - t >= PROGRESS_EVERY_MS) {
        run.shown_at = Some(now);
        run.show(RunState::Running { progress });
    }
    soon(move || step(run));
}

thread_local! {
    /// Work waiting for the next message on [`CHANNEL`].
    static WAITING: RefCell<VecDeque<Box<dyn FnOnce()>>> = RefCell::new(VecDeque::new());
    /// A channel whose messages run [`WAITING`], made on first use and kept for the page's
    /// lifetime (its receiving port listens for good).
    static CHANNEL: Option<web_sys::MessageChannel> = channel();
}

/// A message channel that runs the next waiting closure on each message.
fn channel() -> Option<web_sys::MessageChannel> {
    let ch = web_sys::MessageChannel::new().ok()?;
    let on_message = Closure::<dyn FnMut()>::new(|| {
        if let Some(f) = WAITING.with_borrow_mut(VecDeque::pop_front) {
            f();
        }
    });
    ch.port1()
        .set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // One handler for the page's lifetime.
    on_message.forget();
    Some(ch)
}

/// Runs `f` in a new task as soon as the browser has had its turn (input, painting). A
/// message is used rather than a zero timeout: browsers stretch nested timeouts to 4 ms, a
/// quarter of a frame lost between every two slices.
fn soon(f: impl FnOnce() + 'static) {
    let posted = CHANNEL.with(|ch| {
        ch.as_ref()
            .is_some_and(|ch| ch.port2().post_message(&JsValue::NULL).is_ok())
    });
    if posted {
        WAITING.with_borrow_mut(|w| w.push_back(Box::new(f)));
    } else {
        gloo_timers::callback::Timeout::new(0, f).forget();
    }
}

#[cfg(test)]
mod tests {
    use super::next_slice_us;

    #[test]
    fn slices_grow_when_quick_and_shrink_when_slow() {
        assert_eq!(next_slice_us(1_000_000, 0.0), 8_000_000);
        assert_eq!(next_slice_us(1_000_000, 3.0), 1_000_000);
        assert_eq!(next_slice_us(1_000_000, 6.0), 500_000);
        assert_eq!(next_slice_us(1_000_000, 100.0), 250_000);
        assert_eq!(next_slice_us(2_000, 100.0), 1_000, "never below 1 ms");
    }
}
