//! Component tests in a real browser (wasm-bindgen-test in headless Chromium):
//! `cargo xtask test` runs them with chromedriver.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_app() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<shardscope::app::App>::with_root(root.clone()).render();
    root
}

#[wasm_bindgen_test]
async fn shell_renders_its_three_regions_and_the_version() {
    let root = mount_app();
    yew::scheduler::flush().await;

    let html = root.inner_html();
    assert!(html.contains("data-rendered-by=\"wasm\""), "{html}");
    for region in ["Scenario", "Timeline", "Inspector"] {
        assert!(html.contains(region), "missing {region}: {html}");
    }
    assert!(html.contains(&shardscope::shell::version_label()), "{html}");
}

#[wasm_bindgen_test]
async fn a_bad_edit_shows_the_path_and_keeps_the_last_good_story() {
    let root = mount_app();
    yew::scheduler::flush().await;
    let title = root
        .query_selector(".story-title")
        .unwrap()
        .unwrap()
        .text_content();

    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("textarea")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    let bad = area
        .value()
        .replace("\"ShardCount\": 2", "\"ShardCount\": 0");
    area.set_value(&bad);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let input = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    area.dispatch_event(&input).unwrap();
    yew::scheduler::flush().await;

    let error = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("an error");
    let text = error.text_content().unwrap();
    assert!(text.contains("stream.ShardCount"), "{text}");
    assert!(text.contains("line "), "{text}");
    let still = root
        .query_selector(".story-title")
        .unwrap()
        .unwrap()
        .text_content();
    assert_eq!(still, title, "the last good scenario stays on screen");
}

/// The same trace hashes as the native build (tests/preset_hashes.rs records them).
#[wasm_bindgen_test]
fn preset_trace_hashes_match_the_native_ones() {
    let recorded = include_str!("preset-hashes.txt");
    for p in shardscope::presets::ALL {
        let scenario = shardscope_engine::scenario::parse(p.json).unwrap();
        let trace = shardscope_engine::Simulation::new(&scenario)
            .unwrap()
            .finish();
        let line = format!("{} {}", p.id, trace.hash());
        assert!(
            recorded.lines().any(|l| l == line),
            "{line} is not in tests/preset-hashes.txt"
        );
    }
}
