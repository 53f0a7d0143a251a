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
    /// Which of the [`LABEL_ROWS`] rows its label sits in, so that nearby labels do not
    /// overlap.
    pub row: usize,
}

/// Rows of marker labels above the lanes.
pub const LABEL_ROWS: usize = 2;

/// The width a marker label takes, in pixels (11 px system-ui text, with a gap).
pub fn label_width(label: &str) -> f64 {
    6.5 * label.chars().count() as f64 + 10.0
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
            // The consumer actions (deploy, set_mapping, recreate_mapping) are reported by
            // the consumer that applies them.
            (_, EventKind::Lambda(l))
                if matches!(l.what, "deploy" | "set_mapping" | "recreate_mapping") =>
            {
                (MarkerKind::Action, l.what.to_string(), format!("{}: {}", l.what, l.why))
            }
            // Firehose outages are reported by the consumer they hit.
            (_, EventKind::Firehose(f))
                if matches!(f.what, "destination_outage" | "backup_outage") =>
            {
                let until = crate::axis::clock(f.until_ms.unwrap_or(0) * 1_000);
                (MarkerKind::Action, f.what.to_string(), format!("{} until {until}: {}", f.what, f.why))
            }
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
            row: 0,
            x: axis.x(at_us),
            at_us,
            kind,
            label,
            detail,
        });
    }
    // Each label goes in the first row where it clears the previous label, else in the
    // row whose last label ends first.
    let mut ends = [f64::NEG_INFINITY; LABEL_ROWS];
    for m in &mut out {
        let row = (0..LABEL_ROWS)
            .find(|r| ends[*r] <= m.x)
            .unwrap_or_else(|| {
                (0..LABEL_ROWS)
                    .min_by(|a, b| ends[*a].total_cmp(&ends[*b]))
                    .unwrap_or(0)
            });
        m.row = row;
        ends[row] = m.x + label_width(&m.label);
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

/// A reprocessing rewind: `recreate_mapping` at `from_us` starts reading again at `to_us`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rewind {
    pub consumer: String,
    pub from_us: u64,
    pub to_us: u64,
}

/// The rewinds of a scenario's timeline: AT_TIMESTAMP goes back to its timestamp,
/// TRIM_HORIZON to the oldest record still retained; LATEST does not go back.
pub fn rewinds(s: &shardscope_engine::scenario::Scenario) -> Vec<Rewind> {
    use shardscope_engine::scenario::{Action, StartingPosition};
    let retention = s.stream.retention().0;
    s.timeline
        .iter()
        .filter_map(|e| match &e.action {
            Action::RecreateMapping {
                consumer,
                starting_position,
            } => {
                let to_us = match starting_position {
                    StartingPosition::AtTimestamp(t) => t.0,
                    StartingPosition::TrimHorizon => e.at.0.saturating_sub(retention),
                    StartingPosition::Latest => return None,
                };
                (to_us < e.at.0).then(|| Rewind {
                    consumer: consumer.clone(),
                    from_us: e.at.0,
                    to_us,
                })
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod rewind_tests {
    #[test]
    fn recreate_at_timestamp_goes_back_and_latest_does_not() {
        let s = shardscope_engine::scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "2h", "stream": { "ShardCount": 1 },
                 "consumers": [ { "kind": "lambda", "name": "fn", "EventSourceMapping": { "StartingPosition": "LATEST" } } ],
                 "timeline": [
                   { "at": "70m", "do": "recreate_mapping", "consumer": "fn", "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "20m" },
                   { "at": "80m", "do": "recreate_mapping", "consumer": "fn", "StartingPosition": "LATEST" },
                   { "at": "90m", "do": "recreate_mapping", "consumer": "fn", "StartingPosition": "TRIM_HORIZON" } ] }"#,
        )
        .unwrap();
        let r = super::rewinds(&s);
        assert_eq!(r.len(), 2);
        assert_eq!((r[0].from_us, r[0].to_us), (4_200_000_000, 1_200_000_000));
        assert_eq!(
            (r[1].from_us, r[1].to_us),
            (5_400_000_000, 0),
            "24 h retention: back to the start"
        );
    }
}

#[cfg(test)]
mod consumer_action_tests {
    #[test]
    fn deploys_and_recreates_are_markers() {
        let s = shardscope_engine::scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 10 } ],
                 "consumers": [ { "kind": "lambda", "name": "fn", "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
                 "timeline": [
                   { "at": "2m", "do": "deploy", "consumer": "fn", "handler": { "error_rate": 1.0 } },
                   { "at": "4m", "do": "set_mapping", "consumer": "fn", "BatchSize": 10 },
                   { "at": "6m", "do": "recreate_mapping", "consumer": "fn", "StartingPosition": "AT_TIMESTAMP", "StartingPositionTimestamp": "1m" } ] }"#,
        )
        .unwrap();
        let t = shardscope_engine::Simulation::new(&s).unwrap().finish();
        let axis = crate::TimeAxis::whole(t.duration_us, 600.0);
        let labels: Vec<(String, f64)> = super::markers(&t.events, &axis)
            .into_iter()
            .map(|m| (m.label, m.x))
            .collect();
        assert_eq!(
            labels,
            [
                ("deploy".to_string(), 120.0),
                ("set_mapping".to_string(), 240.0),
                ("recreate_mapping".to_string(), 360.0)
            ]
        );
    }
}
