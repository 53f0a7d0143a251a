//! The playground's state and every change to it, as a pure reducer (Yew's
//! `function_todomvc` pattern): components dispatch [`Action`]s, nothing else mutates.
//!
//! The invariant readers rely on: invalid input never loses the last good scenario.

use std::rc::Rc;

use shardscope_engine::scenario::{self, Scenario, ScenarioError};

use crate::json_path;

/// Most edits remembered for undo.
const UNDO_DEPTH: usize = 200;

#[derive(Clone, Debug)]
pub struct Playground {
    /// The scenario JSON as the reader typed it.
    pub source: Rc<str>,
    /// The last source that parsed: what the timeline shows.
    pub scenario: Option<Rc<Scenario>>,
    /// Why the current source does not parse, if it does not.
    pub error: Option<SourceError>,
    undo: Vec<Rc<str>>,
    redo: Vec<Rc<str>>,
}

/// The same scenario object: each valid edit parses a new one, so identity is enough, and
/// comparing two scenarios field by field is a large function in the bundle for nothing.
pub fn same_scenario(a: &Option<Rc<Scenario>>, b: &Option<Rc<Scenario>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Rc::ptr_eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

impl PartialEq for Playground {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
            && same_scenario(&self.scenario, &other.scenario)
            && self.error == other.error
            && self.undo == other.undo
            && self.redo == other.redo
    }
}

/// A scenario error and where its path is in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    pub error: ScenarioError,
    /// Line and column (from 1) of the bad value, when the path can be found in the text.
    pub at: Option<(usize, usize)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// The reader changed the text (one undo step).
    Edit(String),
    Undo,
    Redo,
}

impl Playground {
    /// A playground showing `source` (a preset or a shared link's scenario).
    pub fn new(source: &str) -> Playground {
        let mut p = Playground {
            source: Rc::from(""),
            scenario: None,
            error: None,
            undo: Vec::new(),
            redo: Vec::new(),
        };
        p.set_source(Rc::from(source));
        p
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// Applies one action; returns the new state (the reducer).
    pub fn apply(mut self, action: Action) -> Playground {
        match action {
            Action::Edit(text) => {
                if *self.source != *text {
                    let old = std::mem::replace(&mut self.source, Rc::from(""));
                    self.undo.push(old);
                    if self.undo.len() > UNDO_DEPTH {
                        self.undo.remove(0);
                    }
                    self.redo.clear();
                    self.set_source(Rc::from(text));
                }
            }
            Action::Undo => {
                if let Some(previous) = self.undo.pop() {
                    let current = std::mem::replace(&mut self.source, Rc::from(""));
                    self.redo.push(current);
                    self.set_source(previous);
                }
            }
            Action::Redo => {
                if let Some(next) = self.redo.pop() {
                    let current = std::mem::replace(&mut self.source, Rc::from(""));
                    self.undo.push(current);
                    self.set_source(next);
                }
            }
        }
        self
    }

    fn set_source(&mut self, source: Rc<str>) {
        match scenario::parse(&source) {
            Ok(s) => {
                self.scenario = Some(Rc::new(s));
                self.error = None;
            }
            Err(error) => {
                let at = json_path::locate(&source, &error.path);
                self.error = Some(SourceError { error, at });
            }
        }
        self.source = source;
    }
}

impl yew::Reducible for Playground {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Rc::unwrap_or_clone(self).apply(action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str =
        r#"{"format": "shardscope/1", "duration": "10m", "stream": {"ShardCount": 2}}"#;
    const BETTER: &str =
        r#"{"format": "shardscope/1", "duration": "10m", "stream": {"ShardCount": 4}}"#;
    const BAD: &str = r#"{"format": "shardscope/1", "duration": "10m",
  "stream": {"ShardCount": 0}}"#;

    fn shards(p: &Playground) -> u32 {
        p.scenario.as_ref().unwrap().stream.shard_count
    }

    #[test]
    fn invalid_input_keeps_the_last_good_scenario_and_points_at_the_path() {
        let p = Playground::new(GOOD).apply(Action::Edit(BAD.into()));
        assert_eq!(shards(&p), 2);
        let e = p.error.as_ref().unwrap();
        assert_eq!(e.error.path, "stream.ShardCount");
        assert_eq!(e.at, Some((2, 14)));
        assert_eq!(&*p.source, BAD);

        let p = p.apply(Action::Edit(BETTER.into()));
        assert_eq!(shards(&p), 4);
        assert!(p.error.is_none());
    }

    #[test]
    fn text_that_is_not_json_is_an_error_at_the_root() {
        let p = Playground::new(GOOD).apply(Action::Edit("{".into()));
        assert_eq!(p.error.as_ref().unwrap().error.path, "$");
        assert_eq!(p.error.as_ref().unwrap().at, None);
        assert_eq!(shards(&p), 2);
    }

    #[test]
    fn undo_and_redo_walk_the_edits() {
        let p = Playground::new(GOOD)
            .apply(Action::Edit(BAD.into()))
            .apply(Action::Edit(BETTER.into()));
        assert!(p.can_undo() && !p.can_redo());
        let p = p.apply(Action::Undo);
        assert_eq!(&*p.source, BAD);
        assert_eq!(
            shards(&p),
            4,
            "undo to a bad source keeps the last good scenario"
        );
        let p = p.apply(Action::Undo);
        assert_eq!(&*p.source, GOOD);
        assert_eq!(shards(&p), 2);
        assert!(!p.can_undo());
        let p = p.apply(Action::Undo);
        assert_eq!(&*p.source, GOOD, "nothing left to undo");
        let p = p.apply(Action::Redo).apply(Action::Redo);
        assert_eq!(&*p.source, BETTER);
        assert!(!p.can_redo());
        let p = p.apply(Action::Undo).apply(Action::Edit(GOOD.into()));
        assert!(!p.can_redo(), "a new edit drops the redo branch");
    }

    #[test]
    fn an_unchanged_edit_is_not_an_undo_step() {
        let p = Playground::new(GOOD).apply(Action::Edit(GOOD.into()));
        assert!(!p.can_undo());
    }

    #[test]
    fn undo_history_is_bounded() {
        let mut p = Playground::new(GOOD);
        for i in 0..(UNDO_DEPTH + 50) {
            p = p.apply(Action::Edit(format!("{GOOD} {i}")));
        }
        assert_eq!(p.undo.len(), UNDO_DEPTH);
    }
}
