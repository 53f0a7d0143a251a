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
    let goals: Vec<GoalResult> = challenge
        .goals
        .iter()
        .map(|g| {
            let actual = field(summary, consumer.as_deref(), &g.field);
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

/// A goal's field (one of [`crate::scenario::CONSUMER_FIELDS`] or `STREAM_FIELDS`), read
/// by name: not through the summary's JSON, whose serializer is large in the bundle.
fn field(summary: &Summary, consumer: Option<&str>, name: &str) -> Option<u64> {
    if let Some(f) = name.strip_prefix("stream.") {
        let s = &summary.stream;
        return Some(match f {
            "incoming_records" => s.incoming_records,
            "write_throttled_records" => s.write_throttled_records,
            "read_throttled_calls" => s.read_throttled_calls,
            "open_shards_at_end" => u64::from(s.open_shards_at_end),
            "shards_total" => u64::from(s.shards_total),
            _ => return None,
        });
    }
    let c = summary.consumers.get(consumer?)?;
    Some(match name {
        "records_in_scope" => c.records_in_scope,
        "processed" => c.processed,
        "deliveries" => c.deliveries,
        "redeliveries" => c.redeliveries,
        "discarded" => c.discarded,
        "expired_unprocessed" => c.expired_unprocessed,
        "pending_at_end" => c.pending_at_end,
        "on_failure_messages" => c.on_failure_messages,
        "invocations" => c.invocations,
        "failed_invocations" => c.failed_invocations,
        "bisections" => c.bisections,
        "throttled_invocations" => c.throttled_invocations,
        "max_concurrency" => c.max_concurrency,
        "max_iterator_age_ms" => c.max_iterator_age_ms,
        "ordering_violations" => c.ordering_violations,
        _ => return None,
    })
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

    /// Every field a goal may name reads the same value as the summary's JSON says.
    #[test]
    fn every_goal_field_reads_what_the_summary_json_says() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "2m", "stream": { "ShardCount": 2 },
                 "producers": [ { "name": "p", "records_per_second": 50, "record_bytes": 100, "partition_keys": 10 } ],
                 "consumers": [ { "kind": "lambda", "name": "fn",
                     "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
                 "timeline": [ { "at": "30s", "do": "poison" } ] }"#,
        )
        .expect("valid");
        let summary = Simulation::new(&s).expect("valid").finish().summary;
        let json = serde_json::to_value(&summary).expect("serialises");
        for f in crate::scenario::CONSUMER_FIELDS {
            assert_eq!(
                field(&summary, Some("fn"), f),
                json["consumers"]["fn"][*f].as_u64(),
                "{f}"
            );
        }
        for f in crate::scenario::STREAM_FIELDS {
            let name = &f["stream.".len()..];
            assert_eq!(
                field(&summary, None, f),
                json["stream"][name].as_u64(),
                "{f}"
            );
        }
        assert_eq!(field(&summary, Some("fn"), "nope"), None);
    }
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
