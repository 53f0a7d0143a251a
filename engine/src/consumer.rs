//! The consumer trait, the context the kernel lends a consumer, and the
//! per-consumer ledger.
//!
//! # One trait for all five AWS consumers
//!
//! A consumer is a state machine driven by [`Consumer::on_event`] (sans-IO, in
//! the style of quinn-proto: the kernel passes in time and events, the
//! consumer acts through its [`ConsumerCtx`]). Everything the five consumers
//! do maps onto a handful of calls:
//!
//! | need | how |
//! |---|---|
//! | poll a shard (Lambda, KCL/Flink, Firehose, Glue, KDA) | [`ConsumerCtx::get_records`], shared read limits enforced |
//! | push subscriber (enhanced fan-out) | [`ConsumerCtx::subscribe`], then [`ConsumerEvent::Records`] |
//! | timers: polling, batching windows, micro-batches, buffer intervals, retries, restarts | [`ConsumerCtx::schedule`] → [`ConsumerEvent::Timer`] |
//! | per-shard checkpoints, restarts from them | owned by the consumer; the stream gives positions ([`ConsumerCtx::position`]) |
//! | resharding, parents before children | [`ConsumerEvent::ShardOpened`]/[`ConsumerEvent::ShardClosed`], [`ConsumerCtx::shard`] lineage, `shard_end` on reads |
//! | downstream destinations that fail | the consumer's own model, seeded by [`ConsumerCtx::rng`] |
//! | timeline actions (`deploy`, `recreate_mapping`, …) | [`ConsumerEvent::Timeline`] |
//! | accounting | the [`Ledger`]: deliveries, settles, counters |
//!
//! # The ledger and conservation
//!
//! A consumer reports what happened to records through its ledger: delivered
//! (to a handler, possibly again), settled as processed or discarded. The
//! kernel — not the consumer — counts records that were trimmed by retention
//! before being settled (`expired_unprocessed`) and the records still
//! unsettled at the end (`pending_at_end`). Each in-scope record is thus in
//! exactly one of processed, discarded, expired and pending, and
//! `records_in_scope = processed + discarded + expired_unprocessed + pending_at_end`
//! holds by construction. A record discarded and later processed (after a
//! rewind) counts as processed.
//!
//! # Ordering violations
//!
//! "Per-key order" means a key's records are first processed in the order they
//! were written. The ledger checks it exactly, cheaply in the common case:
//! while every first processing on a shard moves forward and every ancestor
//! shard was finished before its children were touched, no violation is
//! possible and no key is looked at. As soon as a consumer first-processes a
//! record below a shard's high-water mark, or touches a shard whose ancestors
//! still hold unsettled records, the ledger switches to per-key tracking: from
//! then on it looks up the key of every newly processed record
//! ([`Stream::key_of`]) and compares it with the newest first-processed record
//! of that key. Records of one settle call count as processed in sequence
//! order. Assumption: records of the same key on unrelated shards (possible
//! only with `ExplicitHashKey`) are ordered by shard id, then sequence number.

use std::collections::{BTreeMap, VecDeque};

use crate::intervals::IntervalSet;
use crate::queue::{EventQueue, Ranked};
use crate::rng::Rng;
use crate::scenario::{StartingPosition, TimelineEntry};
use crate::stream::{
    KeyId, Peek, ReadBatch, ReadError, ShardId, ShardInfo, ShardState, Stream,
    EFO_BYTES_PER_SECOND, MAX_EFO_CONSUMERS,
};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Cause, EventKind, Metrics, PeriodMax, Recorder};

/// What the kernel tells a consumer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsumerEvent {
    /// A timer the consumer scheduled with [`ConsumerCtx::schedule`].
    Timer {
        /// The consumer's own token.
        token: u64,
    },
    /// A shard was created by a reshard.
    ShardOpened {
        /// The new shard (its lineage is in [`ConsumerCtx::shard`]).
        shard: ShardId,
    },
    /// A shard was closed by a reshard (it stays readable until retention;
    /// its children are in [`ConsumerCtx::shard`]).
    ShardClosed {
        /// The closed shard.
        shard: ShardId,
    },
    /// Records pushed on an enhanced fan-out subscription
    /// (`SubscribeToShardEvent`). `shard_end` marks the end of a closed shard.
    /// Boxed: the queue moves its events around, and this one is the largest.
    Records(Box<ReadBatch>),
    /// Timeline entry `index` names this consumer; it is in
    /// [`ConsumerCtx::timeline`].
    Timeline {
        /// Position in the scenario's `timeline`.
        index: usize,
    },
}

/// A consumer of the stream. See the module documentation.
pub trait Consumer {
    /// The consumer's `kind` for the summary (`"lambda"`, `"test_poller"`, …).
    fn kind(&self) -> &'static str;

    /// Called once at time 0: set the scope ([`ConsumerCtx::start_scope`]),
    /// subscribe or schedule the first polls.
    fn start(&mut self, ctx: &mut ConsumerCtx<'_>);

    /// Called for every event addressed to this consumer.
    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>);

    /// Called by the kernel before it reads the consumer's books (the retention
    /// sweep: trims, and the progress counters): a consumer that computes some of
    /// its work late does what was due before now (the Lambda mapping's idle polls).
    fn catch_up(&mut self, _ctx: &mut ConsumerCtx<'_>) {}

    /// Called once when the run ends, before the trace is built: report what
    /// is still in flight (a Firehose batch being retried, …).
    fn finish(&mut self, _ctx: &mut ConsumerCtx<'_>) {}

    /// Adds the consumer's own block to its summary (`firehose`, …).
    fn summary_block(&self, _summary: &mut crate::trace::ConsumerSummary) {}
}

/// How a settled record ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Processed successfully.
    Processed,
    /// Given up on (after retries, age, or by design).
    Discarded,
}

/// Counters a consumer keeps in its ledger (the non-derived summary fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Messages sent to an OnFailure destination.
    pub on_failure_messages: u64,
    /// Function invocations.
    pub invocations: u64,
    /// Failed invocations.
    pub failed_invocations: u64,
    /// Bisections.
    pub bisections: u64,
    /// Throttled invocations.
    pub throttled_invocations: u64,
    /// Most invocations at once.
    pub max_concurrency: u64,
    /// What the cost estimate needs beyond the summary.
    pub usage: crate::cost::Usage,
}

/// The ledger of one shard.
#[derive(Clone, Debug, Default)]
pub(crate) struct ShardLedger {
    /// First sequence number in scope; `None`: the shard is not in scope.
    pub scope: Option<u64>,
    /// Records below this were trimmed and are final.
    pub floor: u64,
    pub processed: IntervalSet,
    pub discarded: IntervalSet,
    pub delivered: IntervalSet,
    /// Records trimmed while delivered and not yet settled: counted as expired, unless
    /// the delivery that holds them then succeeds (see [`Ledger::expire`]).
    pub limbo: IntervalSet,
    pub n_processed: u64,
    pub n_discarded: u64,
    pub n_expired: u64,
    /// One past the highest first-processed sequence number.
    pub high_water: u64,
    pub max_age_ms: u64,
    /// The highest iterator age reported in the current metric period (see
    /// [`ConsumerCtx::report_iterator_age`]).
    pub age_book: PeriodMax,
    /// Open episodes: (first, last, count).
    pub expiry_episode: Option<(SimTime, SimTime, u64)>,
    pub read_throttle_episode: Option<(SimTime, SimTime, u64)>,
}

impl ShardLedger {
    fn lower_bound(&self) -> Option<u64> {
        self.scope.map(|s| s.max(self.floor))
    }

    /// Records in scope not yet settled or expired.
    pub fn unsettled(&self, end_seq: u64) -> u64 {
        match self.lower_bound() {
            None => 0,
            Some(lo) if lo >= end_seq => 0,
            Some(lo) => {
                (end_seq - lo)
                    - self.processed.count_in(lo, end_seq)
                    - self.discarded.count_in(lo, end_seq)
            }
        }
    }
}

/// A consumer's record counters at one instant (see [`Ledger::progress`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub processed: u64,
    pub discarded: u64,
    pub expired_unprocessed: u64,
    pub pending: u64,
    pub redeliveries: u64,
}

/// Per key, the newest record first processed (shard, sequence number): the
/// producers' keys `"k-n"` in a vector by `n` (one slot per key, no tree
/// walk per record), other keys in a map.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyNewest {
    dense: Vec<Option<(ShardId, u64)>>,
    other: BTreeMap<KeyId, (ShardId, u64)>,
}

impl KeyNewest {
    /// Room for the keys of `stream`'s producers.
    fn new(stream: &Stream) -> KeyNewest {
        let keys = stream
            .producer_keys
            .iter()
            .map(|p| p.keys.len())
            .max()
            .unwrap_or(0);
        KeyNewest {
            dense: vec![None; keys as usize],
            other: BTreeMap::new(),
        }
    }

    /// The slot of key `k` (empty until the key is first seen).
    fn slot(&mut self, k: KeyId) -> SlotRef<'_> {
        match self.dense.get_mut(k.0 as usize) {
            Some(s) => SlotRef::Dense(s),
            None => SlotRef::Other(self.other.entry(k)),
        }
    }
}

/// A key's slot in [`KeyNewest`].
enum SlotRef<'a> {
    Dense(&'a mut Option<(ShardId, u64)>),
    Other(std::collections::btree_map::Entry<'a, KeyId, (ShardId, u64)>),
}

impl<'a> SlotRef<'a> {
    fn get_or_insert(self, v: (ShardId, u64)) -> &'a mut (ShardId, u64) {
        match self {
            SlotRef::Dense(s) => s.get_or_insert(v),
            SlotRef::Other(e) => e.or_insert(v),
        }
    }
}

/// A consumer's ledger: what it did with every record in its scope.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    pub(crate) shards: Vec<ShardLedger>,
    /// Shards created after the scope started are wholly in scope.
    pub(crate) follows_new_shards: bool,
    /// Counters kept by the consumer.
    pub stats: ConsumerStats,
    pub(crate) deliveries: u64,
    pub(crate) redeliveries: u64,
    pub(crate) ordering_violations: u64,
    /// Per-key tracking, while needed (see `settle`): key → (shard, seq) of its newest
    /// first-processed record.
    pub(crate) key_newest: Option<KeyNewest>,
    /// Settles in a row that did not need `key_newest` (it is dropped after
    /// [`QUIET_SETTLES`]).
    quiet_settles: u32,
    /// Tracks keys from the first settle on and never stops (the reference that
    /// tests compare the tracking on demand with).
    pub(crate) always_track_keys: bool,
    pub(crate) max_age_ms: u64,
    /// Redeliveries a consumer computed ahead of the kernel's time, as `(when, records)`
    /// in time order: counted by [`Ledger::catch_up`] once the kernel passes them, so
    /// that the counters written over time see each at its own instant.
    pub(crate) redeliveries_ahead: VecDeque<(SimTime, u64)>,
}

/// Per-key tracking stops after this many settles in a row that did not need it:
/// rebuilding it costs a scan of what was processed, so it is not dropped at once.
const QUIET_SETTLES: u32 = 64;

impl Ledger {
    // Inline always: at the page's opt-level "z" LLVM calls even accessors this small (see
    // ARCHITECTURE.md, "Speed at opt-level z").
    #[inline(always)]
    pub(crate) fn shard_mut(&mut self, id: ShardId) -> &mut ShardLedger {
        let i = id.0 as usize;
        if i < self.shards.len() {
            return &mut self.shards.as_mut_slice()[i];
        }
        self.add_shard(i)
    }

    /// [`Self::shard_mut`] for a shard not yet in the ledger.
    fn add_shard(&mut self, i: usize) -> &mut ShardLedger {
        self.shards.resize_with(i + 1, ShardLedger::default);
        &mut self.shards[i]
    }

    /// Brings a newly created shard into scope if the consumer follows them.
    pub(crate) fn shard_created(&mut self, id: ShardId) {
        if self.follows_new_shards {
            let l = self.shard_mut(id);
            if l.scope.is_none() {
                l.scope = Some(0);
            }
        }
    }

    /// Widens the scope to the records from `seq` on (never narrows it).
    fn widen(&mut self, id: ShardId, seq: u64) {
        let l = self.shard_mut(id);
        let seq = seq.max(l.floor);
        l.scope = Some(l.scope.map_or(seq, |s| s.min(seq)));
    }

    /// The retention trim moved `shard`'s horizon from `old` to `new`:
    /// unsettled in-scope records in between are expired for this consumer.
    ///
    /// Those of them that were delivered (an invocation holding them may be running)
    /// are kept in limbo: if their delivery then succeeds, they count as processed
    /// instead (design.md: "a record delivered and then processed counts as processed
    /// even if it passed retention meanwhile"). Records trimmed before they were
    /// delivered stay expired.
    pub(crate) fn expire(&mut self, shard: ShardId, new: u64, now: SimTime) -> u64 {
        let l = self.shard_mut(shard);
        let mut lost = 0;
        if let Some(lo) = l.lower_bound() {
            if new > lo {
                lost = (new - lo) - l.processed.count_in(lo, new) - l.discarded.count_in(lo, new);
                if lost > 0 && l.delivered.count_in(lo, new) > 0 {
                    for (a, b) in l.processed.gaps(lo, new) {
                        for (c, d) in l.discarded.gaps(a, b) {
                            let mut at = c;
                            for (x, y) in l.delivered.gaps(c, d) {
                                l.limbo.insert_count(at, x);
                                at = y;
                            }
                            l.limbo.insert_count(at, d);
                        }
                    }
                }
            }
        }
        l.floor = l.floor.max(new);
        l.processed.forget_below(new);
        l.discarded.forget_below(new);
        l.delivered.forget_below(new);
        l.n_expired += lost;
        if lost > 0 {
            match &mut l.expiry_episode {
                Some((_, last, n)) => {
                    *last = now;
                    *n += lost;
                }
                None => l.expiry_episode = Some((now, now, lost)),
            }
        }
        lost
    }

    /// The summary's record counters as of now, summed over shards: what the playhead
    /// shows at any instant of a run.
    pub fn progress(&self, stream: &Stream) -> Progress {
        let mut p = Progress {
            redeliveries: self.redeliveries,
            ..Progress::default()
        };
        for (i, l) in self.shards.iter().enumerate() {
            if l.scope.is_none() {
                continue;
            }
            p.processed += l.n_processed;
            p.discarded += l.n_discarded;
            p.expired_unprocessed += l.n_expired;
            p.pending += l.unsettled(stream.end_seq(ShardId(i as u32)));
        }
        p
    }

    /// Processed-record count of one shard.
    pub fn processed_on(&self, shard: ShardId) -> u64 {
        self.shards
            .get(shard.0 as usize)
            .map_or(0, |l| l.n_processed)
    }

    /// Records still unsettled (neither settled nor expired) on `shard`.
    pub fn unsettled_on(&self, stream: &Stream, shard: ShardId) -> u64 {
        self.shards
            .get(shard.0 as usize)
            .map_or(0, |l| l.unsettled(stream.end_seq(shard)))
    }

    /// True when a descendant of `shard` (a child, a child's child, …) has processed
    /// records. Processing a record of `shard` above everything processed on it can
    /// break key order only then: the records of its key that are newer in
    /// `(shard, sequence number)` order lie on `shard` or on shards created later that
    /// hold the key's hash, which are all descendants of `shard`.
    fn descendants_processed(&self, stream: &Stream, shard: ShardId) -> bool {
        let Some(info) = stream.shard(shard) else {
            return false;
        };
        if info.children.is_empty() {
            return false;
        }
        let mut stack: Vec<ShardId> = info.children.clone();
        while let Some(c) = stack.pop() {
            if self
                .shards
                .get(c.0 as usize)
                .is_some_and(|l| l.processed.range_count() > 0)
            {
                return true;
            }
            if let Some(i) = stream.shard(c) {
                stack.extend(i.children.iter().copied());
            }
        }
        false
    }

    /// Starts per-key tracking from what has been processed so far. Newest first
    /// (shards from the last created, sequence numbers downwards), the first record
    /// seen of a key is its newest; once every producer key is found, only the
    /// poison runs can hold keys not seen yet, so the rest of the records are skipped.
    fn start_key_tracking(&mut self, stream: &Stream) {
        let mut map = KeyNewest::new(stream);
        let mut missing = map.dense.len();
        for (i, l) in self.shards.iter().enumerate().rev() {
            let shard = ShardId(i as u32);
            for (a, b) in l.processed.iter_rev() {
                stream.for_each_key_newest_first(shard, a, b, |seq, k| {
                    match map.slot(k) {
                        SlotRef::Dense(s) if s.is_none() => {
                            *s = Some((shard, seq));
                            missing -= 1;
                        }
                        SlotRef::Dense(_) => {}
                        SlotRef::Other(e) => {
                            e.or_insert((shard, seq));
                        }
                    }
                    missing > 0
                });
            }
        }
        self.key_newest = Some(map);
    }

    /// Settles `[from, to)` of `shard`. Returns how many records were settled
    /// for the first time (with this outcome).
    pub(crate) fn settle(
        &mut self,
        stream: &Stream,
        shard: ShardId,
        from: u64,
        to: u64,
        outcome: Outcome,
    ) -> u64 {
        let end = stream.end_seq(shard);
        let Some(lo) = self.shard_mut(shard).lower_bound() else {
            return 0;
        };
        let l = self.shard_mut(shard);
        if from < lo {
            // Delivered before they were trimmed: processed now, they are no longer
            // expired; given up on, they stay expired (and leave limbo either way).
            let settled = l.limbo.remove(from, to.min(lo));
            if outcome == Outcome::Processed {
                l.n_expired -= settled;
                l.n_processed += settled;
            }
        }
        // What is still in limbo below a settle that starts past it was not in this
        // delivery: its records stay expired.
        if from >= lo {
            l.limbo.forget_below(from);
        }
        let from = from.max(lo);
        let to = to.min(end);
        if from >= to {
            return 0;
        }
        match outcome {
            Outcome::Discarded => {
                let l = self.shard_mut(shard);
                let mut n = 0;
                for (a, b) in l.processed.gaps(from, to) {
                    n += l
                        .discarded
                        .insert(a, b)
                        .iter()
                        .map(|(x, y)| y - x)
                        .sum::<u64>();
                }
                l.n_discarded += n;
                n
            }
            Outcome::Processed => {
                let l = self.shard_mut(shard);
                let forward = from >= l.high_water && l.processed.ends_by(from);
                if forward
                    && self.key_newest.is_none()
                    && !self.always_track_keys
                    && !self.descendants_processed(stream, shard)
                {
                    // The common case, without allocating: a first processing past
                    // everything processed so far, which cannot break key order (see
                    // `descendants_processed`): one new range, no key tracking needed.
                    let l = self.shard_mut(shard);
                    let was_discarded = l.discarded.remove(from, to);
                    l.n_discarded -= was_discarded;
                    l.processed.insert_count(from, to);
                    l.high_water = l.high_water.max(to);
                    l.n_processed += to - from;
                    return to - from;
                }
                let new = self.shard_mut(shard).processed.gaps(from, to);
                if new.is_empty() {
                    return 0;
                }
                let backwards = new[0].0 < self.shard_mut(shard).high_water;
                let needed = backwards
                    || self.always_track_keys
                    || self.descendants_processed(stream, shard);
                if needed {
                    self.quiet_settles = 0;
                    if self.key_newest.is_none() {
                        self.start_key_tracking(stream);
                    }
                } else if self.key_newest.is_some() && !self.always_track_keys {
                    // Tracking stops after a run of settles that did not need it;
                    // a later one that does rebuilds it exactly.
                    self.quiet_settles += 1;
                    if self.quiet_settles >= QUIET_SETTLES {
                        self.key_newest = None;
                        self.quiet_settles = 0;
                    }
                }
                if let Some(map) = &mut self.key_newest {
                    let violations = &mut self.ordering_violations;
                    for &(a, b) in &new {
                        stream.for_each_key(shard, a, b, |seq, k| {
                            let e = map.slot(k).get_or_insert((shard, seq));
                            if *e > (shard, seq) {
                                *violations += 1;
                            } else {
                                *e = (shard, seq);
                            }
                        });
                    }
                }
                let l = self.shard_mut(shard);
                let mut n = 0;
                for &(a, b) in &new {
                    n += b - a;
                    let was_discarded = l.discarded.remove(a, b);
                    l.n_discarded -= was_discarded;
                    l.processed.insert_count(a, b);
                    l.high_water = l.high_water.max(b);
                }
                l.n_processed += n;
                n
            }
        }
    }

    /// Counts the redeliveries computed ahead that happened before `now` (a kernel event
    /// at an instant comes before a consumer's, so one at `now` has not yet).
    pub(crate) fn catch_up(&mut self, now: SimTime) {
        while let Some(&(at, n)) = self.redeliveries_ahead.front() {
            if at >= now {
                break;
            }
            self.deliveries += n;
            self.redeliveries += n;
            self.redeliveries_ahead.pop_front();
        }
    }

    /// Counts deliveries of `[from, to)`: first deliveries and redeliveries.
    pub(crate) fn deliver(&mut self, shard: ShardId, from: u64, to: u64) {
        if from >= to {
            return;
        }
        let l = self.shard_mut(shard);
        let floor = l.floor;
        let from = from.max(floor);
        if from >= to {
            return;
        }
        let fresh = l.delivered.insert_count(from, to);
        self.deliveries += to - from;
        self.redeliveries += (to - from) - fresh;
    }

    /// Writes every shard's iterator age book (see [`ConsumerCtx::report_iterator_age`]).
    pub(crate) fn flush_age_books(&mut self, consumer: usize, metrics: &mut Metrics) {
        for i in 0..self.shards.len() {
            if let Some((t, max)) = self.shards[i].age_book.take() {
                let shard = ShardId(i as u32);
                self.age(shard, max);
                metrics.iterator_age(t, consumer, shard, max);
            }
        }
    }

    /// Notes an iterator age observation.
    pub(crate) fn age(&mut self, shard: ShardId, ms: u64) {
        self.max_age_ms = self.max_age_ms.max(ms);
        let l = self.shard_mut(shard);
        l.max_age_ms = l.max_age_ms.max(ms);
    }
}

/// An enhanced fan-out subscription (kernel side).
#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    pub consumer: usize,
    pub shard: ShardId,
    pub next_seq: u64,
    /// Byte budget at `refilled_at` (2 MiB/s, at most 2 MiB).
    pub tokens: u64,
    pub refilled_at: SimTime,
    pub push_scheduled: bool,
    /// The push is one of a producer tick's, due at this time (see
    /// [`KernelEvent::TickPushes`]).
    pub tick_push_at: Option<SimTime>,
    pub active: bool,
    pub ended: bool,
    /// The consumer has nothing to do with this shard's pushes for now
    /// ([`ConsumerCtx::hold_pushes`]).
    pub hold: Option<Hold>,
    /// Pushes computed at their producer tick and held for one delivery, with the time
    /// of the last (see [`Hold`]).
    pub held: Option<(SimTime, Box<ReadBatch>)>,
}

impl Subscription {
    /// The byte budget at `at` (2 MiB/s, at most 2 MiB), refilled since `refilled_at`.
    pub(crate) fn tokens_at(&self, at: SimTime) -> u64 {
        let elapsed = at.0.saturating_sub(self.refilled_at.0);
        // In 64 bits (a product that overflows is over a full second's budget anyway).
        let refill = crate::exact::checked_mul(elapsed, EFO_BYTES_PER_SECOND)
            .map_or(EFO_BYTES_PER_SECOND, |b| {
                (b / 1_000_000).min(EFO_BYTES_PER_SECOND)
            });
        (self.tokens + refill).min(EFO_BYTES_PER_SECOND)
    }
}

/// Until when, and within how many records and bytes in all, a consumer would only add
/// a shard's pushes to what it holds (a Lambda lane waiting for its batching window to
/// end): the kernel then computes each such push at its producer tick — records are
/// written only at ticks, so it is what [`EFO_PROPAGATION`] later would push, with the
/// same byte budget and iterator age, accounted at the push's own time — and hands them
/// to the consumer in one delivery before its first event at or after `until`, before
/// the shard's next push that is not held (which ends the hold), and before any timeline
/// action (which ends every hold). The consumer's events about other shards before then
/// do not read what is held. A property test compares runs with and without holds
/// (`efo_held_pushes_change_nothing`).
///
/// [`EFO_PROPAGATION`]: crate::stream::EFO_PROPAGATION
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Hold {
    pub until: SimTime,
    pub records: u64,
    pub bytes: u64,
}

/// A kernel event (the queue's payload).
#[derive(Clone, Debug)]
pub(crate) enum KernelEvent {
    /// The producers' tick.
    Tick,
    /// Retention trim and housekeeping, every second.
    Sweep,
    /// Timeline entry `i`.
    Timeline(usize),
    /// An event for consumer `c`.
    Consumer(usize, ConsumerEvent),
    /// An enhanced fan-out push to consumer `c` on subscription `i`.
    Push(usize, usize),
    /// The enhanced fan-out pushes of one producer tick to consumer `c`: each of its
    /// subscriptions whose `tick_push_at` is now, in subscription order (one event
    /// instead of one a shard; they were queued together, so nothing came between them).
    TickPushes(usize),
}

impl Ranked for KernelEvent {
    /// The kernel's own events first, then each consumer's (its timers and
    /// pushes) in consumer order (see [`crate::queue`]).
    fn rank(&self) -> u32 {
        match self {
            KernelEvent::Tick | KernelEvent::Sweep | KernelEvent::Timeline(_) => 0,
            KernelEvent::Consumer(c, _) | KernelEvent::Push(c, _) | KernelEvent::TickPushes(c) => {
                u32::try_from(*c).map_or(u32::MAX, |c| c.saturating_add(1))
            }
        }
    }
}

/// What the kernel lends a consumer while it handles an event.
pub struct ConsumerCtx<'a> {
    pub(crate) now: SimTime,
    pub(crate) index: usize,
    pub(crate) name: &'a str,
    pub(crate) stream: &'a mut Stream,
    pub(crate) queue: &'a mut EventQueue<KernelEvent>,
    pub(crate) ledger: &'a mut Ledger,
    pub(crate) rng: &'a mut Rng,
    pub(crate) rec: &'a mut Recorder,
    pub(crate) subs: &'a mut Vec<Subscription>,
    pub(crate) timeline: &'a [TimelineEntry],
    pub(crate) end: SimTime,
    /// When the kernel's next retention sweep runs (the one under way, during a sweep):
    /// it reads every consumer's books (expiry, the record counters over time).
    pub(crate) next_sweep: SimTime,
    /// How many consumers the run has.
    pub(crate) consumers: usize,
}

impl<'a> ConsumerCtx<'a> {
    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// When the run ends.
    pub fn end(&self) -> SimTime {
        self.end
    }

    /// This consumer's name.
    pub fn name(&self) -> &str {
        self.name
    }

    /// Every shard ever created (expired ones included), in id order.
    pub fn shards(&self) -> Vec<ShardInfo> {
        self.stream.shard_infos().cloned().collect()
    }

    /// One shard's facts, with its lineage.
    pub fn shard(&self, id: ShardId) -> Option<&ShardInfo> {
        self.stream.shard(id)
    }

    /// Read-only access to the stream (positions, keys, arrival times).
    pub fn stream(&self) -> &Stream {
        self.stream
    }

    /// The sequence number an iterator of type `pos` would start at.
    pub fn position(&self, shard: ShardId, pos: StartingPosition) -> u64 {
        self.stream.position(shard, pos)
    }

    /// The timeline (for [`ConsumerEvent::Timeline`]).
    pub fn timeline(&self) -> &[TimelineEntry] {
        self.timeline
    }

    /// This consumer's own random stream.
    pub fn rng(&mut self) -> &mut Rng {
        self.rng
    }

    /// Sets or widens the consumer's scope: on every existing shard, the
    /// records from `pos` on; shards created later are wholly in scope. A
    /// later call (a recreated mapping) can only widen it.
    pub fn start_scope(&mut self, pos: StartingPosition) {
        let ids: Vec<ShardId> = self
            .stream
            .shard_infos()
            .filter(|i| i.state != ShardState::Expired)
            .map(|i| i.id)
            .collect();
        for id in ids {
            let seq = self.stream.position(id, pos);
            self.ledger.widen(id, seq);
        }
        self.ledger.follows_new_shards = true;
    }

    /// Schedules [`ConsumerEvent::Timer`] with `token` at `at` (not before now).
    pub fn schedule(&mut self, at: SimTime, token: u64) {
        let at = at.max(self.now);
        self.queue.push(
            at,
            KernelEvent::Consumer(self.index, ConsumerEvent::Timer { token }),
        );
    }

    /// Schedules a timer `after` from now.
    pub fn schedule_in(&mut self, after: SimDuration, token: u64) {
        self.schedule(SimTime(self.now.0.saturating_add(after.0)), token);
    }

    /// True if this is the run's only consumer: nothing else reads its shards (their
    /// read limits, or the log of writes a read behind the clock uses).
    pub(crate) fn reads_alone(&self) -> bool {
        self.consumers == 1
    }

    /// What a GetRecords call on `shard` from `from` now would read to the tip, if
    /// it is a plain one of fewer than `most` records ([`Stream::peek`]), without
    /// making it.
    pub(crate) fn peek_read(&self, shard: ShardId, from: u64, most: u64) -> Option<Peek> {
        self.stream.peek(shard, (from, most), self.now, self.index)
    }

    /// True if [`Self::get_records`] on `shard` at `at` would not fail, when nothing
    /// else reads the shard before then.
    pub(crate) fn can_read(&self, shard: ShardId, at: SimTime) -> bool {
        self.stream.can_read(shard, self.index, at)
    }

    /// Makes the call [`Self::peek_read`] described, as [`Self::get_records`] would
    /// have made it: its read limits, the bytes read, the iterator age.
    pub(crate) fn take_peeked(&mut self, shard: ShardId, peek: &Peek) {
        self.stream.take_peeked(shard, self.index, self.now, peek);
        let mut age = 0;
        if peek.records > 0 {
            let usage = &mut self.ledger.stats.usage;
            usage.read(peek.records, peek.record_bytes);
            age = self.now.0.saturating_sub(peek.last_arrival.0) / 1_000;
        }
        self.report_iterator_age(shard, age);
    }

    /// GetRecords on `shard` from `from` (clamped to the trim horizon), at
    /// most `limit` records, under the shard's shared read limits. Records the
    /// iterator age: now − arrival of the last record returned, 0 if none
    /// (GetRecords.IteratorAgeMilliseconds,
    /// <https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html>);
    /// for a throttled call, now − arrival of the record at `from`.
    pub fn get_records(
        &mut self,
        shard: ShardId,
        from: u64,
        limit: u64,
    ) -> Result<ReadBatch, ReadError> {
        match self
            .stream
            .get_records(shard, from, limit, self.now, self.index)
        {
            Ok(b) => {
                for r in &b.runs {
                    self.ledger.stats.usage.read(r.count, r.record_bytes);
                }
                let age = b
                    .last_arrival()
                    .map_or(0, |t| self.now.0.saturating_sub(t.0) / 1_000);
                self.report_iterator_age(shard, age);
                Ok(b)
            }
            Err(ReadError::Throttled) => {
                self.read_throttled(shard, from);
                Err(ReadError::Throttled)
            }
            Err(e) => Err(e),
        }
    }

    /// Accounts a throttled GetRecords call from `from` (out of line: the common read
    /// is not).
    #[cold]
    #[inline(never)]
    fn read_throttled(&mut self, shard: ShardId, from: u64) {
        // Assumption: a throttled call reports the age of the
        // iterator's position (how far behind the reader is), so that
        // a starved reader's age keeps growing in the series.
        let at = from.max(self.stream.trim_seq(shard));
        let age = match self.stream.arrival_at(shard, at, self.now) {
            Some(t) => self.now.0.saturating_sub(t.0) / 1_000,
            None => 0,
        };
        self.report_iterator_age(shard, age);
        self.rec.metrics.read_throttled(self.now, self.index);
        self.rec.totals.read_throttled_calls += 1;
        let now = self.now;
        let l = self.ledger.shard_mut(shard);
        match &mut l.read_throttle_episode {
            Some((_, last, n)) if now.0 <= last.0 + 5_000_000 => {
                *last = now;
                *n += 1;
            }
            ep => {
                if let Some((first, last, n)) = ep.take() {
                    self.rec.event(
                        first,
                        Cause::ReadLimit,
                        EventKind::ReadThrottled {
                            consumer: self.name.to_string(),
                            shard,
                            until: last,
                            calls: n,
                        },
                    );
                }
                *ep = Some((now, now, 1));
            }
        }
    }

    /// Subscribes to `shard` through enhanced fan-out from `from`: records are
    /// pushed as [`ConsumerEvent::Records`] about 70 ms after they arrive, on
    /// this consumer's own 2 MiB/s per shard. Fails with
    /// `LimitExceededException` when 20 consumers already use enhanced fan-out.
    ///
    /// Assumption: a subscription lasts until [`ConsumerCtx::unsubscribe`]; the
    /// 5-minute renewals of SubscribeToShard are invisible.
    /// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SubscribeToShard.html>
    pub fn subscribe(&mut self, shard: ShardId, from: u64) -> Result<(), &'static str> {
        let mut efo: Vec<usize> = Vec::new();
        for s in self.subs.iter() {
            if !efo.contains(&s.consumer) {
                efo.push(s.consumer);
            }
        }
        if !efo.contains(&self.index) && efo.len() >= MAX_EFO_CONSUMERS {
            return Err("LimitExceededException");
        }
        if self.stream.shard(shard).is_none() {
            return Err("ResourceNotFoundException");
        }
        let idx = match self
            .subs
            .iter()
            .position(|s| s.consumer == self.index && s.shard == shard)
        {
            Some(i) => i,
            None => {
                self.subs.push(Subscription {
                    consumer: self.index,
                    shard,
                    next_seq: 0,
                    tokens: crate::stream::EFO_BYTES_PER_SECOND,
                    refilled_at: self.now,
                    push_scheduled: false,
                    tick_push_at: None,
                    active: true,
                    ended: false,
                    hold: None,
                    held: None,
                });
                self.subs.len() - 1
            }
        };
        self.ledger.stats.usage.subscribed = true;
        let s = &mut self.subs[idx];
        s.next_seq = from;
        s.active = true;
        s.ended = false;
        s.hold = None;
        if !s.push_scheduled {
            s.push_scheduled = true;
            self.queue
                .push(self.now, KernelEvent::Push(self.index, idx));
        }
        Ok(())
    }

    /// Takes up to `limit` records from `from` out of what this consumer's
    /// subscription to `shard` has pushed (the caller keeps count of how far
    /// the pushes reached: see [`ConsumerEvent::Records`]).
    pub fn take_pushed(
        &mut self,
        shard: ShardId,
        from: u64,
        limit: u64,
    ) -> Result<ReadBatch, ReadError> {
        self.stream.take_pushed(shard, from, limit, self.now)
    }

    /// Ends the subscription to `shard`.
    pub fn unsubscribe(&mut self, shard: ShardId) {
        for s in self.subs.iter_mut() {
            if s.consumer == self.index && s.shard == shard {
                s.active = false;
                s.hold = None;
            }
        }
    }

    /// Says that until `until` this consumer only adds `shard`'s pushes to what it holds,
    /// unless they bring `records` records or `bytes` bytes in all (see [`Hold`]).
    pub(crate) fn hold_pushes(&mut self, shard: ShardId, until: SimTime, records: u64, bytes: u64) {
        let hold = Hold {
            until,
            records,
            bytes,
        };
        for s in self.subs.iter_mut() {
            if s.consumer == self.index && s.shard == shard && s.active {
                s.hold = Some(hold);
            }
        }
    }

    /// Counts deliveries of records `[from, to)` of `shard` to the handler
    /// (a record delivered before counts as a redelivery).
    pub fn deliver(&mut self, shard: ShardId, from: u64, to: u64) {
        self.ledger.deliver(shard, from, to);
    }

    /// Counts `records` delivered again at `at`, ahead of the kernel's time: records
    /// delivered before, none below the trim horizon by then (the caller knows). The
    /// counters see them from `at` on ([`Ledger::catch_up`]).
    pub fn redeliver_ahead(&mut self, at: SimTime, records: u64) {
        match self.ledger.redeliveries_ahead.back_mut() {
            Some((t, n)) if *t == at => *n += records,
            _ => self.ledger.redeliveries_ahead.push_back((at, records)),
        }
    }

    /// Settles records `[from, to)` of `shard`; returns how many were settled
    /// for the first time with this outcome.
    pub fn settle(&mut self, shard: ShardId, from: u64, to: u64, outcome: Outcome) -> u64 {
        self.ledger.settle(self.stream, shard, from, to, outcome)
    }

    /// Hands a read's allocation back for a later GetRecords (optional: a
    /// consumer that has copied what it needs from a read may return it).
    pub fn recycle_read(&mut self, read: ReadBatch) {
        self.stream.recycle_read(read);
    }

    /// Hands an enhanced fan-out push ([`ConsumerEvent::Records`]) back, box and all, for a
    /// later read and push (optional, as for [`Self::recycle_read`]).
    pub fn recycle_push(&mut self, push: Box<ReadBatch>) {
        self.stream.recycle_push(push);
    }

    /// This consumer's place among the stream's readers, for staggering its reads: its
    /// index, or 0 when each consumer reads as if alone with the stream
    /// ([`crate::Simulation::isolate_reads`]), as it would be in a run of its own.
    pub fn reader_slot(&self) -> usize {
        if self.stream.isolated_reads {
            0
        } else {
            self.index
        }
    }

    /// The consumer's counters.
    pub fn stats(&mut self) -> &mut ConsumerStats {
        &mut self.ledger.stats
    }

    /// Reports an iterator age (ms) for `shard` (IteratorAgeMilliseconds).
    ///
    /// The highest age of each metric period is written once per period (a
    /// period book): every GetRecords reports one.
    pub fn report_iterator_age(&mut self, shard: ShardId, ms: u64) {
        let (now, i) = (self.now, self.index);
        let period = self.rec.metrics.period_of(now);
        if let Some((t, max)) = self.ledger.shard_mut(shard).age_book.note(period, now, ms) {
            self.ledger.age(shard, max);
            self.rec.metrics.iterator_age(t, i, shard, max);
        }
    }

    /// Accounts an enhanced fan-out push made now: its bytes, and the iterator age it
    /// reports (from its newest record).
    pub(crate) fn note_push(&mut self, batch: &ReadBatch) {
        self.ledger.stats.usage.pushed_bytes += batch.bytes;
        let now = self.now.0;
        let age = batch
            .last_arrival()
            .map_or(0, |t| now.saturating_sub(t.0) / 1_000);
        self.report_iterator_age(batch.shard, age);
    }

    /// Reports the consumer's own lag metric in ms (Firehose's `DataFreshness`):
    /// the summary's `max_iterator_age_ms` is the highest of these and of the
    /// iterator ages.
    pub fn report_lag(&mut self, ms: u64) {
        self.ledger.max_age_ms = self.ledger.max_age_ms.max(ms);
    }

    /// Adds an event to the trace, caused by this consumer.
    pub fn emit(&mut self, kind: EventKind) {
        let cause = Cause::Consumer {
            consumer: self.name.to_string(),
        };
        self.rec.event(self.now, cause, kind);
    }
}
