//! From a trace to what is drawn: the time axis, one lane per shard with its lineage,
//! and chart lines decimated to the pixel width. Pure functions, tested natively; the web
//! app draws their output as SVG, and the CLI's static export will draw the same.

#![forbid(unsafe_code)]

pub mod axis;
pub mod chart;
pub mod coord;
pub mod firehose;
pub mod invocations;
pub mod lanes;
pub mod marks;
pub mod playhead;
pub mod series;
pub mod svg;

pub use axis::TimeAxis;
