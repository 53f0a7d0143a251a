//! Reading shards parents before children: a child shard is read only once every
//! parent has been read to its end (or has expired), so each partition key stays in
//! order across splits and merges. KCL, the Lambda mapping, Firehose and the Flink
//! source all follow this rule.
//! Source: <https://docs.aws.amazon.com/streams/latest/dev/kinesis-using-sdk-java-after-resharding.html>

use crate::consumer::ConsumerCtx;
use crate::scenario::StartingPosition;
use crate::shard_map::ShardMap;
use crate::stream::{ShardId, ShardState};

/// Where a reader is on one shard.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ShardRead {
    /// Waiting for its parents to be read to their end.
    Waiting,
    /// Being read; the next sequence number to read.
    Reading(u64),
    /// Read to its end.
    Done,
}

/// A reader's progress on every shard it knows, by shard id (a [`ShardMap`]: a reader
/// looks its shards up on every read).
#[derive(Clone, Debug, Default)]
pub struct ShardReads {
    shards: ShardMap<ShardRead>,
}

impl ShardReads {
    fn set(&mut self, shard: ShardId, r: ShardRead) {
        self.shards.insert(shard, r);
    }

    /// Every live shard waits; those without unread parents start at `pos`. Returns
    /// the shards started, in shard order.
    pub fn begin(&mut self, ctx: &ConsumerCtx<'_>, pos: StartingPosition) -> Vec<ShardId> {
        let live: Vec<ShardId> = ctx
            .shards()
            .iter()
            .filter(|i| i.state != ShardState::Expired)
            .map(|i| i.id)
            .collect();
        for &id in &live {
            self.set(id, ShardRead::Waiting);
        }
        if pos == StartingPosition::Latest {
            // Nothing in a closed shard is after LATEST: its children start at LATEST too.
            for &id in &live {
                if ctx.shard(id).is_some_and(|i| i.state == ShardState::Closed) {
                    self.set(id, ShardRead::Done);
                }
            }
        }
        live.into_iter()
            .filter(|&id| self.start_if_ready(ctx, id, pos))
            .collect()
    }

    /// `shard` was read to its end: each child whose parents are all read starts at
    /// its beginning. Returns the children started.
    pub fn finished(
        &mut self,
        ctx: &ConsumerCtx<'_>,
        shard: ShardId,
        children: &[ShardId],
    ) -> Vec<ShardId> {
        self.set(shard, ShardRead::Done);
        children
            .iter()
            .copied()
            .filter(|&c| self.opened(ctx, c))
            .collect()
    }

    /// A shard created by a reshard: it starts at its beginning if its parents are read.
    /// Returns whether it started.
    pub fn opened(&mut self, ctx: &ConsumerCtx<'_>, shard: ShardId) -> bool {
        if !self.knows(shard) {
            self.set(shard, ShardRead::Waiting);
        }
        self.start_if_ready(ctx, shard, StartingPosition::TrimHorizon)
    }

    fn start_if_ready(
        &mut self,
        ctx: &ConsumerCtx<'_>,
        shard: ShardId,
        pos: StartingPosition,
    ) -> bool {
        if self.get(shard) != Some(ShardRead::Waiting) || !self.parents_done(ctx, shard) {
            return false;
        }
        self.set(shard, ShardRead::Reading(ctx.position(shard, pos)));
        true
    }

    fn parents_done(&self, ctx: &ConsumerCtx<'_>, shard: ShardId) -> bool {
        ctx.shard(shard).is_none_or(|info| {
            info.parents().all(|p| {
                self.get(p).is_none_or(|r| r == ShardRead::Done)
                    || ctx.shard(p).is_none_or(|i| i.state == ShardState::Expired)
            })
        })
    }

    /// The next sequence number to read on `shard`, if it is being read.
    pub fn position(&self, shard: ShardId) -> Option<u64> {
        match self.get(shard) {
            Some(ShardRead::Reading(at)) => Some(at),
            _ => None,
        }
    }

    /// Moves the read position of a shard being read.
    pub fn advance(&mut self, shard: ShardId, next: u64) {
        if let Some(r @ ShardRead::Reading(_)) = self.shards.get_mut(shard) {
            *r = ShardRead::Reading(next);
        }
    }

    /// True if the reader knows `shard` (waiting, reading or done).
    pub fn knows(&self, shard: ShardId) -> bool {
        self.get(shard).is_some()
    }

    /// Where a reader is on `shard`, if it knows it.
    pub fn get(&self, shard: ShardId) -> Option<ShardRead> {
        self.shards.get(shard).copied()
    }

    /// Every shard this reader knows, with where it is, in shard order.
    pub fn all(&self) -> impl Iterator<Item = (ShardId, ShardRead)> + '_ {
        self.shards.iter().map(|(s, &r)| (s, r))
    }

    /// Shards created since this reader last saw the stream (a restored checkpoint
    /// predates them) start like new shards. Returns those started.
    pub fn adopt(&mut self, ctx: &ConsumerCtx<'_>) -> Vec<ShardId> {
        let unknown: Vec<ShardId> = ctx
            .shards()
            .iter()
            .filter(|i| i.state != ShardState::Expired && !self.knows(i.id))
            .map(|i| i.id)
            .collect();
        for &id in &unknown {
            self.set(id, ShardRead::Waiting);
        }
        unknown
            .into_iter()
            .filter(|&id| self.opened(ctx, id))
            .collect()
    }

    /// The shards being read, in shard order: a list, for a caller that reads them while
    /// it changes the reader (a shard read to its end starts its children).
    pub fn reading(&self) -> Vec<ShardId> {
        self.shards_reading().collect()
    }

    /// [`Self::reading`] without the list, for a caller that only looks (every step's
    /// lag, say: a list a step is an allocation and its free).
    pub fn shards_reading(&self) -> impl Iterator<Item = ShardId> + '_ {
        self.all()
            .filter(|(_, r)| matches!(r, ShardRead::Reading(_)))
            .map(|(s, _)| s)
    }
}
