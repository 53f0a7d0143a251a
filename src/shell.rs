//! The page layout: header, scenario panel, timeline area, inspector.
//!
//! The shell fixes where things live (landmarks, responsive rules) and nothing else; the
//! app fills the three regions.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ShellProps {
    #[prop_or_default]
    pub scenario: Html,
    #[prop_or_default]
    pub timeline: Html,
    #[prop_or_default]
    pub inspector: Html,
}

/// The whole page. `data-rendered-by="wasm"` lets tests tell the live app from static HTML.
#[function_component(Shell)]
pub fn shell(props: &ShellProps) -> Html {
    // None follows the system setting; the choice is not stored (no storage without consent).
    let theme = use_state(|| None::<&'static str>);
    let toggle_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let dark_now = match *theme {
                Some(t) => t == "dark",
                None => system_prefers_dark(),
            };
            let next = if dark_now { "light" } else { "dark" };
            if let Some(root) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element())
            {
                let _ = root.set_attribute("data-theme", next);
            }
            theme.set(Some(next));
        })
    };
    html! {
        <div class="shell" data-rendered-by="wasm">
            <header class="shell-header">
                <h1 class="brand">{ "Shardscope" }</h1>
                <p class="tagline">{ "Kinesis and its consumers, simulated in your browser" }</p>
                <span class="version" title="App and engine versions">
                    { version_label() }
                </span>
                <button type="button" class="theme-toggle" onclick={toggle_theme}
                    aria-label="Switch between light and dark themes">
                    { match *theme { Some("dark") => "Light theme", Some(_) => "Dark theme", None => "Theme" } }
                </button>
            </header>
            <main class="workspace">
                <section class="scenario-panel" aria-labelledby="scenario-heading">
                    <h2 id="scenario-heading">{ "Scenario" }</h2>
                    { props.scenario.clone() }
                </section>
                <section class="timeline-area" aria-labelledby="timeline-heading">
                    <h2 id="timeline-heading">{ "Timeline" }</h2>
                    { props.timeline.clone() }
                </section>
                <aside class="inspector" aria-labelledby="inspector-heading">
                    <h2 id="inspector-heading">{ "Inspector" }</h2>
                    { props.inspector.clone() }
                </aside>
            </main>
        </div>
    }
}

fn system_prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// "v0.1.0 · engine 0.1.0": both, because the engine decides the numbers a reader sees.
pub fn version_label() -> String {
    format!(
        "v{} · engine {}",
        crate::VERSION,
        shardscope_engine::VERSION
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_label_names_app_and_engine() {
        let label = super::version_label();
        assert!(label.starts_with(&format!("v{}", env!("CARGO_PKG_VERSION"))));
        assert!(label.contains("engine "));
    }
}
