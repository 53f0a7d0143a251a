//! The scenario panel: presets, the JSON tab with inline errors, undo/redo, copy link.

use std::rc::Rc;

use yew::prelude::*;

use crate::presets;
use crate::state::{Action, Playground};

#[derive(Properties, PartialEq)]
pub struct ScenarioPanelProps {
    pub state: Rc<Playground>,
    pub dispatch: Callback<Action>,
    /// Brings the address bar up to date now (it follows edits a moment later).
    pub flush_url: Callback<()>,
}

#[function_component(ScenarioPanel)]
pub fn scenario_panel(props: &ScenarioPanelProps) -> Html {
    let editor = use_node_ref();
    let copied = use_state(|| false);
    let copied_snippet = use_state(|| None::<&'static str>);
    let form_tab = use_state(|| false);
    let show_json = {
        let form_tab = form_tab.clone();
        Callback::from(move |_: MouseEvent| form_tab.set(false))
    };
    let show_form = {
        let form_tab = form_tab.clone();
        Callback::from(move |_: MouseEvent| form_tab.set(true))
    };
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
        let flush_url = props.flush_url.clone();
        Callback::from(move |_| {
            flush_url.emit(());
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

    // The snippets (the scenario deflated) are made only while "Embed code" is open, and
    // again only when the text changes: not on every knob change of a closed panel.
    // The presets' titles, read once (not a dozen parses on every edit).
    let titles = use_memo((), |_| {
        presets::ALL.iter().map(preset_title).collect::<Vec<_>>()
    });
    let embed_open = use_state(|| false);
    let ontoggle = {
        let embed_open = embed_open.clone();
        Callback::from(move |e: Event| {
            let open = e
                .target_dyn_into::<web_sys::Element>()
                .is_some_and(|d| d.has_attribute("open"));
            embed_open.set(open);
        })
    };
    let snippets = use_memo((state.source.clone(), *embed_open), |(source, open)| {
        open.then(|| embed_snippets(source))
    });
    html! {
        <div class="scenario-panel-body">
            <label class="field">
                <span>{ "Preset" }</span>
                <select onchange={on_preset} aria-label="Load a preset">
                    <option value="" selected=true>{ "Choose a story…" }</option>
                    { for presets::ALL.iter().zip(titles.iter()).map(|(p, title)| html! {
                        <option value={p.id}>{ title.clone() }</option>
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
            <div class="tabs" role="tablist" aria-label="Edit the scenario as">
                <button type="button" role="tab" aria-selected={(!*form_tab).to_string()} onclick={show_json}>{ "JSON" }</button>
                <button type="button" role="tab" aria-selected={form_tab.to_string()} onclick={show_form}>{ "Form" }</button>
            </div>
            if *form_tab {
                if let Some(s) = &state.scenario {
                    if state.error.is_some() {
                        <p class="notice">{ "The JSON has an error (below): the form shows the last valid scenario and cannot change it until the JSON is fixed." }</p>
                    }
                    <crate::form::Form scenario={s.clone()} source={state.source.clone()} dispatch={props.dispatch.clone()} />
                }
            } else {
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
            }
            { for error }
            <details class="embed-code" {ontoggle}>
                <summary>{ "Embed code" }</summary>
                <p class="note">{ "For a page of yours: an iframe, or a one-line script that sizes the embed to its content." }</p>
                { for snippets.iter().flat_map(|(iframe, script)| [("iframe", iframe.clone()), ("script", script.clone())]).map(|(what, text)| {
                    let copy = {
                        let text = text.clone();
                        let copied_snippet = copied_snippet.clone();
                        Callback::from(move |_: MouseEvent| {
                            if let Some(w) = web_sys::window() {
                                let _ = w.navigator().clipboard().write_text(&text);
                                copied_snippet.set(Some(what));
                            }
                        })
                    };
                    html! {
                        <div class="field">
                            <label for={format!("embed-{what}")}>{ what }</label>
                            <textarea id={format!("embed-{what}")} readonly=true value={text} />
                            <button type="button" onclick={copy}>
                                { if *copied_snippet == Some(what) { format!("{what} copied") } else { format!("Copy {what}") } }
                            </button>
                        </div>
                    }
                }) }
            </details>
        </div>
    }
}

/// The iframe and the script snippets that embed `source` from this site.
pub fn embed_snippets(source: &str) -> (String, String) {
    let site = web_sys::window()
        .and_then(|w| {
            let l = w.location();
            let origin = l.origin().ok()?;
            let path = l.pathname().ok()?;
            let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
            Some(format!("{origin}{dir}"))
        })
        .unwrap_or_default();
    snippets(&site, source)
}

/// The snippets for a site base URL (ending in `/`) and a scenario.
pub fn snippets(site: &str, source: &str) -> (String, String) {
    let hash = crate::share::encode(source);
    let height = shardscope_engine::scenario::parse(source)
        .ok()
        .and_then(|s| s.embed.map(|e| e.height))
        .unwrap_or(480);
    let iframe = format!(
        "<iframe src=\"{site}index.html?embed{hash}\" width=\"100%\" height=\"{height}\" loading=\"lazy\" title=\"Shardscope\" sandbox=\"allow-scripts allow-same-origin allow-popups\" style=\"border:0\"></iframe>"
    );
    let attribute = source
        .replace('&', "&amp;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;");
    let script = format!(
        "<div data-shardscope-scenario='{attribute}' data-height=\"{height}\"></div>\n<script src=\"{site}embed.js\" async></script>"
    );
    (iframe, script)
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
    fn snippets_escape_the_scenario_for_an_html_attribute() {
        let (iframe, script) = super::snippets("https://x.example/s/", r#"{"title": "it's <b>"}"#);
        assert!(iframe.starts_with("<iframe src=\"https://x.example/s/index.html?embed#s="));
        assert!(script.contains("data-shardscope-scenario='{\"title\": \"it&#39;s &lt;b>\"}'"));
        assert!(script.ends_with("<script src=\"https://x.example/s/embed.js\" async></script>"));
    }

    #[test]
    fn utf16_offsets_count_lines_and_wide_characters() {
        assert_eq!(super::utf16_offset("ab\ncd", 2, 2), 4);
        assert_eq!(super::utf16_offset("é😀\nx", 2, 1), 4);
        assert_eq!(super::utf16_offset("😀x", 1, 2), 2);
    }
}
