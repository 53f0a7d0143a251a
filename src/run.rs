//! Running the engine without freezing the page: the simulation advances in slices of
//! simulated time between animation frames, with progress and a cancel button. A short
//! scenario finishes within the first frame; a long one keeps the page responsive.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use shardscope_engine::scenario::Scenario;
use shardscope_engine::time::SimTime;
use shardscope_engine::{Simulation, Trace};
use yew::prelude::*;

/// Wall-clock budget of one frame's worth of simulation, in milliseconds: most of a 60 Hz
/// frame, leaving room to draw.
const FRAME_BUDGET_MS: f64 = 12.0;

#[derive(Clone, PartialEq)]
pub enum RunState {
    /// Nothing to run (no valid scenario yet).
    Idle,
    /// Simulating; `progress` is the simulated fraction done, 0 to 1.
    Running {
        progress: f64,
    },
    Done(Rc<Trace>),
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

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Runs `scenario` whenever it changes; returns the state of the run and a cancel callback.
#[hook]
pub fn use_simulation(scenario: Option<Rc<Scenario>>) -> (RunState, Callback<()>) {
    let state = use_state(|| RunState::Idle);
    let cancelled = use_mut_ref(|| Rc::new(Cell::new(false)));

    {
        let state = state.clone();
        let cancelled = cancelled.clone();
        use_effect_with(scenario, move |scenario| {
            let flag = Rc::new(Cell::new(false));
            *cancelled.borrow_mut() = flag.clone();
            match scenario.as_deref().map(Simulation::new) {
                None => state.set(RunState::Idle),
                Some(Err(e)) => state.set(RunState::Failed(e.to_string())),
                Some(Ok(sim)) => {
                    let slice = (sim.end().0 / 100).max(1_000);
                    step(Rc::new(RefCell::new(Some(sim))), slice, flag.clone(), state);
                }
            }
            move || flag.set(true)
        });
    }

    let cancel = {
        let cancelled = cancelled.clone();
        let state = state.clone();
        Callback::from(move |()| {
            cancelled.borrow().set(true);
            state.set(RunState::Cancelled);
        })
    };
    ((*state).clone(), cancel)
}

/// One frame of simulation, then hand the page back to the browser and continue.
fn step(
    sim: Rc<RefCell<Option<Simulation>>>,
    mut slice_us: u64,
    cancelled: Rc<Cell<bool>>,
    state: UseStateHandle<RunState>,
) {
    if cancelled.get() {
        return;
    }
    let frame_start = now_ms();
    let mut done = false;
    let mut progress = 0.0;
    if let Some(s) = sim.borrow_mut().as_mut() {
        while now_ms() - frame_start < FRAME_BUDGET_MS {
            let t0 = now_ms();
            let target = SimTime(s.now().0.saturating_add(slice_us));
            done = s.run_until(target);
            slice_us = next_slice_us(slice_us, now_ms() - t0);
            progress = s.now().0 as f64 / s.end().0.max(1) as f64;
            if done {
                break;
            }
        }
    }
    if done {
        if let Some(s) = sim.borrow_mut().take() {
            state.set(RunState::Done(Rc::new(s.finish())));
        }
        return;
    }
    state.set(RunState::Running { progress });
    gloo_timers::callback::Timeout::new(0, move || step(sim, slice_us, cancelled, state)).forget();
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
