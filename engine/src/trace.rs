//! What a run produces: typed trace events with their time and cause, metric
//! series, the summary v1 (the `simulate --json` contract of design.md), and a
//! stable hash over all of it.
//!
//! Events are few by design: throttling and expiry are reported as
//! **episodes** (one event from the first to the last second in a row in
//! which it happened, with a count), not per record or per second; the
//! per-second detail is in the metric series.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::stream::{ShardId, ShardInfo};
use crate::time::{SimDuration, SimTime};

/// Why something happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Cause {
    /// Timeline entry number `index` (0-based, in the scenario's order).
    Timeline {
        /// Position in `timeline`.
        index: usize,
    },
    /// A shard's write limits.
    WriteLimit,
    /// A shard's read limits.
    ReadLimit,
    /// The stream's retention period.
    Retention,
    /// On-demand mode's automatic scaling.
    OnDemandScaling,
    /// A consumer's own logic.
    Consumer {
        /// The consumer's name.
        consumer: String,
    },
    /// Setting up the run.
    Setup,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type")]
pub enum EventKind {
    /// A shard was created (at the start, or by a reshard).
    ShardOpened {
        /// The new shard.
        shard: ShardId,
        /// `StartingHashKey`, decimal.
        starting_hash_key: String,
        /// `EndingHashKey`, decimal.
        ending_hash_key: String,
        /// `ParentShardId`.
        parent: Option<ShardId>,
        /// `AdjacentParentShardId`.
        adjacent_parent: Option<ShardId>,
    },
    /// A shard was closed by a reshard; it stays readable until retention.
    ShardClosed {
        /// The closed shard.
        shard: ShardId,
        /// Its children.
        children: Vec<ShardId>,
    },
    /// A closed shard's last records were trimmed; it is no longer listed.
    ShardExpired {
        /// The shard.
        shard: ShardId,
    },
    /// A reshard finished.
    Reshard {
        /// `SplitShard`, `MergeShards`, `UpdateShardCount` or `OnDemandSplit`.
        operation: &'static str,
        /// Shards closed (intermediate ones included).
        closed: Vec<ShardId>,
        /// Shards opened (intermediate ones included).
        opened: Vec<ShardId>,
        /// Open shards afterwards.
        open_shards: u32,
    },
    /// Puts to a shard were throttled (WriteProvisionedThroughputExceeded)
    /// from this event's time until `until_us`.
    WriteThrottled {
        /// The shard.
        shard: ShardId,
        /// End of the episode (µs).
        #[serde(rename = "until_us", serialize_with = "ser_time")]
        until: SimTime,
        /// Throttled put attempts (a record retried and throttled again counts again).
        records: u64,
        /// Of those, records dropped because their producer does not retry.
        dropped: u64,
    },
    /// A consumer's GetRecords calls on a shard were throttled
    /// (ReadProvisionedThroughputExceeded) from this event's time until `until_us`.
    ReadThrottled {
        /// The consumer.
        consumer: String,
        /// The shard.
        shard: ShardId,
        /// End of the episode (µs).
        #[serde(rename = "until_us", serialize_with = "ser_time")]
        until: SimTime,
        /// Throttled calls.
        calls: u64,
    },
    /// Records aged out of the stream before this consumer settled them.
    RecordsExpired {
        /// The consumer.
        consumer: String,
        /// The shard.
        shard: ShardId,
        /// End of the episode (µs).
        #[serde(rename = "until_us", serialize_with = "ser_time")]
        until: SimTime,
        /// Records lost to this consumer.
        records: u64,
    },
    /// Poison records were written.
    PoisonWritten {
        /// The shard owning MD5(partition key).
        shard: ShardId,
        /// Sequence number of the first one.
        sequence_number: String,
        /// The key.
        partition_key: String,
        /// How many.
        count: u32,
    },
    /// A timeline action took effect.
    ActionApplied {
        /// The `do` string.
        action: &'static str,
    },
    /// A timeline action was refused, as AWS would refuse it; the run goes on.
    ActionRejected {
        /// The `do` string.
        action: &'static str,
        /// The AWS exception name.
        error: &'static str,
        /// Why.
        reason: String,
    },
    /// A consumer of a kind this engine version does not simulate yet.
    ConsumerNotSimulated {
        /// The consumer.
        consumer: String,
        /// Its `kind`.
        kind: &'static str,
    },
    /// A Lambda event source mapping event: an invocation (or a streak of
    /// first-try successes), a throttle, an OnFailure message, a tumbling
    /// window's final invocation, a shard started or drained, a timeline
    /// action applied (see [`crate::lambda::LambdaEvent`]). Boxed: it is
    /// several times the size of the other kinds.
    Lambda(Box<crate::lambda::LambdaEvent>),
    /// An Amazon Data Firehose event: a buffer's delivery, a transform
    /// invocation, an outage (see [`crate::firehose::FirehoseEvent`]).
    Firehose(Box<crate::firehose::FirehoseEvent>),
    /// A Managed Service for Apache Flink event: a status change, a checkpoint,
    /// a failure, a restore, a snapshot, a scaling (see [`crate::flink::FlinkEvent`]).
    Flink(Box<crate::flink::FlinkEvent>),
    /// An AWS Glue event: a job run's state, a committed or failed micro-batch, a
    /// scaling, a checkpoint reset (see [`crate::glue::GlueEvent`]).
    Glue(Box<crate::glue::GlueEvent>),
    /// A Kinesis Data Analytics for SQL event: a status, rows to `error_stream`, a
    /// window, a failed delivery (see [`crate::kda_sql::KdaSqlEvent`]).
    KdaSql(Box<crate::kda_sql::KdaSqlEvent>),
    /// Something a consumer reports about itself (free form, for consumers
    /// whose typed events are not defined yet).
    ConsumerNote {
        /// The consumer.
        consumer: String,
        /// The shard concerned, if any.
        shard: Option<ShardId>,
        /// A short machine-readable tag.
        what: String,
        /// Details in words.
        detail: String,
    },
}

fn ser_time<S: serde::Serializer>(t: &SimTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(t.0)
}

/// One trace event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// When, in µs since the start.
    #[serde(rename = "at_us", serialize_with = "ser_time")]
    pub at: SimTime,
    /// Why.
    pub cause: Cause,
    /// What.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl TraceEvent {
    /// The order of events at the same time: kernel events (and consumer
    /// events about no shard) first, in the order they happened; then the
    /// events of a consumer about a shard, by shard and consumer, each in the
    /// order they happened. A consumer may work ahead of the kernel on one
    /// shard (the Lambda mapping chains a lane's back-to-back invocations), so
    /// the trace does not depend on how events of different shards were
    /// interleaved at the same microsecond.
    pub fn order_key(&self) -> (SimTime, Option<(ShardId, &str)>) {
        let tie = match (&self.kind, &self.cause) {
            (EventKind::Lambda(l), Cause::Consumer { consumer }) => {
                l.shard.map(|s| (s, consumer.as_str()))
            }
            _ => None,
        };
        (self.at, tie)
    }

    /// The event's `type` string.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            EventKind::ShardOpened { .. } => "ShardOpened",
            EventKind::ShardClosed { .. } => "ShardClosed",
            EventKind::ShardExpired { .. } => "ShardExpired",
            EventKind::Reshard { .. } => "Reshard",
            EventKind::WriteThrottled { .. } => "WriteThrottled",
            EventKind::ReadThrottled { .. } => "ReadThrottled",
            EventKind::RecordsExpired { .. } => "RecordsExpired",
            EventKind::PoisonWritten { .. } => "PoisonWritten",
            EventKind::ActionApplied { .. } => "ActionApplied",
            EventKind::ActionRejected { .. } => "ActionRejected",
            EventKind::ConsumerNotSimulated { .. } => "ConsumerNotSimulated",
            EventKind::ConsumerNote { .. } => "ConsumerNote",
            EventKind::Lambda(_) => "Lambda",
            EventKind::Firehose(_) => "Firehose",
            EventKind::Flink(_) => "Flink",
            EventKind::Glue(_) => "Glue",
            EventKind::KdaSql(_) => "KdaSql",
        }
    }
}

/// How a series aggregates the values inside one period.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Stat {
    /// Total over the period.
    Sum,
    /// Largest value in the period.
    Maximum,
    /// Value at the end of the period.
    Last,
}

/// One metric series (CloudWatch names).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// `IncomingRecords`, `IncomingBytes`, `WriteProvisionedThroughputExceeded`,
    /// `ReadProvisionedThroughputExceeded`, `IteratorAgeMilliseconds`, `OpenShards`.
    pub metric: &'static str,
    /// How each point aggregates its period.
    pub stat: Stat,
    /// The consumer the series is about, if any.
    pub consumer: Option<String>,
    /// The shard the series is about, if any.
    pub shard: Option<ShardId>,
    /// Length of one period (ms).
    pub period_ms: u64,
    /// Index of the first point (series of shards created later start later).
    pub start_index: usize,
    /// The points; `None` is "no data" (CloudWatch reports nothing).
    pub values: Vec<Option<u64>>,
}

/// Candidate metric periods (s): the smallest one giving at most
/// [`MAX_POINTS`] points is used, so a 7-day run stays small.
const PERIODS_S: [u64; 13] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];

/// Most points per series.
pub const MAX_POINTS: u64 = 10_000;

/// The metric period for a run of `duration`: 1 s, or coarser for long runs.
pub fn metric_period(duration: SimDuration) -> SimDuration {
    let secs = duration.0.div_ceil(1_000_000).max(1);
    let p = PERIODS_S
        .iter()
        .copied()
        .find(|p| secs.div_ceil(*p) <= MAX_POINTS)
        .unwrap_or(3600);
    SimDuration::from_secs(p)
}

/// A dense per-period vector that starts when first touched. A period never written
/// holds [`UNSET`] (one vector, not a second one of flags: lanes are written on most
/// events).
#[derive(Clone, Debug, Default)]
struct Lane {
    start: usize,
    values: Vec<u64>,
}

/// A period of a [`Lane`] that was never written. Values stay below it (sums saturate).
const UNSET: u64 = u64::MAX;

/// True if a consumer's metric `i` is `metric` (the same constant: compared by address).
#[inline(always)]
fn is_metric(own: &[(&'static str, Stat, Lane)], i: usize, metric: &'static str) -> bool {
    own.get(i).is_some_and(|(m, _, _)| std::ptr::eq(*m, metric))
}

impl Lane {
    /// The value of period `i`'s slot, [`UNSET`] if never written.
    // Inline always: at the page's opt-level "z" LLVM calls even accessors this small (see
    // ARCHITECTURE.md, "Speed at opt-level z").
    #[inline(always)]
    fn slot(&mut self, i: usize) -> &mut u64 {
        // The common case, inline at each write: a period already in the lane.
        let j = i.wrapping_sub(self.start);
        if j < self.values.len() {
            return &mut self.values.as_mut_slice()[j];
        }
        self.grow_to(i)
    }

    /// [`Self::slot`] for a period not yet in the lane: grows the lane to hold it.
    fn grow_to(&mut self, i: usize) -> &mut u64 {
        if self.values.is_empty() {
            self.start = i;
        } else if i < self.start {
            // A write before the first one (out of time order): grow at the
            // front, so every value stays in its own period.
            let grow = self.start - i;
            self.values.splice(0..0, std::iter::repeat_n(UNSET, grow));
            self.start = i;
        }
        let j = i.saturating_sub(self.start);
        if j >= self.values.len() {
            // Grown by doubling, not a period at a time (most writes open a new period):
            // periods past the last written stay unset, which is what the series read.
            self.values
                .resize((j + 1).max(2 * self.values.len()), UNSET);
        }
        &mut self.values[j]
    }
    fn add(&mut self, i: usize, v: u64) {
        let x = self.slot(i);
        *x = if *x == UNSET { 0 } else { *x }
            .saturating_add(v)
            .min(UNSET - 1);
    }
    fn max(&mut self, i: usize, v: u64) {
        let x = self.slot(i);
        *x = if *x == UNSET { v } else { (*x).max(v) }.min(UNSET - 1);
    }
    fn set(&mut self, i: usize, v: u64) {
        *self.slot(i) = v.min(UNSET - 1);
    }
    #[allow(clippy::too_many_arguments)]
    fn series(
        &self,
        metric: &'static str,
        stat: Stat,
        consumer: Option<String>,
        shard: Option<ShardId>,
        period_ms: u64,
        points: usize,
        fill_forward: bool,
        sum_zero: bool,
    ) -> Series {
        let len = points.saturating_sub(self.start);
        let written = self.values.len().min(len);
        let mut values: Vec<Option<u64>> = Vec::with_capacity(len);
        // One plain loop per case (a busy compare view builds hundreds of thousands of
        // points): an unwritten period is none, 0 for a sum, or the one before it.
        let stored = &self.values[..written];
        if fill_forward {
            let mut last = None;
            values.extend(stored.iter().map(|&x| {
                if x != UNSET {
                    last = Some(x);
                }
                last
            }));
            values.resize(len, last);
        } else if sum_zero {
            values.extend(stored.iter().map(|&x| Some(if x == UNSET { 0 } else { x })));
            values.resize(len, Some(0));
        } else {
            values.extend(stored.iter().map(|&x| (x != UNSET).then_some(x)));
            values.resize(len, None);
        }
        Series {
            metric,
            stat,
            consumer,
            shard,
            period_ms,
            start_index: if self.values.is_empty() {
                0
            } else {
                self.start
            },
            values,
        }
    }
}

/// Metric accumulators, indexed directly (no map lookups on the hot path).
#[derive(Clone, Debug)]
pub struct Metrics {
    period: u64,
    points: usize,
    incoming_records: Lane,
    incoming_bytes: Lane,
    write_throttled: Lane,
    read_throttled: Lane,
    open_shards: Lane,
    shard_incoming: Vec<Lane>,
    shard_write_throttled: Vec<Lane>,
    consumer_age: Vec<Lane>,
    consumer_shard_age: Vec<Vec<Lane>>,
    consumer_read_throttled: Vec<Lane>,
    /// Consumer-specific series (e.g. Lambda's Invocations): (consumer,
    /// metric, statistic, values), in order of first use.
    consumer_metrics: Vec<Vec<(&'static str, Stat, Lane)>>,
    /// Per consumer, where its last metric write found its metric: consumers write
    /// their metrics in the same order again and again, so the next one is usually
    /// the one after it.
    consumer_metric_hint: Vec<usize>,
    /// Producer ticks' admitted records of the current period, not yet in the lanes (see
    /// [`Self::incoming_tick`]).
    tally: IncomingTally,
}

/// The highest value noted in the current metric period, written once when the next period
/// starts (or at the end) instead of at every note: a maximum does not depend on how the
/// notes are grouped.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PeriodMax(Option<(usize, SimTime, u64)>);

impl PeriodMax {
    /// Notes `v` seen at `at`, in period `period` ([`Metrics::period_of`]). Returns the
    /// previous period's time and maximum, to be written, when `period` is a new one.
    pub(crate) fn note(&mut self, period: usize, at: SimTime, v: u64) -> Option<(SimTime, u64)> {
        match &mut self.0 {
            Some((p, _, max)) if *p == period => {
                *max = (*max).max(v);
                None
            }
            book => book.replace((period, at, v)).map(|(_, t, max)| (t, max)),
        }
    }

    /// The noted time and maximum, if any, leaving the book empty.
    pub(crate) fn take(&mut self) -> Option<(SimTime, u64)> {
        self.0.take().map(|(_, t, max)| (t, max))
    }
}

/// One period's admitted records: `(records, bytes)` stream-wide and records by shard.
#[derive(Clone, Debug, Default)]
struct IncomingTally {
    period: usize,
    /// The times `(from, until]` of `period` (a tick's period found without dividing).
    from: u64,
    until: u64,
    records: u64,
    bytes: u64,
    by_shard: Vec<u64>,
}

impl Metrics {
    /// Accumulators for a run of `duration`.
    pub fn new(duration: SimDuration) -> Metrics {
        let period = metric_period(duration).0;
        let points = duration.0.div_ceil(period).max(1) as usize;
        Metrics {
            period,
            points,
            incoming_records: Lane::default(),
            incoming_bytes: Lane::default(),
            write_throttled: Lane::default(),
            read_throttled: Lane::default(),
            open_shards: Lane::default(),
            shard_incoming: Vec::new(),
            shard_write_throttled: Vec::new(),
            consumer_age: Vec::new(),
            consumer_shard_age: Vec::new(),
            consumer_read_throttled: Vec::new(),
            consumer_metrics: Vec::new(),
            consumer_metric_hint: Vec::new(),
            tally: IncomingTally::default(),
        }
    }

    /// The period index holding `t`. A value at exactly the end of a period
    /// (a producer tick at `t` covers `(t − 100 ms, t]`) belongs to it.
    /// The period `t` falls in.
    #[inline(always)]
    pub(crate) fn period_of(&self, t: SimTime) -> usize {
        self.index(t)
    }

    /// The end of the period holding `t` (the last period has none).
    pub(crate) fn period_end(&self, t: SimTime) -> SimTime {
        let i = self.index(t);
        if i + 1 == self.points {
            SimTime(u64::MAX)
        } else {
            SimTime((i as u64 + 1) * self.period)
        }
    }

    // Inline always: at the page's opt-level "z" LLVM calls even accessors this small (see
    // ARCHITECTURE.md, "Speed at opt-level z").
    #[inline(always)]
    fn index(&self, t: SimTime) -> usize {
        ((t.0.saturating_sub(1) / self.period) as usize).min(self.points - 1)
    }

    fn lane(v: &mut Vec<Lane>, i: usize) -> &mut Lane {
        if v.len() <= i {
            v.resize_with(i + 1, Lane::default);
        }
        &mut v[i]
    }

    /// Admitted records (IncomingRecords, IncomingBytes).
    pub fn incoming(&mut self, t: SimTime, shard: ShardId, records: u64, bytes: u64) {
        self.incoming_stream(t, records, bytes);
        self.incoming_shard(t, shard, records);
    }

    /// Admitted records, stream-wide only.
    pub fn incoming_stream(&mut self, t: SimTime, records: u64, bytes: u64) {
        let i = self.index(t);
        self.incoming_records.add(i, records);
        self.incoming_bytes.add(i, bytes);
    }

    /// Records a producer tick at `at` admitted to `shard`:
    /// added up per period and written when the next period starts or at
    /// [`Self::flush_ticks`]. Ten ticks a second made these writes a large part of a long
    /// run, and sums do not depend on how they are grouped.
    pub(crate) fn incoming_tick(&mut self, at: SimTime, shard: ShardId, records: u64, bytes: u64) {
        if at.0 <= self.tally.from || at.0 > self.tally.until {
            let i = self.index(at);
            if i != self.tally.period {
                self.flush_ticks();
                self.tally.period = i;
            }
            let last = i + 1 == self.points;
            self.tally.from = i as u64 * self.period;
            self.tally.until = if last {
                u64::MAX
            } else {
                self.tally.from + self.period
            };
        }
        let t = &mut self.tally;
        t.records += records;
        t.bytes += bytes;
        let s = shard.0 as usize;
        if t.by_shard.len() <= s {
            t.by_shard.resize(s + 1, 0);
        }
        // A slice index: inline at opt-level "z", where the `Vec`'s is a call.
        t.by_shard.as_mut_slice()[s] += records;
    }

    /// Writes the ticks' records of the current period (see [`Self::incoming_tick`]).
    pub(crate) fn flush_ticks(&mut self) {
        let i = self.tally.period;
        if self.tally.records > 0 {
            self.incoming_records.add(i, self.tally.records);
            self.incoming_bytes.add(i, self.tally.bytes);
        }
        for s in 0..self.tally.by_shard.len() {
            let n = std::mem::take(&mut self.tally.by_shard[s]);
            if n > 0 {
                Self::lane(&mut self.shard_incoming, s).add(i, n);
            }
        }
        self.tally.records = 0;
        self.tally.bytes = 0;
    }

    /// Admitted records of one shard (its IncomingRecords).
    pub fn incoming_shard(&mut self, t: SimTime, shard: ShardId, records: u64) {
        let i = self.index(t);
        Self::lane(&mut self.shard_incoming, shard.0 as usize).add(i, records);
    }

    /// Throttled puts (WriteProvisionedThroughputExceeded).
    pub fn write_throttled(&mut self, t: SimTime, shard: ShardId, records: u64) {
        let i = self.index(t);
        self.write_throttled.add(i, records);
        Self::lane(&mut self.shard_write_throttled, shard.0 as usize).add(i, records);
    }

    /// A throttled GetRecords call (ReadProvisionedThroughputExceeded).
    pub fn read_throttled(&mut self, t: SimTime, consumer: usize) {
        let i = self.index(t);
        self.read_throttled.add(i, 1);
        Self::lane(&mut self.consumer_read_throttled, consumer).add(i, 1);
    }

    /// An iterator age observation (IteratorAgeMilliseconds, maximum).
    pub fn iterator_age(&mut self, t: SimTime, consumer: usize, shard: ShardId, ms: u64) {
        let i = self.index(t);
        Self::lane(&mut self.consumer_age, consumer).max(i, ms);
        if self.consumer_shard_age.len() <= consumer {
            self.consumer_shard_age.resize_with(consumer + 1, Vec::new);
        }
        Self::lane(&mut self.consumer_shard_age[consumer], shard.0 as usize).max(i, ms);
    }

    /// A consumer-specific metric (e.g. Lambda's `Invocations`, `Errors`,
    /// `Throttles`, `ConcurrentExecutions`, `IteratorAge`), aggregated by `stat`.
    pub fn consumer_metric(
        &mut self,
        t: SimTime,
        consumer: usize,
        metric: &'static str,
        stat: Stat,
        v: u64,
    ) {
        let i = self.index(t);
        if self.consumer_metrics.len() <= consumer {
            self.consumer_metrics.resize_with(consumer + 1, Vec::new);
            self.consumer_metric_hint.resize(consumer + 1, 0);
        }
        // By consumer, then its own metrics (a handful): the one after the last found,
        // that one, then a scan by address (callers pass the same constants), and by
        // text only when that finds nothing (a constant may have copies at other
        // addresses).
        // (Slice indexing and a function, not a closure: inline at opt-level "z".)
        let own = &mut self.consumer_metrics.as_mut_slice()[consumer];
        let hint = &mut self.consumer_metric_hint.as_mut_slice()[consumer];
        let pos = if is_metric(own, *hint + 1, metric) {
            *hint + 1
        } else if is_metric(own, *hint, metric) {
            *hint
        } else {
            match own
                .iter()
                .position(|(m, _, _)| std::ptr::eq(*m, metric))
                .or_else(|| own.iter().position(|(m, _, _)| *m == metric))
            {
                Some(p) => p,
                None => {
                    own.push((metric, stat, Lane::default()));
                    own.len() - 1
                }
            }
        };
        *hint = pos;
        let lane = &mut own.as_mut_slice()[pos].2;
        match stat {
            Stat::Sum => lane.add(i, v),
            Stat::Maximum => lane.max(i, v),
            Stat::Last => lane.set(i, v),
        }
    }

    /// A consumer-specific gauge (`Stat::Maximum`) that held `v` during
    /// `[from, to)`: every period overlapping that span gets at least `v`.
    pub fn consumer_gauge(
        &mut self,
        from: SimTime,
        to: SimTime,
        consumer: usize,
        metric: &'static str,
        v: u64,
    ) {
        if v == 0 {
            return;
        }
        let first = self.index(from);
        self.consumer_metric(from, consumer, metric, Stat::Maximum, v);
        if to <= from {
            return;
        }
        let last = self.index(SimTime(to.0 - 1));
        for i in first + 1..=last {
            let t = SimTime(i as u64 * self.period + 1);
            self.consumer_metric(t, consumer, metric, Stat::Maximum, v);
        }
    }

    /// The number of open shards from `t` on.
    pub fn open_shards(&mut self, t: SimTime, n: u32) {
        let i = if t == SimTime::ZERO { 0 } else { self.index(t) };
        self.open_shards.set(i, u64::from(n));
    }

    /// The series, in a fixed order (after `flush_ticks`).
    pub fn series(&self, consumer_names: &[String]) -> Vec<Series> {
        debug_assert!(self.tally.records == 0, "producer ticks not flushed");
        let p = self.period / 1_000;
        let n = self.points;
        let mut out = vec![
            self.incoming_records.series(
                "IncomingRecords",
                Stat::Sum,
                None,
                None,
                p,
                n,
                false,
                true,
            ),
            self.incoming_bytes
                .series("IncomingBytes", Stat::Sum, None, None, p, n, false, true),
            self.write_throttled.series(
                "WriteProvisionedThroughputExceeded",
                Stat::Sum,
                None,
                None,
                p,
                n,
                false,
                true,
            ),
            self.read_throttled.series(
                "ReadProvisionedThroughputExceeded",
                Stat::Sum,
                None,
                None,
                p,
                n,
                false,
                true,
            ),
            self.open_shards
                .series("OpenShards", Stat::Last, None, None, p, n, true, false),
        ];
        for (i, l) in self.shard_incoming.iter().enumerate() {
            if !l.values.is_empty() {
                let s = Some(ShardId(i as u32));
                out.push(l.series("IncomingRecords", Stat::Sum, None, s, p, n, false, true));
            }
        }
        for (i, l) in self.shard_write_throttled.iter().enumerate() {
            if !l.values.is_empty() {
                let s = Some(ShardId(i as u32));
                out.push(l.series(
                    "WriteProvisionedThroughputExceeded",
                    Stat::Sum,
                    None,
                    s,
                    p,
                    n,
                    false,
                    true,
                ));
            }
        }
        for (c, name) in consumer_names.iter().enumerate() {
            let who = Some(name.clone());
            if let Some(l) = self.consumer_age.get(c) {
                if !l.values.is_empty() {
                    out.push(l.series(
                        "IteratorAgeMilliseconds",
                        Stat::Maximum,
                        who.clone(),
                        None,
                        p,
                        n,
                        false,
                        false,
                    ));
                }
            }
            if let Some(l) = self.consumer_read_throttled.get(c) {
                if !l.values.is_empty() {
                    out.push(l.series(
                        "ReadProvisionedThroughputExceeded",
                        Stat::Sum,
                        who.clone(),
                        None,
                        p,
                        n,
                        false,
                        true,
                    ));
                }
            }
            // By metric name, not by first use: when a metric was first recorded is not
            // part of the model (and differs with Lambda's chained invocations).
            let mut own: Vec<_> = self
                .consumer_metrics
                .get(c)
                .map(|v| v.iter().collect())
                .unwrap_or_default();
            // A handful of names: an insertion sort (stable) keeps the bundle small.
            for i in 1..own.len() {
                let mut j = i;
                while j > 0 && own[j - 1].0 > own[j].0 {
                    own.swap(j - 1, j);
                    j -= 1;
                }
            }
            for (metric, stat, l) in own {
                out.push(l.series(
                    metric,
                    *stat,
                    who.clone(),
                    None,
                    p,
                    n,
                    false,
                    *stat == Stat::Sum,
                ));
            }
            if let Some(lanes) = self.consumer_shard_age.get(c) {
                for (i, l) in lanes.iter().enumerate() {
                    if !l.values.is_empty() {
                        out.push(l.series(
                            "IteratorAgeMilliseconds",
                            Stat::Maximum,
                            who.clone(),
                            Some(ShardId(i as u32)),
                            p,
                            n,
                            false,
                            false,
                        ));
                    }
                }
            }
        }
        out
    }
}

/// Stream-wide counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamTotals {
    /// Records admitted (IncomingRecords).
    pub incoming_records: u64,
    /// Throttled put attempts (WriteProvisionedThroughputExceeded).
    pub write_throttled_records: u64,
    /// Records dropped after a throttle (producers with `retry_throttled: false`).
    pub dropped_records: u64,
    /// Throttled GetRecords calls (ReadProvisionedThroughputExceeded).
    pub read_throttled_calls: u64,
    /// PUT payload units admitted: each record's 25 KB chunks, a started one counting
    /// (`kinesis-and-lambda.md` §1.10; Assumption: a KB is 1,024 bytes).
    pub put_payload_units: u64,
    /// KiB admitted, each record rounded up to 1 KiB (on-demand data in).
    pub incoming_kib: u64,
}

impl StreamTotals {
    /// Counts `n` admitted records of `bytes` each for billing.
    pub(crate) fn bill(&mut self, n: u64, bytes: u32) {
        let b = u64::from(bytes.max(1));
        self.put_payload_units += n * b.div_ceil(25 * 1_024);
        self.incoming_kib += n * b.div_ceil(1_024);
    }
}

/// Where the kernel, the stream and the consumers write what happens.
#[derive(Clone, Debug)]
pub struct Recorder {
    pub(crate) events: Vec<TraceEvent>,
    /// The metric accumulators.
    pub metrics: Metrics,
    /// Stream-wide counters.
    pub totals: StreamTotals,
}

impl Recorder {
    /// An empty recorder for a run of `duration`.
    pub fn new(duration: SimDuration) -> Recorder {
        Recorder {
            events: Vec::new(),
            metrics: Metrics::new(duration),
            totals: StreamTotals::default(),
        }
    }

    /// Appends an event.
    pub fn event(&mut self, at: SimTime, cause: Cause, kind: EventKind) {
        self.events.push(TraceEvent { at, cause, kind });
    }

    /// The events so far (not yet sorted: episodes are added when they end).
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }
}

/// `stream` in the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StreamSummary {
    /// Records admitted to the stream.
    pub incoming_records: u64,
    /// Throttled put attempts (WriteProvisionedThroughputExceeded).
    pub write_throttled_records: u64,
    /// Throttled GetRecords calls (ReadProvisionedThroughputExceeded).
    pub read_throttled_calls: u64,
    /// Open shards at the end.
    pub open_shards_at_end: u32,
    /// Shards ever created (parents, children and intermediate ones).
    pub shards_total: u32,
}

/// Per-shard figures of a consumer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ShardSummary {
    /// Largest iterator age seen on this shard.
    pub max_iterator_age_ms: u64,
    /// Distinct records of this shard processed successfully.
    pub processed: u64,
}

/// One consumer in the summary. Conservation holds by construction:
/// `records_in_scope = processed + discarded + expired_unprocessed + pending_at_end`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ConsumerSummary {
    /// The consumer's `kind`.
    pub kind: String,
    /// Records from its starting position on, written before the end.
    pub records_in_scope: u64,
    /// Distinct records processed successfully.
    pub processed: u64,
    /// Record deliveries to the handler, retries included.
    pub deliveries: u64,
    /// Deliveries of a record after its first one.
    pub redeliveries: u64,
    /// Records given up on after retries or age.
    pub discarded: u64,
    /// Records that aged out of the stream before being processed.
    pub expired_unprocessed: u64,
    /// Records still in the stream, not yet processed, at the end.
    pub pending_at_end: u64,
    /// Messages sent to an OnFailure destination.
    pub on_failure_messages: u64,
    /// Function invocations.
    pub invocations: u64,
    /// Invocations that failed.
    pub failed_invocations: u64,
    /// Batches split in two after a failure.
    pub bisections: u64,
    /// Invocations throttled by concurrency limits.
    pub throttled_invocations: u64,
    /// Most invocations running at once for some time: the maximum of
    /// `ConcurrentExecutions` (one ending at the instant another starts is not two at once).
    pub max_concurrency: u64,
    /// Largest iterator age seen on any shard.
    pub max_iterator_age_ms: u64,
    /// Records first processed after a later-written record of the same key.
    pub ordering_violations: u64,
    /// Per shard, by shard id.
    pub shards: BTreeMap<String, ShardSummary>,
    /// A Firehose consumer's own figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firehose: Option<crate::firehose::FirehoseSummary>,
    /// A Flink consumer's own figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flink: Option<crate::flink::FlinkSummary>,
    /// A Glue consumer's own figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glue: Option<crate::glue::GlueSummary>,
    /// A KDA SQL consumer's own figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kda_sql: Option<crate::kda_sql::KdaSqlSummary>,
}

/// Summary v1: exactly the JSON of design.md.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Always `"shardscope-summary/1"`.
    pub format: &'static str,
    /// Stream-wide figures.
    pub stream: StreamSummary,
    /// Per consumer, by name.
    pub consumers: BTreeMap<String, ConsumerSummary>,
    /// The cost estimate (set after the trace hash: prices are not simulation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::cost::Cost>,
}

/// The summary's format string.
pub const SUMMARY_FORMAT: &str = "shardscope-summary/1";

/// Everything a run produced.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    /// The scenario's title.
    pub title: String,
    /// The seed used.
    pub seed: u64,
    /// Simulated duration (µs).
    pub duration_us: u64,
    /// Events, in time order (ties in the order they happened).
    pub events: Vec<TraceEvent>,
    /// Metric series.
    pub series: Vec<Series>,
    /// Every shard ever created, as it was at the end.
    pub shards: Vec<ShardInfo>,
    /// The summary.
    pub summary: Summary,
}

impl Trace {
    /// FNV-1a 64 of the canonical JSON of events, series, shards and summary (its cost
    /// block left out: prices are data, not simulation), in hex. Computed when asked: the
    /// playground never needs it, and the serializers of every event type it takes are
    /// a large share of the browser bundle.
    pub fn hash(&self) -> String {
        let mut summary = self.summary.clone();
        summary.cost = None;
        Trace::compute_hash(&self.events, &self.series, &self.shards, &summary)
    }

    /// Computes the stable hash: FNV-1a 64 over the canonical JSON encoding
    /// (serde_json output is fully determined by the data: ordered maps and
    /// vectors only, shortest round-trip floats).
    pub fn compute_hash(
        events: &[TraceEvent],
        series: &[Series],
        shards: &[ShardInfo],
        summary: &Summary,
    ) -> String {
        // The JSON is hashed as it is written, not collected first (megabytes for a busy run).
        let mut h = crate::rng::Fnv1a64::default();
        let _ = serde_json::to_writer(&mut h, &(events, series, shards, summary));
        format!("{:016x}", h.finish())
    }

    /// The events as JSON Lines: one event per line.
    pub fn events_jsonl(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            out.push_str(&serde_json::to_string(e).unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// The summary as pretty JSON.
    pub fn summary_json(&self) -> String {
        serde_json::to_string_pretty(&self.summary).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_keep_series_small() {
        assert_eq!(metric_period(SimDuration::from_secs(3_600)).0, 1_000_000);
        assert_eq!(metric_period(SimDuration::from_secs(10_000)).0, 1_000_000);
        assert_eq!(metric_period(SimDuration::from_secs(10_001)).0, 2_000_000);
        assert_eq!(
            metric_period(SimDuration::from_secs(26 * 3_600)).0,
            10_000_000
        );
        let week = SimDuration::from_secs(7 * 86_400);
        assert!(week.0 / metric_period(week).0 <= MAX_POINTS);
    }

    #[test]
    fn summary_serialises_with_design_field_names() {
        let mut consumers = BTreeMap::new();
        let mut c = ConsumerSummary {
            kind: "lambda".into(),
            ..Default::default()
        };
        c.shards
            .insert(ShardId(0).to_string(), ShardSummary::default());
        consumers.insert("enricher".to_string(), c);
        let s = Summary {
            format: SUMMARY_FORMAT,
            stream: StreamSummary::default(),
            consumers,
            cost: None,
        };
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        let want = serde_json::json!({
          "format": "shardscope-summary/1",
          "stream": { "incoming_records": 0, "write_throttled_records": 0, "read_throttled_calls": 0,
                      "open_shards_at_end": 0, "shards_total": 0 },
          "consumers": {
            "enricher": {
              "kind": "lambda",
              "records_in_scope": 0, "processed": 0, "deliveries": 0, "redeliveries": 0,
              "discarded": 0, "expired_unprocessed": 0, "pending_at_end": 0,
              "on_failure_messages": 0,
              "invocations": 0, "failed_invocations": 0, "bisections": 0, "throttled_invocations": 0,
              "max_concurrency": 0, "max_iterator_age_ms": 0, "ordering_violations": 0,
              "shards": { "shardId-000000000000": { "max_iterator_age_ms": 0, "processed": 0 } }
            }
          }
        });
        assert_eq!(v, want);
    }

    #[test]
    fn events_serialise_flat_with_type_and_cause() {
        let e = TraceEvent {
            at: SimTime(5),
            cause: Cause::Timeline { index: 2 },
            kind: EventKind::ActionRejected {
                action: "merge_shards",
                error: "InvalidArgumentException",
                reason: "not adjacent".into(),
            },
        };
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"at_us": 5, "cause": {"by": "timeline", "index": 2},
                "type": "ActionRejected", "action": "merge_shards",
                "error": "InvalidArgumentException", "reason": "not adjacent"})
        );
    }
}
