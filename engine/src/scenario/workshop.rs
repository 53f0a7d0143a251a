//! The parts of a scenario for authors and instructors, not for the simulation: `embed`
//! (the compact player's knobs and height) and `challenge` (a goal over the summary that
//! the playground and `shardscope simulate` check).

use serde_json::Value;

use super::error::{Result, ScenarioError};
use super::read::{as_array, as_int, as_str, Obj};

/// `embed`: how the compact player shows this scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Embed {
    /// `knobs`: up to [`MAX_KNOBS`] settings the reader may change in the embed, as
    /// canonical paths into the scenario (`consumers[0].EventSourceMapping.BatchSize`).
    pub knobs: Vec<String>,
    /// `height`: the embed's height in CSS pixels, 240–2000, default 480.
    pub height: u32,
}

/// At most three knobs: an embed is a focused question, not a second editor.
pub const MAX_KNOBS: usize = 3;

/// Settings a knob may target, as (the part after `consumers[i].` or the top-level path,
/// a short form that means `consumers[0].…` when there is one).
const CONSUMER_KNOBS: &[&str] = &[
    "EventSourceMapping.BatchSize",
    "EventSourceMapping.MaximumBatchingWindowInSeconds",
    "EventSourceMapping.ParallelizationFactor",
    "EventSourceMapping.MaximumRetryAttempts",
    "EventSourceMapping.MaximumRecordAgeInSeconds",
    "EventSourceMapping.BisectBatchOnFunctionError",
    "EventSourceMapping.TumblingWindowInSeconds",
    "Function.Timeout",
    "Function.ReservedConcurrentExecutions",
    "handler.invoke_ms",
    "handler.per_record_ms",
    "handler.error_rate",
    "enhanced_fan_out",
    "ExtendedS3DestinationConfiguration.BufferingHints.SizeInMBs",
    "ExtendedS3DestinationConfiguration.BufferingHints.IntervalInSeconds",
    "AmazonopensearchserviceDestinationConfiguration.BufferingHints.SizeInMBs",
    "AmazonopensearchserviceDestinationConfiguration.BufferingHints.IntervalInSeconds",
    "AmazonopensearchserviceDestinationConfiguration.RetryOptions.DurationInSeconds",
    "RedshiftDestinationConfiguration.S3Configuration.BufferingHints.SizeInMBs",
    "RedshiftDestinationConfiguration.S3Configuration.BufferingHints.IntervalInSeconds",
    "RedshiftDestinationConfiguration.RetryOptions.DurationInSeconds",
    "HttpEndpointDestinationConfiguration.BufferingHints.SizeInMBs",
    "HttpEndpointDestinationConfiguration.BufferingHints.IntervalInSeconds",
    "HttpEndpointDestinationConfiguration.RetryOptions.DurationInSeconds",
    "destination.latency_ms",
    "destination.error_rate",
    "transform.dropped_share",
    "transform.processing_failed_share",
    "transform.error_rate",
];
const STREAM_KNOBS: &[&str] = &["stream.ShardCount", "stream.RetentionPeriodHours"];
const PRODUCER_KNOBS: &[&str] = &[
    "records_per_second",
    "record_bytes",
    "partition_keys",
    "hot_key_share",
];

pub(crate) fn embed(o: &Obj, consumers: usize, producers: usize) -> Result<Embed> {
    o.only(&["knobs", "height"])?;
    let knobs = match o.get("knobs") {
        None => Vec::new(),
        Some(v) => {
            let path = o.at("knobs");
            let items = as_array(v, &path)?;
            if items.len() > MAX_KNOBS {
                return Err(ScenarioError::new(
                    path,
                    format!("{} knobs is above the maximum {MAX_KNOBS}", items.len()),
                ));
            }
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let p = format!("{path}[{i}]");
                    knob(as_str(v, &p)?, &p, consumers, producers)
                })
                .collect::<Result<Vec<_>>>()?
        }
    };
    let height = match o.get("height") {
        None => 480,
        Some(v) => as_int(v, &o.at("height"), 240, 2000)? as u32,
    };
    Ok(Embed { knobs, height })
}

/// The canonical path of a knob, or why it is not one.
fn knob(text: &str, path: &str, consumers: usize, producers: usize) -> Result<String> {
    if STREAM_KNOBS.contains(&text) {
        return Ok(text.to_string());
    }
    let indexed = |prefix: &str, count: usize, allowed: &[&str]| -> Option<Result<String>> {
        let rest = text.strip_prefix(prefix)?.strip_prefix('[')?;
        let (index, leaf) = rest.split_once("].")?;
        let i: usize = index.parse().ok()?;
        Some(if i >= count {
            Err(ScenarioError::new(
                path,
                format!("{prefix}[{i}] does not exist: the scenario has {count}"),
            ))
        } else if allowed.contains(&leaf) {
            Ok(format!("{prefix}[{i}].{leaf}"))
        } else {
            Err(ScenarioError::new(
                path,
                format!(
                    "\"{leaf}\" cannot be a knob; allowed: {}",
                    allowed.join(", ")
                ),
            ))
        })
    };
    if let Some(r) = indexed("consumers", consumers, CONSUMER_KNOBS) {
        return r;
    }
    if let Some(r) = indexed("producers", producers, PRODUCER_KNOBS) {
        return r;
    }
    if CONSUMER_KNOBS.contains(&text) {
        if consumers == 0 {
            return Err(ScenarioError::new(path, "a consumer knob needs a consumer"));
        }
        return Ok(format!("consumers[0].{text}"));
    }
    Err(ScenarioError::new(
        path,
        format!(
            "{text:?} cannot be a knob; allowed: {}, {}, producers[i].({}), and consumers[i].({}) (consumers[0] when the prefix is left out)",
            STREAM_KNOBS[0],
            STREAM_KNOBS[1],
            PRODUCER_KNOBS.join(" | "),
            CONSUMER_KNOBS.join(" | ")
        ),
    ))
}

/// `challenge`: a goal over the summary, for workshops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// `brief`: what the attendee is asked to do (1–1,000 characters).
    pub brief: String,
    /// `consumer`: whose summary the consumer goals read; default the first consumer.
    pub consumer: Option<String>,
    /// `goal`: summary field → bound, sorted by field name.
    pub goals: Vec<Goal>,
}

/// One bound on one summary field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    /// A consumer summary field (`discarded`) or a stream one (`stream.incoming_records`).
    pub field: String,
    pub min: Option<u64>,
    pub max: Option<u64>,
}

/// The summary fields a goal may bound.
pub const CONSUMER_FIELDS: &[&str] = &[
    "records_in_scope",
    "processed",
    "deliveries",
    "redeliveries",
    "discarded",
    "expired_unprocessed",
    "pending_at_end",
    "on_failure_messages",
    "invocations",
    "failed_invocations",
    "bisections",
    "throttled_invocations",
    "max_concurrency",
    "max_iterator_age_ms",
    "ordering_violations",
];
pub const STREAM_FIELDS: &[&str] = &[
    "stream.incoming_records",
    "stream.write_throttled_records",
    "stream.read_throttled_calls",
    "stream.open_shards_at_end",
    "stream.shards_total",
];

pub(crate) fn challenge(o: &Obj, consumer_names: &[&str]) -> Result<Challenge> {
    o.only(&["brief", "consumer", "goal"])?;
    let brief = as_str(o.need("brief")?, &o.at("brief"))?.to_string();
    if brief.is_empty() || brief.chars().count() > 1000 {
        return Err(ScenarioError::new(
            o.at("brief"),
            "must be 1 to 1000 characters",
        ));
    }
    let consumer = match o.get("consumer") {
        None => None,
        Some(v) => {
            let name = as_str(v, &o.at("consumer"))?;
            if !consumer_names.contains(&name) {
                return Err(ScenarioError::new(
                    o.at("consumer"),
                    format!("no consumer is named {name:?}"),
                ));
            }
            Some(name.to_string())
        }
    };
    let goal = Obj::new(o.need("goal")?, &o.at("goal"))?;
    let mut goals = Vec::new();
    for (field, v) in goal.map {
        let path = goal.at(field);
        if !CONSUMER_FIELDS.contains(&field.as_str()) && !STREAM_FIELDS.contains(&field.as_str()) {
            return Err(ScenarioError::new(
                path,
                format!(
                    "not a summary field; allowed: {}, {}",
                    CONSUMER_FIELDS.join(", "),
                    STREAM_FIELDS.join(", ")
                ),
            ));
        }
        if CONSUMER_FIELDS.contains(&field.as_str()) && consumer_names.is_empty() {
            return Err(ScenarioError::new(path, "a consumer goal needs a consumer"));
        }
        let (min, max) = match v {
            Value::Object(_) => {
                let b = Obj::new(v, &path)?;
                b.only(&["min", "max"])?;
                let bound = |k: &str| -> Result<Option<u64>> {
                    b.get(k)
                        .map(|v| as_int(v, &b.at(k), 0, i64::MAX).map(|n| n as u64))
                        .transpose()
                };
                let (min, max) = (bound("min")?, bound("max")?);
                if min.is_none() && max.is_none() {
                    return Err(ScenarioError::new(path, "give \"min\", \"max\" or both"));
                }
                if let (Some(a), Some(b)) = (min, max) {
                    if a > b {
                        return Err(ScenarioError::new(
                            path,
                            format!("min {a} is above max {b}"),
                        ));
                    }
                }
                (min, max)
            }
            _ => {
                let n = as_int(v, &path, 0, i64::MAX)? as u64;
                (Some(n), Some(n))
            }
        };
        goals.push(Goal {
            field: field.clone(),
            min,
            max,
        });
    }
    if goals.is_empty() {
        return Err(ScenarioError::new(
            goal.path.clone(),
            "needs at least one goal",
        ));
    }
    Ok(Challenge {
        brief,
        consumer,
        goals,
    })
}

pub(crate) fn embed_json(e: &Embed) -> Value {
    super::json::obj([
        (
            "knobs",
            Value::Array(e.knobs.iter().map(|k| Value::from(k.as_str())).collect()),
        ),
        ("height", e.height.into()),
    ])
}

pub(crate) fn challenge_json(c: &Challenge) -> Value {
    let mut goal = serde_json::Map::new();
    for g in &c.goals {
        let v = match (g.min, g.max) {
            (Some(a), Some(b)) if a == b => Value::from(a),
            (min, max) => {
                let mut m = serde_json::Map::new();
                if let Some(a) = min {
                    m.insert("min".into(), Value::from(a));
                }
                if let Some(b) = max {
                    m.insert("max".into(), Value::from(b));
                }
                Value::Object(m)
            }
        };
        goal.insert(g.field.clone(), v);
    }
    let mut v = super::json::obj([
        ("brief", c.brief.as_str().into()),
        ("goal", Value::Object(goal)),
    ]);
    if let (Some(name), Some(m)) = (&c.consumer, v.as_object_mut()) {
        m.insert("consumer".into(), Value::from(name.as_str()));
    }
    v
}
