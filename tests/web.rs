//! Component tests in a real browser (wasm-bindgen-test in headless Chromium):
//! `cargo xtask test` runs them with chromedriver.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_point() -> web_sys::Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    root
}

#[wasm_bindgen_test]
async fn shell_renders_its_three_regions_and_the_version() {
    let root = mount_point();
    yew::Renderer::<shardscope::shell::Shell>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    let html = root.inner_html();
    assert!(html.contains("data-rendered-by=\"wasm\""), "{html}");
    for region in ["Scenario", "Timeline", "Inspector"] {
        assert!(html.contains(region), "missing {region}: {html}");
    }
    assert!(html.contains(&shardscope::shell::version_label()), "{html}");
}
