//! The page layout: header, scenario panel, timeline area, inspector.
//!
//! Later features fill the three regions; the shell fixes where they live so that the
//! layout, the landmarks and the responsive rules are decided once.

use yew::prelude::*;

/// The whole page. `data-rendered-by="wasm"` lets tests tell the live app from static HTML.
#[function_component(Shell)]
pub fn shell() -> Html {
    html! {
        <div class="shell" data-rendered-by="wasm">
            <header class="shell-header">
                <h1 class="brand">{ "Shardscope" }</h1>
                <p class="tagline">{ "Kinesis and its consumers, simulated in your browser" }</p>
                <span class="version" title="App and engine versions">
                    { version_label() }
                </span>
            </header>
            <main class="workspace">
                <section class="scenario-panel" aria-labelledby="scenario-heading">
                    <h2 id="scenario-heading">{ "Scenario" }</h2>
                    <p class="placeholder">{ "Stream, producers, consumers and incidents will be edited here." }</p>
                </section>
                <section class="timeline-area" aria-labelledby="timeline-heading">
                    <h2 id="timeline-heading">{ "Timeline" }</h2>
                    <p class="placeholder">{ "One lane per shard, the consumers' positions and every invocation will be drawn here." }</p>
                </section>
                <aside class="inspector" aria-labelledby="inspector-heading">
                    <h2 id="inspector-heading">{ "Inspector" }</h2>
                    <p class="placeholder">{ "Select a mark on the timeline to see what happened, and why." }</p>
                </aside>
            </main>
        </div>
    }
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
