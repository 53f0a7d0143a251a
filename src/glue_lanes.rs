//! Glue consumers' lanes under the shards (layout from `shardscope_views::glue`):
//! the time without a run in progress as bands, and micro-batch commits, failed
//! attempts and runs, restarts, scalings and checkpoint resets as marks the reader
//! can open in the inspector.

use shardscope_engine::trace::{EventKind, Trace};
use shardscope_views::glue::facts;

use crate::consumer_lane::{self, StatusLanes};
use crate::timeline::Selection;

/// How Glue lanes look and open.
pub static LANES: StatusLanes = StatusLanes {
    kind: "glue",
    class: "gl",
    service: "AWS Glue streaming job",
    marks_label: "micro-batches, failures and job runs",
    statuses: &["STARTING", "STOPPED", "FAILED", "TIMEOUT"],
    select: selection,
};

/// The inspector's view of Glue event `index` of `trace`.
pub fn selection(trace: &Trace, index: usize, count: u64, consumer: &str) -> Selection {
    let Some(event) = trace.events.get(index) else {
        return Selection::default();
    };
    let EventKind::Glue(g) = &event.kind else {
        return Selection::default();
    };
    let what = match (g.what, g.state) {
        ("run", Some(s)) => format!("Glue job run {s}"),
        ("batch", _) => "Glue micro-batch committed".to_string(),
        ("batch_failed", _) => "Glue batch attempt raised".to_string(),
        ("checkpoint_reset", _) => "Glue checkpoint location reset".to_string(),
        (other, _) => format!("Glue {other}"),
    };
    consumer_lane::selection(
        consumer_lane::counted(count, what),
        consumer,
        event.at.0,
        facts(g),
        g.why,
        g.assumption,
    )
}
