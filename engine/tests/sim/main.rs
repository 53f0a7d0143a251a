//! Scenario tests of the kernel and the Kinesis stream model, with numbers a
//! reader can check by hand, and property tests. One integration-test binary
//! with modules (the NeXosim layout).

mod common;
mod consumers;
mod properties;
mod reads;
mod resharding;
mod retention;
mod routing;
mod steady;
mod writes;
