//! The Glue streaming job: its runs, the micro-batch cycle (trigger, fetch,
//! process, commit), batch retries, failed runs and `MaxRetries`, and DPU billing.
//!
//! - **Trigger.** Spark's processing-time trigger: a batch starts every
//!   `windowSize`; one that overran is followed at once; with no new data no batch
//!   runs. Source: `reference/firehose-and-glue.md` §2.3.
//! - **Fetch.** Per shard, GetRecords calls of at most `MaxRecordPerRead` under the
//!   shard's shared read limits, until `MaxFetchRecordsPerShard` records or
//!   `MaxFetchTimeInMs` have passed (§2.4). Assumption: without
//!   `AddIdleTimeBetweenReads` the reader calls every 200 ms (the shard's 5 calls a
//!   second); with it, every `IdleTimeBetweenReadsInMs`.
//! - **Enhanced fan-out** (`EnableFanOut`): each shard pushes to the job's buffer on
//!   its own 2 MiB/s, and a batch takes up to `MaxFetchRecordsPerShard` from it at its
//!   trigger; `MaxRecordPerRead` and the idle time no longer apply (§2.4).
//!   Assumption: a subscription pauses while `MaxFetchRecordsPerShard` records wait,
//!   and resumes at half.
//! - **Process.** `startup_ms` + records × `per_record_us` ÷ executors, where
//!   executors = workers − 1 (assumption: one worker runs the driver).
//! - **Fail.** A poison record, or a seeded `error_rate` draw, raises: the batch is
//!   re-run after 1 s, 2 s, then 5 s (`batchMaxRetries`, §2.3); then the run FAILS
//!   and, while `MaxRetries` allows, a new run starts and re-runs the uncommitted
//!   batch with the same offsets (§2.5, §2.7). Assumption: an attempt that raises on
//!   a poison record has written the batch's records before it (they are written
//!   again by the next attempt: duplicates); an `error_rate` failure writes nothing.
//! - **Auto scaling** (`--enable-auto-scaling`, Glue 3.0+): `NumberOfWorkers` is the
//!   maximum; after each committed batch the executors double when the last three
//!   batches took 90 % of `windowSize` or more on average, and halve when all three
//!   took under 25 % (§2.6: "close to" and "comparatively lower"; the thresholds,
//!   the three batches and a run starting with one executor are assumptions).
//! - **Bill.** Workers × DPUs per worker while a run is STARTING or RUNNING, per
//!   second, at least a minute per run (§2.9).
//! - **Runs end** STOPPED (`stop_job`), FAILED, TIMEOUT (a `Timeout` under 7 days;
//!   not retried) or EXPIRED (the maintenance restart 7 days after the run started:
//!   the batch in progress commits first, and a `_restart_N` run resumes; §2.7).
//! - **Timeline.** `start_job` (optionally with other workers), `stop_job`,
//!   `reset_checkpoint` (a new, empty checkpointLocation: the job reads again from
//!   `StartingPosition`; a running job is restarted on it; §2.5).

use super::{assumption, why, DpuHours, GlueEvent, GlueSummary};
use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use crate::fan_out::PushBuffers;
use crate::lineage::ShardReads;
use crate::scenario::glue::{GlueAction, GlueConsumer};
use crate::scenario::Action;
use crate::stream::{ReadError, ShardId};
use crate::time::{SimDuration, SimTime};
use crate::trace::{ConsumerSummary, EventKind, Stat};

/// How long a run takes to start. Assumption: Glue 2.0+ starts jobs in tens of
/// seconds ("10x faster job start times"); AWS gives no figure.
pub const RUN_START: SimDuration = SimDuration::from_secs(20);
/// The reader's call interval without `AddIdleTimeBetweenReads` (assumption).
const CALL_EVERY: SimDuration = SimDuration::from_millis(200);
/// Back-off before each re-run of a failed batch: 1 s, 2 s, then 5 s (context.py).
const BACKOFF_MS: [u64; 3] = [1_000, 2_000, 5_000];
/// The shortest billed run (Glue 2.0+).
const MIN_BILLED: u64 = 60_000_000;
/// A run without a Timeout under this is restarted by maintenance this long after it
/// started (no MaintenanceWindow; §2.7).
const WEEK: u64 = 7 * 86_400_000_000;

/// Glue's executor count metric (reported at each run's start and each scaling).
const EXECUTORS: &str = "glue.driver.ExecutorAllocationManager.executors.numberAllExecutors";

const TAG: u32 = 48;
const TRIGGER: u64 = 1 << TAG;
const FETCH: u64 = 2 << TAG;
const DONE: u64 = 3 << TAG;
const RUN_STARTED: u64 = 4 << TAG;
const MAINTENANCE: u64 = 5 << TAG;
const TIMEOUT: u64 = 6 << TAG;
const VALUE: u64 = (1 << TAG) - 1;

/// A job run's state (`JobRunState`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// STARTING.
    Starting,
    /// RUNNING.
    Running,
    /// FAILED.
    Failed,
    /// STOPPED.
    Stopped,
    /// TIMEOUT.
    Timeout,
    /// EXPIRED: ended by a maintenance restart.
    Expired,
}

impl RunState {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Starting => "STARTING",
            RunState::Running => "RUNNING",
            RunState::Failed => "FAILED",
            RunState::Stopped => "STOPPED",
            RunState::Timeout => "TIMEOUT",
            RunState::Expired => "EXPIRED",
        }
    }
}

/// A micro-batch planned (its offsets logged) and not yet committed.
#[derive(Clone, Debug, Default)]
struct Batch {
    id: u64,
    /// Per shard: [from, to) and the children if the batch read it to its end.
    ranges: Vec<(ShardId, u64, u64, Option<Vec<ShardId>>)>,
    /// Shards still fetching.
    fetching: Vec<ShardId>,
    records: u64,
    /// The first poison record, and how many of the batch's records come before it.
    poison: Option<(ShardId, u64, u64)>,
    /// Attempts that raised in this run.
    failures: u32,
    /// Its offsets are logged: the fetch is over.
    planned: bool,
    /// The most records one failed attempt wrote (each is written again later).
    written: u64,
    fetch_started: SimTime,
}

/// An AWS Glue streaming job.
#[derive(Clone, Debug)]
pub struct Job {
    cfg: GlueConsumer,
    workers: u32,
    state: RunState,
    generation: u64,
    /// The committed offsets (the checkpoint location).
    reads: ShardReads,
    batch: Option<Batch>,
    next_batch: u64,
    /// When the current trigger interval began.
    triggered_at: SimTime,
    retries_left: u32,
    /// With enhanced fan-out, the records pushed and not yet fetched.
    pushed: PushBuffers,
    /// The last three committed batches' processing times (µs), for auto scaling.
    recent: Vec<u64>,
    run_started: SimTime,
    billed_at: SimTime,
    quarter_dpu_us: u128,
    summary: GlueSummary,
    /// The job run id's parts: StartJobRun calls, the attempt, the restart.
    run_id: (u64, u32, u32),
    /// A maintenance restart waits for the batch in progress.
    restart_due: bool,
    /// Resets of the checkpoint location so far.
    resets: u32,
    /// When a reshard was last reported.
    reshard_seen: Option<SimTime>,
}

impl Job {
    /// A job with the scenario's settings.
    pub fn new(cfg: &GlueConsumer) -> Job {
        Job {
            cfg: cfg.clone(),
            workers: if cfg.job.auto_scaling {
                2
            } else {
                cfg.job.number_of_workers.max(2)
            },
            state: RunState::Stopped,
            generation: 0,
            reads: ShardReads::default(),
            batch: None,
            next_batch: 0,
            triggered_at: SimTime::ZERO,
            retries_left: cfg.job.max_retries,
            recent: Vec::new(),
            pushed: PushBuffers::default(),
            run_started: SimTime::ZERO,
            billed_at: SimTime::ZERO,
            quarter_dpu_us: 0,
            summary: GlueSummary::default(),
            run_id: (0, 0, 0),
            restart_due: false,
            resets: 0,
            reshard_seen: None,
        }
    }

    /// Boxed, for the simulation.
    pub fn boxed(cfg: &GlueConsumer) -> Box<Job> {
        Box::new(Job::new(cfg))
    }

    fn executors(&self) -> u64 {
        u64::from(self.workers.saturating_sub(1).max(1))
    }

    fn event(what: &'static str, why: &'static str) -> GlueEvent {
        GlueEvent {
            what,
            why,
            ..GlueEvent::default()
        }
    }

    fn emit(ctx: &mut ConsumerCtx<'_>, e: GlueEvent) {
        ctx.emit(EventKind::Glue(Box::new(e)));
    }

    /// `jr_N`, `jr_N_attempt_A`, `jr_N_restart_R`.
    fn run_name(&self) -> String {
        let (n, attempt, restart) = self.run_id;
        let mut id = format!("jr_{n}");
        if attempt > 0 {
            id += &format!("_attempt_{attempt}");
        }
        if restart > 0 {
            id += &format!("_restart_{restart}");
        }
        id
    }

    fn run_event(&self, state: RunState, why: &'static str) -> GlueEvent {
        GlueEvent {
            state: Some(state.as_str()),
            run_id: Some(self.run_name()),
            ..Job::event("run", why)
        }
    }

    fn schedule(&self, ctx: &mut ConsumerCtx<'_>, at: SimTime, tag: u64) {
        ctx.schedule(at, tag | (self.generation & VALUE));
    }

    fn bill(&mut self, now: SimTime) {
        if matches!(self.state, RunState::Starting | RunState::Running) {
            let dt = u128::from(now.0.saturating_sub(self.billed_at.0));
            let q = u128::from(self.cfg.job.worker_type.quarter_dpus());
            self.quarter_dpu_us += dt * q * u128::from(self.workers);
        }
        self.billed_at = now;
    }

    /// Bills a run that ends at `now` (while still STARTING or RUNNING): at least a minute.
    fn bill_run_end(&mut self, now: SimTime) {
        self.bill(now);
        let ran = now.0.saturating_sub(self.run_started.0);
        if ran < MIN_BILLED {
            let q = u128::from(self.cfg.job.worker_type.quarter_dpus());
            self.quarter_dpu_us += u128::from(MIN_BILLED - ran) * q * u128::from(self.workers);
        }
    }

    // ---- runs -------------------------------------------------------------------

    /// StartJobRun: STARTING, then RUNNING after [`RUN_START`].
    fn begin_run(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.bill(ctx.now);
        self.generation += 1;
        self.state = RunState::Starting;
        self.run_started = ctx.now;
        self.summary.job_runs += 1;
        self.summary.max_workers = self.summary.max_workers.max(self.workers);
        self.restart_due = false;
        let e = GlueEvent {
            workers: Some(self.workers),
            worker_type: Some(self.cfg.job.worker_type.as_str()),
            checkpoint_location: Some(self.cfg.for_each_batch.checkpoint_location.clone()),
            assumption: Some(assumption::RUN_START),
            ..self.run_event(RunState::Starting, why::STARTING)
        };
        Job::emit(ctx, e);
        self.schedule(ctx, SimTime(ctx.now.0 + RUN_START.0), RUN_STARTED);
        match self.cfg.job.timeout_minutes {
            Some(m) if u64::from(m) * 60_000_000 < WEEK => {
                self.schedule(ctx, SimTime(ctx.now.0 + u64::from(m) * 60_000_000), TIMEOUT);
            }
            _ => self.schedule(ctx, SimTime(ctx.now.0 + WEEK), MAINTENANCE),
        }
    }

    /// StartJobRun by the reader, or a run after a reset: a new job run id.
    fn start_run(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.run_id = (self.run_id.0 + 1, 0, 0);
        self.retries_left = self.cfg.job.max_retries;
        self.begin_run(ctx);
    }

    fn is_running(&self) -> bool {
        matches!(self.state, RunState::Starting | RunState::Running)
    }

    fn running(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.bill(ctx.now);
        self.state = RunState::Running;
        let e = if self.cfg.source.enable_fan_out {
            GlueEvent {
                assumption: Some(assumption::EFO_BUFFER),
                ..self.run_event(RunState::Running, why::RUNNING_EFO)
            }
        } else {
            GlueEvent {
                assumption: Some(assumption::FETCH),
                ..self.run_event(RunState::Running, why::RUNNING)
            }
        };
        Job::emit(ctx, e);
        let (i, now, executors) = (ctx.index, ctx.now, self.executors());
        ctx.rec
            .metrics
            .consumer_metric(now, i, EXECUTORS, Stat::Last, executors);
        self.subscribe_all(ctx);
        self.triggered_at = ctx.now;
        match &mut self.batch {
            // The offsets of an uncommitted batch are logged: it runs again as planned.
            Some(b) => {
                b.failures = 0;
                let at = SimTime(ctx.now.0 + self.processing_us());
                self.schedule(ctx, at, DONE);
            }
            None => self.trigger(ctx),
        }
    }

    /// The run ends (FAILED, STOPPED, TIMEOUT, EXPIRED): billed at least a minute.
    fn end_run(&mut self, ctx: &mut ConsumerCtx<'_>, state: RunState) {
        self.bill_run_end(ctx.now);
        self.generation += 1;
        self.state = state;
        // The run's subscriptions end; what they pushed is read again from the checkpoint.
        self.pushed.end(ctx);
        self.recent.clear();
        self.restart_due = false;
        // A batch still fetching has no logged offsets: the next run plans it again.
        if self.batch.as_ref().is_some_and(|b| !b.planned) {
            self.batch = None;
        }
        let (why, assumption) = match state {
            RunState::Failed => (why::FAILED, None),
            RunState::Timeout => (why::TIMEOUT, None),
            RunState::Expired => (
                why::EXPIRED,
                self.cfg
                    .job
                    .timeout_minutes
                    .is_none()
                    .then_some(assumption::NO_TIMEOUT),
            ),
            _ => (why::STOPPED, Some(assumption::STOP)),
        };
        let e = GlueEvent {
            assumption,
            ..self.run_event(state, why)
        };
        Job::emit(ctx, e);
    }

    /// The maintenance restart: the old run EXPIRED, a `_restart_N` run resumes.
    fn restart(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.end_run(ctx, RunState::Expired);
        self.run_id.2 += 1;
        self.begin_run(ctx);
    }

    // ---- the micro-batch ----------------------------------------------------------

    /// A trigger: a new batch fetches from the committed offsets.
    fn trigger(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.triggered_at = ctx.now;
        let reading = self.reads.reading();
        let ranges = reading
            .iter()
            .filter_map(|&s| self.reads.position(s).map(|p| (s, p, p, None)))
            .collect();
        self.batch = Some(Batch {
            id: self.next_batch,
            ranges,
            fetching: reading,
            fetch_started: ctx.now,
            ..Batch::default()
        });
        self.fetch(ctx);
    }

    /// One round of GetRecords calls on the shards still fetching.
    fn fetch(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let src = self.cfg.source;
        let Some(mut b) = self.batch.take() else {
            return;
        };
        for shard in std::mem::take(&mut b.fetching) {
            let Some(i) = b.ranges.iter().position(|r| r.0 == shard) else {
                continue;
            };
            let (from, to) = (b.ranges[i].1, b.ranges[i].2);
            let left = src.max_fetch_records_per_shard.saturating_sub(to - from);
            let read = if src.enable_fan_out {
                self.take_pushed(ctx, shard, to, left)
            } else {
                let limit = left.min(src.max_record_per_read);
                if limit == 0 {
                    continue;
                }
                ctx.get_records(shard, to, limit)
            };
            match read {
                Ok(r) => {
                    for run in &r.runs {
                        if run.is_poison() && b.poison.is_none() {
                            b.poison = Some((shard, run.first_seq, 0));
                        }
                    }
                    let start = r.first_seq.max(to);
                    if r.first_seq > to && to == from {
                        // Records trimmed before the batch read them: the range starts later.
                        b.ranges[i].1 = r.first_seq;
                    }
                    b.ranges[i].2 = r.next_seq;
                    b.records += r.next_seq - start;
                    let caught_up = r.next_seq >= ctx.stream().end_seq(shard);
                    if r.shard_end {
                        b.ranges[i].3 = Some(r.children.to_vec());
                    } else if !caught_up && !src.enable_fan_out {
                        b.fetching.push(shard);
                    }
                    ctx.recycle_read(r);
                }
                Err(ReadError::Throttled) => b.fetching.push(shard),
                Err(ReadError::ResourceNotFound) => {
                    let children = ctx.shard(shard).map(|s| s.children.clone());
                    b.ranges[i].3 = Some(children.unwrap_or_default());
                }
            }
        }
        let step = if src.add_idle_time_between_reads {
            SimDuration::from_millis(src.idle_time_between_reads_ms.max(1))
        } else {
            CALL_EVERY
        };
        let next = ctx.now.0 + step.0;
        let fetch_end = b.fetch_started.0 + src.max_fetch_time_ms * 1_000;
        let more = !b.fetching.is_empty() && next < fetch_end;
        let records = b.records;
        let ends: bool = b.ranges.iter().any(|r| r.3.is_some());
        b.planned = !more;
        self.batch = Some(b);
        if more {
            self.schedule(ctx, SimTime(next), FETCH);
        } else if records == 0 && !ends {
            // No new data: no batch (the wrapper calls the function only if count > 0).
            self.batch = None;
            if self.restart_due {
                return self.restart(ctx);
            }
            let at = SimTime(self.triggered_at.0 + self.window_us());
            self.schedule(ctx, at, TRIGGER);
        } else {
            self.next_batch += 1;
            let at = SimTime(ctx.now.0 + self.processing_us());
            self.schedule(ctx, at, DONE);
        }
    }

    /// Up to `limit` records of `shard`'s pushed buffer, which holds at most
    /// `MaxFetchRecordsPerShard` (assumption).
    fn take_pushed(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        from: u64,
        limit: u64,
    ) -> Result<crate::stream::ReadBatch, ReadError> {
        let cap = self.cfg.source.max_fetch_records_per_shard.max(1);
        self.pushed.take(ctx, shard, from, limit, cap)
    }

    /// With enhanced fan-out: subscribes to each shard read whose subscription is off
    /// and whose buffer is at most half full (as the run starts, and after a commit).
    fn subscribe_all(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if !self.cfg.source.enable_fan_out {
            return;
        }
        for shard in self.reads.reading() {
            if let Some(at) = self.reads.position(shard) {
                if let Ok(b) = self.take_pushed(ctx, shard, at, 0) {
                    ctx.recycle_read(b);
                }
            }
        }
    }

    fn window_us(&self) -> u64 {
        self.cfg.for_each_batch.window_size.0.max(1)
    }

    /// `startup_ms` + records × `per_record_us` ÷ executors, in µs.
    fn processing_us(&self) -> u64 {
        let records = self.batch.as_ref().map_or(0, |b| b.records);
        let work = records as f64 * self.cfg.batch.per_record_us / self.executors() as f64;
        self.cfg.batch.startup_ms * 1_000 + work.round() as u64
    }

    /// The batch function has run: commit, or raise.
    fn done(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let Some(mut b) = self.batch.take() else {
            return;
        };
        let ms = ctx.now.0.saturating_sub(b.fetch_started.0) / 1_000;
        for &(shard, from, to, _) in &b.ranges {
            if to > from {
                ctx.deliver(shard, from, to);
            }
        }
        let error_rate = self.cfg.batch.error_rate;
        let poison = b.poison;
        let raised = if let Some((shard, seq, _)) = poison {
            // What the attempt wrote: the batch's records before the poison one.
            let before: u64 = b
                .ranges
                .iter()
                .take_while(|r| r.0 != shard)
                .map(|r| r.2 - r.1)
                .sum::<u64>()
                + b.ranges
                    .iter()
                    .find(|r| r.0 == shard)
                    .map_or(0, |r| seq.saturating_sub(r.1));
            // Records an earlier attempt wrote reach the sink again.
            self.summary.duplicates += before.min(b.written);
            b.written = b.written.max(before);
            true
        } else {
            error_rate > 0.0 && ctx.rng().chance(error_rate)
        };
        if raised {
            self.summary.failed_batches += 1;
            let max = self.cfg.for_each_batch.batch_max_retries;
            let wait = BACKOFF_MS[(b.failures as usize).min(BACKOFF_MS.len() - 1)] * 1_000;
            let e = GlueEvent {
                batch: Some(b.id),
                records: Some(b.records),
                attempt: Some(b.failures + 1),
                retry_in_ms: (b.failures < max).then_some(wait / 1_000),
                cause: Some(if poison.is_some() {
                    "poison"
                } else {
                    "error_rate"
                }),
                shard: poison.map(|(s, _, _)| s.to_string()),
                sequence_number: poison.map(|(_, q, _)| q.to_string()),
                assumption: poison.map(|_| assumption::WRITTEN),
                ..Job::event("batch_failed", why::BATCH_FAILED)
            };
            Job::emit(ctx, e);
            if b.failures < max {
                b.failures += 1;
                self.summary.batch_retries += 1;
                self.batch = Some(b);
                let at = SimTime(ctx.now.0 + wait + self.processing_us());
                self.schedule(ctx, at, DONE);
            } else {
                self.batch = Some(b);
                self.summary.failed_runs += 1;
                self.end_run(ctx, RunState::Failed);
                if self.retries_left > 0 {
                    self.retries_left -= 1;
                    self.run_id = (self.run_id.0, self.run_id.1 + 1, 0);
                    self.begin_run(ctx);
                }
            }
            return;
        }
        // Commit: the offsets go to the checkpoint location.
        self.summary.duplicates += b.written;
        if let Some(t) = b
            .ranges
            .iter()
            .filter(|r| r.2 > r.1)
            .filter_map(|r| ctx.stream().arrival_of(r.0, r.1))
            .min()
        {
            // Glue's lag: the age of the batch's oldest record when it commits.
            ctx.report_lag(ctx.now.0.saturating_sub(t.0) / 1_000);
        }
        Job::emit(
            ctx,
            GlueEvent {
                batch: Some(b.id),
                records: Some(b.records),
                processing_ms: Some(ms),
                window_ms: Some(self.window_us() / 1_000),
                ..Job::event("batch", why::BATCH)
            },
        );
        self.summary.micro_batches += 1;
        self.summary.max_batch_processing_ms = self.summary.max_batch_processing_ms.max(ms);
        for (shard, from, to, end) in std::mem::take(&mut b.ranges) {
            if to > from {
                ctx.settle(shard, from, to, Outcome::Processed);
            }
            self.reads.advance(shard, to);
            if let Some(children) = end {
                self.reads.finished(ctx, shard, &children);
            }
        }
        let (i, now) = (ctx.index, ctx.now);
        let m = &mut ctx.rec.metrics;
        m.consumer_metric(
            now,
            i,
            "glue.driver.streaming.numRecords",
            Stat::Sum,
            b.records,
        );
        m.consumer_metric(
            now,
            i,
            "glue.driver.streaming.batchProcessingTimeInMs",
            Stat::Maximum,
            ms,
        );
        if self.restart_due {
            return self.restart(ctx);
        }
        self.subscribe_all(ctx);
        if self.cfg.job.auto_scaling {
            self.autoscale(ctx, ms * 1_000);
        }
        let next = self.triggered_at.0 + self.window_us();
        self.schedule(ctx, SimTime(next.max(ctx.now.0)), TRIGGER);
    }

    /// Step scaling after a committed batch (see the module's notes).
    fn autoscale(&mut self, ctx: &mut ConsumerCtx<'_>, took_us: u64) {
        self.recent.push(took_us);
        if self.recent.len() > 3 {
            self.recent.remove(0);
        }
        if self.recent.len() < 3 {
            return;
        }
        let window = self.window_us();
        let executors = self.executors();
        let most = u64::from(self.cfg.job.number_of_workers.max(2)) - 1;
        let mean = self.recent.iter().sum::<u64>() / 3;
        let to = if mean * 10 >= window * 9 {
            (executors * 2).min(most)
        } else if self.recent.iter().all(|t| t * 4 < window) {
            (executors / 2).max(1)
        } else {
            executors
        };
        if to != executors {
            self.bill(ctx.now);
            let from = self.workers;
            self.workers = to as u32 + 1;
            self.summary.max_workers = self.summary.max_workers.max(self.workers);
            self.recent.clear();
            let e = GlueEvent {
                workers: Some(self.workers),
                from_workers: Some(from),
                assumption: Some(assumption::SCALING),
                ..Job::event("scale", why::SCALE)
            };
            Job::emit(ctx, e);
            let (i, now) = (ctx.index, ctx.now);
            ctx.rec
                .metrics
                .consumer_metric(now, i, EXECUTORS, Stat::Last, to);
        }
    }
}

impl Job {
    fn reject(ctx: &mut ConsumerCtx<'_>, action: &'static str, error: &'static str, reason: &str) {
        ctx.emit(EventKind::ActionRejected {
            action,
            error,
            reason: reason.to_string(),
        });
    }

    fn timeline(&mut self, ctx: &mut ConsumerCtx<'_>, index: usize) {
        let Some(Action::Glue { action, .. }) = ctx.timeline().get(index).map(|e| e.action.clone())
        else {
            return;
        };
        let name = action.name();
        match action {
            GlueAction::StopJob => {
                if self.is_running() {
                    self.end_run(ctx, RunState::Stopped);
                } else {
                    let reason = "the job has no run in progress to stop";
                    Job::reject(ctx, name, "BatchStopJobRunError", reason);
                }
            }
            GlueAction::StartJob {
                number_of_workers,
                worker_type,
            } => {
                if self.is_running() {
                    // MaxConcurrentRuns defaults to 1, and StartJobRun then errs. Source:
                    // <https://docs.aws.amazon.com/glue/latest/webapi/API_ExecutionProperty.html>
                    let reason = "a run is in progress and MaxConcurrentRuns is 1";
                    return Job::reject(ctx, name, "ConcurrentRunsExceededException", reason);
                }
                if let Some(w) = worker_type {
                    self.cfg.job.worker_type = w;
                }
                if let Some(n) = number_of_workers {
                    self.cfg.job.number_of_workers = n;
                }
                self.workers = if self.cfg.job.auto_scaling {
                    2
                } else {
                    self.cfg.job.number_of_workers.max(2)
                };
                self.start_run(ctx);
            }
            GlueAction::ResetCheckpoint {
                checkpoint_location,
            } => {
                let running = self.is_running();
                if running {
                    self.end_run(ctx, RunState::Stopped);
                }
                self.resets += 1;
                let loc = checkpoint_location.unwrap_or_else(|| {
                    let old = &self.cfg.for_each_batch.checkpoint_location;
                    format!("{}-reset-{}/", old.trim_end_matches('/'), self.resets)
                });
                self.cfg.for_each_batch.checkpoint_location = loc.clone();
                // An empty location: no offsets, no logged batch.
                self.batch = None;
                self.reads = ShardReads::default();
                let pos = self.cfg.source.starting_position;
                ctx.start_scope(pos);
                self.reads.begin(ctx, pos);
                Job::emit(
                    ctx,
                    GlueEvent {
                        checkpoint_location: Some(loc),
                        ..Job::event("checkpoint_reset", why::RESET)
                    },
                );
                if running {
                    self.start_run(ctx);
                }
            }
        }
    }
}

impl Consumer for Job {
    fn kind(&self) -> &'static str {
        "glue"
    }

    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let pos = self.cfg.source.starting_position;
        ctx.start_scope(pos);
        self.reads.begin(ctx, pos);
        self.start_run(ctx);
    }

    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        match event {
            ConsumerEvent::Timer { token } => {
                if token & VALUE != self.generation & VALUE {
                    return;
                }
                match token & !VALUE {
                    RUN_STARTED => self.running(ctx),
                    TRIGGER => self.trigger(ctx),
                    FETCH => self.fetch(ctx),
                    DONE => self.done(ctx),
                    TIMEOUT => self.end_run(ctx, RunState::Timeout),
                    MAINTENANCE if self.batch.is_some() => self.restart_due = true,
                    MAINTENANCE => self.restart(ctx),
                    _ => {}
                }
            }
            ConsumerEvent::ShardOpened { shard } => {
                self.reads.opened(ctx, shard);
                if self.is_running() && self.reshard_seen != Some(ctx.now) {
                    self.reshard_seen = Some(ctx.now);
                    let e = GlueEvent {
                        assumption: Some(assumption::RESHARD),
                        ..Job::event("reshard", why::RESHARD)
                    };
                    Job::emit(ctx, e);
                }
            }
            ConsumerEvent::Records(b) => {
                let (shard, to) = (b.shard, b.next_seq);
                ctx.recycle_push(b);
                let at = self.reads.position(shard);
                let cap = self.cfg.source.max_fetch_records_per_shard.max(1);
                self.pushed.pushed(ctx, shard, to, at, cap);
            }
            ConsumerEvent::Timeline { index } => self.timeline(ctx, index),
            ConsumerEvent::ShardClosed { .. } => {}
        }
    }

    fn finish(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if matches!(self.state, RunState::Starting | RunState::Running) {
            self.bill_run_end(ctx.now);
        }
        // A job that stopped reading (FAILED, STOPPED) still lags: the age of the oldest
        // record after its checkpoint, at the end.
        for shard in self.reads.reading() {
            let at = self
                .reads
                .position(shard)
                .and_then(|p| ctx.stream().arrival_of(shard, p));
            if let Some(t) = at {
                ctx.report_lag(ctx.now.0.saturating_sub(t.0) / 1_000);
            }
        }
        // Quarter-DPU-µs → DPU-hours, to three decimals.
        let milli = self.quarter_dpu_us / 4 / 3_600_000;
        self.summary.dpu_hours = DpuHours(milli as f64 / 1_000.0);
    }

    fn summary_block(&self, s: &mut ConsumerSummary) {
        s.glue = Some(self.summary.clone());
    }
}
