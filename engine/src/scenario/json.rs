//! The canonical JSON form of a scenario: every default written out, durations
//! in canonical strings, the timeline sorted. `parse` reads it back to an equal
//! scenario.

use serde_json::{Map, Value};

use super::duration::format_duration;
use super::model::*;
use super::parse::FORMAT;
use crate::time::SimTime;

fn time(t: SimTime) -> Value {
    Value::String(format_duration(t.since_start()))
}

/// A number that was finite when parsed; `null` otherwise (never produced by `parse`).
fn num(x: f64) -> Value {
    Value::from(x)
}

/// A JSON object with these keys, in this order. (`json!` would go through serde for every
/// value, a copy of its serializer per type in the wasm bundle.)
pub(crate) fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_string(), v);
    }
    Value::Object(m)
}

fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Value::Array(items.iter().map(f).collect())
}

pub(crate) fn scenario(s: &Scenario) -> Value {
    let mut v = obj([
        ("format", FORMAT.into()),
        ("title", s.title.as_str().into()),
        ("description", s.description.as_str().into()),
        ("seed", s.seed.into()),
        ("duration", format_duration(s.duration).into()),
        ("stream", stream(&s.stream)),
        ("producers", list(&s.producers, producer)),
        ("consumers", list(&s.consumers, consumer)),
        ("timeline", list(&s.timeline, entry)),
    ]);
    if let Some(m) = v.as_object_mut() {
        if let Some(e) = &s.embed {
            m.insert("embed".into(), super::workshop::embed_json(e));
        }
        if let Some(c) = &s.challenge {
            m.insert("challenge".into(), super::workshop::challenge_json(c));
        }
    }
    v
}

fn stream(s: &StreamConfig) -> Value {
    obj([
        ("StreamName", s.stream_name.as_str().into()),
        ("ShardCount", s.shard_count.into()),
        (
            "StreamModeDetails",
            obj([("StreamMode", s.mode.as_str().into())]),
        ),
        ("RetentionPeriodHours", s.retention_hours.into()),
    ])
}

fn producer(p: &Producer) -> Value {
    let mut v = obj([
        ("name", p.name.as_str().into()),
        ("records_per_second", num(p.records_per_second)),
        ("record_bytes", p.record_bytes.into()),
        ("partition_keys", p.partition_keys.into()),
        ("hot_key_share", num(p.hot_key_share)),
        ("retry_throttled", p.retry_throttled.into()),
    ]);
    if let (Some(key), Some(m)) = (p.explicit_hash_key, v.as_object_mut()) {
        m.insert("ExplicitHashKey".into(), Value::String(key.to_string()));
    }
    v
}

fn consumer(c: &Consumer) -> Value {
    match &c.kind {
        ConsumerKind::Firehose(f) => super::firehose::to_json(&c.name, f),
        ConsumerKind::Flink(f) => super::flink::to_json(&c.name, f),
        ConsumerKind::Glue(g) => super::glue::to_json(&c.name, g),
        ConsumerKind::KdaSql(k) => super::kda_sql::to_json(&c.name, k),
        ConsumerKind::Lambda(l) => {
            let mut esm = Map::new();
            starting_position(l.esm.starting_position, &mut esm);
            mapping_fields(&full_patch(&l.esm), &mut esm);
            let reserved = l
                .function
                .reserved_concurrent_executions
                .map_or(Value::Null, Value::from);
            obj([
                ("kind", c.kind.as_str().into()),
                ("name", c.name.as_str().into()),
                ("EventSourceMapping", Value::Object(esm)),
                ("enhanced_fan_out", l.enhanced_fan_out.into()),
                (
                    "Function",
                    obj([
                        ("Timeout", l.function.timeout_seconds.into()),
                        ("ReservedConcurrentExecutions", reserved),
                        ("MemorySize", l.function.memory_size_mb.into()),
                    ]),
                ),
                (
                    "handler",
                    handler(&HandlerPatch {
                        invoke_ms: Some(l.handler.invoke_ms),
                        per_record_ms: Some(l.handler.per_record_ms),
                        error_rate: Some(l.handler.error_rate),
                        // Written only when not the default, so existing
                        // scenarios keep their canonical text.
                        item_failures: (l.handler.item_failures != ItemFailures::Report)
                            .then_some(l.handler.item_failures),
                    }),
                ),
            ])
        }
    }
}

/// Every field of a mapping as a patch, so one function writes both.
fn full_patch(e: &EventSourceMapping) -> MappingPatch {
    MappingPatch {
        batch_size: Some(e.batch_size),
        maximum_batching_window_in_seconds: Some(e.maximum_batching_window_in_seconds),
        parallelization_factor: Some(e.parallelization_factor),
        maximum_retry_attempts: Some(e.maximum_retry_attempts),
        maximum_record_age_in_seconds: Some(e.maximum_record_age_in_seconds),
        bisect_batch_on_function_error: Some(e.bisect_batch_on_function_error),
        report_batch_item_failures: Some(e.report_batch_item_failures),
        tumbling_window_in_seconds: Some(e.tumbling_window_in_seconds),
        on_failure: Some(e.on_failure.clone()),
        enabled: Some(e.enabled),
    }
}

fn starting_position(p: StartingPosition, m: &mut Map<String, Value>) {
    m.insert("StartingPosition".into(), p.as_str().into());
    if let StartingPosition::AtTimestamp(t) = p {
        m.insert("StartingPositionTimestamp".into(), time(t));
    }
}

/// −1 for "no limit", as AWS writes it.
fn or_minus_one(v: Option<u32>) -> Value {
    v.map_or(Value::from(-1), Value::from)
}

fn mapping_fields(p: &MappingPatch, m: &mut Map<String, Value>) {
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    if let Some(v) = p.batch_size {
        put("BatchSize", v.into());
    }
    if let Some(v) = p.maximum_batching_window_in_seconds {
        put("MaximumBatchingWindowInSeconds", v.into());
    }
    if let Some(v) = p.parallelization_factor {
        put("ParallelizationFactor", v.into());
    }
    if let Some(v) = p.maximum_retry_attempts {
        put("MaximumRetryAttempts", or_minus_one(v));
    }
    if let Some(v) = p.maximum_record_age_in_seconds {
        put("MaximumRecordAgeInSeconds", or_minus_one(v));
    }
    if let Some(v) = p.bisect_batch_on_function_error {
        put("BisectBatchOnFunctionError", v.into());
    }
    if let Some(v) = p.report_batch_item_failures {
        let types: &[&str] = if v { &["ReportBatchItemFailures"] } else { &[] };
        put(
            "FunctionResponseTypes",
            Value::Array(types.iter().map(|t| Value::from(*t)).collect()),
        );
    }
    if let Some(v) = p.tumbling_window_in_seconds {
        put("TumblingWindowInSeconds", v.into());
    }
    if let Some(v) = &p.on_failure {
        let config = match v {
            Some(d) => obj([("OnFailure", obj([("Destination", d.arn.as_str().into())]))]),
            None => obj([]),
        };
        put("DestinationConfig", config);
    }
    if let Some(v) = p.enabled {
        put("Enabled", v.into());
    }
}

fn handler(p: &HandlerPatch) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("invoke_ms", p.invoke_ms),
        ("per_record_ms", p.per_record_ms),
        ("error_rate", p.error_rate),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), num(v));
        }
    }
    if let Some(v) = p.item_failures {
        m.insert("item_failures".into(), v.as_str().into());
    }
    Value::Object(m)
}

fn entry(e: &TimelineEntry) -> Value {
    let mut m = Map::new();
    m.insert("at".into(), time(e.at));
    m.insert("do".into(), e.action.name().into());
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_string(), v);
    };
    match &e.action {
        Action::Poison {
            partition_key,
            count,
        } => {
            put("partition_key", partition_key.as_str().into());
            put("count", (*count).into());
        }
        Action::SetRate {
            producer,
            records_per_second,
        } => {
            put("producer", producer.as_str().into());
            put("records_per_second", num(*records_per_second));
        }
        Action::UpdateShardCount { target_shard_count } => {
            put("TargetShardCount", (*target_shard_count).into());
            put("ScalingType", "UNIFORM_SCALING".into());
        }
        Action::SplitShard {
            shard_to_split,
            new_starting_hash_key,
        } => {
            put("ShardToSplit", shard_to_split.to_string().into());
            if let Some(k) = new_starting_hash_key {
                put("NewStartingHashKey", k.to_string().into());
            }
        }
        Action::MergeShards {
            shard_to_merge,
            adjacent_shard_to_merge,
        } => {
            put("ShardToMerge", shard_to_merge.to_string().into());
            put(
                "AdjacentShardToMerge",
                adjacent_shard_to_merge.to_string().into(),
            );
        }
        Action::Deploy {
            consumer,
            handler: h,
        } => {
            put("consumer", consumer.as_str().into());
            put("handler", handler(h));
        }
        Action::SetMapping { consumer, changes } => {
            put("consumer", consumer.as_str().into());
            mapping_fields(changes, &mut m);
        }
        Action::RecreateMapping {
            consumer,
            starting_position: p,
        } => {
            put("consumer", consumer.as_str().into());
            starting_position(*p, &mut m);
        }
        Action::DestinationOutage { consumer, duration }
        | Action::BackupOutage { consumer, duration } => {
            put("consumer", consumer.as_str().into());
            put("duration", format_duration(*duration).into());
        }
        Action::Flink { consumer, action } => {
            put("consumer", consumer.as_str().into());
            super::flink::action_json(action, &mut m);
        }
        Action::Glue { consumer, action } => {
            put("consumer", consumer.as_str().into());
            super::glue::action_json(action, &mut m);
        }
        Action::KdaSql { consumer, action } => {
            put("consumer", consumer.as_str().into());
            super::kda_sql::action_json(action, &mut m);
        }
    }
    Value::Object(m)
}
