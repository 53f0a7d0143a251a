//! Creating the stream's shards and resharding: SplitShard, MergeShards,
//! UpdateShardCount (uniform scaling) and on-demand splits.
//!
//! Resharding is always pairwise: a split turns one shard into two, a merge
//! turns two adjacent shards into one; parents become CLOSED (readable until
//! retention trims them) and children OPEN, with `ParentShardId` and
//! `AdjacentParentShardId` recording the lineage.
//! Source: <https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-resharding.html>,
//! <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_Shard.html>
//!
//! Assumption: a reshard takes effect instantly at the time of its timeline
//! action (AWS runs it asynchronously over seconds to minutes while reads and
//! writes continue), so writes go to the children from that moment.
//!
//! Invalid requests are not errors of the run: they become `ActionRejected`
//! trace events carrying the AWS exception name, and the run goes on.
//! Assumption: the exception names follow the API references' error lists;
//! which rule raises which exception is AWS's observed behaviour, not
//! documented per rule.

use std::collections::VecDeque;

use crate::stream::{
    ProducerKeys, ReadBudget, Shard, ShardId, ShardInfo, ShardState, Stream, WriteWindow,
    MAX_HASH_KEY,
};
use crate::time::{SimDuration, SimTime};

/// UpdateShardCount: at most 10 scaling operations per rolling 24 hours.
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html>
pub const MAX_SCALINGS_PER_24H: usize = 10;

/// A refused reshard: the AWS exception and a human reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// `LimitExceededException`, `InvalidArgumentException`,
    /// `ResourceNotFoundException`, `ResourceInUseException` or `ValidationException`.
    pub error: &'static str,
    /// What was wrong, in words.
    pub reason: String,
}

fn reject(error: &'static str, reason: impl Into<String>) -> Rejection {
    Rejection {
        error,
        reason: reason.into(),
    }
}

/// What a reshard did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reshard {
    /// Shards closed, in order (including short-lived intermediate shards).
    pub closed: Vec<ShardId>,
    /// Shards created, in order (including short-lived intermediate shards).
    pub opened: Vec<ShardId>,
}

/// The starting hash key of shard `i` of `n` when the hash space is divided
/// evenly, as CreateStream does: `floor(i × 2^128 / n)`.
/// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html>
pub fn even_start(i: u32, n: u32) -> u128 {
    if n <= 1 || i == 0 {
        return 0;
    }
    let n = u128::from(n);
    let i = u128::from(i);
    // 2^128 = n·q + r, computed without overflowing.
    let (mut q, mut r) = (MAX_HASH_KEY / n, MAX_HASH_KEY % n + 1);
    if r == n {
        q += 1;
        r = 0;
    }
    i * q + i * r / n
}

/// The `[start, end]` ranges of `n` evenly spaced shards.
pub fn even_ranges(n: u32) -> Vec<(u128, u128)> {
    (0..n)
        .map(|i| {
            let start = even_start(i, n);
            let end = if i + 1 == n {
                MAX_HASH_KEY
            } else {
                even_start(i + 1, n) - 1
            };
            (start, end)
        })
        .collect()
}

impl Stream {
    /// A stream of `shard_count` evenly spaced open shards.
    pub(crate) fn create(
        shard_count: u32,
        retention: SimDuration,
        on_demand: bool,
        producer_keys: Vec<ProducerKeys>,
        max_open_shards: u32,
        key_seed: u64,
    ) -> Stream {
        let mut s = Stream {
            shards: Vec::new(),
            retention,
            on_demand,
            producer_keys,
            other_keys: Vec::new(),
            scalings: VecDeque::new(),
            max_open_shards,
            key_seed,
            spare_reads: Vec::new(),
            spare_push: None,
            spare_tips: Vec::new(),
            isolated_reads: false,
        };
        for (start, end) in even_ranges(shard_count.max(1)) {
            s.create_shard(start, end, None, None, SimTime::ZERO);
        }
        s
    }

    fn create_shard(
        &mut self,
        start: u128,
        end: u128,
        parent: Option<ShardId>,
        adjacent_parent: Option<ShardId>,
        now: SimTime,
    ) -> ShardId {
        let id = ShardId(self.shards.len() as u32);
        let slices = self
            .producer_keys
            .iter()
            .map(|pk| pk.slice_for(start, end))
            .collect();
        self.shards.push(Shard {
            info: ShardInfo {
                id,
                starting_hash_key: start,
                ending_hash_key: end,
                parent,
                adjacent_parent,
                children: Vec::new(),
                created_at: now,
                closed_at: None,
                state: ShardState::Open,
            },
            runs: VecDeque::new(),
            next_seq: 0,
            trim_seq: 0,
            write: WriteWindow::default(),
            read: vec![ReadBudget::default()],
            slices,
            tips: None,
        });
        id
    }

    fn close_shard(&mut self, id: ShardId, children: &[ShardId], now: SimTime) {
        let info = &mut self.shards[id.0 as usize].info;
        info.state = ShardState::Closed;
        info.closed_at = Some(now);
        info.children.extend_from_slice(children);
    }

    fn open_info(&self, id: ShardId) -> Result<&ShardInfo, Rejection> {
        match self.shard(id) {
            None
            | Some(ShardInfo {
                state: ShardState::Expired,
                ..
            }) => Err(reject(
                "ResourceNotFoundException",
                format!("{id} does not exist"),
            )),
            Some(i) if i.state != ShardState::Open => Err(reject(
                "ResourceInUseException",
                format!("{id} is CLOSED; only OPEN shards can be resharded"),
            )),
            Some(i) => Ok(i),
        }
    }

    fn provisioned_only(&self, op: &str) -> Result<(), Rejection> {
        if self.on_demand {
            Err(reject(
                "ValidationException",
                format!("{op} is available in PROVISIONED mode only; this stream is ON_DEMAND"),
            ))
        } else {
            Ok(())
        }
    }

    /// Splits an open shard at `new_starting_hash_key` (default: the midpoint).
    /// The new key must lie in `(StartingHashKey, EndingHashKey]`.
    /// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_SplitShard.html>
    pub(crate) fn split_shard(
        &mut self,
        shard: ShardId,
        new_starting_hash_key: Option<u128>,
        now: SimTime,
        by_on_demand: bool,
    ) -> Result<Reshard, Rejection> {
        if !by_on_demand {
            self.provisioned_only("SplitShard")?;
        }
        let info = self.open_info(shard)?;
        let (start, end) = (info.starting_hash_key, info.ending_hash_key);
        if start == end {
            return Err(reject(
                "InvalidArgumentException",
                format!("{shard} covers a single hash key and cannot be split"),
            ));
        }
        let at = new_starting_hash_key.unwrap_or(start + (end - start) / 2 + 1);
        if at <= start || at > end {
            return Err(reject(
                "InvalidArgumentException",
                format!(
                    "NewStartingHashKey {at} is outside ({start}, {end}], the range of {shard}"
                ),
            ));
        }
        if self.open_shard_count() + 1 > self.max_open_shards {
            return Err(reject(
                "LimitExceededException",
                format!(
                    "a split would open {} shards; the playground allows {}",
                    self.open_shard_count() + 1,
                    self.max_open_shards
                ),
            ));
        }
        Ok(self.do_split(shard, at, now))
    }

    fn do_split(&mut self, shard: ShardId, at: u128, now: SimTime) -> Reshard {
        let (start, end) = {
            let i = &self.shards[shard.0 as usize].info;
            (i.starting_hash_key, i.ending_hash_key)
        };
        let a = self.create_shard(start, at - 1, Some(shard), None, now);
        let b = self.create_shard(at, end, Some(shard), None, now);
        self.close_shard(shard, &[a, b], now);
        Reshard {
            closed: vec![shard],
            opened: vec![a, b],
        }
    }

    /// Merges two adjacent open shards: their ranges must touch with no gap.
    /// The child's `ParentShardId` is `ShardToMerge` and its
    /// `AdjacentParentShardId` is `AdjacentShardToMerge`.
    /// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_MergeShards.html>
    pub(crate) fn merge_shards(
        &mut self,
        shard: ShardId,
        adjacent: ShardId,
        now: SimTime,
    ) -> Result<Reshard, Rejection> {
        self.provisioned_only("MergeShards")?;
        let a = self.open_info(shard)?.clone();
        let b = self.open_info(adjacent)?.clone();
        if shard == adjacent {
            return Err(reject(
                "InvalidArgumentException",
                format!("cannot merge {shard} with itself"),
            ));
        }
        let touching = (a.ending_hash_key < MAX_HASH_KEY
            && a.ending_hash_key + 1 == b.starting_hash_key)
            || (b.ending_hash_key < MAX_HASH_KEY && b.ending_hash_key + 1 == a.starting_hash_key);
        if !touching {
            return Err(reject(
                "InvalidArgumentException",
                format!(
                    "{shard} and {adjacent} are not adjacent: their hash key ranges do not touch"
                ),
            ));
        }
        Ok(self.do_merge(shard, adjacent, now))
    }

    fn do_merge(&mut self, shard: ShardId, adjacent: ShardId, now: SimTime) -> Reshard {
        let (a, b) = (
            self.shards[shard.0 as usize].info.clone(),
            self.shards[adjacent.0 as usize].info.clone(),
        );
        let start = a.starting_hash_key.min(b.starting_hash_key);
        let end = a.ending_hash_key.max(b.ending_hash_key);
        let c = self.create_shard(start, end, Some(shard), Some(adjacent), now);
        self.close_shard(shard, &[c], now);
        self.close_shard(adjacent, &[c], now);
        Reshard {
            closed: vec![shard, adjacent],
            opened: vec![c],
        }
    }

    /// UpdateShardCount with `UNIFORM_SCALING`: at most double and at least
    /// half the open shards, at most 10 times per rolling 24 h, PROVISIONED
    /// mode only, within the playground's shard limit. It runs as pairwise
    /// splits (at every new boundary) and then merges, which leaves evenly
    /// spaced open shards and may create short-lived intermediate shards, as
    /// AWS describes.
    /// Source: <https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html>
    pub(crate) fn update_shard_count(
        &mut self,
        target: u32,
        now: SimTime,
    ) -> Result<Reshard, Rejection> {
        self.provisioned_only("UpdateShardCount")?;
        let current = self.open_shard_count();
        let day = SimDuration::from_secs(86_400).0;
        while self.scalings.front().is_some_and(|t| t.0 + day <= now.0) {
            self.scalings.pop_front();
        }
        if target == 0 {
            return Err(reject(
                "InvalidArgumentException",
                "TargetShardCount must be at least 1",
            ));
        }
        if u64::from(target) > 2 * u64::from(current) {
            return Err(reject(
                "LimitExceededException",
                format!(
                    "UpdateShardCount cannot scale up over double the open shard count: {current} open, target {target}"
                ),
            ));
        }
        if 2 * u64::from(target) < u64::from(current) {
            return Err(reject(
                "LimitExceededException",
                format!(
                    "UpdateShardCount cannot scale down below half the open shard count: {current} open, target {target}"
                ),
            ));
        }
        if target > self.max_open_shards {
            return Err(reject(
                "LimitExceededException",
                format!(
                    "target {target} is above the playground's {} shards",
                    self.max_open_shards
                ),
            ));
        }
        if self.scalings.len() >= MAX_SCALINGS_PER_24H {
            return Err(reject(
                "LimitExceededException",
                format!(
                    "UpdateShardCount was already called {MAX_SCALINGS_PER_24H} times in the last 24 hours"
                ),
            ));
        }
        self.scalings.push_back(now);
        let targets = even_ranges(target);
        let mut out = Reshard::default();
        // 1. Split every open shard at each target boundary inside it.
        for id in self.open_shards() {
            let mut piece = id;
            loop {
                let (start, end) = {
                    let i = &self.shards[piece.0 as usize].info;
                    (i.starting_hash_key, i.ending_hash_key)
                };
                let Some(&(b, _)) = targets.iter().find(|(b, _)| *b > start && *b <= end) else {
                    break;
                };
                let r = self.do_split(piece, b, now);
                out.closed.extend(&r.closed);
                out.opened.extend(&r.opened);
                piece = r.opened[1];
            }
        }
        // 2. Merge the pieces inside each target range, left to right.
        for &(start, end) in &targets {
            let pieces: Vec<ShardId> = self
                .open_shards()
                .into_iter()
                .filter(|id| {
                    let i = &self.shards[id.0 as usize].info;
                    i.starting_hash_key >= start && i.ending_hash_key <= end
                })
                .collect();
            let mut acc = pieces[0];
            for &next in &pieces[1..] {
                let r = self.do_merge(acc, next, now);
                out.closed.extend(&r.closed);
                out.opened.extend(&r.opened);
                acc = r.opened[0];
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_ranges_match_create_stream() {
        // Two shards: the split point is 2^127, as CreateStream makes it.
        let r = even_ranges(2);
        assert_eq!(r[0], (0, (1u128 << 127) - 1));
        assert_eq!(r[1], (1u128 << 127, MAX_HASH_KEY));
        // Three shards: floor(2^128/3) = 113427455640312821154458202477256070485.
        let r = even_ranges(3);
        assert_eq!(r[1].0, 113_427_455_640_312_821_154_458_202_477_256_070_485);
        assert_eq!(r[2].1, MAX_HASH_KEY);
        for n in 1..50 {
            let r = even_ranges(n);
            assert_eq!(r[0].0, 0);
            assert_eq!(r.last().unwrap().1, MAX_HASH_KEY);
            for w in r.windows(2) {
                assert_eq!(w[0].1 + 1, w[1].0);
            }
        }
    }
}
