//! A Glue streaming job as one lane under the shards ([`crate::status_lane`]): the
//! time without a run in progress as bands (STARTING, then STOPPED, FAILED or
//! TIMEOUT until the next run; RUNNING is the background), and its micro-batch
//! commits, failed attempts, failed runs, maintenance restarts, scalings, checkpoint
//! resets and reshards as marks.

use shardscope_engine::glue::GlueEvent;
use shardscope_engine::trace::{EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::status_lane::{self, MarkKind, Read, Shape};

/// What a mark stands for, from the least to the most telling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A micro-batch committed its offsets to the checkpoint location.
    Batch,
    /// The stream was resharded while a run read it.
    Reshard,
    /// Auto scaling changed the workers.
    Scale,
    /// A new checkpoint location: the job reads again from StartingPosition.
    Reset,
    /// The maintenance restart (the run EXPIRED, a `_restart_N` run began).
    Restart,
    /// A batch attempt raised.
    BatchFailed,
    /// The run FAILED.
    RunFailed,
}

impl Kind {
    /// All of them, in legend order.
    pub const ALL: [Kind; 7] = [
        Kind::Batch,
        Kind::BatchFailed,
        Kind::RunFailed,
        Kind::Reset,
        Kind::Restart,
        Kind::Scale,
        Kind::Reshard,
    ];
}

impl MarkKind for Kind {
    fn rank(self) -> u8 {
        self as u8
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Batch => "batch",
            Kind::Reshard => "reshard",
            Kind::Scale => "scale",
            Kind::Reset => "reset",
            Kind::Restart => "restart",
            Kind::BatchFailed => "batch-failed",
            Kind::RunFailed => "run-failed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Batch => "micro-batch committed",
            Kind::Reshard => "resharded while running",
            Kind::Scale => "auto scaling",
            Kind::Reset => "new checkpoint location",
            Kind::Restart => "maintenance restart",
            Kind::BatchFailed => "batch attempt raised",
            Kind::RunFailed => "job run FAILED",
        }
    }

    fn form(self) -> Shape {
        match self {
            Kind::Batch => Shape::TickUp,
            Kind::Reshard => Shape::TickDown,
            Kind::Scale => Shape::Triangle,
            Kind::Reset => Shape::Rewind,
            Kind::Restart => Shape::Diamond,
            Kind::BatchFailed => Shape::Cross,
            Kind::RunFailed => Shape::Square,
        }
    }
}

/// One Glue consumer's lane.
pub type Lane = status_lane::Lane;

/// What a Glue event means for the lane.
fn read(e: &GlueEvent) -> Option<Read<Kind>> {
    Some(match (e.what, e.state) {
        ("run", Some("EXPIRED")) => Read::Mark(Kind::Restart),
        // The failure shows as a mark and the time without a run as a band.
        ("run", Some(state)) => Read::Status(state),
        ("batch", _) => Read::Mark(Kind::Batch),
        ("batch_failed", _) => Read::Mark(Kind::BatchFailed),
        ("scale", _) => Read::Mark(Kind::Scale),
        ("checkpoint_reset", _) => Read::Mark(Kind::Reset),
        ("reshard", _) => Read::Mark(Kind::Reshard),
        _ => return None,
    })
}

/// The lanes of every Glue consumer in `events`, in order of first appearance.
pub fn lanes(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Lane> {
    let mut out = status_lane::lanes(events, axis, |e| match e {
        EventKind::Glue(g) => read(g),
        _ => None,
    });
    // A FAILED run is also a mark, where it failed.
    for l in &mut out {
        for b in &l.bands {
            if b.status == "FAILED" {
                l.marks.push(status_lane::Mark::lone(
                    Kind::RunFailed.look(),
                    b.x0,
                    1,
                    b.event,
                ));
            }
        }
    }
    out
}

/// Facts about a Glue event for the inspector, as label → value.
pub fn facts(g: &GlueEvent) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, s: String| v.push((k.to_string(), s));
    if let Some(s) = &g.run_id {
        put("JobRunId", s.clone());
    }
    if let Some(s) = g.state {
        put("JobRunState", s.to_string());
    }
    if let Some(n) = g.batch {
        put("batchId", n.to_string());
    }
    if let Some(n) = g.records {
        put("numRecords", n.to_string());
    }
    if let Some(n) = g.processing_ms {
        put("batchProcessingTimeInMs", n.to_string());
    }
    if let Some(n) = g.window_ms {
        put("windowSize", format!("{n} ms"));
    }
    if let Some(n) = g.attempt {
        put("attempt", n.to_string());
    }
    if let Some(c) = g.cause {
        put("raised by", c.replace('_', " "));
    }
    if let Some(s) = &g.shard {
        put("shard", s.clone());
    }
    if let Some(s) = &g.sequence_number {
        put("sequence number", s.clone());
    }
    if g.what == "batch_failed" {
        let next = match g.retry_in_ms {
            Some(ms) => format!("again in {} s", ms / 1_000),
            None => "none left: the run FAILS".to_string(),
        };
        put("retry", next);
    }
    if let Some(n) = g.from_workers {
        put("workers before", n.to_string());
    }
    if let Some(n) = g.workers {
        put("workers", n.to_string());
    }
    if let Some(w) = g.worker_type {
        put("WorkerType", w.to_string());
    }
    if let Some(s) = &g.checkpoint_location {
        put("checkpointLocation", s.clone());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::D1;
    use shardscope_engine::{scenario, Simulation};

    /// The poison story of the engine's test: batches at 20 s (committed), then the
    /// 120 s batch raises 4 times and the run FAILS at 138.6 s; no MaxRetries, so the
    /// job stays FAILED to the end. On a 600 px axis (1 px a second): one STARTING
    /// band (0–20 px), one FAILED band from 138.6 px to the end, one commit, 4 failed
    /// attempts and 1 failed run.
    #[test]
    fn a_failed_run_is_a_band_to_the_end_with_its_marks() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 100, "record_bytes": 100, "partition_keys": 100 } ],
                 "consumers": [ { "kind": "glue", "name": "etl",
                   "KinesisStreamingSourceOptions": { "StartingPosition": "trim_horizon" } } ],
                 "timeline": [ { "at": "50s", "do": "poison", "partition_key": "k-1" } ] }"#,
        )
        .unwrap();
        let t = Simulation::new(&s).unwrap().finish();
        let axis = TimeAxis::whole(t.duration_us, 600.0);
        let l = &lanes(&t.events, &axis)[0];
        let bands: Vec<(&str, String, String)> = l
            .bands
            .iter()
            .map(|b| (b.status, D1(b.x0).to_string(), D1(b.x1).to_string()))
            .collect();
        assert_eq!(
            bands,
            [
                ("STARTING", "0.0".to_string(), "20.0".to_string()),
                ("FAILED", "138.6".to_string(), "600.0".to_string())
            ]
        );
        let count = |k: Kind| -> usize {
            l.marks
                .iter()
                .filter(|m| m.look == k.look())
                .map(|m| m.glyphs())
                .sum()
        };
        assert_eq!(
            (
                count(Kind::Batch),
                count(Kind::BatchFailed),
                count(Kind::RunFailed)
            ),
            (1, 4, 1)
        );
    }
}
