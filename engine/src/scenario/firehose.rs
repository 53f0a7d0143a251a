//! `"kind": "firehose"`: an Amazon Data Firehose stream whose source is the
//! Kinesis data stream (`KinesisStreamAsSource`). Its model, how it is read from
//! JSON, and its canonical JSON, in one place.
//!
//! AWS's own names and shapes: exactly one destination block
//! (`ExtendedS3DestinationConfiguration`, `AmazonopensearchserviceDestinationConfiguration`,
//! `RedshiftDestinationConfiguration`, `HttpEndpointDestinationConfiguration`) with its
//! `BufferingHints`, `RetryOptions`, `S3BackupMode` and `ProcessingConfiguration` (a
//! transform Lambda as a `Processors` list of `Parameters`, as CreateDeliveryStream takes
//! it). Facts: `reference/firehose-and-glue.md` Part 1.
//! Source: <https://docs.aws.amazon.com/firehose/latest/APIReference/API_CreateDeliveryStream.html>

use serde_json::{Map, Value};

use super::json::obj;

use super::duration::quote;
use super::error::{Result, ScenarioError};
use super::read::{as_array, as_str, index_path, Obj};

/// A Firehose stream reading the Kinesis stream.
#[derive(Clone, Debug, PartialEq)]
pub struct FirehoseConsumer {
    /// Which destination block the scenario gives.
    pub destination: FirehoseDestination,
    /// `BufferingHints` of the destination.
    pub buffering: BufferingHints,
    /// `RetryOptions.DurationInSeconds`, 0–7,200; `None` for S3, whose
    /// failures are retried as long as the source keeps the data.
    pub retry_duration_seconds: Option<u32>,
    /// `S3BackupMode`: false is the failed-data-only mode (`Disabled` for S3 and
    /// Redshift), true the all-data mode (`Enabled`, `AllDocuments`, `AllData`).
    pub backup_all: bool,
    /// `ErrorOutputPrefix` (S3 only). Default none: failures go under
    /// `processing-failed/`.
    pub error_output_prefix: Option<String>,
    /// `ProcessingConfiguration`: the transform Lambda, if enabled.
    pub processing: Option<LambdaProcessor>,
    /// `destination`: the playground's model of the destination.
    pub destination_model: DestinationModel,
    /// `transform`: the playground's model of the transform function.
    pub transform: TransformModel,
}

/// The destination type (one per Firehose stream).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum FirehoseDestination {
    /// `ExtendedS3DestinationConfiguration`.
    S3,
    /// `AmazonopensearchserviceDestinationConfiguration`.
    OpenSearch,
    /// `RedshiftDestinationConfiguration` (COPY from an intermediate S3 bucket).
    Redshift,
    /// `HttpEndpointDestinationConfiguration`.
    HttpEndpoint,
}

/// Every destination, in the order the format documents them.
pub const FIREHOSE_DESTINATIONS: [FirehoseDestination; 4] = [
    FirehoseDestination::S3,
    FirehoseDestination::OpenSearch,
    FirehoseDestination::Redshift,
    FirehoseDestination::HttpEndpoint,
];

impl FirehoseDestination {
    /// The configuration block's key.
    pub fn block(self) -> &'static str {
        match self {
            FirehoseDestination::S3 => "ExtendedS3DestinationConfiguration",
            FirehoseDestination::OpenSearch => "AmazonopensearchserviceDestinationConfiguration",
            FirehoseDestination::Redshift => "RedshiftDestinationConfiguration",
            FirehoseDestination::HttpEndpoint => "HttpEndpointDestinationConfiguration",
        }
    }

    /// A short name for the UI and the trace (`s3`, `opensearch`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FirehoseDestination::S3 => "s3",
            FirehoseDestination::OpenSearch => "opensearch",
            FirehoseDestination::Redshift => "redshift",
            FirehoseDestination::HttpEndpoint => "http_endpoint",
        }
    }

    /// `SizeInMBs` range: S3 and Redshift 1–128, OpenSearch 1–100, HTTP 1–64.
    /// Source: <https://docs.aws.amazon.com/firehose/latest/APIReference/API_BufferingHints.html>,
    /// `API_AmazonopensearchserviceBufferingHints`, `API_HttpEndpointBufferingHints`.
    pub fn size_range(self) -> (u32, u32) {
        match self {
            FirehoseDestination::S3 | FirehoseDestination::Redshift => (1, 128),
            FirehoseDestination::OpenSearch => (1, 100),
            FirehoseDestination::HttpEndpoint => (1, 64),
        }
    }

    /// The default `RetryOptions.DurationInSeconds`: OpenSearch 300 s and
    /// Redshift 3,600 s (documented); HTTP endpoint 300 s is an assumption (the
    /// API model gives no default; the console shows 300). S3 has none.
    /// Source: <https://docs.aws.amazon.com/firehose/latest/dev/retry.html>
    pub fn default_retry_seconds(self) -> Option<u32> {
        match self {
            FirehoseDestination::S3 => None,
            FirehoseDestination::OpenSearch | FirehoseDestination::HttpEndpoint => Some(300),
            FirehoseDestination::Redshift => Some(3_600),
        }
    }

    /// The two `S3BackupMode` values: failed data only (the default), all data.
    pub fn backup_modes(self) -> [&'static str; 2] {
        match self {
            FirehoseDestination::S3 | FirehoseDestination::Redshift => ["Disabled", "Enabled"],
            FirehoseDestination::OpenSearch => ["FailedDocumentsOnly", "AllDocuments"],
            FirehoseDestination::HttpEndpoint => ["FailedDataOnly", "AllData"],
        }
    }
}

/// `BufferingHints`: deliver when the buffer holds `SizeInMBs` or when
/// `IntervalInSeconds` have passed since its first record, whichever comes first.
/// Source: <https://docs.aws.amazon.com/firehose/latest/dev/buffering-hints.html>
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct BufferingHints {
    /// `SizeInMBs` (MiB, measured before compression). Default 5.
    pub size_in_mbs: u32,
    /// `IntervalInSeconds`, 0–900. Default 300 (0: no buffering, delivered
    /// within seconds). Assumption for HTTP endpoints: 300 s, as the API says
    /// (the buffering-hints table says 60 s).
    pub interval_in_seconds: u32,
}

impl Default for BufferingHints {
    fn default() -> BufferingHints {
        BufferingHints {
            size_in_mbs: 5,
            interval_in_seconds: 300,
        }
    }
}

/// The transform Lambda (`ProcessingConfiguration.Processors[0]`, `Type: "Lambda"`).
/// Source: <https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html>,
/// <https://docs.aws.amazon.com/firehose/latest/APIReference/API_ProcessorParameter.html>
#[derive(Clone, Debug, PartialEq)]
pub struct LambdaProcessor {
    /// `LambdaArn`. Default a placeholder function ARN.
    pub lambda_arn: String,
    /// `BufferSizeInMBs`: 0.2–3, default 1.
    pub buffer_size_in_mbs: f64,
    /// `BufferIntervalInSeconds`: 0–900, default 60.
    pub buffer_interval_in_seconds: u32,
    /// `NumberOfRetries` of a failed invocation: default 3. 0–10 here (a
    /// playground limit; AWS documents only the default).
    pub number_of_retries: u32,
}

/// The placeholder `LambdaArn`.
pub const DEFAULT_LAMBDA_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:transform";

impl Default for LambdaProcessor {
    fn default() -> LambdaProcessor {
        LambdaProcessor {
            lambda_arn: DEFAULT_LAMBDA_ARN.to_string(),
            buffer_size_in_mbs: 1.0,
            buffer_interval_in_seconds: 60,
            number_of_retries: 3,
        }
    }
}

/// `destination`: the playground's model of the destination. A delivery
/// attempt takes `latency_ms` and fails with probability `error_rate`, or
/// always during a `destination_outage`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct DestinationModel {
    /// `latency_ms`: 0–600,000. Default 500.
    pub latency_ms: f64,
    /// `error_rate`: 0–1. Default 0.
    pub error_rate: f64,
}

impl Default for DestinationModel {
    fn default() -> DestinationModel {
        DestinationModel {
            latency_ms: 500.0,
            error_rate: 0.0,
        }
    }
}

/// `transform`: the playground's model of the transform function. An
/// invocation of `n` records takes `invoke_ms + per_record_ms × n`; it fails as
/// a whole with probability `error_rate`; of its records, `dropped_share` come
/// back `Dropped` and `processing_failed_share` `ProcessingFailed` (poison
/// records always fail), the rest `Ok`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct TransformModel {
    /// `invoke_ms`: 0–900,000. Default 50.
    pub invoke_ms: f64,
    /// `per_record_ms`: 0–900,000. Default 0.01.
    pub per_record_ms: f64,
    /// `dropped_share`: 0–1. Default 0.
    pub dropped_share: f64,
    /// `processing_failed_share`: 0–1 (with `dropped_share`, at most 1). Default 0.
    pub processing_failed_share: f64,
    /// `error_rate`: probability that an invocation fails as a whole, 0–1. Default 0.
    pub error_rate: f64,
}

impl Default for TransformModel {
    fn default() -> TransformModel {
        TransformModel {
            invoke_ms: 50.0,
            per_record_ms: 0.01,
            dropped_share: 0.0,
            processing_failed_share: 0.0,
            error_rate: 0.0,
        }
    }
}

/// The keys of a Firehose consumer.
pub const FIREHOSE_KEYS: &[&str] = &[
    "kind",
    "name",
    "ExtendedS3DestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration",
    "RedshiftDestinationConfiguration",
    "HttpEndpointDestinationConfiguration",
    "destination",
    "transform",
];

const DESTINATION_MODEL_KEYS: &[&str] = &["latency_ms", "error_rate"];
const TRANSFORM_KEYS: &[&str] = &[
    "invoke_ms",
    "per_record_ms",
    "dropped_share",
    "processing_failed_share",
    "error_rate",
];
const PROCESSOR_PARAMETERS: &[&str] = &[
    "LambdaArn",
    "BufferSizeInMBs",
    "BufferIntervalInSeconds",
    "NumberOfRetries",
    "RoleArn",
];

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(ScenarioError::new(path, message))
}

/// A whole number in `min..=max`.
fn whole(obj: &Obj, key: &str, min: u32, max: u32) -> Result<Option<u32>> {
    obj.get(key)
        .map(|v| {
            super::read::as_int(v, &obj.at(key), i64::from(min), i64::from(max)).map(|i| i as u32)
        })
        .transpose()
}

/// Reads the keys after `kind` and `name` of a Firehose consumer.
pub(crate) fn read(obj: &Obj) -> Result<FirehoseConsumer> {
    obj.only(FIREHOSE_KEYS)?;
    let present: Vec<FirehoseDestination> = FIREHOSE_DESTINATIONS
        .into_iter()
        .filter(|d| obj.get(d.block()).is_some())
        .collect();
    let destination =
        match present.as_slice() {
            [d] => *d,
            [] => {
                return err(
                    &obj.path,
                    format!(
                        "a Firehose stream needs exactly one destination block; give one of {}",
                        FIREHOSE_DESTINATIONS.map(|d| d.block()).join(", ")
                    ),
                )
            }
            [_, second, ..] => return err(
                obj.at(second.block()),
                "a Firehose stream has exactly one destination; remove the other destination block",
            ),
        };
    let block = Obj::new(obj.need(destination.block())?, &obj.at(destination.block()))?;
    let mut keys = vec!["BufferingHints", "S3BackupMode", "ProcessingConfiguration"];
    match destination {
        FirehoseDestination::S3 => keys.push("ErrorOutputPrefix"),
        FirehoseDestination::Redshift => {
            keys.retain(|k| *k != "BufferingHints");
            keys.extend(["S3Configuration", "RetryOptions"]);
        }
        _ => keys.push("RetryOptions"),
    }
    block.only(&keys)?;

    let buffering = match destination {
        // Redshift buffers for the intermediate S3 bucket: its hints sit in S3Configuration.
        FirehoseDestination::Redshift => match block.get("S3Configuration") {
            None => BufferingHints::default(),
            Some(v) => {
                let s3 = Obj::new(v, &block.at("S3Configuration"))?;
                s3.only(&["BufferingHints"])?;
                buffering_hints(&s3, destination)?
            }
        },
        _ => buffering_hints(&block, destination)?,
    };
    let retry_duration_seconds = match block.get("RetryOptions") {
        None => destination.default_retry_seconds(),
        Some(v) => {
            let r = Obj::new(v, &block.at("RetryOptions"))?;
            r.only(&["DurationInSeconds"])?;
            whole(&r, "DurationInSeconds", 0, 7_200)?.or(destination.default_retry_seconds())
        }
    };
    let backup_all = match block.get("S3BackupMode") {
        None => false,
        Some(v) => {
            let path = block.at("S3BackupMode");
            let modes = destination.backup_modes();
            match as_str(v, &path)? {
                s if s == modes[0] => false,
                s if s == modes[1] => true,
                other => {
                    return err(
                        path,
                        format!(
                            "{} is not an S3BackupMode of {}; allowed: {}, {}",
                            quote(other),
                            destination.block(),
                            modes[0],
                            modes[1]
                        ),
                    )
                }
            }
        }
    };
    let error_output_prefix = match block.get("ErrorOutputPrefix") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let path = block.at("ErrorOutputPrefix");
            let s = as_str(v, &path)?;
            if s.chars().count() > 512 {
                return err(path, "is longer than 512 characters (AWS's limit)");
            }
            Some(s.to_string())
        }
    };
    let processing = match block.get("ProcessingConfiguration") {
        None => None,
        Some(v) => processing_configuration(&Obj::new(v, &block.at("ProcessingConfiguration"))?)?,
    };
    let mut destination_model = DestinationModel::default();
    if let Some(v) = obj.get("destination") {
        let d = Obj::new(v, &obj.at("destination"))?;
        d.only(DESTINATION_MODEL_KEYS)?;
        if let Some(x) = d.opt_f64("latency_ms", 0.0, 600_000.0)? {
            destination_model.latency_ms = x;
        }
        if let Some(x) = d.opt_f64("error_rate", 0.0, 1.0)? {
            destination_model.error_rate = x;
        }
    }
    let mut transform = TransformModel::default();
    if let Some(v) = obj.get("transform") {
        let t = Obj::new(v, &obj.at("transform"))?;
        t.only(TRANSFORM_KEYS)?;
        if let Some(x) = t.opt_f64("invoke_ms", 0.0, 900_000.0)? {
            transform.invoke_ms = x;
        }
        if let Some(x) = t.opt_f64("per_record_ms", 0.0, 900_000.0)? {
            transform.per_record_ms = x;
        }
        if let Some(x) = t.opt_f64("dropped_share", 0.0, 1.0)? {
            transform.dropped_share = x;
        }
        if let Some(x) = t.opt_f64("processing_failed_share", 0.0, 1.0)? {
            transform.processing_failed_share = x;
        }
        if let Some(x) = t.opt_f64("error_rate", 0.0, 1.0)? {
            transform.error_rate = x;
        }
        if transform.dropped_share + transform.processing_failed_share > 1.0 {
            return err(
                t.at("processing_failed_share"),
                "dropped_share and processing_failed_share add up to more than 1",
            );
        }
    }
    Ok(FirehoseConsumer {
        destination,
        buffering,
        retry_duration_seconds,
        backup_all,
        error_output_prefix,
        processing,
        destination_model,
        transform,
    })
}

fn buffering_hints(parent: &Obj, destination: FirehoseDestination) -> Result<BufferingHints> {
    let Some(v) = parent.get("BufferingHints") else {
        return Ok(BufferingHints::default());
    };
    let b = Obj::new(v, &parent.at("BufferingHints"))?;
    b.only(&["SizeInMBs", "IntervalInSeconds"])?;
    let (lo, hi) = destination.size_range();
    let size = whole(&b, "SizeInMBs", lo, hi)?;
    let interval = whole(&b, "IntervalInSeconds", 0, 900)?;
    match (size, interval) {
        (Some(size_in_mbs), Some(interval_in_seconds)) => Ok(BufferingHints {
            size_in_mbs,
            interval_in_seconds,
        }),
        (None, None) => Ok(BufferingHints::default()),
        (None, Some(_)) => err(
            b.at("SizeInMBs"),
            "is required with IntervalInSeconds: AWS takes both buffering hints or neither",
        ),
        (Some(_), None) => err(
            b.at("IntervalInSeconds"),
            "is required with SizeInMBs: AWS takes both buffering hints or neither",
        ),
    }
}

fn processing_configuration(obj: &Obj) -> Result<Option<LambdaProcessor>> {
    obj.only(&["Enabled", "Processors"])?;
    let enabled = obj.bool_or("Enabled", true)?;
    let path = obj.at("Processors");
    let processors = match obj.get("Processors") {
        None => &Vec::new(),
        Some(v) => as_array(v, &path)?,
    };
    let mut lambda = None;
    for (i, p) in processors.iter().enumerate() {
        let p = Obj::new(p, &index_path(&path, i))?;
        p.only(&["Type", "Parameters"])?;
        let type_path = p.at("Type");
        let t = as_str(p.need("Type")?, &type_path)?;
        if t != "Lambda" {
            return err(
                type_path,
                format!(
                    "processor type {} is not modelled; the playground models the Lambda transform (\"Type\": \"Lambda\")",
                    quote(t)
                ),
            );
        }
        if lambda.is_some() {
            return err(type_path, "only one Lambda processor is allowed");
        }
        lambda = Some(lambda_processor(&p)?);
    }
    if !enabled {
        return Ok(None);
    }
    match lambda {
        Some(l) => Ok(Some(l)),
        None => err(
            path,
            "is required when Enabled is true: give one processor with \"Type\": \"Lambda\"",
        ),
    }
}

fn lambda_processor(p: &Obj) -> Result<LambdaProcessor> {
    let mut l = LambdaProcessor::default();
    let Some(v) = p.get("Parameters") else {
        return Ok(l);
    };
    let path = p.at("Parameters");
    let mut seen: Vec<String> = Vec::new();
    for (i, item) in as_array(v, &path)?.iter().enumerate() {
        let item = Obj::new(item, &index_path(&path, i))?;
        item.only(&["ParameterName", "ParameterValue"])?;
        let name_path = item.at("ParameterName");
        let name = as_str(item.need("ParameterName")?, &name_path)?;
        if !PROCESSOR_PARAMETERS.contains(&name) {
            return err(
                name_path,
                format!(
                    "unknown processor parameter {}; allowed: {}",
                    quote(name),
                    PROCESSOR_PARAMETERS.join(", ")
                ),
            );
        }
        if seen.iter().any(|s| s == name) {
            return err(name_path, format!("{} is given twice", quote(name)));
        }
        seen.push(name.to_string());
        let value_path = item.at("ParameterValue");
        // AWS takes every parameter value as a string; a number is accepted too.
        let value = match item.need("ParameterValue")? {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            other => {
                return Err(super::read::expected(&value_path, "a string", other));
            }
        };
        let number = |min: f64, max: f64| -> Result<f64> {
            // A JSON number (serde_json's parser: core's `f64::from_str` would add about
            // 5 KB to the web bundle; through `Value`, whose errors never print a float).
            match serde_json::from_str::<Value>(value.trim()).map(|v| v.as_f64()) {
                Ok(Some(x)) if x.is_finite() && x >= min && x <= max => {
                    Ok(if x == 0.0 { 0.0 } else { x })
                }
                _ => err(
                    &value_path,
                    format!(
                        "{} is not a number from {} to {}",
                        quote(&value),
                        super::read::bound(min),
                        super::read::bound(max)
                    ),
                ),
            }
        };
        match name {
            "LambdaArn" => {
                if !value.starts_with("arn:") || value.len() > 512 {
                    return err(
                        &value_path,
                        format!("{} is not a Lambda function ARN", quote(&value)),
                    );
                }
                l.lambda_arn = value.clone();
            }
            "BufferSizeInMBs" => l.buffer_size_in_mbs = number(0.2, 3.0)?,
            "BufferIntervalInSeconds" => {
                let x = number(0.0, 900.0)?;
                if x.fract() != 0.0 {
                    return err(&value_path, "must be a whole number of seconds");
                }
                l.buffer_interval_in_seconds = x as u32;
            }
            "NumberOfRetries" => {
                let x = number(0.0, 10.0)?;
                if x.fract() != 0.0 {
                    return err(&value_path, "must be a whole number");
                }
                l.number_of_retries = x as u32;
            }
            _ => {} // RoleArn: accepted, not modelled.
        }
    }
    Ok(l)
}

/// The canonical JSON of a Firehose consumer (every default written out).
pub(crate) fn to_json(name: &str, f: &FirehoseConsumer) -> Value {
    let d = f.destination;
    let hints = obj([
        ("SizeInMBs", f.buffering.size_in_mbs.into()),
        ("IntervalInSeconds", f.buffering.interval_in_seconds.into()),
    ]);
    let mut block = Map::new();
    match d {
        FirehoseDestination::Redshift => {
            block.insert("S3Configuration".into(), obj([("BufferingHints", hints)]));
        }
        _ => {
            block.insert("BufferingHints".into(), hints);
        }
    }
    if let Some(r) = f.retry_duration_seconds {
        block.insert(
            "RetryOptions".into(),
            obj([("DurationInSeconds", r.into())]),
        );
    }
    block.insert(
        "S3BackupMode".into(),
        d.backup_modes()[usize::from(f.backup_all)].into(),
    );
    if d == FirehoseDestination::S3 {
        if let Some(p) = &f.error_output_prefix {
            block.insert("ErrorOutputPrefix".into(), p.as_str().into());
        }
    }
    if let Some(l) = &f.processing {
        let param =
            |n: &str, v: String| obj([("ParameterName", n.into()), ("ParameterValue", v.into())]);
        let parameters = vec![
            param("LambdaArn", l.lambda_arn.clone()),
            param("BufferSizeInMBs", super::read::bound(l.buffer_size_in_mbs)),
            param(
                "BufferIntervalInSeconds",
                l.buffer_interval_in_seconds.to_string(),
            ),
            param("NumberOfRetries", l.number_of_retries.to_string()),
        ];
        let processor = obj([
            ("Type", "Lambda".into()),
            ("Parameters", Value::Array(parameters)),
        ]);
        block.insert(
            "ProcessingConfiguration".into(),
            obj([
                ("Enabled", true.into()),
                ("Processors", Value::Array(vec![processor])),
            ]),
        );
    }
    let t = &f.transform;
    let mut consumer = Map::new();
    consumer.insert("kind".into(), "firehose".into());
    consumer.insert("name".into(), name.into());
    consumer.insert(d.block().into(), Value::Object(block));
    consumer.insert(
        "destination".into(),
        obj([
            ("latency_ms", f.destination_model.latency_ms.into()),
            ("error_rate", f.destination_model.error_rate.into()),
        ]),
    );
    consumer.insert(
        "transform".into(),
        obj([
            ("invoke_ms", t.invoke_ms.into()),
            ("per_record_ms", t.per_record_ms.into()),
            ("dropped_share", t.dropped_share.into()),
            ("processing_failed_share", t.processing_failed_share.into()),
            ("error_rate", t.error_rate.into()),
        ]),
    );
    Value::Object(consumer)
}
