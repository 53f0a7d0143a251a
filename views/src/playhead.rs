//! What the playhead shows: each consumer's record counters at one instant, and where the
//! next incident is. Read from the per-consumer counter series the engine samples every
//! second (the last value of each metric period).

use shardscope_engine::sim::{DISCARDED, EXPIRED_UNPROCESSED, PENDING, PROCESSED, REDELIVERIES};
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
    let mut names: Vec<&str> = trace
        .series
        .iter()
        .filter_map(|s| s.consumer.as_deref())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
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
