//! `"kind": "kda_sql"`: an Amazon Kinesis Data Analytics for SQL application
//! (retired: no new applications from 2025-10-15, applications deleted from
//! 2026-01-27; modelled for readers who migrate from it). Its model, its timeline
//! actions, how both are read from JSON, and their canonical JSON, in one place.
//!
//! AWS's names and shapes where AWS has them (`Inputs[0]` and `Outputs` as the v1
//! CreateApplication takes them); the playground's models in snake_case (`query`,
//! the preprocessor's and the destinations' behaviour). Facts:
//! `reference/flink-and-kda-sql.md` Part B and Part C rules 8–9.
//! Source: <https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_CreateApplication.html>

use serde_json::{Map, Value};

use super::duration::{format_duration, quote};
use super::error::{Result, ScenarioError};
use super::json::obj;
use super::read::{as_array, as_duration, as_int, as_str, Obj};
use crate::time::SimDuration;

/// A Kinesis Data Analytics for SQL application.
#[derive(Clone, Debug, PartialEq)]
pub struct KdaSqlConsumer {
    /// `Inputs[0]`: the one streaming source.
    pub input: SqlInput,
    /// `query`: the playground's model of the application code.
    pub query: Query,
    /// `Outputs`: 0 to 3 destinations of the query's in-application stream.
    pub outputs: Vec<SqlOutput>,
}

/// `Inputs[0]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlInput {
    /// `NamePrefix` (1–32 characters), default `SOURCE_SQL_STREAM`: the
    /// in-application streams are `<NamePrefix>_001`, `_002`, …
    pub name_prefix: String,
    /// `InputParallelism.Count`, 1–64, default 1.
    pub parallelism: u32,
    /// `InputStartingPositionConfiguration.InputStartingPosition`, default NOW.
    pub starting_position: SqlStart,
    /// `InputProcessingConfiguration.InputLambdaProcessor`, if any.
    pub preprocessor: Option<Preprocessor>,
}

/// `InputStartingPosition`.
/// Source: <https://docs.aws.amazon.com/kinesisanalytics/latest/dev/API_InputStartingPositionConfiguration.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlStart {
    /// `NOW`: from the tip of the stream when the application starts.
    Now,
    /// `TRIM_HORIZON`: from the oldest record still in the stream.
    TrimHorizon,
    /// `LAST_STOPPED_POINT`: from where the application stopped reading
    /// (from NOW on its first start).
    LastStoppedPoint,
}

impl SqlStart {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SqlStart::Now => "NOW",
            SqlStart::TrimHorizon => "TRIM_HORIZON",
            SqlStart::LastStoppedPoint => "LAST_STOPPED_POINT",
        }
    }
}

/// `InputLambdaProcessor`: `ResourceARN` and the playground's model of the function.
#[derive(Clone, Debug, PartialEq)]
pub struct Preprocessor {
    /// `ResourceARN`.
    pub resource_arn: String,
    /// `invoke_ms`: time per invocation, 0–300,000. Default 100.
    pub invoke_ms: u64,
    /// `per_record_ms`: time per record, 0–1,000. Default 0.
    pub per_record_ms: f64,
    /// `dropped_share`: records returned `Dropped`, 0–1. Default 0.
    pub dropped_share: f64,
    /// `processing_failed_share`: records returned `ProcessingFailed` (to
    /// `error_stream`), 0–1. Default 0.
    pub processing_failed_share: f64,
    /// `error_rate`: share of invocations that fail (the batch is retried until it
    /// succeeds), 0–1. Default 0.
    pub error_rate: f64,
}

/// `query`: the playground's model of the SQL code.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Query {
    /// `window`: the windowed aggregate.
    pub window: SqlWindow,
    /// `per_record_us`: CPU time per row, 0–1,000,000. Default 20.
    pub per_record_us: f64,
}

/// A window over `ROWTIME` (the time a row entered the in-application stream).
/// Source: `reference/flink-and-kda-sql.md` B6.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SqlWindow {
    /// `type`.
    pub kind: SqlWindowKind,
    /// `size`: 1 s to 24 h. Default 60 s.
    pub size: SimDuration,
}

/// The kind of window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlWindowKind {
    /// `"tumbling"`: `GROUP BY STEP(ROWTIME BY INTERVAL …)`; emitted when it ends.
    Tumbling,
    /// `"sliding"`: `OVER (RANGE INTERVAL … PRECEDING)`; one row out per row in.
    Sliding,
    /// `"stagger"`: `WINDOWED BY STAGGER`; opens with its first row, emitted `size` later.
    Stagger,
}

impl SqlWindowKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SqlWindowKind::Tumbling => "tumbling",
            SqlWindowKind::Sliding => "sliding",
            SqlWindowKind::Stagger => "stagger",
        }
    }
}

/// The kind of an output's destination (`KinesisStreamsOutput`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputKind {
    /// `KinesisStreamsOutput`.
    KinesisStreams,
    /// `KinesisFirehoseOutput`.
    KinesisFirehose,
    /// `LambdaOutput`.
    Lambda,
}

impl OutputKind {
    /// Every kind, in the API's order.
    pub const ALL: [OutputKind; 3] = [
        OutputKind::KinesisStreams,
        OutputKind::KinesisFirehose,
        OutputKind::Lambda,
    ];

    /// The block's key.
    pub fn block(self) -> &'static str {
        match self {
            OutputKind::KinesisStreams => "KinesisStreamsOutput",
            OutputKind::KinesisFirehose => "KinesisFirehoseOutput",
            OutputKind::Lambda => "LambdaOutput",
        }
    }
}

/// `Outputs[i]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlOutput {
    /// `Name`: the in-application stream it delivers (1–32 characters), unique.
    pub name: String,
    /// The destination block and its `ResourceARN`.
    pub kind: OutputKind,
    pub resource_arn: String,
    /// `destination.latency_ms`: time per delivery attempt, 0–600,000. Default 100.
    pub latency_ms: u64,
    /// `destination.error_rate`: share of attempts that fail, 0–1. Default 0.
    pub error_rate: f64,
}

/// A KDA SQL timeline action, addressed to `consumer`.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlAction {
    /// `"destination_outage"` with `output`: every delivery to it fails for `duration`.
    DestinationOutage {
        /// `output`: an output's `Name`.
        output: String,
        /// `duration`: more than 0.
        duration: SimDuration,
    },
    /// `"stop_application"`: StopApplication (no force stop for SQL applications).
    StopApplication,
    /// `"start_application"`: StartApplication with `InputStartingPosition`.
    StartApplication {
        /// Default LAST_STOPPED_POINT.
        starting_position: SqlStart,
    },
}

impl SqlAction {
    /// The `do` string.
    pub fn name(&self) -> &'static str {
        match self {
            SqlAction::DestinationOutage { .. } => "destination_outage",
            SqlAction::StopApplication => "stop_application",
            SqlAction::StartApplication { .. } => "start_application",
        }
    }
}

/// The keys of a KDA SQL consumer.
pub const KDA_SQL_KEYS: &[&str] = &["kind", "name", "Inputs", "query", "Outputs"];
/// The KDA SQL actions (`do`); the last two share their names with Flink's and are
/// read by the named consumer's kind.
pub const KDA_SQL_ACTIONS: &[&str] = &[
    "destination_outage",
    "stop_application",
    "start_application",
];

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(ScenarioError::new(path, message))
}

fn whole(obj: &Obj, key: &str, min: i64, max: i64) -> Result<Option<u64>> {
    obj.get(key)
        .map(|v| as_int(v, &obj.at(key), min, max).map(|n| n as u64))
        .transpose()
}

/// 1–32 characters.
fn short_name(v: &Value, path: &str) -> Result<String> {
    let s = as_str(v, path)?;
    let n = s.chars().count();
    if !(1..=32).contains(&n) {
        return err(path, "must have 1 to 32 characters");
    }
    Ok(s.to_string())
}

fn arn(o: &Obj, service: &str) -> Result<String> {
    let path = o.at("ResourceARN");
    let s = as_str(o.need("ResourceARN")?, &path)?;
    if !s.starts_with(&format!("arn:aws:{service}:")) || s.len() > 2_048 {
        return err(path, format!("is not an ARN of {service}"));
    }
    Ok(s.to_string())
}

fn start(v: &Value, path: &str) -> Result<SqlStart> {
    match as_str(v, path)? {
        "NOW" => Ok(SqlStart::Now),
        "TRIM_HORIZON" => Ok(SqlStart::TrimHorizon),
        "LAST_STOPPED_POINT" => Ok(SqlStart::LastStoppedPoint),
        other => err(
            path,
            format!(
                "{} is not an InputStartingPosition; allowed: NOW, TRIM_HORIZON, LAST_STOPPED_POINT",
                quote(other)
            ),
        ),
    }
}

/// Reads the keys after `kind` and `name` of a KDA SQL consumer.
pub(crate) fn read(obj: &Obj) -> Result<KdaSqlConsumer> {
    obj.only(KDA_SQL_KEYS)?;
    let mut k = KdaSqlConsumer {
        input: SqlInput {
            name_prefix: "SOURCE_SQL_STREAM".into(),
            parallelism: 1,
            starting_position: SqlStart::Now,
            preprocessor: None,
        },
        query: Query {
            window: SqlWindow {
                kind: SqlWindowKind::Tumbling,
                size: SimDuration::from_secs(60),
            },
            per_record_us: 20.0,
        },
        outputs: Vec::new(),
    };
    if let Some(v) = obj.get("Inputs") {
        let path = obj.at("Inputs");
        let list = as_array(v, &path)?;
        if list.len() != 1 {
            return err(path, "an application has exactly one streaming source");
        }
        let i = Obj::new(&list[0], &format!("{path}[0]"))?;
        i.only(&[
            "NamePrefix",
            "InputParallelism",
            "InputStartingPositionConfiguration",
            "InputProcessingConfiguration",
        ])?;
        if let Some(v) = i.get("NamePrefix") {
            k.input.name_prefix = short_name(v, &i.at("NamePrefix"))?;
        }
        if let Some(v) = i.get("InputParallelism") {
            let p = Obj::new(v, &i.at("InputParallelism"))?;
            p.only(&["Count"])?;
            if let Some(n) = whole(&p, "Count", 1, 64)? {
                k.input.parallelism = n as u32;
            }
        }
        if let Some(v) = i.get("InputStartingPositionConfiguration") {
            let s = Obj::new(v, &i.at("InputStartingPositionConfiguration"))?;
            s.only(&["InputStartingPosition"])?;
            if let Some(v) = s.get("InputStartingPosition") {
                k.input.starting_position = start(v, &s.at("InputStartingPosition"))?;
            }
        }
        if let Some(v) = i.get("InputProcessingConfiguration") {
            let c = Obj::new(v, &i.at("InputProcessingConfiguration"))?;
            c.only(&["InputLambdaProcessor"])?;
            let l = Obj::new(
                c.need("InputLambdaProcessor")?,
                &c.at("InputLambdaProcessor"),
            )?;
            l.only(&[
                "ResourceARN",
                "invoke_ms",
                "per_record_ms",
                "dropped_share",
                "processing_failed_share",
                "error_rate",
            ])?;
            let share = |key: &str| l.opt_f64(key, 0.0, 1.0).map(|x| x.unwrap_or(0.0));
            let p = Preprocessor {
                resource_arn: arn(&l, "lambda")?,
                invoke_ms: whole(&l, "invoke_ms", 0, 300_000)?.unwrap_or(100),
                per_record_ms: l.opt_f64("per_record_ms", 0.0, 1_000.0)?.unwrap_or(0.0),
                dropped_share: share("dropped_share")?,
                processing_failed_share: share("processing_failed_share")?,
                error_rate: share("error_rate")?,
            };
            if p.dropped_share + p.processing_failed_share > 1.0 {
                return err(
                    l.at("processing_failed_share"),
                    "dropped_share and processing_failed_share add up to more than 1",
                );
            }
            k.input.preprocessor = Some(p);
        }
    }
    if let Some(v) = obj.get("query") {
        let q = Obj::new(v, &obj.at("query"))?;
        q.only(&["window", "per_record_us"])?;
        if let Some(x) = q.opt_f64("per_record_us", 0.0, 1_000_000.0)? {
            k.query.per_record_us = x;
        }
        if let Some(v) = q.get("window") {
            let w = Obj::new(v, &q.at("window"))?;
            w.only(&["type", "size"])?;
            let type_path = w.at("type");
            k.query.window.kind = match as_str(w.need("type")?, &type_path)? {
                "tumbling" => SqlWindowKind::Tumbling,
                "sliding" => SqlWindowKind::Sliding,
                "stagger" => SqlWindowKind::Stagger,
                other => {
                    return err(
                        type_path,
                        format!(
                            "{} is not a window type; allowed: tumbling, sliding, stagger",
                            quote(other)
                        ),
                    )
                }
            };
            if let Some(v) = w.get("size") {
                let path = w.at("size");
                let d = as_duration(v, &path)?;
                if d.0 < 1_000_000 || d.0 > 86_400_000_000 {
                    return err(path, "must be from 1s to 24h");
                }
                k.query.window.size = d;
            }
        }
    }
    if let Some(v) = obj.get("Outputs") {
        let path = obj.at("Outputs");
        let list = as_array(v, &path)?;
        if list.len() > 3 {
            return err(path, "an application has at most 3 outputs");
        }
        for (n, v) in list.iter().enumerate() {
            let o = Obj::new(v, &format!("{path}[{n}]"))?;
            o.only(&[
                "Name",
                "KinesisStreamsOutput",
                "KinesisFirehoseOutput",
                "LambdaOutput",
                "destination",
            ])?;
            let name = short_name(o.need("Name")?, &o.at("Name"))?;
            if k.outputs.iter().any(|x| x.name == name) {
                return err(o.at("Name"), format!("{} is given twice", quote(&name)));
            }
            let blocks: Vec<OutputKind> = OutputKind::ALL
                .into_iter()
                .filter(|b| o.get(b.block()).is_some())
                .collect();
            let [kind] = blocks[..] else {
                return err(
                    &o.path,
                    "needs exactly one of KinesisStreamsOutput, KinesisFirehoseOutput, LambdaOutput",
                );
            };
            let b = Obj::new(o.need(kind.block())?, &o.at(kind.block()))?;
            b.only(&["ResourceARN"])?;
            let service = match kind {
                OutputKind::KinesisStreams => "kinesis",
                OutputKind::KinesisFirehose => "firehose",
                OutputKind::Lambda => "lambda",
            };
            let mut out = SqlOutput {
                name,
                kind,
                resource_arn: arn(&b, service)?,
                latency_ms: 100,
                error_rate: 0.0,
            };
            if let Some(v) = o.get("destination") {
                let d = Obj::new(v, &o.at("destination"))?;
                d.only(&["latency_ms", "error_rate"])?;
                if let Some(n) = whole(&d, "latency_ms", 0, 600_000)? {
                    out.latency_ms = n;
                }
                if let Some(x) = d.opt_f64("error_rate", 0.0, 1.0)? {
                    out.error_rate = x;
                }
            }
            k.outputs.push(out);
        }
    }
    Ok(k)
}

/// Reads the keys of a KDA SQL action (after `at`, `do` and `consumer`).
pub(crate) fn read_action(o: &Obj, what: &str, k: &KdaSqlConsumer) -> Result<SqlAction> {
    const BASE: [&str; 3] = ["at", "do", "consumer"];
    let only = |more: &[&str]| {
        let mut keys = BASE.to_vec();
        keys.extend_from_slice(more);
        o.only(&keys)
    };
    Ok(match what {
        "destination_outage" => {
            only(&["output", "duration"])?;
            let path = o.at("output");
            let output = as_str(o.need("output")?, &path)?.to_string();
            if !k.outputs.iter().any(|x| x.name == output) {
                let names: Vec<&str> = k.outputs.iter().map(|x| x.name.as_str()).collect();
                return err(
                    path,
                    format!(
                        "no output named {}; outputs: {}",
                        quote(&output),
                        names.join(", ")
                    ),
                );
            }
            let path = o.at("duration");
            let duration = as_duration(o.need("duration")?, &path)?;
            if duration.0 == 0 {
                return err(path, "must be longer than 0s");
            }
            SqlAction::DestinationOutage { output, duration }
        }
        "stop_application" => {
            only(&[])?;
            SqlAction::StopApplication
        }
        _ => {
            only(&["InputStartingPosition"])?;
            SqlAction::StartApplication {
                starting_position: match o.get("InputStartingPosition") {
                    None => SqlStart::LastStoppedPoint,
                    Some(v) => start(v, &o.at("InputStartingPosition"))?,
                },
            }
        }
    })
}

/// The canonical JSON of a KDA SQL consumer (every default written out).
pub(crate) fn to_json(name: &str, k: &KdaSqlConsumer) -> Value {
    let i = &k.input;
    let mut input = Map::new();
    input.insert("NamePrefix".into(), i.name_prefix.as_str().into());
    input.insert(
        "InputParallelism".into(),
        obj([("Count", i.parallelism.into())]),
    );
    input.insert(
        "InputStartingPositionConfiguration".into(),
        obj([("InputStartingPosition", i.starting_position.as_str().into())]),
    );
    if let Some(p) = &i.preprocessor {
        input.insert(
            "InputProcessingConfiguration".into(),
            obj([(
                "InputLambdaProcessor",
                obj([
                    ("ResourceARN", p.resource_arn.as_str().into()),
                    ("invoke_ms", p.invoke_ms.into()),
                    ("per_record_ms", p.per_record_ms.into()),
                    ("dropped_share", p.dropped_share.into()),
                    ("processing_failed_share", p.processing_failed_share.into()),
                    ("error_rate", p.error_rate.into()),
                ]),
            )]),
        );
    }
    let outputs: Vec<Value> = k
        .outputs
        .iter()
        .map(|o| {
            let mut m = Map::new();
            m.insert("Name".into(), o.name.as_str().into());
            m.insert(
                o.kind.block().into(),
                obj([("ResourceARN", o.resource_arn.as_str().into())]),
            );
            m.insert(
                "destination".into(),
                obj([
                    ("latency_ms", o.latency_ms.into()),
                    ("error_rate", o.error_rate.into()),
                ]),
            );
            Value::Object(m)
        })
        .collect();
    let w = k.query.window;
    obj([
        ("kind", "kda_sql".into()),
        ("name", name.into()),
        ("Inputs", Value::Array(vec![Value::Object(input)])),
        (
            "query",
            obj([
                (
                    "window",
                    obj([
                        ("type", w.kind.as_str().into()),
                        ("size", format_duration(w.size).into()),
                    ]),
                ),
                ("per_record_us", k.query.per_record_us.into()),
            ]),
        ),
        ("Outputs", Value::Array(outputs)),
    ])
}

/// The keys of a KDA SQL action after `at`, `do` and `consumer`, in canonical JSON.
pub(crate) fn action_json(a: &SqlAction, m: &mut Map<String, Value>) {
    match a {
        SqlAction::DestinationOutage { output, duration } => {
            m.insert("output".into(), output.as_str().into());
            m.insert("duration".into(), format_duration(*duration).into());
        }
        SqlAction::StopApplication => {}
        SqlAction::StartApplication { starting_position } => {
            m.insert(
                "InputStartingPosition".into(),
                starting_position.as_str().into(),
            );
        }
    }
}
