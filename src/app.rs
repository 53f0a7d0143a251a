//! The playground: state, the URL, and the three regions of the shell.

use std::rc::Rc;

use yew::prelude::*;

use crate::presets;
use crate::run::{use_simulation, RunState};
use crate::scenario_panel::ScenarioPanel;
use crate::share;
use crate::shell::Shell;
use crate::state::{Action, Playground};
use crate::summary_view::SummaryView;
use crate::timeline::{Selection, Timeline};

/// Where the first scenario comes from: a shared link, else the default preset.
fn initial() -> (Playground, Option<String>) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    if hash.starts_with(share::PREFIX) {
        match share::decode(&hash) {
            Ok(json) => return (Playground::new(&json), None),
            Err(why) => return (Playground::new(presets::DEFAULT.json), Some(why)),
        }
    }
    (Playground::new(presets::DEFAULT.json), None)
}

#[function_component(App)]
pub fn app() -> Html {
    let link_problem = use_state(|| None::<String>);
    let state = {
        let link_problem = link_problem.clone();
        use_reducer(move || {
            let (p, problem) = initial();
            link_problem.set(problem);
            p
        })
    };

    // The address bar always carries the current valid scenario, so "Copy link" and the
    // browser's own share both reproduce the run. replaceState makes no request.
    {
        let scenario = state.scenario.clone();
        let source = state.source.clone();
        let valid = state.error.is_none();
        use_effect_with((scenario, valid), move |(_, valid)| {
            if *valid {
                let hash = share::encode(&source);
                if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                    let _ = history.replace_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&hash),
                    );
                }
            }
        });
    }

    let dispatch = {
        let state = state.clone();
        Callback::from(move |action: Action| state.dispatch(action))
    };

    let (run, cancel) = use_simulation(state.scenario.clone());
    let selection = use_state(|| None::<Selection>);
    let on_select = {
        let selection = selection.clone();
        Callback::from(move |s: Selection| selection.set(Some(s)))
    };
    let run_view = match run {
        RunState::Idle => html! {},
        RunState::Running { progress } => html! {
            <div class="run-status" role="status">
                <label>
                    { "Simulating… " }
                    <progress max="1" value={progress.to_string()} />
                </label>
                <button type="button" onclick={cancel.reform(|_| ())}>{ "Cancel" }</button>
            </div>
        },
        RunState::Cancelled => html! {
            <p class="notice" role="status">{ "Run cancelled. Edit the scenario to run it again." }</p>
        },
        RunState::Failed(why) => html! {
            <p class="error" role="alert">{ format!("The run could not start: {why}") }</p>
        },
        RunState::Done(trace) => html! {
            <>
                <Timeline trace={trace.clone()} {on_select} />
                <SummaryView summary={trace.summary.clone()} />
            </>
        },
    };

    let scenario = html! {
        <ScenarioPanel state={Rc::new((*state).clone())} {dispatch} />
    };
    let timeline = match &state.scenario {
        Some(s) => html! {
            <div class="story">
                <h3 class="story-title">{ s.title.clone() }</h3>
                <p class="story-text">{ s.description.clone() }</p>
                { run_view }
            </div>
        },
        None => html! { <p class="placeholder">{ "Fix the scenario to see its run." }</p> },
    };
    let inspector = html! {
        <>
            if let Some(problem) = &*link_problem {
                <p class="notice" role="status">
                    { format!("The link's scenario could not be opened ({problem}); showing a preset instead.") }
                </p>
            }
            if let Some(s) = &*selection {
                <div class="selection" aria-live="polite">
                    <h3>{ s.title.clone() }</h3>
                    if !s.detail.is_empty() { <p>{ s.detail.clone() }</p> }
                    if !s.facts.is_empty() {
                        <dl class="facts">
                            { for s.facts.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
                        </dl>
                    }
                    if let Some((why, link)) = &s.why {
                        <p class="why">
                            <strong>{ "Why: " }</strong>{ why.clone() }
                            if let Some(link) = link {
                                { " " }<a href={link.clone()} target="_blank" rel="noopener noreferrer">{ "AWS documentation" }</a>
                            }
                        </p>
                    }
                    if let Some(a) = &s.assumption {
                        <p class="assumption"><strong>{ "Assumption: " }</strong>{ a.clone() }</p>
                    }
                </div>
            } else {
                <p class="placeholder">{ "Select a mark on the timeline to see what happened, and why." }</p>
            }
        </>
    };
    html! { <Shell {scenario} {timeline} {inspector} /> }
}
