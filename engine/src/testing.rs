//! A minimal consumer for tests and benchmarks: [`TestPoller`].
//!
//! It is not one of the five AWS consumers. It reads every shard the way AWS
//! recommends a plain GetRecords consumer (KCL-like) should, processes records
//! instantly and checkpoints after each read, so that tests can exercise the
//! stream's read path, resharding lineage and expiry without any consumer
//! logic in the way.

use std::collections::BTreeMap;

use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use crate::lineage::ShardReads;
use crate::scenario::StartingPosition;
use crate::stream::{ReadBatch, ReadError, ShardId, GET_RECORDS_MAX_RECORDS};
use crate::time::{SimDuration, SimTime};

/// The poller's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollerConfig {
    /// Poll each shard this often when caught up. Default 1 s: "we recommend
    /// polling each shard about once per second".
    /// Source: <https://docs.aws.amazon.com/streams/latest/dev/kinesis-low-latency.html>
    pub poll_interval: SimDuration,
    /// Poll again this soon while backlogged. Default 200 ms: polling faster
    /// causes throttling (same source).
    pub busy_interval: SimDuration,
    /// Wait this long after a throttled call. Default 1 s (AWS recommends
    /// waiting 1 s between calls; same source).
    pub throttle_backoff: SimDuration,
    /// GetRecords `Limit`. Default 10,000.
    pub limit: u64,
    /// Read through enhanced fan-out instead of polling.
    pub enhanced_fan_out: bool,
    /// Where to start on the shards that exist at the start.
    pub starting_position: StartingPosition,
    /// When the consumer is created: its scope (`starting_position`) is
    /// evaluated then, as when an event source mapping is created.
    pub start_at: SimTime,
    /// Exists (and has its scope) from `start_at`, but reads nothing before
    /// this time: a stalled or late reader.
    pub paused_until: SimTime,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            poll_interval: SimDuration::from_secs(1),
            busy_interval: SimDuration::from_millis(200),
            throttle_backoff: SimDuration::from_secs(1),
            limit: GET_RECORDS_MAX_RECORDS,
            enhanced_fan_out: false,
            starting_position: StartingPosition::TrimHorizon,
            start_at: SimTime::ZERO,
            paused_until: SimTime::ZERO,
        }
    }
}

/// Timer token of the consumer's creation.
const BEGIN: u64 = u64::MAX;

/// A minimal consumer: polls each shard (or subscribes with enhanced
/// fan-out), processes records instantly, checkpoints after every read, and
/// drains parents before children.
#[derive(Clone, Debug)]
pub struct TestPoller {
    cfg: PollerConfig,
    reads: ShardReads,
    /// Shards with an enhanced fan-out subscription.
    subscribed: BTreeMap<ShardId, bool>,
    /// Created (scope set) yet?
    begun: bool,
    /// Per-consumer phase so that pollers do not all fire at the same instant.
    phase: SimDuration,
}

impl TestPoller {
    /// A poller with `cfg`.
    pub fn new(cfg: PollerConfig) -> TestPoller {
        TestPoller {
            cfg,
            reads: ShardReads::default(),
            subscribed: BTreeMap::new(),
            begun: false,
            phase: SimDuration::ZERO,
        }
    }

    /// A boxed poller with the default settings.
    pub fn boxed() -> Box<TestPoller> {
        Box::new(TestPoller::new(PollerConfig::default()))
    }

    /// A boxed enhanced fan-out reader.
    pub fn boxed_efo() -> Box<TestPoller> {
        Box::new(TestPoller::new(PollerConfig {
            enhanced_fan_out: true,
            ..PollerConfig::default()
        }))
    }

    /// Polls a shard that started being read.
    fn activate(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let at = SimTime(ctx.now().0.max(self.cfg.paused_until.0) + self.phase.0);
        ctx.schedule(at, u64::from(shard.0));
    }

    /// Creation: set the scope and start on the shards without unread parents.
    fn begin(&mut self, ctx: &mut ConsumerCtx<'_>) {
        self.begun = true;
        ctx.start_scope(self.cfg.starting_position);
        self.phase = SimDuration(ctx.rng().below(self.cfg.poll_interval.0.max(1)));
        for shard in self.reads.begin(ctx, self.cfg.starting_position) {
            self.activate(ctx, shard);
        }
    }

    fn finish_shard(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, children: &[ShardId]) {
        for c in self.reads.finished(ctx, shard, children) {
            self.activate(ctx, c);
        }
    }

    fn take(&mut self, ctx: &mut ConsumerCtx<'_>, b: &ReadBatch) {
        if b.records > 0 {
            ctx.deliver(b.shard, b.first_seq, b.next_seq);
            ctx.settle(b.shard, b.first_seq, b.next_seq, Outcome::Processed);
        }
        self.reads.advance(b.shard, b.next_seq);
        if b.shard_end {
            let children = b.children.to_vec();
            self.finish_shard(ctx, b.shard, &children);
        }
    }

    fn poll(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let Some(from) = self.reads.position(shard) else {
            return;
        };
        if self.cfg.enhanced_fan_out {
            if self.subscribed.insert(shard, true).is_none() {
                // Over the 20-consumer limit the shard is simply not read.
                let _ = ctx.subscribe(shard, from);
            }
            return;
        }
        match ctx.get_records(shard, from, self.cfg.limit) {
            Ok(b) => {
                let backlogged = b.millis_behind_latest > 0;
                let end = b.shard_end;
                self.take(ctx, &b);
                if !end {
                    let wait = if backlogged {
                        self.cfg.busy_interval
                    } else {
                        self.cfg.poll_interval
                    };
                    ctx.schedule_in(wait, u64::from(shard.0));
                }
            }
            Err(ReadError::Throttled) => {
                // Jitter (up to 200 ms), as SDK back-offs have, so that
                // readers throttled together do not retry in lock-step.
                let jitter = ctx.rng().below(200_000);
                let wait = SimDuration(self.cfg.throttle_backoff.0 + jitter);
                ctx.schedule_in(wait, u64::from(shard.0));
            }
            Err(ReadError::ResourceNotFound) => {
                let children = ctx
                    .shard(shard)
                    .map(|i| i.children.clone())
                    .unwrap_or_default();
                self.finish_shard(ctx, shard, &children);
            }
        }
    }
}

impl Consumer for TestPoller {
    fn kind(&self) -> &'static str {
        "test_poller"
    }

    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if self.cfg.start_at > ctx.now() {
            ctx.schedule(self.cfg.start_at, BEGIN);
        } else {
            self.begin(ctx);
        }
    }

    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        match event {
            ConsumerEvent::Timer { token: BEGIN } => self.begin(ctx),
            ConsumerEvent::Timer { token } => self.poll(ctx, ShardId(token as u32)),
            ConsumerEvent::Records(b) => self.take(ctx, &b),
            ConsumerEvent::ShardOpened { .. } if !self.begun => {}
            ConsumerEvent::ShardOpened { shard } => {
                if self.reads.opened(ctx, shard) {
                    self.activate(ctx, shard);
                }
            }
            ConsumerEvent::ShardClosed { .. } | ConsumerEvent::Timeline { .. } => {}
        }
    }
}
