//! Shardscope's web app: a thin Yew shell around the engine (`shardscope-engine`).
//!
//! The app owns no simulation logic: it turns user input into a scenario, asks the engine for
//! a trace, and draws it. See ARCHITECTURE.md for the code map.

pub mod shell;

/// The app's version, shown in the header.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Mounts the playground on the page's `<body>`.
pub fn start() {
    yew::Renderer::<shell::Shell>::new().render();
}
