//! From a JSON value to a [`Scenario`]: every key, type and range, one object
//! at a time. Checks that span several objects (names that must exist, the
//! playground limits) are in `validate.rs`.

use serde_json::Value;

use super::duration::{format_duration, quote};
use super::error::{Result, ScenarioError};
use super::limits;
use super::model::*;
use super::read::{
    above, as_array, as_duration, as_f64, as_hash_key, as_int, as_str, index_path, Obj,
};
use crate::time::SimTime;

/// The only format this version reads.
pub const FORMAT: &str = "shardscope/1";

/// Suffix for range errors that come from a playground limit, not from AWS.
const PLAYGROUND: &str = " (a playground limit)";

const TOP_KEYS: &[&str] = &[
    "format",
    "title",
    "description",
    "seed",
    "duration",
    "stream",
    "producers",
    "consumers",
    "timeline",
    "embed",
    "challenge",
];
const STREAM_KEYS: &[&str] = &[
    "StreamName",
    "ShardCount",
    "StreamModeDetails",
    "RetentionPeriodHours",
];
const STREAM_MODE_KEYS: &[&str] = &["StreamMode"];
const PRODUCER_KEYS: &[&str] = &[
    "name",
    "records_per_second",
    "record_bytes",
    "partition_keys",
    "hot_key_share",
    "retry_throttled",
    "ExplicitHashKey",
];
const LAMBDA_KEYS: &[&str] = &[
    "kind",
    "name",
    "EventSourceMapping",
    "enhanced_fan_out",
    "Function",
    "handler",
];
/// The consumer kinds this version reads.
pub const CONSUMER_KINDS: &[&str] = &["lambda", "firehose", "flink", "glue", "kda_sql"];
/// Kinds reserved for later versions (design.md): none left.
pub const PLANNED_KINDS: &[&str] = &[];
/// The `EventSourceMapping` keys that UpdateEventSourceMapping can change.
pub const ESM_UPDATE_KEYS: &[&str] = &[
    "BatchSize",
    "MaximumBatchingWindowInSeconds",
    "ParallelizationFactor",
    "MaximumRetryAttempts",
    "MaximumRecordAgeInSeconds",
    "BisectBatchOnFunctionError",
    "FunctionResponseTypes",
    "TumblingWindowInSeconds",
    "DestinationConfig",
    "Enabled",
];
const STARTING_KEYS: &[&str] = &["StartingPosition", "StartingPositionTimestamp"];
const FUNCTION_KEYS: &[&str] = &["Timeout", "ReservedConcurrentExecutions", "MemorySize"];
const HANDLER_KEYS: &[&str] = &["invoke_ms", "per_record_ms", "error_rate", "item_failures"];
/// The timeline actions (`do`).
pub const ACTIONS: &[&str] = &[
    "poison",
    "set_rate",
    "update_shard_count",
    "split_shard",
    "merge_shards",
    "deploy",
    "set_mapping",
    "recreate_mapping",
    "destination_outage",
    "backup_outage",
    "fail",
    "create_snapshot",
    "stop_application",
    "start_application",
    "update_application",
    "stop_job",
    "start_job",
    "reset_checkpoint",
];

/// The consumer kind a timeline action (`do`) applies to, if it names a consumer.
pub fn action_consumer_kind(action: &str) -> Option<&'static str> {
    match action {
        "deploy" | "set_mapping" | "recreate_mapping" => Some("lambda"),
        "destination_outage" | "backup_outage" => Some("firehose"),
        a if super::flink::FLINK_ACTIONS.contains(&a) => Some("flink"),
        a if super::glue::GLUE_ACTIONS.contains(&a) => Some("glue"),
        _ => None,
    }
}

/// Every consumer kind a timeline action (`do`) can address: the kinds of
/// [`action_consumer_kind`], and `kda_sql` for the actions it shares by name.
pub fn action_consumer_kinds(action: &str) -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = action_consumer_kind(action).into_iter().collect();
    if super::kda_sql::KDA_SQL_ACTIONS.contains(&action) {
        kinds.push("kda_sql");
    }
    kinds
}

/// `Obj::only` for a list made of several slices.
fn only_all(obj: &Obj, parts: &[&[&str]]) -> Result<()> {
    let allowed: Vec<&str> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    obj.only(&allowed)
}

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(ScenarioError::new(path, message))
}

/// A whole number in `min..=max` that fits a `u32`.
fn to_u32(v: &Value, path: &str, min: u32, max: u32) -> Result<u32> {
    let i = as_int(v, path, i64::from(min), i64::from(max))?;
    u32::try_from(i).map_err(|_| ScenarioError::new(path, above(i, max)))
}

/// Like [`to_u32`], with the playground-limit note on the maximum.
fn to_u32_limited(v: &Value, path: &str, min: u32, max: u32) -> Result<u32> {
    let i = as_int(v, path, i64::from(min), i64::MAX).map_err(|mut e| {
        if e.message.contains("above the maximum") {
            e.message = format!("{}{PLAYGROUND}", above(display_number(v), max));
        }
        e
    })?;
    if i > i64::from(max) {
        return err(path, format!("{}{PLAYGROUND}", above(i, max)));
    }
    u32::try_from(i).map_err(|_| ScenarioError::new(path, above(i, max)))
}

fn display_number(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// A name: 1 to MAX_NAME_CHARS characters, no control characters.
fn name(v: &Value, path: &str) -> Result<String> {
    let s = as_str(v, path)?;
    if s.is_empty() {
        return err(path, "must not be empty");
    }
    if s.chars().count() > limits::MAX_NAME_CHARS {
        return err(
            path,
            format!(
                "{} is longer than {} characters{PLAYGROUND}",
                quote(s),
                limits::MAX_NAME_CHARS
            ),
        );
    }
    if s.chars().any(char::is_control) {
        return err(path, "must not contain control characters");
    }
    Ok(s.to_string())
}

/// Free text of at most `max` characters.
fn text(obj: &Obj, key: &str, max: usize) -> Result<String> {
    let s = obj.str_or(key, "")?;
    if s.chars().count() > max {
        return err(
            obj.at(key),
            format!("is longer than {max} characters{PLAYGROUND}"),
        );
    }
    Ok(s)
}

/// Reads the document. `validate` runs afterwards.
pub(crate) fn scenario(v: &Value) -> Result<Scenario> {
    let top = Obj::new(v, "")?;
    let format = top.need("format").map_err(|_| {
        ScenarioError::new(
            "format",
            format!("is required but missing; write \"format\": \"{FORMAT}\""),
        )
    })?;
    let format = as_str(format, "format")?;
    if format != FORMAT {
        return err(
            "format",
            format!(
                "unsupported format {}; supported formats: \"{FORMAT}\"",
                quote(format)
            ),
        );
    }
    top.only(TOP_KEYS)?;

    let title = text(&top, "title", limits::MAX_TITLE_CHARS)?;
    let description = text(&top, "description", limits::MAX_DESCRIPTION_CHARS)?;
    let seed = match top.get("seed") {
        None => 1,
        Some(v) => seed(v, "seed")?,
    };
    let duration = as_duration(top.need("duration")?, "duration")?;
    if duration.0 == 0 {
        return err("duration", "must be longer than 0s");
    }
    if duration > limits::MAX_DURATION {
        return err(
            "duration",
            format!(
                "{}{PLAYGROUND}",
                above(
                    format_duration(duration),
                    format_duration(limits::MAX_DURATION)
                )
            ),
        );
    }
    let end = duration.after_start();

    let stream = stream(&Obj::new(top.need("stream")?, "stream")?)?;

    let producers = list(&top, "producers", limits::MAX_PRODUCERS, |v, path| {
        producer(&Obj::new(v, path)?)
    })?;
    let consumers = list(&top, "consumers", limits::MAX_CONSUMERS, |v, path| {
        consumer(&Obj::new(v, path)?, end)
    })?;
    let timeline = list(&top, "timeline", limits::MAX_TIMELINE_ENTRIES, |v, path| {
        timeline_entry(&Obj::new(v, path)?, end, stream.mode, &consumers)
    })?;

    let embed = top
        .get("embed")
        .map(|v| super::workshop::embed(&Obj::new(v, "embed")?, consumers.len(), producers.len()))
        .transpose()?;
    let names: Vec<&str> = consumers.iter().map(|c| c.name.as_str()).collect();
    let challenge = top
        .get("challenge")
        .map(|v| super::workshop::challenge(&Obj::new(v, "challenge")?, &names))
        .transpose()?;

    Ok(Scenario {
        title,
        description,
        seed,
        duration,
        stream,
        producers,
        consumers,
        timeline,
        embed,
        challenge,
    })
}

fn seed(v: &Value, path: &str) -> Result<u64> {
    if let Value::Number(n) = v {
        if let Some(u) = n.as_u64() {
            return Ok(u);
        }
    }
    // Not a u64: let the integer reader give the right message.
    as_int(v, path, 0, i64::MAX)?;
    err(path, above(display_number(v), u64::MAX))
}

/// An optional array of at most `max` items, each read by `item`.
fn list<T>(
    top: &Obj,
    key: &str,
    max: usize,
    item: impl Fn(&Value, &str) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(v) = top.get(key) else {
        return Ok(Vec::new());
    };
    let path = top.at(key);
    let items = as_array(v, &path)?;
    if items.len() > max {
        return err(
            path,
            format!(
                "{} entries is above the maximum {max}{PLAYGROUND}",
                items.len()
            ),
        );
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| item(v, &index_path(&path, i)))
        .collect()
}

fn stream(obj: &Obj) -> Result<StreamConfig> {
    obj.only(STREAM_KEYS)?;
    let stream_name = obj.str_or("StreamName", "stream")?;
    let name_ok = !stream_name.is_empty()
        && stream_name.len() <= 128
        && stream_name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if !name_ok {
        return err(
            obj.at("StreamName"),
            format!(
                "{} is not a stream name: 1 to 128 characters from a-z, A-Z, 0-9, _ . -",
                quote(&stream_name)
            ),
        );
    }
    let mode = match obj.get("StreamModeDetails") {
        None => StreamMode::Provisioned,
        Some(v) => {
            let details = Obj::new(v, &obj.at("StreamModeDetails"))?;
            details.only(STREAM_MODE_KEYS)?;
            let path = details.at("StreamMode");
            match as_str(details.need("StreamMode")?, &path)? {
                "PROVISIONED" => StreamMode::Provisioned,
                "ON_DEMAND" => StreamMode::OnDemand,
                other => {
                    return err(
                        path,
                        format!(
                            "{} is not a stream mode; allowed: PROVISIONED, ON_DEMAND",
                            quote(other)
                        ),
                    )
                }
            }
        }
    };
    let shard_count = match (obj.get("ShardCount"), mode) {
        (Some(v), _) => to_u32_limited(v, &obj.at("ShardCount"), 1, limits::MAX_SHARDS)?,
        (None, StreamMode::OnDemand) => 4,
        (None, StreamMode::Provisioned) => {
            return err(
                obj.at("ShardCount"),
                "is required in PROVISIONED mode (the default mode) but missing",
            )
        }
    };
    let retention_hours = match obj.get("RetentionPeriodHours") {
        None => 24,
        Some(v) => to_u32(v, &obj.at("RetentionPeriodHours"), 24, 8760)?,
    };
    Ok(StreamConfig {
        stream_name,
        shard_count,
        mode,
        retention_hours,
    })
}

fn producer(obj: &Obj) -> Result<Producer> {
    obj.only(PRODUCER_KEYS)?;
    let name = name(obj.need("name")?, &obj.at("name"))?;
    let records_per_second = records_per_second(obj)?;
    let record_bytes = match obj.get("record_bytes") {
        None => 1000,
        Some(v) => to_u32(v, &obj.at("record_bytes"), 1, 1_048_576)?,
    };
    let partition_keys = match obj.get("partition_keys") {
        None => 1000,
        Some(v) => to_u32_limited(v, &obj.at("partition_keys"), 1, limits::MAX_PARTITION_KEYS)?,
    };
    let hot_key_share = obj.opt_f64("hot_key_share", 0.0, 1.0)?.unwrap_or(0.0);
    let retry_throttled = obj.bool_or("retry_throttled", true)?;
    let explicit_hash_key = obj
        .get("ExplicitHashKey")
        .map(|v| as_hash_key(v, &obj.at("ExplicitHashKey")))
        .transpose()?;
    Ok(Producer {
        name,
        records_per_second,
        record_bytes,
        partition_keys,
        hot_key_share,
        retry_throttled,
        explicit_hash_key,
    })
}

fn records_per_second(obj: &Obj) -> Result<f64> {
    let path = obj.at("records_per_second");
    let v = obj.need("records_per_second")?;
    let max = limits::MAX_TOTAL_RECORDS_PER_SECOND;
    let r = as_f64(v, &path, 0.0, f64::MAX)?;
    if r > max {
        return err(
            path,
            format!(
                "{}{PLAYGROUND}",
                above(display_number(v), super::read::bound(max))
            ),
        );
    }
    Ok(r)
}

fn consumer(obj: &Obj, end: SimTime) -> Result<Consumer> {
    let kind_path = obj.at("kind");
    let kind = as_str(obj.need("kind")?, &kind_path)?;
    if PLANNED_KINDS.contains(&kind) {
        return err(
            kind_path,
            format!("kind {} is not supported yet (planned)", quote(kind)),
        );
    }
    if !CONSUMER_KINDS.contains(&kind) {
        return err(
            kind_path,
            format!(
                "unknown kind {}; allowed kinds: {}",
                quote(kind),
                CONSUMER_KINDS.join(", ")
            ),
        );
    }
    if kind == "firehose" {
        let name = name(obj.need("name")?, &obj.at("name"))?;
        return Ok(Consumer {
            name,
            kind: ConsumerKind::Firehose(super::firehose::read(obj)?),
        });
    }
    if kind == "flink" {
        let name = name(obj.need("name")?, &obj.at("name"))?;
        return Ok(Consumer {
            name,
            kind: ConsumerKind::Flink(super::flink::read(obj, end)?),
        });
    }
    if kind == "kda_sql" {
        let name = name(obj.need("name")?, &obj.at("name"))?;
        return Ok(Consumer {
            name,
            kind: ConsumerKind::KdaSql(super::kda_sql::read(obj)?),
        });
    }
    if kind == "glue" {
        let name = name(obj.need("name")?, &obj.at("name"))?;
        let glue = super::glue::read(obj, end, &name)?;
        return Ok(Consumer {
            name,
            kind: ConsumerKind::Glue(glue),
        });
    }
    obj.only(LAMBDA_KEYS)?;
    let name = name(obj.need("name")?, &obj.at("name"))?;
    let esm_obj = Obj::new(
        obj.need("EventSourceMapping")?,
        &obj.at("EventSourceMapping"),
    )?;
    let esm = event_source_mapping(&esm_obj, end)?;
    let enhanced_fan_out = obj.bool_or("enhanced_fan_out", false)?;
    let function = match obj.get("Function") {
        None => FunctionConfig::default(),
        Some(v) => function(&Obj::new(v, &obj.at("Function"))?)?,
    };
    let mut handler = Handler::default();
    if let Some(v) = obj.get("handler") {
        handler.apply(&handler_patch(&Obj::new(v, &obj.at("handler"))?)?);
    }
    Ok(Consumer {
        name,
        kind: ConsumerKind::Lambda(LambdaConsumer {
            esm,
            enhanced_fan_out,
            function,
            handler,
        }),
    })
}

fn event_source_mapping(obj: &Obj, end: SimTime) -> Result<EventSourceMapping> {
    only_all(obj, &[STARTING_KEYS, ESM_UPDATE_KEYS])?;
    let position = starting_position(obj, end, "the end of the run")?;
    let mut esm = EventSourceMapping::with_defaults(position);
    esm.apply(&mapping_patch(obj)?);
    Ok(esm)
}

/// `StartingPosition` and `StartingPositionTimestamp` (not after `latest`).
fn starting_position(obj: &Obj, latest: SimTime, latest_name: &str) -> Result<StartingPosition> {
    let path = obj.at("StartingPosition");
    let v = obj.get("StartingPosition").ok_or_else(|| {
        ScenarioError::new(
            &path,
            "is required (as in AWS) but missing: TRIM_HORIZON, LATEST or AT_TIMESTAMP",
        )
    })?;
    let ts_path = obj.at("StartingPositionTimestamp");
    let ts = obj.get("StartingPositionTimestamp");
    let position = match as_str(v, &path)? {
        "TRIM_HORIZON" => StartingPosition::TrimHorizon,
        "LATEST" => StartingPosition::Latest,
        "AT_TIMESTAMP" => {
            let Some(ts) = ts else {
                return err(ts_path, "is required when StartingPosition is AT_TIMESTAMP");
            };
            let at = as_duration(ts, &ts_path)?.after_start();
            if at > latest {
                return err(
                    ts_path,
                    format!(
                        "{} is after {latest_name} ({}); AWS rejects a StartingPositionTimestamp in the future",
                        format_duration(at.since_start()),
                        format_duration(latest.since_start())
                    ),
                );
            }
            return Ok(StartingPosition::AtTimestamp(at));
        }
        other => {
            return err(
                path,
                format!(
                    "{} is not a starting position of an event source mapping; allowed: TRIM_HORIZON, LATEST, AT_TIMESTAMP",
                    quote(other)
                ),
            )
        }
    };
    if ts.is_some() {
        return err(
            ts_path,
            "is only allowed when StartingPosition is AT_TIMESTAMP",
        );
    }
    Ok(position)
}

/// The changeable mapping keys present in `obj`.
fn mapping_patch(obj: &Obj) -> Result<MappingPatch> {
    let u32_field = |key: &str, min: u32, max: u32| -> Result<Option<u32>> {
        obj.get(key)
            .map(|v| to_u32(v, &obj.at(key), min, max))
            .transpose()
    };
    let mut p = MappingPatch {
        batch_size: u32_field("BatchSize", 1, 10_000)?,
        maximum_batching_window_in_seconds: u32_field("MaximumBatchingWindowInSeconds", 0, 300)?,
        parallelization_factor: u32_field("ParallelizationFactor", 1, 10)?,
        tumbling_window_in_seconds: u32_field("TumblingWindowInSeconds", 0, 900)?,
        bisect_batch_on_function_error: obj
            .get("BisectBatchOnFunctionError")
            .map(|_| obj.bool_or("BisectBatchOnFunctionError", false))
            .transpose()?,
        enabled: obj
            .get("Enabled")
            .map(|_| obj.bool_or("Enabled", true))
            .transpose()?,
        ..MappingPatch::default()
    };
    if let Some(v) = obj.get("MaximumRetryAttempts") {
        let n = as_int(v, &obj.at("MaximumRetryAttempts"), -1, 10_000)?;
        p.maximum_retry_attempts = Some(u32::try_from(n).ok());
    }
    if let Some(v) = obj.get("MaximumRecordAgeInSeconds") {
        let path = obj.at("MaximumRecordAgeInSeconds");
        let n = as_int(v, &path, -1, 604_800)?;
        if (0..60).contains(&n) {
            return err(
                path,
                format!(
                    "{n} is not allowed: use -1 (no maximum age) or 60 to 604800; AWS rejects 0 to 59 although its schema's range starts at -1"
                ),
            );
        }
        p.maximum_record_age_in_seconds = Some(u32::try_from(n).ok());
    }
    if let Some(v) = obj.get("FunctionResponseTypes") {
        p.report_batch_item_failures = Some(function_response_types(
            v,
            &obj.at("FunctionResponseTypes"),
        )?);
    }
    if let Some(v) = obj.get("DestinationConfig") {
        p.on_failure = Some(destination_config(&Obj::new(
            v,
            &obj.at("DestinationConfig"),
        )?)?);
    }
    Ok(p)
}

fn function_response_types(v: &Value, path: &str) -> Result<bool> {
    let items = as_array(v, path)?;
    for (i, item) in items.iter().enumerate() {
        let item_path = index_path(path, i);
        let s = as_str(item, &item_path)?;
        if s != "ReportBatchItemFailures" {
            return err(
                item_path,
                format!(
                    "{} is not a function response type; allowed: ReportBatchItemFailures",
                    quote(s)
                ),
            );
        }
        if i > 0 {
            return err(item_path, "ReportBatchItemFailures is listed twice");
        }
    }
    Ok(!items.is_empty())
}

fn destination_config(obj: &Obj) -> Result<Option<OnFailureDestination>> {
    obj.only(&["OnFailure"])?;
    let Some(v) = obj.get("OnFailure") else {
        return Ok(None);
    };
    let on_failure = Obj::new(v, &obj.at("OnFailure"))?;
    on_failure.only(&["Destination"])?;
    let Some(v) = on_failure.get("Destination") else {
        return Ok(None);
    };
    let path = on_failure.at("Destination");
    let arn = as_str(v, &path)?;
    match destination_kind(arn) {
        Some(kind) => Ok(Some(OnFailureDestination {
            arn: arn.to_string(),
            kind,
        })),
        None => err(
            path,
            format!(
                "{} is not an on-failure destination for Kinesis: expected the ARN of an SQS queue (arn:aws:sqs:us-east-1:123456789012:dlq), an SNS topic (arn:aws:sns:us-east-1:123456789012:alerts) or an S3 bucket (arn:aws:s3:::bucket)",
                quote(arn)
            ),
        ),
    }
}

/// The kind of destination an ARN names, if it is one Lambda accepts for Kinesis.
fn destination_kind(arn: &str) -> Option<DestinationKind> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return None;
    };
    if *prefix != "arn" || !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov") {
        return None;
    }
    let region_ok = !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let resource_ok = !resource.is_empty()
        && resource.len() <= 256
        && resource
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    match *service {
        "sqs" if region_ok && account_ok && resource_ok => Some(DestinationKind::Sqs),
        "sns" if region_ok && account_ok && resource_ok => Some(DestinationKind::Sns),
        "s3" if region.is_empty()
            && account.is_empty()
            && (3..=63).contains(&resource.len())
            && resource.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
            }) =>
        {
            Some(DestinationKind::S3)
        }
        _ => None,
    }
}

fn function(obj: &Obj) -> Result<FunctionConfig> {
    obj.only(FUNCTION_KEYS)?;
    let timeout_seconds = match obj.get("Timeout") {
        None => 3,
        Some(v) => to_u32(v, &obj.at("Timeout"), 1, 900)?,
    };
    let reserved_concurrent_executions = match obj.get("ReservedConcurrentExecutions") {
        None | Some(Value::Null) => None,
        Some(v) => Some(to_u32(v, &obj.at("ReservedConcurrentExecutions"), 0, 1000)?),
    };
    let memory_size_mb = match obj.get("MemorySize") {
        None => 128,
        Some(v) => to_u32(v, &obj.at("MemorySize"), 128, 10_240)?,
    };
    Ok(FunctionConfig {
        timeout_seconds,
        reserved_concurrent_executions,
        memory_size_mb,
    })
}

/// The longest handler time accepted, in ms: Lambda's 900 s timeout cap (an
/// invocation that would run longer always times out).
const MAX_HANDLER_MS: f64 = 900_000.0;

fn handler_patch(obj: &Obj) -> Result<HandlerPatch> {
    obj.only(HANDLER_KEYS)?;
    Ok(HandlerPatch {
        invoke_ms: obj.opt_f64("invoke_ms", 0.0, MAX_HANDLER_MS)?,
        per_record_ms: obj.opt_f64("per_record_ms", 0.0, MAX_HANDLER_MS)?,
        error_rate: obj.opt_f64("error_rate", 0.0, 1.0)?,
        item_failures: match obj.get("item_failures") {
            None => None,
            Some(v) => {
                let path = obj.at("item_failures");
                Some(match as_str(v, &path)? {
                    "report" => ItemFailures::Report,
                    "malformed" => ItemFailures::Malformed,
                    s => {
                        return err(
                            path,
                            format!(
                                "{} is not an item failures response; allowed: report, malformed",
                                quote(s)
                            ),
                        )
                    }
                })
            }
        },
    })
}

/// `"shardId-"` and 12 digits.
fn shard_id(obj: &Obj, key: &str) -> Result<ShardNumber> {
    let path = obj.at(key);
    let s = as_str(obj.need(key)?, &path)?;
    let digits = s.strip_prefix("shardId-").unwrap_or("");
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return err(
            path,
            format!(
                "{} is not a shard id: expected \"shardId-\" and 12 digits, e.g. \"shardId-000000000000\"",
                quote(s)
            ),
        );
    }
    digits
        .parse::<u64>()
        .map(ShardNumber)
        .map_err(|_| ScenarioError::new(path, "not a shard id"))
}

fn timeline_entry(
    obj: &Obj,
    end: SimTime,
    mode: StreamMode,
    consumers: &[Consumer],
) -> Result<TimelineEntry> {
    let at_path = obj.at("at");
    let at = as_duration(obj.need("at")?, &at_path)?.after_start();
    if at > end {
        return err(
            at_path,
            format!(
                "{} is after the end of the run (duration {})",
                format_duration(at.since_start()),
                format_duration(end.since_start())
            ),
        );
    }
    let do_path = obj.at("do");
    let what = as_str(obj.need("do")?, &do_path)?;
    const AT_DO: &[&str] = &["at", "do"];
    let consumer = |obj: &Obj| name(obj.need("consumer")?, &obj.at("consumer"));
    let provisioned_only = |what: &str| -> Result<()> {
        if mode == StreamMode::OnDemand {
            return err(
                &do_path,
                format!(
                    "{what} works in PROVISIONED mode only, and this stream is ON_DEMAND (stream.StreamModeDetails.StreamMode)"
                ),
            );
        }
        Ok(())
    };
    // `destination_outage`, `stop_application` and `start_application` are also KDA SQL
    // actions: read by the named consumer's kind.
    if super::kda_sql::KDA_SQL_ACTIONS.contains(&what) {
        let named = obj.get("consumer").and_then(Value::as_str);
        let kda = consumers.iter().find_map(|c| match &c.kind {
            ConsumerKind::KdaSql(k) if Some(c.name.as_str()) == named => Some(k),
            _ => None,
        });
        if let Some(k) = kda {
            return Ok(TimelineEntry {
                at,
                action: Action::KdaSql {
                    consumer: consumer(obj)?,
                    action: super::kda_sql::read_action(obj, what, k)?,
                },
            });
        }
    }
    let action = match what {
        "poison" => {
            only_all(obj, &[AT_DO, &["partition_key", "count"]])?;
            let partition_key = obj.str_or("partition_key", "k-0")?;
            let chars = partition_key.chars().count();
            if !(1..=256).contains(&chars) {
                return err(
                    obj.at("partition_key"),
                    "a partition key has 1 to 256 characters",
                );
            }
            let count = match obj.get("count") {
                None => 1,
                Some(v) => to_u32_limited(v, &obj.at("count"), 1, limits::MAX_POISON_COUNT)?,
            };
            Action::Poison {
                partition_key,
                count,
            }
        }
        "set_rate" => {
            only_all(obj, &[AT_DO, &["producer", "records_per_second"]])?;
            Action::SetRate {
                producer: name(obj.need("producer")?, &obj.at("producer"))?,
                records_per_second: records_per_second(obj)?,
            }
        }
        "update_shard_count" => {
            only_all(obj, &[AT_DO, &["TargetShardCount", "ScalingType"]])?;
            provisioned_only(what)?;
            if let Some(v) = obj.get("ScalingType") {
                let path = obj.at("ScalingType");
                let s = as_str(v, &path)?;
                if s != "UNIFORM_SCALING" {
                    return err(
                        path,
                        format!(
                            "{} is not a scaling type; allowed: UNIFORM_SCALING",
                            quote(s)
                        ),
                    );
                }
            }
            Action::UpdateShardCount {
                target_shard_count: to_u32_limited(
                    obj.need("TargetShardCount")?,
                    &obj.at("TargetShardCount"),
                    1,
                    limits::MAX_SHARDS,
                )?,
            }
        }
        "split_shard" => {
            only_all(obj, &[AT_DO, &["ShardToSplit", "NewStartingHashKey"]])?;
            provisioned_only(what)?;
            Action::SplitShard {
                shard_to_split: shard_id(obj, "ShardToSplit")?,
                new_starting_hash_key: obj
                    .get("NewStartingHashKey")
                    .map(|v| as_hash_key(v, &obj.at("NewStartingHashKey")))
                    .transpose()?,
            }
        }
        "merge_shards" => {
            only_all(obj, &[AT_DO, &["ShardToMerge", "AdjacentShardToMerge"]])?;
            provisioned_only(what)?;
            let shard_to_merge = shard_id(obj, "ShardToMerge")?;
            let adjacent_shard_to_merge = shard_id(obj, "AdjacentShardToMerge")?;
            if shard_to_merge == adjacent_shard_to_merge {
                return err(
                    obj.at("AdjacentShardToMerge"),
                    "a shard cannot be merged with itself",
                );
            }
            Action::MergeShards {
                shard_to_merge,
                adjacent_shard_to_merge,
            }
        }
        "deploy" => {
            only_all(obj, &[AT_DO, &["consumer", "handler"]])?;
            Action::Deploy {
                consumer: consumer(obj)?,
                handler: handler_patch(&Obj::new(obj.need("handler")?, &obj.at("handler"))?)?,
            }
        }
        "set_mapping" => {
            for key in STARTING_KEYS {
                if obj.get(key).is_some() {
                    return err(
                        obj.at(key),
                        "UpdateEventSourceMapping cannot change the starting position; use \"do\": \"recreate_mapping\" to read from a new one",
                    );
                }
            }
            only_all(obj, &[AT_DO, &["consumer"], ESM_UPDATE_KEYS])?;
            let consumer = consumer(obj)?;
            let changes = mapping_patch(obj)?;
            if changes.is_empty() {
                return err(
                    &obj.path,
                    format!(
                        "set_mapping changes nothing; give at least one of {}",
                        ESM_UPDATE_KEYS.join(", ")
                    ),
                );
            }
            Action::SetMapping { consumer, changes }
        }
        "recreate_mapping" => {
            only_all(obj, &[AT_DO, &["consumer"], STARTING_KEYS])?;
            Action::RecreateMapping {
                consumer: consumer(obj)?,
                starting_position: starting_position(obj, at, "the time of this entry")?,
            }
        }
        "destination_outage" | "backup_outage" => {
            only_all(obj, &[AT_DO, &["consumer", "duration"]])?;
            let consumer = consumer(obj)?;
            let path = obj.at("duration");
            let duration = as_duration(obj.need("duration")?, &path)?;
            if duration.0 == 0 {
                return err(path, "must be longer than 0s");
            }
            if what == "destination_outage" {
                Action::DestinationOutage { consumer, duration }
            } else {
                Action::BackupOutage { consumer, duration }
            }
        }
        f if super::flink::FLINK_ACTIONS.contains(&f) => Action::Flink {
            consumer: consumer(obj)?,
            action: super::flink::read_action(obj, f)?,
        },
        g if super::glue::GLUE_ACTIONS.contains(&g) => Action::Glue {
            consumer: consumer(obj)?,
            action: super::glue::read_action(obj, g)?,
        },
        other => {
            return err(
                do_path,
                format!(
                    "unknown action {}; allowed actions: {}",
                    quote(other),
                    ACTIONS.join(", ")
                ),
            )
        }
    };
    Ok(TimelineEntry { at, action })
}
