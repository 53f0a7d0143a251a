//! The scenario panel: presets, the JSON tab with inline errors, undo/redo, copy link.

use std::rc::Rc;

use yew::prelude::*;

use crate::presets;
use crate::state::{Action, Playground};

#[derive(Properties, PartialEq)]
pub struct ScenarioPanelProps {
    pub state: Rc<Playground>,
    pub dispatch: Callback<Action>,
}

#[function_component(ScenarioPanel)]
pub fn scenario_panel(props: &ScenarioPanelProps) -> Html {
    let editor = use_node_ref();
    let copied = use_state(|| false);
    let state = &props.state;

    let on_input = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(area) = e.target_dyn_into::<web_sys::HtmlTextAreaElement>() {
                dispatch.emit(Action::Edit(area.value()));
            }
        })
    };
    let on_preset = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            if let Some(select) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                if let Some(p) = presets::by_id(&select.value()) {
                    dispatch.emit(Action::Edit(p.json.to_string()));
                }
                select.set_value("");
            }
        })
    };
    let undo = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Action::Undo))
    };
    let redo = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |_| dispatch.emit(Action::Redo))
    };
    let copy_link = {
        let copied = copied.clone();
        Callback::from(move |_| {
            if let Some(w) = web_sys::window() {
                if let Ok(href) = w.location().href() {
                    let _ = w.navigator().clipboard().write_text(&href);
                    copied.set(true);
                }
            }
        })
    };

    let error = state.error.as_ref().map(|e| {
        let go_to = e.at.map(|(line, column)| {
            let editor = editor.clone();
            let source = state.source.clone();
            let onclick = Callback::from(move |_| {
                if let Some(area) = editor.cast::<web_sys::HtmlTextAreaElement>() {
                    let at = utf16_offset(&source, line, column);
                    let _ = area.focus();
                    let _ = area.set_selection_range(at, at);
                }
            });
            html! {
                <button type="button" class="link" {onclick}>
                    { format!("line {line}, column {column}") }
                </button>
            }
        });
        html! {
            <div class="error" role="alert" id="scenario-error">
                <code class="error-path">{ e.error.path.clone() }</code>
                { ": " }{ e.error.message.clone() }
                if let Some(go_to) = go_to { { " (" }{ go_to }{ ")" } }
                <p class="error-note">{ "The timeline keeps showing the last valid scenario." }</p>
            </div>
        }
    });

    html! {
        <div class="scenario-panel-body">
            <label class="field">
                <span>{ "Preset" }</span>
                <select onchange={on_preset} aria-label="Load a preset">
                    <option value="" selected=true>{ "Choose a story…" }</option>
                    { for presets::ALL.iter().map(|p| html! {
                        <option value={p.id}>{ preset_title(p) }</option>
                    }) }
                </select>
            </label>
            <div class="toolbar">
                <button type="button" onclick={undo} disabled={!state.can_undo()}>{ "Undo" }</button>
                <button type="button" onclick={redo} disabled={!state.can_redo()}>{ "Redo" }</button>
                <button type="button" onclick={copy_link}>
                    { if *copied { "Link copied" } else { "Copy link" } }
                </button>
            </div>
            <label class="field json-field">
                <span>{ "Scenario JSON" }</span>
                <textarea
                    ref={editor}
                    class="json-editor"
                    spellcheck="false"
                    aria-invalid={state.error.is_some().to_string()}
                    aria-describedby={state.error.as_ref().map(|_| "scenario-error")}
                    value={state.source.to_string()}
                    oninput={on_input}
                />
            </label>
            { for error }
        </div>
    }
}

fn preset_title(p: &presets::Preset) -> String {
    shardscope_engine::scenario::parse(p.json)
        .map(|s| s.title)
        .unwrap_or_else(|_| p.id.to_string())
}

/// The UTF-16 offset (what the DOM's selection uses) of a line and column (from 1).
fn utf16_offset(text: &str, line: usize, column: usize) -> u32 {
    let mut offset = 0usize;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            offset += l
                .chars()
                .take(column - 1)
                .map(char::len_utf16)
                .sum::<usize>();
            break;
        }
        offset += l.encode_utf16().count() + 1;
    }
    u32::try_from(offset).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utf16_offsets_count_lines_and_wide_characters() {
        assert_eq!(super::utf16_offset("ab\ncd", 2, 2), 4);
        assert_eq!(super::utf16_offset("é😀\nx", 2, 1), 4);
        assert_eq!(super::utf16_offset("😀x", 1, 2), 2);
    }
}
