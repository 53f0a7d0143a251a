//! Resharding: split, merge, UpdateShardCount rules, lineage, on-demand.

use shardscope_engine::stream::{ShardId, ShardState, MAX_HASH_KEY};
use shardscope_engine::trace::EventKind;
use shardscope_engine::Trace;

use crate::common::*;

fn rejections(t: &Trace) -> Vec<(&'static str, &'static str)> {
    t.events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ActionRejected { action, error, .. } => Some((*action, *error)),
            _ => None,
        })
        .collect()
}

fn open_ranges_cover_the_space(t: &Trace) {
    let mut open: Vec<_> = t
        .shards
        .iter()
        .filter(|s| s.state == ShardState::Open)
        .map(|s| (s.starting_hash_key, s.ending_hash_key))
        .collect();
    open.sort();
    assert_eq!(open[0].0, 0);
    assert_eq!(open.last().unwrap().1, MAX_HASH_KEY);
    for w in open.windows(2) {
        assert_eq!(w[0].1 + 1, w[1].0, "gap or overlap");
    }
}

/// 3,000 rec/s over 1,000 keys into one shard, split at 5 min. Before the
/// split the shard admits 1,000/s; afterwards each child gets about half the
/// keys (1,500 rec/s each, still above 1,000) and admits 1,000/s: 2,000/s.
/// Second 299 is the seam: 9 ticks to the parent (1,000 admitted) and the tick
/// at exactly 5:00, which goes to the children (about 300 more).
#[test]
fn a_split_doubles_admitted_throughput() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("web", 3000.0, 100, 1000, false),
        r#"{"at": "5m", "do": "split_shard", "ShardToSplit": "shardId-000000000000"}"#,
    );
    let t = run(&s, vec![("reader", poller())]);
    let incoming = values(stream_series(&t, "IncomingRecords"));
    assert!(incoming[..299].iter().all(|&v| v == 1_000));
    assert!(
        incoming[300..].iter().all(|&v| v == 2_000),
        "{:?}",
        &incoming[295..310]
    );
    assert_eq!(t.summary.stream.shards_total, 3);
    assert_eq!(t.summary.stream.open_shards_at_end, 2);
    let parent = &t.shards[0];
    assert_eq!(parent.state, ShardState::Closed);
    assert_eq!(parent.children, vec![ShardId(1), ShardId(2)]);
    assert_eq!(t.shards[1].parent, Some(ShardId(0)));
    assert_eq!(t.shards[1].ending_hash_key + 1, 1u128 << 127);
    assert_eq!(t.shards[2].starting_hash_key, 1u128 << 127);
    open_ranges_cover_the_space(&t);
    let c = &t.summary.consumers["reader"];
    assert_eq!(c.ordering_violations, 0);
    assert_conservation(&t);
}

/// Merge of the two children at 10 min, then lineage: the merged shard's
/// ParentShardId is ShardToMerge and its AdjacentParentShardId the other.
#[test]
fn merge_records_both_parents() {
    let s = scenario(
        "15m",
        &provisioned(2),
        &producer("web", 100.0, 100, 1000, false),
        r#"{"at": "10m", "do": "merge_shards", "ShardToMerge": "shardId-000000000001",
            "AdjacentShardToMerge": "shardId-000000000000"}"#,
    );
    let t = run(&s, vec![("reader", poller())]);
    assert!(rejections(&t).is_empty(), "{:?}", rejections(&t));
    let child = &t.shards[2];
    assert_eq!(child.parent, Some(ShardId(1)));
    assert_eq!(child.adjacent_parent, Some(ShardId(0)));
    assert_eq!(
        (child.starting_hash_key, child.ending_hash_key),
        (0, MAX_HASH_KEY)
    );
    let c = &t.summary.consumers["reader"];
    assert_eq!(c.ordering_violations, 0);
    assert_eq!(c.pending_at_end, c.records_in_scope - c.processed);
    assert_conservation(&t);
}

#[test]
fn invalid_reshards_are_rejected_with_aws_errors_and_the_run_goes_on() {
    let s = scenario(
        "10m",
        &provisioned(3),
        &producer("web", 100.0, 100, 1000, false),
        r#"{"at": "1m", "do": "merge_shards", "ShardToMerge": "shardId-000000000000",
            "AdjacentShardToMerge": "shardId-000000000002"},
           {"at": "2m", "do": "split_shard", "ShardToSplit": "shardId-000000000009"},
           {"at": "3m", "do": "split_shard", "ShardToSplit": "shardId-000000000000"},
           {"at": "4m", "do": "split_shard", "ShardToSplit": "shardId-000000000000"},
           {"at": "5m", "do": "update_shard_count", "TargetShardCount": 9},
           {"at": "6m", "do": "update_shard_count", "TargetShardCount": 1}"#,
    );
    let t = run(&s, vec![("reader", poller())]);
    assert_eq!(
        rejections(&t),
        vec![
            ("merge_shards", "InvalidArgumentException"),
            ("split_shard", "ResourceNotFoundException"),
            ("split_shard", "ResourceInUseException"),
            ("update_shard_count", "LimitExceededException"),
            ("update_shard_count", "LimitExceededException"),
        ]
    );
    // The split at 3 min went through: 4 open shards, and 10 min of writes
    // (60,000, less the remainders below one record that each producer×shard
    // route carries when a reshard re-routes it).
    assert_eq!(t.summary.stream.open_shards_at_end, 4);
    let n = t.summary.stream.incoming_records;
    assert!((59_995..=60_000).contains(&n), "{n}");
}

/// UpdateShardCount 2 → 5 is more than double: rejected. 2 → 4 → 2 → 4 …
/// ten times is fine; the eleventh within 24 h is rejected.
#[test]
fn update_shard_count_rules() {
    let mut timeline =
        vec![r#"{"at": "30s", "do": "update_shard_count", "TargetShardCount": 5}"#.to_string()];
    for i in 0..11 {
        let target = if i % 2 == 0 { 4 } else { 2 };
        timeline.push(format!(
            r#"{{"at": "{}m", "do": "update_shard_count", "TargetShardCount": {target}}}"#,
            i + 1
        ));
    }
    let s = scenario(
        "15m",
        &provisioned(2),
        &producer("web", 100.0, 100, 1000, false),
        &timeline.join(","),
    );
    let t = run(&s, vec![("reader", poller())]);
    assert_eq!(
        rejections(&t),
        vec![
            ("update_shard_count", "LimitExceededException"),
            ("update_shard_count", "LimitExceededException"),
        ]
    );
    let reason = t
        .events
        .iter()
        .rev()
        .find_map(|e| match &e.kind {
            EventKind::ActionRejected { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .unwrap();
    assert!(reason.contains("10 times"), "{reason}");
    // After 10 scalings (the last one to 2): 2 open shards, evenly spaced.
    assert_eq!(t.summary.stream.open_shards_at_end, 2);
    open_ranges_cover_the_space(&t);
    let c = &t.summary.consumers["reader"];
    assert_eq!(c.ordering_violations, 0);
    assert_conservation(&t);
}

/// 2 → 3 needs intermediate shards: split both at the new boundaries, then
/// merge the two middle pieces: 2 + 4 + 1 = 7 shards, 3 open, evenly spaced.
#[test]
fn uniform_scaling_to_an_odd_count_uses_intermediate_shards() {
    let s = scenario(
        "5m",
        &provisioned(2),
        &producer("web", 100.0, 100, 1000, false),
        r#"{"at": "1m", "do": "update_shard_count", "TargetShardCount": 3}"#,
    );
    let t = run(&s, vec![("reader", poller())]);
    assert_eq!(t.summary.stream.shards_total, 7);
    assert_eq!(t.summary.stream.open_shards_at_end, 3);
    let third = 113_427_455_640_312_821_154_458_202_477_256_070_485u128;
    let mut starts: Vec<u128> = t
        .shards
        .iter()
        .filter(|s| s.state == ShardState::Open)
        .map(|s| s.starting_hash_key)
        .collect();
    starts.sort();
    assert_eq!(starts, vec![0, third, 2 * third]);
    assert_eq!(t.summary.consumers["reader"].ordering_violations, 0);
    assert_conservation(&t);
}

/// The parser already refuses these; the engine refuses them too, for
/// scenarios built in code.
#[test]
fn on_demand_streams_refuse_manual_resharding() {
    let mut s = scenario(
        "5m",
        &provisioned(4),
        &producer("web", 10.0, 100, 100, false),
        r#"{"at": "1m", "do": "update_shard_count", "TargetShardCount": 8}"#,
    );
    s.stream.mode = shardscope_engine::scenario::StreamMode::OnDemand;
    let t = run(&s, vec![]);
    assert_eq!(
        rejections(&t),
        vec![("update_shard_count", "ValidationException")]
    );
    assert_eq!(t.summary.stream.open_shards_at_end, 4);
}

/// On demand: 4 shards; 2,400 rec/s of 1,000-byte records over 1,000 keys is
/// about 600 KB/s per shard, above the 500 KB/s threshold. After 15 minutes
/// of that, each shard is split at its midpoint: 8 open shards.
#[test]
fn on_demand_splits_shards_that_stay_above_500_kb_per_second() {
    let s = parse(
        r#"{"format": "shardscope/1", "duration": "20m",
            "stream": {"StreamModeDetails": {"StreamMode": "ON_DEMAND"}},
            "producers": [{"name": "web", "records_per_second": 2400, "record_bytes": 1000}]}"#,
    );
    let t = run(&s, vec![("reader", poller())]);
    let splits: Vec<_> = t
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Reshard {
                    operation: "OnDemandSplit",
                    ..
                }
            )
        })
        .collect();
    assert_eq!(splits.len(), 4);
    for e in &splits {
        let secs = e.at.as_secs_f64();
        assert!((900.0..902.0).contains(&secs), "split at {secs}");
    }
    assert_eq!(t.summary.stream.open_shards_at_end, 8);
    assert_eq!(t.summary.stream.write_throttled_records, 0);
    open_ranges_cover_the_space(&t);
    assert_eq!(t.summary.consumers["reader"].ordering_violations, 0);
    assert_conservation(&t);
}

/// On demand does not isolate a hot key: 1,500 rec/s on "k-0" (plus its share
/// of the rest) throttles shard 1, whose 1,000 admitted 800-byte records per
/// second (800 KB/s) get it split after 15 minutes; the hot key lands on one
/// child and still throttles there.
#[test]
fn on_demand_still_throttles_a_hot_key() {
    let s = parse(
        r#"{"format": "shardscope/1", "duration": "20m",
            "stream": {"StreamModeDetails": {"StreamMode": "ON_DEMAND"}},
            "producers": [{"name": "web", "records_per_second": 3000, "record_bytes": 800,
                           "hot_key_share": 0.5, "retry_throttled": false}]}"#,
    );
    let t = run(&s, vec![]);
    assert_eq!(t.summary.stream.open_shards_at_end, 5);
    let throttled = values(stream_series(&t, "WriteProvisionedThroughputExceeded"));
    assert!(throttled[throttled.len() - 10..].iter().all(|&v| v > 0));
}
