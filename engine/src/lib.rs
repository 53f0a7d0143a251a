//! Shardscope's simulation engine: a pure, deterministic library that turns a
//! [`scenario::Scenario`] into a trace of what Amazon Kinesis Data Streams and its
//! consumers would do. No web, no I/O, no clock (see ARCHITECTURE.md).

#![forbid(unsafe_code)]

/// The engine's version, shown in the UI and the CLI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod challenge;
pub mod compare;
pub mod consumer;
pub mod cost;
pub(crate) mod exact;
pub mod fan_out;
pub mod firehose;
pub mod flink;
pub mod glue;
pub mod intervals;
pub mod kda_sql;
pub mod lambda;
pub mod lineage;
pub mod md5;
pub mod order;
pub mod producer;
pub mod queue;
pub mod reshard;
pub mod rng;
pub mod scenario;
pub mod shard_map;
pub mod sim;
pub mod stream;
pub mod testing;
pub mod time;
pub(crate) mod tip_log;
pub mod trace;

pub use consumer::{Consumer, ConsumerCtx, ConsumerEvent, Ledger, Outcome};
pub use sim::{SimError, Simulation};
pub use trace::{Summary, Trace};
