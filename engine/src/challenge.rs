//! Checking a workshop `challenge` against a run's summary: the same verdict in the
//! playground (live, as the attendee edits) and in `shardscope simulate` (exit code 1).

use crate::scenario::{Challenge, Goal};
use crate::trace::Summary;

/// How one goal fared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GoalResult {
    pub goal: Goal,
    /// The summary's value; None if the consumer is missing from the summary.
    pub actual: Option<u64>,
    pub met: bool,
}

/// The verdict on a whole challenge: met when every goal is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The consumer the consumer goals were read from.
    pub consumer: Option<String>,
    pub goals: Vec<GoalResult>,
    pub met: bool,
}

/// Checks `challenge` against `summary`.
pub fn evaluate(challenge: &Challenge, summary: &Summary) -> Verdict {
    let consumer = challenge
        .consumer
        .clone()
        .or_else(|| summary.consumers.keys().next().cloned());
    let json = serde_json::to_value(summary).unwrap_or_default();
    let goals: Vec<GoalResult> = challenge
        .goals
        .iter()
        .map(|g| {
            let actual = match g.field.strip_prefix("stream.") {
                Some(field) => json["stream"][field].as_u64(),
                None => consumer
                    .as_ref()
                    .and_then(|c| json["consumers"][c][g.field.as_str()].as_u64()),
            };
            let met = actual.is_some_and(|v| {
                g.min.is_none_or(|min| v >= min) && g.max.is_none_or(|max| v <= max)
            });
            GoalResult {
                goal: g.clone(),
                actual,
                met,
            }
        })
        .collect();
    let met = goals.iter().all(|g| g.met);
    Verdict {
        consumer,
        goals,
        met,
    }
}

impl Goal {
    /// "discarded = 0", "max_iterator_age_ms ≤ 300000", "processed ≥ 10".
    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (Some(a), Some(b)) if a == b => format!("{} = {a}", self.field),
            (Some(a), Some(b)) => format!("{a} ≤ {} ≤ {b}", self.field),
            (Some(a), None) => format!("{} ≥ {a}", self.field),
            (None, Some(b)) => format!("{} ≤ {b}", self.field),
            (None, None) => self.field.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{scenario, Simulation};

    fn run(goal: &str) -> Verdict {
        let s = scenario::parse(&format!(
            r#"{{ "format": "shardscope/1", "duration": "1m",
                 "stream": {{ "ShardCount": 1 }},
                 "producers": [ {{ "name": "p", "records_per_second": 1500, "retry_throttled": false }} ],
                 "challenge": {{ "brief": "Stay under the write limit.", "goal": {goal} }} }}"#
        ))
        .unwrap();
        let trace = Simulation::new(&s).unwrap().finish();
        evaluate(s.challenge.as_ref().unwrap(), &trace.summary)
    }

    #[test]
    fn one_shard_at_1500_records_per_second_fails_a_no_throttle_goal() {
        // 1,000 records/s admitted for 60 s; 500/s throttled.
        let v = run(
            r#"{ "stream.write_throttled_records": 0, "stream.incoming_records": { "min": 60000 } }"#,
        );
        assert!(!v.met);
        // Goals are sorted by field name.
        assert_eq!(
            v.goals[0].goal.describe(),
            "stream.incoming_records ≥ 60000"
        );
        assert_eq!(v.goals[0].actual, Some(60_000));
        assert!(v.goals[0].met);
        assert_eq!(
            v.goals[1].goal.describe(),
            "stream.write_throttled_records = 0"
        );
        assert_eq!(v.goals[1].actual, Some(30_000));
        assert!(!v.goals[1].met);
    }

    #[test]
    fn a_met_range_passes() {
        let v = run(r#"{ "stream.write_throttled_records": { "min": 29000, "max": 31000 } }"#);
        assert!(v.met, "{v:?}");
    }
}
