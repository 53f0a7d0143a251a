//! Producers and the write path: rates, routing by MD5, the per-shard write
//! limits, throttling, retries and drops.
//!
//! # The producer tick
//!
//! Producers write on a fixed tick of [`TICK`] = 100 ms. At each tick every
//! producer offers each open shard the records that its rate and the shard's
//! share of its keys give for the last 100 ms, and the shard admits what its
//! per-second budget still allows; the admitted records become **one run per
//! producer per shard**. 100 ms is ten times finer than the per-second write
//! limits and than the 1 s polling interval, and finer than the 200 ms
//! polling propagation delay, so nothing a chart shows depends on it; and it
//! keeps the cost at 10 × shards × producers runs per simulated second,
//! whatever the rate.
//!
//! # Steady stretches
//!
//! Most ticks of a long run change nothing but counters: no record is throttled or
//! waits for a retry, and each shard's newest run just grows. When the kernel can run
//! several ticks in a row (nothing in its queue comes between them) and the stream is
//! steady ([`Stream::steady`]), they are computed together ([`Stream::steady_ticks`]):
//! a route's records over them follow from its carry in closed form, a run is extended
//! by all its ticks at once, and ticks without a record are skipped to; below a record
//! a tick, records that come evenly (every `d`-th tick) join their run all at once. The result is
//! exactly that of ticking one by one (tests compare both on every preset and on random
//! scenarios); the cost follows the runs and metric periods written, not the ticks.
//!
//! # Exact arithmetic
//!
//! Rates and shares are turned into integers once (rates in milli-records per
//! second, shares in units of `1/(keys × 10^6)`), and each producer×shard pair
//! carries the remainder of its division from tick to tick. So 1,500 rec/s
//! offer exactly 150 records per tick, a shard's long-run share is exact, and
//! the result is the same on every platform.

use std::rc::Rc;

use crate::exact::{div_rem, gcd, mul_add, saturating_mul};

use crate::scenario::Producer;
use crate::stream::{
    KeyTable, ProducerKeys, Run, RunSource, ShardId, ShardState, Stream, WRITE_BYTES_PER_SECOND,
    WRITE_RECORDS_PER_SECOND,
};
use crate::time::{SimDuration, SimTime};
use crate::tip_log::TipStep;
use crate::trace::{Cause, EventKind, Recorder};

/// The producer tick. See the module documentation for why 100 ms.
pub const TICK: SimDuration = SimDuration::from_millis(100);

/// On-demand mode splits a shard whose incoming traffic exceeds 500 KB/s.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>
pub const ON_DEMAND_SPLIT_BYTES_PER_SECOND: u64 = 500_000;

/// On-demand mode splits such a shard "within 15 minutes".
/// Assumption: the split happens after 15 minutes (900 consecutive whole
/// seconds) above the threshold, the latest time AWS allows.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/how-do-i-size-a-stream.html>
pub const ON_DEMAND_SUSTAINED_SECONDS: u32 = 900;

/// Retry back-off of throttled puts.
/// Assumption: AWS only says "retry with back-off"
/// (<https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html>).
/// The playground retries a throttled record after 100 ms, doubling on each
/// further throttle up to 1.6 s (100, 200, 400, 800, 1600, 1600, … ms), and
/// never gives up.
pub fn retry_delay(attempt: u8) -> SimDuration {
    SimDuration(TICK.0 << attempt.min(4))
}

/// Records waiting for a retry.
#[derive(Clone, Debug)]
pub(crate) struct RetryBatch {
    pub due: SimTime,
    /// How many times these records have been throttled.
    pub attempt: u8,
    pub count: u64,
}

/// A producer's route to one open shard.
#[derive(Clone, Debug)]
pub(crate) struct Route {
    pub shard: ShardId,
    /// The shard's share of the producer's records (see [`crate::stream::KeySlice`]).
    pub weight: u128,
    /// Remainder carried to the next tick, over `step_den` (always below it): the plain
    /// remainder, over the plain denominator, is `step_gcd · carry + carry_rest`. A tick
    /// adds `step.1` and takes `step_den` away, multiples of `step_gcd` in the plain
    /// fraction, so `carry_rest` stays as it is, and every comparison of the plain
    /// remainder with the plain denominator is that of `carry` with `step_den`.
    pub carry: u128,
    /// See `carry` (below `step_gcd`).
    pub carry_rest: u128,
    /// Records per tick as quotient and remainder of the exact division, the remainder
    /// over `step_den`, for the rate in `step_rate` (recomputed when the rate changes),
    /// so that a tick needs no 128-bit division.
    pub step: (u64, u128),
    /// The denominator reduced by `step_gcd`.
    pub step_den: u128,
    pub step_rate: Option<u64>,
    /// The greatest common divisor of the plain remainder and denominator (1 when the
    /// remainder is 0, or before `step` is set): in the fraction reduced by it the numbers
    /// fit 64 bits where the plain ones need 128 (a library call in wasm).
    pub step_gcd: u128,
    /// Records waiting for a retry, sorted by (due time, attempt), one batch per key: a
    /// lasting overload keeps hundreds of these, and a tick takes the due ones (a prefix)
    /// without walking the rest.
    pub retries: Vec<RetryBatch>,
}

impl Route {
    /// A route to `shard` with its share `weight`, nothing carried, its step not set yet.
    pub(crate) fn new(shard: ShardId, weight: u128) -> Route {
        Route {
            shard,
            weight,
            carry: 0,
            carry_rest: 0,
            step: (0, 0),
            step_den: 1,
            step_rate: None,
            step_gcd: 1,
            retries: Vec::new(),
        }
    }

    /// Sets `step` for `rate` (milli-records per second, whose tick's worth is
    /// `tick_factor`), over the denominator `den`, unless it is already for that rate.
    fn set_step(&mut self, rate: u64, tick_factor: u128, den: u128) {
        if self.step_rate != Some(rate) {
            let plain_carry = self.plain_carry();
            let inc = tick_factor * self.weight;
            let r = inc % den;
            let g = match r {
                0 => 1,
                r => gcd(r, den),
            };
            self.step = ((inc / den) as u64, r / g);
            self.step_den = den / g;
            self.step_gcd = g;
            self.carry = plain_carry / g;
            self.carry_rest = plain_carry % g;
            self.step_rate = Some(rate);
        }
    }

    /// The remainder carried, over the plain denominator (see `carry`).
    fn plain_carry(&self) -> u128 {
        self.step_gcd * self.carry + self.carry_rest
    }
}

/// One tick's records of a route writing `q` records a tick and `r / den` more, with
/// `carry` (below `den`) carried in and out (see "Exact arithmetic").
#[inline(always)]
fn tick_records(carry: &mut u128, (q, r): (u64, u128), den: u128) -> u64 {
    *carry += r;
    if *carry >= den {
        *carry -= den;
        q + 1
    } else {
        q
    }
}

/// How many ticks from now on write just `q` records, before the first that writes
/// `q + 1` (a route's `(q, r)` step over `den`, carrying `carry`): those whose carry
/// stays below `den − r`, `⌈(den − r − carry) / r⌉`; all of them when `r` is 0.
#[inline(always)]
fn ticks_of_q(carry: u128, r: u128, den: u128) -> u64 {
    if r == 0 {
        return u64::MAX;
    }
    if carry + r >= den {
        return 0;
    }
    let (whole, rest) = div_rem(den - r - carry, r);
    (whole + u128::from(rest > 0)) as u64
}

/// Adds `b` to `retries` (sorted by due time and attempt), merged with a batch of the
/// same key.
fn add_retry(retries: &mut Vec<RetryBatch>, b: RetryBatch) {
    match retries.binary_search_by_key(&(b.due, b.attempt), |x| (x.due, x.attempt)) {
        Ok(i) => retries[i].count += b.count,
        Err(i) => retries.insert(i, b),
    }
}

/// A producer's changing state.
#[derive(Debug)]
pub(crate) struct ProducerState {
    pub name: String,
    /// `records_per_second` in thousandths.
    pub rate_milli: u64,
    pub record_bytes: u32,
    pub retry: bool,
    pub routes: Vec<Route>,
}

/// Turns a rate into milli-records per second (rounded to nearest).
pub(crate) fn rate_milli(records_per_second: f64) -> u64 {
    if records_per_second.is_finite() && records_per_second > 0.0 {
        (records_per_second * 1_000.0).round() as u64
    } else {
        0
    }
}

impl ProducerState {
    pub(crate) fn new(p: &Producer) -> ProducerState {
        ProducerState {
            name: p.name.clone(),
            rate_milli: rate_milli(p.records_per_second),
            record_bytes: p.record_bytes.max(1),
            retry: p.retry_throttled,
            routes: Vec::new(),
        }
    }
}

/// How many key tables [`key_table`] keeps between runs.
const KEPT_TABLES: usize = 4;

/// Tables of more keys than this are not kept (20 bytes a key: a kept table
/// is at most 2 MB, and a WebAssembly heap never shrinks).
const KEPT_TABLE_KEYS: u32 = 100_000;

thread_local! {
    /// The key tables of recent runs, newest last. A table depends only on its
    /// number of keys, so reusing one changes nothing but time: the playground
    /// re-runs a scenario on every knob change, and hashing 100,000 keys took
    /// several milliseconds of each run in the browser.
    static TABLES: std::cell::RefCell<Vec<(u32, Rc<KeyTable>)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The table of `n` keys: a recent run's, or a new one.
fn key_table(n: u32) -> Rc<KeyTable> {
    TABLES.with_borrow_mut(|tables| {
        if let Some(i) = tables.iter().position(|(m, _)| *m == n) {
            let entry = tables.remove(i);
            let t = entry.1.clone();
            tables.push(entry);
            return t;
        }
        let t = Rc::new(KeyTable::new(n));
        if n <= KEPT_TABLE_KEYS {
            if tables.len() == KEPT_TABLES {
                tables.remove(0);
            }
            tables.push((n, t.clone()));
        }
        t
    })
}

/// Builds the static key facts of each producer, sharing tables between
/// producers with the same number of keys (each key is hashed once).
pub(crate) fn producer_keys(producers: &[Producer]) -> Vec<ProducerKeys> {
    producers
        .iter()
        .map(|p| {
            let keys = key_table(p.partition_keys.max(1));
            let share = if p.hot_key_share.is_finite() {
                p.hot_key_share.clamp(0.0, 1.0)
            } else {
                0.0
            };
            ProducerKeys {
                keys,
                hot_ppm: (share * 1_000_000.0).round() as u64,
                explicit: p.explicit_hash_key,
            }
        })
        .collect()
}

/// Outcome of offering records to one shard.
struct Admission {
    admitted: u64,
    throttled: u64,
}

impl Stream {
    /// Rolls the shard's write window to the second holding `now` (which
    /// covers arrivals in `(now − TICK, now]`), closing a throttling episode
    /// and updating the on-demand "hot seconds" counter.
    fn roll_window(&mut self, shard: ShardId, now: SimTime, rec: &mut Recorder) {
        let on_demand = self.on_demand;
        let w = &mut self.at_mut(shard).write;
        // Still the window's second (most ticks): said without dividing.
        if now.0 > w.second * 1_000_000 && now.0 <= (w.second + 1) * 1_000_000 {
            return;
        }
        let second = now.0.saturating_sub(1) / 1_000_000;
        if w.second == second {
            return;
        }
        if on_demand {
            if w.bytes > ON_DEMAND_SPLIT_BYTES_PER_SECOND && second == w.second + 1 {
                w.hot_seconds += 1;
            } else {
                w.hot_seconds = 0;
            }
        }
        if let Some((first, last, throttled, dropped)) = w.episode {
            if second > last + 1 {
                w.episode = None;
                rec.event(
                    SimTime::from_secs(first),
                    Cause::WriteLimit,
                    EventKind::WriteThrottled {
                        shard,
                        until: SimTime::from_secs(last + 1),
                        records: throttled,
                        dropped,
                    },
                );
            }
        }
        w.second = second;
        w.records = 0;
        w.bytes = 0;
    }

    /// Flushes every open throttling episode into the trace (at the end).
    pub(crate) fn close_write_episodes(&mut self, rec: &mut Recorder) {
        for s in &mut self.shards {
            if let Some((first, last, throttled, dropped)) = s.write.episode.take() {
                rec.event(
                    SimTime::from_secs(first),
                    Cause::WriteLimit,
                    EventKind::WriteThrottled {
                        shard: s.info.id,
                        until: SimTime::from_secs(last + 1),
                        records: throttled,
                        dropped,
                    },
                );
            }
        }
    }

    /// Offers `n` records of `bytes` each to `shard` under its per-second limits.
    ///
    /// Each shard admits at most 1,000 records and 1 MiB per second.
    /// Assumption: the budget is accounted per whole second of simulated time
    /// and resets at each second boundary (AWS does not document the window).
    /// Source: <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>
    fn admit(&mut self, shard: ShardId, n: u64, bytes: u32) -> Admission {
        let w = &mut self.at_mut(shard).write;
        let by_records = WRITE_RECORDS_PER_SECOND.saturating_sub(w.records);
        let room = WRITE_BYTES_PER_SECOND.saturating_sub(w.bytes);
        let per = u64::from(bytes.max(1));
        // (Most ticks fit: then no division is needed.)
        let by_bytes = if saturating_mul(n, per) <= room {
            n
        } else {
            room / per
        };
        let admitted = n.min(by_records).min(by_bytes);
        w.records += admitted;
        w.bytes += admitted * u64::from(bytes);
        Admission {
            admitted,
            throttled: n - admitted,
        }
    }

    /// Records a throttle in the shard's current episode.
    fn note_throttle(&mut self, shard: ShardId, throttled: u64, dropped: u64) {
        let w = &mut self.at_mut(shard).write;
        let sec = w.second;
        match &mut w.episode {
            Some((_, last, t, d)) => {
                *last = sec;
                *t += throttled;
                *d += dropped;
            }
            None => w.episode = Some((sec, sec, throttled, dropped)),
        }
    }

    /// One producer tick at `now`: every producer writes what its rate gives
    /// for `(now − TICK, now]`, retries included. In on-demand mode, the shards
    /// to split then are [`Self::hot_shards`].
    pub(crate) fn producer_tick(
        &mut self,
        now: SimTime,
        producers: &mut [ProducerState],
        rec: &mut Recorder,
    ) {
        #[allow(clippy::needless_range_loop)] // the body re-borrows `producers[p_idx]`
        for p_idx in 0..producers.len() {
            // Slices' indexes, not the `Vec`s' (calls at opt-level "z"): every route, every tick.
            let den = 1_000u128 * 1_000_000 * self.producer_keys.as_slice()[p_idx].total_weight();
            let tick_factor = u128::from(producers[p_idx].rate_milli) * u128::from(TICK.0);
            let bytes = producers[p_idx].record_bytes;
            let retry = producers[p_idx].retry;
            for r_idx in 0..producers[p_idx].routes.len() {
                let rate = producers[p_idx].rate_milli;
                let route = &mut producers[p_idx].routes.as_mut_slice()[r_idx];
                let shard = route.shard;
                route.set_step(rate, tick_factor, den);
                let fresh = tick_records(&mut route.carry, route.step, route.step_den);
                let retries_due = route.retries.first().is_some_and(|b| b.due <= now);
                if fresh == 0 && !retries_due {
                    continue;
                }
                self.roll_window(shard, now, rec);
                let mut admitted = 0u64;
                let mut throttled_total = 0u64;
                let mut dropped = 0u64;
                // Throttled records go back to the route's retries as they are found (a
                // retry is due later than now, and equal ones merge: the same as adding
                // them after the tick). No list is built on the common path, which has
                // no retry due (at opt-level "z" even an empty list's drop is calls).
                if retries_due {
                    let ready = route.retries.partition_point(|b| b.due <= now);
                    let due: Vec<RetryBatch> = route.retries.drain(..ready).collect();
                    // Most attempts first, then the earliest due.
                    let due = crate::order::sorted_by_key(due, |r| {
                        (u128::from(u8::MAX - r.attempt) << 64) | u128::from(r.due.0)
                    });
                    for b in due {
                        let a = self.admit(shard, b.count, bytes);
                        admitted += a.admitted;
                        if a.throttled > 0 {
                            throttled_total += a.throttled;
                            let attempt = b.attempt.saturating_add(1);
                            add_retry(
                                &mut producers[p_idx].routes[r_idx].retries,
                                RetryBatch {
                                    due: SimTime(now.0 + retry_delay(attempt - 1).0),
                                    attempt,
                                    count: a.throttled,
                                },
                            );
                        }
                    }
                }
                if fresh > 0 {
                    let a = self.admit(shard, fresh, bytes);
                    admitted += a.admitted;
                    if a.throttled > 0 {
                        throttled_total += a.throttled;
                        if retry {
                            add_retry(
                                &mut producers[p_idx].routes[r_idx].retries,
                                RetryBatch {
                                    due: SimTime(now.0 + retry_delay(0).0),
                                    attempt: 1,
                                    count: a.throttled,
                                },
                            );
                        } else {
                            dropped += a.throttled;
                        }
                    }
                }
                if throttled_total > 0 {
                    self.note_throttle(shard, throttled_total, dropped);
                    rec.metrics.write_throttled(now, shard, throttled_total);
                    rec.totals.write_throttled_records += throttled_total;
                    rec.totals.dropped_records += dropped;
                }
                if admitted > 0 {
                    let source = RunSource::Producer(p_idx as u32);
                    self.append_tick(shard, source, admitted, bytes, now);
                    let tick_bytes = admitted * u64::from(bytes);
                    rec.metrics.incoming_tick(now, shard, admitted, tick_bytes);
                    rec.totals.incoming_records += admitted;
                    rec.totals.bill(admitted, bytes);
                }
            }
        }
    }

    /// The shards that on-demand scaling wants to split: open and hot for long enough.
    pub(crate) fn hot_shards(&self) -> Vec<ShardId> {
        self.shards
            .iter()
            .filter(|s| {
                s.info.state == ShardState::Open
                    && s.write.hot_seconds >= ON_DEMAND_SUSTAINED_SECONDS
            })
            .map(|s| s.info.id)
            .collect()
    }

    /// Whether the ticks from `first` on can be computed in bulk by
    /// [`Stream::steady_ticks`]: no throttled records wait for a retry, one producer
    /// writes (so no shard is written by two), no throttling episode is open on a written shard, and
    /// none can start: ten ticks at most one record above each route's steady count stay
    /// within the shard's per-second limits, and so do the ticks left in the window's
    /// second with what it has taken (and, in on-demand mode, within the 500 KB/s that
    /// makes a shard hot, with no shard hot for long enough to split). Then a tick is
    /// only arithmetic on carries and runs.
    pub(crate) fn steady(&self, first: SimTime, producers: &mut [ProducerState]) -> bool {
        if producers.iter().filter(|p| p.rate_milli > 0).count() > 1 {
            // Two producers may write one shard, each tick in turn: not steady.
            return false;
        }
        for (p_idx, p) in producers.iter_mut().enumerate() {
            let den = 1_000u128 * 1_000_000 * self.producer_keys[p_idx].total_weight();
            let tick_factor = u128::from(p.rate_milli) * u128::from(TICK.0);
            for route in &mut p.routes {
                if !route.retries.is_empty() {
                    return false;
                }
                if p.rate_milli == 0 {
                    continue;
                }
                route.set_step(p.rate_milli, tick_factor, den);
                let w = &self.at(route.shard).write;
                // At most a record more than the steady count a tick.
                let most = route.step.0 + 1;
                let most_bytes = most * u64::from(p.record_bytes);
                let bytes_limit = if self.on_demand {
                    ON_DEMAND_SPLIT_BYTES_PER_SECOND
                } else {
                    WRITE_BYTES_PER_SECOND
                };
                // The window's second, if `first` is in it: what it has taken, and the
                // ticks it has left; otherwise what it took (final) and none.
                let second_end = (w.second + 1) * 1_000_000;
                let left = if first.0 > w.second * 1_000_000 && first.0 <= second_end {
                    (second_end - first.0) / TICK.0 + 1
                } else {
                    0
                };
                let (records, bytes) = if left > 0 {
                    (w.records + left * most, w.bytes + left * most_bytes)
                } else {
                    (0, if self.on_demand { w.bytes } else { 0 })
                };
                if w.episode.is_some()
                    || records.max(10 * most) > WRITE_RECORDS_PER_SECOND
                    || bytes.max(10 * most_bytes) > bytes_limit
                {
                    return false;
                }
            }
        }
        !self.on_demand
            || self
                .shards
                .iter()
                .all(|s| s.write.hot_seconds < ON_DEMAND_SUSTAINED_SECONDS)
    }

    /// `k` producer ticks at `first`, `first + TICK`, …, computed in bulk when
    /// [`Stream::steady`] said so: exactly what `k` calls
    /// of `producer_tick` would do. Each route's records over the ticks follow from its
    /// carry in closed form, and a tick that only extends the shard's newest run (the
    /// merge rule of `append_tick`, which a steady run keeps meeting: see
    /// `merges_ahead`) is added with the rest of its run in one step, and so are a route's
    /// records below one a tick when they come evenly (`sparse_merges_ahead`); other ticks
    /// (a new run every [`crate::stream::MAX_RUN_SPAN`], or uneven ticks below a record a
    /// tick) are appended one by one. Routes go one after another, not tick by
    /// tick: each writes its own shard, so nothing one does is seen by another.
    pub(crate) fn steady_ticks(
        &mut self,
        first: SimTime,
        k: u64,
        producers: &mut [ProducerState],
        rec: &mut Recorder,
    ) {
        // A metric period at a time, so that the ticks' records are added up per
        // period in the order the ticks come.
        let (mut from, mut left) = (first, k);
        while left > 0 {
            let period_end = rec.metrics.period_end(from);
            let n = left.min(period_end.0.saturating_sub(from.0) / TICK.0 + 1);
            self.steady_ticks_in_period(from, n, producers, rec);
            from = SimTime(from.0 + n * TICK.0);
            left -= n;
        }
    }

    /// [`Stream::steady_ticks`] within one metric period.
    fn steady_ticks_in_period(
        &mut self,
        first: SimTime,
        k: u64,
        producers: &mut [ProducerState],
        rec: &mut Recorder,
    ) {
        let at = |i: u64| SimTime(first.0 + i * TICK.0);
        for (p_idx, p) in producers.iter_mut().enumerate() {
            if p.rate_milli == 0 {
                continue;
            }
            let bytes = p.record_bytes;
            let source = RunSource::Producer(p_idx as u32);
            for route in &mut p.routes {
                // In the reduced fraction (see `Route::carry`): with the plain remainder
                // g·c + c0 (c0 < g), each floor of (g·c + c0 + j·g·r) / (g·den) is that
                // of (c + j·r) / den, and each ceiling of (g·den − g·r − g·c − c0) / (g·r)
                // that of (den − r − c) / r (r ≥ 1 there).
                let (q, r) = route.step;
                let den = route.step_den;
                let mut carry = route.carry;
                // Below a record a tick, every `d`-th tick writes one when `d` is whole.
                let every = (q == 0 && r > 0)
                    .then(|| div_rem(den, r))
                    .filter(|&(_, rem)| rem == 0)
                    .map(|(d, _)| d as u64);
                let shard = route.shard;
                let mut total = 0;
                let mut i = 0;
                while i < k {
                    // The ticks from `i` that each write at least `lo` records: all of them,
                    // or, below a record a tick, those before the next tick without one (a
                    // tick writes one while the carry covers what it lacks, `den − r`).
                    let (lo, writing) = if q > 0 {
                        (q, k - i)
                    } else {
                        (1, div_rem(carry, den - r).0 as u64)
                    };
                    // Those of them that write exactly one record each (asked of a
                    // one-record run only).
                    let ones = || match q {
                        0 => writing,
                        1 => ticks_of_q(carry, r, den),
                        _ => 0,
                    };
                    let m = self
                        .merges_ahead(shard, source, bytes, (lo, ones), at(i))
                        .min(writing)
                        .min(k - i);
                    if m > 0 {
                        // `m` ticks that only extend the newest run: their records at once.
                        let start = carry;
                        let n = if q > 0 {
                            let (whole, rest) = div_rem(mul_add(m, r, carry), den);
                            carry = rest;
                            m * q + whole as u64
                        } else {
                            carry -= mul_add(m, den - r, 0);
                            m
                        };
                        // Records of the chunk's ticks from its `j`-th on.
                        let in_last = |j: u64| {
                            if q > 0 {
                                n - (j * q + div_rem(mul_add(j, r, start), den).0 as u64)
                            } else {
                                m - j
                            }
                        };
                        let last = at(i + m - 1);
                        let second = self.at(shard).write.second;
                        self.roll_window(shard, last, rec);
                        let s = self.at_mut(shard);
                        // Of these ticks, those in the window's second now.
                        let in_window = if s.write.second == second {
                            n
                        } else {
                            let from = (s.write.second * 1_000_000 + 1).saturating_sub(first.0);
                            in_last(from.div_ceil(TICK.0).max(i) - i)
                        };
                        let seq = self.at(shard).next_seq;
                        let step = if q > 0 {
                            TipStep::dense(at(i), m, seq, q, r, den, start)
                        } else {
                            TipStep::dense(at(i), m, seq, 1, 0, 1, 0)
                        };
                        self.extend_newest_run(shard, (n, in_window), last, bytes, step, rec);
                        total += n;
                        i += m;
                        continue;
                    }
                    if q == 0 && carry + r < den {
                        // Ticks without a record, up to the next that has one (or the last).
                        let skip = ticks_of_q(carry, r, den).min(k - i);
                        carry = mul_add(skip, r, carry);
                        i += skip;
                        continue;
                    }
                    // One tick, as `producer_tick` does it.
                    let n = tick_records(&mut carry, (q, r), den);
                    if n > 0 {
                        let now = at(i);
                        self.roll_window(shard, now, rec);
                        let a = self.admit(shard, n, bytes);
                        debug_assert_eq!(a.throttled, 0, "a steady tick is never throttled");
                        self.append_tick(shard, source, n, bytes, now);
                        rec.metrics
                            .incoming_tick(now, shard, n, n * u64::from(bytes));
                        total += n;
                    }
                    i += 1;
                    if let Some(d) = every.filter(|_| n == 1) {
                        // Every `d`-th tick from this one writes a record (the carry comes
                        // back to where it is now), evenly spaced: they join its run.
                        let m = self.sparse_merges_ahead(shard, d, k - i + 1);
                        if m > 0 {
                            self.sparse_records(shard, at(i - 1), d, m, bytes, rec);
                            total += m;
                            i += m * d;
                        }
                    }
                }
                route.carry = carry;
                rec.totals.incoming_records += total;
                rec.totals.bill(total, bytes);
            }
        }
    }

    /// How many of the records every `d` (≥ 2) ticks after the newest one of `shard`
    /// (which a tick just appended), among those of the next `ticks` ticks counting
    /// from the newest one's, join its run under `append_tick`'s rule for records
    /// below one a tick: all that keep within [`crate::stream::MAX_RUN_SPAN`] once the
    /// run's records are `d` ticks apart, or it holds one.
    fn sparse_merges_ahead(&self, shard: ShardId, d: u64, ticks: u64) -> u64 {
        let gap = d * TICK.0;
        let Some(run) = self.at(shard).runs.back() else {
            return 0;
        };
        if !run.spaced(gap) {
            return 0;
        }
        let room = (run.first_arrival.0 + crate::stream::MAX_RUN_SPAN.0)
            .saturating_sub(run.last_arrival.0)
            / gap;
        room.min((ticks - 1) / d)
    }

    /// Adds `m` records to `shard`'s newest run, one every `d` ticks after `from` (the
    /// run's last): what `m` ticks of one record each would do to the run, the write
    /// window and the metrics (see [`Self::sparse_merges_ahead`]).
    fn sparse_records(
        &mut self,
        shard: ShardId,
        from: SimTime,
        d: u64,
        m: u64,
        bytes: u32,
        rec: &mut Recorder,
    ) {
        let last = SimTime(from.0 + m * d * TICK.0);
        let second = self.at(shard).write.second;
        self.roll_window(shard, last, rec);
        let s = self.at_mut(shard);
        // Of these records (the j-th at from + j·d ticks, j = 1..=m), those in the
        // window's second now: after its start.
        let in_window = if s.write.second == second {
            m
        } else {
            let start = s.write.second * 1_000_000;
            let first_in = (start.saturating_sub(from.0) / (d * TICK.0) + 1).max(1);
            (m + 1).saturating_sub(first_in)
        };
        let step = TipStep::sparse(from, d * TICK.0, m, s.next_seq);
        self.extend_newest_run(shard, (m, in_window), last, bytes, step, rec);
    }

    /// Adds `n` records of `bytes` each to `shard`'s newest run (a bulk step's: see
    /// [`Stream::steady_ticks`]), the last arriving at `last`, `in_window` of them in
    /// the write window's second.
    fn extend_newest_run(
        &mut self,
        shard: ShardId,
        (n, in_window): (u64, u64),
        last: SimTime,
        bytes: u32,
        step: TipStep,
        rec: &mut Recorder,
    ) {
        let s = self.at_mut(shard);
        s.write.records += in_window;
        s.write.bytes += in_window * u64::from(bytes);
        let run = s.runs.back_mut().expect("a bulk step extends a run");
        run.count += n;
        run.last_arrival = last;
        s.next_seq += n;
        if let Some(log) = &mut s.tips {
            log.note(step);
        }
        rec.metrics
            .incoming_tick(last, shard, n, n * u64::from(bytes));
    }

    /// Writes `count` poison records with `partition_key` to the shard owning
    /// its MD5.
    ///
    /// Assumption: poison records are written by a separate, well-behaved
    /// client; they are always admitted (and count against the shard's budget
    /// for the current second), are 1,000 bytes each (the default record
    /// size), and arrive at the moment of the timeline action.
    pub(crate) fn write_poison(
        &mut self,
        now: SimTime,
        partition_key: &str,
        count: u32,
        rec: &mut Recorder,
    ) -> Option<(ShardId, u64)> {
        let (key, hash) = self.intern_key(partition_key);
        let shard = self.route(hash)?;
        let count = u64::from(count.max(1));
        let bytes = 1_000u32;
        let w = &mut self.at_mut(shard).write;
        w.records += count;
        w.bytes += count * u64::from(bytes);
        let run = self.append(
            shard,
            Run {
                first_seq: 0,
                count,
                record_bytes: bytes,
                first_arrival: now,
                last_arrival: now,
                source: RunSource::Poison(key),
            },
        );
        rec.metrics.incoming(now, shard, count, run.bytes());
        rec.totals.incoming_records += count;
        rec.totals.bill(count, bytes);
        Some((shard, run.first_seq))
    }

    /// Recomputes every producer's routes after the set of open shards
    /// changed. Routes to shards still open keep their carry and retries;
    /// retries waiting for a closed shard move to the open shards that took
    /// over its range, split by routing weight (the last of them gets the
    /// rounding remainder), and merge with retries due at the same time and
    /// attempt there.
    pub(crate) fn reroute(&mut self, producers: &mut [ProducerState]) {
        let open = self.open_shards();
        for (p_idx, p) in producers.iter_mut().enumerate() {
            let old = std::mem::take(&mut p.routes);
            let mut routes: Vec<Route> = open
                .iter()
                .map(|&id| Route::new(id, self.at(id).slices[p_idx].weight))
                .collect();
            for o in old {
                if let Some(r) = routes.iter_mut().find(|r| r.shard == o.shard) {
                    // Over the plain denominator (this route's step is not set yet).
                    r.carry = o.plain_carry();
                    r.retries = o.retries;
                    continue;
                }
                // The shard closed: hand its waiting retries to its successors.
                let (start, end) = {
                    let i = &self.at(o.shard).info;
                    (i.starting_hash_key, i.ending_hash_key)
                };
                let heirs: Vec<usize> = routes
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        let i = &self.at(r.shard).info;
                        i.starting_hash_key <= end && i.ending_hash_key >= start && r.weight > 0
                    })
                    .map(|(k, _)| k)
                    .collect();
                let total: u128 = heirs.iter().map(|&k| routes[k].weight).sum();
                if total == 0 {
                    continue;
                }
                for b in o.retries {
                    let mut left = b.count;
                    for (j, &k) in heirs.iter().enumerate() {
                        let share = if j + 1 == heirs.len() {
                            left
                        } else {
                            (u128::from(b.count) * routes[k].weight / total) as u64
                        };
                        let share = share.min(left);
                        left -= share;
                        if share > 0 {
                            let part = RetryBatch {
                                count: share,
                                ..b.clone()
                            };
                            add_retry(&mut routes[k].retries, part);
                        }
                    }
                }
            }
            routes.retain(|r| r.weight > 0 || !r.retries.is_empty());
            p.routes = routes;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tables_are_kept_for_the_next_runs() {
        let a = key_table(1234);
        let b = key_table(1234);
        assert!(Rc::ptr_eq(&a, &b), "the same table again");
        assert_eq!(a.hashes, KeyTable::new(1234).hashes);
        for n in 0..KEPT_TABLES as u32 {
            key_table(2000 + n);
        }
        let c = key_table(1234);
        assert!(
            !Rc::ptr_eq(&a, &c),
            "pushed out by newer ones, then built again"
        );
        assert_eq!(a.hashes, c.hashes);
        let big = KEPT_TABLE_KEYS + 1;
        assert!(
            !Rc::ptr_eq(&key_table(big), &key_table(big)),
            "large tables are not kept"
        );
    }

    /// Ticks computed in bulk write the very runs that ticking one by one writes (run
    /// for run, not only the trace, which shows arrivals only through readers' ages):
    /// one shard, one producer, at rates about one record a tick, where runs start with a
    /// one-record tick (`merges_ahead`'s `ones`): 0.5, 0.994, 1, 1.03, 1.5 and 1.9
    /// records a tick.
    #[test]
    fn bulk_ticks_write_the_runs_of_ticks_one_by_one() {
        for rps in ["5", "9.94", "10", "10.3", "15", "19"] {
            let src = format!(
                r#"{{"format": "shardscope/1", "seed": 3, "duration": "5m",
                    "stream": {{"ShardCount": 1}},
                    "producers": [{{"name": "p", "records_per_second": {rps}, "record_bytes": 100}}],
                    "consumers": []}}"#
            );
            let s = crate::scenario::parse(&src).expect("scenario");
            let runs = |one_by_one: bool| {
                let mut sim = crate::sim::Simulation::new(&s).expect("simulation");
                if one_by_one {
                    sim.tick_by_tick();
                }
                sim.run_until(SimTime(300_000_000));
                sim.stream().shards[0].runs.clone()
            };
            let (bulk, reference) = (runs(false), runs(true));
            assert!(reference.len() >= 30, "{rps}/s: {} runs", reference.len());
            assert_eq!(bulk, reference, "{rps} records a second");
        }
    }

    /// A route's carry, kept in the fraction reduced by each rate's divisor, gives each
    /// tick's records and the remainder of the plain division, across rate changes whose
    /// divisors do not divide the remainder carried (a weight of 3 of 7 keys: the
    /// divisors are 10^9, 10^9, 7·10^5, 10^8 and 7·10^5).
    #[test]
    fn reduced_carries_follow_the_plain_fraction_across_rate_changes() {
        let den = 7 * 1_000_000_000u128;
        let mut route = Route::new(ShardId(0), 3);
        let mut plain = 0u128;
        let mut divisors = Vec::new();
        for rate in [1_500_000u64, 2_000_000, 333_333, 1_000, 7_777_777] {
            let tick_factor = u128::from(rate) * u128::from(TICK.0);
            for _ in 0..5 {
                route.set_step(rate, tick_factor, den);
                // As `producer_tick` does it, and in the plain fraction.
                let n = tick_records(&mut route.carry, route.step, route.step_den);
                let inc = tick_factor * 3;
                let m = tick_records(&mut plain, ((inc / den) as u64, inc % den), den);
                assert_eq!((n, route.plain_carry()), (m, plain), "rate {rate}");
            }
            divisors.push(route.step_gcd);
        }
        assert_eq!(
            divisors,
            [1_000_000_000, 1_000_000_000, 700_000, 100_000_000, 700_000]
        );
    }

    #[test]
    fn retry_delays_double_to_1600_ms() {
        let d: Vec<u64> = (0..7).map(|a| retry_delay(a).as_millis()).collect();
        assert_eq!(d, vec![100, 200, 400, 800, 1600, 1600, 1600]);
    }

    #[test]
    fn rates_become_milli_records() {
        assert_eq!(rate_milli(1500.0), 1_500_000);
        assert_eq!(rate_milli(0.1), 100);
        assert_eq!(rate_milli(-1.0), 0);
        assert_eq!(rate_milli(f64::NAN), 0);
    }
}
