//! The event source mapping and its per-shard pollers: a [`Consumer`] of the
//! engine's stream.
//!
//! Per shard (source: <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>):
//! - the poller calls GetRecords once per second while idle and back to back
//!   while backlogged, sharing the shard's read limits (5 calls/s, 2 MiB/s)
//!   with every other polling consumer; with `enhanced_fan_out` records are
//!   pushed (~70 ms) on the mapping's own 2 MiB/s per shard instead;
//! - a batch holds up to `BatchSize` records and at most 6 MB; with
//!   `MaximumBatchingWindowInSeconds` > 0 the poller keeps reading until the
//!   batch is full, the window expires or the payload reaches 6 MB, and the
//!   next window starts when the previous invocation completes
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html>);
//! - one batch at a time per shard, or one per lane with ParallelizationFactor
//!   ([`super::lanes`]);
//! - failures follow [`super::retry`]; a discarded batch goes to the OnFailure
//!   destination ([`super::destination`]);
//! - a parent shard is drained — blocked batches included — before its
//!   children are read (KDS's ordering rule, which the ESM is understood to
//!   follow: <https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html>);
//! - timeline: `deploy` changes the handler, `set_mapping` the mapping's
//!   parameters (from the next batch on), `recreate_mapping` deletes and
//!   recreates the mapping with a new starting position and fresh checkpoints.
//!
//! Assumption: the poller reads with GetRecords' default limit (10,000
//! records) whenever it holds less than one batch per lane, and cuts batches
//! from what it read (AWS does not document the ESM's GetRecords `Limit`; with
//! one read per batch, 5 calls/s would cap a shard at 5 × BatchSize records/s,
//! which AWS's own guidance on back-to-back batches contradicts).
//!
//! Assumption: after a throttled GetRecords call the poller waits 1 s (AWS's
//! advice for GetRecords callers; the ESM's own delay is not documented).

use std::collections::VecDeque;
use std::rc::Rc;

use crate::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use crate::producer::TICK;
use crate::rng::Rng;
use crate::scenario::{
    Action, EventSourceMapping, FunctionConfig, Handler, ItemFailures, LambdaConsumer,
    StartingPosition,
};
use crate::stream::{
    ReadBatch, ReadError, Run, ShardId, ShardState, EFO_PROPAGATION, GET_RECORDS_MAX_RECORDS,
};
use crate::time::{SimDuration, SimTime};
use crate::trace::{Cause, EventKind, PeriodMax, Stat};

use super::batch::{self, Batch, MAX_PAYLOAD_BYTES};
use super::concurrency::Concurrency;
use super::destination::{self, Condition};
use super::handler::{self, FunctionError, Invocation, Response};
use super::retry::{Disposition, Follow, Job, Next, Policy, Settlement};
use super::tumbling_window::{self, Window};
use super::{bisect, item_failures, lanes, metrics, retry, why, LambdaEvent};

/// Idle polling: once per second per shard.
/// Source: <https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html>
pub const IDLE_POLL: SimDuration = SimDuration::from_secs(1);

/// Successive first-try successes of one lane within this span are one mark.
const STREAK_SPAN: SimDuration = SimDuration::from_secs(60);

/// How far ahead of the kernel one lane's back-to-back invocations may be
/// chained in one kernel event (see [`LambdaMapping`]'s "Chains"): a bound on
/// the work of one event; the next sweep usually ends a chain first.
const CHAIN_SPAN: SimDuration = SimDuration::from_secs(60);

/// The kernel's retention sweep interval (a chain keeps this margin to it).
const SWEEP_MARGIN: SimDuration = SimDuration::from_secs(1);

const POLL_LANE: u64 = 0xff;
const FINAL_LANE: u64 = 0xfe;
/// The timer that computes the idle polls left late in a window.
const LATE_LANE: u64 = 0xfd;
const FLUSH_TOKEN: u64 = u64::MAX;

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for its parents to be drained.
    Waiting,
    /// Reading; no batch in flight.
    Idle,
    /// Batches in flight (or waiting for a retry).
    Busy,
    /// Read to its end.
    Done,
}

#[derive(Clone, Debug)]
struct InFlight {
    start: SimTime,
    inv: Invocation,
    lo: u64,
    hi: u64,
}

#[derive(Clone, Debug)]
struct LaneState {
    job: Job,
    in_flight: Option<InFlight>,
    nonce: u8,
    done: bool,
}

#[derive(Clone, Debug, Default)]
struct Streak {
    start: SimTime,
    end: SimTime,
    invocations: u64,
    records: u64,
    first_seq: u64,
    last_seq: u64,
    cp_before: u64,
}

#[derive(Clone, Debug)]
struct Chunk {
    lanes: Vec<LaneState>,
    /// Settlements not yet passed to the ledger, by first sequence number.
    pending: Pending,
}

/// A chunk's settlements waiting for the checkpoint to reach them, as
/// `(first, end, disposition)` sorted by first sequence number (a handful:
/// a small sorted vector, not a tree that allocates per chunk).
#[derive(Clone, Debug, Default)]
struct Pending(Vec<(u64, u64, Disposition)>);

impl Pending {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds (or replaces) the settlement starting at `lo`.
    fn insert(&mut self, lo: u64, hi: u64, d: Disposition) {
        match self.0.binary_search_by_key(&lo, |e| e.0) {
            Ok(i) => self.0[i] = (lo, hi, d),
            Err(i) => self.0.insert(i, (lo, hi, d)),
        }
    }

    /// Takes the settlement starting exactly at `lo`, if any.
    fn remove(&mut self, lo: u64) -> Option<(u64, Disposition)> {
        let i = self.0.binary_search_by_key(&lo, |e| e.0).ok()?;
        let (_, hi, d) = self.0.remove(i);
        Some((hi, d))
    }
}

#[derive(Clone, Debug)]
struct Poller {
    phase: Phase,
    /// Next sequence number to read.
    cursor: u64,
    /// Everything below this is settled (processed, discarded or expired).
    checkpoint: u64,
    /// Records read, not yet in a batch.
    acc: VecDeque<Run>,
    /// How many records `acc` holds (kept with it: counting runs per
    /// invocation showed in profiles).
    acc_count: u64,
    /// And how many bytes (the 6 MB batch limit is checked at every push).
    acc_bytes: u64,
    shard_end: bool,
    backlogged: bool,
    window_start: SimTime,
    poll_nonce: u8,
    /// With enhanced fan-out: the batching window's deadline and the nonce of the poll
    /// scheduled for it, so that the pushes before it do not each schedule another.
    deadline_poll: Option<(SimTime, u8)>,
    chunk: Option<Chunk>,
    /// The lanes of the last chunk, kept to reuse their allocations.
    spare: Vec<LaneState>,
    streaks: Vec<Option<Streak>>,
    weights: Option<(u32, Rc<[u128]>)>,
    subscribed: bool,
    window: Option<Window>,
    final_in_flight: Option<(SimTime, u32)>,
    /// The lanes' random streams, by lane (see [`LambdaMapping`]'s "Random draws").
    rngs: Vec<Option<Rng>>,
    /// The random stream of the final (tumbling window) invocations.
    final_rng: Option<Rng>,
    /// This shard's invocations in the current metric period (see [`PeriodBook`]).
    period: Option<PeriodBook>,
    /// The lane's next timer when it is computed late instead of queued (see
    /// [`LambdaMapping`]'s "Idle polls computed late").
    late: Option<Late>,
}

/// A timer computed late: its time, its token, and the end of its window.
#[derive(Clone, Copy, Debug)]
struct Late {
    at: SimTime,
    token: u64,
    until: SimTime,
}

/// One shard's `Invocations` and highest `IteratorAge` in one metric period,
/// written to the metrics when the next period starts (or at the end): sums
/// and maxima do not depend on how updates are grouped, and one write per
/// period instead of three per invocation showed in profiles.
#[derive(Clone, Copy, Debug)]
struct PeriodBook {
    index: usize,
    /// A time in the period.
    at: SimTime,
    invocations: u64,
    max_age: u64,
}

impl Poller {
    fn new(phase: Phase, cursor: u64) -> Poller {
        Poller {
            phase,
            cursor,
            checkpoint: cursor,
            acc: VecDeque::new(),
            acc_count: 0,
            acc_bytes: 0,
            shard_end: false,
            backlogged: false,
            window_start: SimTime::ZERO,
            poll_nonce: 0,
            deadline_poll: None,
            chunk: None,
            spare: Vec::new(),
            streaks: Vec::new(),
            weights: None,
            subscribed: false,
            window: None,
            final_in_flight: None,
            rngs: Vec::new(),
            final_rng: None,
            period: None,
            late: None,
        }
    }

    /// The random stream of the shard's final (tumbling window) invocations.
    fn final_rng(&mut self, seed: u64, generation: u64, shard: ShardId) -> &mut Rng {
        self.final_rng.get_or_insert_with(|| {
            Rng::derive(seed, &format!("generation/{generation}/{shard}/final"))
        })
    }
}

/// A state that a caller checked or created is missing: a bug (out of line, once).
#[cold]
#[inline(never)]
fn missing(what: &str) -> ! {
    panic!("{what} exists")
}

/// The pollers by shard: a vector indexed by shard id (ids are small and dense;
/// lookups happen several times per invocation), iterated in id order.
#[derive(Clone, Debug, Default)]
struct Pollers(Vec<Option<(ShardId, Poller)>>);

impl Pollers {
    // Inline always: at the page's opt-level "z" LLVM calls even accessors this small (see
    // ARCHITECTURE.md, "Speed at opt-level z").
    #[inline(always)]
    fn get(&self, id: &ShardId) -> Option<&Poller> {
        self.0.get(id.0 as usize)?.as_ref().map(|(_, p)| p)
    }

    #[inline(always)]
    fn get_mut(&mut self, id: &ShardId) -> Option<&mut Poller> {
        self.0.get_mut(id.0 as usize)?.as_mut().map(|(_, p)| p)
    }

    /// The poller of a shard the mapping reads: its absence is a bug. (Not `expect`, a call
    /// at opt-level "z" on every poll.)
    #[inline(always)]
    fn of(&mut self, id: ShardId) -> &mut Poller {
        match self.get_mut(&id) {
            Some(p) => p,
            None => missing("the shard's poller"),
        }
    }

    fn insert(&mut self, id: ShardId, p: Poller) {
        let i = id.0 as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some((id, p));
    }

    fn or_insert_with(&mut self, id: ShardId, f: impl FnOnce() -> Poller) -> &mut Poller {
        if self.get(&id).is_none() {
            self.insert(id, f());
        }
        self.get_mut(&id).expect("just inserted")
    }

    fn clear(&mut self) {
        self.0.clear();
    }

    fn iter(&self) -> impl Iterator<Item = (&ShardId, &Poller)> {
        self.0.iter().flatten().map(|(s, p)| (s, p))
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = (ShardId, &mut Poller)> {
        self.0.iter_mut().flatten().map(|(s, p)| (*s, p))
    }

    fn keys(&self) -> impl Iterator<Item = &ShardId> {
        self.iter().map(|(s, _)| s)
    }

    fn values(&self) -> impl Iterator<Item = &Poller> {
        self.iter().map(|(_, p)| p)
    }
}

/// The Lambda event source mapping for Kinesis. See the module documentation.
///
/// # Chains (a speed-up that changes no result)
///
/// A lane that is neither failing nor waiting runs its invocations back to
/// back: each completion checkpoints, cuts the next batch from records
/// already read and invokes again at the same microsecond. Such a run is
/// computed inside one kernel event — the lane's completions are handled one
/// after the other with the clock set to each completion's time — instead of
/// one kernel event per invocation. A completion is chained only when nothing
/// else could act on it or see it before it happens:
/// - the invocation succeeds (its response is known when it starts) and it is
///   the lane's only piece, the shard has one lane (ParallelizationFactor 1),
///   and after it the lane either has another batch already read or nothing
///   read and nothing behind, so that it idles until its next poll (no
///   GetRecords call, whose read limits other consumers share, happens inside
///   a chain), except while late timers are computed, when the lane may read
///   on at once ([`LambdaMapping::reads_late`]);
/// - it completes before the next timeline action, before the end of the run,
///   before the kernel's next sweep (which reads every consumer's books; sweeps
///   run only when they have something to do, about once a metric period) and
///   within `CHAIN_SPAN` of the kernel's time, and its records are more than a
///   retention sweep away from being trimmed;
/// - the mapping has no enhanced fan-out (pushes could arrive meanwhile), no
///   tumbling window, no MaximumRecordAgeInSeconds, `error_rate` 0 (the draws
///   of other shards then cannot change an outcome), concurrency that cannot
///   be exhausted (the limit is at least 10 × the stream's shards) and a
///   provisioned stream (no automatic split meanwhile); the ledger does not
///   track keys.
///
/// A chained lane holds its concurrency slot for the whole run, as the
/// unchained lane does (its completion and next start happen at the same
/// instant); a chain that ends with the lane idle keeps the slot counted until
/// its last completion's time, when the mapping's first event at or after it
/// releases it ([`LambdaMapping::release_due`]). `ConcurrentExecutions` is the
/// running count's maximum over each period, and the summary's maximum is its
/// maximum: neither depends on how events at one instant are interleaved.
/// Trace events at the same microsecond are ordered by shard
/// ([`crate::trace::TraceEvent::order_key`]). A chain schedules its last
/// completion (and any timer) earlier than the unchained model would; the
/// kernel serves an instant's events by rank — its own (timeline, tick,
/// sweep) first, then each consumer's in consumer order ([`crate::queue`]) —
/// so that earlier scheduling changes nothing relative to the producers'
/// writes or another consumer's reads. The equivalence is pinned by a test
/// that runs scenarios with chains on and off (`chains_change_nothing`).
///
/// # Idle polls computed late (a speed-up that changes no result)
///
/// A healthy lane with little traffic polls once a second, finds that second's
/// records, invokes once and completes well before its next poll. Nothing but the
/// mapping itself reads a lane's books between the kernel's sweeps, so such a
/// lane's timers are not queued one by one: from an idle poll on, the lane keeps
/// its next timer late (`Poller::late`) and it is computed at its own time, with
/// the clock set back to it, before anything else the mapping does — when the
/// mapping next handles an event, when a sweep is about to read the books
/// ([`Consumer::catch_up`]), and at the latest by one wake just before the window
/// ends ([`LambdaMapping::catch_up_late`]). The lanes' late timers go in time
/// order (by shard at one instant) and the concurrency slots they take and release
/// with them, so every count is what queuing them would give. Each read sees the
/// shard as it stood at the poll's instant ([`crate::tip_log`]). Every timer a late
/// one sets is late too, or queued if it falls after the window.
///
/// A window opens where nothing else can see the lane before it ends: one timer at
/// a time per shard (ParallelizationFactor 1, no tumbling or batching window, no
/// enhanced fan-out), the run's only consumer (nothing else reads the shards), a
/// provisioned stream (no automatic split); it ends at the next timeline action
/// (which alone writes poison records, reshards or changes the producers and the
/// mapping) or at the end of the run.
///
/// A poll that reads less than a batch on such a lane is one first-try success
/// that may be chained: [`LambdaMapping::idle_plain`] does it without a chunk or a
/// job. `late_polls_change_nothing` (against chains off) and the preset trace
/// hashes pin the equivalence.
///
/// # Random draws
///
/// Each lane draws from its own random stream (one draw per invocation, see
/// [`super::handler`]), derived from a seed the mapping draws from the
/// consumer's stream at start, the mapping's generation, the shard and the
/// lane; a shard's final (tumbling window) invocations have one more. A
/// modelling choice: which invocation gets which draw then depends only on the
/// lane's own history, not on how events of different shards and lanes are
/// interleaved at one instant — which a chain changes.
#[derive(Clone, Debug)]
pub struct LambdaMapping {
    esm: EventSourceMapping,
    efo: bool,
    function: FunctionConfig,
    handler: Handler,
    generation: u64,
    pollers: Pollers,
    conc: Concurrency,
    phase: SimDuration,
    /// `ConcurrentExecutions`: the running count and since when it holds.
    gauge: Option<(SimTime, u64)>,
    /// Chains are allowed (in this kernel event) for completions before this.
    chain_horizon: Option<SimTime>,
    /// The lane whose in-flight invocation is chained (not scheduled).
    chained: Option<(ShardId, usize)>,
    /// The clock is ahead of the kernel's (inside a chain).
    ahead: bool,
    /// Computing late timers ([`Self::catch_up_late`]): the chain's book is written once
    /// they are done, not at each timer's end.
    catching_up: bool,
    /// Computing late timers: reads before this time see the shards as they stood, so a
    /// chain may read up to it (see [`Self::reads_late`]).
    read_before: Option<SimTime>,
    /// Inside [`Self::idle_plain`] while catching up: its delivery and processed records
    /// (new records, in sequence order) go to the chain's book.
    plain_booking: bool,
    /// Inside a chain: the times of the completions whose concurrency slot was not
    /// taken again at once (see [`Self::run_chain`]).
    released_ahead: Vec<SimTime>,
    /// Concurrency slots of chained completions after which their lane went idle: still
    /// held for the kernel until these times (ascending), released by the mapping's
    /// first event at or after each ([`Self::release_due`]).
    releases: Vec<SimTime>,
    /// Chains off (tests compare runs with and without them).
    no_chains: bool,
    /// While a lane's timers go late (opening a window, or computing a late timer):
    /// the end of its window.
    late_until: Option<SimTime>,
    /// How many lanes have a late timer.
    late_lanes: u32,
    /// The last timer queued to compute the late timers of a window by its end.
    late_wake: Option<SimTime>,
    /// The seed of the lanes' random streams (drawn from the consumer's stream at start).
    seed: u64,
    /// A reusable buffer for settlements (empty between uses).
    scratch: Vec<Settlement>,
    /// A reusable buffer for ranges passed to the ledger (empty between uses).
    ops: Vec<(u64, u64, Disposition)>,
    /// Bookkeeping of the current chain, written at its end.
    book: ChainBook,
    /// Run lists of settled batches, reused by the next batches read (a
    /// batch's allocation and release showed in profiles).
    spare_runs: Vec<Vec<Run>>,
    /// Whether invocation metrics go through the shards' [`PeriodBook`]s.
    period_books: Books,
    /// The highest `ConcurrentExecutions` of the current period (see [`Self::held`]).
    gauge_book: PeriodMax,
    gauge_books: Books,
}

/// Whether a metric is noted in a period book or written at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Books {
    /// Written at once until its first write: so the series keep the order of first use.
    NotYet,
    /// Noted in the period's book.
    On,
    /// Written at once after the end-of-run flush (later writes at the last instant would
    /// otherwise stay in a book).
    Closed,
}

impl Books {
    /// After a write at once: books from now on, unless closed.
    fn after_direct_write(&mut self) {
        if *self == Books::NotYet {
            *self = Books::On;
        }
    }
}

/// How many run lists [`LambdaMapping::spare_runs`] keeps.
const SPARE_RUNS: usize = 32;

/// What a chain, or the plain idle polls of a catch-up of late timers ([`LambdaMapping`]'s
/// "Chains" and "Idle polls computed late"), defer to its end: one shard's contiguous
/// deliveries and processed records, each processed in sequence order past everything
/// processed before (one ledger call each instead of one per invocation). Nothing reads
/// them before it ends (no kernel event happens inside either); a settle of anything else
/// writes the book first, and deliveries do not depend on how interval sets are updated
/// (in which order, grouped how).
#[derive(Clone, Debug, Default)]
struct ChainBook {
    shard: Option<ShardId>,
    delivered: Option<(u64, u64)>,
    processed: Option<(u64, u64)>,
}

impl LambdaMapping {
    /// A mapping for the scenario's Lambda consumer.
    pub fn new(c: &LambdaConsumer) -> LambdaMapping {
        LambdaMapping {
            esm: c.esm.clone(),
            efo: c.enhanced_fan_out,
            function: c.function.clone(),
            handler: c.handler.clone(),
            generation: 0,
            pollers: Pollers::default(),
            conc: Concurrency::default(),
            phase: SimDuration::ZERO,
            gauge: None,
            chain_horizon: None,
            chained: None,
            ahead: false,
            catching_up: false,
            read_before: None,
            plain_booking: false,
            released_ahead: Vec::new(),
            releases: Vec::new(),
            no_chains: false,
            late_until: None,
            late_lanes: 0,
            late_wake: None,
            seed: 0,
            scratch: Vec::new(),
            ops: Vec::new(),
            book: ChainBook::default(),
            spare_runs: Vec::new(),
            period_books: Books::NotYet,
            gauge_book: PeriodMax::default(),
            gauge_books: Books::NotYet,
        }
    }

    /// Turns chains on (the default; see "Chains" above): a lane's
    /// back-to-back successful invocations in one kernel event.
    pub fn with_chains(mut self) -> LambdaMapping {
        self.no_chains = false;
        self
    }

    /// Turns chains off: every invocation is one kernel event, and an enhanced
    /// fan-out lane that goes idle queues its idle poll (the reference model the
    /// tests compare chained runs with).
    pub fn without_chains(mut self) -> LambdaMapping {
        self.no_chains = true;
        self
    }

    /// Notes the running count for `ConcurrentExecutions` (at kernel time
    /// only: inside a chain the count does not change).
    fn note_concurrency(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if self.ahead {
            return;
        }
        let (now, v) = (ctx.now, self.conc.running);
        match self.gauge {
            Some((_, held)) if held == v => {}
            Some((at, held)) if at < now => {
                self.held(ctx, at, now, held);
                self.gauge = Some((now, v));
            }
            _ => self.gauge = Some((now, v)),
        }
    }

    /// `ConcurrentExecutions`: `v` invocations ran on `[from, to)`. A span
    /// within one period goes to the gauge's period book (its maximum), the
    /// rest is written at once, as is the very first span (so the series
    /// keep the order of first use).
    fn held(&mut self, ctx: &mut ConsumerCtx<'_>, from: SimTime, to: SimTime, v: u64) {
        if v == 0 {
            return;
        }
        if to > from {
            // The summary's maximum is this metric's: invocations that ran at once for
            // some time. One ending at the instant another starts is not concurrency, and
            // which of the two the kernel serves first would otherwise decide it.
            let stats = ctx.stats();
            stats.max_concurrency = stats.max_concurrency.max(v);
        }
        let m = &mut ctx.rec.metrics;
        let first = m.period_of(from);
        let last = if to > from {
            m.period_of(SimTime(to.0 - 1))
        } else {
            first
        };
        if self.gauge_books == Books::On && first == last {
            if let Some((at, max)) = self.gauge_book.note(first, from, v) {
                let i = ctx.index;
                m.consumer_metric(at, i, metrics::CONCURRENT_EXECUTIONS, Stat::Maximum, max);
            }
            return;
        }
        self.flush_gauge_book(ctx);
        self.gauge_books.after_direct_write();
        let i = ctx.index;
        ctx.rec
            .metrics
            .consumer_gauge(from, to, i, metrics::CONCURRENT_EXECUTIONS, v);
    }

    fn flush_gauge_book(&mut self, ctx: &mut ConsumerCtx<'_>) {
        if let Some((at, max)) = self.gauge_book.take() {
            let i = ctx.index;
            ctx.rec.metrics.consumer_metric(
                at,
                i,
                metrics::CONCURRENT_EXECUTIONS,
                Stat::Maximum,
                max,
            );
        }
    }

    /// The latest completion a chain may reach from now, if chains are
    /// possible at all (see "Chains").
    fn chain_horizon(&self, ctx: &ConsumerCtx<'_>) -> Option<SimTime> {
        if self.efo {
            return None;
        }
        self.plain_horizon(ctx)
    }

    /// [`Self::chain_horizon`] whether or not the mapping has enhanced fan-out: the
    /// latest completion a first-try success computed at once may have.
    fn plain_horizon(&self, ctx: &ConsumerCtx<'_>) -> Option<SimTime> {
        if self.no_chains
            || self.esm.tumbling_window_in_seconds > 0
            || !self.esm.enabled
            || self.esm.maximum_record_age_in_seconds.is_some()
            || self.handler.error_rate.is_nan()
            || self.handler.error_rate > 0.0
            || ctx.stream.on_demand
            || ctx.ledger.key_newest.is_some()
        {
            return None;
        }
        let shards = ctx.stream.shard_infos().count() as u64;
        if Concurrency::limit(&self.function) < 10 * shards {
            return None;
        }
        let now = ctx.now;
        // The kernel's sweep reads every consumer's books (expiry, the record counters
        // over time): a chain must not run past the next one, nor start on its instant.
        if now >= ctx.next_sweep {
            return None;
        }
        let h = SimTime(now.0.saturating_add(CHAIN_SPAN.0))
            .min(ctx.end)
            .min(ctx.next_sweep);
        Some(next_action_before(ctx, h))
    }

    /// True if the invocation just started on `lane` may complete inside the
    /// current chain (see "Chains").
    fn can_chain(
        &self,
        ctx: &ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        inv: &Invocation,
        done_at: SimTime,
    ) -> bool {
        let Some(h) = self.chain_horizon else {
            return false;
        };
        if done_at >= h || lane != 0 || inv.response != Response::Success {
            return false;
        }
        let Some(p) = self.pollers.get(&shard) else {
            return false;
        };
        let Some(c) = p.chunk.as_ref() else {
            return false;
        };
        let [only] = c.lanes.as_slice() else {
            return false;
        };
        if only.job.pieces.len() != 1
            || !c.pending.is_empty()
            || p.weights.as_ref().is_none_or(|(_, w)| w.len() != 1)
            || p.window.is_some()
            || p.final_in_flight.is_some()
        {
            return false;
        }
        // After it, the lane invokes again from records already read, or goes idle until
        // its next poll a second later: either way without a GetRecords call meanwhile,
        // unless the chain may read then (computing late timers).
        let next_read = p.acc_count >= u64::from(self.esm.batch_size);
        let goes_idle = p.acc_count == 0 && !p.backlogged && !p.shard_end;
        if !next_read && !goes_idle && !self.reads_late(ctx, shard, p, done_at) {
            return false;
        }
        // Nothing of this shard still unsettled may be trimmed meanwhile.
        let oldest = only.job.front().and_then(|b| b.first_arrival());
        oldest.is_some_and(|a| {
            a.0.saturating_add(ctx.stream.retention.0) > done_at.0.saturating_add(SWEEP_MARGIN.0)
        })
    }

    /// True if, at its completion at `at`, a chained invocation on `shard`'s lane may
    /// poll again at once and read what is new, inside the chain: while late timers are
    /// computed (the window's run is the only reader of the shards, so nothing else
    /// touches this shard's read limits meanwhile, and each read sees the shard as it
    /// stood then, see "Idle polls computed late"), before the kernel's time, with
    /// records left over from the last read to batch with the new ones (so that the
    /// lane polls again at once, and finds a batch), on a shard not ended, when the
    /// read limits allow the call. `late_chains_that_read_change_nothing` and the preset
    /// trace hashes pin the equivalence.
    fn reads_late(&self, ctx: &ConsumerCtx<'_>, shard: ShardId, p: &Poller, at: SimTime) -> bool {
        reads_late(self.late_until.and(self.read_before), ctx, shard, p, at)
    }

    /// Handles the completions chained in this kernel event, one after the
    /// other at their own times, then puts the clock back.
    fn run_chain(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let kernel_now = ctx.now;
        while let Some((shard, lane)) = self.chained.take() {
            let Some(f) = self.lane_mut(shard, lane).and_then(|l| l.in_flight.take()) else {
                break;
            };
            ctx.now = SimTime(f.start.0.saturating_add(f.inv.duration.0));
            self.ahead = true;
            if let Some(f) = self.chain_plain(ctx, shard, lane, f) {
                self.complete(ctx, shard, lane, f);
            }
        }
        if !self.catching_up {
            self.flush_book(ctx);
        }
        self.ahead = false;
        ctx.now = kernel_now;
        self.chain_horizon = None;
        // A lane that went idle at its last completion holds its slot until then for
        // everything the kernel does meanwhile (`ConcurrentExecutions`, the summary's
        // maximum), as it would unchained.
        while let Some(t) = self.released_ahead.pop() {
            self.conc.running += 1;
            self.release_at(t);
        }
    }

    /// Releases the slots of chained completions whose time has come, each noted in
    /// `ConcurrentExecutions` at its own time (before anything at the kernel's time).
    fn release_due(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let kernel_now = ctx.now;
        // The due releases are a prefix (the list is sorted): ended in order, then taken
        // off together. One at a time from the front would move the rest each time, and a
        // chain books hundreds ahead.
        let due = self.releases.partition_point(|&t| t <= kernel_now);
        if due == 0 {
            return;
        }
        for k in 0..due {
            let t = self.releases.as_slice()[k];
            self.conc.end();
            ctx.now = t;
            self.note_concurrency(ctx);
        }
        self.releases.drain(..due);
        ctx.now = kernel_now;
    }

    /// Inside a chain: completes `f` and starts the lane's next batch, again
    /// and again, while each invocation is a first-try success that may be
    /// chained. It does what [`Self::complete`], [`Self::lane_done`],
    /// [`Self::poll`], [`Self::start_chunk`] and [`Self::try_invoke`] do for
    /// such a lane — checkpoint, streak, next batch from records already
    /// read, invoke — without their general bookkeeping, and leaves the lane
    /// as they would (`chains_change_nothing` and the trace hashes pin this).
    /// Returns `f` untouched when the lane is not in that state.
    fn chain_plain(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        f: InFlight,
    ) -> Option<InFlight> {
        let Some(horizon) = self.chain_horizon else {
            return Some(f);
        };
        let batch_size = u64::from(self.esm.batch_size);
        let trim = ctx.stream.trim_seq(shard);
        let retention = ctx.stream.retention.0;
        let pf = self.esm.parallelization_factor;
        let plain_lane = self.pollers.get(&shard).is_some_and(|p| {
            p.chunk.as_ref().is_some_and(|c| match c.lanes.as_slice() {
                [only] => {
                    c.pending.is_empty()
                        && only.job.pieces.len() == 1
                        && only.job.invoke_count == 0
                        && only
                            .job
                            .front()
                            .is_some_and(|b| b.lo == f.lo && b.hi() == f.hi)
                }
                _ => false,
            }) && p.checkpoint == f.lo
                && p.window.is_none()
                && p.final_in_flight.is_none()
                && p.weights
                    .as_ref()
                    .is_some_and(|(n, w)| *n == pf && w.len() == 1)
                && (p.acc_count >= batch_size || self.reads_late(ctx, shard, p, ctx.now))
                && p.acc.front().is_some_and(|r| r.first_seq >= trim)
        });
        if lane != 0
            || f.inv.response != Response::Success
            || !plain_lane
            || !self.esm.enabled
            || self.efo
            || self.esm.tumbling_window_in_seconds > 0
        {
            return Some(f);
        }
        let timeout = self.timeout();
        let (seed, generation) = (self.seed, self.generation);
        let read_before = self.late_until.and(self.read_before);
        let rbif = self.esm.report_batch_item_failures;
        let malformed = self.handler.item_failures == ItemFailures::Malformed;
        // The completed batch's allocation is reused for the next one.
        let mut b = self
            .lane_mut(shard, lane)
            .and_then(|l| l.job.pieces.pop_front())
            .expect("checked above");
        let mut f = f;
        // What the chain delivered and processed, counted when it ends (book_run()).
        let (mut sent, mut done) = (None::<(u64, u64)>, None::<(u64, u64)>);
        loop {
            let now = SimTime(f.start.0.saturating_add(f.inv.duration.0));
            ctx.now = now;
            // complete(): a first-try success checkpoints past its batch (succeed()).
            let cp_before = self.pollers.of(shard).checkpoint;
            self.pass(ctx, shard, lane, &f, cp_before);
            done = Some((done.map_or(f.lo, |(a, _)| a), f.hi));
            // lane_done(), poll(): the next full batch is already read, or the lane reads
            // on at once (checked: see reads_late()).
            let p = self.pollers.of(shard);
            p.window_start = now;
            if p.acc_count < batch_size {
                let limit = GET_RECORDS_MAX_RECORDS - p.acc_count;
                if let Ok(read) = ctx.get_records(shard, p.cursor, limit) {
                    take_read(self.pollers.of(shard), &read);
                    ctx.recycle_read(read);
                }
            }
            // start_chunk(): the next batch.
            let p = self.pollers.of(shard);
            batch::take_into(&mut b, &mut p.acc, batch_size, MAX_PAYLOAD_BYTES, None);
            p.acc_count -= b.records();
            p.acc_bytes -= b.bytes();
            p.checkpoint = p.checkpoint.max(b.lo);
            // try_invoke(): the concurrency slot `f` held is taken again at once.
            let (lo, hi) = (b.lo, b.hi());
            let age = b
                .last_arrival()
                .map_or(0, |t| now.0.saturating_sub(t.0) / 1_000);
            self.count_start(ctx, shard, age);
            sent = Some((sent.map_or(lo, |(a, _)| a), hi));
            let p = self.pollers.of(shard);
            let rng = lane_rng(&mut p.rngs, seed, generation, shard, lane);
            let inv = handler::invoke(&self.handler, timeout, &b, rbif, malformed, rng);
            ctx.stats().usage.billed_ms += billed_ms(inv.duration);
            let done_at = SimTime(now.0.saturating_add(inv.duration.0));
            let next = InFlight {
                start: now,
                inv,
                lo,
                hi,
            };
            // can_chain(), for what changes from one invocation to the next.
            let chained = done_at < horizon
                && inv.response == Response::Success
                && b.first_arrival().is_some_and(|a| {
                    a.0.saturating_add(retention) > done_at.0.saturating_add(SWEEP_MARGIN.0)
                })
                && (p.acc_count >= batch_size || reads_late(read_before, ctx, shard, p, done_at));
            if chained {
                f = next;
                continue;
            }
            // The lane as try_invoke() leaves it: the batch in flight, its completion scheduled.
            let l = self.lane_of(shard, lane);
            l.job.reset(b);
            l.in_flight = Some(next);
            l.nonce = 1;
            l.done = false;
            let t = self.token(shard, lane as u64, 1);
            self.queue_timer(ctx, shard, done_at, t);
            self.book_run(ctx, shard, sent, done);
            return None;
        }
    }

    /// Notes a delivery of `[lo, hi)` in the chain's book (see [`ChainBook`]).
    fn book_delivery(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lo: u64, hi: u64) {
        if self.book.shard != Some(shard) {
            self.flush_book(ctx);
            self.book.shard = Some(shard);
        }
        match &mut self.book.delivered {
            Some((_, h)) if *h == lo => *h = hi,
            d => {
                if let Some((a, b)) = d.replace((lo, hi)) {
                    ctx.deliver(shard, a, b);
                }
            }
        }
    }

    /// An invocation of `[lo, hi)` starts: counted, with its iterator age (ms) and
    /// its delivery (in the chain's book inside a chain).
    fn count_invocation(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lo: u64,
        hi: u64,
        age: u64,
    ) {
        self.count_start(ctx, shard, age);
        self.deliver(ctx, shard, lo, hi);
    }

    /// An invocation starts: counted, with its iterator age (ms).
    // Inline always: a call each at the page's opt-level "z", per invocation.
    #[inline(always)]
    fn count_start(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, age: u64) {
        ctx.stats().invocations += 1;
        self.note_invocation(ctx, shard, age);
    }

    /// Records `[lo, hi)` delivered to the handler: in the chain's book inside a chain.
    // Inline always: a call each at the page's opt-level "z", per invocation.
    #[inline(always)]
    fn deliver(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lo: u64, hi: u64) {
        if self.ahead || self.plain_booking {
            self.book_delivery(ctx, shard, lo, hi);
        } else {
            ctx.deliver(shard, lo, hi);
        }
    }

    /// What a run of invocations (a chain, a run of late idle polls) delivered and
    /// processed, each one range (each batch is the next of the lane's records), counted
    /// once when it ends as [`Self::count_invocation`] and [`Self::succeed`] would have
    /// counted them one by one: nothing in between reads them.
    fn book_run(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        sent: Option<(u64, u64)>,
        done: Option<(u64, u64)>,
    ) {
        if let Some((lo, hi)) = sent {
            self.deliver(ctx, shard, lo, hi);
        }
        if let Some((lo, hi)) = done {
            self.settle(ctx, shard, lo, hi, Outcome::Processed);
        }
    }

    /// A first-try success of `f` on `lane`: the checkpoint passes its batch, its
    /// records are processed, the lane's streak grows.
    fn succeed(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        f: &InFlight,
        cp_before: u64,
    ) {
        self.pass(ctx, shard, lane, f, cp_before);
        self.settle(ctx, shard, f.lo, f.hi, Outcome::Processed);
    }

    /// [`Self::succeed`] but for its records' settlement (the caller's): the checkpoint
    /// passes the batch, the lane's streak grows.
    // Inline always: a call each at the page's opt-level "z", per invocation.
    #[inline(always)]
    fn pass(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        f: &InFlight,
        cp_before: u64,
    ) {
        self.pollers.of(shard).checkpoint = f.hi;
        self.extend_streak(ctx, shard, lane, f, cp_before);
    }

    /// A completed invocation's concurrency slot, still counted, is released at `t`
    /// (by the mapping's first event then or after: [`Self::release_due`]).
    fn release_at(&mut self, t: SimTime) {
        let i = self.releases.partition_point(|&r| r <= t);
        self.releases.insert(i, t);
    }

    /// Settles records in the ledger; inside a chain, records processed in
    /// sequence order go to the chain's book (see [`ChainBook`]).
    fn settle(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lo: u64,
        hi: u64,
        outcome: Outcome,
    ) {
        if (self.ahead || self.plain_booking)
            && outcome == Outcome::Processed
            && self.book.shard.is_none_or(|s| s == shard)
        {
            self.book.shard = Some(shard);
            match &mut self.book.processed {
                Some((_, h)) if *h == lo => *h = hi,
                d => {
                    if let Some((a, b)) = d.replace((lo, hi)) {
                        ctx.settle(shard, a, b, Outcome::Processed);
                    }
                }
            }
            return;
        }
        self.flush_book(ctx);
        ctx.settle(shard, lo, hi, outcome);
    }

    /// Notes an invocation (with the iterator age it reports) in its shard's
    /// [`PeriodBook`], or writes it at once.
    fn note_invocation(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, age: u64) {
        let now = ctx.now;
        let index = ctx.rec.metrics.period_of(now);
        let one = PeriodBook {
            index,
            at: now,
            invocations: 1,
            max_age: age,
        };
        let book = match self.pollers.get_mut(&shard) {
            Some(p) if self.period_books == Books::On => &mut p.period,
            _ => {
                self.period_books.after_direct_write();
                return write_period(ctx, shard, one);
            }
        };
        match book {
            Some(b) if b.index == index => {
                b.invocations += 1;
                b.max_age = b.max_age.max(age);
            }
            _ => {
                if let Some(b) = book.replace(one) {
                    write_period(ctx, shard, b);
                }
            }
        }
    }

    /// Writes every shard's [`PeriodBook`].
    fn flush_periods(&mut self, ctx: &mut ConsumerCtx<'_>) {
        for (shard, p) in self.pollers.iter_mut() {
            if let Some(b) = p.period.take() {
                write_period(ctx, shard, b);
            }
        }
    }

    /// Writes the chain's book to the ledger and the metrics.
    fn flush_book(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let Some(shard) = self.book.shard.take() else {
            return;
        };
        if let Some((lo, hi)) = self.book.delivered.take() {
            ctx.deliver(shard, lo, hi);
        }
        if let Some((lo, hi)) = self.book.processed.take() {
            ctx.settle(shard, lo, hi, Outcome::Processed);
        }
    }

    /// Boxed, for the simulation's consumer factory.
    pub fn boxed(c: &LambdaConsumer) -> Box<dyn Consumer> {
        Box::new(LambdaMapping::new(c))
    }

    fn token(&self, shard: ShardId, lane: u64, nonce: u8) -> u64 {
        ((self.generation & 0xffff) << 48)
            | (u64::from(shard.0) << 16)
            | ((lane & 0xff) << 8)
            | u64::from(nonce)
    }

    fn timeout(&self) -> SimDuration {
        SimDuration::from_secs(u64::from(self.function.timeout_seconds))
    }

    /// The handler returns a malformed `batchItemFailures` response (an
    /// empty `itemIdentifier`) for poison records: a complete failure. The
    /// same as the scenario's `"handler": {"item_failures": "malformed"}`.
    pub fn with_malformed_item_failures(mut self, malformed: bool) -> LambdaMapping {
        if malformed {
            self.handler.item_failures = ItemFailures::Malformed;
        }
        self
    }

    fn emit(&self, ctx: &mut ConsumerCtx<'_>, at: SimTime, ev: LambdaEvent) {
        let cause = Cause::Consumer {
            consumer: ctx.name.to_string(),
        };
        emit_at(ctx, at, cause, ev);
    }

    fn metric(&mut self, ctx: &mut ConsumerCtx<'_>, name: &'static str, stat: Stat, v: u64) {
        let (now, i) = (ctx.now, ctx.index);
        ctx.rec.metrics.consumer_metric(now, i, name, stat, v);
    }

    // ---- shard lifecycle -------------------------------------------------

    fn parents_done(&self, ctx: &ConsumerCtx<'_>, shard: ShardId) -> bool {
        ctx.shard(shard).is_none_or(|info| {
            info.parents().all(|p| {
                self.pollers.get(&p).is_none_or(|q| q.phase == Phase::Done)
                    || ctx.shard(p).is_none_or(|i| i.state == ShardState::Expired)
            })
        })
    }

    fn activate(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let now = ctx.now;
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        if p.phase != Phase::Waiting {
            return;
        }
        p.phase = Phase::Idle;
        p.window_start = now;
        let cursor = p.cursor;
        self.emit(
            ctx,
            now,
            LambdaEvent {
                what: "shard_started",
                shard: Some(shard),
                checkpoint_after: Some(cursor),
                why: why::STARTED,
                ..LambdaEvent::default()
            },
        );
        if self.efo {
            self.subscribe(ctx, shard);
        }
        let at = SimTime(now.0 + self.phase.0);
        self.schedule_poll(ctx, shard, at);
    }

    fn subscribe(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        if !p.subscribed && !p.shard_end {
            p.subscribed = ctx.subscribe(shard, p.cursor).is_ok();
        }
    }

    fn finish_shard(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let now = ctx.now;
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        if p.phase == Phase::Done {
            return;
        }
        p.phase = Phase::Done;
        let cp = p.checkpoint;
        if p.subscribed {
            p.subscribed = false;
            ctx.unsubscribe(shard);
        }
        self.flush_streaks(ctx, shard);
        self.emit(
            ctx,
            now,
            LambdaEvent {
                what: "shard_drained",
                shard: Some(shard),
                checkpoint_after: Some(cp),
                why: why::DRAINED,
                ..LambdaEvent::default()
            },
        );
        let children = ctx
            .shard(shard)
            .map(|i| i.children.clone())
            .unwrap_or_default();
        for c in children {
            self.pollers.or_insert_with(c, || {
                Poller::new(
                    Phase::Waiting,
                    ctx.position(c, StartingPosition::TrimHorizon),
                )
            });
            if self.parents_done(ctx, c) {
                self.activate(ctx, c);
            }
        }
    }

    // ---- polling ----------------------------------------------------------

    /// Schedules the idle poll a lane makes a second after it found nothing to do:
    /// computed late if a window can open (see "Idle polls computed late").
    fn schedule_idle_poll(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, at: SimTime) {
        if self.late_until.is_none() {
            if let Some(until) = self.late_window(ctx, at) {
                // The shards' writes from now on are noted for the window's reads.
                ctx.stream.watch_tips();
                self.late_until = Some(until);
                self.schedule_poll(ctx, shard, at);
                self.late_until = None;
                return;
            }
        }
        self.schedule_poll(ctx, shard, at);
    }

    /// Queues a lane's timer, or, inside a window, keeps it late (see "Idle polls
    /// computed late").
    fn queue_timer(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, at: SimTime, token: u64) {
        let until = match self.late_until {
            Some(until) if at < until => until,
            _ => return ctx.schedule(at, token),
        };
        let p = self.pollers.of(shard);
        debug_assert!(p.late.is_none(), "one timer at a time");
        if p.late.replace(Late { at, token, until }).is_none() {
            self.late_lanes += 1;
        }
        // One timer computes what is left late by the window's end (a sweep or
        // another event of the mapping may have done it before).
        let wake = SimTime(until.0 - 1);
        if self.late_wake != Some(wake) {
            self.late_wake = Some(wake);
            let t = self.token(ShardId(0), LATE_LANE, 0);
            ctx.schedule(wake, t);
        }
    }

    /// The end of the window in which a lane's idle poll at `at`, and the lane's
    /// timers after it, may be computed late, if they may (see "Idle polls computed
    /// late").
    fn late_window(&self, ctx: &ConsumerCtx<'_>, at: SimTime) -> Option<SimTime> {
        if self.no_chains
            || self.efo
            || self.esm.tumbling_window_in_seconds > 0
            || self.esm.maximum_batching_window_in_seconds > 0
            || self.esm.parallelization_factor != 1
            || ctx.stream.on_demand
            || !ctx.reads_alone()
        {
            return None;
        }
        let until = next_action_before(ctx, ctx.end);
        (at.0 + IDLE_POLL.0 < until.0).then_some(until)
    }

    /// Computes the lanes' late timers due before `before`, each at its own time
    /// and in time order (by shard at one instant), as the kernel would have served
    /// them (see "Idle polls computed late").
    fn catch_up_late(&mut self, ctx: &mut ConsumerCtx<'_>, before: SimTime) {
        if self.late_lanes == 0 {
            return;
        }
        let kernel_now = ctx.now;
        self.catching_up = true;
        self.read_before = Some(before);
        loop {
            // The earliest late timer before `before`, and the one after it (of another lane).
            let mut next: Option<(SimTime, ShardId)> = None;
            let mut second = (before, ShardId(0));
            let mut earliest = kernel_now;
            for (shard, p) in self.pollers.iter() {
                if let Some(l) = p.late {
                    earliest = earliest.min(l.at);
                    let key = (l.at, *shard);
                    if l.at < before && next.is_none_or(|n| key < n) {
                        if let Some(n) = next {
                            second = second.min(n);
                        }
                        next = Some(key);
                    } else {
                        second = second.min(key);
                    }
                }
            }
            if let Some((_, shard)) = next {
                if self.late_idle_run(ctx, shard, second) {
                    continue;
                }
            }
            let Some((at, shard)) = next else {
                // Nothing reads behind `earliest` any more (a window opened from now on
                // reads a second later): the writes before it can go, even on a shard
                // whose lane does not read for a long time (one retrying a batch).
                ctx.stream.forget_tips_before(earliest);
                break;
            };
            let Some(late) = self.pollers.of(shard).late.take() else {
                break;
            };
            self.late_lanes -= 1;
            ctx.now = at;
            self.release_due(ctx);
            self.late_until = Some(late.until);
            self.timer(ctx, late.token);
            self.late_until = None;
        }
        self.catching_up = false;
        self.read_before = None;
        self.flush_book(ctx);
        if self.late_lanes == 0 {
            ctx.stream.unwatch_tips();
        }
        ctx.now = kernel_now;
    }

    /// Computes the late timers of `shard`'s lane that come before `stop` (the next late
    /// timer of another lane, or the end of the catch-up: `(before, ShardId(0))`), one
    /// after the other, while each is a plain idle poll: what [`Self::catch_up_late`],
    /// [`Self::timer`], [`Self::poll`], [`Self::idle_plain`] and [`Self::invoke_plain`]
    /// do for each, without what the polls do not change (the search for the next late
    /// timer, the token's dispatch, the lane's and the mapping's checks, the horizon's
    /// invariant part) and with the chain's book written once. Returns false, having
    /// done nothing, if the first is not one (`late_polls_change_nothing` and the preset
    /// trace hashes pin the equivalence).
    fn late_idle_run(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        stop: (SimTime, ShardId),
    ) -> bool {
        let Some(p) = self.pollers.get(&shard) else {
            return false;
        };
        let Some(first) = p.late else {
            return false;
        };
        // poll() and idle_plain(): the lane idle with nothing read, the mapping polling
        // one batch at a time (nothing of which a plain idle poll changes).
        let pf = self.esm.parallelization_factor;
        if self.efo
            || !self.esm.enabled
            || self.ahead
            || self.chained.is_some()
            || !self.catching_up
            || self.esm.tumbling_window_in_seconds > 0
            || self.esm.maximum_batching_window_in_seconds > 0
            || pf != 1
            || p.phase != Phase::Idle
            || p.final_in_flight.is_some()
            || p.chunk.is_some()
            || p.window.is_some()
            || p.shard_end
            || p.acc_count > 0
            || !p.acc.is_empty()
            || p.weights.as_ref().is_none_or(|(n, _)| *n != pf)
            || (first.at, shard) >= stop
        {
            return false;
        }
        // plain_horizon() at the first poll: what does not change from one poll to the
        // next (no timeline action comes inside a late window, the sweep is the kernel's).
        ctx.now = first.at;
        if self.plain_horizon(ctx).is_none() {
            return false;
        }
        let cap = next_action_before(ctx, ctx.end.min(ctx.next_sweep));
        let batch_size = u64::from(self.esm.batch_size);
        let timeout = self.timeout();
        let retention = ctx.stream.retention.0;
        let (seed, generation) = (self.seed, self.generation);
        let nonce = self.pollers.of(shard).poll_nonce;
        if first.token != self.token(shard, POLL_LANE, nonce) {
            return false;
        }
        // What the polls change that nothing reads before the run ends is kept here and
        // written once: when the lane polls next (the late timer each poll would set), and
        // the records the polls delivered and processed (one range: each reads on from the
        // last; the chain's book, written when the catch-up ends).
        let (mut polls, mut next, mut invoked) = (0u64, first.at, None::<(u64, u64)>);
        loop {
            let now = next;
            if (now, shard) >= stop || now >= ctx.next_sweep || now >= first.until {
                break;
            }
            ctx.now = now;
            // release_due(): the slot of the lane's last invocation, the one release due.
            match *self.releases.as_slice() {
                [] => {}
                [d] if d <= now => {
                    self.releases.clear();
                    self.conc.end();
                    ctx.now = d;
                    self.note_concurrency(ctx);
                    ctx.now = now;
                }
                _ => self.release_due(ctx),
            }
            let horizon = SimTime(now.0.saturating_add(CHAIN_SPAN.0)).min(cap);
            let p = self.pollers.of(shard);
            let lo = p.cursor;
            let Some(read) = ctx.peek_read(shard, lo, batch_size) else {
                break;
            };
            let n = read.records;
            let took = handler::duration(&self.handler, n);
            let done_at = SimTime(now.0.saturating_add(took.0));
            if n > 0
                && (read.bytes() >= MAX_PAYLOAD_BYTES
                    || read.poison
                    || took > timeout
                    || done_at >= horizon
                    || read.first_arrival.0.saturating_add(retention)
                        <= done_at.0.saturating_add(SWEEP_MARGIN.0))
            {
                break;
            }
            // The timer is this poll's: computed here.
            polls += 1;
            // poll(): the read, to the tip.
            ctx.take_peeked(shard, &read);
            let p = self.pollers.of(shard);
            p.cursor = read.end;
            p.backlogged = false;
            next = SimTime(now.0 + IDLE_POLL.0);
            if n > 0 {
                let hi = read.end;
                // invoke_plain(): one batch of all that was read, a first-try success.
                p.checkpoint = p.checkpoint.max(lo);
                if p.streaks.is_empty() {
                    p.streaks.push(None);
                }
                let cp_before = p.checkpoint;
                self.conc.running += 1;
                self.note_concurrency(ctx);
                let age = now.0.saturating_sub(read.last_arrival.0) / 1_000;
                self.count_start(ctx, shard, age);
                invoked = Some((invoked.map_or(lo, |(a, _)| a), hi));
                let p = self.pollers.of(shard);
                let rng = lane_rng(&mut p.rngs, seed, generation, shard, 0);
                let inv = handler::invoke_plain(&self.handler, took, rng);
                ctx.stats().usage.billed_ms += billed_ms(inv.duration);
                if self.releases.is_empty() {
                    self.releases.push(done_at);
                } else {
                    self.release_at(done_at);
                }
                // succeed(), its records settled when the run ends.
                self.pollers.of(shard).window_start = done_at;
                let f = InFlight {
                    start: now,
                    inv,
                    lo,
                    hi,
                };
                self.pass(ctx, shard, 0, &f, cp_before);
                ctx.now = done_at;
                next = SimTime(done_at.0 + IDLE_POLL.0);
            }
        }
        if polls == 0 {
            return false;
        }
        self.plain_booking = true;
        self.book_run(ctx, shard, invoked, invoked);
        self.plain_booking = false;
        // lane_done() of the last poll: idle until the next, late again within the window
        // (each poll's timer took the nonce one further).
        let p = self.pollers.of(shard);
        p.late = None;
        p.poll_nonce = p.poll_nonce.wrapping_add((polls - 1) as u8);
        self.late_lanes -= 1;
        self.late_until = Some(first.until);
        self.schedule_poll(ctx, shard, next);
        self.late_until = None;
        true
    }

    fn schedule_poll(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, at: SimTime) {
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        p.poll_nonce = p.poll_nonce.wrapping_add(1);
        let n = p.poll_nonce;
        let t = self.token(shard, POLL_LANE, n);
        self.queue_timer(ctx, shard, at, t);
    }

    fn lane_count(&mut self, ctx: &ConsumerCtx<'_>, shard: ShardId) -> Rc<[u128]> {
        let pf = if self.esm.tumbling_window_in_seconds > 0 {
            1
        } else {
            self.esm.parallelization_factor
        };
        let p = self.pollers.of(shard);
        match &p.weights {
            Some((f, w)) if *f == pf => w.clone(),
            _ => {
                let w: Rc<[u128]> = lanes::weights(ctx.stream(), shard, pf).into();
                p.weights = Some((pf, Rc::clone(&w)));
                w
            }
        }
    }

    fn poll(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let now = ctx.now;
        let Some(p) = self.pollers.get(&shard) else {
            return;
        };
        if p.phase != Phase::Idle || p.final_in_flight.is_some() {
            return;
        }
        if !self.esm.enabled {
            self.schedule_poll(ctx, shard, SimTime(now.0 + IDLE_POLL.0));
            return;
        }
        let weights = self.lane_count(ctx, shard);
        let per_lane = u64::from(self.esm.batch_size);
        let target = (per_lane * weights.len() as u64).min(GET_RECORDS_MAX_RECORDS);
        let p = self.pollers.of(shard);
        // Records below the trim horizon are gone (the kernel counted them).
        let trim = ctx.stream.trim_seq(shard);
        let (n, bytes) = drop_below(&mut p.acc, trim);
        p.acc_count -= n;
        p.acc_bytes -= bytes;
        let have = p.acc_count;
        if have == 0 && self.idle_plain(ctx, shard) {
            return;
        }
        let p = self.pollers.of(shard);
        if !self.efo && have < target && !p.shard_end {
            match ctx.get_records(shard, p.cursor, GET_RECORDS_MAX_RECORDS - have) {
                Ok(b) => {
                    let p = self.pollers.of(shard);
                    take_read(p, &b);
                    ctx.recycle_read(b);
                }
                Err(ReadError::Throttled) => {
                    self.schedule_poll(ctx, shard, SimTime(now.0 + IDLE_POLL.0));
                    return;
                }
                Err(ReadError::ResourceNotFound) => {
                    self.finish_shard(ctx, shard);
                    return;
                }
            }
        }
        let p = self.pollers.of(shard);
        let have = p.acc_count;
        // Tumbling window: close the open window when the next record belongs
        // to a later one, or at shard end.
        if let Some(w) = &p.window {
            let next_later = p.acc.front().is_some_and(|r| r.first_arrival >= w.end);
            if next_later || (have == 0 && p.shard_end) {
                self.final_invoke(ctx, shard);
                return;
            }
        }
        if have == 0 {
            if p.shard_end {
                self.finish_shard(ctx, shard);
            } else if !self.efo {
                self.schedule_idle_poll(ctx, shard, SimTime(now.0 + IDLE_POLL.0));
            }
            return;
        }
        let window = SimDuration::from_secs(u64::from(self.esm.maximum_batching_window_in_seconds));
        let deadline = SimTime(p.window_start.0 + window.0);
        debug_assert_eq!(p.acc_bytes, p.acc.iter().map(Run::bytes).sum::<u64>());
        let full = have >= target || p.acc_bytes >= MAX_PAYLOAD_BYTES * weights.len() as u64;
        if window.0 > 0 && !full && now < deadline && !p.shard_end {
            if !self.efo {
                let at = SimTime((now.0 + IDLE_POLL.0).min(deadline.0));
                self.schedule_poll(ctx, shard, at);
            } else {
                if p.deadline_poll != Some((deadline, p.poll_nonce)) {
                    let n = p.poll_nonce.wrapping_add(1);
                    p.poll_nonce = n;
                    p.deadline_poll = Some((deadline, n));
                    let t = self.token(shard, POLL_LANE, n);
                    ctx.schedule(deadline, t);
                }
                if !self.no_chains && self.esm.tumbling_window_in_seconds == 0 {
                    // Until the window ends, a push that does not fill a batch only adds to
                    // what the lane holds: the kernel may hand such pushes over together
                    // (not with tumbling windows, whose own timers read what is held).
                    let records = target - have;
                    let acc_bytes = self.pollers.of(shard).acc_bytes;
                    let bytes = MAX_PAYLOAD_BYTES * weights.len() as u64 - acc_bytes;
                    let until = next_action_before(ctx, deadline.min(ctx.end));
                    ctx.hold_pushes(shard, until, records, bytes);
                }
            }
            return;
        }
        self.start_chunk(ctx, shard, &weights);
    }

    /// An idle poll that reads less than a batch, which makes one first-try success
    /// that may be chained (see "Chains"; certain here: `error_rate` 0, no poison
    /// record, within the timeout), after which the lane is idle again: reads with
    /// [`ConsumerCtx::peek_read`] and does what [`Self::poll`], [`Self::start_chunk`],
    /// [`Self::try_invoke`], the chained [`Self::complete`] and [`Self::lane_done`]
    /// do for it, without their general bookkeeping (a read's runs, a chunk, a job,
    /// settlements), leaving the lane as they would (`chains_change_nothing`,
    /// `late_polls_change_nothing` and the trace hashes pin this). A poll that finds
    /// nothing just goes idle. Returns false, having done nothing, for any other poll.
    fn idle_plain(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) -> bool {
        let Some(horizon) = self.chain_horizon else {
            return false;
        };
        let now = ctx.now;
        let timeout = self.timeout();
        let retention = ctx.stream.retention.0;
        let limit = Concurrency::limit(&self.function);
        let p = self.pollers.of(shard);
        // Chains exclude enhanced fan-out, tumbling windows and running out of
        // concurrency (see chain_horizon()).
        debug_assert!(!self.efo && p.window.is_none() && self.conc.running < limit);
        let lane_idle = !self.ahead
            && self.esm.maximum_batching_window_in_seconds == 0
            && self.esm.parallelization_factor == 1
            && p.phase == Phase::Idle
            && p.acc_count == 0
            && p.chunk.is_none()
            && !p.shard_end;
        if !lane_idle {
            return false;
        }
        let Some(read) = ctx.peek_read(shard, p.cursor, u64::from(self.esm.batch_size)) else {
            return false;
        };
        let n = read.records;
        let took = handler::duration(&self.handler, n);
        let done_at = SimTime(now.0.saturating_add(took.0));
        if n > 0
            && (read.bytes() >= MAX_PAYLOAD_BYTES
                || read.poison
                || took > timeout
                || done_at >= horizon
                || read.first_arrival.0.saturating_add(retention)
                    <= done_at.0.saturating_add(SWEEP_MARGIN.0))
        {
            return false;
        }
        // poll(): the read, to the tip.
        ctx.take_peeked(shard, &read);
        let p = self.pollers.of(shard);
        let lo = p.cursor;
        p.cursor = read.end;
        p.backlogged = false;
        if n == 0 {
            self.schedule_idle_poll(ctx, shard, SimTime(now.0 + IDLE_POLL.0));
            return true;
        }
        self.plain_booking = self.catching_up;
        self.invoke_plain(ctx, shard, (lo, read.end), read.last_arrival, took);
        self.plain_booking = false;
        // lane_done(): idle until the next poll, a second after the completion.
        ctx.now = done_at;
        self.schedule_idle_poll(ctx, shard, SimTime(done_at.0 + IDLE_POLL.0));
        ctx.now = now;
        true
    }

    /// What [`Self::start_chunk`], [`Self::try_invoke`], the chained [`Self::complete`]
    /// and [`Self::lane_done`] do for records `[lo, hi)` just read, whose last arrived at
    /// `last_arrival`, invoked now as one batch that is a certain first-try success taking
    /// `took` (the callers checked): the lane is idle again from the completion on.
    fn invoke_plain(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        (lo, hi): (u64, u64),
        last_arrival: SimTime,
        took: SimDuration,
    ) {
        let now = ctx.now;
        // start_chunk(): one batch of all that was read.
        let p = self.pollers.of(shard);
        p.checkpoint = p.checkpoint.max(lo);
        if p.streaks.is_empty() {
            p.streaks.push(None);
        }
        let cp_before = p.checkpoint;
        // try_invoke(): the slot, the counts, the draw.
        self.conc.running += 1;
        self.note_concurrency(ctx);
        let age = now.0.saturating_sub(last_arrival.0) / 1_000;
        self.count_invocation(ctx, shard, lo, hi, age);
        let (seed, generation) = (self.seed, self.generation);
        let p = self.pollers.of(shard);
        let rng = lane_rng(&mut p.rngs, seed, generation, shard, 0);
        let inv = handler::invoke_plain(&self.handler, took, rng);
        ctx.stats().usage.billed_ms += billed_ms(inv.duration);
        // complete(), chained: the slot is held until the completion (see release_due),
        // the checkpoint passes the batch, the streak grows.
        let done_at = SimTime(now.0.saturating_add(inv.duration.0));
        self.release_at(done_at);
        let f = InFlight {
            start: now,
            inv,
            lo,
            hi,
        };
        self.succeed(ctx, shard, 0, &f, cp_before);
        self.pollers.of(shard).window_start = done_at;
    }

    /// A push that an idle lane with nothing held and no batching window invokes on at
    /// once (enhanced fan-out), when that is one first-try success that may be chained
    /// (see "Chains", but for the pushes) and completes before the shard's next push can
    /// come: records are written only at producer ticks and pushed [`EFO_PROPAGATION`]
    /// later, and this push took them all. Does what [`take_read`], [`Self::poll`] and
    /// [`Self::invoke_plain`]'s steps, then [`Self::lane_done`] do for it, without a
    /// chunk or a job (`efo_pushes_change_nothing` and the trace hashes pin this).
    /// Returns false, having done nothing, for any other push.
    fn push_plain(&mut self, ctx: &mut ConsumerCtx<'_>, b: &ReadBatch) -> bool {
        if self.esm.maximum_batching_window_in_seconds > 0
            || self.esm.parallelization_factor != 1
            || b.shard_end
            || b.millis_behind_latest > 0
            || b.records == 0
        {
            return false;
        }
        let Some(horizon) = self.plain_horizon(ctx) else {
            return false;
        };
        let (now, shard) = (ctx.now, b.shard);
        let timeout = self.timeout();
        let retention = ctx.stream.retention.0;
        let to_tip = b.next_seq == ctx.stream.end_seq(shard);
        let p = self.pollers.of(shard);
        let idle = p.phase == Phase::Idle
            && p.acc_count == 0
            && p.chunk.is_none()
            && p.final_in_flight.is_none()
            && p.window.is_none()
            && !p.shard_end
            && b.first_seq == p.cursor;
        let (Some(first), Some(last)) = (b.runs.first(), b.runs.last()) else {
            return false;
        };
        let took = handler::duration(&self.handler, b.records);
        let done_at = SimTime(now.0.saturating_add(took.0));
        let next_push = SimTime((now.0 / TICK.0 + 1) * TICK.0 + EFO_PROPAGATION.0);
        if !idle
            || !to_tip
            || b.records > u64::from(self.esm.batch_size)
            || b.bytes > MAX_PAYLOAD_BYTES
            || b.has_poison()
            || took > timeout
            || done_at >= horizon.min(next_push)
            || first.first_arrival.0.saturating_add(retention)
                <= done_at.0.saturating_add(SWEEP_MARGIN.0)
        {
            return false;
        }
        // take_read(): the push, to the tip.
        let p = self.pollers.of(shard);
        p.cursor = b.next_seq;
        p.backlogged = false;
        self.invoke_plain(
            ctx,
            shard,
            (b.first_seq, b.next_seq),
            last.last_arrival,
            took,
        );
        // lane_done(): polls queued before are superseded (as there, with chains on).
        let p = self.pollers.of(shard);
        p.poll_nonce = p.poll_nonce.wrapping_add(1);
        true
    }

    fn start_chunk(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, weights: &[u128]) {
        let per_lane = u64::from(self.esm.batch_size);
        let tw = self.esm.tumbling_window_in_seconds;
        let p = self.pollers.of(shard);
        let have = p.acc_count;
        let n = have.min(per_lane * weights.len() as u64);
        let one;
        let many;
        let sizes: &[u64] = if weights.len() == 1 {
            one = [n.min(per_lane)];
            &one
        } else {
            many = lanes::split(n, weights, per_lane);
            &many
        };
        let mut not_after = None;
        if tw > 0 {
            if let Some(first) = p.acc.front() {
                let (s, e) = tumbling_window::window_of(first.first_arrival, tw);
                if p.window
                    .as_ref()
                    .is_none_or(|w| w.end <= first.first_arrival)
                {
                    p.window = Some(Window {
                        start: s,
                        end: e,
                        state_bytes: 0,
                    });
                }
                not_after = p.window.as_ref().map(|w| w.end);
            }
        }
        let mut lanes_v = std::mem::take(&mut p.spare);
        let mut used = 0;
        for &size in sizes {
            if size == 0 {
                continue;
            }
            let spare = self.spare_runs.pop().unwrap_or_default();
            let b = batch::take(shard, spare, &mut p.acc, size, MAX_PAYLOAD_BYTES, not_after);
            p.acc_count -= b.records();
            p.acc_bytes -= b.bytes();
            if b.records() == 0 {
                break;
            }
            match lanes_v.get_mut(used) {
                Some(l) => {
                    l.job.reset(b);
                    l.in_flight = None;
                    l.nonce = 0;
                    l.done = false;
                }
                None => lanes_v.push(LaneState {
                    job: Job::new(b),
                    in_flight: None,
                    nonce: 0,
                    done: false,
                }),
            }
            used += 1;
        }
        lanes_v.truncate(used);
        if lanes_v.is_empty() {
            p.spare = lanes_v;
            return;
        }
        p.phase = Phase::Busy;
        // Everything below the first record of this read is settled or gone.
        let lo = lanes_v[0].job.front().map_or(p.checkpoint, |b| b.lo);
        p.checkpoint = p.checkpoint.max(lo);
        p.chunk = Some(Chunk {
            lanes: lanes_v,
            pending: Pending::default(),
        });
        let count = p.chunk.as_ref().map_or(0, |c| c.lanes.len());
        if p.streaks.len() < count {
            p.streaks.resize(count, None);
        }
        for lane in 0..count {
            self.try_invoke(ctx, shard, lane);
        }
    }

    // ---- invocations ------------------------------------------------------

    fn try_invoke(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lane: usize) {
        let now = ctx.now;
        let policy = Policy::of(&self.esm);
        let trim = ctx.stream.trim_seq(shard);
        let limit = Concurrency::limit(&self.function);
        let mut settled = std::mem::take(&mut self.scratch);
        let (ready, attempt) = {
            let Some(l) = self.lane_mut(shard, lane) else {
                return;
            };
            let ready = l.job.prepare(now, trim, &policy, &mut settled);
            (ready, l.job.invoke_count + 1)
        };
        self.apply(ctx, shard, lane, &mut settled);
        self.scratch = settled;
        if !ready {
            self.lane_done(ctx, shard, lane, false);
            return;
        }
        let Some((lo, hi, last_arrival)) = self
            .lane(shard, lane)
            .and_then(|l| l.job.front())
            .map(|b| (b.lo, b.hi(), b.last_arrival()))
        else {
            return;
        };
        if !self.conc.try_start(limit) {
            ctx.stats().throttled_invocations += 1;
            self.metric(ctx, metrics::THROTTLES, Stat::Sum, 1);
            let l = self.lane_of(shard, lane);
            let next = l.job.throttled();
            let delay = match next {
                Next::After(d) => d,
                _ => retry::BACKOFF_BASE,
            };
            l.nonce = l.nonce.wrapping_add(1);
            let nonce = l.nonce;
            self.flush_streak(ctx, shard, lane);
            self.emit(
                ctx,
                now,
                LambdaEvent {
                    what: "throttled",
                    shard: Some(shard),
                    lane: Some(lane as u32),
                    first_seq: Some(lo),
                    last_seq: Some(hi.saturating_sub(1)),
                    records: Some(hi - lo),
                    attempt: Some(attempt),
                    outcome: Some("throttled"),
                    follow: Some(Follow::Retry),
                    retry_in_ms: Some(delay.as_millis()),
                    why: why::THROTTLED,
                    assumption: Some(retry::BACKOFF_ASSUMPTION),
                    ..LambdaEvent::default()
                },
            );
            let t = self.token(shard, lane as u64, nonce);
            self.queue_timer(ctx, shard, SimTime(now.0 + delay.0), t);
            return;
        }
        if self.ahead {
            // The slot a chained completion released at this instant, taken again.
            self.released_ahead.pop();
        }
        self.note_concurrency(ctx);
        let age = last_arrival.map_or(0, |t| now.0.saturating_sub(t.0) / 1_000);
        self.count_invocation(ctx, shard, lo, hi, age);
        let timeout = self.timeout();
        let (seed, generation) = (self.seed, self.generation);
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        let Poller { chunk, rngs, .. } = p;
        let Some(b) = chunk.as_ref().and_then(|c| c.lanes.get(lane)?.job.front()) else {
            return;
        };
        let inv = handler::invoke(
            &self.handler,
            timeout,
            b,
            self.esm.report_batch_item_failures,
            self.handler.item_failures == ItemFailures::Malformed,
            lane_rng(rngs, seed, generation, shard, lane),
        );
        ctx.stats().usage.billed_ms += billed_ms(inv.duration);
        let l = self.lane_of(shard, lane);
        l.nonce = l.nonce.wrapping_add(1);
        let nonce = l.nonce;
        l.in_flight = Some(InFlight {
            start: now,
            inv,
            lo,
            hi,
        });
        let done_at = SimTime(now.0.saturating_add(inv.duration.0));
        if self.can_chain(ctx, shard, lane, &inv, done_at) {
            self.chained = Some((shard, lane));
            return;
        }
        let t = self.token(shard, lane as u64, nonce);
        self.queue_timer(ctx, shard, done_at, t);
    }

    /// A timer of the mapping's, at its time: queued, or computed late.
    fn timer(&mut self, ctx: &mut ConsumerCtx<'_>, token: u64) {
        if token >> 48 != self.generation & 0xffff {
            return;
        }
        let shard = ShardId(((token >> 16) & 0xffff_ffff) as u32);
        let lane = (token >> 8) & 0xff;
        let nonce = (token & 0xff) as u8;
        self.chain_horizon = self.chain_horizon(ctx);
        match lane {
            POLL_LANE => {
                if self
                    .pollers
                    .get(&shard)
                    .is_some_and(|p| p.poll_nonce == nonce)
                {
                    self.poll(ctx, shard);
                }
            }
            // The late timers were computed before this one.
            LATE_LANE => {}
            FINAL_LANE if nonce == 1 => self.final_retry(ctx, shard),
            FINAL_LANE => self.final_done(ctx, shard),
            l => self.lane_timer(ctx, shard, l as usize, nonce),
        }
        self.run_chain(ctx);
    }

    /// The state of a lane the caller knows exists (see [`Pollers::of`]).
    #[inline(always)]
    fn lane_of(&mut self, shard: ShardId, lane: usize) -> &mut LaneState {
        match self.lane_mut(shard, lane) {
            Some(l) => l,
            None => missing("the lane"),
        }
    }

    fn lane(&self, shard: ShardId, lane: usize) -> Option<&LaneState> {
        self.pollers.get(&shard)?.chunk.as_ref()?.lanes.get(lane)
    }

    // Inline always: at the page's opt-level "z" LLVM calls even accessors this small (see
    // ARCHITECTURE.md, "Speed at opt-level z").
    #[inline(always)]
    fn lane_mut(&mut self, shard: ShardId, lane: usize) -> Option<&mut LaneState> {
        self.pollers
            .get_mut(&shard)?
            .chunk
            .as_mut()?
            .lanes
            .get_mut(lane)
    }

    fn lane_timer(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lane: usize, nonce: u8) {
        let Some(l) = self.lane_mut(shard, lane) else {
            return;
        };
        if l.nonce != nonce || l.done {
            return;
        }
        match l.in_flight.take() {
            None => self.try_invoke(ctx, shard, lane),
            // A first-try success whose lane invokes again at once goes the chains' short
            // way (see chain_plain()), as a chained one would.
            Some(f) => {
                if let Some(f) = self.chain_plain(ctx, shard, lane, f) {
                    self.complete(ctx, shard, lane, f);
                }
            }
        }
    }

    fn complete(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lane: usize, f: InFlight) {
        let now = ctx.now;
        self.conc.end();
        if self.ahead {
            self.released_ahead.push(now);
        }
        self.note_concurrency(ctx);
        let policy = Policy::of(&self.esm);
        let cp_before = self.pollers.get(&shard).map_or(0, |p| p.checkpoint);
        let mut settled = std::mem::take(&mut self.scratch);
        let (follow, next, attempt) = {
            let l = self.lane_of(shard, lane);
            let attempt = l.job.invoke_count + 1;
            let (follow, next) = l.job.result(f.inv.response, &policy, &mut settled);
            (follow, next, attempt)
        };
        let failed = !matches!(f.inv.response, Response::Success);
        if failed {
            ctx.stats().failed_invocations += 1;
            self.metric(ctx, metrics::ERRORS, Stat::Sum, 1);
        }
        if follow == Follow::Bisect {
            ctx.stats().bisections += 1;
        }
        // Tumbling window state.
        let mut early = false;
        if !failed {
            if let Some(w) = self.pollers.get_mut(&shard).and_then(|p| p.window.as_mut()) {
                early = w.aggregate(f.hi - f.lo);
            }
        }
        self.apply(ctx, shard, lane, &mut settled);
        self.scratch = settled;
        let cp_after = self.pollers.get(&shard).map_or(0, |p| p.checkpoint);
        let plain = !failed && attempt == 1 && follow == Follow::Checkpoint;
        if plain {
            self.extend_streak(ctx, shard, lane, &f, cp_before);
        } else {
            self.flush_streak(ctx, shard, lane);
            let (outcome, error) = match f.inv.response {
                Response::Success => ("success", None),
                Response::ItemFailures { .. } => ("partial_failure", None),
                Response::Error(FunctionError::Timeout) => ("timeout", Some("timeout")),
                Response::Error(e) => ("error", Some(e.as_str())),
            };
            let (why_s, assumption) = match follow {
                Follow::Checkpoint => (why::SUCCESS, None),
                Follow::Retry => {
                    let w = if error == Some("timeout") {
                        why::TIMEOUT
                    } else {
                        why::RETRY
                    };
                    (w, Some(retry::BACKOFF_ASSUMPTION))
                }
                Follow::Bisect => (why::BISECT, Some(bisect::ASSUMPTION)),
                Follow::PartialRetry => (why::PARTIAL, Some(item_failures::ASSUMPTION)),
                Follow::Discard => (why::DISCARD_RETRIES, None),
            };
            let retry_in_ms = match next {
                Next::After(d) => Some(d.as_millis()),
                _ => None,
            };
            let ev = LambdaEvent {
                what: "invocation",
                shard: Some(shard),
                lane: Some(lane as u32),
                duration_ms: Some(f.inv.duration.as_millis()),
                first_seq: Some(f.lo),
                last_seq: Some(f.hi.saturating_sub(1)),
                records: Some(f.hi - f.lo),
                attempt: Some(attempt),
                outcome: Some(outcome),
                error,
                follow: Some(follow),
                retry_in_ms,
                checkpoint_before: Some(cp_before),
                checkpoint_after: Some(cp_after),
                why: why_s,
                assumption,
                ..LambdaEvent::default()
            };
            self.emit(ctx, f.start, ev);
        }
        if early {
            self.emit(
                ctx,
                now,
                LambdaEvent {
                    what: "window_terminated_early",
                    shard: Some(shard),
                    why: why::WINDOW_EARLY,
                    assumption: Some(tumbling_window::ASSUMPTION),
                    ..LambdaEvent::default()
                },
            );
        }
        match next {
            Next::Now => self.try_invoke(ctx, shard, lane),
            Next::After(d) => {
                let l = self.lane_of(shard, lane);
                l.nonce = l.nonce.wrapping_add(1);
                let nonce = l.nonce;
                let t = self.token(shard, lane as u64, nonce);
                self.queue_timer(ctx, shard, SimTime(now.0.saturating_add(d.0)), t);
            }
            Next::Done => self.lane_done(ctx, shard, lane, true),
        }
    }

    /// Records settlements in order: the ledger sees a shard's records settled
    /// in sequence order (lanes of one read finish in any order).
    fn apply(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        settled: &mut Vec<Settlement>,
    ) {
        if settled.is_empty() {
            return;
        }
        let now = ctx.now;
        for s in settled.iter() {
            if let Disposition::Discarded(cond, invokes) = s.disposition {
                self.on_failure(ctx, shard, lane, &s.batch, cond, invokes, now);
            }
        }
        let Some(p) = self.pollers.get_mut(&shard) else {
            recycle(&mut self.spare_runs, settled);
            return;
        };
        let Some(chunk) = p.chunk.as_mut() else {
            recycle(&mut self.spare_runs, settled);
            return;
        };
        // Fast path: one settlement at the checkpoint, nothing pending.
        let single = match settled.as_slice() {
            [s] if chunk.pending.is_empty() && s.batch.lo == p.checkpoint => {
                Some((s.batch.lo, s.batch.hi(), s.disposition))
            }
            _ => None,
        };
        if let Some((lo, hi, d)) = single {
            p.checkpoint = hi;
            recycle(&mut self.spare_runs, settled);
            if let Some(outcome) = d.outcome() {
                self.settle(ctx, shard, lo, hi, outcome);
            }
            return;
        }
        for s in settled.iter() {
            chunk
                .pending
                .insert(s.batch.lo, s.batch.hi(), s.disposition);
        }
        recycle(&mut self.spare_runs, settled);
        let mut ops = std::mem::take(&mut self.ops);
        while let Some((hi, d)) = chunk.pending.remove(p.checkpoint) {
            ops.push((p.checkpoint, hi, d));
            p.checkpoint = hi;
        }
        for &(lo, hi, d) in &ops {
            if let Some(outcome) = d.outcome() {
                self.settle(ctx, shard, lo, hi, outcome);
            }
        }
        ops.clear();
        self.ops = ops;
    }

    #[allow(clippy::too_many_arguments)]
    fn on_failure(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        b: &Batch,
        cond: Condition,
        invokes: u32,
        now: SimTime,
    ) {
        let dest = self.esm.on_failure.as_ref().map(|d| d.kind);
        if dest.is_some() {
            ctx.stats().on_failure_messages += 1;
            self.metric(ctx, metrics::ON_FAILURE_MESSAGES, Stat::Sum, 1);
        }
        self.flush_streak(ctx, shard, lane);
        let why_s = match cond {
            Condition::RetryAttemptsExhausted => why::ON_FAILURE,
            Condition::MaximumRecordAgeExceeded => why::DISCARD_AGE,
        };
        self.emit(
            ctx,
            now,
            LambdaEvent {
                what: "on_failure",
                shard: Some(shard),
                lane: Some(lane as u32),
                first_seq: (b.records() > 0).then_some(b.lo),
                last_seq: (b.records() > 0).then(|| b.hi() - 1),
                records: Some(b.records()),
                first_arrival_ms: b.first_arrival().map(|t| t.0 / 1_000),
                last_arrival_ms: b.last_arrival().map(|t| t.0 / 1_000),
                attempt: Some(invokes),
                follow: Some(Follow::Discard),
                condition: Some(cond.as_str()),
                destination: Some(dest.map_or("none", destination::kind_name)),
                carries: dest.map(destination::carries),
                why: why_s,
                assumption: cond.assumption(),
                ..LambdaEvent::default()
            },
        );
    }

    /// A lane finished its batch; when all have, the shard reads on — at once
    /// (`direct`, from an invocation's completion) or through a timer.
    fn lane_done(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lane: usize, direct: bool) {
        let now = ctx.now;
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        let Some(chunk) = p.chunk.as_mut() else {
            return;
        };
        if let Some(l) = chunk.lanes.get_mut(lane) {
            l.done = true;
        }
        if !chunk.lanes.iter().all(|l| l.done) {
            return;
        }
        // Every lane finished: flush what is left (in order), go on.
        let rest = std::mem::take(&mut chunk.pending).0;
        if let Some(c) = p.chunk.take() {
            p.spare = c.lanes;
        }
        for (lo, hi, d) in rest {
            if let Some(outcome) = d.outcome() {
                self.settle(ctx, shard, lo, hi, outcome);
            }
            let p = self.pollers.of(shard);
            p.checkpoint = p.checkpoint.max(hi);
        }
        let p = self.pollers.of(shard);
        p.phase = Phase::Idle;
        p.window_start = now;
        let again = !p.acc.is_empty() || p.backlogged || p.shard_end;
        if self.efo && p.acc_count < u64::from(self.esm.batch_size) {
            self.subscribe(ctx, shard);
        }
        if again && direct {
            self.poll(ctx, shard);
            return;
        }
        if !again && self.efo && self.esm.enabled && !self.no_chains {
            // With enhanced fan-out a push to an idle shard polls at once (a busy
            // one's completion polls again), so the idle poll a second from now
            // would be superseded by the next completion or find nothing to do: it
            // is not queued (a busy subscription queued ten a second for nothing).
            // Polls queued before are superseded as ever. The reference model
            // (chains off) queues it; a property test compares the two.
            let p = self.pollers.of(shard);
            p.poll_nonce = p.poll_nonce.wrapping_add(1);
            return;
        }
        if again {
            self.schedule_poll(ctx, shard, now);
        } else {
            self.schedule_idle_poll(ctx, shard, SimTime(now.0 + IDLE_POLL.0));
        }
    }

    // ---- tumbling windows -------------------------------------------------

    fn final_invoke(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let now = ctx.now;
        let d = handler::duration(&self.handler, 0).min(self.timeout());
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        let attempt = p.final_in_flight.map_or(1, |(_, a)| a + 1);
        p.final_in_flight = Some((now, attempt));
        let t = self.token(shard, FINAL_LANE, 0);
        self.queue_timer(ctx, shard, SimTime(now.0 + d.0), t);
    }

    fn final_done(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let now = ctx.now;
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        let Some((start, attempt)) = p.final_in_flight else {
            return;
        };
        ctx.stats().invocations += 1;
        ctx.stats().usage.billed_ms +=
            billed_ms(handler::duration(&self.handler, 0).min(self.timeout()));
        let (seed, generation) = (self.seed, self.generation);
        let p = self.pollers.of(shard);
        let ok = !p
            .final_rng(seed, generation, shard)
            .chance(self.handler.error_rate);
        let window = p.window.clone();
        if ok {
            p.final_in_flight = None;
            p.window = None;
        }
        let exhausted = !ok && Policy::of(&self.esm).max_retry.is_some_and(|m| attempt > m);
        self.metric(ctx, metrics::INVOCATIONS, Stat::Sum, 1);
        if !ok {
            ctx.stats().failed_invocations += 1;
            self.metric(ctx, metrics::ERRORS, Stat::Sum, 1);
        }
        self.emit(
            ctx,
            start,
            LambdaEvent {
                what: "window_final",
                shard: Some(shard),
                duration_ms: Some(now.0.saturating_sub(start.0) / 1_000),
                records: Some(0),
                attempt: Some(attempt),
                outcome: Some(if ok { "success" } else { "error" }),
                follow: Some(if ok {
                    Follow::Checkpoint
                } else if exhausted {
                    Follow::Discard
                } else {
                    Follow::Retry
                }),
                retry_in_ms: (!ok && !exhausted).then(|| retry::backoff(attempt).as_millis()),
                why: why::WINDOW_FINAL,
                assumption: if !ok && !exhausted {
                    Some(retry::BACKOFF_ASSUMPTION)
                } else {
                    window.map(|_| tumbling_window::ASSUMPTION)
                },
                ..LambdaEvent::default()
            },
        );
        if ok {
            self.poll(ctx, shard);
        } else if exhausted {
            self.final_discard(ctx, shard, Condition::RetryAttemptsExhausted, attempt);
        } else {
            // A failed final invocation pauses the shard until one succeeds
            // (or the retry and age limits end it: [`Self::final_retry`]).
            let d = retry::backoff(attempt);
            let t = self.token(shard, FINAL_LANE, 1);
            self.queue_timer(ctx, shard, SimTime(now.0 + d.0), t);
        }
    }

    /// A failed final invocation's retry is due: invoke again, unless the
    /// window is older than MaximumRecordAgeInSeconds. "MaximumRetryAttempts
    /// and MaximumRecordAgeInSeconds apply to windows too"
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-windows.html>).
    /// Assumption (undocumented): a window's age is measured from its end,
    /// the latest arrival a record in it can have.
    fn final_retry(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let now = ctx.now;
        let Some(p) = self.pollers.get(&shard) else {
            return;
        };
        let Some((_, attempt)) = p.final_in_flight else {
            return;
        };
        let window_end = p.window.as_ref().map_or(now, |w| w.end);
        let too_old = Policy::of(&self.esm)
            .max_age
            .is_some_and(|max| now.0.saturating_sub(window_end.0) > max.0);
        if too_old {
            self.final_discard(ctx, shard, Condition::MaximumRecordAgeExceeded, attempt);
        } else {
            self.final_invoke(ctx, shard);
        }
    }

    /// The retry or age limit ended a window whose final invocation kept
    /// failing: its state is dropped, the OnFailure destination (if any)
    /// gets one message, and the shard reads on. Assumption (AWS documents
    /// that the limits apply, not what is sent): the message is the usual
    /// one, for a batch of 0 records; the window's records stay processed
    /// (their invocations succeeded and were checkpointed).
    fn final_discard(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        cond: Condition,
        invokes: u32,
    ) {
        let now = ctx.now;
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        p.final_in_flight = None;
        p.window = None;
        let at = p.checkpoint;
        self.on_failure(ctx, shard, 0, &Batch::empty(shard, at), cond, invokes, now);
        self.poll(ctx, shard);
    }

    // ---- trace streaks ----------------------------------------------------

    fn extend_streak(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        lane: usize,
        f: &InFlight,
        cp_before: u64,
    ) {
        let end = SimTime(f.start.0 + f.inv.duration.0);
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        if let Some(Some(s)) = p.streaks.get_mut(lane) {
            if f.start.0 < s.start.0 + STREAK_SPAN.0 {
                s.end = end;
                s.invocations += 1;
                s.records += f.hi - f.lo;
                s.last_seq = f.hi.saturating_sub(1);
                return;
            }
        }
        self.flush_streak(ctx, shard, lane);
        let Some(p) = self.pollers.get_mut(&shard) else {
            return;
        };
        if p.streaks.len() <= lane {
            p.streaks.resize(lane + 1, None);
        }
        let s = p.streaks[lane].get_or_insert(Streak {
            start: f.start,
            first_seq: f.lo,
            cp_before,
            ..Streak::default()
        });
        s.end = end;
        s.invocations += 1;
        s.records += f.hi - f.lo;
        s.last_seq = f.hi.saturating_sub(1);
    }

    fn flush_streak(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId, lane: usize) {
        let Some(s) = self
            .pollers
            .get_mut(&shard)
            .and_then(|p| p.streaks.get_mut(lane))
            .and_then(Option::take)
        else {
            return;
        };
        let cp = self.pollers.get(&shard).map_or(0, |p| p.checkpoint);
        self.emit(
            ctx,
            s.start,
            LambdaEvent {
                what: "invocations",
                shard: Some(shard),
                lane: Some(lane as u32),
                duration_ms: Some(s.end.0.saturating_sub(s.start.0) / 1_000),
                first_seq: Some(s.first_seq),
                last_seq: Some(s.last_seq),
                records: Some(s.records),
                invocations: Some(s.invocations),
                attempt: Some(1),
                outcome: Some("success"),
                follow: Some(Follow::Checkpoint),
                checkpoint_before: Some(s.cp_before),
                checkpoint_after: Some(cp.max(s.last_seq + 1)),
                why: why::SUCCESS,
                ..LambdaEvent::default()
            },
        );
    }

    fn flush_streaks(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let n = self.pollers.get(&shard).map_or(0, |p| p.streaks.len());
        for lane in 0..n {
            self.flush_streak(ctx, shard, lane);
        }
    }

    // ---- timeline ---------------------------------------------------------

    fn timeline(&mut self, ctx: &mut ConsumerCtx<'_>, index: usize) {
        let now = ctx.now;
        let Some(entry) = ctx.timeline().get(index).cloned() else {
            return;
        };
        let cause = Cause::Timeline { index };
        let ev = |what, why| LambdaEvent {
            what,
            why,
            ..LambdaEvent::default()
        };
        match entry.action {
            Action::Deploy { handler, .. } => {
                self.handler.apply(&handler);
                emit_at(ctx, now, cause, ev("deploy", why::DEPLOY));
            }
            Action::SetMapping { changes, .. } => {
                let was_enabled = self.esm.enabled;
                self.esm.apply(&changes);
                emit_at(ctx, now, cause, ev("set_mapping", why::SET_MAPPING));
                if !was_enabled && self.esm.enabled {
                    let idle: Vec<ShardId> = self
                        .pollers
                        .iter()
                        .filter(|(_, p)| p.phase == Phase::Idle)
                        .map(|(s, _)| *s)
                        .collect();
                    for s in idle {
                        self.schedule_poll(ctx, s, now);
                    }
                }
            }
            Action::RecreateMapping {
                starting_position, ..
            } => {
                emit_at(ctx, now, cause, ev("recreate_mapping", why::RECREATE));
                self.recreate(ctx, starting_position);
            }
            _ => {}
        }
    }

    fn recreate(&mut self, ctx: &mut ConsumerCtx<'_>, pos: StartingPosition) {
        // Flush the old mapping's marks, drop its work (in-flight invocations
        // finish in the function, their results are ignored).
        let shards: Vec<ShardId> = self.pollers.keys().copied().collect();
        for &s in &shards {
            self.flush_streaks(ctx, s);
            if self.pollers.get(&s).is_some_and(|p| p.subscribed) {
                ctx.unsubscribe(s);
            }
        }
        let in_flight: u64 = self
            .pollers
            .values()
            .filter_map(|p| p.chunk.as_ref())
            .flat_map(|c| c.lanes.iter())
            .filter(|l| l.in_flight.is_some())
            .count() as u64;
        self.conc.running = self.conc.running.saturating_sub(in_flight);
        self.note_concurrency(ctx);
        self.generation += 1;
        self.flush_periods(ctx);
        self.pollers.clear();
        ctx.start_scope(pos);
        self.start_pollers(ctx, pos);
    }

    fn start_pollers(&mut self, ctx: &mut ConsumerCtx<'_>, pos: StartingPosition) {
        let infos = ctx.shards();
        for info in &infos {
            if info.state != ShardState::Expired {
                let from = ctx.position(info.id, pos);
                self.pollers
                    .insert(info.id, Poller::new(Phase::Waiting, from));
            }
        }
        for info in &infos {
            if info.state != ShardState::Expired && self.parents_done(ctx, info.id) {
                self.activate(ctx, info.id);
            }
        }
    }
}

/// The random stream of `lane` of `shard` (in its poller's `rngs`), derived
/// on first use from the mapping's `seed`, its generation, the shard and the lane.
fn lane_rng(
    rngs: &mut Vec<Option<Rng>>,
    seed: u64,
    generation: u64,
    shard: ShardId,
    lane: usize,
) -> &mut Rng {
    if rngs.len() <= lane {
        rngs.resize(lane + 1, None);
    }
    rngs[lane].get_or_insert_with(|| {
        Rng::derive(
            seed,
            &format!("generation/{generation}/{shard}/lane/{lane}"),
        )
    })
}

/// Adds a Lambda event to the trace.
/// The first timeline action after now and before `t`, or `t`.
fn next_action_before(ctx: &ConsumerCtx<'_>, t: SimTime) -> SimTime {
    let now = ctx.now;
    let mut h = t;
    for e in ctx.timeline {
        if e.at > now && e.at < h {
            h = e.at;
        }
    }
    h
}

fn emit_at(ctx: &mut ConsumerCtx<'_>, at: SimTime, cause: Cause, ev: LambdaEvent) {
    ctx.rec.event(at, cause, EventKind::Lambda(Box::new(ev)));
}

/// Drops the records below `trim` from the front of `acc`; returns how many.
fn drop_below(acc: &mut VecDeque<Run>, trim: u64) -> (u64, u64) {
    let (mut n, mut bytes) = (0, 0);
    while let Some(r) = acc.front().copied() {
        if r.end_seq() <= trim {
            acc.pop_front();
            n += r.count;
            bytes += r.bytes();
        } else {
            if r.first_seq < trim {
                acc[0] = r.slice(trim, r.end_seq());
                n += trim - r.first_seq;
                bytes += (trim - r.first_seq) * u64::from(r.record_bytes);
            }
            break;
        }
    }
    (n, bytes)
}

/// [`LambdaMapping::reads_late`], with `read_before` the time before which a chain may
/// read (none outside a late window's catch-up).
fn reads_late(
    read_before: Option<SimTime>,
    ctx: &ConsumerCtx<'_>,
    shard: ShardId,
    p: &Poller,
    at: SimTime,
) -> bool {
    read_before.is_some_and(|b| at < b)
        && p.acc_count > 0
        && !p.shard_end
        && ctx.can_read(shard, at)
}

/// Adds a read to the poller's records.
fn take_read(p: &mut Poller, b: &ReadBatch) {
    if b.first_seq > p.cursor {
        // The iterator landed on the trim horizon: what was held is gone.
        p.acc.clear();
        p.acc_count = 0;
        p.acc_bytes = 0;
    }
    for r in &b.runs {
        if r.end_seq() <= p.cursor {
            continue;
        }
        let r = if r.first_seq < p.cursor {
            r.slice(p.cursor, r.end_seq())
        } else {
            *r
        };
        p.acc_count += r.count;
        p.acc_bytes += r.bytes();
        p.acc.push_back(r);
        p.cursor = r.end_seq();
    }
    p.cursor = p.cursor.max(b.next_seq);
    p.backlogged = b.millis_behind_latest > 0;
    if b.shard_end {
        p.shard_end = true;
    }
}

impl Consumer for LambdaMapping {
    fn kind(&self) -> &'static str {
        "lambda"
    }

    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let pos = self.esm.starting_position;
        ctx.start_scope(pos);
        self.phase = SimDuration(ctx.rng().below(IDLE_POLL.0));
        self.seed = ctx.rng().next_u64();
        self.start_pollers(ctx, pos);
        let end = ctx.end();
        ctx.schedule(end, FLUSH_TOKEN);
    }

    fn catch_up(&mut self, ctx: &mut ConsumerCtx<'_>) {
        let now = ctx.now;
        self.catch_up_late(ctx, now);
    }

    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        let now = ctx.now;
        if self.late_lanes > 0 {
            self.catch_up_late(ctx, SimTime(now.0 + 1));
        }
        if self.late_wake.is_some_and(|w| w <= now) {
            self.late_wake = None;
        }
        if self.releases.first().is_some_and(|&t| t <= now) {
            self.release_due(ctx);
        }
        match event {
            ConsumerEvent::Timer { token } => {
                if token == FLUSH_TOKEN {
                    let shards: Vec<ShardId> = self.pollers.keys().copied().collect();
                    for s in shards {
                        self.flush_streaks(ctx, s);
                    }
                    self.flush_periods(ctx);
                    self.period_books = Books::Closed;
                    if let Some((at, held)) = self.gauge {
                        let now = ctx.now;
                        self.held(ctx, at, now, held);
                        self.gauge = Some((now, held));
                    }
                    self.flush_gauge_book(ctx);
                    self.gauge_books = Books::Closed;
                    return;
                }
                self.timer(ctx, token);
            }
            ConsumerEvent::Records(b) => {
                let shard = b.shard;
                let Some(p) = self.pollers.get_mut(&shard) else {
                    return;
                };
                if !p.subscribed || p.phase == Phase::Done {
                    return;
                }
                if self.push_plain(ctx, &b) {
                    ctx.recycle_push(b);
                    return;
                }
                let Some(p) = self.pollers.get_mut(&shard) else {
                    return;
                };
                take_read(p, &b);
                ctx.recycle_push(b);
                let cap = 2 * u64::from(self.esm.batch_size) * 10;
                if p.acc_count >= cap || p.shard_end {
                    p.subscribed = false;
                    ctx.unsubscribe(shard);
                }
                if self
                    .pollers
                    .get(&shard)
                    .is_some_and(|p| p.phase == Phase::Idle)
                {
                    self.poll(ctx, shard);
                }
            }
            ConsumerEvent::ShardOpened { shard } => {
                self.pollers.or_insert_with(shard, || {
                    Poller::new(
                        Phase::Waiting,
                        ctx.position(shard, StartingPosition::TrimHorizon),
                    )
                });
                if self.parents_done(ctx, shard) {
                    self.activate(ctx, shard);
                }
            }
            ConsumerEvent::ShardClosed { .. } => {}
            ConsumerEvent::Timeline { index } => self.timeline(ctx, index),
        }
    }
}

/// Empties `settled`, keeping its batches' run lists for the next batches.
fn recycle(spare: &mut Vec<Vec<Run>>, settled: &mut Vec<Settlement>) {
    for s in settled.drain(..) {
        if spare.len() < SPARE_RUNS {
            spare.push(s.batch.runs);
        }
    }
}

/// Writes one shard's [`PeriodBook`] to the metrics and the ledger.
fn write_period(ctx: &mut ConsumerCtx<'_>, shard: ShardId, b: PeriodBook) {
    let (t, i) = (b.at, ctx.index);
    let m = &mut ctx.rec.metrics;
    m.consumer_metric(t, i, metrics::INVOCATIONS, Stat::Sum, b.invocations);
    ctx.ledger.age(shard, b.max_age);
    m.iterator_age(t, i, shard, b.max_age);
    m.consumer_metric(t, i, metrics::ITERATOR_AGE, Stat::Maximum, b.max_age);
}

/// Lambda bills an invocation's duration rounded up to the next millisecond
/// (<https://aws.amazon.com/lambda/pricing/>).
fn billed_ms(d: SimDuration) -> u64 {
    d.0.div_ceil(1_000)
}
