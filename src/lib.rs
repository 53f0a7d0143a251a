//! Shardscope's web app: a thin Yew shell around the engine (`shardscope-engine`).
//!
//! The app owns no simulation logic: it turns user input into a scenario, asks the engine for
//! a trace, and draws it. State lives in one reducer ([`state`]); components only dispatch.
//! See ARCHITECTURE.md for the code map.

pub mod app;
pub mod challenge_view;
pub mod compare_view;
pub mod consumer_lane;
pub mod deflate;
pub mod firehose_lanes;
pub mod flink_lanes;
pub mod form;
pub mod glue_lanes;
pub mod json_path;
pub mod kda_sql_lanes;
pub mod knobs;
pub mod presets;
pub mod run;
pub mod scenario_panel;
pub mod share;
pub mod shell;
pub mod state;
pub mod summary_view;
pub mod timeline;
pub mod tour;

/// The app's version, shown in the header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Mounts the playground on the page's `<body>`.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
