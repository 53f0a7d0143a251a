//! What the playhead shows: each consumer's record counters at one instant, and where the
//! next incident is. Read from the per-consumer counter series the engine samples every
//! second (the last value of each metric period).

use shardscope_engine::sim::{DISCARDED, EXPIRED_UNPROCESSED, PENDING, PROCESSED, REDELIVERIES};
use shardscope_engine::stream::ShardId;
use shardscope_engine::trace::Trace;

use crate::marks::markers;
use crate::TimeAxis;

/// The counters, in display order: (label, series name).
pub const COUNTERS: [(&str, &str); 5] = [
    ("processed", PROCESSED),
    ("pending", PENDING),
    ("discarded", DISCARDED),
    ("expired", EXPIRED_UNPROCESSED),
    ("redelivered", REDELIVERIES),
];

/// Per consumer (in name order), its counters at `t_us`: the last sample at or before it;
/// at the end of the run, the summary's own figures.
pub fn counters_at(trace: &Trace, t_us: u64) -> Vec<(String, [u64; 5])> {
    if t_us >= trace.duration_us {
        return trace
            .summary
            .consumers
            .iter()
            .map(|(name, c)| {
                let v = [
                    c.processed,
                    c.pending_at_end,
                    c.discarded,
                    c.expired_unprocessed,
                    c.redeliveries,
                ];
                (name.clone(), v)
            })
            .collect();
    }
    let names = crate::map_of(
        trace
            .series
            .iter()
            .filter_map(|s| Some((s.consumer.as_deref()?, ()))),
    );
    names
        .into_keys()
        .filter_map(|name| {
            let mut values = [0u64; 5];
            let mut found = false;
            for (k, (_, metric)) in COUNTERS.iter().enumerate() {
                let Some(s) = trace.series.iter().find(|s| {
                    s.metric == *metric && s.consumer.as_deref() == Some(name) && s.shard.is_none()
                }) else {
                    continue;
                };
                found = true;
                // Point i holds the state at the end of period i: at `t_us` the latest
                // state known is that of the last period that ended by then.
                let period = s.period_ms.max(1) * 1_000;
                let ended = (t_us / period) as usize;
                let upto = ended.saturating_sub(s.start_index).min(s.values.len());
                values[k] = s.values[..upto].iter().rev().find_map(|v| *v).unwrap_or(0);
            }
            found.then(|| (name.to_string(), values))
        })
        .collect()
}

/// How far one consumer has read one shard at a playhead time.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadPosition {
    pub consumer: String,
    pub shard: ShardId,
    /// Arrival time of the newest record read: when the age was seen, minus the age.
    pub at_us: u64,
    /// The IteratorAge it comes from (ms).
    pub age_ms: u64,
}

/// Each consumer's read position on each shard at `t_us`, from its per-shard
/// `IteratorAgeMilliseconds` (the age of the newest record read, in the last
/// period with a read that ended by `t_us`): it has read everything that
/// arrived by that period's end minus the age (to within one period). A
/// blocked shard's position stays put while the playhead moves.
/// None for a shard the consumer had not read by then.
pub fn read_positions(trace: &Trace, t_us: u64) -> Vec<ReadPosition> {
    let out: Vec<ReadPosition> = trace
        .series
        .iter()
        .filter(|s| s.metric == "IteratorAgeMilliseconds")
        .filter_map(|s| {
            let (consumer, shard) = (s.consumer.as_deref()?, s.shard?);
            let period = s.period_ms.max(1) * 1_000;
            // The samples of the periods that ended by `t_us` (as for the counters).
            let ended = (t_us / period) as usize;
            let upto = ended.saturating_sub(s.start_index).min(s.values.len());
            let (j, age_ms) = s.values[..upto]
                .iter()
                .enumerate()
                .rev()
                .find_map(|(j, v)| Some((j, (*v)?)))?;
            // The age was observed in period j (at its end, within one period): a stale
            // sample (a blocked shard reads only at its retries) still places the position.
            let seen_us = (s.start_index + j + 1) as u64 * period;
            Some(ReadPosition {
                consumer: consumer.to_string(),
                shard,
                at_us: seen_us.min(t_us).saturating_sub(age_ms * 1_000),
                age_ms,
            })
        })
        .collect();
    let names: Vec<&str> = out.iter().map(|p| p.consumer.as_str()).collect();
    let ranks = shardscope_engine::order::ranks(&names);
    let keys: Vec<u128> = out
        .iter()
        .map(|p| {
            (shardscope_engine::order::rank_of(&ranks, &p.consumer) << 32) | u128::from(p.shard.0)
        })
        .collect();
    shardscope_engine::order::rearrange(out, &shardscope_engine::order::stable_order(keys))
}

/// The time of the first incident or action strictly after `t_us`, if any.
pub fn next_incident(trace: &Trace, t_us: u64) -> Option<u64> {
    let axis = TimeAxis::whole(trace.duration_us, 1.0);
    markers(&trace.events, &axis)
        .into_iter()
        .map(|m| m.at_us)
        .find(|at| *at > t_us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::{scenario, Simulation};

    /// 10 records/s on each of 2 shards, a mapping that keeps up, a poison record at
    /// 60 s on one shard (default retries: it blocks until the end of the run).
    #[test]
    fn read_positions_stay_behind_a_blocked_shard() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "3m", "stream": { "ShardCount": 2 },
                 "producers": [ { "name": "p", "records_per_second": 20, "partition_keys": 100 } ],
                 "consumers": [ { "kind": "lambda", "name": "fn",
                                  "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
                 "timeline": [ { "at": "60s", "do": "poison", "partition_key": "k-1" } ] }"#,
        )
        .unwrap();
        let t = Simulation::new(&s).unwrap().finish();
        let poisoned = t
            .events
            .iter()
            .find_map(|e| match &e.kind {
                shardscope_engine::trace::EventKind::PoisonWritten { shard, .. } => Some(*shard),
                _ => None,
            })
            .unwrap();
        let at = |sec: u64| read_positions(&t, sec * 1_000_000);
        assert!(at(0).is_empty(), "nothing read at the start");
        // At 30 s both shards are read to within a poll (1 s) and a batch of the playhead.
        let p30 = at(30);
        assert_eq!(p30.len(), 2);
        for p in &p30 {
            assert!(p.age_ms <= 2_000, "{p:?}");
            assert!(p.at_us + 3_000_000 >= 30_000_000, "{p:?}");
        }
        // Later, the poisoned shard stays at its batch (about 60 s), the other keeps up.
        for sec in [90u64, 150, 179] {
            for p in at(sec) {
                if p.shard == poisoned {
                    assert!((55_000_000..=61_000_000).contains(&p.at_us), "{sec}: {p:?}");
                } else {
                    assert!(p.at_us + 3_000_000 >= sec * 1_000_000, "{sec}: {p:?}");
                }
            }
        }
    }

    #[test]
    fn counters_follow_the_run_and_end_at_the_summary() {
        // 10 records/s into one shard for 2 minutes, a mapping that keeps up; a poison
        // record at 60 s blocks the shard (default retries) until the end.
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "2m", "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 10 } ],
                 "consumers": [ { "kind": "lambda", "name": "fn",
                                  "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
                 "timeline": [ { "at": "60s", "do": "poison" } ] }"#,
        )
        .unwrap();
        let t = Simulation::new(&s).unwrap().finish();
        let at = |sec: u64| counters_at(&t, sec * 1_000_000)[0].1;
        assert_eq!(at(0), [0; 5], "nothing has happened at the start");
        // At 30 s about 300 records are processed and almost none pending.
        assert!(at(30)[0].abs_diff(300) <= 20, "{:?}", at(30));
        assert!(at(30)[1] <= 20);
        // After the poison nothing more is processed, and the backlog grows by 10/s.
        assert_eq!(at(90)[0], at(119)[0]);
        assert!(at(119)[1] > at(90)[1] + 250);
        let c = &t.summary.consumers["fn"];
        let end = counters_at(&t, t.duration_us)[0].1;
        assert_eq!(
            (end[0], end[1], end[2]),
            (c.processed, c.pending_at_end, c.discarded)
        );
        assert_eq!(next_incident(&t, 0), Some(60_000_000));
        assert_eq!(next_incident(&t, 60_000_000), None);
    }
}
