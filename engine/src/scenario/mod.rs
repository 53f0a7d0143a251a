//! Scenario format v1: reading, checking and writing the JSON scenarios that
//! blog authors write by hand, URLs carry and tests use.
//!
//! The format is a public contract, documented in `docs/scenario-format.md`:
//! AWS settings keep AWS's API names and units, playground concepts use
//! snake_case, durations are strings (`"90s"`, `"1h30m"`), unknown keys are an
//! error, and every error names the JSON path of the bad value.
//!
//! ```
//! use shardscope_engine::scenario;
//!
//! let s = scenario::parse(r#"{
//!     "format": "shardscope/1",
//!     "duration": "10m",
//!     "stream": { "ShardCount": 2 }
//! }"#).unwrap();
//! assert_eq!(s.stream.retention_hours, 24);
//!
//! let e = scenario::parse(r#"{
//!     "format": "shardscope/1",
//!     "duration": "10m",
//!     "stream": { "ShardCont": 2 }
//! }"#).unwrap_err();
//! assert_eq!(e.path, "stream.ShardCont");
//! ```
//!
//! Parsing never panics, whatever the input: sizes, nesting and numbers are
//! bounded before use, and arithmetic is checked.

mod duration;
mod error;
mod firehose;
mod flink;
pub mod glue;
mod json;
pub mod kda_sql;
pub mod limits;
mod model;
mod parse;
mod read;
mod validate;
mod workshop;

pub use duration::{format_duration, parse_duration};
pub use error::{ScenarioError, ROOT};
pub use firehose::{
    BufferingHints, DestinationModel, FirehoseConsumer, FirehoseDestination, LambdaProcessor,
    TransformModel, DEFAULT_LAMBDA_ARN, FIREHOSE_DESTINATIONS, FIREHOSE_KEYS,
};
pub use flink::{
    CheckpointConfiguration, FlinkAction, FlinkConsumer, FlinkJob, FlinkSource, JobPatch,
    ParallelismConfiguration, Restore, Window, WindowKind, FLINK_ACTIONS, FLINK_KEYS, KPU_QUOTA,
};
pub use model::*;
pub use parse::{
    action_consumer_kind, action_consumer_kinds, ACTIONS, CONSUMER_KINDS, ESM_UPDATE_KEYS, FORMAT,
    PLANNED_KINDS,
};
pub use workshop::{Challenge, Embed, Goal, CONSUMER_FIELDS, MAX_KNOBS, STREAM_FIELDS};

/// Reads a scenario from JSON text.
///
/// Beyond [`from_value`], this rejects documents larger than
/// [`limits::MAX_DOCUMENT_BYTES`], text that is not JSON (with its line and
/// column), and duplicate keys in an object.
pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
    if json.len() > limits::MAX_DOCUMENT_BYTES {
        return Err(ScenarioError::new(
            ROOT,
            format!(
                "the document is {} bytes, above the maximum {} (a playground limit)",
                json.len(),
                limits::MAX_DOCUMENT_BYTES
            ),
        ));
    }
    from_value(&read::strict_value(json)?)
}

/// Reads a scenario from a JSON value: checks every key, type and range, the
/// references between parts and the playground limits, and sorts the timeline
/// by `at` (stably).
pub fn from_value(v: &serde_json::Value) -> Result<Scenario, ScenarioError> {
    let mut s = parse::scenario(v)?;
    validate::validate(&mut s)?;
    Ok(s)
}

impl Scenario {
    /// The canonical JSON form: every default written out, durations as
    /// canonical strings, the timeline sorted. [`from_value`] reads it back to
    /// an equal scenario.
    pub fn to_json(&self) -> serde_json::Value {
        json::scenario(self)
    }
}

impl std::str::FromStr for Scenario {
    type Err = ScenarioError;
    fn from_str(s: &str) -> Result<Scenario, ScenarioError> {
        parse(s)
    }
}
