//! ParallelizationFactor (1–10): up to PF batches of one shard at once, with
//! records grouped by partition key into lanes ("virtual shards") so that
//! each key's records go through in order; maximum concurrency per mapping is
//! shards × PF, and effective parallelism is capped by the number of distinct
//! keys. Sources: <https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html>,
//! <http://aws.amazon.com/blogs/compute/new-aws-lambda-scaling-controls-for-kinesis-and-dynamodb-event-sources/>,
//! <https://aws.amazon.com/blogs/compute/using-aws-lambda-as-a-consumer-for-amazon-kinesis/>
//!
//! Model (cost grows with invocations, not records): a key's lane is a hash of
//! the key modulo PF. The lanes a shard really uses, and each lane's share of
//! its records, are derived once from the keys the producers route to the
//! shard (a 3-key shard uses at most 3 lanes). Each read is split into one
//! batch per used lane, in proportion to the lane's share, each lane's batch
//! a contiguous stretch of the read that stands for that lane's records.
//!
//! Assumption (AWS documents per-key order, not how far healthy lanes may run
//! ahead of a failing one): the lanes of a shard advance together — the next
//! read is split when every lane has finished its batch of the previous one;
//! so a failing lane holds back its shard's next read, as at PF 1, while its
//! sibling lanes have finished their part.

use crate::rng::mix64;
use crate::stream::{ShardId, Stream};

/// Label for the trace.
pub const ASSUMPTION: &str = "PF lanes: keys hashed to lanes; a shard's lanes advance together, each read split by the lanes' key shares";

/// The lane of key `k` with `pf` lanes.
pub fn lane_of(key: u32, pf: u32) -> u32 {
    (mix64(u64::from(key) ^ 0x6c61_6d62_6461) % u64::from(pf.max(1))) as u32
}

/// The lanes `shard` uses with `pf` lanes, as relative weights (only lanes
/// with at least one key; at least one lane).
pub fn weights(stream: &Stream, shard: ShardId, pf: u32) -> Vec<u128> {
    let pf = pf.clamp(1, 10);
    if pf == 1 {
        return vec![1];
    }
    let mut w = vec![0u128; pf as usize];
    if let Some(s) = stream.shards.get(shard.0 as usize) {
        for (p, slice) in s.slices.iter().enumerate() {
            let Some(pk) = stream.producer_keys.get(p) else {
                continue;
            };
            if slice.weight == 0 {
                continue;
            }
            let cold = u128::from(1_000_000 - pk.hot_ppm.min(1_000_000));
            let ids = &pk.keys.ids;
            for pos in slice.lo..slice.hi {
                if let Some(&k) = ids.get(pos as usize) {
                    w[lane_of(k, pf) as usize] += cold;
                }
            }
            if slice.hot {
                w[lane_of(0, pf) as usize] += u128::from(pk.hot_ppm) * u128::from(pk.keys.len());
            }
        }
    }
    let used: Vec<u128> = w.into_iter().filter(|&x| x > 0).collect();
    if used.is_empty() {
        vec![1]
    } else {
        used
    }
}

/// Splits `n` records among lanes of `weights` (largest remainders go to the
/// first lanes), each lane at most `cap`.
pub fn split(n: u64, weights: &[u128], cap: u64) -> Vec<u64> {
    if weights.len() == 1 {
        return vec![n.min(cap)];
    }
    let total: u128 = weights.iter().sum::<u128>().max(1);
    let mut out: Vec<u64> = weights
        .iter()
        .map(|&w| (u128::from(n) * w / total) as u64)
        .collect();
    let mut left = n - out.iter().sum::<u64>();
    for x in out.iter_mut() {
        if left == 0 {
            break;
        }
        *x += 1;
        left -= 1;
    }
    for x in out.iter_mut() {
        *x = (*x).min(cap);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_proportional_and_capped() {
        assert_eq!(split(100, &[1], 100), vec![100]);
        assert_eq!(split(10, &[1, 1, 1], 100), vec![4, 3, 3]);
        assert_eq!(split(1000, &[1, 1], 100), vec![100, 100]);
        assert_eq!(split(300, &[2, 1], 1000), vec![200, 100]);
    }

    #[test]
    fn lanes_spread_keys() {
        let used: std::collections::BTreeSet<u32> = (0..1000).map(|k| lane_of(k, 10)).collect();
        assert_eq!(used.len(), 10);
    }
}
