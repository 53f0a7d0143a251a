//! Routing by MD5 over the 128-bit hash space, and ExplicitHashKey.
//!
//! The expected shards are worked out by hand from the MD5 digests (hex):
//!
//! | key   | MD5 (first bytes) | of 2 shards (split at 0x80…) | of 4 shards (0x40…, 0x80…, 0xC0…) |
//! |-------|-------------------|------------------------------|-----------------------------------|
//! | k-0   | 53233dbd…         | 0                            | 1                                 |
//! | k-1   | 14464ac1…         | 0                            | 0                                 |
//! | k-3   | b648fdd6…         | 1                            | 2                                 |
//! | k-4   | ffc4469b…         | 1                            | 3                                 |
//! | k-42  | 648342e1…         | 0                            | 1                                 |

use shardscope_engine::stream::ShardId;
use shardscope_engine::trace::EventKind;

use crate::common::*;

fn poison_shard(shards: u32, key: &str) -> u32 {
    let s = scenario(
        "10s",
        &provisioned(shards),
        "",
        &format!(r#"{{"at": "1s", "do": "poison", "partition_key": "{key}"}}"#),
    );
    let t = run(&s, vec![]);
    t.events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::PoisonWritten { shard, .. } => Some(shard.0),
            _ => None,
        })
        .expect("poison written")
}

#[test]
fn keys_route_to_the_shard_owning_their_md5() {
    let cases = [
        ("k-0", 0, 1),
        ("k-1", 0, 0),
        ("k-3", 1, 2),
        ("k-4", 1, 3),
        ("k-42", 0, 1),
    ];
    for (key, of2, of4) in cases {
        assert_eq!(poison_shard(2, key), of2, "{key} of 2 shards");
        assert_eq!(poison_shard(4, key), of4, "{key} of 4 shards");
    }
}

fn per_shard_incoming(t: &shardscope_engine::Trace, shard: u32) -> u64 {
    t.series
        .iter()
        .filter(|s| s.metric == "IncomingRecords" && s.shard == Some(ShardId(shard)))
        .flat_map(|s| s.values.iter().map(|v| v.unwrap_or(0)))
        .sum()
}

/// A producer with a single key ("k-0") writes only to shard 1 of 4.
#[test]
fn a_single_key_lands_on_one_shard() {
    let s = scenario(
        "1m",
        &provisioned(4),
        &producer("one", 100.0, 100, 1, false),
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(per_shard_incoming(&t, 1), 6_000);
    for other in [0, 2, 3] {
        assert_eq!(per_shard_incoming(&t, other), 0);
    }
}

/// ExplicitHashKey replaces the MD5: "0" is in shard 0's range.
#[test]
fn explicit_hash_key_pins_the_shard() {
    let s = scenario(
        "1m",
        &provisioned(4),
        r#"{"name": "pinned", "records_per_second": 100, "record_bytes": 100,
            "partition_keys": 1000, "ExplicitHashKey": "0"}"#,
        "",
    );
    let t = run(&s, vec![]);
    assert_eq!(per_shard_incoming(&t, 0), 6_000);
    assert_eq!(t.summary.stream.incoming_records, 6_000);
}

/// Uniform keys spread over shards in proportion to the keys each owns: with
/// 100,000 keys every one of 4 shards gets 25 % ± 1 %. The total is 120,000
/// less the remainders (below one record each) the 4 routes still carry.
#[test]
fn many_keys_spread_evenly() {
    let s = scenario(
        "1m",
        &provisioned(4),
        &producer("web", 2000.0, 100, 100_000, false),
        "",
    );
    let t = run(&s, vec![]);
    let total = t.summary.stream.incoming_records;
    assert!((119_996..=120_000).contains(&total), "{total}");
    for shard in 0..4 {
        let share = per_shard_incoming(&t, shard) as f64 / total as f64;
        assert!((share - 0.25).abs() < 0.01, "shard {shard}: {share}");
    }
}

/// A hot key throttles the shard that owns it: half of 3,000 rec/s on "k-0"
/// is 1,500 rec/s for shard 1 of 4, above its 1,000 rec/s.
#[test]
fn a_hot_key_throttles_its_shard() {
    let s = scenario(
        "1m",
        &provisioned(4),
        r#"{"name": "web", "records_per_second": 3000, "record_bytes": 100,
            "partition_keys": 1000, "hot_key_share": 0.5, "retry_throttled": false}"#,
        "",
    );
    let t = run(&s, vec![]);
    assert!(t.summary.stream.write_throttled_records > 0);
    let throttled_shards: Vec<ShardId> = t
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::WriteThrottled { shard, .. } => Some(*shard),
            _ => None,
        })
        .collect();
    assert_eq!(throttled_shards, vec![ShardId(1)]);
}
