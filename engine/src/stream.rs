//! The Kinesis data stream: shards, hash-key ranges, records in runs, the
//! read path with its shared limits, retention and the moving trim horizon.
//! The write path (producers, write limits) is in [`crate::producer`], and
//! resharding in [`crate::reshard`]; all three are `impl Stream` blocks.
//!
//! # Records travel in runs
//!
//! The stream never stores a record. A shard holds a list of [`Run`]s: a run is
//! a block of contiguous sequence numbers written by one producer during one
//! producer tick (100 ms), with the arrival time of its first and last record;
//! record `i` of a run arrived at the linear interpolation of the two. Poison
//! records are runs of their own. So memory and time grow with ticks × shards,
//! never with records, and a consumer reads thousands of records by touching a
//! handful of runs.
//!
//! A record's partition key is not stored either: it is a pure function of
//! `(shard, sequence number)` ([`Stream::key_of`]) that draws from the keys the
//! producer writes whose MD5 falls in the shard's range, with the producer's
//! hot-key weighting. Consumers that need keys (ParallelizationFactor lanes,
//! per-key order) ask for them; the others never pay for them.

use std::collections::VecDeque;
use std::fmt;
use std::rc::Rc;

use serde::Serialize;

use crate::exact::saturating_mul;
use crate::rng::mix64;
use crate::time::{SimDuration, SimTime};
use crate::tip_log::{TipLog, TipStep};

/// The largest hash key: the hash space is `0 ..= 2^128 − 1`, the range of an
/// MD5 digest read as an unsigned integer.
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html>
pub const MAX_HASH_KEY: u128 = u128::MAX;

/// Per-shard write limit: 1,000 records per second.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>
pub const WRITE_RECORDS_PER_SECOND: u64 = 1_000;

/// Per-shard write limit: 1 MiB per second, partition keys included
/// (`record_bytes` already includes the key).
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>
pub const WRITE_BYTES_PER_SECOND: u64 = 1 << 20;

/// Shared read limit per shard for polling consumers: 5 GetRecords calls per second.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>
pub const READ_CALLS_PER_SECOND: usize = 5;

/// Shared read limit per shard for polling consumers: 2 MiB per second.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html>
pub const READ_BYTES_PER_SECOND: u64 = 2 << 20;

/// GetRecords returns at most 10,000 records per call.
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html>
pub const GET_RECORDS_MAX_RECORDS: u64 = 10_000;

/// GetRecords returns at most 10 MiB per call.
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html>
pub const GET_RECORDS_MAX_BYTES: u64 = 10 << 20;

/// Enhanced fan-out: each registered consumer gets its own 2 MiB/s per shard.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html>
pub const EFO_BYTES_PER_SECOND: u64 = 2 << 20;

/// Enhanced fan-out propagation delay: "typically about 70 ms".
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/building-consumers.html>
pub const EFO_PROPAGATION: SimDuration = SimDuration::from_millis(70);

/// Enhanced fan-out: at most 20 registered consumers per stream.
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_RegisterStreamConsumer.html>
pub const MAX_EFO_CONSUMERS: usize = 20;

/// The longest span of arrival times merged into one run (see `Stream::append_tick`).
pub const MAX_RUN_SPAN: SimDuration = SimDuration::from_secs(10);

/// A shard, by the number in its id (`shardId-000000000007` is `ShardId(7)`).
/// Shards are numbered in creation order, as Kinesis does.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ShardId(pub u32);

impl fmt::Display for ShardId {
    /// `shardId-` and 12 digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shardId-{:012}", self.0)
    }
}

impl Serialize for ShardId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A shard's state.
/// Source: <https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html>
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ShardState {
    /// Accepts writes.
    Open,
    /// Closed by a reshard: no new writes, still readable until retention trims it.
    Closed,
    /// Closed and every record trimmed: no longer listed.
    Expired,
}

/// What a consumer can know about a shard (as `ListShards` shows it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShardInfo {
    /// The shard's id.
    pub id: ShardId,
    /// `HashKeyRange.StartingHashKey` (inclusive).
    #[serde(serialize_with = "ser_u128")]
    pub starting_hash_key: u128,
    /// `HashKeyRange.EndingHashKey` (inclusive).
    #[serde(serialize_with = "ser_u128")]
    pub ending_hash_key: u128,
    /// `ParentShardId`: the split shard, or the `ShardToMerge` of a merge.
    pub parent: Option<ShardId>,
    /// `AdjacentParentShardId`: the `AdjacentShardToMerge` of a merge.
    pub adjacent_parent: Option<ShardId>,
    /// The shards created from this one (empty while it is open).
    pub children: Vec<ShardId>,
    /// When the shard was created (µs).
    #[serde(rename = "created_at_us")]
    pub created_at: SimTime,
    /// When it was closed by a reshard (µs).
    #[serde(rename = "closed_at_us")]
    pub closed_at: Option<SimTime>,
    /// Its state now.
    pub state: ShardState,
}

impl ShardInfo {
    /// The parents (zero, one or two), parent first.
    pub fn parents(&self) -> impl Iterator<Item = ShardId> {
        self.parent.into_iter().chain(self.adjacent_parent)
    }

    /// True if `hash` lies in this shard's range.
    pub fn owns(&self, hash: u128) -> bool {
        self.starting_hash_key <= hash && hash <= self.ending_hash_key
    }
}

/// Hash keys are 39-digit numbers: JSON carries them as decimal strings, as the
/// Kinesis API does.
fn ser_u128<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Where the records of a run come from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RunSource {
    /// Producer number `0` (index in the scenario's `producers`).
    Producer(u32),
    /// A `poison` timeline action; the value is the record's [`KeyId`].
    Poison(KeyId),
}

/// A partition key: `KeyId(n)` is `"k-n"`; ids at or above [`KeyId::OTHER`]
/// are other keys named by `poison` actions, numbered in order of appearance.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

impl KeyId {
    /// The first id given to a key that is not of the form `k-<n>`.
    pub const OTHER: u32 = 1 << 31;
}

/// A block of records with contiguous sequence numbers on one shard, from one
/// source, whose arrival times are spread linearly from `first_arrival` to
/// `last_arrival`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// Sequence number of the first record.
    pub first_seq: u64,
    /// Number of records (at least 1).
    pub count: u64,
    /// Size of each record, data plus partition key.
    pub record_bytes: u32,
    /// `ApproximateArrivalTimestamp` of the first record.
    pub first_arrival: SimTime,
    /// `ApproximateArrivalTimestamp` of the last record.
    pub last_arrival: SimTime,
    /// Who wrote it.
    pub source: RunSource,
}

impl Run {
    /// One past the last sequence number.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + self.count
    }

    /// Total bytes.
    pub fn bytes(&self) -> u64 {
        self.count * u64::from(self.record_bytes)
    }

    /// True for poison records.
    pub fn is_poison(&self) -> bool {
        matches!(self.source, RunSource::Poison(_))
    }

    /// Arrival time of record `seq` (which must lie in the run).
    pub fn arrival(&self, seq: u64) -> SimTime {
        let i = seq.saturating_sub(self.first_seq).min(self.count - 1);
        if self.count <= 1 {
            return self.first_arrival;
        }
        let span = self.last_arrival.0 - self.first_arrival.0;
        // The same exact quotient in 64 bits when the product fits (it nearly always does).
        let off = match crate::exact::checked_mul(span, i) {
            Some(p) => p / (self.count - 1),
            None => (u128::from(span) * u128::from(i) / u128::from(self.count - 1)) as u64,
        };
        SimTime(self.first_arrival.0 + off)
    }

    /// More than a tick between its records (a producer writing less than one record a
    /// tick to the shard: see [`Stream::append_tick`]).
    #[inline(always)]
    fn is_sparse(&self) -> bool {
        self.count >= 2
            && self.last_arrival.0 - self.first_arrival.0
                > (self.count - 1) * crate::producer::TICK.0
    }

    /// A record `gap` after the last one would keep every record `gap` apart: the run
    /// holds one record, or its records are exactly `gap` apart.
    pub(crate) fn spaced(&self, gap: u64) -> bool {
        self.count == 1 || self.last_arrival.0 - self.first_arrival.0 == gap * (self.count - 1)
    }

    /// The records `[from, to)` of this run as a run of their own.
    pub fn slice(&self, from: u64, to: u64) -> Run {
        let from = from.max(self.first_seq);
        let to = to.min(self.end_seq()).max(from + 1);
        // A read takes most runs whole: their own arrival times, without a division.
        let first_arrival = if from == self.first_seq {
            self.first_arrival
        } else {
            self.arrival(from)
        };
        let last_arrival = if to == self.end_seq() {
            self.last_arrival
        } else {
            self.arrival(to - 1)
        };
        Run {
            first_seq: from,
            count: to - from,
            first_arrival,
            last_arrival,
            ..*self
        }
    }

    /// Number of leading records that arrived at or before `t`.
    fn count_arrived_by(&self, t: SimTime) -> u64 {
        if t < self.first_arrival {
            return 0;
        }
        if t >= self.last_arrival || self.count == 1 {
            return self.count;
        }
        // arrival(i) <= t  ⇔  i < (c + 1)(n − 1) / span, with c = t − first.
        let span = self.last_arrival.0 - self.first_arrival.0;
        let c = t.0 - self.first_arrival.0;
        let n1 = self.count - 1;
        // In 64 bits when the product fits (wasm divides 128 bits in a library call).
        let i = match crate::exact::checked_mul(c + 1, n1) {
            Some(p) => p.div_ceil(span),
            None => (u128::from(c + 1) * u128::from(n1)).div_ceil(u128::from(span)) as u64,
        };
        i.min(self.count)
    }
}

/// `max(1, round(span / TICK))`, half up: how many ticks a merged run spanning `span`
/// µs holds, for spans up to [`MAX_RUN_SPAN`] (the only ones `append_tick` asks about).
/// A multiplication by 2^40 / 100,000 (rounded up) instead of a 64-bit division, which
/// was a fifth of a long run's producer ticks; exact in that range (tested against the
/// division for every span).
fn ticks_in(span: u64) -> u64 {
    const _: () = assert!(crate::producer::TICK.0 == 100_000);
    debug_assert!(span <= MAX_RUN_SPAN.0);
    (((span + 50_000) * 10_995_117) >> 40).max(1)
}

/// The partition keys a producer uses, hashed once: `"k-0"` … `"k-{n−1}"`
/// sorted by MD5, so that the keys a shard owns are one slice found by two
/// binary searches.
#[derive(Debug)]
pub struct KeyTable {
    /// MD5 hash keys, ascending.
    pub hashes: Vec<u128>,
    /// `ids[i]` is the key whose hash is `hashes[i]`.
    pub ids: Vec<u32>,
    /// MD5 of `"k-0"`, the hot key.
    pub hot_hash: u128,
}

impl KeyTable {
    /// Hashes `"k-0"` … `"k-{n−1}"`.
    pub fn new(n: u32) -> KeyTable {
        let hashes = crate::md5::hash_numbered_keys("k-", n.max(1));
        let mut pairs: Vec<(u128, u32)> = hashes.into_iter().zip(0..).collect();
        sort_by_hash(&mut pairs);
        KeyTable {
            hashes: pairs.iter().map(|p| p.0).collect(),
            ids: pairs.iter().map(|p| p.1).collect(),
            hot_hash: crate::md5::hash_key("k-0"),
        }
    }

    /// Number of keys.
    pub fn len(&self) -> u32 {
        self.hashes.len() as u32
    }

    /// Always false: a table has at least one key.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Positions `[lo, hi)` of the keys whose hash lies in `[start, end]`.
    pub fn slice(&self, start: u128, end: u128) -> (u32, u32) {
        let lo = self.hashes.partition_point(|&h| h < start);
        let hi = self.hashes.partition_point(|&h| h <= end);
        (lo as u32, hi as u32)
    }
}

/// Sorts `(hash, id)` pairs ascending: one counting pass by the hash's top
/// bits, then each bucket by comparison. MD5 spreads keys evenly, so a bucket
/// holds one or two pairs (the general sort of 100,000 pairs showed in
/// profiles); any input still comes out sorted.
fn sort_by_hash(pairs: &mut Vec<(u128, u32)>) {
    let n = pairs.len();
    if n < 64 {
        pairs.sort_unstable();
        return;
    }
    let bits = (usize::BITS - n.leading_zeros()).min(20);
    let shift = 128 - bits;
    let bucket = |h: u128| (h >> shift) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for p in pairs.iter() {
        starts[bucket(p.0) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts.clone();
    let mut out = vec![(0u128, 0u32); n];
    for &p in pairs.iter() {
        let b = bucket(p.0);
        out[next[b]] = p;
        next[b] += 1;
    }
    for w in starts.windows(2) {
        out[w[0]..w[1]].sort_unstable();
    }
    *pairs = out;
}

/// A producer's keys that land on one shard, with the routing weight they
/// give the shard.
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct KeySlice {
    /// Positions `[lo, hi)` in the producer's [`KeyTable`].
    pub lo: u32,
    pub hi: u32,
    /// The hot key `"k-0"` routes here.
    pub hot: bool,
    /// Share of the producer's records routed here, in units of
    /// `1/(partition_keys × 1,000,000)`: `(10^6 − hot_ppm) × keys + hot_ppm × n × [hot]`.
    pub weight: u128,
}

/// The static routing facts of a producer that the stream needs.
#[derive(Debug)]
pub(crate) struct ProducerKeys {
    pub keys: Rc<KeyTable>,
    /// `hot_key_share` in parts per million.
    pub hot_ppm: u64,
    /// `ExplicitHashKey`, if set.
    pub explicit: Option<u128>,
}

impl ProducerKeys {
    /// Total routing weight: `partition_keys × 10^6`.
    pub fn total_weight(&self) -> u128 {
        u128::from(self.keys.len()) * 1_000_000
    }

    /// Which of this producer's keys a shard with range `[start, end]` gets.
    pub fn slice_for(&self, start: u128, end: u128) -> KeySlice {
        let n = self.keys.len();
        if let Some(h) = self.explicit {
            // ExplicitHashKey: every record goes to the one shard owning `h`;
            // its keys are all of the producer's keys.
            let here = start <= h && h <= end;
            return KeySlice {
                lo: 0,
                hi: n,
                hot: true,
                weight: if here { self.total_weight() } else { 0 },
            };
        }
        let (lo, hi) = self.keys.slice(start, end);
        let hot = start <= self.keys.hot_hash && self.keys.hot_hash <= end;
        let weight = u128::from(1_000_000 - self.hot_ppm) * u128::from(hi - lo)
            + if hot {
                u128::from(self.hot_ppm) * u128::from(n)
            } else {
                0
            };
        KeySlice {
            lo,
            hi,
            hot,
            weight,
        }
    }
}

/// Per-shard write accounting for the current whole second.
#[derive(Clone, Debug, Default)]
pub(crate) struct WriteWindow {
    /// The second these counters belong to.
    pub second: u64,
    pub records: u64,
    pub bytes: u64,
    /// Consecutive whole seconds with more than 500 KB admitted (on-demand).
    pub hot_seconds: u32,
    /// An open throttling episode: (first second, last second, throttled, dropped).
    pub episode: Option<(u64, u64, u64, u64)>,
}

/// Per-shard shared read budget.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadBudget {
    /// Times of the last five successful GetRecords calls (a ring).
    pub calls: [Option<SimTime>; READ_CALLS_PER_SECOND],
    pub next: usize,
    /// The bytes already read are "paid off" at 2 MiB/s at this time.
    pub busy_until: SimTime,
}

impl ReadBudget {
    /// True if a call at `at` is not throttled: fewer than five calls in the second
    /// before it, and the bytes read before paid off.
    fn free_at(&self, at: SimTime) -> bool {
        let oldest = self.calls[self.next];
        oldest.is_none_or(|t| at.0 >= t.0 + 1_000_000) && self.busy_until <= at
    }
}

/// One shard's records and accounting.
#[derive(Debug)]
pub(crate) struct Shard {
    pub info: ShardInfo,
    pub runs: VecDeque<Run>,
    /// Next sequence number to assign (= number of records ever written).
    pub next_seq: u64,
    /// The trim horizon: the first sequence number not yet trimmed.
    pub trim_seq: u64,
    pub write: WriteWindow,
    /// The shard's read budget: one, shared by every reader; or, with
    /// [`Stream::isolated_reads`], one per consumer (by its index), grown on use.
    pub read: Vec<ReadBudget>,
    /// Per producer: the keys routed here.
    pub slices: Vec<KeySlice>,
    /// While a reader reads behind the kernel's clock: the writes since (see
    /// [`crate::tip_log`]).
    pub tips: Option<Box<TipLog>>,
}

impl Shard {
    /// The run holding `seq`, by index into `runs` (see [`run_in`]).
    fn run_index(&self, seq: u64) -> Option<usize> {
        // Most asks are for the newest run (a read at the tip).
        if let Some(r) = self.runs.back() {
            if seq >= r.first_seq {
                return (seq < r.end_seq()).then(|| self.runs.len() - 1);
            }
        }
        // Or for the one before (a read behind the clock, the newest run since begun).
        let n = self.runs.len();
        if let Some(r) = n.checked_sub(2).and_then(|i| self.runs.get(i)) {
            if seq >= r.first_seq {
                return (seq < r.end_seq()).then_some(n - 2);
            }
        }
        // The deque's two slices searched as slices: their indexing is inline, where the
        // deque's is a call at the page's opt-level "z".
        let (front, back) = self.runs.as_slices();
        match back.first() {
            Some(r) if seq >= r.first_seq => run_in(back, seq).map(|i| front.len() + i),
            _ => run_in(front, seq),
        }
    }

    /// Arrival time of the newest record, if any.
    pub fn last_arrival(&self) -> Option<SimTime> {
        self.runs.back().map(|r| r.last_arrival)
    }

    /// The shard as a read at `now` finds it: its next sequence number, and, for a
    /// read behind the kernel's clock (only while the shard is watched), its newest
    /// run as it stood then if a later write extended it ([`Self::as_of`]).
    #[inline(always)]
    fn visible(&self, now: SimTime) -> (u64, Option<Run>) {
        match &self.tips {
            Some(_) if self.last_arrival().is_some_and(|t| t > now) => self.as_of(now),
            _ => {
                debug_assert!(self.last_arrival().is_none_or(|t| t <= now));
                (self.next_seq, None)
            }
        }
    }

    /// The shard as it stood at `t`, before writes the kernel has made since
    /// (see [`crate::tip_log`]): its next sequence number then, and its newest run
    /// then if a later write extended it.
    #[cold]
    #[inline(never)]
    fn as_of(&self, t: SimTime) -> (u64, Option<Run>) {
        let Some(log) = &self.tips else {
            return (self.next_seq, None);
        };
        let (end, written) = log.as_of(t);
        let cut = end
            .checked_sub(1)
            .and_then(|newest| self.run_index(newest))
            .map(|i| self.runs[i])
            .filter(|r| r.end_seq() > end)
            .map(|r| Run {
                count: end - r.first_seq,
                last_arrival: written.unwrap_or(r.last_arrival),
                ..r
            });
        (end, cut)
    }
}

/// A plain GetRecords call described before it is made ([`Stream::peek`]): records
/// of one size.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Peek {
    /// The sequence number after the last record it reads (the tip).
    pub end: u64,
    pub records: u64,
    pub record_bytes: u32,
    pub poison: bool,
    /// Arrival of the first and of the last record read.
    pub first_arrival: SimTime,
    pub last_arrival: SimTime,
}

impl Peek {
    pub(crate) fn bytes(&self) -> u64 {
        self.records * u64::from(self.record_bytes)
    }
}

/// The index in `runs` (in sequence order) of the run holding `seq`.
///
/// Readers mostly ask near the tip, so the search gallops back from the newest run (1, 2,
/// 4, … runs) before a binary search in the window found: a handful of cache lines instead
/// of a walk through a day of runs.
fn run_in(runs: &[Run], seq: u64) -> Option<usize> {
    let n = runs.len();
    if n == 0 || seq < runs[0].first_seq || seq >= runs[n - 1].end_seq() {
        return None;
    }
    // Gallop back from the newest run until a run starting at or before `seq`: then the
    // run holding it is in runs[lo..hi].
    let mut hi = n;
    let mut step = 1;
    let mut lo = loop {
        let probe = hi.saturating_sub(step);
        if probe == 0 || runs[probe].first_seq <= seq {
            break probe;
        }
        hi = probe;
        step *= 2;
    };
    // Binary search for the first run ending after `seq`.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if runs[mid].end_seq() <= seq {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    (lo < n && runs[lo].first_seq <= seq).then_some(lo)
}

/// What GetRecords (or an enhanced fan-out push) returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadBatch {
    /// The shard read.
    pub shard: ShardId,
    /// First sequence number returned (the requested one, or the trim horizon
    /// if the request pointed below it).
    pub first_seq: u64,
    /// Where the next read should start.
    pub next_seq: u64,
    /// Records returned.
    pub records: u64,
    /// Bytes returned.
    pub bytes: u64,
    /// The records, as runs (sliced to the returned range).
    pub runs: Vec<Run>,
    /// `MillisBehindLatest`: how far `next_seq` is behind the tip, 0 when caught up.
    pub millis_behind_latest: u64,
    /// True when the shard is closed and everything has been read
    /// (`NextShardIterator` is null).
    pub shard_end: bool,
    /// The shard's children, once `shard_end` is true (`ChildShards`).
    pub children: Children,
}

/// A closed shard's children as a read reports them (`ChildShards`): a split makes two,
/// a merge one (`reshard.rs` closes a shard once). Held inline rather than in a list, so
/// that a read, made for every poll and push, has nothing to free: at opt-level "z"
/// dropping even an empty `Vec` is a chain of calls.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Children([Option<ShardId>; 2]);

impl Children {
    fn of(children: &[ShardId]) -> Children {
        debug_assert!(children.len() <= 2, "a shard has at most two children");
        Children([children.first().copied(), children.get(1).copied()])
    }

    /// The children, in the order the reshard made them.
    pub fn to_vec(self) -> Vec<ShardId> {
        self.0.into_iter().flatten().collect()
    }
}

impl ReadBatch {
    /// Arrival time of the last record returned.
    pub fn last_arrival(&self) -> Option<SimTime> {
        self.runs.last().map(|r| r.last_arrival)
    }

    /// True if any returned record is a poison record.
    pub fn has_poison(&self) -> bool {
        self.runs.iter().any(Run::is_poison)
    }
}

/// Why a read failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// `ProvisionedThroughputExceededException`: the shard's shared read
    /// budget is used up; the call returned nothing.
    Throttled,
    /// `ResourceNotFoundException`: no such shard, or it has expired.
    ResourceNotFound,
}

/// Where an iterator starts (`ShardIteratorType`).
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html>
pub use crate::scenario::StartingPosition;

/// The stream.
#[derive(Debug)]
pub struct Stream {
    pub(crate) shards: Vec<Shard>,
    pub(crate) retention: SimDuration,
    pub(crate) on_demand: bool,
    pub(crate) producer_keys: Vec<ProducerKeys>,
    /// Keys named by `poison` actions that are not `k-<n>`: (name, hash).
    pub(crate) other_keys: Vec<(String, u128)>,
    /// Times of accepted UpdateShardCount calls (for the 10 per 24 h quota).
    pub(crate) scalings: VecDeque<SimTime>,
    /// Most open shards allowed (the playground's limit).
    pub(crate) max_open_shards: u32,
    /// Seed of the stateless key draw.
    pub(crate) key_seed: u64,
    /// Run lists of reads their consumer handed back ([`Self::recycle_read`]),
    /// for the next GetRecords (its allocation showed in profiles).
    pub(crate) spare_reads: Vec<Vec<Run>>,
    /// The box of the last enhanced fan-out push handed back ([`Self::recycle_push`]), for
    /// the next push (one allocation a push showed in profiles).
    pub(crate) spare_push: Option<Box<ReadBatch>>,
    /// Tip logs of an earlier watch ([`Self::unwatch_tips`]), kept for the next: a log
    /// made anew grew its steps by reallocation at every watch (4 % of the 26 h poison
    /// preset's time in the page).
    #[allow(clippy::vec_box)] // boxes move between the shards and here, none made anew
    pub(crate) spare_tips: Vec<Box<TipLog>>,
    /// Each consumer reads as if it were alone with the stream (the compare view): its
    /// own five GetRecords calls and 2 MiB a second per shard.
    pub(crate) isolated_reads: bool,
}

/// How many run lists [`Stream::spare_reads`] keeps.
const SPARE_READS: usize = 16;

impl Stream {
    /// Shard `id`'s state. A slice index, inline: at the page's opt-level "z" indexing the
    /// `Vec` itself is a call, and the producers' ticks and the reads do this on every step.
    #[inline(always)]
    pub(crate) fn at(&self, id: ShardId) -> &Shard {
        &self.shards.as_slice()[id.0 as usize]
    }

    /// [`Self::at`], mutable.
    #[inline(always)]
    pub(crate) fn at_mut(&mut self, id: ShardId) -> &mut Shard {
        &mut self.shards.as_mut_slice()[id.0 as usize]
    }

    /// All shards ever created, in id order (expired ones included).
    pub fn shard_infos(&self) -> impl Iterator<Item = &ShardInfo> {
        self.shards.iter().map(|s| &s.info)
    }

    /// One shard's facts.
    pub fn shard(&self, id: ShardId) -> Option<&ShardInfo> {
        self.shards.get(id.0 as usize).map(|s| &s.info)
    }

    /// The open shards, ordered by starting hash key.
    pub fn open_shards(&self) -> Vec<ShardId> {
        let v: Vec<&ShardInfo> = self
            .shards
            .iter()
            .map(|s| &s.info)
            .filter(|i| i.state == ShardState::Open)
            .collect();
        crate::order::sorted_by_key(v, |i| i.starting_hash_key)
            .iter()
            .map(|i| i.id)
            .collect()
    }

    /// Number of open shards.
    pub fn open_shard_count(&self) -> u32 {
        self.shards
            .iter()
            .filter(|s| s.info.state == ShardState::Open)
            .count() as u32
    }

    /// The retention period.
    pub fn retention(&self) -> SimDuration {
        self.retention
    }

    /// Records ever written to `shard` (its next sequence number).
    pub fn end_seq(&self, shard: ShardId) -> u64 {
        self.shards.get(shard.0 as usize).map_or(0, |s| s.next_seq)
    }

    /// The trim horizon of `shard`: its oldest untrimmed sequence number.
    pub fn trim_seq(&self, shard: ShardId) -> u64 {
        self.shards.get(shard.0 as usize).map_or(0, |s| s.trim_seq)
    }

    /// The sequence number an iterator of type `pos` starts at.
    /// `AT_TIMESTAMP` before the trim horizon lands on the trim horizon.
    /// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html>
    pub fn position(&self, shard: ShardId, pos: StartingPosition) -> u64 {
        let Some(s) = self.shards.get(shard.0 as usize) else {
            return 0;
        };
        match pos {
            StartingPosition::TrimHorizon => s.trim_seq,
            StartingPosition::Latest => s.next_seq,
            StartingPosition::AtTimestamp(t) => {
                let i = s.runs.partition_point(|r| r.last_arrival < t);
                match s.runs.get(i) {
                    None => s.next_seq,
                    Some(r) => {
                        let before = if t == SimTime::ZERO {
                            0
                        } else {
                            r.count_arrived_by(SimTime(t.0 - 1))
                        };
                        (r.first_seq + before).max(s.trim_seq)
                    }
                }
            }
        }
    }

    /// Arrival time of record `seq` of `shard`, if it is still in the stream.
    pub fn arrival_of(&self, shard: ShardId, seq: u64) -> Option<SimTime> {
        let s = self.shards.get(shard.0 as usize)?;
        let i = s.run_index(seq)?;
        Some(s.runs[i].arrival(seq))
    }

    /// [`Self::arrival_of`] as a read at `now` finds it: behind the kernel's clock,
    /// with the shard as it stood then ([`crate::tip_log`]).
    pub(crate) fn arrival_at(&self, shard: ShardId, seq: u64, now: SimTime) -> Option<SimTime> {
        let s = self.shards.get(shard.0 as usize)?;
        let (end, cut) = s.visible(now);
        if seq >= end {
            return None;
        }
        match cut.filter(|c| c.first_seq <= seq) {
            Some(c) => Some(c.arrival(seq)),
            None => self.arrival_of(shard, seq),
        }
    }

    /// The partition key of record `seq` of `shard` (if not yet trimmed).
    ///
    /// Keys are not stored: record `seq` carries the key that a stateless hash
    /// of `(shard, seq)` picks among the producer's keys routed to the shard,
    /// with the hot key `"k-0"` drawn with its share. Over many records this
    /// gives each key its share exactly as the routing weights say, and every
    /// key lands only on the shard that owns its MD5.
    pub fn key_of(&self, shard: ShardId, seq: u64) -> Option<KeyId> {
        let s = self.shards.get(shard.0 as usize)?;
        let run = &s.runs[s.run_index(seq)?];
        Some(self.key_in_run(s, shard, run, seq))
    }

    /// The keys of records `[from, to)` of `shard` still in the stream, in
    /// sequence order: [`Self::key_of`] for each, finding each run once.
    pub(crate) fn for_each_key(
        &self,
        shard: ShardId,
        from: u64,
        to: u64,
        mut f: impl FnMut(u64, KeyId),
    ) {
        let Some(s) = self.shards.get(shard.0 as usize) else {
            return;
        };
        // A shard's runs hold contiguous sequence numbers: records below the first were
        // trimmed (no key, as with key_of), and each later one is in the next run.
        let mut seq = from.max(s.runs.front().map_or(to, |r| r.first_seq));
        let Some(i) = s.run_index(seq) else {
            return;
        };
        for run in s.runs.range(i..) {
            let end = run.end_seq().min(to);
            while seq < end {
                f(seq, self.key_in_run(s, shard, run, seq));
                seq += 1;
            }
            if seq >= to {
                break;
            }
        }
    }

    /// The keys of records `[from, to)` of `shard` still in the stream, newest first,
    /// for finding each key's newest record: every record while `f` returns true,
    /// then only the newest of each poison run (the rest of a poison run has its key,
    /// and a producer's records hold no key `f` still looks for). Its cost follows
    /// the runs once `f` has what it needs.
    pub(crate) fn for_each_key_newest_first(
        &self,
        shard: ShardId,
        from: u64,
        to: u64,
        mut f: impl FnMut(u64, KeyId) -> bool,
    ) {
        let Some(s) = self.shards.get(shard.0 as usize) else {
            return;
        };
        let Some(last) = s.runs.back() else {
            return;
        };
        let to = to.min(last.end_seq());
        if to == 0 {
            return;
        }
        let Some(i) = s.run_index(to - 1) else {
            return;
        };
        let mut all = true;
        for run in s.runs.range(..=i).rev() {
            if run.end_seq() <= from {
                break;
            }
            let (lo, hi) = (run.first_seq.max(from), run.end_seq().min(to));
            if let RunSource::Poison(k) = run.source {
                all = f(hi - 1, k) && all;
                continue;
            }
            let mut seq = hi;
            while all && seq > lo {
                seq -= 1;
                all = f(seq, self.key_in_run(s, shard, run, seq));
            }
        }
    }

    /// The key of record `seq`, which lies in `run` of shard `s`.
    fn key_in_run(&self, s: &Shard, shard: ShardId, run: &Run, seq: u64) -> KeyId {
        match run.source {
            RunSource::Poison(k) => k,
            RunSource::Producer(p) => {
                // Slices' indexes, not the `Vec`s' (calls at opt-level "z"): a step per record.
                let pk = &self.producer_keys.as_slice()[p as usize];
                let slice = s.slices.as_slice()[p as usize];
                let h = mix64(self.key_seed ^ (u64::from(shard.0) << 44) ^ seq.rotate_left(17));
                let n = u128::from(pk.keys.len());
                let hot_part = if slice.hot {
                    u128::from(pk.hot_ppm) * n
                } else {
                    0
                };
                let cold_unit = u128::from(1_000_000 - pk.hot_ppm);
                let total = hot_part + cold_unit * u128::from(slice.hi - slice.lo);
                if total == 0 {
                    return KeyId(0);
                }
                // The same remainder in 64 bits when `total` fits (it always does within
                // the playground's limits: at most 10^6 × 10^6 × 2).
                let r = match u64::try_from(total) {
                    Ok(t) => u128::from(h % t),
                    Err(_) => u128::from(h) % total,
                };
                if r < hot_part || cold_unit == 0 {
                    KeyId(0)
                } else {
                    let pos = slice.lo + ((r - hot_part) / cold_unit) as u32;
                    KeyId(pk.keys.ids.as_slice()[pos as usize])
                }
            }
        }
    }

    /// The id and hash key of a partition key named in a `poison` action.
    pub(crate) fn intern_key(&mut self, name: &str) -> (KeyId, u128) {
        let hash = crate::md5::hash_key(name);
        if let Some(n) = name.strip_prefix("k-") {
            if let Ok(i) = n.parse::<u32>() {
                if i < KeyId::OTHER && n == i.to_string() {
                    return (KeyId(i), hash);
                }
            }
        }
        if let Some(i) = self.other_keys.iter().position(|(k, _)| k == name) {
            return (KeyId(KeyId::OTHER + i as u32), hash);
        }
        self.other_keys.push((name.to_string(), hash));
        (KeyId(KeyId::OTHER + self.other_keys.len() as u32 - 1), hash)
    }

    /// The open shard whose range holds `hash`.
    pub fn route(&self, hash: u128) -> Option<ShardId> {
        self.shards
            .iter()
            .find(|s| s.info.state == ShardState::Open && s.info.owns(hash))
            .map(|s| s.info.id)
    }

    /// Appends a run to a shard, keeping arrival times non-decreasing, and
    /// returns it with its sequence numbers.
    pub(crate) fn append(&mut self, shard: ShardId, mut run: Run) -> Run {
        let s = self.at_mut(shard);
        if let Some(prev) = s.last_arrival() {
            run.first_arrival = run.first_arrival.max(prev);
            run.last_arrival = run.last_arrival.max(run.first_arrival);
        }
        run.first_seq = s.next_seq;
        s.next_seq += run.count;
        s.runs.push_back(run);
        if let Some(log) = &mut s.tips {
            log.note(TipStep::tick(run.last_arrival, run.count, s.next_seq));
        }
        run
    }

    /// Appends one producer tick at `now`: `count` (> 0) records of
    /// `record_bytes` from `source`, arriving evenly over `(now − TICK, now]`.
    ///
    /// Approximation: the tick is merged into the shard's newest run when
    /// that run is from the same producer, with the same record size, ends at
    /// the tick just before, holds about as many records per tick (±1), and
    /// would not span more than [`MAX_RUN_SPAN`]. At a steady rate this is
    /// exact (the per-tick spreads line up); with ±1 record per tick a
    /// record's interpolated arrival moves by a fraction of a tick. It keeps a
    /// day of a 64-shard stream in memory (10 s runs instead of 100 ms ones).
    ///
    /// Below a record a tick, a tick's one record is merged (exactly) when it keeps the
    /// run's records evenly spaced: a run of one record, or one whose records are all
    /// as far apart as this one is from its last. A steady rate whose ticks with a
    /// record come evenly (2 records a second: every fifth tick) then makes 10 s runs
    /// too, instead of one run a record.
    pub(crate) fn append_tick(
        &mut self,
        shard: ShardId,
        source: RunSource,
        count: u64,
        record_bytes: u32,
        now: SimTime,
    ) {
        let tick = crate::producer::TICK.0;
        let s = self.at_mut(shard);
        if let Some(last) = s.runs.back_mut() {
            let arrival = now.max(last.last_arrival);
            // Ticks already in `last` (its spread is about one tick per tick), and
            // `last.count / ticks` within ±1 of `count`, without dividing.
            let per_tick_alike = || {
                let ticks = ticks_in(last.last_arrival.0 - last.first_arrival.0);
                saturating_mul(count.saturating_sub(1), ticks) <= last.count
                    && last.count < saturating_mul(count.saturating_add(2), ticks)
            };
            let alike = last.source == source
                && last.record_bytes == record_bytes
                && arrival.0 - last.first_arrival.0 <= MAX_RUN_SPAN.0;
            let gap = arrival.0 - last.last_arrival.0;
            let dense = gap == tick && !last.is_sparse() && per_tick_alike();
            if alike && (dense || (count == 1 && gap > tick && last.spaced(gap))) {
                last.count += count;
                last.last_arrival = arrival;
                s.next_seq += count;
                if let Some(log) = &mut s.tips {
                    log.note(TipStep::tick(arrival, count, s.next_seq));
                }
                return;
            }
        }
        let spread = (tick / count.max(1)).clamp(1, tick);
        self.append(
            shard,
            Run {
                first_seq: 0,
                count,
                record_bytes,
                first_arrival: SimTime(now.0.saturating_sub(tick) + spread),
                last_arrival: now,
                source,
            },
        );
    }

    /// How many ticks from `at` on, one a tick, would each only extend `shard`'s newest
    /// run under `append_tick`'s merge rule, for a route of `source` writing `q` or
    /// `q + 1` records (`q` ≥ 1) of `record_bytes` every tick: none unless that run is
    /// the route's and ended at the tick before `at`. Once the run spans `T` ≥ 1 ticks
    /// (unrounded up) and holds `C` records with `qT ≤ C < (q + 2)T`, the rule holds for
    /// any count `q` or `q + 1`, and each merge adds one tick to `T` and `q` or `q + 1`
    /// to `C`, which keeps it: only [`MAX_RUN_SPAN`] ends the run.
    ///
    /// A run of one tick's one record (`T` rounds up to 1, `C` = 1) takes the next
    /// `ones()` ticks when each writes exactly one record: the first merge needs
    /// `0 ≤ 1 < 3`, and after `j` merges `C = j + 1` with `T = max(1, j)`, which is the
    /// state above for `q` = 1. From that run a tick of two would not be promised (1, 2
    /// then 1 fails `C < 3T`).
    pub(crate) fn merges_ahead(
        &self,
        shard: ShardId,
        source: RunSource,
        record_bytes: u32,
        (q, ones): (u64, impl FnOnce() -> u64),
        at: SimTime,
    ) -> u64 {
        let tick = crate::producer::TICK.0;
        let Some(last) = self.at(shard).runs.back() else {
            return 0;
        };
        if q == 0
            || last.source != source
            || last.record_bytes != record_bytes
            || last.last_arrival.0 + tick != at.0
            || last.is_sparse()
        {
            return 0;
        }
        let span = last.last_arrival.0 - last.first_arrival.0;
        let room =
            (last.first_arrival.0 + MAX_RUN_SPAN.0).saturating_sub(last.last_arrival.0) / tick;
        if room == 0 {
            return 0;
        }
        if span + tick / 2 < tick {
            return if last.count == 1 && span == 0 {
                room.min(ones())
            } else {
                0
            };
        }
        let t = ticks_in(span);
        if q * t <= last.count && last.count < (q + 2) * t {
            room
        } else {
            0
        }
    }

    /// The records from `from` to the tip of `shard` as one slice of its newest run, when
    /// they all lie in that run and come to at most `max_bytes`: what
    /// [`Self::slice_records`] reads from `from` at a time at or after the newest
    /// arrival, found without walking the runs (its short way). `None` otherwise.
    fn newest_tail(&self, shard: ShardId, from: u64, max_bytes: u64) -> Option<Run> {
        let s = self.shards.get(shard.0 as usize)?;
        let r = s.runs.back()?;
        let records = s.next_seq.checked_sub(from).filter(|&n| n > 0)?;
        let fits = saturating_mul(records, u64::from(r.record_bytes).max(1)) <= max_bytes;
        (from >= s.trim_seq && from >= r.first_seq && fits).then(|| r.slice(from, s.next_seq))
    }

    /// Reads up to `limit` records (and at most `max_bytes`) from `from`,
    /// without any throughput accounting.
    pub(crate) fn slice_records(
        &self,
        shard: ShardId,
        from: u64,
        limit: u64,
        max_bytes: u64,
        now: SimTime,
        mut runs: Vec<Run>,
    ) -> ReadBatch {
        let s = self.at(shard);
        let (end, cut) = s.visible(now);
        let from = from.clamp(s.trim_seq, end.max(s.trim_seq));
        runs.clear();
        let mut records = 0u64;
        let mut bytes = 0u64;
        let mut seq = from;
        let tail = match cut {
            None if end == s.next_seq && end.saturating_sub(from) <= limit => {
                self.newest_tail(shard, from, max_bytes)
            }
            _ => None,
        };
        if let Some(part) = tail {
            // All of it in the newest run (a read near the tip: an enhanced fan-out push
            // tick after tick, mostly): that one slice, without the walk below.
            records = part.count;
            bytes = part.bytes();
            seq = part.end_seq();
            runs.push(part);
        } else if let Some(mut i) = s.run_index(from) {
            while i < s.runs.len() && records < limit && seq < end {
                let r = match &cut {
                    Some(c) if c.first_seq == s.runs[i].first_seq => c,
                    _ => &s.runs[i],
                };
                let per = u64::from(r.record_bytes).max(1);
                let room_bytes = max_bytes.saturating_sub(bytes) / per;
                let take = (r.end_seq() - seq).min(limit - records).min(room_bytes);
                if take == 0 {
                    // Always return at least one record if nothing was taken yet.
                    if records == 0 {
                        let one = r.slice(seq, seq + 1);
                        records = 1;
                        bytes = one.bytes();
                        seq += 1;
                        runs.push(one);
                    }
                    break;
                }
                let part = r.slice(seq, seq + take);
                records += take;
                bytes += part.bytes();
                seq += take;
                runs.push(part);
                i += 1;
            }
        }
        let closed = s.info.state != ShardState::Open;
        let shard_end = closed && seq == s.next_seq;
        let millis_behind_latest = if seq >= end {
            0
        } else {
            s.runs
                .get(s.run_index(seq).unwrap_or(0))
                .map_or(0, |r| now.0.saturating_sub(r.arrival(seq).0) / 1_000)
        };
        ReadBatch {
            shard,
            first_seq: from,
            next_seq: seq,
            records,
            bytes,
            runs,
            millis_behind_latest,
            shard_end,
            children: if shard_end {
                Children::of(&s.info.children)
            } else {
                Children::default()
            },
        }
    }

    /// GetRecords with the shard's **shared** read limits (5 calls/s and
    /// 2 MiB/s for all polling consumers together, ≤ 10,000 records and
    /// ≤ 10 MiB per call).
    ///
    /// Model: the last five successful calls are remembered; a sixth within one
    /// second is throttled. Bytes read are "paid off" at 2 MiB/s: a call made
    /// before the previous reads are paid off is throttled. So a 10 MiB read
    /// locks the shard's readers out for the next 5 s, as the API reference
    /// says, and smaller reads lock it out proportionally.
    /// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html>
    ///
    /// Assumption: a throttled call returns nothing and does not count against
    /// the five calls per second (AWS does not say whether it does).
    pub fn get_records(
        &mut self,
        shard: ShardId,
        from: u64,
        limit: u64,
        now: SimTime,
        reader: usize,
    ) -> Result<ReadBatch, ReadError> {
        let budget = self.read_budget(reader);
        let Some(s) = self.shards.get_mut(shard.0 as usize) else {
            return Err(ReadError::ResourceNotFound);
        };
        if s.info.state == ShardState::Expired {
            return Err(ReadError::ResourceNotFound);
        }
        if !s.read.get(budget).is_none_or(|r| r.free_at(now)) {
            return Err(ReadError::Throttled);
        }
        let limit = limit.clamp(1, GET_RECORDS_MAX_RECORDS);
        let runs = self.spare_reads.pop().unwrap_or_default();
        let batch = self.slice_records(shard, from, limit, GET_RECORDS_MAX_BYTES, now, runs);
        self.note_read(shard, budget, now, batch.bytes);
        Ok(batch)
    }

    /// Records `[from, from + limit)` of `shard` that an enhanced fan-out
    /// subscription has already pushed to a consumer's buffer: no read limits
    /// here (the subscription paid for them on its own 2 MiB/s). A limit of 0
    /// still says whether a closed shard is read to its end.
    pub(crate) fn take_pushed(
        &mut self,
        shard: ShardId,
        from: u64,
        limit: u64,
        now: SimTime,
    ) -> Result<ReadBatch, ReadError> {
        match self.shards.get(shard.0 as usize) {
            Some(s) if s.info.state != ShardState::Expired => {}
            _ => return Err(ReadError::ResourceNotFound),
        }
        let runs = self.spare_reads.pop().unwrap_or_default();
        Ok(self.slice_records(shard, from, limit, u64::MAX, now, runs))
    }

    /// Counts a GetRecords call of `bytes` on `shard`'s read budget `budget` (grown on
    /// use), and forgets what the shard's tip log no longer needs.
    fn note_read(&mut self, shard: ShardId, budget: usize, now: SimTime, bytes: u64) {
        let s = self.at_mut(shard);
        if let Some(log) = &mut s.tips {
            log.forget_before(now);
        }
        if s.read.len() <= budget {
            s.read.resize(budget + 1, ReadBudget::default());
        }
        let read = &mut s.read[budget];
        let next = read.next;
        read.calls[next] = Some(now);
        read.next = (next + 1) % READ_CALLS_PER_SECOND;
        let pay = saturating_mul(bytes, 1_000_000) / READ_BYTES_PER_SECOND;
        read.busy_until = SimTime(read.busy_until.max(now).0 + pay);
    }

    /// What `reader`'s GetRecords call on `shard` from `from` at `now` would read, if
    /// it is a plain one — the shard open, `from` at or above the trim horizon, the
    /// call not throttled, records of one size — without making it: the caller then
    /// makes it with [`Self::take_peeked`], or reads with [`Self::get_records`]
    /// instead. Records from `from` to the tip, as a read at `now` sees it; none if they
    /// are `most` or more (the callers read a full batch the general way, and a lane
    /// far behind, one blocked by a poison record, would have a day of runs to look at).
    pub(crate) fn peek(
        &self,
        shard: ShardId,
        (from, most): (u64, u64),
        now: SimTime,
        reader: usize,
    ) -> Option<Peek> {
        let s = self.shards.get(shard.0 as usize)?;
        let budget = self.read_budget(reader);
        if s.info.state != ShardState::Open
            || from < s.trim_seq
            || !s.read.get(budget).is_none_or(|r| r.free_at(now))
        {
            return None;
        }
        let (end, cut) = s.visible(now);
        let peek = Peek {
            end: end.max(from),
            ..Peek::default()
        };
        if from >= end {
            return Some(peek);
        }
        if end - from >= most {
            return None;
        }
        // The newest run, as it stood then, and those before it from `from` on, if all
        // have records of one size (a producer's runs end every `MAX_RUN_SPAN`).
        let r = match cut {
            Some(c) => c,
            None if end == s.next_seq => *s.runs.back()?,
            // It ended at `end`; newer runs have begun since.
            None => s.runs[s.run_index(end - 1)?],
        };
        let last = r.slice(r.first_seq.max(from), end);
        let mut first = last;
        let mut poison = last.is_poison();
        if r.first_seq > from {
            let i = s.run_index(from)?;
            let newest = if cut.is_some() || end < s.next_seq {
                s.run_index(r.first_seq)?
            } else {
                s.runs.len() - 1
            };
            for run in s.runs.range(i..newest) {
                if run.record_bytes != r.record_bytes {
                    return None;
                }
                poison |= run.is_poison();
            }
            first = s.runs[i].slice(from, from + 1);
        }
        Some(Peek {
            records: end - from,
            record_bytes: last.record_bytes,
            poison,
            first_arrival: first.first_arrival,
            last_arrival: last.last_arrival,
            ..peek
        })
    }

    /// The read budget `reader`'s calls count against: its own when reads are isolated,
    /// else the shard's one shared budget.
    #[inline(always)]
    fn read_budget(&self, reader: usize) -> usize {
        if self.isolated_reads {
            reader
        } else {
            0
        }
    }

    /// True if a GetRecords call on `shard` by `reader` at `at` would return records
    /// rather than fail: the shard is still there and its read limits allow the call.
    pub(crate) fn can_read(&self, shard: ShardId, reader: usize, at: SimTime) -> bool {
        let budget = self.read_budget(reader);
        self.shards.get(shard.0 as usize).is_some_and(|s| {
            s.info.state != ShardState::Expired && s.read.get(budget).is_none_or(|r| r.free_at(at))
        })
    }

    /// Makes the GetRecords call that [`Self::peek`] described (its read limits).
    pub(crate) fn take_peeked(&mut self, shard: ShardId, reader: usize, now: SimTime, peek: &Peek) {
        let budget = self.read_budget(reader);
        self.note_read(shard, budget, now, peek.bytes());
    }

    /// Starts noting every shard's writes, so that a read at an instant from now on
    /// sees a shard as it stood then, even after the kernel has written more
    /// ([`crate::tip_log`]). Shards watched already go on as they are.
    pub(crate) fn watch_tips(&mut self) {
        for s in &mut self.shards {
            if s.tips.is_none() {
                let (next, newest) = (s.next_seq, s.last_arrival());
                s.tips = Some(match self.spare_tips.pop() {
                    Some(mut log) => {
                        log.restart(next, newest);
                        log
                    }
                    None => Box::new(TipLog::new(next, newest)),
                });
            }
        }
    }

    /// Forgets the noted writes no read at `t` or later needs (see [`Self::watch_tips`]).
    pub(crate) fn forget_tips_before(&mut self, t: SimTime) {
        for s in &mut self.shards {
            if let Some(log) = &mut s.tips {
                log.forget_before(t);
            }
        }
    }

    /// True while the shards' writes are noted (see [`Self::watch_tips`]): a consumer
    /// reads behind the kernel's clock.
    pub(crate) fn watching_tips(&self) -> bool {
        self.shards.iter().any(|s| s.tips.is_some())
    }

    /// Stops noting the shards' writes (see [`Self::watch_tips`]).
    pub(crate) fn unwatch_tips(&mut self) {
        for s in &mut self.shards {
            if let Some(log) = s.tips.take() {
                self.spare_tips.push(log);
            }
        }
    }

    /// Takes back a read's run list for a later GetRecords.
    pub(crate) fn recycle_read(&mut self, read: ReadBatch) {
        if self.spare_reads.len() < SPARE_READS {
            self.spare_reads.push(read.runs);
        }
    }

    /// A push's batch in the box a delivered push left ([`Self::recycle_push`]), or a new one.
    pub(crate) fn boxed_push(&mut self, batch: ReadBatch) -> Box<ReadBatch> {
        match self.spare_push.take() {
            Some(mut b) => {
                *b = batch;
                b
            }
            None => Box::new(batch),
        }
    }

    /// Takes back a pushed batch: its run list for a later read, its box for the next push.
    pub(crate) fn recycle_push(&mut self, mut push: Box<ReadBatch>) {
        let runs = std::mem::take(&mut push.runs);
        if self.spare_reads.len() < SPARE_READS {
            self.spare_reads.push(runs);
        }
        self.spare_push = Some(push);
    }

    /// The earliest time at which [`Stream::trim`] would change anything, as the stream
    /// stands: a shard's oldest record turning `retention` old, or a closed, emptied
    /// shard expiring. Records written later arrive after `now − TICK`, so they cannot
    /// come before `now − TICK + retention` (retention is at least 24 hours).
    pub(crate) fn next_trim(&self) -> Option<SimTime> {
        self.shards
            .iter()
            .filter(|s| s.info.state != ShardState::Expired)
            .filter_map(|s| match (s.runs.front(), s.info.state, s.info.closed_at) {
                (Some(front), _, _) => Some(front.first_arrival),
                (None, ShardState::Closed, Some(closed)) => Some(closed),
                _ => None,
            })
            .min()
            .map(|t| SimTime(t.0 + self.retention.0))
    }

    /// Moves each shard's trim horizon past the records older than the
    /// retention period, and marks closed shards whose records are all gone as
    /// EXPIRED. Returns the shards whose horizon moved, with the old and new
    /// horizon.
    ///
    /// A record is trimmed once it is `retention` old.
    /// Source: <https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html>
    pub(crate) fn trim(&mut self, now: SimTime) -> (Vec<(ShardId, u64, u64)>, Vec<ShardId>) {
        let mut moved = Vec::new();
        let mut expired = Vec::new();
        if now.0 < self.retention.0 {
            return (moved, expired);
        }
        let cut = SimTime(now.0 - self.retention.0);
        for s in &mut self.shards {
            if s.info.state == ShardState::Expired {
                continue;
            }
            let old = s.trim_seq;
            while let Some(front) = s.runs.front().copied() {
                let gone = front.count_arrived_by(cut);
                if gone == 0 {
                    break;
                }
                if gone >= front.count {
                    s.runs.pop_front();
                    s.trim_seq = front.end_seq();
                } else {
                    s.trim_seq = front.first_seq + gone;
                    s.runs[0] = front.slice(s.trim_seq, front.end_seq());
                    break;
                }
            }
            if s.trim_seq != old {
                moved.push((s.info.id, old, s.trim_seq));
            }
            if let (ShardState::Closed, Some(closed)) = (s.info.state, s.info.closed_at) {
                if s.runs.is_empty() && closed.0 + self.retention.0 <= now.0 {
                    s.info.state = ShardState::Expired;
                    expired.push(s.info.id);
                }
            }
        }
        (moved, expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream of one shard keeping a day, for the tests that append ticks by hand.
    fn one_shard() -> Stream {
        Stream::create(1, SimDuration::from_secs(86_400), false, Vec::new(), 4, 0)
    }

    fn run(first_seq: u64, count: u64, a: u64, b: u64) -> Run {
        Run {
            first_seq,
            count,
            record_bytes: 100,
            first_arrival: SimTime(a),
            last_arrival: SimTime(b),
            source: RunSource::Producer(0),
        }
    }

    /// A read names a closed shard's children once it reaches the shard's end: a split's
    /// two in the order it made them, a merge's one; before the end, none.
    #[test]
    fn a_read_at_shard_end_names_the_children() {
        let mut s = Stream::create(2, SimDuration::from_secs(86_400), false, Vec::new(), 4, 0);
        let read = |s: &Stream, shard: u32| {
            s.slice_records(ShardId(shard), 0, 10, u64::MAX, SimTime(9), Vec::new())
        };
        let open = read(&s, 0);
        assert!(!open.shard_end);
        assert_eq!(open.children.to_vec(), Vec::<ShardId>::new());
        s.split_shard(ShardId(0), None, SimTime(1), false).unwrap();
        let split = read(&s, 0);
        assert!(split.shard_end);
        assert_eq!(split.children.to_vec(), vec![ShardId(2), ShardId(3)]);
        s.merge_shards(ShardId(2), ShardId(3), SimTime(2)).unwrap();
        assert_eq!(read(&s, 2).children.to_vec(), vec![ShardId(4)]);
        assert_eq!(read(&s, 3).children.to_vec(), vec![ShardId(4)]);
    }

    #[test]
    fn run_arrivals_interpolate_and_invert() {
        let r = run(10, 11, 1_000, 2_000);
        assert_eq!(r.arrival(10), SimTime(1_000));
        assert_eq!(r.arrival(15), SimTime(1_500));
        assert_eq!(r.arrival(20), SimTime(2_000));
        assert_eq!(r.count_arrived_by(SimTime(999)), 0);
        assert_eq!(r.count_arrived_by(SimTime(1_000)), 1);
        assert_eq!(r.count_arrived_by(SimTime(1_499)), 5);
        assert_eq!(r.count_arrived_by(SimTime(1_500)), 6);
        assert_eq!(r.count_arrived_by(SimTime(2_000)), 11);
        for t in 900..2_100 {
            let n = r.count_arrived_by(SimTime(t));
            let brute = (10..21).filter(|&s| r.arrival(s).0 <= t).count() as u64;
            assert_eq!(n, brute, "t={t}");
        }
        let s = r.slice(12, 14);
        assert_eq!((s.first_seq, s.count), (12, 2));
        assert_eq!(
            (s.first_arrival, s.last_arrival),
            (r.arrival(12), r.arrival(13))
        );
    }

    /// `for_each_key` gives each record the key `key_of` gives it, across run
    /// boundaries, poison runs and a hot key, and nothing past the end.
    #[test]
    fn keys_by_run_are_keys_by_record() {
        let s = crate::scenario::parse(
            r#"{"format": "shardscope/1", "seed": 5, "duration": "20s",
                "stream": {"ShardCount": 2},
                "producers": [{"name": "p", "records_per_second": 300, "record_bytes": 100,
                               "partition_keys": 50, "hot_key_share": 0.2}],
                "timeline": [{"at": "5s", "do": "poison", "partition_key": "k-3"},
                             {"at": "7s", "do": "poison", "partition_key": "order-9"}]}"#,
        )
        .unwrap();
        let mut sim = crate::Simulation::new(&s).unwrap();
        sim.run();
        let stream = sim.stream();
        for shard in [ShardId(0), ShardId(1)] {
            let end = stream.end_seq(shard);
            assert!(end > 2_000);
            for (from, to) in [(0, end), (17, 18), (999, 1_500), (end - 3, end + 10)] {
                let mut got = Vec::new();
                stream.for_each_key(shard, from, to, |seq, k| got.push((seq, k)));
                let want: Vec<_> = (from..to)
                    .filter_map(|seq| Some((seq, stream.key_of(shard, seq)?)))
                    .collect();
                assert_eq!(got, want, "{shard} {from}..{to}");
            }
        }
    }

    /// `run_index` (galloping from the tip) agrees with a linear scan, before
    /// and after trimming.
    #[test]
    fn ticks_in_a_run_are_the_rounded_division() {
        let tick = crate::producer::TICK.0;
        for span in 0..=MAX_RUN_SPAN.0 {
            assert_eq!(
                ticks_in(span),
                ((span + tick / 2) / tick).max(1),
                "span {span}"
            );
        }
    }

    #[test]
    fn runs_are_found_by_sequence_number() {
        let mut s = Stream::create(1, SimDuration::from_secs(10), false, Vec::new(), 4, 0);
        let mut t = 0;
        for i in 0..300u64 {
            t += 100_000;
            let n = 1 + (i * 7) % 13;
            s.append(ShardId(0), run(0, n, t - 50_000, t));
        }
        let check = |s: &Stream| {
            let sh = &s.shards[0];
            for seq in 0..sh.next_seq + 2 {
                let want = sh
                    .runs
                    .iter()
                    .position(|r| r.first_seq <= seq && seq < r.end_seq());
                assert_eq!(sh.run_index(seq), want, "seq {seq}");
            }
        };
        check(&s);
        s.trim(SimTime(20_000_000));
        assert!(s.shards[0].trim_seq > 0);
        check(&s);
    }

    /// Below a record a tick: one record every fifth tick (2 a second) for a minute is
    /// 120 records in 6 runs (a 10 s run holds 21 records 0.5 s apart: 0 s to 10 s, then
    /// 10.5 s to 20.5 s, …; 5 × 21 = 105, and 15 in the sixth), and every record keeps
    /// the arrival of its tick. Uneven gaps (3, 3, 4 ticks) start a new run at each
    /// change of gap, and a tick after a sparse run is never merged as a dense one.
    #[test]
    fn sparse_ticks_merge_only_while_evenly_spaced() {
        let tick = crate::producer::TICK.0;
        let arrivals = |s: &Stream| -> Vec<u64> {
            (0..s.end_seq(ShardId(0)))
                .map(|q| s.arrival_of(ShardId(0), q).unwrap().0)
                .collect()
        };
        let mut s = one_shard();
        let ticks: Vec<u64> = (0..120).map(|i| (1 + 5 * i) * tick).collect();
        for &t in &ticks {
            s.append_tick(ShardId(0), RunSource::Producer(0), 1, 100, SimTime(t));
        }
        assert_eq!(s.shards[0].runs.len(), 6);
        assert_eq!(s.shards[0].runs[0].count, 21);
        assert_eq!(s.shards[0].runs[5].count, 15);
        assert_eq!(arrivals(&s), ticks);

        let mut s = one_shard();
        let mut ticks = Vec::new();
        let mut t = 0;
        for gap in [3, 3, 4, 3, 3, 1] {
            t += gap * tick;
            ticks.push(t);
            s.append_tick(ShardId(0), RunSource::Producer(0), 1, 100, SimTime(t));
        }
        let counts: Vec<u64> = s.shards[0].runs.iter().map(|r| r.count).collect();
        // At 0.3 s, 0.6 s | 1.0 s (4 ticks after), 1.3 s, 1.6 s | 1.7 s (the next tick).
        assert_eq!(counts, [2, 3, 1]);
        assert_eq!(arrivals(&s), ticks);
    }

    /// A run of two records 200 ms apart (at 1.0 s and 1.2 s) takes no dense tick:
    /// the record at 1.3 s starts a run (`append_tick`), so a bulk step from there
    /// extends nothing either (`merges_ahead`), or it would give the run's records
    /// other interpolated arrivals than ticking one by one.
    #[test]
    fn a_sparse_run_takes_no_dense_ticks_one_by_one_or_in_bulk() {
        let tick = crate::producer::TICK.0;
        let p = RunSource::Producer(0);
        let mut s = one_shard();
        s.append_tick(ShardId(0), p, 1, 100, SimTime(10 * tick));
        s.append_tick(ShardId(0), p, 1, 100, SimTime(12 * tick));
        assert_eq!(s.shards[0].runs.len(), 1);
        assert_eq!(
            s.merges_ahead(ShardId(0), p, 100, (1, || 99), SimTime(13 * tick)),
            0
        );
        s.append_tick(ShardId(0), p, 1, 100, SimTime(13 * tick));
        assert_eq!(s.shards[0].runs.len(), 2);
        // A dense run (1.3 s, 1.4 s) does take the next ticks, to 10 s from its first.
        s.append_tick(ShardId(0), p, 1, 100, SimTime(14 * tick));
        assert_eq!(
            s.merges_ahead(ShardId(0), p, 100, (1, || 0), SimTime(15 * tick)),
            99
        );
    }

    /// A run of one tick's one record takes the next ticks in bulk when each writes
    /// exactly one (`merges_ahead`'s `ones`, as many as it is told): 100 of them, to 10 s
    /// from its first, as ticking one by one does; the 101st starts a run. A tick of two
    /// would not be promised: after 1 and 2 records, a tick of one starts a run.
    #[test]
    fn a_one_record_run_takes_ticks_of_one_in_bulk() {
        let tick = crate::producer::TICK.0;
        let p = RunSource::Producer(0);
        let mut s = one_shard();
        s.append_tick(ShardId(0), p, 1, 100, SimTime(10 * tick));
        let next = SimTime(11 * tick);
        assert_eq!(s.merges_ahead(ShardId(0), p, 100, (1, || 500), next), 100);
        assert_eq!(s.merges_ahead(ShardId(0), p, 100, (1, || 7), next), 7);
        assert_eq!(s.merges_ahead(ShardId(0), p, 100, (1, || 0), next), 0);
        for t in 11..=111 {
            s.append_tick(ShardId(0), p, 1, 100, SimTime(t * tick));
        }
        let counts: Vec<u64> = s.shards[0].runs.iter().map(|r| r.count).collect();
        assert_eq!(counts, [101, 1]);

        let mut s = one_shard();
        for (t, n) in [(10, 1), (11, 2), (12, 1)] {
            s.append_tick(ShardId(0), p, n, 100, SimTime(t * tick));
        }
        let counts: Vec<u64> = s.shards[0].runs.iter().map(|r| r.count).collect();
        assert_eq!(counts, [3, 1]);
    }

    /// A peek describes the records from `from` to the tip, and declines (as for any
    /// read that is not plain) when they are `most` or more: 10 records of one tick,
    /// then 10 more; from the 5th, 15 of them.
    #[test]
    fn a_peek_reads_to_the_tip_below_most() {
        let tick = crate::producer::TICK.0;
        let p = RunSource::Producer(0);
        let mut s = one_shard();
        s.append_tick(ShardId(0), p, 10, 100, SimTime(10 * tick));
        s.append_tick(ShardId(0), p, 10, 100, SimTime(11 * tick));
        let now = SimTime(12 * tick);
        let peek = s.peek(ShardId(0), (5, 16), now, 0).expect("a plain read");
        assert_eq!((peek.records, peek.end, peek.bytes()), (15, 20, 1_500));
        assert_eq!(peek.first_arrival, s.shards[0].runs[0].arrival(5));
        assert_eq!(peek.last_arrival, SimTime(11 * tick));
        assert!(s.peek(ShardId(0), (5, 15), now, 0).is_none());
        assert_eq!(
            s.peek(ShardId(0), (20, 1), now, 0).map(|p| p.records),
            Some(0)
        );
    }

    /// A push's tail of the newest run is `slice_records`' one-run batch, and nothing
    /// when the records reach into an older run, do not fit the bytes, are none, or
    /// begin below the trim horizon: 10 records of 100 B, then 10 of 200 B.
    #[test]
    fn the_newest_tail_is_the_one_run_read() {
        let tick = crate::producer::TICK.0;
        let p = RunSource::Producer(0);
        let mut s = one_shard();
        s.append_tick(ShardId(0), p, 10, 100, SimTime(10 * tick));
        s.append_tick(ShardId(0), p, 10, 200, SimTime(11 * tick));
        let read = s.slice_records(
            ShardId(0),
            12,
            u64::MAX,
            1_600,
            SimTime(12 * tick),
            Vec::new(),
        );
        assert_eq!((read.records, read.next_seq, read.runs.len()), (8, 20, 1));
        assert_eq!(s.newest_tail(ShardId(0), 12, 1_600), Some(read.runs[0]));
        assert_eq!(s.newest_tail(ShardId(0), 12, 1_599), None);
        assert_eq!(s.newest_tail(ShardId(0), 9, u64::MAX), None);
        assert_eq!(s.newest_tail(ShardId(0), 20, u64::MAX), None);
        s.shards[0].trim_seq = 15;
        assert_eq!(s.newest_tail(ShardId(0), 12, u64::MAX), None);
    }

    #[test]
    fn shard_ids_print_like_kinesis() {
        assert_eq!(ShardId(0).to_string(), "shardId-000000000000");
        assert_eq!(ShardId(123).to_string(), "shardId-000000000123");
    }

    #[test]
    fn sort_by_hash_sorts_any_input() {
        let mut rng = crate::rng::Rng::new(7);
        for n in [0usize, 1, 63, 64, 65, 1000, 5000] {
            let mut v: Vec<(u128, u32)> = (0..n)
                .map(|i| {
                    // Uneven on purpose: many hashes share their top bits.
                    let h = u128::from(rng.next_u64()) << (i % 3 * 20);
                    (h, i as u32)
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            sort_by_hash(&mut v);
            assert_eq!(v, want, "n = {n}");
        }
    }

    #[test]
    fn key_table_slices_by_hash() {
        let t = KeyTable::new(1000);
        assert_eq!(t.len(), 1000);
        let (lo, hi) = t.slice(0, MAX_HASH_KEY);
        assert_eq!((lo, hi), (0, 1000));
        let mid = 1u128 << 127;
        let (a, b) = t.slice(0, mid - 1);
        let (c, d) = t.slice(mid, MAX_HASH_KEY);
        assert_eq!((a, b, c, d), (0, b, b, 1000));
    }
}
