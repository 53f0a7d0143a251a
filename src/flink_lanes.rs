//! Flink consumers' lanes under the shards (layout from `shardscope_views::flink`):
//! the application's status as bands, and checkpoints, failures, restores,
//! snapshots and scalings as marks the reader can open in the inspector.

use shardscope_engine::trace::{EventKind, Trace};
use shardscope_views::flink::facts;

use crate::consumer_lane::{self, StatusLanes};
use crate::timeline::Selection;

/// How Flink lanes look and open.
pub static LANES: StatusLanes = StatusLanes {
    kind: "flink",
    class: "fl",
    service: "Managed Service for Apache Flink",
    marks_label: "checkpoints, failures and restores",
    statuses: &["RESTARTING", "UPDATING", "AUTOSCALING", "READY"],
    select: selection,
};

/// The inspector's view of Flink event `index` of `trace`.
pub fn selection(trace: &Trace, index: usize, count: u64, consumer: &str) -> Selection {
    let Some(event) = trace.events.get(index) else {
        return Selection::default();
    };
    let EventKind::Flink(f) = &event.kind else {
        return Selection::default();
    };
    let what = match f.what {
        "status" => format!("Flink application {}", f.status.unwrap_or("")),
        other => format!("Flink {other}"),
    };
    consumer_lane::selection(
        consumer_lane::counted(count, what),
        consumer,
        event.at.0,
        facts(f),
        f.why,
        f.assumption,
    )
}
