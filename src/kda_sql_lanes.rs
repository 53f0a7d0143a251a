//! KDA SQL consumers' lanes under the shards (layout from `shardscope_views::kda_sql`):
//! stalls and stops as bands, windows and `error_stream` rows as marks the reader can
//! open in the inspector. The service is retired: the lane says so.

use shardscope_engine::trace::{EventKind, Trace};
use shardscope_views::kda_sql::facts;

use crate::consumer_lane::{self, StatusLanes};
use crate::timeline::Selection;

/// How KDA SQL lanes look and open.
pub static LANES: StatusLanes = StatusLanes {
    kind: "kda",
    class: "kd",
    service: "Kinesis Data Analytics for SQL (retired: shown for migration)",
    marks_label: "windows and error_stream rows",
    statuses: &["STALLED", "READY"],
    select: selection,
};

/// The inspector's view of KDA SQL event `index` of `trace`.
pub fn selection(trace: &Trace, index: usize, count: u64, consumer: &str) -> Selection {
    let Some(event) = trace.events.get(index) else {
        return Selection::default();
    };
    let EventKind::KdaSql(k) = &event.kind else {
        return Selection::default();
    };
    let what = match (k.what, k.status) {
        ("status", Some(s)) => format!("KDA SQL application {s}"),
        ("delivery_failed", _) => "KDA SQL delivery failed: ingestion stalls".to_string(),
        (other, _) => format!("KDA SQL {}", other.replace('_', " ")),
    };
    consumer_lane::selection(
        consumer_lane::counted(count, what),
        consumer,
        event.at.0,
        facts(k),
        k.why,
        k.assumption,
    )
}
