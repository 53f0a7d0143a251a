//! A KDA SQL application as one lane under the shards ([`crate::status_lane`]): the
//! time ingestion stalls on a failing destination or preprocessor, and the time it is
//! stopped (READY), as bands; windows emitted and rows sent to `error_stream` (bad rows,
//! and `ProcessingFailed` records from the preprocessor) as marks.

use shardscope_engine::kda_sql::KdaSqlEvent;
use shardscope_engine::trace::{EventKind, TraceEvent};

use crate::axis::TimeAxis;
use crate::status_lane::{self, MarkKind, Read, Shape};

/// What a mark stands for, from the least to the most telling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A window emitted its rows to the outputs.
    Window,
    /// The preprocessor returned records `ProcessingFailed`: to `error_stream`.
    ProcessingFailed,
    /// A row the query could not coerce went to `error_stream`.
    Poison,
}

impl Kind {
    /// All of them, in legend order.
    pub const ALL: [Kind; 3] = [Kind::Window, Kind::Poison, Kind::ProcessingFailed];
}

impl MarkKind for Kind {
    fn rank(self) -> u8 {
        self as u8
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Window => "window",
            Kind::ProcessingFailed => "processing-failed",
            Kind::Poison => "poison",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Window => "window emitted",
            Kind::ProcessingFailed => "ProcessingFailed records to error_stream",
            Kind::Poison => "a bad row to error_stream",
        }
    }

    fn form(self) -> Shape {
        match self {
            Kind::Window => Shape::TickUp,
            Kind::ProcessingFailed => Shape::TickDown,
            Kind::Poison => Shape::Cross,
        }
    }
}

/// One KDA SQL consumer's lane.
pub type Lane = status_lane::Lane;

fn read(e: &KdaSqlEvent) -> Option<Read<Kind>> {
    Some(match e.what {
        "status" => Read::Status(e.status.unwrap_or("RUNNING")),
        "delivery_failed" => Read::Status("STALLED"),
        "resume" => Read::Status("RUNNING"),
        "window" => Read::Mark(Kind::Window),
        "error_stream" if e.poison_rows.is_some() => Read::Mark(Kind::Poison),
        "error_stream" => Read::Mark(Kind::ProcessingFailed),
        _ => return None,
    })
}

/// The lanes of every KDA SQL consumer in `events`, in order of first appearance.
pub fn lanes(events: &[TraceEvent], axis: &TimeAxis) -> Vec<Lane> {
    status_lane::lanes(events, axis, |e| match e {
        EventKind::KdaSql(k) => read(k),
        _ => None,
    })
}

/// Facts about a KDA SQL event for the inspector, as label → value.
pub fn facts(k: &KdaSqlEvent) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |key: &str, s: String| v.push((key.to_string(), s));
    if let Some(s) = k.status {
        put("status", s.to_string());
    }
    if let Some(s) = k.starting_position {
        put("InputStartingPosition", s.to_string());
    }
    if let Some(s) = &k.in_app_stream {
        put("in-application stream", s.clone());
    }
    if let Some(s) = &k.output {
        put("output", s.clone());
    }
    if let Some(n) = k.rows {
        put("rows", n.to_string());
    }
    if let Some(n) = k.poison_rows {
        put("rows the query could not coerce", n.to_string());
    }
    if let Some(c) = k.cause {
        put("cause", c.replace('_', " "));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coord::D1;
    use shardscope_engine::{scenario, Simulation};

    /// The outage of the engine's test: a STALLED band from the failure at 120.1 s to
    /// the success at 180.6 s; windows every minute (10); on a 600 px axis.
    #[test]
    fn a_destination_outage_is_a_stalled_band() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "duration": "10m", "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 100, "record_bytes": 100 } ],
                 "consumers": [ { "kind": "kda_sql", "name": "app",
                   "Inputs": [ { "InputStartingPositionConfiguration": { "InputStartingPosition": "TRIM_HORIZON" } } ],
                   "Outputs": [ { "Name": "DEST", "KinesisStreamsOutput":
                       { "ResourceARN": "arn:aws:kinesis:us-east-1:1:stream/o" } } ] } ],
                 "timeline": [ { "at": "120s", "do": "destination_outage", "consumer": "app",
                                 "output": "DEST", "duration": "60s" } ] }"#,
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
            [("STALLED", "120.1".to_string(), "180.6".to_string())]
        );
        assert_eq!(
            l.marks
                .iter()
                .filter(|m| m.look == Kind::Window.look())
                .map(|m| m.glyphs())
                .sum::<usize>(),
            10
        );
    }
}
