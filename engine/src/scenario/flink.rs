//! `"kind": "flink"`: an Amazon Managed Service for Apache Flink application
//! reading the stream with the Kinesis source. Its model, its timeline actions,
//! how both are read from JSON, and their canonical JSON, in one place.
//!
//! AWS's names and shapes where AWS has them (`ApplicationConfiguration` as
//! CreateApplication takes it, `RunConfiguration` as StartApplication takes
//! it); the playground's own model of the job in snake_case (`source`, `job`).
//! Facts: `reference/flink-and-kda-sql.md` Part A and Part C.
//! Source: <https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_CreateApplication.html>

use serde_json::{Map, Value};

use super::duration::{format_duration, quote};
use super::error::{Result, ScenarioError};
use super::json::obj;
use super::read::{as_duration, as_int, as_str, Obj};
use super::StartingPosition;
use crate::time::{SimDuration, SimTime};

/// The KPU quota per application (default 64 in the current guide; older pages
/// say 32): `Parallelism` may not exceed `ParallelismPerKPU` × this.
/// Source: <https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling.html>
pub const KPU_QUOTA: u32 = 64;

/// A Managed Service for Apache Flink application.
#[derive(Clone, Debug, PartialEq)]
pub struct FlinkConsumer {
    /// `…FlinkApplicationConfiguration.CheckpointConfiguration`.
    pub checkpoint: CheckpointConfiguration,
    /// `…FlinkApplicationConfiguration.ParallelismConfiguration`.
    pub parallelism: ParallelismConfiguration,
    /// `…ApplicationSnapshotConfiguration.SnapshotsEnabled`. Default true.
    /// Assumption: AWS gives no default for the API (the field is required);
    /// the console creates applications with snapshots enabled.
    pub snapshots_enabled: bool,
    /// `source`: the Kinesis source's settings.
    pub source: FlinkSource,
    /// `job`: the playground's model of the application's code.
    pub job: FlinkJob,
}

/// `CheckpointConfiguration`. With `ConfigurationType` DEFAULT the service
/// enforces checkpointing on, every 60,000 ms, at least 5,000 ms apart, whatever
/// else is set.
/// Source: <https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_CheckpointConfiguration.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointConfiguration {
    /// `ConfigurationType` CUSTOM (true) or DEFAULT (false, the default).
    pub custom: bool,
    /// `CheckpointingEnabled`, default true.
    pub enabled: bool,
    /// `CheckpointInterval` in ms, ≥ 1, default 60,000.
    pub interval_ms: u64,
    /// `MinPauseBetweenCheckpoints` in ms, ≥ 0, default 5,000.
    pub min_pause_ms: u64,
}

impl Default for CheckpointConfiguration {
    fn default() -> Self {
        CheckpointConfiguration {
            custom: false,
            enabled: true,
            interval_ms: 60_000,
            min_pause_ms: 5_000,
        }
    }
}

/// `ParallelismConfiguration`. With `ConfigurationType` DEFAULT: Parallelism 1,
/// ParallelismPerKPU 1, autoscaling on; CUSTOM is needed to change any of them.
/// Source: <https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_ParallelismConfiguration.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParallelismConfiguration {
    /// `ConfigurationType` CUSTOM (true) or DEFAULT (false, the default).
    pub custom: bool,
    /// `Parallelism`: 1 to `ParallelismPerKPU` × [`KPU_QUOTA`] (and 256), default 1.
    pub parallelism: u32,
    /// `ParallelismPerKPU`: 1–8, default 1 (task slots per KPU).
    pub parallelism_per_kpu: u32,
    /// `AutoScalingEnabled`, default true.
    pub autoscaling: bool,
}

impl Default for ParallelismConfiguration {
    fn default() -> Self {
        ParallelismConfiguration {
            custom: false,
            parallelism: 1,
            parallelism_per_kpu: 1,
            autoscaling: true,
        }
    }
}

/// `source`: the Kinesis source (`KinesisStreamsSource`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlinkSource {
    /// `InitialPosition` (`source.init.position`): LATEST (the connector's
    /// default), TRIM_HORIZON or AT_TIMESTAMP with `InitialTimestamp`. Used
    /// only when the job starts without restoring state.
    pub initial_position: StartingPosition,
    /// `enhanced_fan_out` (`source.reader.type` EFO): each shard pushes to the
    /// job through a registered consumer on its own 2 MiB/s, instead of
    /// GetRecords polls on the shard's shared limits. Default false (POLLING).
    /// Source: `reference/flink-and-kda-sql.md` A8.
    pub enhanced_fan_out: bool,
}

/// `job`: what the application's code does with each record (playground model).
#[derive(Clone, Debug, PartialEq)]
pub struct FlinkJob {
    /// `per_record_us`: CPU time per record in one subtask, 0–1,000,000 µs.
    /// Default 50. A KPU's vCPU is shared by its `ParallelismPerKPU` slots.
    pub per_record_us: f64,
    /// `window`: an event-time window, if the job aggregates. Default none.
    pub window: Option<Window>,
    /// `sink`: `at_least_once` (default; a Kinesis or OpenSearch sink) or
    /// `exactly_once` (a transactional sink: output is committed with each checkpoint).
    pub exactly_once: bool,
    /// `on_poison`: `fail` (default: an unhandled exception fails the job) or
    /// `side_output` (the code catches it and routes the record to a side output).
    pub poison_to_side_output: bool,
    /// `checkpoint_ms`: how long a checkpoint takes, 1–3,600,000 ms. Default 1,000.
    /// Assumption: AWS documents only the 60-minute timeout.
    pub checkpoint_ms: u64,
}

impl Default for FlinkJob {
    fn default() -> Self {
        FlinkJob {
            per_record_us: 50.0,
            window: None,
            exactly_once: false,
            poison_to_side_output: false,
            checkpoint_ms: 1_000,
        }
    }
}

/// An event-time window (event time = `ApproximateArrivalTimestamp`, the
/// source's default).
/// Source: <https://nightlies.apache.org/flink/flink-docs-stable/docs/dev/datastream/operators/windows/>
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// `type`: tumbling, sliding or session.
    pub kind: WindowKind,
    /// `size` (tumbling, sliding) or `gap` (session).
    pub size: SimDuration,
    /// `slide` (sliding only).
    pub slide: SimDuration,
    /// `allowed_lateness`, default 0s.
    pub allowed_lateness: SimDuration,
    /// `idleness`: `WatermarkStrategy.withIdleness`; a subtask or shard without
    /// records for this long no longer holds the watermark back. Default none.
    pub idleness: Option<SimDuration>,
}

/// The window assigner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// `"tumbling"`.
    Tumbling,
    /// `"sliding"`.
    Sliding,
    /// `"session"`.
    Session,
}

impl WindowKind {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WindowKind::Tumbling => "tumbling",
            WindowKind::Sliding => "sliding",
            WindowKind::Session => "session",
        }
    }
}

/// A Flink timeline action (`do`), addressed to `consumer`.
#[derive(Clone, Debug, PartialEq)]
pub enum FlinkAction {
    /// `"fail"`: one unhandled exception now.
    Fail,
    /// `"create_snapshot"`: CreateApplicationSnapshot (`SnapshotName`, default
    /// `snapshot-N`).
    CreateSnapshot {
        /// `SnapshotName`, 1–256 characters.
        name: Option<String>,
    },
    /// `"stop_application"`: StopApplication; `Force` (default false) stops
    /// without a snapshot.
    StopApplication {
        /// `Force`.
        force: bool,
    },
    /// `"start_application"`: StartApplication with `RunConfiguration`.
    StartApplication {
        /// `RunConfiguration.ApplicationRestoreConfiguration`.
        restore: Restore,
        /// `RunConfiguration.FlinkRunConfiguration.AllowNonRestoredState`, default false.
        allow_non_restored_state: bool,
    },
    /// `"update_application"`: UpdateApplication with new parallelism or code.
    UpdateApplication {
        /// `ParallelismConfiguration` fields that change.
        parallelism: Option<u32>,
        /// `ParallelismPerKPU`.
        parallelism_per_kpu: Option<u32>,
        /// `AutoScalingEnabled`.
        autoscaling: Option<bool>,
        /// `job`: the new code (fields that change; `"window": null` removes it).
        job: Option<JobPatch>,
    },
}

/// `ApplicationRestoreConfiguration.ApplicationRestoreType` (with `SnapshotName`).
/// Source: <https://docs.aws.amazon.com/managed-flink/latest/apiv2/API_ApplicationRestoreConfiguration.html>
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Restore {
    /// `RESTORE_FROM_LATEST_SNAPSHOT`. Assumption: the default when
    /// `RunConfiguration` is left out (AWS does not document one).
    Latest,
    /// `RESTORE_FROM_CUSTOM_SNAPSHOT` with `SnapshotName`.
    Custom(String),
    /// `SKIP_RESTORE_FROM_SNAPSHOT`: start from `InitialPosition` with empty state.
    Skip,
}

impl Restore {
    /// The AWS spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Restore::Latest => "RESTORE_FROM_LATEST_SNAPSHOT",
            Restore::Custom(_) => "RESTORE_FROM_CUSTOM_SNAPSHOT",
            Restore::Skip => "SKIP_RESTORE_FROM_SNAPSHOT",
        }
    }
}

/// The `job` fields an update changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobPatch {
    /// `per_record_us`.
    pub per_record_us: Option<f64>,
    /// `window`: `Some(None)` removes the window operator.
    pub window: Option<Option<Window>>,
    /// `sink`.
    pub exactly_once: Option<bool>,
    /// `on_poison`.
    pub poison_to_side_output: Option<bool>,
    /// `checkpoint_ms`.
    pub checkpoint_ms: Option<u64>,
}

impl FlinkJob {
    /// Applies an update.
    pub fn apply(&mut self, p: &JobPatch) {
        if let Some(v) = p.per_record_us {
            self.per_record_us = v;
        }
        if let Some(v) = p.window {
            self.window = v;
        }
        if let Some(v) = p.exactly_once {
            self.exactly_once = v;
        }
        if let Some(v) = p.poison_to_side_output {
            self.poison_to_side_output = v;
        }
        if let Some(v) = p.checkpoint_ms {
            self.checkpoint_ms = v;
        }
    }
}

impl FlinkAction {
    /// The `do` string.
    pub fn name(&self) -> &'static str {
        match self {
            FlinkAction::Fail => "fail",
            FlinkAction::CreateSnapshot { .. } => "create_snapshot",
            FlinkAction::StopApplication { .. } => "stop_application",
            FlinkAction::StartApplication { .. } => "start_application",
            FlinkAction::UpdateApplication { .. } => "update_application",
        }
    }
}

/// The keys of a Flink consumer.
pub const FLINK_KEYS: &[&str] = &["kind", "name", "ApplicationConfiguration", "source", "job"];
/// The Flink actions (`do`).
pub const FLINK_ACTIONS: &[&str] = &[
    "fail",
    "create_snapshot",
    "stop_application",
    "start_application",
    "update_application",
];
const JOB_KEYS: &[&str] = &[
    "per_record_us",
    "window",
    "sink",
    "on_poison",
    "checkpoint_ms",
];

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T> {
    Err(ScenarioError::new(path, message))
}

fn whole(obj: &Obj, key: &str, min: i64, max: i64) -> Result<Option<i64>> {
    obj.get(key)
        .map(|v| as_int(v, &obj.at(key), min, max))
        .transpose()
}

/// `"DEFAULT"` (false) or `"CUSTOM"` (true); required, as in AWS.
fn configuration_type(o: &Obj) -> Result<bool> {
    let path = o.at("ConfigurationType");
    match as_str(o.need("ConfigurationType")?, &path)? {
        "DEFAULT" => Ok(false),
        "CUSTOM" => Ok(true),
        other => err(
            path,
            format!(
                "{} is not a ConfigurationType; allowed: DEFAULT, CUSTOM",
                quote(other)
            ),
        ),
    }
}

/// Reads the keys after `kind` and `name` of a Flink consumer.
pub(crate) fn read(obj: &Obj, end: SimTime) -> Result<FlinkConsumer> {
    obj.only(FLINK_KEYS)?;
    let mut f = FlinkConsumer {
        checkpoint: CheckpointConfiguration::default(),
        parallelism: ParallelismConfiguration::default(),
        snapshots_enabled: true,
        source: FlinkSource {
            initial_position: StartingPosition::Latest,
            enhanced_fan_out: false,
        },
        job: FlinkJob::default(),
    };
    if let Some(v) = obj.get("ApplicationConfiguration") {
        let app = Obj::new(v, &obj.at("ApplicationConfiguration"))?;
        app.only(&[
            "FlinkApplicationConfiguration",
            "ApplicationSnapshotConfiguration",
        ])?;
        if let Some(v) = app.get("ApplicationSnapshotConfiguration") {
            let s = Obj::new(v, &app.at("ApplicationSnapshotConfiguration"))?;
            s.only(&["SnapshotsEnabled"])?;
            f.snapshots_enabled = s.bool_or("SnapshotsEnabled", true)?;
        }
        if let Some(v) = app.get("FlinkApplicationConfiguration") {
            let fc = Obj::new(v, &app.at("FlinkApplicationConfiguration"))?;
            fc.only(&["CheckpointConfiguration", "ParallelismConfiguration"])?;
            if let Some(v) = fc.get("CheckpointConfiguration") {
                f.checkpoint =
                    checkpoint_configuration(&Obj::new(v, &fc.at("CheckpointConfiguration"))?)?;
            }
            if let Some(v) = fc.get("ParallelismConfiguration") {
                f.parallelism =
                    parallelism_configuration(&Obj::new(v, &fc.at("ParallelismConfiguration"))?)?;
            }
        }
    }
    if let Some(v) = obj.get("source") {
        let s = Obj::new(v, &obj.at("source"))?;
        s.only(&["InitialPosition", "InitialTimestamp", "enhanced_fan_out"])?;
        f.source.initial_position = initial_position(&s, end)?;
        f.source.enhanced_fan_out = s.bool_or("enhanced_fan_out", false)?;
    }
    if let Some(v) = obj.get("job") {
        let j = Obj::new(v, &obj.at("job"))?;
        f.job.apply(&job_patch(&j)?);
    }
    Ok(f)
}

fn checkpoint_configuration(o: &Obj) -> Result<CheckpointConfiguration> {
    const KEYS: [&str; 3] = [
        "CheckpointingEnabled",
        "CheckpointInterval",
        "MinPauseBetweenCheckpoints",
    ];
    o.only(&["ConfigurationType", KEYS[0], KEYS[1], KEYS[2]])?;
    let mut c = CheckpointConfiguration {
        custom: configuration_type(o)?,
        ..CheckpointConfiguration::default()
    };
    if !c.custom {
        if let Some(k) = KEYS.iter().find(|k| o.get(k).is_some()) {
            return err(
                o.at(k),
                "is ignored with ConfigurationType DEFAULT (the service enforces checkpointing every 60,000 ms, 5,000 ms apart); set ConfigurationType to CUSTOM to change it",
            );
        }
        return Ok(c);
    }
    c.enabled = o.bool_or(KEYS[0], true)?;
    if let Some(v) = whole(o, KEYS[1], 1, 86_400_000)? {
        c.interval_ms = v as u64;
    }
    if let Some(v) = whole(o, KEYS[2], 0, 86_400_000)? {
        c.min_pause_ms = v as u64;
    }
    Ok(c)
}

fn parallelism_configuration(o: &Obj) -> Result<ParallelismConfiguration> {
    const KEYS: [&str; 3] = ["Parallelism", "ParallelismPerKPU", "AutoScalingEnabled"];
    o.only(&["ConfigurationType", KEYS[0], KEYS[1], KEYS[2]])?;
    let mut p = ParallelismConfiguration {
        custom: configuration_type(o)?,
        ..ParallelismConfiguration::default()
    };
    if !p.custom {
        if let Some(k) = KEYS.iter().find(|k| o.get(k).is_some()) {
            return err(
                o.at(k),
                "can only be set with ConfigurationType CUSTOM (DEFAULT means Parallelism 1, ParallelismPerKPU 1, autoscaling on)",
            );
        }
        return Ok(p);
    }
    if let Some(v) = whole(o, KEYS[1], 1, 8)? {
        p.parallelism_per_kpu = v as u32;
    }
    if let Some(v) = whole(o, KEYS[0], 1, 256)? {
        p.parallelism = v as u32;
    }
    check_parallelism(o, p.parallelism, p.parallelism_per_kpu)?;
    p.autoscaling = o.bool_or(KEYS[2], true)?;
    Ok(p)
}

/// `Parallelism` ≤ `ParallelismPerKPU` × the KPU quota.
fn check_parallelism(o: &Obj, parallelism: u32, per_kpu: u32) -> Result<()> {
    let max = per_kpu * KPU_QUOTA;
    if parallelism > max {
        return err(
            o.at("Parallelism"),
            format!(
                "{parallelism} is above ParallelismPerKPU × the KPU quota ({per_kpu} × {KPU_QUOTA} = {max})"
            ),
        );
    }
    Ok(())
}

fn initial_position(s: &Obj, end: SimTime) -> Result<StartingPosition> {
    let path = s.at("InitialPosition");
    let ts = s.get("InitialTimestamp");
    let pos = match s.get("InitialPosition") {
        None => StartingPosition::Latest,
        Some(v) => match as_str(v, &path)? {
            "LATEST" => StartingPosition::Latest,
            "TRIM_HORIZON" => StartingPosition::TrimHorizon,
            "AT_TIMESTAMP" => {
                let ts_path = s.at("InitialTimestamp");
                let Some(ts) = ts else {
                    return err(ts_path, "is required when InitialPosition is AT_TIMESTAMP");
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
                    "{} is not an initial position; allowed: LATEST, TRIM_HORIZON, AT_TIMESTAMP",
                    quote(other)
                ),
                )
            }
        },
    };
    if ts.is_some() {
        return err(
            s.at("InitialTimestamp"),
            "is only allowed when InitialPosition is AT_TIMESTAMP",
        );
    }
    Ok(pos)
}

fn job_patch(j: &Obj) -> Result<JobPatch> {
    j.only(JOB_KEYS)?;
    let mut p = JobPatch {
        per_record_us: j.opt_f64("per_record_us", 0.0, 1_000_000.0)?,
        checkpoint_ms: whole(j, "checkpoint_ms", 1, 3_600_000)?.map(|v| v as u64),
        ..JobPatch::default()
    };
    if let Some(v) = j.get("sink") {
        let path = j.at("sink");
        p.exactly_once = Some(match as_str(v, &path)? {
            "at_least_once" => false,
            "exactly_once" => true,
            other => {
                return err(
                    path,
                    format!(
                        "{} is not a sink guarantee; allowed: at_least_once, exactly_once",
                        quote(other)
                    ),
                )
            }
        });
    }
    if let Some(v) = j.get("on_poison") {
        let path = j.at("on_poison");
        p.poison_to_side_output = Some(match as_str(v, &path)? {
            "fail" => false,
            "side_output" => true,
            other => {
                return err(
                    path,
                    format!(
                        "{} is not a poison handling; allowed: fail, side_output",
                        quote(other)
                    ),
                )
            }
        });
    }
    match j.get("window") {
        None => {}
        Some(Value::Null) => p.window = Some(None),
        Some(v) => p.window = Some(Some(window(&Obj::new(v, &j.at("window"))?)?)),
    }
    Ok(p)
}

fn positive(w: &Obj, key: &str) -> Result<Option<SimDuration>> {
    let Some(v) = w.get(key) else { return Ok(None) };
    let path = w.at(key);
    let d = as_duration(v, &path)?;
    if d.0 < 1_000 {
        return err(path, "must be at least 1ms");
    }
    Ok(Some(d))
}

fn window(w: &Obj) -> Result<Window> {
    let type_path = w.at("type");
    let kind = match as_str(w.need("type")?, &type_path)? {
        "tumbling" => WindowKind::Tumbling,
        "sliding" => WindowKind::Sliding,
        "session" => WindowKind::Session,
        other => {
            return err(
                type_path,
                format!(
                    "{} is not a window type; allowed: tumbling, sliding, session",
                    quote(other)
                ),
            )
        }
    };
    let (size_key, mut keys) = match kind {
        WindowKind::Session => ("gap", vec!["type", "gap"]),
        _ => ("size", vec!["type", "size"]),
    };
    if kind == WindowKind::Sliding {
        keys.push("slide");
    }
    keys.extend(["allowed_lateness", "idleness"]);
    w.only(&keys)?;
    let size = positive(w, size_key)?
        .ok_or_else(|| ScenarioError::new(w.at(size_key), "is required but missing"))?;
    let slide = match kind {
        WindowKind::Sliding => {
            let s = positive(w, "slide")?
                .ok_or_else(|| ScenarioError::new(w.at("slide"), "is required but missing"))?;
            if s > size {
                return err(
                    w.at("slide"),
                    "is longer than size: the windows would leave gaps",
                );
            }
            s
        }
        _ => size,
    };
    let allowed_lateness = match w.get("allowed_lateness") {
        None => SimDuration(0),
        Some(v) => as_duration(v, &w.at("allowed_lateness"))?,
    };
    Ok(Window {
        kind,
        size,
        slide,
        allowed_lateness,
        idleness: positive(w, "idleness")?,
    })
}

/// Reads the keys of a Flink timeline action (after `at`, `do` and `consumer`).
pub(crate) fn read_action(o: &Obj, what: &str) -> Result<FlinkAction> {
    const BASE: [&str; 3] = ["at", "do", "consumer"];
    let only = |more: &[&str]| {
        let mut keys = BASE.to_vec();
        keys.extend_from_slice(more);
        o.only(&keys)
    };
    Ok(match what {
        "fail" => {
            only(&[])?;
            FlinkAction::Fail
        }
        "create_snapshot" => {
            only(&["SnapshotName"])?;
            FlinkAction::CreateSnapshot {
                name: snapshot_name(o)?,
            }
        }
        "stop_application" => {
            only(&["Force"])?;
            FlinkAction::StopApplication {
                force: o.bool_or("Force", false)?,
            }
        }
        "start_application" => {
            only(&["RunConfiguration"])?;
            let (mut restore, mut allow) = (Restore::Latest, false);
            if let Some(v) = o.get("RunConfiguration") {
                let rc = Obj::new(v, &o.at("RunConfiguration"))?;
                rc.only(&["ApplicationRestoreConfiguration", "FlinkRunConfiguration"])?;
                if let Some(v) = rc.get("FlinkRunConfiguration") {
                    let fr = Obj::new(v, &rc.at("FlinkRunConfiguration"))?;
                    fr.only(&["AllowNonRestoredState"])?;
                    allow = fr.bool_or("AllowNonRestoredState", false)?;
                }
                if let Some(v) = rc.get("ApplicationRestoreConfiguration") {
                    restore = restore_configuration(&Obj::new(
                        v,
                        &rc.at("ApplicationRestoreConfiguration"),
                    )?)?;
                }
            }
            FlinkAction::StartApplication {
                restore,
                allow_non_restored_state: allow,
            }
        }
        _ => {
            only(&["ParallelismConfiguration", "job"])?;
            let (mut parallelism, mut per_kpu, mut autoscaling) = (None, None, None);
            if let Some(v) = o.get("ParallelismConfiguration") {
                let p = Obj::new(v, &o.at("ParallelismConfiguration"))?;
                p.only(&["Parallelism", "ParallelismPerKPU", "AutoScalingEnabled"])?;
                per_kpu = whole(&p, "ParallelismPerKPU", 1, 8)?.map(|v| v as u32);
                parallelism = whole(&p, "Parallelism", 1, 256)?.map(|v| v as u32);
                if let (Some(n), Some(k)) = (parallelism, per_kpu) {
                    check_parallelism(&p, n, k)?;
                }
                autoscaling = p
                    .get("AutoScalingEnabled")
                    .map(|_| p.bool_or("AutoScalingEnabled", true))
                    .transpose()?;
            }
            let job = o
                .get("job")
                .map(|v| Obj::new(v, &o.at("job")).and_then(|j| job_patch(&j)))
                .transpose()?;
            if parallelism.is_none() && per_kpu.is_none() && autoscaling.is_none() && job.is_none()
            {
                return err(
                    &o.path,
                    "update_application changes nothing; give ParallelismConfiguration or job",
                );
            }
            FlinkAction::UpdateApplication {
                parallelism,
                parallelism_per_kpu: per_kpu,
                autoscaling,
                job,
            }
        }
    })
}

fn snapshot_name(o: &Obj) -> Result<Option<String>> {
    let Some(v) = o.get("SnapshotName") else {
        return Ok(None);
    };
    let path = o.at("SnapshotName");
    let s = as_str(v, &path)?;
    let n = s.chars().count();
    if !(1..=256).contains(&n) {
        return err(path, "a snapshot name has 1 to 256 characters");
    }
    Ok(Some(s.to_string()))
}

fn restore_configuration(r: &Obj) -> Result<Restore> {
    r.only(&["ApplicationRestoreType", "SnapshotName"])?;
    let path = r.at("ApplicationRestoreType");
    let restore = match as_str(r.need("ApplicationRestoreType")?, &path)? {
        "RESTORE_FROM_LATEST_SNAPSHOT" => Restore::Latest,
        "SKIP_RESTORE_FROM_SNAPSHOT" => Restore::Skip,
        "RESTORE_FROM_CUSTOM_SNAPSHOT" => {
            return match snapshot_name(r)? {
                Some(n) => Ok(Restore::Custom(n)),
                None => err(
                    r.at("SnapshotName"),
                    "is required with RESTORE_FROM_CUSTOM_SNAPSHOT",
                ),
            }
        }
        other => {
            return err(
                path,
                format!(
                    "{} is not an ApplicationRestoreType; allowed: RESTORE_FROM_LATEST_SNAPSHOT, RESTORE_FROM_CUSTOM_SNAPSHOT, SKIP_RESTORE_FROM_SNAPSHOT",
                    quote(other)
                ),
            )
        }
    };
    if r.get("SnapshotName").is_some() {
        return err(
            r.at("SnapshotName"),
            "is only used with RESTORE_FROM_CUSTOM_SNAPSHOT",
        );
    }
    Ok(restore)
}

fn dur(d: SimDuration) -> Value {
    format_duration(d).into()
}

fn window_json(w: &Window) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), w.kind.as_str().into());
    match w.kind {
        WindowKind::Session => m.insert("gap".into(), dur(w.size)),
        _ => m.insert("size".into(), dur(w.size)),
    };
    if w.kind == WindowKind::Sliding {
        m.insert("slide".into(), dur(w.slide));
    }
    m.insert("allowed_lateness".into(), dur(w.allowed_lateness));
    if let Some(i) = w.idleness {
        m.insert("idleness".into(), dur(i));
    }
    Value::Object(m)
}

fn job_json(p: &JobPatch) -> Value {
    let mut m = Map::new();
    if let Some(v) = p.per_record_us {
        m.insert("per_record_us".into(), v.into());
    }
    if let Some(w) = &p.window {
        m.insert("window".into(), w.as_ref().map_or(Value::Null, window_json));
    }
    if let Some(v) = p.exactly_once {
        m.insert(
            "sink".into(),
            if v { "exactly_once" } else { "at_least_once" }.into(),
        );
    }
    if let Some(v) = p.poison_to_side_output {
        m.insert(
            "on_poison".into(),
            if v { "side_output" } else { "fail" }.into(),
        );
    }
    if let Some(v) = p.checkpoint_ms {
        m.insert("checkpoint_ms".into(), v.into());
    }
    Value::Object(m)
}

/// The canonical JSON of a Flink consumer (every default written out).
pub(crate) fn to_json(name: &str, f: &FlinkConsumer) -> Value {
    let c = &f.checkpoint;
    let mut checkpoint = Map::new();
    checkpoint.insert(
        "ConfigurationType".into(),
        if c.custom { "CUSTOM" } else { "DEFAULT" }.into(),
    );
    if c.custom {
        checkpoint.insert("CheckpointingEnabled".into(), c.enabled.into());
        checkpoint.insert("CheckpointInterval".into(), c.interval_ms.into());
        checkpoint.insert("MinPauseBetweenCheckpoints".into(), c.min_pause_ms.into());
    }
    let p = &f.parallelism;
    let mut parallelism = Map::new();
    parallelism.insert(
        "ConfigurationType".into(),
        if p.custom { "CUSTOM" } else { "DEFAULT" }.into(),
    );
    if p.custom {
        parallelism.insert("Parallelism".into(), p.parallelism.into());
        parallelism.insert("ParallelismPerKPU".into(), p.parallelism_per_kpu.into());
        parallelism.insert("AutoScalingEnabled".into(), p.autoscaling.into());
    }
    let mut source = Map::new();
    let pos = f.source.initial_position;
    source.insert("InitialPosition".into(), pos.as_str().into());
    if let StartingPosition::AtTimestamp(t) = pos {
        source.insert("InitialTimestamp".into(), dur(t.since_start()));
    }
    if f.source.enhanced_fan_out {
        source.insert("enhanced_fan_out".into(), true.into());
    }
    let j = &f.job;
    let mut job = job_json(&JobPatch {
        per_record_us: Some(j.per_record_us),
        window: j.window.map(Some),
        exactly_once: Some(j.exactly_once),
        poison_to_side_output: Some(j.poison_to_side_output),
        checkpoint_ms: Some(j.checkpoint_ms),
    });
    if j.window.is_none() {
        if let Some(m) = job.as_object_mut() {
            m.remove("window");
        }
    }
    obj([
        ("kind", "flink".into()),
        ("name", name.into()),
        (
            "ApplicationConfiguration",
            obj([
                (
                    "FlinkApplicationConfiguration",
                    obj([
                        ("CheckpointConfiguration", Value::Object(checkpoint)),
                        ("ParallelismConfiguration", Value::Object(parallelism)),
                    ]),
                ),
                (
                    "ApplicationSnapshotConfiguration",
                    obj([("SnapshotsEnabled", f.snapshots_enabled.into())]),
                ),
            ]),
        ),
        ("source", Value::Object(source)),
        ("job", job),
    ])
}

/// The keys of a Flink action after `at`, `do` and `consumer`, in canonical JSON.
pub(crate) fn action_json(a: &FlinkAction, m: &mut Map<String, Value>) {
    match a {
        FlinkAction::Fail => {}
        FlinkAction::CreateSnapshot { name } => {
            if let Some(n) = name {
                m.insert("SnapshotName".into(), n.as_str().into());
            }
        }
        FlinkAction::StopApplication { force } => {
            m.insert("Force".into(), (*force).into());
        }
        FlinkAction::StartApplication {
            restore,
            allow_non_restored_state,
        } => {
            let mut r = Map::new();
            r.insert("ApplicationRestoreType".into(), restore.as_str().into());
            if let Restore::Custom(n) = restore {
                r.insert("SnapshotName".into(), n.as_str().into());
            }
            m.insert(
                "RunConfiguration".into(),
                obj([
                    ("ApplicationRestoreConfiguration", Value::Object(r)),
                    (
                        "FlinkRunConfiguration",
                        obj([("AllowNonRestoredState", (*allow_non_restored_state).into())]),
                    ),
                ]),
            );
        }
        FlinkAction::UpdateApplication {
            parallelism,
            parallelism_per_kpu,
            autoscaling,
            job,
        } => {
            let mut p = Map::new();
            if let Some(v) = parallelism {
                p.insert("Parallelism".into(), (*v).into());
            }
            if let Some(v) = parallelism_per_kpu {
                p.insert("ParallelismPerKPU".into(), (*v).into());
            }
            if let Some(v) = autoscaling {
                p.insert("AutoScalingEnabled".into(), (*v).into());
            }
            if !p.is_empty() {
                m.insert("ParallelismConfiguration".into(), Value::Object(p));
            }
            if let Some(j) = job {
                m.insert("job".into(), job_json(j));
            }
        }
    }
}
