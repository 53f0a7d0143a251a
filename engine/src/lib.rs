//! Shardscope's simulation engine: a pure, deterministic library that turns a
//! [`scenario::Scenario`] into a trace of what Amazon Kinesis Data Streams and its
//! consumers would do. No web, no I/O, no clock (see ARCHITECTURE.md).

#![forbid(unsafe_code)]

/// The engine's version, shown in the UI and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod time;
pub mod scenario;
