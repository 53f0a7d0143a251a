//! The one error type of scenario parsing and validation.

use std::fmt;

/// What is wrong with a scenario, and where.
///
/// `path` names the offending value in the JSON document: top-level keys as
/// they are (`duration`), nested keys after a dot (`stream.ShardCount`), array
/// elements by index (`consumers[0].EventSourceMapping.BatchSize`), keys that are
/// not plain identifiers quoted (`stream["my key"]`). Errors about the document
/// as a whole (not JSON, not an object, too large) have the path `$`.
///
/// `Display` prints `"{path}: {message}"`, for example
/// `consumers[0].EventSourceMapping.BatchSize: 10001 is above the maximum 10000`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where the bad value is (never empty; `$` for the whole document).
    pub path: String,
    /// What is wrong and what is allowed instead.
    pub message: String,
}

impl ScenarioError {
    /// An error at `path` (an empty path means the whole document, `$`).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        let path = path.into();
        ScenarioError {
            path: if path.is_empty() {
                ROOT.to_string()
            } else {
                path
            },
            message: message.into(),
        }
    }
}

/// The path of the document itself.
pub const ROOT: &str = "$";

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// Shorthand used throughout the scenario module.
pub type Result<T> = std::result::Result<T, ScenarioError>;
