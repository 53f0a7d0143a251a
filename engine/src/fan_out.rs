//! A consumer's side of enhanced fan-out: per shard, a buffer of the records its
//! subscription pushed and the job has not taken yet. The Flink source and the Glue
//! reader both take records from it at their own pace; a buffer holding `cap`
//! records pauses its subscription (backpressure), and it resumes once half are
//! taken. Source: <https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html>;
//! the cap of each consumer is an assumption named where it is set.

use crate::consumer::ConsumerCtx;
use crate::stream::{ReadBatch, ReadError, ShardId};

/// Per shard: one past the last record pushed, and whether the subscription is on.
/// (A Vec, not a map: a new map type costs kilobytes of bundle, and a job reads a
/// few shards.)
#[derive(Clone, Debug, Default)]
pub struct PushBuffers {
    shards: Vec<(ShardId, u64, bool)>,
}

impl PushBuffers {
    /// Takes up to `limit` records from `from` out of `shard`'s buffer, subscribing
    /// first if the subscription is off and the buffer holds at most `cap / 2`.
    pub fn take(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        from: u64,
        limit: u64,
        cap: u64,
    ) -> Result<ReadBatch, ReadError> {
        let from = from.max(ctx.stream().trim_seq(shard));
        let i = match self.shards.iter().position(|p| p.0 == shard) {
            Some(i) => i,
            None => {
                self.shards.push((shard, from, false));
                self.shards.len() - 1
            }
        };
        let (_, to, on) = &mut self.shards[i];
        *to = (*to).max(from);
        if !*on && *to - from <= cap / 2 {
            ctx.subscribe(shard, *to)
                .map_err(|_| ReadError::ResourceNotFound)?;
            *on = true;
        }
        let n = limit.min(*to - from);
        ctx.take_pushed(shard, from, n)
    }

    /// A push reached `to` on `shard`, whose reader stands at `at`: a buffer
    /// holding `cap` records pauses the subscription.
    pub fn pushed(
        &mut self,
        ctx: &mut ConsumerCtx<'_>,
        shard: ShardId,
        to: u64,
        at: Option<u64>,
        cap: u64,
    ) {
        let Some((_, end, on)) = self.shards.iter_mut().find(|p| p.0 == shard) else {
            return;
        };
        if !*on {
            return;
        }
        *end = (*end).max(to);
        if (*end).saturating_sub(at.unwrap_or(*end)) >= cap {
            *on = false;
            ctx.unsubscribe(shard);
        }
    }

    /// The reader stops: every subscription ends and the buffers are dropped (it
    /// reads again from its restored positions).
    pub fn end(&mut self, ctx: &mut ConsumerCtx<'_>) {
        for (shard, _, on) in std::mem::take(&mut self.shards) {
            if on {
                ctx.unsubscribe(shard);
            }
        }
    }
}
