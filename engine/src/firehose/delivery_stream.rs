//! The Firehose stream as a consumer of the Kinesis stream: it reads every
//! shard, fills its buffers, and hands closed buffers to [`super::delivery`].
//!
//! - Reads from LATEST only: `KinesisStreamSourceConfiguration` has no starting
//!   position, so there is no replay.
//! - One `GetRecords` per second per shard, through the shard's shared read
//!   limits; throttled or failed calls are retried indefinitely.
//! - Follows resharding: a child is read from its start once its parents are read
//!   to their end.
//!
//! Source: <https://docs.aws.amazon.com/firehose/latest/APIReference/API_KinesisStreamSourceConfiguration.html>,
//! `writing-with-kinesis-streams` (archived developer guide, `reference/firehose-and-glue.md` §1.2),
//! <https://docs.aws.amazon.com/firehose/latest/dev/troubleshooting.html>.
//!
//! Assumption: one timer a second reads every shard in turn (in shard order), so the
//! cost is one event a second, whatever the number of shards.

use std::collections::VecDeque;

use super::buffer::{oldest, Buffer, SegKind, Segment};
use super::delivery::{failed_prefix, Batch, Phase, RETRY_EVERY, S3_WRITE};
use super::metrics::{self, Ratio};
use super::transform::{self, Invocation, Share, INVOCATIONS_PER_SHARD};
use super::{assumption, why, FirehoseEvent, FirehoseSummary};
use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use crate::lineage::ShardReads;
use crate::scenario::{Action, FirehoseConsumer, FirehoseDestination, StartingPosition};
use crate::stream::{ReadError, ShardId, GET_RECORDS_MAX_RECORDS};
use crate::time::{SimDuration, SimTime};
use crate::trace::{ConsumerSummary, EventKind, Stat};

/// One MiB: `SizeInMBs` is in MiB ("1 MiB/s → ≥ 10 MiB", API_BufferingHints).
const MIB: f64 = 1_048_576.0;

/// Firehose reads each shard once a second.
const POLL_EVERY: SimDuration = SimDuration::from_secs(1);

// Timer tokens: a tag in the high bits, a value (generation or id) below.
const TAG: u32 = 48;
const POLL: u64 = 0;
const TRANSFORM_FLUSH: u64 = 1 << TAG;
const DEST_FLUSH: u64 = 2 << TAG;
const INVOKE_DONE: u64 = 3 << TAG;
const ATTEMPT_DONE: u64 = 4 << TAG;
const RETRY: u64 = 5 << TAG;
const VALUE: u64 = (1 << TAG) - 1;

/// Which of the two buffers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// The transform Lambda's own buffer.
    Transform,
    /// The destination's buffer (`BufferingHints`).
    Destination,
}

/// An Amazon Data Firehose stream with the Kinesis stream as its source.
#[derive(Clone, Debug)]
pub struct DeliveryStream {
    cfg: FirehoseConsumer,
    reads: ShardReads,
    begun: bool,
    transform_buf: Buffer,
    invocations: VecDeque<Invocation>,
    running: usize,
    next_invocation: u64,
    dest_buf: Buffer,
    batches: VecDeque<Batch>,
    next_batch: u64,
    destination_down_until: SimTime,
    backup_down_until: SimTime,
    dropped: Share,
    failed: Share,
    delivery_ratio: Ratio,
    backup_ratio: Ratio,
    processing_ratio: Ratio,
    summary: FirehoseSummary,
    /// When the timers this stream scheduled (other than its polls) are due, and
    /// their tokens, one entry each until it fires: the earliest is the next moment
    /// anything can change while delivery is stalled (see [`DeliveryStream::poll`]).
    timers: Vec<(SimTime, u64)>,
    /// Polls due from this time on, once a second, that are not in the queue: while
    /// delivery is stalled a poll only samples DataFreshness, so such a stretch is
    /// computed at its end (see [`DeliveryStream::poll`]).
    quiet_polls_from: Option<SimTime>,
    /// Every poll queued on its own (the reference that tests compare quiet
    /// stretches with).
    every_poll: bool,
    /// The shards a poll reads, listed as it starts (reading one may start its children,
    /// read from the next poll on): kept from poll to poll, not made every second.
    polled: Vec<ShardId>,
}

impl DeliveryStream {
    /// A Firehose stream with the scenario's settings.
    pub fn new(cfg: &FirehoseConsumer) -> DeliveryStream {
        DeliveryStream {
            dropped: Share::new(cfg.transform.dropped_share),
            failed: Share::new(cfg.transform.processing_failed_share),
            cfg: cfg.clone(),
            reads: ShardReads::default(),
            begun: false,
            transform_buf: Buffer::default(),
            invocations: VecDeque::new(),
            running: 0,
            next_invocation: 1,
            dest_buf: Buffer::default(),
            batches: VecDeque::new(),
            next_batch: 1,
            destination_down_until: SimTime::ZERO,
            backup_down_until: SimTime::ZERO,
            delivery_ratio: Ratio::default(),
            backup_ratio: Ratio::default(),
            processing_ratio: Ratio::default(),
            summary: FirehoseSummary::default(),
            timers: Vec::new(),
            quiet_polls_from: None,
            every_poll: false,
            polled: Vec::new(),
        }
    }

    /// Queues every poll on its own, stalled or not: the reference for the quiet
    /// stretches of [`Self::poll`], which tests compare with it.
    pub fn every_poll(mut self) -> DeliveryStream {
        self.every_poll = true;
        self
    }

    /// Boxed, for the simulation.
    pub fn boxed(cfg: &FirehoseConsumer) -> Box<DeliveryStream> {
        Box::new(DeliveryStream::new(cfg))
    }

    fn destination(&self) -> FirehoseDestination {
        self.cfg.destination
    }

    fn dest_limit(&self) -> u64 {
        u64::from(self.cfg.buffering.size_in_mbs) << 20
    }

    fn dest_interval(&self) -> SimDuration {
        SimDuration::from_secs(u64::from(self.cfg.buffering.interval_in_seconds))
    }

    fn event(&self, what: &'static str, why: &'static str) -> FirehoseEvent {
        FirehoseEvent {
            what,
            destination: Some(self.destination().as_str()),
            why,
            ..FirehoseEvent::default()
        }
    }

    // ---- source -------------------------------------------------------------

    fn begin(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.begun = true;
        ctx.start_scope(StartingPosition::Latest);
        self.reads.begin(ctx, StartingPosition::Latest);
        // Firehose's reads are not aligned with the producers' ticks.
        let phase = ctx.rng().below(POLL_EVERY.0);
        ctx.schedule_in(SimDuration(phase), POLL);
    }

    fn stalled(&self) -> bool {
        self.batches.front().is_some_and(Batch::stalled)
    }

    /// One second of Firehose: a GetRecords per shard (unless delivery is
    /// stalled), zero-interval flushes, and the DataFreshness sample.
    ///
    /// While delivery is stalled with no zero-interval buffer to flush, a poll only
    /// samples DataFreshness, and nothing it looks at changes before this stream's
    /// next timer (an outage action or a new shard change neither), or, while the
    /// head batch's retries certainly fail, before that stops being certain
    /// ([`Self::next_change`]). So the polls up to the last one before that are not
    /// queued one by one: the last of them is, and it first computes the others'
    /// samples (`quiet_polls`). Each poll stays at its own instant, and an instant's
    /// events keep their order (the queued poll precedes the timer).
    fn poll(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if let Some(from) = self.quiet_polls_from.take() {
            self.quiet_polls(ctx, from);
        }
        if !self.stalled() {
            let mut polled = std::mem::take(&mut self.polled);
            polled.extend(self.reads.shards_reading());
            let (mut records, mut bytes, mut behind) = (0, 0, None);
            for &shard in &polled {
                self.read(ctx, shard, &mut records, &mut bytes, &mut behind);
            }
            polled.clear();
            self.polled = polled;
            metric(ctx, metrics::READ_RECORDS, Stat::Sum, records);
            metric(ctx, metrics::READ_BYTES, Stat::Sum, bytes);
            if let Some(ms) = behind {
                metric(ctx, metrics::MILLIS_BEHIND, Stat::Maximum, ms);
            }
        }
        // IntervalInSeconds 0: no buffering, delivered within seconds.
        if self
            .cfg
            .processing
            .as_ref()
            .is_some_and(|p| p.buffer_interval_in_seconds == 0)
            && !self.transform_buf.is_empty()
        {
            self.flush_transform(ctx);
        }
        if self.cfg.buffering.interval_in_seconds == 0 && !self.dest_buf.is_empty() {
            self.flush_dest(ctx, "interval");
        }
        self.sample_freshness(ctx);
        let now = ctx.now;
        let next = SimTime(now.0 + POLL_EVERY.0);
        let zero_interval = |interval: u32, buf: &Buffer| interval == 0 && !buf.is_empty();
        let quiet =
            self.stalled()
                && !zero_interval(self.cfg.buffering.interval_in_seconds, &self.dest_buf)
                && !self.cfg.processing.as_ref().is_some_and(|p| {
                    zero_interval(p.buffer_interval_in_seconds, &self.transform_buf)
                });
        // The last poll instant before the next change (and not after the end).
        let until = self.next_change(ctx);
        let last = SimTime(until.0.saturating_sub(1).min(ctx.end().0));
        let steps = last.0.saturating_sub(now.0) / POLL_EVERY.0;
        if quiet && steps >= 2 && !self.every_poll {
            self.quiet_polls_from = Some(next);
            ctx.schedule(SimTime(now.0 + steps * POLL_EVERY.0), POLL);
        } else {
            ctx.schedule(next, POLL);
        }
    }

    /// The earliest moment a stalled poll's view can change: this stream's next
    /// timer, passing over the head batch's retries while they certainly fail
    /// ([`Self::certain_failures_until`]), as their attempts change nothing a
    /// stalled poll samples.
    fn next_change(&self, ctx: &ConsumerCtx<'_>) -> SimTime {
        let certain = self.certain_failures_until(ctx);
        let head = self.batches.front().map(|b| b.id & VALUE);
        let retrying = |token: u64| {
            matches!(token & !VALUE, RETRY | ATTEMPT_DONE) && Some(token & VALUE) == head
        };
        self.timers
            .iter()
            .filter(|&&(_, token)| certain.is_none() || !retrying(token))
            .map(|&(at, _)| at)
            .chain(certain)
            .min()
            .unwrap_or(SimTime(u64::MAX))
    }

    /// While the head batch's attempts certainly keep failing: S3 retries without a
    /// window (bounded only by the stream's retention), every attempt that starts
    /// while the destination is down fails (drawing nothing at random), and no record
    /// of the batch reaches the trim horizon before the returned time (a record
    /// expires at the first sweep at or after its arrival plus the retention, and
    /// `Batch::drop_expired` would then change the batch). `None` when not so.
    fn certain_failures_until(&self, ctx: &ConsumerCtx<'_>) -> Option<SimTime> {
        let b = self.batches.front()?;
        let certain = self.cfg.retry_duration_seconds.is_none()
            && b.phase == Phase::Destination
            && b.stalled()
            && b.failing
            && !b.delivered
            && !b.gave_up;
        if !certain {
            return None;
        }
        let retention = ctx.stream().retention().0;
        let expiry = b
            .segs
            .iter()
            .map(|s| s.run.first_arrival.0 + retention)
            .min()?;
        let until = self.destination_down_until.0.min(expiry);
        (until > ctx.now.0).then_some(SimTime(until))
    }

    /// The DataFreshness samples of the quiet polls from `from` to before now, one
    /// a second (see [`Self::poll`]): the state they sample did not change, so each
    /// metric period's maximum is its last poll's sample, and the summary's is the
    /// last one's.
    fn quiet_polls(&mut self, ctx: &mut ConsumerCtx<'_>, from: SimTime) {
        let now = ctx.now;
        let mut at = from;
        while at < now {
            // The last poll of `at`'s period before now.
            let end = ctx.rec.metrics.period_end(at).min(SimTime(now.0 - 1));
            let last = SimTime(at.0 + end.0.saturating_sub(at.0) / POLL_EVERY.0 * POLL_EVERY.0);
            ctx.now = last;
            self.sample_freshness(ctx);
            at = SimTime(last.0 + POLL_EVERY.0);
        }
        ctx.now = now;
    }

    fn read(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        records: &mut u64,
        bytes: &mut u64,
        behind: &mut Option<u64>,
    ) {
        let from = self.reads.position(shard).unwrap_or(0);
        match ctx.get_records(shard, from, GET_RECORDS_MAX_RECORDS) {
            Ok(b) => {
                *records += b.records;
                *bytes += b.bytes;
                *behind = Some(behind.unwrap_or(0).max(b.millis_behind_latest));
                self.reads.advance(shard, b.next_seq);
                for run in &b.runs {
                    self.ingest(ctx, Segment::of_run(shard, run));
                }
                let (end, children) = (b.shard_end, b.children);
                ctx.recycle_read(b);
                if end {
                    self.reads.finished(ctx, shard, &children.to_vec());
                }
            }
            // Firehose retries GetRecords indefinitely: the next second's read.
            Err(ReadError::Throttled) => {}
            Err(ReadError::ResourceNotFound) => {
                let children = ctx
                    .shard(shard)
                    .map(|i| i.children.clone())
                    .unwrap_or_default();
                self.reads.finished(ctx, shard, &children);
            }
        }
    }

    /// DataFreshness: the age of the oldest record in Firehose. Assumption: the
    /// age counts from the record's arrival in the stream.
    fn sample_freshness(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let candidates = [
            self.transform_buf.oldest(),
            self.invocations.front().and_then(|i| oldest(&i.segs)),
            self.dest_buf.oldest(),
            self.batches.front().and_then(|b| oldest(&b.segs)),
        ];
        let ms = candidates
            .into_iter()
            .flatten()
            .min()
            .map_or(0, |t| ctx.now.0.saturating_sub(t.0) / 1_000);
        self.summary.max_data_freshness_ms = self.summary.max_data_freshness_ms.max(ms);
        ctx.report_lag(ms);
        let name = metrics::delivery(self.destination()).freshness;
        metric(ctx, name, Stat::Maximum, ms / 1_000);
    }

    // ---- buffers ------------------------------------------------------------

    fn ingest(&mut self, ctx: &mut ConsumerCtx<'_>, seg: Segment) {
        if self.cfg.processing.is_some() {
            self.fill(ctx, Stage::Transform, seg);
        } else {
            self.buffer_for_destination(ctx, seg);
        }
    }

    fn buffer_for_destination(&mut self, ctx: &mut ConsumerCtx<'_>, mut seg: Segment) {
        if self.destination() == FirehoseDestination::OpenSearch
            && seg.poison()
            && seg.kind == SegKind::Data
        {
            seg.kind = SegKind::Malformed;
        }
        self.fill(ctx, Stage::Destination, seg);
    }

    /// Adds `seg` to the buffer of `stage`, flushing it each time it reaches its size; a
    /// buffer that opens schedules its interval flush.
    fn fill(&mut self, ctx: &mut ConsumerCtx<'_>, stage: Stage, seg: Segment) {
        let (limit, interval, tag) = match (stage, &self.cfg.processing) {
            (Stage::Transform, Some(p)) => (
                (p.buffer_size_in_mbs * MIB) as u64,
                SimDuration::from_secs(u64::from(p.buffer_interval_in_seconds)),
                TRANSFORM_FLUSH,
            ),
            _ => (self.dest_limit(), self.dest_interval(), DEST_FLUSH),
        };
        let mut seg = Some(seg);
        while let Some(s) = seg {
            let buf = match stage {
                Stage::Transform => &mut self.transform_buf,
                Stage::Destination => &mut self.dest_buf,
            };
            let was_empty = buf.is_empty();
            seg = buf.add(s, limit, ctx.now);
            if was_empty && interval.0 > 0 {
                let at = SimTime(ctx.now.0 + interval.0);
                timer(&mut self.timers, ctx, at, tag | (buf.generation & VALUE));
            }
            if buf.full(limit) {
                match stage {
                    Stage::Transform => self.flush_transform(ctx),
                    Stage::Destination => self.flush_dest(ctx, "size"),
                }
            }
        }
    }

    // ---- transform ----------------------------------------------------------

    fn flush_transform(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let records = self.transform_buf.records;
        let bytes = self.transform_buf.bytes;
        let (segs, _) = self.transform_buf.take();
        if segs.is_empty() {
            return;
        }
        self.invocations.push_back(Invocation {
            id: self.next_invocation,
            segs,
            records,
            bytes,
            attempt: 1,
            running: false,
            output: None,
            result: transform::Result::Success,
            started: ctx.now,
        });
        self.next_invocation += 1;
        self.start_invocations(ctx);
    }

    fn start_invocations(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let cap = INVOCATIONS_PER_SHARD * (ctx.stream().open_shard_count().max(1) as usize);
        for i in 0..self.invocations.len() {
            if self.running >= cap {
                break;
            }
            let inv = &self.invocations[i];
            if inv.running || inv.output.is_some() {
                continue;
            }
            self.start_invocation(ctx, i);
        }
    }

    fn start_invocation(&mut self, ctx: &mut ConsumerCtx<'_>, i: usize) {
        let model = self.cfg.transform;
        let records = self.invocations[i].records;
        let (dur, timeout) = transform::duration(&model, records);
        let result = if timeout {
            transform::Result::Timeout
        } else if model.error_rate > 0.0 && ctx.rng().chance(model.error_rate) {
            transform::Result::Error
        } else {
            transform::Result::Success
        };
        let inv = &mut self.invocations[i];
        inv.running = true;
        inv.result = result;
        inv.started = ctx.now;
        let token = INVOKE_DONE | (inv.id & VALUE);
        self.running += 1;
        let stats = ctx.stats();
        stats.invocations += 1;
        stats.max_concurrency = stats.max_concurrency.max(self.running as u64);
        timer(&mut self.timers, ctx, SimTime(ctx.now.0 + dur.0), token);
    }

    fn invocation_done(&mut self, ctx: &mut ConsumerCtx<'_>, id: u64) {
        let Some(i) = self.invocations.iter().position(|v| v.id & VALUE == id) else {
            return;
        };
        self.running = self.running.saturating_sub(1);
        let retries = self
            .cfg
            .processing
            .as_ref()
            .map_or(0, |p| p.number_of_retries);
        let now = ctx.now;
        let period = ctx.rec.metrics.period_of(now) as u64;
        let inv = &mut self.invocations[i];
        inv.running = false;
        let duration_ms = now.0.saturating_sub(inv.started.0) / 1_000;
        let mut ev = FirehoseEvent {
            what: "transform",
            destination: Some(self.cfg.destination.as_str()),
            batch: Some(inv.id),
            records: Some(inv.records),
            bytes: Some(inv.bytes),
            attempt: Some(inv.attempt),
            outcome: Some(inv.result.as_str()),
            duration_ms: Some(duration_ms),
            why: why::TRANSFORM,
            ..FirehoseEvent::default()
        };
        let ok = inv.result == transform::Result::Success;
        let ratio = self.processing_ratio.note(period, ok);
        metric(ctx, metrics::PROCESSING_SUCCESS, Stat::Last, ratio);
        metric(
            ctx,
            metrics::PROCESSING_DURATION,
            Stat::Maximum,
            duration_ms,
        );
        let inv = &mut self.invocations[i];
        if ok {
            let out = transform::apply(&inv.segs, &mut self.dropped, &mut self.failed);
            let count = |k: SegKind| {
                out.iter()
                    .filter(|s| s.kind == k)
                    .map(Segment::records)
                    .sum::<u64>()
            };
            let (dropped, failed) = (count(SegKind::Dropped), count(SegKind::ProcessingFailed));
            self.summary.records_dropped_by_transform += dropped;
            self.summary.records_processing_failed += failed;
            ev.dropped_records = Some(dropped).filter(|n| *n > 0);
            ev.processing_failed_records = Some(failed).filter(|n| *n > 0);
            if failed > 0 {
                ev.prefix = Some(failed_prefix(
                    self.cfg.destination,
                    SegKind::ProcessingFailed,
                    self.cfg.error_output_prefix.as_deref(),
                ));
            }
            let succeeded = inv.records - failed;
            inv.output = Some(out);
            ctx.emit(EventKind::Firehose(Box::new(ev)));
            metric(ctx, metrics::PROCESSING_RECORDS, Stat::Sum, succeeded);
        } else {
            ctx.stats().failed_invocations += 1;
            ev.why = why::TRANSFORM_RETRY;
            ev.assumption = Some(assumption::TRANSFORM_RETRY);
            if inv.attempt <= retries {
                inv.attempt += 1;
                ev.follow = Some("retry");
                ctx.emit(EventKind::Firehose(Box::new(ev)));
                self.start_invocation(ctx, i);
                return;
            }
            let out = transform::all_failed(&inv.segs);
            self.summary.records_processing_failed += inv.records;
            ev.follow = Some("processing_failed");
            ev.processing_failed_records = Some(inv.records);
            ev.prefix = Some(failed_prefix(
                self.cfg.destination,
                SegKind::ProcessingFailed,
                self.cfg.error_output_prefix.as_deref(),
            ));
            inv.output = Some(out);
            ctx.emit(EventKind::Firehose(Box::new(ev)));
        }
        // Outputs go on in invocation order.
        while self.invocations.front().is_some_and(|v| v.output.is_some()) {
            let Some(done) = self.invocations.pop_front() else {
                break;
            };
            for seg in done.output.unwrap_or_default() {
                self.buffer_for_destination(ctx, seg);
            }
        }
        self.start_invocations(ctx);
    }

    // ---- delivery -----------------------------------------------------------

    fn flush_dest(&mut self, ctx: &mut ConsumerCtx<'_>, trigger: &'static str) {
        let (segs, opened) = self.dest_buf.take();
        if segs.is_empty() {
            return;
        }
        self.batches
            .push_back(Batch::new(self.next_batch, segs, opened, ctx.now, trigger));
        self.next_batch += 1;
        if self.batches.len() == 1 {
            self.step(ctx);
        }
    }

    /// Is the S3 location of failed records (the destination bucket for S3, the
    /// backup bucket otherwise) down? And the all-data backup bucket?
    fn s3_down(&self, now: SimTime, b: &Batch) -> bool {
        let errors_bucket_down = if self.destination() == FirehoseDestination::S3 {
            now < self.destination_down_until
        } else {
            now < self.backup_down_until
        };
        let has_failed = b.count(SegKind::failed) > 0;
        (has_failed && errors_bucket_down) || (self.cfg.backup_all && now < self.backup_down_until)
    }

    /// Starts whatever the head batch needs next, completing batches that need
    /// nothing more.
    fn step(&mut self, ctx: &mut ConsumerCtx<'_>) {
        loop {
            let now = ctx.now;
            let stream = ctx.stream();
            let Some(b) = self.batches.front_mut() else {
                return;
            };
            b.drop_expired(|s| stream.trim_seq(s));
            if b.segs.is_empty() {
                self.complete(ctx, "expired");
                continue;
            }
            let b = &self.batches[0];
            let data = b.count(|k| k == SegKind::Data);
            if !b.delivered && !b.gave_up && data > 0 {
                self.attempt_destination(ctx);
                return;
            }
            // A backup write that succeeds completes the batch, so this is reached
            // only before the write or while it is being retried.
            let needs_backup = b.count(SegKind::failed) > 0 || (self.cfg.backup_all && b.delivered);
            if needs_backup {
                let failing = self.s3_down(now, b);
                let id = b.id;
                let b = &mut self.batches[0];
                b.phase = Phase::Backup;
                b.backup_attempts += 1;
                b.failing = failing;
                let at = SimTime(ctx.now.0 + S3_WRITE.0);
                timer(&mut self.timers, ctx, at, ATTEMPT_DONE | (id & VALUE));
                return;
            }
            let outcome = b.outcome();
            self.complete(ctx, outcome);
        }
    }

    fn attempt_destination(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let at = SimTime(ctx.now.0 + self.attempt_latency().0);
        self.start_attempt(ctx, false);
        let token = ATTEMPT_DONE | (self.batches[0].id & VALUE);
        timer(&mut self.timers, ctx, at, token);
    }

    /// How long one destination request takes.
    fn attempt_latency(&self) -> SimDuration {
        SimDuration((self.cfg.destination_model.latency_ms * 1_000.0).round() as u64)
    }

    /// The head batch's destination request starts now (its end is the caller's);
    /// `ahead`: now is ahead of the kernel, and the batch was sent before (its records
    /// are counted as delivered again from now on, see [`ConsumerCtx::redeliver_ahead`]).
    fn start_attempt(&mut self, ctx: &mut ConsumerCtx<'_>, ahead: bool) {
        let now = ctx.now;
        let model = self.cfg.destination_model;
        let down = now < self.destination_down_until;
        let failing = down || (model.error_rate > 0.0 && ctx.rng().chance(model.error_rate));
        let b = &mut self.batches[0];
        b.phase = Phase::Destination;
        b.attempts += 1;
        b.first_attempt.get_or_insert(now);
        b.failing = failing;
        let (mut records, mut bytes) = (0, 0);
        for s in b.segs.iter().filter(|s| s.kind == SegKind::Data) {
            records += s.records();
            bytes += s.bytes();
            if !ahead {
                ctx.deliver(s.shard, s.from(), s.to());
            }
        }
        if ahead {
            ctx.redeliver_ahead(now, records);
        }
        b.sent_records = records;
        b.sent_bytes = bytes;
    }

    /// The head batch's next attempts, from the one at `retry` on, while they certainly
    /// fail ([`Self::certain_failures_until`]): each but the last is computed here at its
    /// own instants (its start and its failure), as nothing else looks at what they
    /// change meanwhile; the last is left to its timers, so that what follows it
    /// happens as it would have. Returns when the next attempt starts. A stream that
    /// queues every poll ([`Self::every_poll`], the tests' reference) queues every
    /// attempt too.
    fn certain_failures(&mut self, ctx: &mut ConsumerCtx<'_>, mut retry: SimTime) -> SimTime {
        let Some(until) = self
            .certain_failures_until(ctx)
            .filter(|_| !self.every_poll)
        else {
            return retry;
        };
        let (now, latency) = (ctx.now, self.attempt_latency());
        let names = metrics::delivery(self.destination());
        loop {
            let done = SimTime(retry.0 + latency.0);
            let following = SimTime(done.0 + RETRY_EVERY.0);
            // This attempt and the next fail, and both end within the run.
            if following >= until || following.0 + latency.0 > ctx.end().0 {
                break;
            }
            ctx.now = retry;
            self.start_attempt(ctx, true);
            ctx.now = done;
            let period = ctx.rec.metrics.period_of(done) as u64;
            let ratio = self.delivery_ratio.note(period, false);
            self.batches[0].failed_attempts += 1;
            self.summary.failed_delivery_attempts += 1;
            metric(ctx, names.success, Stat::Last, ratio);
            // S3 retries without a window: `Batch::retry_at` is the next attempt.
            retry = following;
        }
        ctx.now = now;
        retry
    }

    fn attempt_done(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let now = ctx.now;
        let period = ctx.rec.metrics.period_of(now) as u64;
        let names = metrics::delivery(self.destination());
        let Some(b) = self.batches.front_mut() else {
            return;
        };
        match b.phase {
            Phase::Destination => {
                let ratio = self.delivery_ratio.note(period, !b.failing);
                if b.failing {
                    b.failed_attempts += 1;
                    b.first_failure.get_or_insert(now);
                    self.summary.failed_delivery_attempts += 1;
                    let retry =
                        b.retry_at(self.cfg.destination, self.cfg.retry_duration_seconds, now);
                    let id = b.id;
                    match retry {
                        Some(at) => {
                            metric(ctx, names.success, Stat::Last, ratio);
                            let at = self.certain_failures(ctx, at);
                            timer(&mut self.timers, ctx, at, RETRY | (id & VALUE));
                            return;
                        }
                        None => b.give_up(),
                    }
                } else {
                    b.delivered = true;
                    self.summary.delivery_batches += 1;
                    self.summary.delivered_records += b.sent_records;
                    self.summary.delivered_bytes += b.sent_bytes;
                    let (records, bytes) = (b.sent_records, b.sent_bytes);
                    let segs: Vec<Segment> = b
                        .segs
                        .iter()
                        .filter(|s| matches!(s.kind, SegKind::Data | SegKind::Dropped))
                        .copied()
                        .collect();
                    for s in segs {
                        ctx.settle(s.shard, s.from(), s.to(), Outcome::Processed);
                    }
                    metric(ctx, names.records, Stat::Sum, records);
                    metric(ctx, names.bytes, Stat::Sum, bytes);
                }
                metric(ctx, names.success, Stat::Last, ratio);
            }
            Phase::Backup => {
                let ratio = self.backup_ratio.note(period, !b.failing);
                metric(ctx, metrics::BACKUP_SUCCESS, Stat::Last, ratio);
                let b = &mut self.batches[0];
                if b.failing {
                    b.backup_failed += 1;
                    b.first_failure.get_or_insert(now);
                    let id = b.id;
                    let at = SimTime(ctx.now.0 + RETRY_EVERY.0);
                    timer(&mut self.timers, ctx, at, RETRY | (id & VALUE));
                    return;
                }
                b.failing = false;
                let mut written = b.count(SegKind::failed);
                if self.cfg.backup_all && b.delivered {
                    written += b.count(|k| k == SegKind::Data);
                }
                self.summary.records_to_backup += written;
                let segs = b.segs.clone();
                for s in segs {
                    if s.kind.failed() {
                        ctx.settle(s.shard, s.from(), s.to(), Outcome::Discarded);
                    } else if s.kind == SegKind::Dropped {
                        ctx.settle(s.shard, s.from(), s.to(), Outcome::Processed);
                    }
                }
                metric(ctx, metrics::BACKUP_RECORDS, Stat::Sum, written);
                let outcome = self.batches[0].outcome();
                self.complete(ctx, outcome);
            }
            Phase::Queued => {}
        }
        self.step(ctx);
    }

    /// The head batch is done: its event, then the next batch.
    fn complete(&mut self, ctx: &mut ConsumerCtx<'_>, outcome: &'static str) {
        let Some(b) = self.batches.pop_front() else {
            return;
        };
        // Records dropped by the transform settle even when no request was needed.
        for s in b.segs.iter().filter(|s| s.kind == SegKind::Dropped) {
            ctx.settle(s.shard, s.from(), s.to(), Outcome::Processed);
        }
        let ev = self.batch_event(&b, outcome, ctx.now);
        ctx.emit(EventKind::Firehose(Box::new(ev)));
    }

    fn batch_event(&self, b: &Batch, outcome: &'static str, now: SimTime) -> FirehoseEvent {
        let d = self.destination();
        let count = |k: SegKind| b.count(|x| x == k);
        let failed = b.count(SegKind::failed);
        let mut ev = self.event("delivery", why::DELIVERED);
        ev.batch = Some(b.id);
        ev.records = Some(b.segs.iter().map(Segment::records).sum::<u64>() + b.expired);
        ev.bytes = Some(
            b.segs
                .iter()
                .filter(|s| s.kind == SegKind::Data || s.kind == SegKind::DeliveryFailed)
                .map(Segment::bytes)
                .sum(),
        );
        ev.buffer_opened_ms = Some(b.opened_at.0 / 1_000);
        ev.flushed_ms = Some(b.flushed_at.0 / 1_000);
        ev.trigger = Some(b.trigger);
        ev.attempts = Some(b.attempts);
        ev.failed_attempts = Some(b.failed_attempts).filter(|n| *n > 0);
        ev.backup_attempts = Some(b.backup_attempts).filter(|n| *n > 0);
        ev.stalled_from_ms = b.first_failure.map(|t| t.0 / 1_000);
        ev.outcome = Some(outcome);
        ev.delivered_records = Some(if b.delivered { b.sent_records } else { 0 });
        let written = failed
            + if self.cfg.backup_all && b.delivered {
                count(SegKind::Data)
            } else {
                0
            };
        ev.backup_records = Some(written).filter(|n| *n > 0 && outcome != "in_progress");
        ev.processing_failed_records = Some(count(SegKind::ProcessingFailed)).filter(|n| *n > 0);
        ev.dropped_records = Some(count(SegKind::Dropped)).filter(|n| *n > 0);
        ev.malformed_records = Some(count(SegKind::Malformed)).filter(|n| *n > 0);
        ev.expired_records = Some(b.expired).filter(|n| *n > 0);
        let kinds = [
            SegKind::DeliveryFailed,
            SegKind::Malformed,
            SegKind::ProcessingFailed,
        ];
        if let Some(k) = kinds.into_iter().find(|k| count(*k) > 0) {
            ev.prefix = Some(failed_prefix(d, k, self.cfg.error_output_prefix.as_deref()));
        }
        ev.duration_ms = Some(now.0.saturating_sub(b.flushed_at.0) / 1_000);
        ev.why = match outcome {
            "to_backup" if d == FirehoseDestination::Redshift => why::REDSHIFT_SKIPPED,
            "to_backup" => why::TO_BACKUP,
            "expired" => why::EXPIRED,
            "in_progress" => why::IN_PROGRESS,
            _ if b.failed_attempts > 0 && d == FirehoseDestination::S3 => why::S3_RETRY,
            _ if count(SegKind::Malformed) > 0 => why::MALFORMED,
            _ if count(SegKind::ProcessingFailed) > 0 => why::TRANSFORM,
            _ => why::DELIVERED,
        };
        ev.assumption = if b.failed_attempts > 0 || b.backup_failed > 0 {
            Some(assumption::RETRY_CADENCE)
        } else if count(SegKind::Malformed) > 0 {
            Some(assumption::MALFORMED)
        } else if failed > 0 || (self.cfg.backup_all && b.delivered) {
            Some(assumption::ERRORS_WITH_BATCH)
        } else {
            None
        };
        ev
    }

    fn outage(&mut self, ctx: &mut ConsumerCtx<'_>, index: usize) {
        let Some(entry) = ctx.timeline().get(index) else {
            return;
        };
        let (what, why, duration) = match &entry.action {
            Action::DestinationOutage { duration, .. } => {
                ("destination_outage", why::DESTINATION_OUTAGE, *duration)
            }
            Action::BackupOutage { duration, .. } => {
                ("backup_outage", why::BACKUP_OUTAGE, *duration)
            }
            _ => return,
        };
        let until = SimTime(ctx.now.0.saturating_add(duration.0));
        if what == "destination_outage" {
            self.destination_down_until = self.destination_down_until.max(until);
        } else {
            self.backup_down_until = self.backup_down_until.max(until);
        }
        let mut ev = self.event(what, why);
        ev.until_ms = Some(until.0 / 1_000);
        ctx.emit(EventKind::Firehose(Box::new(ev)));
    }
}

/// Schedules one of this stream's timers (other than its polls), noting when it is due.
fn timer(timers: &mut Vec<(SimTime, u64)>, ctx: &mut ConsumerCtx<'_>, at: SimTime, token: u64) {
    timers.push((at.max(ctx.now), token));
    ctx.schedule(at, token);
}

/// Writes one of this consumer's metrics.
fn metric(ctx: &mut ConsumerCtx<'_>, name: &'static str, stat: Stat, v: u64) {
    ctx.rec
        .metrics
        .consumer_metric(ctx.now, ctx.index, name, stat, v);
}

impl Consumer for DeliveryStream {
    fn kind(&self) -> &'static str {
        "firehose"
    }

    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.begin(ctx);
    }

    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        match event {
            ConsumerEvent::Timer { token } => {
                if token != POLL {
                    if let Some(i) = self.timers.iter().position(|&e| e == (ctx.now, token)) {
                        self.timers.swap_remove(i);
                    }
                }
                let value = token & VALUE;
                let head = self.batches.front().map(|b| b.id & VALUE);
                match token & !VALUE {
                    POLL => self.poll(ctx),
                    TRANSFORM_FLUSH
                        if value == self.transform_buf.generation & VALUE
                            && !self.transform_buf.is_empty() =>
                    {
                        self.flush_transform(ctx)
                    }
                    DEST_FLUSH
                        if value == self.dest_buf.generation & VALUE
                            && !self.dest_buf.is_empty() =>
                    {
                        self.flush_dest(ctx, "interval")
                    }
                    INVOKE_DONE => self.invocation_done(ctx, value),
                    ATTEMPT_DONE if head == Some(value) => self.attempt_done(ctx),
                    RETRY if head == Some(value) => self.step(ctx),
                    // A flush timer of a buffer already flushed by size.
                    _ => {}
                }
            }
            ConsumerEvent::ShardOpened { shard } if self.begun => {
                self.reads.opened(ctx, shard);
            }
            ConsumerEvent::Timeline { index } => self.outage(ctx, index),
            ConsumerEvent::ShardOpened { .. }
            | ConsumerEvent::ShardClosed { .. }
            | ConsumerEvent::Records(_) => {}
        }
    }

    fn finish(&mut self, ctx: &mut ConsumerCtx<'_>) {
        // What is still on its way when the run ends is shown as such.
        let now = ctx.now;
        let open: Vec<Batch> = self.batches.drain(..).collect();
        for b in &open {
            let ev = self.batch_event(b, "in_progress", now);
            ctx.emit(EventKind::Firehose(Box::new(ev)));
        }
        if !self.dest_buf.is_empty() {
            let (segs, opened) = self.dest_buf.take();
            let b = Batch::new(self.next_batch, segs, opened, now, "end");
            let ev = self.batch_event(&b, "in_progress", now);
            ctx.emit(EventKind::Firehose(Box::new(ev)));
        }
    }

    fn summary_block(&self, s: &mut ConsumerSummary) {
        s.firehose = Some(self.summary.clone());
    }
}
