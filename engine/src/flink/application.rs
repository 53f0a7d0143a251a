//! The Flink application as a consumer of the stream: its status, the
//! one-second step of its subtasks, checkpoints, failures and restarts,
//! snapshots, the timeline actions and the autoscaler.
//!
//! - **Reading.** Every second each subtask reads the shards assigned to it
//!   ([`super::assigner`]) through the shared read limits, as far as its CPU
//!   share allows; children are read after their parents ([`ShardReads`]).
//!   With `enhanced_fan_out` the shards push to a buffer per shard instead, on
//!   their own 2 MiB/s, and the subtasks take from it; a full buffer pauses the
//!   subscription until half of it is read ([`EFO_BUFFER`]).
//!   Source: `flink-connector-aws` Kinesis source (`reference/flink-and-kda-sql.md` A8).
//! - **Emitting.** Without a window a record reaches the sink once processed;
//!   with one, when its first window fires ([`super::window`]). An at-least-once
//!   sink has it at once; an exactly-once (transactional) sink commits it when
//!   the next checkpoint completes. Source: A10.
//! - **Failing.** An unhandled exception (a poison record, `fail`) fails the job;
//!   10 s later it runs again from the latest completed checkpoint, reading
//!   again everything after it. Source: A4, A7.
//! - **Stopping, starting, updating, scaling** with snapshots. Source: A3, A5, A6.
//!
//! Assumptions are on the trace events ([`super::assumption`]).

use super::autoscaler::{self, Autoscaler, Decision};
use super::checkpoint::{next_start, Saved, State};
use super::{assigner, assumption, metrics, why, window, FlinkEvent, FlinkSummary, KpuHours};
use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use crate::fan_out::PushBuffers;
use crate::lineage::{ShardRead, ShardReads};
use crate::scenario::{Action, FlinkAction, FlinkConsumer, Restore, StartingPosition, WindowKind};
use crate::shard_map::ShardMap;
use crate::stream::{ReadBatch, ReadError, ShardId, GET_RECORDS_MAX_RECORDS};
use crate::time::{SimDuration, SimTime};
use crate::trace::{ConsumerSummary, EventKind, Stat};

/// The subtasks' step.
const STEP: SimDuration = SimDuration::from_secs(1);
/// The subtasks step 50 ms into each second, between the producers' 100 ms ticks
/// (a second Flink consumer 200 ms later, and so on, so two do not collide on the
/// shared read limits). Assumption: any fixed phase would do; this keeps hand
/// counts simple.
const PHASE: SimDuration = SimDuration::from_millis(50);
/// A throttled GetRecords is retried once, this much later in the same second
/// (assumption: the SDK's back-off; the connector retries throttled calls).
const READ_RETRY: SimDuration = SimDuration::from_millis(100);
/// Records a shard's enhanced fan-out subscription may push ahead of the job
/// before it is paused (backpressure), and it resumes once half are read.
/// Assumption ([`assumption::EFO_BUFFER`]): the connector's queue is not
/// documented in records; one GetRecords' worth (10,000) keeps a stalled job's
/// buffer small.
pub const EFO_BUFFER: u64 = GET_RECORDS_MAX_RECORDS;
/// Managed Flink's restart strategy: fixed delay, 10 s, unlimited attempts.
/// Source: `reference-flink-settings` (`reference/flink-and-kda-sql.md` A4, A7).
const RESTART_DELAY: SimDuration = SimDuration::from_secs(10);
/// Downtime of an update or a scaling ([`assumption::DOWNTIME`]).
const DOWNTIME: SimDuration = SimDuration::from_secs(30);
/// One autoscaler datapoint.
const MINUTE: u64 = 60_000_000;
/// Snapshots per application (manual ones fail beyond it).
/// Source: <https://docs.aws.amazon.com/managed-flink/latest/java/how-snapshots.html>
const MAX_SNAPSHOTS: usize = 1_000;

// Timer tokens: a tag in the high bits, the generation below.
const TAG: u32 = 48;
const TICK: u64 = 0;
const CHECKPOINT_START: u64 = 1 << TAG;
const CHECKPOINT_DONE: u64 = 2 << TAG;
const RESUME: u64 = 3 << TAG;
const RETRY: u64 = 4 << TAG;
const VALUE: u64 = (1 << TAG) - 1;

/// The application's status (`ApplicationStatus`, and the job's RESTARTING).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// The job runs.
    Running,
    /// The job failed and waits for its restart.
    Restarting,
    /// UpdateApplication in progress.
    Updating,
    /// The autoscaler is changing the parallelism.
    Autoscaling,
    /// Stopped.
    Ready,
}

impl Status {
    /// The AWS spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "RUNNING",
            Status::Restarting => "RESTARTING",
            Status::Updating => "UPDATING",
            Status::Autoscaling => "AUTOSCALING",
            Status::Ready => "READY",
        }
    }
}

/// What the job resumes from when it runs again.
#[derive(Clone, Debug)]
enum Plan {
    /// The latest completed checkpoint (after a failure).
    Checkpoint,
    /// A snapshot (after an update or a scaling, or on start).
    Snapshot(Saved),
    /// InitialPosition with empty state.
    Fresh,
}

/// A Managed Service for Apache Flink application.
#[derive(Clone, Debug)]
pub struct Application {
    cfg: FlinkConsumer,
    parallelism: u32,
    per_kpu: u32,
    autoscaling: bool,
    /// The configured Parallelism: the autoscaler never goes below it.
    floor: u32,
    max_parallelism: u32,
    status: Status,
    generation: u64,
    plan: Plan,
    reads: ShardReads,
    /// Per shard, one past the last record emitted by the job.
    emitted: ShardMap<u64>,
    /// Per shard, one past the last record an exactly-once sink committed.
    committed: ShardMap<u64>,
    /// Per shard, one past the furthest record the sink ever received.
    high: ShardMap<u64>,
    /// Per shard, the arrival of the last record read (its watermark).
    last_arrival: ShardMap<SimTime>,
    /// Per shard, when it last returned records (for `idleness`).
    last_data: ShardMap<SimTime>,
    /// Per shard, closed session windows waiting for the watermark: (closes at, end seq).
    sessions: ShardMap<Vec<(SimTime, u64)>>,
    watermark: Option<SimTime>,
    /// Poison records sent to the side output: (shard, from, to).
    side_output: Vec<(ShardId, u64, u64)>,
    /// Shard → subtask, for the shards being read, and the key it was made for.
    assignment: Vec<(ShardId, u32)>,
    assignment_key: (Vec<ShardId>, u32),
    /// Per subtask, CPU time (ns) left over from the last step.
    carry: Vec<u64>,
    /// Throttled reads to retry: (subtask, shard, limit).
    throttled: Vec<(u32, ShardId, u64)>,
    /// With enhanced fan-out, the records pushed and not yet read.
    pushed: PushBuffers,
    initial: State,
    latest: Option<Saved>,
    pending: Option<(SimTime, State)>,
    next_checkpoint: u64,
    snapshots: Vec<Saved>,
    minute: u64,
    minute_busy: Vec<u64>,
    minute_clean: bool,
    scaler: Autoscaler,
    down_since: Option<SimTime>,
    up_since: SimTime,
    failed_checkpoints: u64,
    kpu_us: u128,
    billed_at: SimTime,
    summary: FlinkSummary,
}

impl Application {
    /// An application with the scenario's settings.
    pub fn new(cfg: &FlinkConsumer) -> Application {
        let p = cfg.parallelism;
        Application {
            cfg: cfg.clone(),
            parallelism: p.parallelism,
            per_kpu: p.parallelism_per_kpu,
            autoscaling: p.autoscaling,
            floor: p.parallelism,
            max_parallelism: autoscaler::default_max_parallelism(p.parallelism),
            status: Status::Running,
            generation: 0,
            plan: Plan::Checkpoint,
            reads: ShardReads::default(),
            emitted: ShardMap::new(),
            committed: ShardMap::new(),
            high: ShardMap::new(),
            last_arrival: ShardMap::new(),
            last_data: ShardMap::new(),
            sessions: ShardMap::new(),
            watermark: None,
            side_output: Vec::new(),
            assignment: Vec::new(),
            assignment_key: (Vec::new(), 0),
            carry: Vec::new(),
            throttled: Vec::new(),
            pushed: PushBuffers::default(),
            initial: State::default(),
            latest: None,
            pending: None,
            next_checkpoint: 1,
            snapshots: Vec::new(),
            minute: 0,
            minute_busy: Vec::new(),
            minute_clean: true,
            scaler: Autoscaler::default(),
            down_since: None,
            up_since: SimTime::ZERO,
            failed_checkpoints: 0,
            kpu_us: 0,
            billed_at: SimTime::ZERO,
            summary: FlinkSummary::default(),
        }
    }

    /// Boxed, for the simulation.
    pub fn boxed(cfg: &FlinkConsumer) -> Box<Application> {
        Box::new(Application::new(cfg))
    }

    fn running_why(&self) -> &'static str {
        if self.cfg.source.enhanced_fan_out {
            why::RUNNING_EFO
        } else {
            why::RUNNING
        }
    }

    fn billed_kpus(&self) -> u32 {
        autoscaler::billed_kpus(self.parallelism, self.per_kpu)
    }

    fn event(&self, what: &'static str, why: &'static str) -> FlinkEvent {
        FlinkEvent {
            what,
            why,
            ..FlinkEvent::default()
        }
    }

    // ---- status and billing ---------------------------------------------------

    /// Adds the KPU time since the last call (the application is billed in every
    /// status but READY).
    fn bill(&mut self, now: SimTime) {
        if self.status != Status::Ready {
            let dt = u128::from(now.0.saturating_sub(self.billed_at.0));
            self.kpu_us += dt * u128::from(self.billed_kpus());
        }
        self.billed_at = now;
    }

    fn set_status(&mut self, ctx: &mut ConsumerCtx<'_>, status: Status, why: &'static str) {
        self.bill(ctx.now);
        self.status = status;
        if status != Status::Running {
            self.minute_clean = false;
        }
        if status != Status::Ready {
            self.summary.max_kpus = self.summary.max_kpus.max(self.billed_kpus());
        }
        let mut ev = self.event("status", why);
        ev.status = Some(status.as_str());
        ev.parallelism = Some(self.parallelism);
        ev.kpus = Some(if status == Status::Ready {
            0
        } else {
            self.billed_kpus()
        });
        ctx.emit(EventKind::Flink(Box::new(ev)));
    }

    /// The job stops running (failure, update, scaling, stop): checkpoint timers
    /// of this run are void; a checkpoint in flight never completes.
    fn halt(&mut self, ctx: &mut ConsumerCtx<'_>, count_failed_checkpoint: bool) {
        self.generation += 1;
        self.throttled.clear();
        self.pushed.end(ctx);
        if let Some((started, _)) = self.pending.take() {
            if count_failed_checkpoint {
                self.failed_checkpoints += 1;
                metric(
                    ctx,
                    metrics::FAILED_CHECKPOINTS,
                    Stat::Last,
                    self.failed_checkpoints,
                );
            }
            let mut ev = self.event("checkpoint", why::CHECKPOINT_ABORTED);
            ev.id = Some(self.next_checkpoint);
            ev.outcome = Some("aborted");
            ev.started_ms = Some(started.as_millis());
            ctx.emit(EventKind::Flink(Box::new(ev)));
            self.next_checkpoint += 1;
        }
    }

    // ---- state ----------------------------------------------------------------

    fn state_now(&self) -> State {
        State {
            reads: self.reads.clone(),
            emitted: self.emitted.clone(),
            window: self.cfg.job.window.is_some(),
        }
    }

    /// A shard the job starts reading: what it has emitted starts there.
    fn started(&mut self, shard: ShardId, at: u64) {
        self.emitted.or_insert(shard, at);
        self.committed.or_insert(shard, at);
        self.high.or_insert(shard, at);
    }

    /// Where the job is on `shard`: its read position, or the end of a shard read
    /// to its end.
    fn read_position(&self, ctx: &ConsumerCtx<'_>, shard: ShardId) -> Option<u64> {
        match self.reads.get(shard)? {
            ShardRead::Reading(at) => Some(at),
            ShardRead::Done => Some(ctx.stream().end_seq(shard)),
            ShardRead::Waiting => None,
        }
    }

    fn schedule_checkpoint(&mut self, ctx: &mut ConsumerCtx<'_>, at: SimTime) {
        if self.cfg.checkpoint.enabled {
            ctx.schedule(at, CHECKPOINT_START | (self.generation & VALUE));
        }
    }

    fn interval(&self) -> SimDuration {
        SimDuration::from_millis(self.cfg.checkpoint.interval_ms)
    }

    // ---- the step -------------------------------------------------------------

    fn tick(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.bill(ctx.now);
        let minute = ctx.now.0 / MINUTE;
        if minute != self.minute {
            self.close_minute(ctx);
            self.minute = minute;
        }
        if self.status == Status::Running {
            self.step(ctx);
        }
        self.sample(ctx);
        ctx.schedule_in(STEP, TICK);
    }

    /// Refreshes the shard → subtask assignment when the shards read or the
    /// parallelism changed.
    fn assign(&mut self, ctx: &ConsumerCtx<'_>) {
        if self.assignment_key.1 == self.parallelism
            && self
                .assignment_key
                .0
                .iter()
                .copied()
                .eq(self.reads.shards_reading())
        {
            return;
        }
        let reading = self.reads.reading();
        let infos: Vec<_> = reading.iter().filter_map(|s| ctx.shard(*s)).collect();
        self.assignment = assigner::assign(&infos, self.parallelism);
        self.assignment_key = (reading, self.parallelism);
        self.carry = vec![0; self.parallelism as usize];
    }

    /// One second of every subtask: reads within its CPU share, then emission.
    fn step(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.assign(ctx);
        let per_record_ns = (self.cfg.job.per_record_us * 1_000.0).round() as u64;
        let budget_ns = 1_000_000_000 / u64::from(self.per_kpu.max(1));
        let kpus = autoscaler::allocated_kpus(self.parallelism, self.per_kpu) as usize;
        if self.minute_busy.len() != kpus {
            self.minute_busy = vec![0; kpus];
        }
        let mut second_busy = vec![0u64; kpus];
        // A poll returns at most 10,000 records; a pushed buffer has no such cap.
        let most = if self.cfg.source.enhanced_fan_out {
            u64::MAX
        } else {
            GET_RECORDS_MAX_RECORDS
        };
        for subtask in 0..self.parallelism {
            // The subtask's shards in the assignment's order, by their place in it: no copy
            // of the assignment and no list a subtask, every step (reading changes neither).
            let count = self
                .assignment
                .iter()
                .filter(|(_, t)| *t == subtask)
                .count();
            if count == 0 {
                continue;
            }
            let i = subtask as usize;
            let mut left = budget_ns + self.carry[i];
            let mut used = 0;
            let mut k = 0;
            for j in 0..self.assignment.len() {
                let (shard, t) = self.assignment[j];
                if t != subtask {
                    continue;
                }
                // The subtask's shards not read yet this step share what is left.
                let sharing = (count - k) as u64;
                k += 1;
                let limit = match per_record_ns {
                    0 => most,
                    n => (left / n / sharing).min(most),
                };
                if limit == 0 {
                    continue;
                }
                match self.read(ctx, shard, limit) {
                    Ok(Some(n)) => {
                        let ns = n * per_record_ns;
                        left = left.saturating_sub(ns);
                        used += ns;
                    }
                    Ok(None) => self.throttled.push((subtask, shard, limit)),
                    Err((seq, n)) => {
                        used += n * per_record_ns;
                        second_busy[i / self.per_kpu as usize] += used;
                        self.emit(ctx);
                        self.fail(ctx, "poison", why::POISON, Some((shard, seq)));
                        return;
                    }
                }
            }
            self.carry[i] = if per_record_ns > 0 && left < per_record_ns {
                left
            } else {
                0
            };
            second_busy[i / self.per_kpu as usize] += used;
        }
        for (m, s) in self.minute_busy.iter_mut().zip(&second_busy) {
            *m += s;
        }
        let cpu = second_busy.iter().max().copied().unwrap_or(0) / 10_000_000;
        metric(ctx, metrics::CPU, Stat::Maximum, cpu.min(100));
        if !self.throttled.is_empty() {
            ctx.schedule_in(READ_RETRY, RETRY | (self.generation & VALUE));
        }
        self.emit(ctx);
    }

    /// Retries the step's throttled reads once.
    fn retry_reads(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let per_record_ns = (self.cfg.job.per_record_us * 1_000.0).round() as u64;
        for (subtask, shard, limit) in std::mem::take(&mut self.throttled) {
            match self.read(ctx, shard, limit) {
                Ok(Some(n)) => {
                    let kpu = (subtask / self.per_kpu.max(1)) as usize;
                    if let Some(b) = self.minute_busy.get_mut(kpu) {
                        *b += n * per_record_ns;
                    }
                }
                Ok(None) => {}
                Err((seq, _)) => {
                    self.emit(ctx);
                    self.throttled.clear();
                    self.fail(ctx, "poison", why::POISON, Some((shard, seq)));
                    return;
                }
            }
        }
        self.emit(ctx);
    }

    /// One GetRecords on `shard` of at most `limit` records: how many were read,
    /// `None` if the call was throttled. `Err((seq, n))`: the
    /// job failed on the poison record `seq` after processing `n` records.
    fn read(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        limit: u64,
    ) -> Result<Option<u64>, (u64, u64)> {
        let Some(from) = self.reads.position(shard) else {
            return Ok(Some(0));
        };
        let read = if self.cfg.source.enhanced_fan_out {
            self.take_pushed(ctx, shard, from, limit)
        } else {
            ctx.get_records(shard, from, limit)
        };
        let b = match read {
            Ok(b) => b,
            Err(ReadError::Throttled) => return Ok(None),
            Err(ReadError::ResourceNotFound) => {
                let children = ctx
                    .shard(shard)
                    .map(|i| i.children.clone())
                    .unwrap_or_default();
                self.finished(ctx, shard, &children);
                return Ok(Some(0));
            }
        };
        let side_output = self.cfg.job.poison_to_side_output;
        let mut to = b.next_seq;
        let mut failed = None;
        let mut last = None;
        for run in &b.runs {
            if run.is_poison() {
                if side_output {
                    self.side_output.push((shard, run.first_seq, run.end_seq()));
                } else {
                    failed = Some(run.first_seq);
                    to = run.first_seq;
                    break;
                }
            }
            self.session_gap(shard, run.first_arrival);
            last = Some(run.last_arrival);
        }
        if let Some(t) = last {
            self.last_arrival.insert(shard, t);
            self.last_data.insert(shard, ctx.now);
        }
        let n = to - b.first_seq;
        // The poison record was handed to the job too: it threw on it.
        ctx.deliver(shard, b.first_seq, failed.map_or(to, |s| s + 1));
        self.reads.advance(shard, to);
        let (end, children) = (b.shard_end && failed.is_none(), b.children);
        ctx.recycle_read(b);
        if let Some(seq) = failed {
            return Err((seq, n));
        }
        if end {
            self.finished(ctx, shard, &children.to_vec());
        }
        Ok(Some(n))
    }

    /// Takes up to `limit` records of `shard`'s pushed buffer ([`EFO_BUFFER`]).
    fn take_pushed(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        from: u64,
        limit: u64,
    ) -> Result<ReadBatch, ReadError> {
        self.pushed.take(ctx, shard, from, limit, EFO_BUFFER)
    }

    /// With enhanced fan-out, the job subscribes to each shard it reads as it
    /// starts (a new child, or a paused subscription, at its next read).
    fn subscribe_all(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if self.cfg.source.enhanced_fan_out {
            for shard in self.reads.reading() {
                if let Some(at) = self.reads.position(shard) {
                    if let Ok(b) = self.take_pushed(ctx, shard, at, 0) {
                        ctx.recycle_read(b);
                    }
                }
            }
        }
    }

    fn finished(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, children: &[ShardId]) {
        for c in self.reads.finished(ctx, shard, children) {
            let at = self.reads.position(c).unwrap_or(0);
            self.started(c, at);
        }
    }

    /// A session window of `shard` closes when its next record comes a gap or more
    /// after the last one.
    fn session_gap(&mut self, shard: ShardId, arrival: SimTime) {
        let Some(w) = self.cfg.job.window else { return };
        if w.kind != WindowKind::Session {
            return;
        }
        if let (Some(last), Some(at)) = (self.last_arrival.get(shard), self.reads.position(shard)) {
            if arrival.0.saturating_sub(last.0) >= w.size.0 {
                self.sessions
                    .or_default(shard)
                    .push((SimTime(last.0 + w.size.0), at));
            }
        }
    }

    /// The job's watermark: the lowest over its subtasks, each the lowest over
    /// its shards. `None` while an input that counts has no watermark yet.
    fn compute_watermark(&self, ctx: &ConsumerCtx<'_>) -> Option<SimTime> {
        let idleness = self.cfg.job.window.and_then(|w| w.idleness);
        let mut wm: Option<SimTime> = None;
        for subtask in 0..self.parallelism {
            let mut any = false;
            for (shard, _) in self.assignment.iter().filter(|(_, t)| *t == subtask) {
                any = true;
                let idle = idleness.is_some_and(|d| {
                    let since = self.last_data.get(*shard).copied().unwrap_or(self.up_since);
                    ctx.now.0.saturating_sub(since.0) >= d.0
                });
                if idle {
                    continue;
                }
                let t = self.last_arrival.get(*shard).copied()?;
                wm = Some(wm.map_or(t, |w| w.min(t)));
            }
            // A subtask without shards holds the watermark back unless marked idle.
            if !any && idleness.is_none() {
                return None;
            }
        }
        wm
    }

    /// Emits what the job has finished with: everything read, or, with a window,
    /// what the fired windows hold.
    fn emit(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let window = self.cfg.job.window;
        if window.is_some() {
            if let Some(w) = self.compute_watermark(ctx) {
                self.watermark = Some(self.watermark.map_or(w, |p| p.max(w)));
            }
        }
        // By number, not a list of the shards: every step (the shards with a value are
        // numbered below the bound, which `emitted.insert` below does not move).
        for i in 0..self.emitted.bound() {
            let shard = ShardId(i as u32);
            let Some(&done) = self.emitted.get(shard) else {
                continue;
            };
            let Some(read) = self.read_position(ctx, shard) else {
                continue;
            };
            let target = match (window, self.watermark) {
                (None, _) => read,
                (Some(_), None) => done,
                (Some(w), Some(wm)) if w.kind == WindowKind::Session => {
                    let list = self.sessions.or_default(shard);
                    let closed = list.partition_point(|(t, _)| t.0 <= wm.0 + 1);
                    let to = list[..closed].last().map_or(done, |(_, s)| *s);
                    list.drain(..closed);
                    to.min(read)
                }
                (Some(w), Some(wm)) => {
                    let before = window::emitted_before(&w, wm);
                    ctx.position(shard, StartingPosition::AtTimestamp(before))
                        .min(read)
                }
            };
            if target > done {
                self.emitted.insert(shard, target);
                if !self.cfg.job.exactly_once {
                    self.reach_sink(ctx, shard, done, target);
                }
            }
        }
    }

    /// Records `[from, to)` of `shard` reach the sink: processed (side-output
    /// poison records excepted, they are discarded), duplicates counted.
    fn reach_sink(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, from: u64, to: u64) {
        let high = self.high.or_insert(shard, from);
        self.summary.duplicates_at_sink += to.min(*high).saturating_sub(from);
        *high = (*high).max(to);
        let mut at = from;
        for &(s, a, b) in &self.side_output {
            if s != shard || b <= at || a >= to {
                continue;
            }
            if a > at {
                ctx.settle(shard, at, a, Outcome::Processed);
            }
            ctx.settle(shard, a.max(at), b.min(to), Outcome::Discarded);
            at = b.min(to);
        }
        if at < to {
            ctx.settle(shard, at, to, Outcome::Processed);
        }
    }

    // ---- checkpoints ------------------------------------------------------------

    fn checkpoint_start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if self.status != Status::Running || self.pending.is_some() {
            return;
        }
        self.pending = Some((ctx.now, self.state_now()));
        let d = SimDuration::from_millis(self.cfg.job.checkpoint_ms);
        ctx.schedule_in(d, CHECKPOINT_DONE | (self.generation & VALUE));
    }

    fn checkpoint_done(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let Some((started, state)) = self.pending.take() else {
            return;
        };
        let id = self.next_checkpoint;
        self.next_checkpoint += 1;
        self.summary.checkpoints_completed += 1;
        if self.cfg.job.exactly_once {
            self.commit(ctx, &state);
        }
        let duration = ctx.now.0 - started.0;
        metric(
            ctx,
            metrics::LAST_CHECKPOINT_DURATION,
            Stat::Last,
            duration / 1_000,
        );
        let mut ev = self.event("checkpoint", why::CHECKPOINT);
        ev.id = Some(id);
        ev.outcome = Some("completed");
        ev.started_ms = Some(started.as_millis());
        ev.duration_ms = Some(duration / 1_000);
        ctx.emit(EventKind::Flink(Box::new(ev)));
        self.latest = Some(Saved {
            id,
            name: String::new(),
            at: started,
            state,
        });
        let min_pause = SimDuration::from_millis(self.cfg.checkpoint.min_pause_ms);
        let next = next_start(started, ctx.now, self.interval(), min_pause);
        self.schedule_checkpoint(ctx, next);
    }

    /// An exactly-once sink commits what the job had emitted when `state` was taken.
    fn commit(&mut self, ctx: &mut ConsumerCtx<'_>, state: &State) {
        for (shard, &to) in state.emitted.iter() {
            let from = self.committed.get(shard).copied().unwrap_or(to);
            if to > from {
                self.committed.insert(shard, to);
                self.reach_sink(ctx, shard, from, to);
            }
        }
    }

    // ---- failure, restore -----------------------------------------------------------

    fn fail(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        cause: &'static str,
        why: &'static str,
        poison: Option<(ShardId, u64)>,
    ) {
        self.halt(ctx, true);
        self.summary.restarts += 1;
        self.down_since.get_or_insert(ctx.now);
        let mut ev = self.event("failure", why);
        ev.outcome = Some(cause);
        ev.restarts = Some(self.summary.restarts);
        if let Some((shard, seq)) = poison {
            ev.shard = Some(shard.to_string());
            ev.sequence_number = Some(seq.to_string());
        }
        ev.assumption = Some(assumption::RESTART_DELAY);
        ctx.emit(EventKind::Flink(Box::new(ev)));
        metric(
            ctx,
            metrics::FULL_RESTARTS,
            Stat::Last,
            self.summary.restarts,
        );
        self.set_status(ctx, Status::Restarting, why);
        self.plan = Plan::Checkpoint;
        ctx.schedule_in(RESTART_DELAY, RESUME | (self.generation & VALUE));
    }

    /// The job runs again, from what the plan says.
    fn resume(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let plan = std::mem::replace(&mut self.plan, Plan::Checkpoint);
        let mut ev = self.event("restore", why::RESTORE_CHECKPOINT);
        let state = match plan {
            Plan::Checkpoint => match &self.latest {
                // Restored from a snapshot and no checkpoint since: that snapshot.
                Some(c) if !c.name.is_empty() => {
                    ev.why = why::RESTORE_SNAPSHOT;
                    ev.outcome = Some("snapshot");
                    ev.snapshot = Some(c.name.clone());
                    Some(c.state.clone())
                }
                Some(c) => {
                    ev.outcome = Some("checkpoint");
                    ev.checkpoint = Some(c.id);
                    Some(c.state.clone())
                }
                None => {
                    ev.outcome = Some("initial_position");
                    ev.assumption = Some(assumption::NO_CHECKPOINT);
                    Some(self.initial.clone())
                }
            },
            Plan::Snapshot(s) => {
                if s.state.window && self.cfg.job.window.is_none() {
                    // UpdateApplication resets AllowNonRestoredState to false.
                    self.restore_failed(ctx, ev, s.name);
                    return;
                }
                ev.why = why::RESTORE_SNAPSHOT;
                ev.outcome = Some("snapshot");
                ev.snapshot = Some(s.name);
                Some(s.state)
            }
            Plan::Fresh => {
                ev.why = why::RESTORE_SKIP;
                ev.outcome = Some("initial_position");
                None
            }
        };
        self.restore(ctx, state, ev);
    }

    fn restore_failed(&mut self, ctx: &mut ConsumerCtx<'_>, mut ev: FlinkEvent, name: String) {
        ev.why = why::RESTORE_FAILED;
        ev.outcome = Some("restore_failed");
        ev.snapshot = Some(name);
        ev.assumption = Some(assumption::RESTORE_FAILED);
        ctx.emit(EventKind::Flink(Box::new(ev)));
        self.end_downtime(ctx.now);
        self.set_status(ctx, Status::Ready, why::RESTORE_FAILED);
    }

    fn end_downtime(&mut self, now: SimTime) {
        if let Some(t) = self.down_since.take() {
            self.summary.downtime_ms += now.0.saturating_sub(t.0) / 1_000;
        }
    }

    /// Restores `state` (or starts fresh from InitialPosition) and runs the job.
    fn restore(&mut self, ctx: &mut ConsumerCtx<'_>, state: Option<State>, mut ev: FlinkEvent) {
        let before: Vec<(ShardId, u64)> = self
            .emitted
            .keys()
            .filter_map(|s| self.read_position(ctx, s).map(|p| (s, p)))
            .collect();
        match state {
            Some(s) => {
                self.reads = s.reads;
                self.emitted = s.emitted;
            }
            None => {
                let pos = self.cfg.source.initial_position;
                ctx.start_scope(pos);
                self.reads = ShardReads::default();
                self.reads.begin(ctx, pos);
                self.emitted.clear();
            }
        }
        for s in self.reads.adopt(ctx) {
            let at = self.reads.position(s).unwrap_or(0);
            self.emitted.insert(s, at);
        }
        let known: Vec<(ShardId, u64)> = self
            .reads
            .all()
            .filter_map(|(s, _)| self.read_position(ctx, s).map(|p| (s, p)))
            .collect();
        for &(s, at) in &known {
            self.emitted.or_insert(s, at);
        }
        // An exactly-once sink resumes its transactions from the restored point.
        self.committed = self.emitted.clone();
        let (mut rewound, mut skipped) = (0, 0);
        for &(s, at) in &known {
            if let Some(&(_, was)) = before.iter().find(|(b, _)| *b == s) {
                rewound += was.saturating_sub(at);
            }
            let high = self.high.get(s).copied().unwrap_or(at);
            let emitted = self.emitted.get(s).copied().unwrap_or(at);
            skipped += emitted.saturating_sub(high);
            self.high.or_insert(s, emitted);
        }
        self.summary.records_skipped += skipped;
        // What a later failure restores: the snapshot just restored (Flink keeps
        // the savepoint a job started from as its restore point until the first
        // checkpoint), or the fresh start.
        match ev.outcome {
            Some("snapshot") => {
                self.latest = Some(Saved {
                    id: 0,
                    name: ev.snapshot.clone().unwrap_or_default(),
                    at: ctx.now,
                    state: self.state_now(),
                })
            }
            Some("initial_position") => {
                self.initial = self.state_now();
                self.latest = None;
            }
            _ => {}
        }
        ev.rewound_records = Some(rewound);
        ev.skipped_records = Some(skipped).filter(|n| *n > 0);
        ev.parallelism = Some(self.parallelism);
        ctx.emit(EventKind::Flink(Box::new(ev)));
        self.last_arrival.clear();
        self.last_data.clear();
        self.sessions.clear();
        self.watermark = None;
        self.assignment_key = (Vec::new(), 0);
        self.end_downtime(ctx.now);
        self.up_since = ctx.now;
        self.set_status(ctx, Status::Running, self.running_why());
        self.subscribe_all(ctx);
        let first = SimTime(ctx.now.0 + self.interval().0);
        self.schedule_checkpoint(ctx, first);
    }

    // ---- snapshots and the timeline ----------------------------------------------------

    /// Takes a snapshot of the running job. A stop or an update takes it with
    /// stop-with-savepoint, which commits an exactly-once sink; a manual one is
    /// an intermediate savepoint, which does not (Flink ≥ 1.15, A5).
    fn snapshot(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        trigger: &'static str,
        name: Option<String>,
    ) -> Saved {
        let n = self.snapshots.len() as u64 + 1;
        let state = self.state_now();
        if trigger != "manual" && self.cfg.job.exactly_once {
            self.commit(ctx, &state);
        }
        let saved = Saved {
            id: n,
            name: name.unwrap_or_else(|| format!("{trigger}-{n}")),
            at: ctx.now,
            state,
        };
        self.snapshots.push(saved.clone());
        self.summary.snapshots += 1;
        let mut ev = self.event("snapshot", why::SNAPSHOT);
        ev.id = Some(n);
        ev.snapshot = Some(saved.name.clone());
        ev.outcome = Some(trigger);
        ctx.emit(EventKind::Flink(Box::new(ev)));
        saved
    }

    fn reject(
        &self,
        ctx: &mut ConsumerCtx<'_>,
        action: &'static str,
        error: &'static str,
        reason: String,
    ) {
        ctx.emit(EventKind::ActionRejected {
            action,
            error,
            reason,
        });
    }

    fn timeline(&mut self, ctx: &mut ConsumerCtx<'_>, index: usize) {
        let Some(Action::Flink { action, .. }) =
            ctx.timeline().get(index).map(|e| e.action.clone())
        else {
            return;
        };
        let name = action.name();
        let status = self.status;
        let busy = || "the application is not RUNNING".to_string();
        match action {
            FlinkAction::Fail => {
                if status == Status::Running {
                    self.fail(ctx, "fail", why::FAIL, None);
                } else {
                    self.reject(ctx, name, "ResourceInUseException", busy());
                }
            }
            FlinkAction::CreateSnapshot { name: snap } => {
                if status != Status::Running {
                    self.reject(ctx, name, "ResourceInUseException", busy());
                } else if self.snapshots.len() >= MAX_SNAPSHOTS {
                    self.reject(
                        ctx,
                        name,
                        "LimitExceededException",
                        "1,000 snapshots already exist".to_string(),
                    );
                } else if snap
                    .as_ref()
                    .is_some_and(|n| self.snapshots.iter().any(|s| &s.name == n))
                {
                    self.reject(
                        ctx,
                        name,
                        "ResourceInUseException",
                        "a snapshot with this name exists".to_string(),
                    );
                } else {
                    self.snapshot(ctx, "manual", snap);
                }
            }
            FlinkAction::StopApplication { force } => {
                if status == Status::Ready || (!force && status != Status::Running) {
                    let reason = if status == Status::Ready {
                        "the application is already READY"
                    } else {
                        "a normal stop needs RUNNING; Force stops it"
                    }
                    .to_string();
                    self.reject(ctx, name, "ResourceInUseException", reason);
                    return;
                }
                if !force && self.cfg.snapshots_enabled {
                    self.snapshot(ctx, "stop", None);
                }
                self.halt(ctx, false);
                self.end_downtime(ctx.now);
                self.set_status(ctx, Status::Ready, why::STOP);
            }
            FlinkAction::StartApplication {
                restore,
                allow_non_restored_state,
            } => {
                if status != Status::Ready {
                    let reason = "StartApplication needs READY".to_string();
                    self.reject(ctx, name, "ResourceInUseException", reason);
                    return;
                }
                let mut ev = self.event("restore", why::RESTORE_SNAPSHOT);
                ev.restore_type = Some(restore.as_str());
                let saved = match &restore {
                    Restore::Skip => None,
                    Restore::Latest => {
                        let s = self.snapshots.iter().max_by_key(|s| (s.at, s.id)).cloned();
                        if s.is_none() {
                            ev.assumption = Some(assumption::STOPPED_LATEST);
                        }
                        s
                    }
                    Restore::Custom(n) => match self.snapshots.iter().find(|s| &s.name == n) {
                        Some(s) => Some(s.clone()),
                        None => {
                            self.reject(
                                ctx,
                                name,
                                "ResourceNotFoundException",
                                format!("no snapshot named {n:?}"),
                            );
                            return;
                        }
                    },
                };
                match saved {
                    Some(s) => {
                        if s.state.window
                            && self.cfg.job.window.is_none()
                            && !allow_non_restored_state
                        {
                            self.restore_failed(ctx, ev, s.name);
                            return;
                        }
                        ev.outcome = Some("snapshot");
                        ev.snapshot = Some(s.name);
                        self.restore(ctx, Some(s.state), ev);
                    }
                    None => {
                        ev.why = why::RESTORE_SKIP;
                        ev.outcome = Some("initial_position");
                        self.restore(ctx, None, ev);
                    }
                }
            }
            FlinkAction::UpdateApplication {
                parallelism,
                parallelism_per_kpu,
                autoscaling,
                job,
            } => {
                if let Some(k) = parallelism_per_kpu {
                    self.per_kpu = k;
                }
                if let Some(p) = parallelism {
                    self.floor = p;
                    self.parallelism = p;
                }
                // Within ParallelismPerKPU × the KPU quota.
                self.parallelism = self
                    .parallelism
                    .min(self.per_kpu * crate::scenario::KPU_QUOTA);
                if let Some(a) = autoscaling {
                    self.autoscaling = a;
                }
                if let Some(j) = &job {
                    self.cfg.job.apply(j);
                }
                let mut ev = self.event("update", why::UPDATE);
                ev.assumption = Some(assumption::DOWNTIME);
                ev.parallelism = Some(self.parallelism);
                ctx.emit(EventKind::Flink(Box::new(ev)));
                match status {
                    Status::Ready => {}
                    Status::Running => self.pause(ctx, Status::Updating, "update", why::UPDATE),
                    _ => {
                        // A restart in progress picks the new configuration up.
                    }
                }
            }
        }
    }

    /// The job stops for an update or a scaling and runs again after the downtime:
    /// from a snapshot taken now, or, without snapshots, from InitialPosition with
    /// empty state.
    fn pause(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        status: Status,
        trigger: &'static str,
        why: &'static str,
    ) {
        self.plan = if self.cfg.snapshots_enabled {
            Plan::Snapshot(self.snapshot(ctx, trigger, None))
        } else {
            Plan::Fresh
        };
        self.halt(ctx, false);
        self.down_since.get_or_insert(ctx.now);
        self.set_status(ctx, status, why);
        self.scaler.reset();
        ctx.schedule_in(DOWNTIME, RESUME | (self.generation & VALUE));
    }

    // ---- the autoscaler and metrics ---------------------------------------------------

    /// Ends a one-minute datapoint of `containerCPUUtilization` (the busiest KPU).
    fn close_minute(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let busiest = self.minute_busy.iter().max().copied().unwrap_or(0);
        let percent = busiest / 600_000_000;
        let clean = self.minute_clean && self.status == Status::Running;
        self.minute_busy.iter_mut().for_each(|b| *b = 0);
        self.minute_clean = self.status == Status::Running;
        if !clean || !self.autoscaling {
            self.scaler.reset();
            return;
        }
        let decision = self.scaler.datapoint(
            percent,
            self.parallelism,
            self.per_kpu,
            self.floor,
            self.max_parallelism,
        );
        let Some(d) = decision else { return };
        let (to, why) = match d {
            Decision::Up(to) => (to, why::SCALE_UP),
            Decision::Down(to) => (to, why::SCALE_DOWN),
        };
        let mut ev = self.event("scale", why);
        ev.from_parallelism = Some(self.parallelism);
        ev.parallelism = Some(to);
        ev.assumption = Some(assumption::CPU_MINUTES);
        ctx.emit(EventKind::Flink(Box::new(ev)));
        self.bill(ctx.now);
        self.pause(ctx, Status::Autoscaling, "scale", why);
        self.parallelism = to;
        self.summary.max_kpus = self.summary.max_kpus.max(self.billed_kpus());
    }

    /// The per-second metrics: lag, downtime, uptime, KPUs.
    fn sample(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let now = ctx.now;
        let running = self.status != Status::Ready;
        let mut behind = 0;
        for shard in self.reads.shards_reading() {
            let Some(at) = self.reads.position(shard) else {
                continue;
            };
            let ms = match ctx.stream().arrival_of(shard, at) {
                Some(t) if at < ctx.stream().end_seq(shard) => now.0.saturating_sub(t.0) / 1_000,
                _ => 0,
            };
            behind = behind.max(ms);
            if running {
                ctx.report_iterator_age(shard, ms);
            }
        }
        if running {
            self.summary.max_millis_behind_latest =
                self.summary.max_millis_behind_latest.max(behind);
            ctx.report_lag(behind);
            metric(ctx, metrics::MILLIS_BEHIND_LATEST, Stat::Maximum, behind);
        }
        let down = self
            .down_since
            .map_or(0, |t| now.0.saturating_sub(t.0) / 1_000);
        metric(ctx, metrics::DOWNTIME, Stat::Maximum, down);
        let up = if self.status == Status::Running {
            now.0.saturating_sub(self.up_since.0) / 1_000
        } else {
            0
        };
        metric(ctx, metrics::UPTIME, Stat::Last, up);
        let kpus = if running { self.billed_kpus() } else { 0 };
        metric(ctx, metrics::KPUS, Stat::Maximum, u64::from(kpus));
    }
}

/// Writes one of this consumer's metrics.
fn metric(ctx: &mut ConsumerCtx<'_>, name: &'static str, stat: Stat, v: u64) {
    ctx.rec
        .metrics
        .consumer_metric(ctx.now, ctx.index, name, stat, v);
}

impl Consumer for Application {
    fn kind(&self) -> &'static str {
        "flink"
    }

    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let pos = self.cfg.source.initial_position;
        ctx.start_scope(pos);
        for s in self.reads.begin(ctx, pos) {
            let at = self.reads.position(s).unwrap_or(0);
            self.started(s, at);
        }
        self.initial = self.state_now();
        self.summary.max_kpus = self.billed_kpus();
        let mut ev = self.event("status", self.running_why());
        ev.status = Some("RUNNING");
        ev.parallelism = Some(self.parallelism);
        ev.kpus = Some(self.billed_kpus());
        ev.assumption = Some(if self.cfg.source.enhanced_fan_out {
            assumption::EFO_BUFFER
        } else {
            assumption::STEP
        });
        ctx.emit(EventKind::Flink(Box::new(ev)));
        self.subscribe_all(ctx);
        let phase = PHASE.0 + 200_000 * (ctx.reader_slot() as u64 % 5);
        ctx.schedule_in(SimDuration(phase), TICK);
        let first = SimTime(self.interval().0);
        self.schedule_checkpoint(ctx, first);
    }

    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        match event {
            ConsumerEvent::Timer { token } => {
                let current = token & VALUE == self.generation & VALUE;
                match token & !VALUE {
                    TICK => self.tick(ctx),
                    CHECKPOINT_START if current => self.checkpoint_start(ctx),
                    CHECKPOINT_DONE if current => self.checkpoint_done(ctx),
                    RESUME if current => self.resume(ctx),
                    RETRY if current && self.status == Status::Running => self.retry_reads(ctx),
                    _ => {}
                }
            }
            ConsumerEvent::ShardOpened { shard } => {
                if self.status != Status::Ready && self.reads.opened(ctx, shard) {
                    let at = self.reads.position(shard).unwrap_or(0);
                    self.started(shard, at);
                }
            }
            ConsumerEvent::Records(b) => {
                let (shard, to) = (b.shard, b.next_seq);
                ctx.recycle_push(b);
                let at = self.reads.position(shard);
                self.pushed.pushed(ctx, shard, to, at, EFO_BUFFER);
            }
            ConsumerEvent::Timeline { index } => self.timeline(ctx, index),
            ConsumerEvent::ShardClosed { .. } => {}
        }
    }

    fn finish(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.bill(ctx.now);
        self.end_downtime(ctx.now);
        self.summary.parallelism_at_end = self.parallelism;
        let milli = self.kpu_us / 3_600_000;
        self.summary.kpu_hours = KpuHours(milli as f64 / 1_000.0);
    }

    fn summary_block(&self, s: &mut ConsumerSummary) {
        s.flink = Some(self.summary.clone());
    }
}
