//! A Flink consumer as one lane under the shards ([`crate::status_lane`]): the
//! application's status as bands (running, restarting, updating, autoscaling,
//! stopped), and its checkpoints, failures, restores (rewinds), snapshots and
//! scalings as marks.

use shardscope_engine::flink::FlinkEvent;
use shardscope_engine::trace::{EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::status_lane::{self, MarkKind, Read, Shape};

/// What a mark stands for, from the least to the most telling: when several share
/// a pixel, the most telling is drawn on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A completed checkpoint.
    Checkpoint,
    /// A snapshot (manual, or on stop, update, scaling).
    Snapshot,
    /// UpdateApplication, or the autoscaler's decision.
    Scale,
    /// The job ran again from a checkpoint, a snapshot or its initial position.
    Restore,
    /// A checkpoint that never completed (the job failed while it ran).
    CheckpointAborted,
    /// An unhandled exception: the job failed.
    Failure,
    /// A restore that faulted.
    RestoreFailed,
}

impl MarkKind for Kind {
    fn rank(self) -> u8 {
        self as u8
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Checkpoint => "checkpoint",
            Kind::Snapshot => "snapshot",
            Kind::Scale => "scale",
            Kind::Restore => "restore",
            Kind::CheckpointAborted => "checkpoint-aborted",
            Kind::Failure => "failure",
            Kind::RestoreFailed => "restore-failed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Checkpoint => "checkpoint completed",
            Kind::Snapshot => "snapshot",
            Kind::Scale => "update or autoscaling",
            Kind::Restore => "restore: positions rewound",
            Kind::CheckpointAborted => "checkpoint aborted by a failure",
            Kind::Failure => "job failed (unhandled exception)",
            Kind::RestoreFailed => "restore faulted",
        }
    }

    fn form(self) -> Shape {
        match self {
            Kind::Checkpoint => Shape::TickUp,
            Kind::Snapshot => Shape::Diamond,
            Kind::Scale => Shape::Triangle,
            Kind::Restore => Shape::Rewind,
            Kind::CheckpointAborted => Shape::TickDown,
            Kind::Failure => Shape::Cross,
            Kind::RestoreFailed => Shape::Square,
        }
    }
}

impl Kind {
    /// All of them, in legend order.
    pub const ALL: [Kind; 7] = [
        Kind::Checkpoint,
        Kind::Failure,
        Kind::Restore,
        Kind::Snapshot,
        Kind::Scale,
        Kind::CheckpointAborted,
        Kind::RestoreFailed,
    ];
}

/// The kind of a Flink event's mark, or `None` for status changes.
pub fn kind(e: &FlinkEvent) -> Option<Kind> {
    Some(match (e.what, e.outcome) {
        ("checkpoint", Some("completed")) => Kind::Checkpoint,
        ("checkpoint", _) => Kind::CheckpointAborted,
        ("failure", _) => Kind::Failure,
        ("restore", Some("restore_failed")) => Kind::RestoreFailed,
        ("restore", _) => Kind::Restore,
        ("snapshot", _) => Kind::Snapshot,
        ("scale" | "update", _) => Kind::Scale,
        _ => return None,
    })
}

/// The SVG path of a mark at `x` on a lane whose middle is `cy`.
pub fn shape(kind: Kind, x: f64, cy: f64) -> String {
    kind.shape(x, cy)
}

/// One Flink consumer's lane.
pub type Lane = status_lane::Lane;

/// The lanes of every Flink consumer in `events`, in order of first appearance.
pub fn lanes(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Lane> {
    status_lane::lanes(events, axis, |e| match e {
        EventKind::Flink(f) if f.what == "status" => {
            Some(Read::Status(f.status.unwrap_or("RUNNING")))
        }
        EventKind::Flink(f) => kind(f).map(Read::Mark),
        _ => None,
    })
}

/// Facts about a Flink event for the inspector, as label → value.
pub fn facts(f: &FlinkEvent) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, s: String| v.push((k.to_string(), s));
    if let Some(s) = f.status {
        put("status", s.to_string());
    }
    if let Some(n) = f.id {
        put("id", n.to_string());
    }
    if let Some(s) = &f.snapshot {
        put("snapshot", s.clone());
    }
    if let Some(s) = f.restore_type {
        put("ApplicationRestoreType", s.to_string());
    }
    if let Some(o) = f.outcome {
        put("outcome", o.replace('_', " "));
    }
    if let Some(t) = f.started_ms {
        put("started", crate::axis::clock(t * 1_000));
    }
    if let Some(d) = f.duration_ms {
        put("duration", format!("{d} ms"));
    }
    if let Some(s) = &f.shard {
        put("shard", s.clone());
    }
    if let Some(s) = &f.sequence_number {
        put("sequence number", s.clone());
    }
    if let Some(n) = f.checkpoint {
        put("restored checkpoint", n.to_string());
    }
    for (k, n) in [
        ("records read again", f.rewound_records),
        ("records skipped", f.skipped_records),
        ("fullRestarts", f.restarts),
    ] {
        if let Some(n) = n {
            put(k, n.to_string());
        }
    }
    if let Some(p) = f.from_parallelism {
        put("parallelism before", p.to_string());
    }
    if let Some(p) = f.parallelism {
        put("parallelism", p.to_string());
    }
    if let Some(k) = f.kpus {
        put("KPUs billed", k.to_string());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::D1;
    use shardscope_engine::{scenario, Simulation};

    /// The restart loop of the engine's test: 21 failures at 90.05 s, 100.05 s, …,
    /// each 10 s of RESTARTING; on a 295 px axis (1 px a second) the bands of
    /// consecutive restarts touch and merge into one from 90 px to the end.
    #[test]
    fn a_restart_loop_is_one_band_with_a_failure_every_ten_pixels() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "295s", "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 100 } ],
                 "consumers": [ { "kind": "flink", "name": "app" } ],
                 "timeline": [ { "at": "90s", "do": "poison" } ] }"#,
        )
        .unwrap();
        let t = Simulation::new(&s).unwrap().finish();
        let axis = TimeAxis::whole(t.duration_us, 295.0);
        let l = &lanes(&t.events, &axis)[0];
        assert_eq!(l.bands.len(), 1);
        assert_eq!(l.bands[0].status, "RESTARTING");
        assert_eq!(
            (D1(l.bands[0].x0).to_string(), D1(l.bands[0].x1).to_string()),
            ("90.1".to_string(), "295.0".to_string())
        );
        let failures = l
            .marks
            .iter()
            .filter(|m| m.look == Kind::Failure.look())
            .map(|m| m.glyphs())
            .sum::<usize>();
        assert_eq!(failures, 21);
        // Ten pixels apart, the failures' ✕ (7 px) stay apart: 21 marks.
        let marks = |l: &Lane| {
            l.marks
                .iter()
                .filter(|m| m.look == Kind::Failure.look())
                .count()
        };
        assert_eq!(marks(l), 21);
        // On a 60 px axis they are 2 px apart and overlap: one mark, 21 ✕ in one path.
        let narrow = TimeAxis::whole(t.duration_us, 60.0);
        let l = &lanes(&t.events, &narrow)[0];
        assert_eq!(marks(l), 1);
        let run = l
            .marks
            .iter()
            .find(|m| m.look == Kind::Failure.look())
            .unwrap();
        assert_eq!((run.glyphs(), run.count), (21, 21));
        assert_eq!(run.path(10.0).matches('M').count(), 21);
        assert_eq!(
            run.title("app", &t.events),
            "21 × job failed (unhandled exception) (app) from 1m30s to 4m50s"
        );
        let checkpoints = l
            .marks
            .iter()
            .filter(|m| m.look == Kind::Checkpoint.look())
            .map(|m| m.glyphs())
            .sum::<usize>();
        assert_eq!(checkpoints, 1);
    }
}
