//! `"kind": "glue"`: an AWS Glue streaming ETL job (`gluestreaming`) reading the
//! stream with `glueContext.forEachBatch`. Its model, its timeline actions, how both
//! are read from JSON, and their canonical JSON, in one place.
//!
//! AWS's names and shapes where AWS has them (`Job` as CreateJob takes it,
//! `KinesisStreamingSourceOptions` as the Glue API spells them, `forEachBatch`'s
//! options); the playground's own model of the batch function in snake_case
//! (`batch`). Facts: `reference/firehose-and-glue.md` Part 2, §3–4.
//! Source: <https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html>
//!
use serde_json::{Map, Value};

use super::duration::{format_duration, quote};
use super::error::{Result, ScenarioError};
use super::json::obj;
use super::read::{as_duration, as_int, as_str, Obj};
use super::StartingPosition;
use crate::time::{SimDuration, SimTime};

/// An AWS Glue streaming job.
#[derive(Clone, Debug, PartialEq)]
pub struct GlueConsumer {
    /// `Job`: the CreateJob fields that matter here.
    pub job: GlueJob,
    /// `KinesisStreamingSourceOptions`.
    pub source: KinesisSource,
    /// `forEachBatch`: the micro-batch options.
    pub for_each_batch: ForEachBatch,
    /// `batch`: the playground's model of the batch function.
    pub batch: BatchModel,
}

/// `WorkerType`: the DPUs of one worker.
/// Source: <https://docs.aws.amazon.com/glue/latest/webapi/API_CreateJob.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkerType {
    /// `G.025X`: 0.25 DPU (2 vCPU, 4 GB); streaming jobs only, Glue 3.0+.
    G025X,
    /// `G.1X`: 1 DPU (4 vCPU, 16 GB).
    G1X,
    /// `G.2X`: 2 DPU (8 vCPU, 32 GB).
    G2X,
    /// `G.4X`: 4 DPU (16 vCPU, 64 GB), Glue 3.0+.
    G4X,
    /// `G.8X`: 8 DPU (32 vCPU, 128 GB), Glue 3.0+.
    G8X,
}

impl WorkerType {
    /// Every worker type, in the API's order.
    pub const ALL: [WorkerType; 5] = [
        WorkerType::G025X,
        WorkerType::G1X,
        WorkerType::G2X,
        WorkerType::G4X,
        WorkerType::G8X,
    ];

    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkerType::G025X => "G.025X",
            WorkerType::G1X => "G.1X",
            WorkerType::G2X => "G.2X",
            WorkerType::G4X => "G.4X",
            WorkerType::G8X => "G.8X",
        }
    }

    /// DPUs per worker, in quarters (G.025X is 1 quarter: integers keep billing exact).
    pub fn quarter_dpus(self) -> u64 {
        match self {
            WorkerType::G025X => 1,
            WorkerType::G1X => 4,
            WorkerType::G2X => 8,
            WorkerType::G4X => 16,
            WorkerType::G8X => 32,
        }
    }
}

/// `Job`.
#[derive(Clone, Debug, PartialEq)]
pub struct GlueJob {
    /// `GlueVersion`: "2.0", "3.0", "4.0" (default here: the newest version the
    /// streaming Auto Scaling page names; assumption, since 5.x streaming support
    /// is not verified) or "5.0".
    pub glue_version: GlueVersion,
    /// `WorkerType`, default G.1X (assumption: the console's default).
    pub worker_type: WorkerType,
    /// `NumberOfWorkers`, 2–299, default 2 (assumption). One worker runs the
    /// driver; the others run one executor each. With auto scaling, the maximum.
    pub number_of_workers: u32,
    /// `MaxRetries`: new runs after a FAILED run, 0–10, default 0.
    pub max_retries: u32,
    /// `DefaultArguments["--enable-auto-scaling"] == "true"` (Glue 3.0+). Default false.
    pub auto_scaling: bool,
    /// `Timeout` in minutes, 1–10,080. Default none: a streaming job runs until
    /// stopped (reference §3 conflict 5: the old console text; the API's 2,880 is
    /// written for batch jobs). Under 10,080 a run ends TIMEOUT then, and is not
    /// retried; otherwise the weekly maintenance restarts it after 7 days (§2.7).
    pub timeout_minutes: Option<u32>,
}

impl Default for GlueJob {
    fn default() -> Self {
        GlueJob {
            glue_version: GlueVersion::V4,
            worker_type: WorkerType::G1X,
            number_of_workers: 2,
            max_retries: 0,
            auto_scaling: false,
            timeout_minutes: None,
        }
    }
}

/// `GlueVersion`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum GlueVersion {
    /// "2.0" (no G.025X, no auto scaling).
    V2,
    /// "3.0".
    V3,
    /// "4.0".
    V4,
    /// "5.0".
    V5,
}

impl GlueVersion {
    /// Every version, oldest first.
    pub const ALL: [GlueVersion; 4] = [
        GlueVersion::V2,
        GlueVersion::V3,
        GlueVersion::V4,
        GlueVersion::V5,
    ];

    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            GlueVersion::V2 => "2.0",
            GlueVersion::V3 => "3.0",
            GlueVersion::V4 => "4.0",
            GlueVersion::V5 => "5.0",
        }
    }
}

/// `KinesisStreamingSourceOptions`.
/// Source: <https://docs.aws.amazon.com/glue/latest/webapi/API_KinesisStreamingSourceOptions.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KinesisSource {
    /// `StartingPosition`: LATEST (default), TRIM_HORIZON (also `earliest`) or a
    /// timestamp (Glue 4.0+). Used only when the checkpoint location is empty.
    pub starting_position: StartingPosition,
    /// `MaxFetchRecordsPerShard`: records per shard per micro-batch, default 100,000.
    pub max_fetch_records_per_shard: u64,
    /// `MaxFetchTimeInMs`: time spent fetching per shard per batch, default 1,000.
    pub max_fetch_time_ms: u64,
    /// `MaxRecordPerRead`: records per GetRecords call, default 10,000.
    pub max_record_per_read: u64,
    /// `AddIdleTimeBetweenReads`, default false.
    pub add_idle_time_between_reads: bool,
    /// `IdleTimeBetweenReadsInMs`, default 1,000 (applies with the flag above).
    pub idle_time_between_reads_ms: u64,
    /// `EnableFanOut` (the playground's switch for `FanoutConsumerARN`): read
    /// through a registered enhanced fan-out consumer. Default false.
    pub enable_fan_out: bool,
}

impl Default for KinesisSource {
    fn default() -> Self {
        KinesisSource {
            starting_position: StartingPosition::Latest,
            max_fetch_records_per_shard: 100_000,
            max_fetch_time_ms: 1_000,
            max_record_per_read: 10_000,
            add_idle_time_between_reads: false,
            idle_time_between_reads_ms: 1_000,
            enable_fan_out: false,
        }
    }
}

/// `forEachBatch` options.
/// Source: <https://github.com/awslabs/aws-glue-libs/blob/main/awsglue/context.py>
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForEachBatch {
    /// `windowSize`: the trigger interval, default 100 s.
    pub window_size: SimDuration,
    /// `checkpointLocation`: where offsets are committed. Default
    /// `s3://<bucket>/checkpoint/<name>/`.
    pub checkpoint_location: String,
    /// `batchMaxRetries`: 0–100, default 3 (back-off 1 s, 2 s, then 5 s).
    pub batch_max_retries: u32,
}

/// `batch`: the playground's model of the batch function.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchModel {
    /// `startup_ms`: planning and launch overhead per micro-batch, 0–600,000 ms.
    /// Default 1,500 (AWS: "typically 1–2 s").
    pub startup_ms: u64,
    /// `per_record_us`: processing time per record on one executor, 0–1,000,000 µs.
    /// Default 100. A batch's records are shared by the executors.
    pub per_record_us: f64,
    /// `error_rate`: share of batch attempts that raise (seeded), 0–1. Default 0.
    pub error_rate: f64,
}

impl Default for BatchModel {
    fn default() -> Self {
        BatchModel {
            startup_ms: 1_500,
            per_record_us: 100.0,
            error_rate: 0.0,
        }
    }
}

/// A Glue timeline action.
#[derive(Clone, Debug, PartialEq)]
pub enum GlueAction {
    /// `"stop_job"`: BatchStopJobRun: the run ends STOPPED; an unfinished batch
    /// is not committed.
    StopJob,
    /// `"start_job"`: StartJobRun, optionally with a new `NumberOfWorkers` or
    /// `WorkerType` for this run; it resumes from the checkpoint location.
    StartJob {
        /// `NumberOfWorkers` for the run.
        number_of_workers: Option<u32>,
        /// `WorkerType` for the run.
        worker_type: Option<WorkerType>,
    },
    /// `"reset_checkpoint"`: the job is pointed at a new, empty
    /// `checkpointLocation` (and restarted if it runs): it reads again from
    /// `StartingPosition`.
    ResetCheckpoint {
        /// The new `checkpointLocation` (default: the old one with `-reset-N`).
        checkpoint_location: Option<String>,
    },
}

impl GlueAction {
    /// The `do` string.
    pub fn name(&self) -> &'static str {
        match self {
            GlueAction::StopJob => "stop_job",
            GlueAction::StartJob { .. } => "start_job",
            GlueAction::ResetCheckpoint { .. } => "reset_checkpoint",
        }
    }
}

/// The keys of a Glue consumer.
pub const GLUE_KEYS: &[&str] = &[
    "kind",
    "name",
    "Job",
    "KinesisStreamingSourceOptions",
    "forEachBatch",
    "batch",
];
/// The Glue actions (`do`).
pub const GLUE_ACTIONS: &[&str] = &["stop_job", "start_job", "reset_checkpoint"];
const JOB_KEYS: &[&str] = &[
    "GlueVersion",
    "WorkerType",
    "NumberOfWorkers",
    "MaxRetries",
    "Timeout",
    "DefaultArguments",
];
const SOURCE_KEYS: &[&str] = &[
    "StartingPosition",
    "StartingTimestamp",
    "MaxFetchRecordsPerShard",
    "MaxFetchTimeInMs",
    "MaxRecordPerRead",
    "AddIdleTimeBetweenReads",
    "IdleTimeBetweenReadsInMs",
    "EnableFanOut",
];
/// The longest `windowSize` (playground limit).
const MAX_WINDOW: SimDuration = SimDuration::from_secs(86_400);

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(ScenarioError::new(path, message))
}

fn whole(obj: &Obj, key: &str, min: i64, max: i64) -> Result<Option<u64>> {
    obj.get(key)
        .map(|v| as_int(v, &obj.at(key), min, max).map(|n| n as u64))
        .transpose()
}

fn worker_type(v: &Value, path: &str) -> Result<WorkerType> {
    let s = as_str(v, path)?;
    WorkerType::ALL
        .into_iter()
        .find(|w| w.as_str() == s)
        .ok_or_else(|| {
            ScenarioError::new(
                path,
                format!(
                    "{} is not a streaming WorkerType; allowed: G.025X, G.1X, G.2X, G.4X, G.8X",
                    quote(s)
                ),
            )
        })
}

/// `NumberOfWorkers`: at least 2 (a driver and an executor), at most 299.
fn number_of_workers(v: &Value, path: &str) -> Result<u32> {
    Ok(as_int(v, path, 2, 299)? as u32)
}

/// Reads the keys after `kind` and `name` of a Glue consumer.
pub(crate) fn read(obj: &Obj, end: SimTime, name: &str) -> Result<GlueConsumer> {
    obj.only(GLUE_KEYS)?;
    let mut g = GlueConsumer {
        job: GlueJob::default(),
        source: KinesisSource::default(),
        for_each_batch: ForEachBatch {
            window_size: SimDuration::from_secs(100),
            checkpoint_location: format!("s3://shardscope/checkpoint/{name}/"),
            batch_max_retries: 3,
        },
        batch: BatchModel::default(),
    };
    if let Some(v) = obj.get("Job") {
        let j = Obj::new(v, &obj.at("Job"))?;
        j.only(JOB_KEYS)?;
        if let Some(v) = j.get("GlueVersion") {
            let path = j.at("GlueVersion");
            let s = as_str(v, &path)?;
            g.job.glue_version = GlueVersion::ALL
                .into_iter()
                .find(|x| x.as_str() == s)
                .ok_or_else(|| {
                    ScenarioError::new(
                        &path,
                        format!(
                            "{} is not a Glue version for streaming jobs; allowed: 2.0, 3.0, 4.0, 5.0",
                            quote(s)
                        ),
                    )
                })?;
        }
        if let Some(v) = j.get("WorkerType") {
            g.job.worker_type = worker_type(v, &j.at("WorkerType"))?;
        }
        if let Some(v) = j.get("NumberOfWorkers") {
            g.job.number_of_workers = number_of_workers(v, &j.at("NumberOfWorkers"))?;
        }
        if let Some(n) = whole(&j, "MaxRetries", 0, 10)? {
            g.job.max_retries = n as u32;
        }
        match j.get("Timeout") {
            None | Some(Value::Null) => {}
            Some(v) => g.job.timeout_minutes = Some(as_int(v, &j.at("Timeout"), 1, 10_080)? as u32),
        }
        if let Some(v) = j.get("DefaultArguments") {
            let a = Obj::new(v, &j.at("DefaultArguments"))?;
            a.only(&["--enable-auto-scaling"])?;
            if let Some(v) = a.get("--enable-auto-scaling") {
                let path = a.at("--enable-auto-scaling");
                g.job.auto_scaling = match as_str(v, &path)? {
                    "true" => true,
                    "false" => false,
                    other => {
                        return err(
                            path,
                            format!(
                                "{} is not \"true\" or \"false\" (job arguments are strings)",
                                quote(other)
                            ),
                        )
                    }
                };
            }
        }
        let version = g.job.glue_version;
        if version < GlueVersion::V3 {
            if g.job.worker_type == WorkerType::G025X {
                return err(j.at("WorkerType"), "G.025X needs GlueVersion 3.0 or later");
            }
            if g.job.auto_scaling {
                return err(
                    j.at("DefaultArguments"),
                    "--enable-auto-scaling needs GlueVersion 3.0 or later",
                );
            }
        }
    }
    if let Some(v) = obj.get("KinesisStreamingSourceOptions") {
        let s = Obj::new(v, &obj.at("KinesisStreamingSourceOptions"))?;
        s.only(SOURCE_KEYS)?;
        g.source.starting_position = starting_position(&s, end)?;
        if let Some(n) = whole(&s, "MaxFetchRecordsPerShard", 1, 10_000_000)? {
            g.source.max_fetch_records_per_shard = n;
        }
        if let Some(n) = whole(&s, "MaxFetchTimeInMs", 1, 3_600_000)? {
            g.source.max_fetch_time_ms = n;
        }
        if let Some(n) = whole(&s, "MaxRecordPerRead", 1, 10_000)? {
            g.source.max_record_per_read = n;
        }
        g.source.add_idle_time_between_reads = s.bool_or("AddIdleTimeBetweenReads", false)?;
        if let Some(n) = whole(&s, "IdleTimeBetweenReadsInMs", 0, 3_600_000)? {
            g.source.idle_time_between_reads_ms = n;
        }
        g.source.enable_fan_out = s.bool_or("EnableFanOut", false)?;
        let v4 = g.job.glue_version >= GlueVersion::V4;
        if g.source.enable_fan_out && !v4 {
            return err(
                s.at("EnableFanOut"),
                "enhanced fan-out needs GlueVersion 4.0 or later",
            );
        }
        if matches!(g.source.starting_position, StartingPosition::AtTimestamp(_)) && !v4 {
            return err(
                s.at("StartingPosition"),
                "a timestamp needs GlueVersion 4.0 or later",
            );
        }
    }
    if let Some(v) = obj.get("forEachBatch") {
        let f = Obj::new(v, &obj.at("forEachBatch"))?;
        f.only(&["windowSize", "checkpointLocation", "batchMaxRetries"])?;
        if let Some(v) = f.get("windowSize") {
            let path = f.at("windowSize");
            let d = as_duration(v, &path)?;
            if d.0 < 1_000_000 || d > MAX_WINDOW {
                return err(path, "must be from 1s to 24h");
            }
            g.for_each_batch.window_size = d;
        }
        if let Some(v) = f.get("checkpointLocation") {
            g.for_each_batch.checkpoint_location =
                checkpoint_location(v, &f.at("checkpointLocation"))?;
        }
        if let Some(n) = whole(&f, "batchMaxRetries", 0, 100)? {
            g.for_each_batch.batch_max_retries = n as u32;
        }
    }
    if let Some(v) = obj.get("batch") {
        let b = Obj::new(v, &obj.at("batch"))?;
        b.only(&["startup_ms", "per_record_us", "error_rate"])?;
        if let Some(n) = whole(&b, "startup_ms", 0, 600_000)? {
            g.batch.startup_ms = n;
        }
        if let Some(x) = b.opt_f64("per_record_us", 0.0, 1_000_000.0)? {
            g.batch.per_record_us = x;
        }
        if let Some(x) = b.opt_f64("error_rate", 0.0, 1.0)? {
            g.batch.error_rate = x;
        }
    }
    Ok(g)
}

/// An S3 URI, as `forEachBatch` needs one.
fn checkpoint_location(v: &Value, path: &str) -> Result<String> {
    let s = as_str(v, path)?;
    if !s.starts_with("s3://") || s.len() < 6 || s.len() > 1_024 {
        return err(
            path,
            "must be an s3:// location of at most 1,024 characters",
        );
    }
    Ok(s.to_string())
}

/// `StartingPosition` (`latest`, `trim_horizon`, `earliest`, `timestamp` with
/// `StartingTimestamp`), as the Glue API spells them.
fn starting_position(s: &Obj, end: SimTime) -> Result<StartingPosition> {
    let path = s.at("StartingPosition");
    let ts = s.get("StartingTimestamp");
    let pos = match s.get("StartingPosition") {
        None => StartingPosition::Latest,
        Some(v) => match as_str(v, &path)? {
            "latest" => StartingPosition::Latest,
            "trim_horizon" | "earliest" => StartingPosition::TrimHorizon,
            "timestamp" => {
                let ts_path = s.at("StartingTimestamp");
                let Some(ts) = ts else {
                    return err(ts_path, "is required when StartingPosition is timestamp");
                };
                let at = as_duration(ts, &ts_path)?.after_start();
                if at > end {
                    return err(ts_path, "is after the end of the run");
                }
                return Ok(StartingPosition::AtTimestamp(at));
            }
            other => {
                return err(
                    path,
                    format!(
                        "{} is not a starting position; allowed: latest, trim_horizon, earliest, timestamp",
                        quote(other)
                    ),
                )
            }
        },
    };
    if ts.is_some() {
        return err(
            s.at("StartingTimestamp"),
            "is only allowed when StartingPosition is timestamp",
        );
    }
    Ok(pos)
}

/// Reads the keys of a Glue timeline action (after `at`, `do` and `consumer`).
pub(crate) fn read_action(o: &Obj, what: &str) -> Result<GlueAction> {
    const BASE: [&str; 3] = ["at", "do", "consumer"];
    let only = |more: &[&str]| {
        let mut keys = BASE.to_vec();
        keys.extend_from_slice(more);
        o.only(&keys)
    };
    Ok(match what {
        "stop_job" => {
            only(&[])?;
            GlueAction::StopJob
        }
        "start_job" => {
            only(&["NumberOfWorkers", "WorkerType"])?;
            GlueAction::StartJob {
                number_of_workers: o
                    .get("NumberOfWorkers")
                    .map(|v| number_of_workers(v, &o.at("NumberOfWorkers")))
                    .transpose()?,
                worker_type: o
                    .get("WorkerType")
                    .map(|v| worker_type(v, &o.at("WorkerType")))
                    .transpose()?,
            }
        }
        _ => {
            only(&["checkpointLocation"])?;
            GlueAction::ResetCheckpoint {
                checkpoint_location: o
                    .get("checkpointLocation")
                    .map(|v| checkpoint_location(v, &o.at("checkpointLocation")))
                    .transpose()?,
            }
        }
    })
}

/// The canonical JSON of a Glue consumer (every default written out).
pub(crate) fn to_json(name: &str, g: &GlueConsumer) -> Value {
    let j = &g.job;
    let mut job = Map::new();
    job.insert("GlueVersion".into(), j.glue_version.as_str().into());
    job.insert("WorkerType".into(), j.worker_type.as_str().into());
    job.insert("NumberOfWorkers".into(), j.number_of_workers.into());
    job.insert("MaxRetries".into(), j.max_retries.into());
    if let Some(t) = j.timeout_minutes {
        job.insert("Timeout".into(), t.into());
    }
    job.insert(
        "DefaultArguments".into(),
        obj([(
            "--enable-auto-scaling",
            if j.auto_scaling { "true" } else { "false" }.into(),
        )]),
    );
    let s = &g.source;
    let mut source = Map::new();
    let pos = match s.starting_position {
        StartingPosition::Latest => "latest",
        StartingPosition::TrimHorizon => "trim_horizon",
        StartingPosition::AtTimestamp(t) => {
            source.insert(
                "StartingTimestamp".into(),
                format_duration(t.since_start()).into(),
            );
            "timestamp"
        }
    };
    source.insert("StartingPosition".into(), pos.into());
    source.insert(
        "MaxFetchRecordsPerShard".into(),
        s.max_fetch_records_per_shard.into(),
    );
    source.insert("MaxFetchTimeInMs".into(), s.max_fetch_time_ms.into());
    source.insert("MaxRecordPerRead".into(), s.max_record_per_read.into());
    source.insert(
        "AddIdleTimeBetweenReads".into(),
        s.add_idle_time_between_reads.into(),
    );
    source.insert(
        "IdleTimeBetweenReadsInMs".into(),
        s.idle_time_between_reads_ms.into(),
    );
    source.insert("EnableFanOut".into(), s.enable_fan_out.into());
    let f = &g.for_each_batch;
    obj([
        ("kind", "glue".into()),
        ("name", name.into()),
        ("Job", Value::Object(job)),
        ("KinesisStreamingSourceOptions", Value::Object(source)),
        (
            "forEachBatch",
            obj([
                ("windowSize", format_duration(f.window_size).into()),
                ("checkpointLocation", f.checkpoint_location.as_str().into()),
                ("batchMaxRetries", f.batch_max_retries.into()),
            ]),
        ),
        (
            "batch",
            obj([
                ("startup_ms", g.batch.startup_ms.into()),
                ("per_record_us", g.batch.per_record_us.into()),
                ("error_rate", g.batch.error_rate.into()),
            ]),
        ),
    ])
}

/// The keys of a Glue action after `at`, `do` and `consumer`, in canonical JSON.
pub(crate) fn action_json(a: &GlueAction, m: &mut Map<String, Value>) {
    match a {
        GlueAction::StopJob => {}
        GlueAction::StartJob {
            number_of_workers,
            worker_type,
        } => {
            if let Some(n) = number_of_workers {
                m.insert("NumberOfWorkers".into(), (*n).into());
            }
            if let Some(w) = worker_type {
                m.insert("WorkerType".into(), w.as_str().into());
            }
        }
        GlueAction::ResetCheckpoint {
            checkpoint_location,
        } => {
            if let Some(c) = checkpoint_location {
                m.insert("checkpointLocation".into(), c.as_str().into());
            }
        }
    }
}
