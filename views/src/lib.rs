//! From a trace to what is drawn: the time axis, one lane per shard with its lineage,
//! and chart lines decimated to the pixel width. Pure functions, tested natively; the web
//! app draws their output as SVG, and the CLI's static export will draw the same.

#![forbid(unsafe_code)]

pub mod axis;
pub mod chart;
pub mod compare;
pub mod coord;
pub mod firehose;
pub mod flink;
pub mod glue;
pub mod invocations;
pub mod kda_sql;
pub mod lanes;
pub mod marks;
pub mod playhead;
pub mod series;
pub mod status_lane;
pub mod svg;

pub use axis::TimeAxis;

/// A map built one insert at a time. `collect()` into a `BTreeMap` (or `BTreeSet`) sorts the
/// pairs first, and every such sort is its own copy of the standard library's sort in the
/// wasm bundle (a few KB each); inserting needs none.
pub fn map_of<K: Ord, V>(
    pairs: impl IntoIterator<Item = (K, V)>,
) -> std::collections::BTreeMap<K, V> {
    let mut m = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        m.insert(k, v);
    }
    m
}
