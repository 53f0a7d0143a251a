//! The KDA SQL application: its one-second step (read, preprocess, insert, window),
//! its outputs (delivery attempts, retries, outages), stop and start, and the
//! at-least-once checkpoint of the slowest destination.
//!
//! - **Step.** Every second each in-application stream reads its shards (round robin
//!   as first read, kept, a child taking its parent's: assumption) with GetRecords
//!   of up to 10,000 records, within one KPU of query time per stream
//!   (`per_record_us`) and 8 KPUs in all (the default limit; assumption on how the
//!   unpublished per-stream insert limit binds). Children are read after parents.
//! - **Preprocessor.** One invocation per stream per step, taking `invoke_ms` +
//!   `per_record_ms` a record: the rows' ROWTIME is when it returns, and the stream
//!   reads again at the first step after (assumption); `Dropped` records are
//!   processed (removed on purpose) when the rows read with them reach the outputs,
//!   `ProcessingFailed` ones go to `error_stream`
//!   (B4); a failed invocation is retried a second later until it succeeds, and
//!   nothing is read meanwhile (B4: ingestion blocks).
//! - **Query.** Poison rows go to `error_stream` and processing goes on (B5). The
//!   window emits over ROWTIME: tumbling when it ends, stagger `size` after its
//!   first row (per stream: assumption), sliding at once (B6).
//! - **Outputs.** Each output delivers the emitted windows in order; an attempt takes
//!   `latency_ms` and fails with `error_rate` or during an outage, and is retried a
//!   second later forever; while one is retried nothing is read (B8). A window's
//!   records are processed once every output has it.
//! - **Restart.** StopApplication drops what is not delivered everywhere; a start
//!   from LAST_STOPPED_POINT reads again from the read positions of the last moment
//!   every row read was in a window every output has (the slowest destination's
//!   checkpoint), and an output that had a later window receives its rows again:
//!   duplicates (B8).

use super::{assumption, why, KdaSqlEvent, KdaSqlSummary};
use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use crate::intervals::IntervalSet;
use crate::lineage::ShardReads;
use crate::scenario::kda_sql::{KdaSqlConsumer, SqlAction, SqlStart, SqlWindowKind};
use crate::scenario::{Action, StartingPosition};
use crate::stream::{ReadError, ShardId};
use crate::time::{SimDuration, SimTime};
use crate::trace::{ConsumerSummary, EventKind, Stat};

const STEP: SimDuration = SimDuration::from_secs(1);
/// Records per GetRecords call.
const READ_LIMIT: u64 = 10_000;
/// The default KPU limit of an application (B9).
const MAX_KPUS: u64 = 8;
/// A KPU's query time a second, in µs.
const KPU_US: f64 = 1_000_000.0;

const TAG: u32 = 48;
const TICK: u64 = 1 << TAG;
const ATTEMPT: u64 = 2 << TAG;
const VALUE: u64 = (1 << TAG) - 1;

/// Records of one shard, `[from, to)`.
type Segment = (ShardId, u64, u64);

/// Rows emitted by a window, on their way to the outputs.
#[derive(Clone, Debug)]
struct Delivery {
    /// The read positions when it was emitted, if every row read by then was in an
    /// emitted window: once every output has it, a restart may resume there.
    snapshot: Option<ShardReads>,
    segments: Vec<Segment>,
    /// Records the preprocessor dropped among them: processed with the delivery, so
    /// that each key's records are processed in order.
    dropped: Vec<Segment>,
    rows: u64,
    /// Outputs still to deliver it.
    left: usize,
}

/// One output's delivery state.
#[derive(Clone, Debug, Default)]
struct Output {
    /// Indexes into `deliveries` still to deliver, in order.
    queue: std::collections::VecDeque<usize>,
    /// An attempt in flight, or a retry waiting.
    busy: bool,
    /// The head failed and is being retried.
    failing: bool,
    /// Every record this output has received, per shard.
    received: Vec<(ShardId, IntervalSet)>,
    /// The end of an outage.
    outage_until: SimTime,
}

/// A window collecting rows of one in-application stream.
#[derive(Clone, Debug, Default)]
struct Open {
    /// When it emits.
    closes: SimTime,
    segments: Vec<Segment>,
    dropped: Vec<Segment>,
    rows: u64,
}

/// A Kinesis Data Analytics for SQL application.
#[derive(Clone, Debug)]
pub struct Application {
    cfg: KdaSqlConsumer,
    running: bool,
    generation: u64,
    reads: ShardReads,
    /// Per in-application stream, the windows collecting rows (the next one opens when
    /// rows' ROWTIME passes the last one's end), oldest first.
    windows: Vec<Vec<Open>>,
    deliveries: std::collections::VecDeque<Option<Delivery>>,
    /// The id of `deliveries[0]`: ids go on across stops; delivered ones leave the front.
    base: usize,
    /// Each shard's in-application stream, fixed when it is first read (a child takes
    /// its parent's), and how many shards were given one.
    streams_of: Vec<(ShardId, usize)>,
    outputs: Vec<Output>,
    /// The read positions up to which every output has every row (the slowest
    /// destination's checkpoint): where a start from LAST_STOPPED_POINT reads again.
    checkpoint: ShardReads,
    /// The preprocessor failed in this step: no other stream reads.
    preprocessing_failed: bool,
    /// Per stream, until when its preprocessor invocation runs (it reads again after).
    busy_until: Vec<SimTime>,
    /// The ROWTIME of the rows being inserted: after their preprocessor invocation.
    rowtime: SimTime,
    /// The preprocessor's last invocation failed (an episode of retries).
    preprocessor_failing: bool,
    /// Rounding carry of the preprocessor's shares.
    carry: (f64, f64),
    summary: KdaSqlSummary,
    /// Lists a step fills and empties again, kept from step to step (every second: an
    /// allocation and its free each is a chain of calls at opt-level "z").
    scratch: Scratch,
}

/// See [`Application`]'s `scratch`: empty between steps.
#[derive(Clone, Debug, Default)]
struct Scratch {
    /// The shards read, each with its in-application stream.
    shards: Vec<(ShardId, usize)>,
    /// One stream's batch.
    batch: Vec<Segment>,
    /// The batch's rows, poison records left out.
    rows: Vec<Segment>,
}

impl Application {
    /// An application with the scenario's settings.
    pub fn new(cfg: &KdaSqlConsumer) -> Application {
        let streams = cfg.input.parallelism as usize;
        Application {
            cfg: cfg.clone(),
            running: false,
            generation: 0,
            reads: ShardReads::default(),
            windows: vec![Vec::new(); streams],
            deliveries: std::collections::VecDeque::new(),
            base: 0,
            streams_of: Vec::new(),
            outputs: vec![Output::default(); cfg.outputs.len()],
            checkpoint: ShardReads::default(),
            preprocessing_failed: false,
            busy_until: vec![SimTime::ZERO; streams],
            rowtime: SimTime::ZERO,
            preprocessor_failing: false,
            carry: (0.0, 0.0),
            summary: KdaSqlSummary::default(),
            scratch: Scratch::default(),
        }
    }

    /// Boxed, for the simulation.
    pub fn boxed(cfg: &KdaSqlConsumer) -> Box<Application> {
        Box::new(Application::new(cfg))
    }

    fn event(what: &'static str, why: &'static str) -> KdaSqlEvent {
        KdaSqlEvent {
            what,
            why,
            ..KdaSqlEvent::default()
        }
    }

    fn emit(ctx: &mut ConsumerCtx<'_>, e: KdaSqlEvent) {
        ctx.emit(EventKind::KdaSql(Box::new(e)));
    }

    fn stream_name(&self, i: usize) -> String {
        format!("{}_{:03}", self.cfg.input.name_prefix, i + 1)
    }

    fn schedule(&self, ctx: &mut ConsumerCtx<'_>, at: SimTime, tag: u64) {
        ctx.schedule(at, tag | ((self.generation << 8) & VALUE));
    }

    // ---- status -----------------------------------------------------------------

    /// StartApplication from `from`.
    fn start(&mut self, ctx: &mut ConsumerCtx<'_>, from: SqlStart, restart: bool) {
        self.generation += 1;
        self.running = true;
        let pos = match from {
            SqlStart::Now => Some(StartingPosition::Latest),
            SqlStart::TrimHorizon => Some(StartingPosition::TrimHorizon),
            SqlStart::LastStoppedPoint if !restart => Some(StartingPosition::Latest),
            SqlStart::LastStoppedPoint => None,
        };
        match pos {
            Some(p) => {
                ctx.start_scope(p);
                self.reads = ShardReads::default();
                self.reads.begin(ctx, p);
                self.checkpoint = self.reads.clone();
            }
            None => {
                // The slowest destination's checkpoint, and the shards created since.
                self.reads = self.checkpoint.clone();
                self.reads.adopt(ctx);
            }
        }
        let e = KdaSqlEvent {
            status: Some("RUNNING"),
            starting_position: Some(from.as_str()),
            assumption: Some(assumption::STEP),
            ..Application::event("status", if restart { why::RESTART } else { why::RUNNING })
        };
        Application::emit(ctx, e);
        self.schedule(ctx, ctx.now, TICK);
    }

    fn stop(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.generation += 1;
        self.running = false;
        // What is not delivered everywhere is dropped: a start reads it again.
        for w in &mut self.windows {
            w.clear();
        }
        self.base += self.deliveries.len();
        self.deliveries.clear();
        for o in &mut self.outputs {
            o.queue.clear();
            o.busy = false;
            o.failing = false;
        }
        self.preprocessing_failed = false;
        self.preprocessor_failing = false;
        for b in &mut self.busy_until {
            *b = SimTime::ZERO;
        }
        Application::emit(
            ctx,
            KdaSqlEvent {
                status: Some("READY"),
                ..Application::event("status", why::READY)
            },
        );
    }

    // ---- the step -----------------------------------------------------------------

    /// An output is being retried: nothing is read (back-pressure).
    fn stalled(&self) -> bool {
        self.outputs.iter().any(|o| o.failing)
    }

    fn tick(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if !self.running {
            return;
        }
        let next = SimTime(ctx.now.0 + STEP.0);
        self.schedule(ctx, next, TICK);
        // Windows that end now emit first: this second's rows have a later ROWTIME.
        self.close_windows(ctx);
        let mut used_us = 0.0;
        // A failed preprocessor batch is read again and retried now.
        self.preprocessing_failed = false;
        if !self.stalled() {
            used_us = self.read_all(ctx);
        }
        self.start_deliveries(ctx);
        // KPUs in use: the query time of this second, at least one.
        let kpus = ((used_us / KPU_US).ceil() as u64).clamp(1, MAX_KPUS);
        self.summary.kpus = self.summary.kpus.max(kpus as u32);
        // Billed on the KPUs used, for the second after each step while running (B9).
        if ctx.now < ctx.end {
            ctx.stats().usage.kpu_seconds += kpus;
        }
        let lag = self.millis_behind(ctx);
        self.summary.max_millis_behind_latest = self.summary.max_millis_behind_latest.max(lag);
        ctx.report_lag(lag);
        let (i, now) = (ctx.index, ctx.now);
        let m = &mut ctx.rec.metrics;
        m.consumer_metric(now, i, "KPUs", Stat::Maximum, kpus);
        m.consumer_metric(now, i, "MillisBehindLatest", Stat::Maximum, lag);
    }

    /// How far the oldest unread record is behind, in ms.
    fn millis_behind(&self, ctx: &ConsumerCtx<'_>) -> u64 {
        self.reads
            .shards_reading()
            .filter_map(|s| {
                let at = self.reads.position(s)?;
                (at < ctx.stream().end_seq(s)).then(|| ctx.stream().arrival_of(s, at))?
            })
            .map(|t| ctx.now.0.saturating_sub(t.0) / 1_000)
            .max()
            .unwrap_or(0)
    }

    /// Every stream reads its shards; returns the query time used (µs).
    fn read_all(&mut self, ctx: &mut ConsumerCtx<'_>) -> f64 {
        let mut shards = std::mem::take(&mut self.scratch.shards);
        shards.extend(self.reads.shards_reading().map(|sh| (sh, 0)));
        for (shard, stream) in shards.iter_mut() {
            *stream = self.stream_of(ctx, *shard);
        }
        let mut batch = std::mem::take(&mut self.scratch.batch);
        let streams = self.windows.len();
        let per_row = self.cfg.query.per_record_us;
        let mut total_us = 0.0;
        for s in 0..streams {
            if self.preprocessing_failed {
                break;
            }
            // Its preprocessor invocation still runs.
            if ctx.now < self.busy_until[s] {
                continue;
            }
            let budget = if per_row > 0.0 {
                let left = (MAX_KPUS as f64 * KPU_US - total_us).max(0.0);
                (KPU_US.min(left) / per_row).floor() as u64
            } else {
                u64::MAX
            };
            let mut rows_left = budget;
            batch.clear();
            let mut poison: Vec<Segment> = Vec::new();
            // Shards read to their end: finished only once the batch is in (a failed
            // preprocessor reads them again).
            let mut ends: Vec<(ShardId, Vec<ShardId>)> = Vec::new();
            for &(shard, of) in &shards {
                if of != s || rows_left == 0 {
                    continue;
                }
                let Some(at) = self.reads.position(shard) else {
                    continue;
                };
                match ctx.get_records(shard, at, READ_LIMIT.min(rows_left)) {
                    Ok(r) => {
                        let from = r.first_seq.max(at);
                        for run in &r.runs {
                            if run.is_poison() {
                                let a = run.first_seq.max(from);
                                if run.end_seq() > a {
                                    poison.push((shard, a, run.end_seq()));
                                }
                            }
                        }
                        if r.next_seq > from {
                            batch.push((shard, from, r.next_seq));
                            rows_left = rows_left.saturating_sub(r.next_seq - from);
                        }
                        self.reads.advance(shard, r.next_seq);
                        if r.shard_end {
                            ends.push((shard, r.children.to_vec()));
                        }
                        ctx.recycle_read(r);
                    }
                    Err(ReadError::Throttled) => {}
                    Err(ReadError::ResourceNotFound) => {
                        let children = ctx.shard(shard).map(|i| i.children.clone());
                        self.reads
                            .finished(ctx, shard, &children.unwrap_or_default());
                    }
                }
            }
            let rows: u64 = batch.iter().map(|b| b.2 - b.1).sum();
            if rows == 0 {
                for (shard, children) in ends {
                    self.reads.finished(ctx, shard, &children);
                }
                continue;
            }
            for &(shard, from, to) in &batch {
                ctx.deliver(shard, from, to);
            }
            let mut dropped = Vec::new();
            self.rowtime = ctx.now;
            if !self.preprocess(ctx, s, &mut batch, &mut dropped) {
                // Read again from the batch's start after the retry.
                for &(shard, from, _) in &batch {
                    self.reads.advance(shard, from);
                }
                break;
            }
            for (shard, children) in ends {
                self.reads.finished(ctx, shard, &children);
            }
            total_us += rows as f64 * per_row;
            self.insert(ctx, s, &batch, dropped, poison);
        }
        shards.clear();
        batch.clear();
        self.scratch.shards = shards;
        self.scratch.batch = batch;
        total_us
    }

    /// Runs the preprocessor on `batch`: false if the invocation failed. Dropped and
    /// ProcessingFailed records are settled and cut from the batch.
    fn preprocess(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        stream: usize,
        batch: &mut Vec<Segment>,
        dropped_out: &mut Vec<Segment>,
    ) -> bool {
        let Some(p) = self.cfg.input.preprocessor.clone() else {
            return true;
        };
        let rows: u64 = batch.iter().map(|b| b.2 - b.1).sum();
        if p.error_rate > 0.0 && ctx.rng().chance(p.error_rate) {
            self.preprocessing_failed = true;
            self.summary.destination_retries += 1;
            if std::mem::replace(&mut self.preprocessor_failing, true) {
                return false;
            }
            let e = KdaSqlEvent {
                in_app_stream: Some(self.stream_name(stream)),
                output: Some("preprocessor".into()),
                rows: Some(rows),
                cause: Some("error_rate"),
                assumption: Some(assumption::RETRY),
                ..Application::event("delivery_failed", why::PREPROCESSOR)
            };
            Application::emit(ctx, e);
            return false;
        }
        if std::mem::replace(&mut self.preprocessor_failing, false) {
            Application::resumed(ctx, "preprocessor".into());
        }
        // The invocation takes invoke_ms + per_record_ms a record: the rows enter the
        // in-application stream when it returns, and the stream reads again after it.
        let took = p.invoke_ms * 1_000 + (p.per_record_ms * 1_000.0 * rows as f64).round() as u64;
        self.rowtime = SimTime(ctx.now.0 + took);
        self.busy_until[stream] = self.rowtime;
        // Shares by rounding with a carry: hand-checkable counts.
        let n = rows as f64;
        let failed = (n * p.processing_failed_share + self.carry.1).floor();
        self.carry.1 += n * p.processing_failed_share - failed;
        let dropped = (n * p.dropped_share + self.carry.0).floor();
        self.carry.0 += n * p.dropped_share - dropped;
        let (mut failed, mut dropped) = (failed as u64, dropped as u64);
        self.summary.error_stream_records += failed;
        if failed > 0 {
            let e = KdaSqlEvent {
                in_app_stream: Some(self.stream_name(stream)),
                rows: Some(failed),
                assumption: Some(assumption::SHARES),
                ..Application::event("error_stream", why::ERROR_STREAM)
            };
            Application::emit(ctx, e);
        }
        // Cut from the end: ProcessingFailed last, Dropped before them.
        while failed + dropped > 0 {
            let Some(last) = batch.last_mut() else { break };
            let len = last.2 - last.1;
            let take_f = failed.min(len);
            let take_d = dropped.min(len - take_f);
            let (shard, end) = (last.0, last.2);
            if take_f > 0 {
                ctx.settle(shard, end - take_f, end, Outcome::Discarded);
            }
            if take_d > 0 {
                dropped_out.push((shard, end - take_f - take_d, end - take_f));
            }
            failed -= take_f;
            dropped -= take_d;
            last.2 -= take_f + take_d;
            if last.2 == last.1 {
                batch.pop();
            }
        }
        true
    }

    /// Rows enter stream `s` now (their ROWTIME); poison rows go to `error_stream`.
    fn insert(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        s: usize,
        batch: &[Segment],
        dropped: Vec<Segment>,
        poison: Vec<Segment>,
    ) {
        let mut bad = 0;
        let mut rows = std::mem::take(&mut self.scratch.rows);
        rows.clear();
        for &(shard, from, to) in batch {
            // The batch minus its poison records.
            let mut at = from;
            for &(ps, pa, pb) in poison.iter().filter(|p| p.0 == shard) {
                let (pa, pb) = (pa.max(at), pb.min(to));
                if pb <= pa {
                    continue;
                }
                if pa > at {
                    rows.push((shard, at, pa));
                }
                ctx.settle(ps, pa, pb, Outcome::Discarded);
                bad += pb - pa;
                at = pb;
            }
            if to > at {
                rows.push((shard, at, to));
            }
        }
        if bad > 0 {
            self.summary.error_stream_records += bad;
            let e = KdaSqlEvent {
                in_app_stream: Some(self.stream_name(s)),
                rows: Some(bad),
                poison_rows: Some(bad),
                ..Application::event("error_stream", why::ERROR_STREAM)
            };
            Application::emit(ctx, e);
        }
        let n: u64 = rows.iter().map(|r| r.2 - r.1).sum();
        if n == 0 && dropped.is_empty() {
            self.scratch.rows = rows;
            return;
        }
        let w = self.cfg.query.window;
        match w.kind {
            SqlWindowKind::Sliding => {
                // One output row per input row, at once.
                self.summary.windows_emitted += n;
                self.emit_rows(ctx, rows, dropped, n);
            }
            SqlWindowKind::Tumbling | SqlWindowKind::Stagger => {
                let size = w.size.0.max(1);
                let closes = match w.kind {
                    // STEP(ROWTIME BY INTERVAL size): the window holding now ends at
                    // the next multiple of size.
                    SqlWindowKind::Tumbling => SimTime((self.rowtime.0 / size + 1) * size),
                    _ => SimTime(self.rowtime.0 + size),
                };
                // Rows whose ROWTIME is past the last window's end open the next one.
                let list = &mut self.windows[s];
                if list.last().is_none_or(|w| self.rowtime >= w.closes) {
                    list.push(Open {
                        closes,
                        ..Open::default()
                    });
                }
                let Some(open) = list.last_mut() else { return };
                open.rows += n;
                open.segments.extend_from_slice(&rows);
                open.dropped.extend(dropped);
                self.scratch.rows = rows;
            }
        }
    }

    /// Windows whose time has come are emitted.
    fn close_windows(&mut self, ctx: &mut ConsumerCtx<'_>) {
        for s in 0..self.windows.len() {
            while self.windows[s].first().is_some_and(|w| w.closes <= ctx.now) {
                let w = self.windows[s].remove(0);
                self.summary.windows_emitted += 1;
                let e = KdaSqlEvent {
                    in_app_stream: Some(self.stream_name(s)),
                    rows: Some(w.rows),
                    assumption: (self.cfg.query.window.kind == SqlWindowKind::Stagger)
                        .then_some(assumption::STAGGER),
                    ..Application::event("window", why::WINDOW)
                };
                Application::emit(ctx, e);
                self.emit_rows(ctx, w.segments, w.dropped, w.rows);
            }
        }
    }

    /// Emitted rows go to every output (or are processed, with none).
    fn emit_rows(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        segments: Vec<Segment>,
        dropped: Vec<Segment>,
        rows: u64,
    ) {
        // Every row read so far is in an emitted window: a restart may resume here.
        let snapshot = self
            .windows
            .iter()
            .all(Vec::is_empty)
            .then(|| self.reads.clone());
        if self.outputs.is_empty() {
            settle_in_order(ctx, &segments, &dropped);
            if let Some(r) = snapshot {
                self.checkpoint = r;
            }
            return;
        }
        let id = self.base + self.deliveries.len();
        self.deliveries.push_back(Some(Delivery {
            snapshot,
            segments,
            dropped,
            rows,
            left: self.outputs.len(),
        }));
        for o in &mut self.outputs {
            o.queue.push_back(id);
        }
    }

    /// The in-application stream of `shard`: fixed when it is first read, a child's its
    /// parent's, others round robin in the order they are first read (assumption).
    fn stream_of(&mut self, ctx: &ConsumerCtx<'_>, shard: ShardId) -> usize {
        if let Some(&(_, s)) = self.streams_of.iter().find(|x| x.0 == shard) {
            return s;
        }
        let parent = ctx.shard(shard).and_then(|i| i.parent);
        let s = parent
            .and_then(|p| self.streams_of.iter().find(|x| x.0 == p))
            .map_or(self.streams_of.len() % self.windows.len(), |x| x.1);
        self.streams_of.push((shard, s));
        s
    }

    // ---- outputs ------------------------------------------------------------------

    /// A destination or the preprocessor succeeded after failing: ingestion goes on.
    fn resumed(ctx: &mut ConsumerCtx<'_>, output: String) {
        let e = KdaSqlEvent {
            output: Some(output),
            ..Application::event("resume", why::RESUME)
        };
        Application::emit(ctx, e);
    }

    fn start_deliveries(&mut self, ctx: &mut ConsumerCtx<'_>) {
        for o in 0..self.outputs.len() {
            if !self.outputs[o].busy && !self.outputs[o].queue.is_empty() {
                self.outputs[o].busy = true;
                let at = SimTime(ctx.now.0 + self.cfg.outputs[o].latency_ms * 1_000);
                self.schedule(ctx, at, ATTEMPT | o as u64);
            }
        }
    }

    /// An attempt of output `o` ended.
    fn attempt_done(&mut self, ctx: &mut ConsumerCtx<'_>, o: usize) {
        let Some(id) = self.outputs[o].queue.front().map(|&id| id - self.base) else {
            self.outputs[o].busy = false;
            return;
        };
        let cfg = &self.cfg.outputs[o];
        let outage = ctx.now < self.outputs[o].outage_until;
        let failed = outage || (cfg.error_rate > 0.0 && ctx.rng().chance(cfg.error_rate));
        if failed {
            self.summary.destination_retries += 1;
            if !self.outputs[o].failing {
                let rows = self
                    .deliveries
                    .get(id)
                    .and_then(Option::as_ref)
                    .map_or(0, |d| d.rows);
                let e = KdaSqlEvent {
                    output: Some(cfg.name.clone()),
                    rows: Some(rows),
                    cause: Some(if outage { "outage" } else { "error_rate" }),
                    assumption: Some(assumption::RETRY),
                    ..Application::event("delivery_failed", why::DESTINATION)
                };
                Application::emit(ctx, e);
            }
            self.outputs[o].failing = true;
            let at = SimTime(ctx.now.0 + STEP.0 + cfg.latency_ms * 1_000);
            self.schedule(ctx, at, ATTEMPT | o as u64);
            return;
        }
        if std::mem::replace(&mut self.outputs[o].failing, false) {
            Application::resumed(ctx, cfg.name.clone());
        }
        self.outputs[o].busy = false;
        self.outputs[o].queue.pop_front();
        let Some(Some(d)) = self.deliveries.get_mut(id) else {
            return;
        };
        // Rows this output had already received (before a restart) are duplicates.
        for &(shard, from, to) in &d.segments {
            let received = match self.outputs[o].received.iter_mut().find(|r| r.0 == shard) {
                Some(r) => &mut r.1,
                None => {
                    self.outputs[o].received.push((shard, IntervalSet::new()));
                    &mut self.outputs[o].received.last_mut().expect("pushed").1
                }
            };
            let new = received.insert_count(from, to);
            self.summary.duplicates += (to - from) - new;
        }
        d.left -= 1;
        if d.left == 0 {
            let segments = std::mem::take(&mut d.segments);
            let dropped = std::mem::take(&mut d.dropped);
            if let Some(r) = d.snapshot.take() {
                self.checkpoint = r;
            }
            self.deliveries[id] = None;
            settle_in_order(ctx, &segments, &dropped);
            // Delivered everywhere, in order: they leave the front.
            while matches!(self.deliveries.front(), Some(None)) {
                self.deliveries.pop_front();
                self.base += 1;
            }
        }
        self.start_deliveries(ctx);
    }

    fn timeline(&mut self, ctx: &mut ConsumerCtx<'_>, index: usize) {
        let Some(Action::KdaSql { action, .. }) =
            ctx.timeline().get(index).map(|e| e.action.clone())
        else {
            return;
        };
        let name = action.name();
        match action {
            SqlAction::DestinationOutage { output, duration } => {
                if let Some(o) = self.cfg.outputs.iter().position(|x| x.name == output) {
                    self.outputs[o].outage_until = SimTime(ctx.now.0.saturating_add(duration.0));
                }
            }
            SqlAction::StopApplication => {
                if self.running {
                    self.stop(ctx);
                } else {
                    ctx.emit(EventKind::ActionRejected {
                        action: name,
                        error: "ResourceInUseException",
                        reason: "the application is not RUNNING".into(),
                    });
                }
            }
            SqlAction::StartApplication { starting_position } => {
                if self.running {
                    ctx.emit(EventKind::ActionRejected {
                        action: name,
                        error: "ResourceInUseException",
                        reason: "StartApplication needs READY".into(),
                    });
                } else {
                    self.start(ctx, starting_position, true);
                }
            }
        }
    }
}

/// Settles `rows` and `dropped` as processed in sequence order on each shard, so that a
/// dropped record is never processed before an earlier row of its key.
fn settle_in_order(ctx: &mut ConsumerCtx<'_>, rows: &[Segment], dropped: &[Segment]) {
    // Each shard's segments usually come in sequence order already (a window adds each
    // second's rows after the last): then the order is by shard alone, a pass a shard,
    // without the lists and the sort (each window a minute holds hundreds of segments).
    let at = |i: usize| match rows.get(i) {
        Some(r) => r,
        None => &dropped[i - rows.len()],
    };
    let n = rows.len() + dropped.len();
    let in_order = (0..n).all(|i| {
        let s = at(i);
        (0..i)
            .rev()
            .map(at)
            .find(|p| p.0 == s.0)
            .is_none_or(|p| p.1 <= s.1)
    });
    if in_order {
        let mut shard = (0..n).map(|i| at(i).0).min();
        while let Some(current) = shard {
            for i in 0..n {
                let &(sh, from, to) = at(i);
                if sh == current {
                    ctx.settle(sh, from, to, Outcome::Processed);
                }
            }
            shard = (0..n).map(|i| at(i).0).filter(|&s| s > current).min();
        }
        return;
    }
    let all: Vec<Segment> = rows.iter().chain(dropped).copied().collect();
    let key = |s: &Segment| u128::from(s.0 .0) << 64 | u128::from(s.1);
    for (shard, from, to) in crate::order::sorted_by_key(all, key) {
        ctx.settle(shard, from, to, Outcome::Processed);
    }
}

impl Consumer for Application {
    fn kind(&self) -> &'static str {
        "kda_sql"
    }

    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let from = self.cfg.input.starting_position;
        Application::start(self, ctx, from, false);
    }

    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        match event {
            ConsumerEvent::Timer { token } => {
                if (token & VALUE) >> 8 != self.generation & (VALUE >> 8) {
                    return;
                }
                match token & !VALUE {
                    TICK => self.tick(ctx),
                    ATTEMPT => self.attempt_done(ctx, (token & 0xff) as usize),
                    _ => {}
                }
            }
            ConsumerEvent::ShardOpened { shard } => {
                self.reads.opened(ctx, shard);
            }
            ConsumerEvent::Timeline { index } => self.timeline(ctx, index),
            ConsumerEvent::ShardClosed { .. } | ConsumerEvent::Records(_) => {}
        }
    }

    fn finish(&mut self, _ctx: &mut ConsumerCtx<'_>) {}

    fn summary_block(&self, s: &mut ConsumerSummary) {
        s.kda_sql = Some(self.summary.clone());
    }
}
