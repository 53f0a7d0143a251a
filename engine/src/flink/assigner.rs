//! Shards to subtasks. The Kinesis source's default `UniformShardAssigner`
//! spreads shards evenly over the subtasks by their hash key ranges; with more
//! subtasks than shards, some subtasks read nothing.
//! Source: `flink-connector-aws` Kinesis source docs (`reference/flink-and-kda-sql.md` A8).
//!
//! Assumption: each shard, in shard-id order, goes to the subtask with the least
//! hash key space so far (ties: the lowest index).

use crate::stream::{ShardId, ShardInfo};

/// The subtask of each shard of `shards`, for `parallelism` subtasks.
pub fn assign(shards: &[&ShardInfo], parallelism: u32) -> Vec<(ShardId, u32)> {
    let mut load = vec![0u128; parallelism.max(1) as usize];
    let mut out = Vec::with_capacity(shards.len());
    for s in shards {
        let mut best = 0;
        for (i, l) in load.iter().enumerate() {
            if *l < load[best] {
                best = i;
            }
        }
        let width = s.ending_hash_key - s.starting_hash_key;
        load[best] = load[best].saturating_add(width).saturating_add(1);
        out.push((s.id, best as u32));
    }
    out
}
