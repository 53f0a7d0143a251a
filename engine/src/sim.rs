//! The simulation kernel: one event queue, integer time, the stream, the
//! producers and the consumers, run in slices (`run_until`) so the UI can
//! interleave drawing, and turned into a [`Trace`] by `finish`.
//!
//! ```text
//!   Scenario ──► Simulation::new ──► run_until(t) … run() ──► finish() ──► Trace
//!                    │
//!      queue of (time, seq) ─► Tick ──────► producers write runs (stream)
//!                          ├─► Sweep ─────► retention trim, expiry per consumer
//!                          ├─► Timeline ──► poison, set_rate, reshards, consumer actions
//!                          ├─► Consumer ──► Consumer::on_event(ev, ctx)
//!                          └─► Push ──────► enhanced fan-out delivery (a tick's, per
//!                                           consumer, in one TickPushes event)
//! ```
//!
//! Determinism: time is integer µs; ties in the queue are served the kernel's
//! own events first (timeline, tick, sweep), then each consumer's in consumer
//! order, each group in insertion order ([`crate::queue`]); producers, shards
//! and consumers are always visited in index order;
//! randomness comes from per-entity [`Rng`] streams derived from the seed. No
//! wall clock, no hash-map iteration.

use std::fmt;

use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, KernelEvent, Ledger, Subscription};
use crate::producer::{producer_keys, rate_milli, ProducerState, TICK};
use crate::queue::{EventQueue, Ranked};
use crate::reshard::{Rejection, Reshard};
use crate::rng::Rng;
use crate::scenario::{self, Action, Scenario, StreamMode};
use crate::stream::{ShardId, ShardState, Stream, EFO_PROPAGATION};
use crate::time::{SimDuration, SimTime};
use crate::trace::{
    Cause, ConsumerSummary, EventKind, Recorder, ShardSummary, Stat, StreamSummary, Summary, Trace,
    SUMMARY_FORMAT,
};

/// Why a simulation could not be set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimError {
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SimError {}

/// Builds the consumer for a scenario entry, or `None` if this engine version
/// does not simulate that kind yet.
pub type ConsumerFactory<'f> = &'f dyn Fn(&scenario::Consumer) -> Option<Box<dyn Consumer>>;

/// The consumers this engine version simulates from a scenario: the Lambda
/// event source mapping ([`crate::lambda::LambdaMapping`]), Amazon Data
/// Firehose ([`crate::firehose::DeliveryStream`]), Managed Service for Apache
/// Flink ([`crate::flink::Application`]) and AWS Glue ([`crate::glue::Job`]).
pub fn default_consumers(c: &scenario::Consumer) -> Option<Box<dyn Consumer>> {
    match &c.kind {
        scenario::ConsumerKind::Lambda(l) => Some(crate::lambda::LambdaMapping::boxed(l)),
        scenario::ConsumerKind::Firehose(f) => Some(crate::firehose::DeliveryStream::boxed(f)),
        scenario::ConsumerKind::Flink(f) => Some(crate::flink::Application::boxed(f)),
        scenario::ConsumerKind::Glue(g) => Some(crate::glue::Job::boxed(g)),
        scenario::ConsumerKind::KdaSql(k) => Some(crate::kda_sql::Application::boxed(k)),
    }
}

/// Playground series of a consumer's record counters, cumulative (the summary's fields
/// over time): sampled every sweep, the last value of each metric period kept.
pub const PROCESSED: &str = "Processed";
pub const PENDING: &str = "Pending";
pub const DISCARDED: &str = "Discarded";
pub const EXPIRED_UNPROCESSED: &str = "ExpiredUnprocessed";
pub const REDELIVERIES: &str = "Redeliveries";

/// The interval of retention sweeps.
const SWEEP: SimDuration = SimDuration::from_secs(1);

/// The delay between enhanced fan-out pushes while a subscriber catches up
/// (its 2 MiB/s budget refills in between). Assumption: AWS does not document
/// the cadence of SubscribeToShardEvents; 200 ms keeps catch-up smooth.
const EFO_CATCH_UP: SimDuration = SimDuration::from_millis(200);

struct Slot {
    name: String,
    imp: Box<dyn Consumer>,
    ledger: Ledger,
    rng: Rng,
}

/// A running simulation.
pub struct Simulation {
    scenario: Scenario,
    now: SimTime,
    end: SimTime,
    queue: EventQueue<KernelEvent>,
    stream: Stream,
    producers: Vec<ProducerState>,
    consumers: Vec<Slot>,
    subs: Vec<Subscription>,
    rec: Recorder,
    started: bool,
    events_processed: u64,
    /// The time `run_until` runs to (ticks run without the queue up to it).
    run_limit: SimTime,
    /// Steady producer ticks computed in bulk (see [`Simulation::tick`]).
    bulk_ticks: bool,
    /// When the next sweep runs (the one under way, during a sweep): it reads every
    /// consumer's books, so a consumer computing ahead of the clock stops short of it.
    sweep_at: SimTime,
    /// Subscriptions with pushes held for delivery (see [`Simulation::hold_push`]).
    held_subs: usize,
}

impl Simulation {
    /// Sets up a run of `scenario` with the consumers this engine simulates.
    pub fn new(scenario: &Scenario) -> Result<Simulation, SimError> {
        Simulation::with_consumers(scenario, &default_consumers)
    }

    /// Sets up a run, building each scenario consumer with `factory`.
    pub fn with_consumers(
        scenario: &Scenario,
        factory: ConsumerFactory<'_>,
    ) -> Result<Simulation, SimError> {
        if scenario.duration.0 == 0 {
            return Err(SimError {
                message: "duration must be more than 0".into(),
            });
        }
        let end = scenario.duration.after_start();
        let on_demand = scenario.stream.mode == StreamMode::OnDemand;
        let shard_count = scenario
            .stream
            .shard_count
            .clamp(1, scenario::limits::MAX_SHARDS);
        let stream = Stream::create(
            shard_count,
            scenario.stream.retention(),
            on_demand,
            producer_keys(&scenario.producers),
            scenario::limits::MAX_SHARDS,
            Rng::derive(scenario.seed, "partition-keys").next_u64(),
        );
        let mut producers: Vec<ProducerState> =
            scenario.producers.iter().map(ProducerState::new).collect();
        let mut stream = stream;
        stream.reroute(&mut producers);
        let mut sim = Simulation {
            scenario: scenario.clone(),
            now: SimTime::ZERO,
            end,
            queue: EventQueue::new(),
            stream,
            producers,
            consumers: Vec::new(),
            subs: Vec::new(),
            rec: Recorder::new(scenario.duration),
            started: false,
            events_processed: 0,
            run_limit: SimTime::ZERO,
            bulk_ticks: true,
            sweep_at: SimTime(SWEEP.0.min(end.0)),
            held_subs: 0,
        };
        for id in sim.stream.open_shards() {
            sim.shard_opened_event(id, Cause::Setup);
        }
        sim.rec
            .metrics
            .open_shards(SimTime::ZERO, sim.stream.open_shard_count());
        for c in &scenario.consumers {
            match factory(c) {
                Some(imp) => sim.add_consumer(&c.name, imp)?,
                None => sim.rec.event(
                    SimTime::ZERO,
                    Cause::Setup,
                    EventKind::ConsumerNotSimulated {
                        consumer: c.name.clone(),
                        kind: c.kind.as_str(),
                    },
                ),
            }
        }
        sim.queue
            .push(SimTime(TICK.0.min(end.0)), KernelEvent::Tick);
        sim.queue.push(sim.sweep_at, KernelEvent::Sweep);
        for (i, e) in scenario.timeline.iter().enumerate() {
            if e.at <= end {
                sim.queue.push(e.at, KernelEvent::Timeline(i));
            }
        }
        Ok(sim)
    }

    /// Adds a consumer (before the run starts). Its random stream is derived
    /// from the seed and its name.
    pub fn add_consumer(&mut self, name: &str, imp: Box<dyn Consumer>) -> Result<(), SimError> {
        if self.started {
            return Err(SimError {
                message: format!("consumer {name:?} added after the run started"),
            });
        }
        if self.consumers.iter().any(|c| c.name == name) {
            return Err(SimError {
                message: format!("two consumers are named {name:?}"),
            });
        }
        self.consumers.push(Slot {
            name: name.to_string(),
            imp,
            ledger: Ledger::default(),
            rng: Rng::derive(self.scenario.seed, &format!("consumer/{name}")),
        });
        Ok(())
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Gives each consumer its own read limits on every shard, as if it were alone with
    /// the stream (the compare view: one run instead of one per consumer, with the same
    /// result for each; `compare.rs`).
    pub fn isolate_reads(&mut self) {
        self.stream.isolated_reads = true;
    }

    /// When the run ends.
    pub fn end(&self) -> SimTime {
        self.end
    }

    /// The stream (read-only).
    pub fn stream(&self) -> &Stream {
        &self.stream
    }

    /// A consumer's ledger, by name.
    pub fn ledger(&self, consumer: &str) -> Option<&Ledger> {
        self.consumers
            .iter()
            .find(|c| c.name == consumer)
            .map(|c| &c.ledger)
    }

    /// Stream-wide counters so far.
    pub fn recorder(&self) -> &Recorder {
        &self.rec
    }

    /// Kernel events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// True once every event up to the end has been handled.
    pub fn is_done(&self) -> bool {
        self.queue.peek_time().is_none_or(|t| t > self.end)
    }

    fn ensure_started(&mut self) {
        if self.started {
            return;
        }
        self.started = true;
        for c in 0..self.consumers.len() {
            self.with_ctx_once(c, &mut |imp, ctx| imp.start(ctx));
        }
    }

    /// Runs every event up to and including time `t` (capped at the end).
    /// Returns true when the run is complete.
    pub fn run_until(&mut self, t: SimTime) -> bool {
        self.ensure_started();
        let limit = t.min(self.end);
        self.run_limit = limit;
        while let Some(at) = self.queue.peek_time() {
            if at > limit {
                break;
            }
            let Some((at, ev)) = self.queue.pop() else {
                break;
            };
            self.now = at;
            self.events_processed += 1;
            self.dispatch(ev);
        }
        if self.now < limit {
            self.now = limit;
        }
        self.is_done()
    }

    /// Runs to the end.
    pub fn run(&mut self) {
        self.run_until(self.end);
    }

    /// Calls `f` with consumer `c` and its context, for the calls that are not on every
    /// event: one copy of [`Self::with_ctx`] for them all in the bundle.
    fn with_ctx_once(
        &mut self,
        c: usize,
        f: &mut dyn FnMut(&mut dyn Consumer, &mut ConsumerCtx<'_>),
    ) {
        self.with_ctx(c, f)
    }

    /// Calls `f` with consumer `c` and its context.
    fn with_ctx<R>(
        &mut self,
        c: usize,
        f: impl FnOnce(&mut dyn Consumer, &mut ConsumerCtx<'_>) -> R,
    ) -> R {
        let consumers = self.consumers.len();
        // A slice's index, not the `Vec`'s (a call at opt-level "z"): every consumer event.
        let slot = &mut self.consumers.as_mut_slice()[c];
        let mut ctx = ConsumerCtx {
            now: self.now,
            index: c,
            name: &slot.name,
            stream: &mut self.stream,
            queue: &mut self.queue,
            ledger: &mut slot.ledger,
            rng: &mut slot.rng,
            rec: &mut self.rec,
            subs: &mut self.subs,
            timeline: &self.scenario.timeline,
            end: self.end,
            next_sweep: self.sweep_at,
            consumers,
        };
        f(slot.imp.as_mut(), &mut ctx)
    }

    fn dispatch(&mut self, ev: KernelEvent) {
        // Held pushes reach the consumer before anything it does with their shard: the
        // event that ends their hold (the lane's window), a push of the shard (`push`), a
        // timeline action (which also ends every hold).
        match ev {
            KernelEvent::Timeline(_) => self.deliver_held(Pick::All),
            KernelEvent::Consumer(c, _) if self.held_subs > 0 => {
                self.deliver_held(Pick::HoldsEnded(c, self.now))
            }
            _ => {}
        }
        match ev {
            KernelEvent::Tick => self.tick(),
            KernelEvent::Sweep => self.sweep(),
            KernelEvent::Timeline(i) => self.timeline(i),
            KernelEvent::Consumer(c, e) => self.with_ctx(c, |imp, ctx| imp.on_event(e, ctx)),
            KernelEvent::Push(_, i) => self.push(i),
            KernelEvent::TickPushes(c) => {
                let now = self.now;
                let mut i = 0;
                while i < self.subs.len() {
                    let s = &mut self.subs.as_mut_slice()[i];
                    if s.consumer == c && s.tick_push_at == Some(now) {
                        s.tick_push_at = None;
                        self.push(i);
                    }
                    i += 1;
                }
            }
        }
    }

    /// The producers' tick, then the next ones that nothing else comes
    /// before: a tick is most of a long run's events, and running them here
    /// instead of through the queue changes nothing — the next tick runs
    /// inline only when the queue's earliest event is later, or at the same
    /// instant but a consumer's (consumers come after the kernel). A kernel
    /// event at that instant (a sweep or timeline entry, scheduled earlier)
    /// comes first, so the tick is queued behind it, as it always was.
    ///
    /// When the stream is steady ([`Stream::steady`]: nothing throttled or waiting for a
    /// retry, no enhanced fan-out push to schedule), these inline ticks are computed
    /// together, in one step whose cost grows with the runs and periods they make, not
    /// with their number (`Stream::steady_ticks`); a property test compares runs with it
    /// on and off (`Simulation::tick_by_tick`).
    fn tick(&mut self) {
        loop {
            // This tick and those after it that nothing in the queue comes before.
            let ticks = 1 + self.inline_ticks(SimTime(self.now.0 + TICK.0));
            let pushes_due = self.subs.iter().any(|s| s.active && !s.push_scheduled);
            if ticks > 1
                && self.bulk_ticks
                && !pushes_due
                && self.stream.steady(self.now, &mut self.producers)
            {
                self.stream
                    .steady_ticks(self.now, ticks, &mut self.producers, &mut self.rec);
                self.now = SimTime(self.now.0 + (ticks - 1) * TICK.0);
            } else if let Some((at, c)) = self.tick_once() {
                // The tick's pushes, which nothing in the queue precedes: at once.
                let tick_at = self.now;
                self.now = at;
                self.events_processed += 1;
                self.dispatch(KernelEvent::TickPushes(c));
                self.now = tick_at;
            }
            let next = SimTime(self.now.0 + TICK.0);
            if next > self.end {
                return;
            }
            if self.inline_ticks(next) == 0 {
                self.queue.push(next, KernelEvent::Tick);
                return;
            }
            self.now = next;
            self.events_processed += 1;
        }
    }

    /// How many ticks from `next` on, one every [`TICK`], can run now, before the
    /// queue's next event (see [`Simulation::tick`]) and within this slice of the run.
    fn inline_ticks(&self, next: SimTime) -> u64 {
        let mut last = self.run_limit.min(self.end).0;
        if let Some((at, rank)) = self.queue.peek_key() {
            // A consumer's event at a tick's instant comes after it; the kernel's before.
            last = last.min(if rank > 0 {
                at.0
            } else {
                at.0.saturating_sub(1)
            });
        }
        if last < next.0 {
            return 0;
        }
        (last - next.0) / TICK.0 + 1
    }

    /// Computes every producer tick on its own, as the reference for the bulk ticks of
    /// steady stretches (tests compare the two).
    pub fn tick_by_tick(&mut self) {
        self.bulk_ticks = false;
    }

    /// Tracks every consumer's per-key order from its first processed record on, as
    /// the reference for the tracking started and stopped on demand (tests compare
    /// the two; [`crate::consumer::Ledger`]'s `settle`).
    pub fn track_keys_always(&mut self) {
        for c in &mut self.consumers {
            c.ledger.always_track_keys = true;
        }
    }

    /// One producer tick, and its enhanced fan-out pushes queued (one event for each
    /// consumer's). Returns, instead of queueing it, the one consumer's pushes when they
    /// are the only ones and nothing in the queue comes before them (the queue would
    /// serve them next): the caller runs them at once, which changes nothing but the
    /// queue's work (with bulk ticks on: `Simulation::tick_by_tick`, the reference,
    /// queues them).
    fn tick_once(&mut self) -> Option<(SimTime, usize)> {
        let now = self.now;
        self.stream
            .producer_tick(now, &mut self.producers, &mut self.rec);
        if self.stream.on_demand {
            for shard in self.stream.hot_shards() {
                // On-demand: split a hot shard at its midpoint.
                if let Ok(r) = self.stream.split_shard(shard, None, now, true) {
                    self.after_reshard(r, "OnDemandSplit", Cause::OnDemandScaling);
                }
            }
        }
        // Enhanced fan-out: new records reach subscribers ~70 ms later (one event for
        // each consumer's pushes of this tick).
        let at = SimTime(now.0 + EFO_PROPAGATION.0);
        // The first consumer with pushes, not queued yet: nothing else is queued until
        // the loop ends, so queueing it when a second one comes keeps the order.
        let mut lone: Option<usize> = None;
        let mut queued_any = false;
        for i in 0..self.subs.len() {
            let s = &self.subs.as_slice()[i];
            if s.active && !s.push_scheduled && s.next_seq < self.stream.end_seq(s.shard) {
                if self.hold_push(i, at) {
                    continue;
                }
                let s = &self.subs.as_slice()[i];
                let c = s.consumer;
                let queued = self.subs.as_slice()[..i]
                    .iter()
                    .any(|o| o.consumer == c && o.tick_push_at == Some(at));
                let s = &mut self.subs.as_mut_slice()[i];
                s.push_scheduled = true;
                s.tick_push_at = Some(at);
                if !queued {
                    if lone.is_none() && !queued_any {
                        lone = Some(c);
                    } else {
                        if let Some(first) = lone.take() {
                            self.queue.push(at, KernelEvent::TickPushes(first));
                        }
                        self.queue.push(at, KernelEvent::TickPushes(c));
                        queued_any = true;
                    }
                }
            }
        }
        let c = lone?;
        let rank = KernelEvent::TickPushes(c).rank();
        let first = self
            .queue
            .peek_key()
            .is_none_or(|(t, r)| t > at || (t == at && r > rank));
        if self.bulk_ticks && first && at <= self.run_limit.min(self.end) {
            return Some((at, c));
        }
        self.queue.push(at, KernelEvent::TickPushes(c));
        None
    }

    fn sweep(&mut self) {
        // Only a consumer that reads behind the clock computes work late.
        if self.stream.watching_tips() {
            for c in 0..self.consumers.len() {
                self.with_ctx_once(c, &mut |imp, ctx| imp.catch_up(ctx));
            }
        }
        let now = self.now;
        // Nothing is trimmed before the retention period has passed: most runs never trim,
        // and their sweeps skip the lists (each a chain of calls at opt-level "z").
        if now.0 >= self.stream.retention().0 {
            let (moved, expired) = self.stream.trim(now);
            for (shard, _old, new) in moved {
                for c in &mut self.consumers {
                    c.ledger.expire(shard, new, now);
                }
            }
            for shard in expired {
                self.rec
                    .event(now, Cause::Retention, EventKind::ShardExpired { shard });
            }
        }
        // Close expiry episodes that did not grow in this sweep.
        for c in &mut self.consumers {
            for (i, l) in c.ledger.shards.iter_mut().enumerate() {
                if let Some((first, last, n)) = l.expiry_episode {
                    if last < now {
                        l.expiry_episode = None;
                        self.rec.event(
                            first,
                            Cause::Retention,
                            EventKind::RecordsExpired {
                                consumer: c.name.clone(),
                                shard: ShardId(i as u32),
                                until: last,
                                records: n,
                            },
                        );
                    }
                }
            }
        }
        // The record counters over time, for the playhead (cumulative, last value per period):
        // written by the period's last sweep, whose values are the ones kept, and by the
        // first sweep (which gives the series their place in the trace's order).
        let next = SimTime(now.0 + SWEEP.0);
        let metrics = &self.rec.metrics;
        let write = now.0 <= SWEEP.0
            || next > self.end
            || metrics.period_of(next) != metrics.period_of(now);
        if write {
            for (ci, c) in self.consumers.iter_mut().enumerate() {
                c.ledger.catch_up(now);
                let p = c.ledger.progress(&self.stream);
                for (metric, v) in [
                    (PROCESSED, p.processed),
                    (PENDING, p.pending),
                    (DISCARDED, p.discarded),
                    (EXPIRED_UNPROCESSED, p.expired_unprocessed),
                    (REDELIVERIES, p.redeliveries),
                ] {
                    self.rec
                        .metrics
                        .consumer_metric(now, ci, metric, Stat::Last, v);
                }
            }
        }
        self.sweep_at = SimTime(u64::MAX);
        if let Some(at) = self.next_sweep() {
            self.sweep_at = at;
            self.queue.push(at, KernelEvent::Sweep);
        }
    }

    /// The next whole second at which a sweep has something to do: close an expiry
    /// episode, trim a shard, or write the counters at the end of a metric period (or
    /// of the run). The seconds in between would change nothing, so they are skipped:
    /// a long run without expiry sweeps about once per period instead of every second.
    /// Nothing between now and then can make a trim due sooner: records written later
    /// are `retention` (at least 24 hours) from trimming, longer than any period.
    fn next_sweep(&self) -> Option<SimTime> {
        let mut next = SimTime(self.now.0 + SWEEP.0);
        if next > self.end {
            return None;
        }
        let metrics = &self.rec.metrics;
        // The end of a period first: with one-second periods (runs up to 10,000 s) every
        // second is one, and the rest need not be looked at.
        let period_ends =
            |t: SimTime| t.0 + SWEEP.0 > self.end.0 || metrics.period_end(t).0 < t.0 + SWEEP.0;
        if period_ends(next) {
            return Some(next);
        }
        let expiring = self
            .consumers
            .iter()
            .any(|c| c.ledger.shards.iter().any(|l| l.expiry_episode.is_some()));
        let trim = self.stream.next_trim().unwrap_or(SimTime(u64::MAX));
        loop {
            if expiring || trim <= next || period_ends(next) {
                return Some(next);
            }
            next = SimTime(next.0 + SWEEP.0);
        }
    }

    fn shard_opened_event(&mut self, id: ShardId, cause: Cause) {
        let Some(info) = self.stream.shard(id) else {
            return;
        };
        let kind = EventKind::ShardOpened {
            shard: id,
            starting_hash_key: info.starting_hash_key.to_string(),
            ending_hash_key: info.ending_hash_key.to_string(),
            parent: info.parent,
            adjacent_parent: info.adjacent_parent,
        };
        self.rec.event(self.now, cause, kind);
    }

    /// The outcome of a resharding action of the timeline: the reshard and ActionApplied,
    /// or ActionRejected with the AWS error.
    fn reshard_action(
        &mut self,
        result: Result<Reshard, Rejection>,
        operation: &'static str,
        index: usize,
        name: &'static str,
    ) {
        let (now, cause) = (self.now, Cause::Timeline { index });
        match result {
            Ok(r) => {
                self.after_reshard(r, operation, cause.clone());
                self.rec
                    .event(now, cause, EventKind::ActionApplied { action: name });
            }
            Err(r) => self.rec.event(
                now,
                cause,
                EventKind::ActionRejected {
                    action: name,
                    error: r.error,
                    reason: r.reason,
                },
            ),
        }
    }

    fn after_reshard(&mut self, r: Reshard, operation: &'static str, cause: Cause) {
        let now = self.now;
        for &id in &r.opened {
            self.shard_opened_event(id, cause.clone());
            for c in &mut self.consumers {
                c.ledger.shard_created(id);
            }
        }
        for &id in &r.closed {
            let children = self.stream.shard(id).map(|i| i.children.clone());
            self.rec.event(
                now,
                cause.clone(),
                EventKind::ShardClosed {
                    shard: id,
                    children: children.unwrap_or_default(),
                },
            );
        }
        let open = self.stream.open_shard_count();
        self.rec.event(
            now,
            cause,
            EventKind::Reshard {
                operation,
                closed: r.closed.clone(),
                opened: r.opened.clone(),
                open_shards: open,
            },
        );
        self.rec.metrics.open_shards(now, open);
        self.stream.reroute(&mut self.producers);
        for c in 0..self.consumers.len() {
            for &id in &r.opened {
                self.queue.push(
                    now,
                    KernelEvent::Consumer(c, ConsumerEvent::ShardOpened { shard: id }),
                );
            }
            for &id in &r.closed {
                self.queue.push(
                    now,
                    KernelEvent::Consumer(c, ConsumerEvent::ShardClosed { shard: id }),
                );
            }
        }
    }

    fn timeline(&mut self, index: usize) {
        let now = self.now;
        let action = self.scenario.timeline[index].action.clone();
        let name = action.name();
        let cause = Cause::Timeline { index };
        let rejected = |rec: &mut Recorder, r: Rejection| {
            rec.event(
                now,
                Cause::Timeline { index },
                EventKind::ActionRejected {
                    action: name,
                    error: r.error,
                    reason: r.reason,
                },
            );
        };
        let shard_id = |n: scenario::ShardNumber| ShardId(u32::try_from(n.0).unwrap_or(u32::MAX));
        match action {
            Action::Poison {
                partition_key,
                count,
            } => {
                if let Some((shard, seq)) =
                    self.stream
                        .write_poison(now, &partition_key, count, &mut self.rec)
                {
                    self.rec.event(
                        now,
                        cause.clone(),
                        EventKind::PoisonWritten {
                            shard,
                            sequence_number: seq.to_string(),
                            partition_key,
                            count,
                        },
                    );
                    self.rec
                        .event(now, cause, EventKind::ActionApplied { action: name });
                }
            }
            Action::SetRate {
                producer,
                records_per_second,
            } => match self.producers.iter_mut().find(|p| p.name == producer) {
                Some(p) => {
                    p.rate_milli = rate_milli(records_per_second);
                    self.rec
                        .event(now, cause, EventKind::ActionApplied { action: name });
                }
                None => rejected(
                    &mut self.rec,
                    Rejection {
                        error: "ResourceNotFoundException",
                        reason: format!("no producer named {producer:?}"),
                    },
                ),
            },
            Action::UpdateShardCount { target_shard_count } => {
                let r = self.stream.update_shard_count(target_shard_count, now);
                self.reshard_action(r, "UpdateShardCount", index, name);
            }
            Action::SplitShard {
                shard_to_split,
                new_starting_hash_key,
            } => {
                let r = self.stream.split_shard(
                    shard_id(shard_to_split),
                    new_starting_hash_key,
                    now,
                    false,
                );
                self.reshard_action(r, "SplitShard", index, name);
            }
            Action::MergeShards {
                shard_to_merge,
                adjacent_shard_to_merge,
            } => {
                let r = self.stream.merge_shards(
                    shard_id(shard_to_merge),
                    shard_id(adjacent_shard_to_merge),
                    now,
                );
                self.reshard_action(r, "MergeShards", index, name);
            }
            Action::Deploy { consumer, .. }
            | Action::SetMapping { consumer, .. }
            | Action::RecreateMapping { consumer, .. }
            | Action::DestinationOutage { consumer, .. }
            | Action::BackupOutage { consumer, .. }
            | Action::Flink { consumer, .. }
            | Action::Glue { consumer, .. }
            | Action::KdaSql { consumer, .. } => {
                if let Some(c) = self.consumers.iter().position(|s| s.name == consumer) {
                    self.dispatch(KernelEvent::Consumer(c, ConsumerEvent::Timeline { index }));
                }
            }
        }
    }

    /// Hands the held pushes of the subscriptions `pick` chooses to their consumers, each
    /// subscription's in one delivery at the time of its last push, and ends their holds
    /// (a consumer that still has nothing to do with a shard's pushes says so again).
    fn deliver_held(&mut self, pick: Pick) {
        let subs = match pick {
            Pick::Sub(j) => j..j + 1,
            _ => 0..self.subs.len(),
        };
        for i in subs {
            // A slice's index, not the `Vec`'s: at opt-level "z" that is a call, and this
            // runs for every subscription on each event of a consumer that holds pushes.
            let Some(s) = self.subs.as_mut_slice().get_mut(i) else {
                return;
            };
            let picked = match pick {
                Pick::All | Pick::Sub(_) => true,
                Pick::HoldsEnded(c, now) => {
                    s.consumer == c && s.hold.is_none_or(|h| h.until <= now)
                }
            };
            if !picked {
                continue;
            }
            s.hold = None;
            let Some((at, batch)) = s.held.take() else {
                continue;
            };
            self.held_subs -= 1;
            let c = s.consumer;
            self.with_ctx(c, |imp, ctx| {
                ctx.now = at;
                imp.on_event(ConsumerEvent::Records(batch), ctx)
            });
        }
    }

    /// Computes subscription `i`'s push due at `at` now, at its producer tick, and holds
    /// it for the consumer's next delivery, if the consumer's [`Hold`] covers it: due
    /// before the hold ends, within its byte budget, to the tip, and within the hold's
    /// records and bytes with those held before. Returns false, having changed nothing,
    /// otherwise (the push is then queued as ever).
    ///
    /// [`Hold`]: crate::consumer::Hold
    fn hold_push(&mut self, i: usize, at: SimTime) -> bool {
        let s = &self.subs.as_slice()[i];
        let Some(hold) = s.hold else {
            return false;
        };
        let open = self
            .stream
            .shard(s.shard)
            .is_some_and(|i| i.state == ShardState::Open);
        if at >= hold.until || at > self.end || !open {
            self.subs.as_mut_slice()[i].hold = None;
            return false;
        }
        // As `push` would find it at `at` (nothing is written in between).
        let tokens = s.tokens_at(at);
        if tokens == 0 {
            // `push` would wait for the budget (a catch-up push).
            return false;
        }
        let (shard, c, from) = (s.shard, s.consumer, s.next_seq);
        let runs = self.stream.spare_reads.pop().unwrap_or_default();
        let batch = self
            .stream
            .slice_records(shard, from, u64::MAX, tokens, at, runs);
        let (records, bytes) = match &s.held {
            Some((_, h)) => (h.records + batch.records, h.bytes + batch.bytes),
            None => (batch.records, batch.bytes),
        };
        if batch.next_seq < self.stream.end_seq(shard)
            || batch.shard_end
            || records >= hold.records
            || bytes >= hold.bytes
        {
            self.stream.recycle_read(batch);
            return false;
        }
        self.with_ctx(c, |_, ctx| {
            ctx.now = at;
            ctx.note_push(&batch);
        });
        let s = &mut self.subs.as_mut_slice()[i];
        s.tokens = tokens.saturating_sub(batch.bytes);
        s.refilled_at = at;
        s.next_seq = batch.next_seq;
        match &mut s.held {
            Some((t, h)) => {
                *t = at;
                h.runs.extend_from_slice(&batch.runs);
                h.records = records;
                h.bytes = bytes;
                h.next_seq = batch.next_seq;
                self.stream.recycle_read(batch);
            }
            None => {
                s.held = Some((at, self.stream.boxed_push(batch)));
                self.held_subs += 1;
            }
        }
        true
    }

    fn push(&mut self, i: usize) {
        if self.subs.as_slice()[i].hold.is_some() || self.subs.as_slice()[i].held.is_some() {
            self.deliver_held(Pick::Sub(i));
            // Whatever the delivery's poll said, this push may end the lane's wait: a
            // poll after it says again if the lane still waits.
            self.subs.as_mut_slice()[i].hold = None;
        }
        let now = self.now;
        let (c, batch) = {
            let s = &mut self.subs.as_mut_slice()[i];
            s.push_scheduled = false;
            if !s.active || s.ended {
                return;
            }
            s.tokens = s.tokens_at(now);
            s.refilled_at = now;
            let end = self.stream.end_seq(s.shard);
            let closed = self
                .stream
                .shard(s.shard)
                .is_none_or(|i| i.state != ShardState::Open);
            if s.next_seq >= end && !closed {
                return;
            }
            if s.tokens == 0 {
                s.push_scheduled = true;
                self.queue.push(
                    SimTime(now.0 + EFO_CATCH_UP.0),
                    KernelEvent::Push(s.consumer, i),
                );
                return;
            }
            let runs = self.stream.spare_reads.pop().unwrap_or_default();
            let batch =
                self.stream
                    .slice_records(s.shard, s.next_seq, u64::MAX, s.tokens, now, runs);
            s.tokens = s.tokens.saturating_sub(batch.bytes);
            s.next_seq = batch.next_seq;
            if batch.shard_end {
                s.ended = true;
            } else if s.next_seq < end {
                s.push_scheduled = true;
                self.queue.push(
                    SimTime(now.0 + EFO_CATCH_UP.0),
                    KernelEvent::Push(s.consumer, i),
                );
            }
            (s.consumer, batch)
        };
        self.with_ctx(c, |imp, ctx| {
            ctx.note_push(&batch);
            let push = ctx.stream.boxed_push(batch);
            imp.on_event(ConsumerEvent::Records(push), ctx)
        });
    }

    /// Runs to the end and returns the trace.
    pub fn finish(mut self) -> Trace {
        self.run();
        if self.held_subs > 0 {
            self.deliver_held(Pick::All);
        }
        let end = self.end;
        for c in 0..self.consumers.len() {
            self.with_ctx_once(c, &mut |imp, ctx| imp.finish(ctx));
        }
        self.stream.close_write_episodes(&mut self.rec);
        for (ci, c) in self.consumers.iter_mut().enumerate() {
            c.ledger.catch_up(SimTime(u64::MAX));
            c.ledger.flush_age_books(ci, &mut self.rec.metrics);
            for (i, l) in c.ledger.shards.iter_mut().enumerate() {
                let shard = ShardId(i as u32);
                if let Some((first, last, n)) = l.expiry_episode.take() {
                    self.rec.event(
                        first,
                        Cause::Retention,
                        EventKind::RecordsExpired {
                            consumer: c.name.clone(),
                            shard,
                            until: last,
                            records: n,
                        },
                    );
                }
                if let Some((first, last, n)) = l.read_throttle_episode.take() {
                    self.rec.event(
                        first,
                        Cause::ReadLimit,
                        EventKind::ReadThrottled {
                            consumer: c.name.clone(),
                            shard,
                            until: last,
                            calls: n,
                        },
                    );
                }
            }
        }
        let summary = self.summary();
        let names: Vec<String> = self.consumers.iter().map(|c| c.name.clone()).collect();
        self.rec.metrics.flush_ticks();
        let series = self.rec.metrics.series(&names);
        let events = std::mem::take(&mut self.rec.events);
        let events = sort_events(events, &names);
        let shards: Vec<_> = self.stream.shard_infos().cloned().collect();
        let cost = crate::cost::estimate(&crate::cost::Run {
            scenario: &self.scenario,
            end,
            shards: &shards,
            totals: &self.rec.totals,
            consumers: self
                .consumers
                .iter()
                .filter_map(|c| {
                    let s = summary.consumers.get(&c.name)?;
                    Some((c.name.as_str(), s, &c.ledger.stats.usage))
                })
                .collect(),
        });
        let mut summary = summary;
        summary.cost = Some(cost);
        Trace {
            title: self.scenario.title.clone(),
            seed: self.scenario.seed,
            duration_us: end.0,
            events,
            series,
            shards,
            summary,
        }
    }

    /// The summary, once the run is over and every book is written (see [`Self::finish`]).
    fn summary(&self) -> Summary {
        let t = &self.rec.totals;
        let stream = StreamSummary {
            incoming_records: t.incoming_records,
            write_throttled_records: t.write_throttled_records,
            read_throttled_calls: t.read_throttled_calls,
            open_shards_at_end: self.stream.open_shard_count(),
            shards_total: self.stream.shard_infos().count() as u32,
        };
        let consumers = self
            .consumers
            .iter()
            .map(|c| {
                let mut s = consumer_summary(c, &self.stream);
                c.imp.summary_block(&mut s);
                (c.name.clone(), s)
            })
            .collect();
        Summary {
            format: SUMMARY_FORMAT,
            stream,
            consumers,
            cost: None,
        }
    }
}

/// Which subscriptions' held pushes [`Simulation::deliver_held`] hands over.
#[derive(Clone, Copy)]
enum Pick {
    /// Every subscription's (a timeline action, the end of the run).
    All,
    /// Consumer `c`'s whose hold has ended by the instant given, or that has none (an
    /// event of the consumer).
    HoldsEnded(usize, SimTime),
    /// Subscription `i`'s (its next push).
    Sub(usize),
}

/// The events in [`crate::trace::TraceEvent::order_key`] order (a stable sort), as one
/// `u128` key each: the time, then the events of a consumer about a shard after the
/// others, by shard and by the consumer's name.
fn sort_events(
    events: Vec<crate::trace::TraceEvent>,
    names: &[String],
) -> Vec<crate::trace::TraceEvent> {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let ranks = crate::order::ranks(&names);
    crate::order::sorted_by_key(events, |e| {
        let (at, tie) = e.order_key();
        let low = tie.map_or(0, |(shard, consumer)| {
            let rank = crate::order::rank_of(&ranks, consumer);
            (1 << 63) | (u128::from(shard.0) << 16) | rank
        });
        (u128::from(at.0) << 64) | low
    })
}

fn consumer_summary(c: &Slot, stream: &Stream) -> ConsumerSummary {
    let l = &c.ledger;
    let mut s = ConsumerSummary {
        kind: c.imp.kind().to_string(),
        deliveries: l.deliveries,
        redeliveries: l.redeliveries,
        on_failure_messages: l.stats.on_failure_messages,
        invocations: l.stats.invocations,
        failed_invocations: l.stats.failed_invocations,
        bisections: l.stats.bisections,
        throttled_invocations: l.stats.throttled_invocations,
        max_concurrency: l.stats.max_concurrency,
        max_iterator_age_ms: l.max_age_ms,
        ordering_violations: l.ordering_violations,
        ..ConsumerSummary::default()
    };
    for (i, sl) in l.shards.iter().enumerate() {
        let id = ShardId(i as u32);
        let Some(scope) = sl.scope else { continue };
        let end = stream.end_seq(id);
        s.records_in_scope += end.saturating_sub(scope);
        s.processed += sl.n_processed;
        s.discarded += sl.n_discarded;
        s.expired_unprocessed += sl.n_expired;
        s.pending_at_end += sl.unsettled(end);
        s.shards.insert(
            id.to_string(),
            ShardSummary {
                max_iterator_age_ms: sl.max_age_ms,
                processed: sl.n_processed,
            },
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::*;

    /// Reads shard 0 through enhanced fan-out and logs each delivery (ms, records). After a
    /// delivery that leaves it short of 35 records it holds the shard's pushes (room for 25
    /// records, until 1 hour: past the run's end); one that brings it to 35 starts "work"
    /// (the count starts again) and holds nothing.
    struct HoldProbe {
        log: Rc<RefCell<Vec<(u64, u64)>>>,
        total: u64,
    }

    impl Consumer for HoldProbe {
        fn kind(&self) -> &'static str {
            "probe"
        }

        fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
            ctx.subscribe(ShardId(0), 0).expect("subscribed");
        }

        fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
            if let ConsumerEvent::Records(b) = event {
                self.log.borrow_mut().push((ctx.now.0 / 1_000, b.records));
                self.total += b.records;
                if self.total < 35 {
                    ctx.hold_pushes(ShardId(0), SimTime(3_600_000_000), 25, u64::MAX);
                } else {
                    self.total = 0;
                }
            }
        }
    }

    /// 100 records a second on one shard: 10 a producer tick (0.1 s, 0.2 s, …), each pushed
    /// 70 ms later. The push at 170 ms leaves the probe at 10, and it holds (room 25): the
    /// pushes due at 270 and 370 ms are held (20 records); the one due at 470 ms would make
    /// 30, so it is delivered as ever, after the held 20 (handed over at 370 ms: the probe
    /// is at 30 and holds again) and brings the probe to 40 ("work"; no hold asked). That
    /// push ends the hold: the next, at 570 ms, is delivered as ever too, and the cycle
    /// starts again (770 ms: 20 held, 870 ms, 970 ms). Held past its end, the push at 570 ms
    /// would have gone with the one at 670 ms. The tick at 3.0 s is pushed after the run's
    /// end, so 29 ticks' 290 records arrive.
    #[test]
    fn a_push_delivered_as_ever_ends_the_hold() {
        let s = crate::scenario::parse(
            r#"{"format": "shardscope/1", "seed": 1, "duration": "3s",
                "stream": {"ShardCount": 1},
                "producers": [{"name": "p", "records_per_second": 100, "record_bytes": 100}],
                "consumers": [{"kind": "lambda", "name": "probe",
                               "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON"}}]}"#,
        )
        .expect("scenario");
        let log = Rc::new(RefCell::new(Vec::new()));
        let l = log.clone();
        let factory = move |_: &scenario::Consumer| -> Option<Box<dyn Consumer>> {
            Some(Box::new(HoldProbe {
                log: l.clone(),
                total: 0,
            }))
        };
        let mut sim = Simulation::with_consumers(&s, &factory).expect("simulation");
        sim.run();
        drop(sim.finish());
        let log = log.borrow();
        assert_eq!(
            log[..7],
            [
                (170, 10),
                (370, 20),
                (470, 10),
                (570, 10),
                (770, 20),
                (870, 10),
                (970, 10)
            ]
        );
        assert_eq!(log.iter().map(|d| d.1).sum::<u64>(), 290);
    }
}
