//! Labelled markers for incidents and operator actions, and bars for episodes (write
//! throttling, records expiring unread), placed on the timeline.

use shardscope_engine::stream::ShardId;
use shardscope_engine::trace::{Cause, EventKind, TraceEvent};

use crate::axis::TimeAxis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// An action of the timeline that took effect.
    Action,
    /// An action AWS would have refused (the reason is in the label).
    Rejected,
    /// A poison record written.
    Poison,
}

/// A vertical marker across the lanes.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    pub x: f64,
    pub at_us: u64,
    pub kind: MarkerKind,
    /// Short, for the axis.
    pub label: String,
    /// Longer, for the tooltip and the inspector.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpisodeKind {
    WriteThrottled,
    ReadThrottled,
    Expired,
}

/// A span on one shard's lane.
#[derive(Clone, Debug, PartialEq)]
pub struct Episode {
    pub shard: ShardId,
    pub x0: f64,
    pub x1: f64,
    pub kind: EpisodeKind,
    pub detail: String,
}

/// The markers of `events` on `axis` (outside the window too: the caller clips).
pub fn markers(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Marker> {
    let mut out: Vec<Marker> = Vec::new();
    for e in events {
        let (kind, label, detail) = match (&e.cause, &e.kind) {
            (_, EventKind::PoisonWritten { shard, partition_key, count, sequence_number }) => (
                MarkerKind::Poison,
                "poison".to_string(),
                format!(
                    "{count} poison record(s) with key {partition_key} written to {shard} at sequence number {sequence_number}"
                ),
            ),
            (Cause::Timeline { .. }, EventKind::ActionApplied { action }) => {
                (MarkerKind::Action, action.to_string(), format!("{action} applied"))
            }
            (_, EventKind::ActionRejected { action, error, reason }) => (
                MarkerKind::Rejected,
                format!("{action} ✗"),
                format!("{action} rejected: {error}: {reason}"),
            ),
            (_, EventKind::Reshard { operation, closed, opened, open_shards }) => (
                MarkerKind::Action,
                operation.to_string(),
                format!(
                    "{operation}: closed {}, opened {}; {open_shards} open shards",
                    list(closed),
                    list(opened)
                ),
            ),
            _ => continue,
        };
        let at_us = e.at.0;
        // One marker per instant: an action's ActionApplied and its effect (a Reshard, a
        // PoisonWritten) describe the same moment; the most telling kind names it.
        if let Some(last) = out.last_mut() {
            if last.at_us == at_us {
                if kind != MarkerKind::Action || last.kind == MarkerKind::Action {
                    last.kind = kind;
                    last.label = label;
                }
                last.detail = format!("{}; {detail}", last.detail);
                continue;
            }
        }
        out.push(Marker {
            x: axis.x(at_us),
            at_us,
            kind,
            label,
            detail,
        });
    }
    out
}

/// Throttling and expiry episodes, per shard.
pub fn episodes(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Episode> {
    events
        .iter()
        .filter_map(|e| {
            let (shard, until, kind, detail) = match &e.kind {
                EventKind::WriteThrottled { shard, until, records, dropped } => (
                    *shard,
                    *until,
                    EpisodeKind::WriteThrottled,
                    format!("{records} put(s) throttled on {shard} (WriteProvisionedThroughputExceeded), {dropped} dropped"),
                ),
                EventKind::ReadThrottled { consumer, shard, until, calls } => (
                    *shard,
                    *until,
                    EpisodeKind::ReadThrottled,
                    format!("{calls} GetRecords call(s) of {consumer} throttled on {shard} (ReadProvisionedThroughputExceeded)"),
                ),
                EventKind::RecordsExpired { consumer, shard, until, records } => (
                    *shard,
                    *until,
                    EpisodeKind::Expired,
                    format!("{records} record(s) expired on {shard} before {consumer} processed them"),
                ),
                _ => return None,
            };
            // An episode lasts at least one second (its events are per second).
            let end = until.0.max(e.at.0).saturating_add(1_000_000);
            Some(Episode { shard, x0: axis.x(e.at.0), x1: axis.x(end), kind, detail })
        })
        .collect()
}

fn list(ids: &[ShardId]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::{scenario, Simulation};

    #[test]
    fn a_reshard_a_poison_and_a_refused_action_become_markers() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "10m",
                 "stream": { "ShardCount": 2 },
                 "producers": [ { "name": "p", "records_per_second": 1500, "retry_throttled": false,
                                  "partition_keys": 1, "hot_key_share": 1 } ],
                 "timeline": [
                   { "at": "1m", "do": "poison", "partition_key": "k-0" },
                   { "at": "2m", "do": "update_shard_count", "TargetShardCount": 4 },
                   { "at": "3m", "do": "update_shard_count", "TargetShardCount": 9 } ] }"#,
        )
        .unwrap();
        let trace = Simulation::new(&s).unwrap().finish();
        let axis = TimeAxis::whole(trace.duration_us, 600.0);
        let m = markers(&trace.events, &axis);
        let kinds: Vec<(MarkerKind, f64)> = m.iter().map(|m| (m.kind, m.x)).collect();
        assert_eq!(
            kinds,
            [
                (MarkerKind::Poison, 60.0),
                (MarkerKind::Action, 120.0),
                (MarkerKind::Rejected, 180.0)
            ]
        );
        assert!(
            m[2].detail.contains("update_shard_count rejected"),
            "{}",
            m[2].detail
        );

        // One hot key at 1,500 records/s: its shard is throttled the whole run.
        let e = episodes(&trace.events, &axis);
        assert!(e
            .iter()
            .any(|e| e.kind == EpisodeKind::WriteThrottled && e.x0 == 0.0));
    }
}
