//! Simulated time.
//!
//! The engine counts time in integer **microseconds**: fine enough for the
//! millisecond precision of Kinesis `ApproximateArrivalTimestamp` and of Lambda
//! durations, with room to spare for sub-millisecond per-record costs, and a
//! `u64` of microseconds still spans more than 500,000 years. No wall clock is
//! ever read.

/// A point in simulated time: microseconds since the start of the run.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time, in microseconds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

/// Microseconds in one millisecond.
const MICROS_PER_MILLI: u64 = 1_000;
/// Microseconds in one second.
const MICROS_PER_SEC: u64 = 1_000_000;

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// `ms` milliseconds after the start (saturating at `u64::MAX` µs).
    pub const fn from_millis(ms: u64) -> SimTime {
        SimTime(ms.saturating_mul(MICROS_PER_MILLI))
    }

    /// `s` seconds after the start (saturating at `u64::MAX` µs).
    pub const fn from_secs(s: u64) -> SimTime {
        SimTime(s.saturating_mul(MICROS_PER_SEC))
    }

    /// Whole milliseconds since the start (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / MICROS_PER_MILLI
    }

    /// Seconds since the start, as a float (for display and rates).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// The time since the start as a duration.
    pub const fn since_start(self) -> SimDuration {
        SimDuration(self.0)
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// `ms` milliseconds (saturating at `u64::MAX` µs).
    pub const fn from_millis(ms: u64) -> SimDuration {
        SimDuration(ms.saturating_mul(MICROS_PER_MILLI))
    }

    /// `s` seconds (saturating at `u64::MAX` µs).
    pub const fn from_secs(s: u64) -> SimDuration {
        SimDuration(s.saturating_mul(MICROS_PER_SEC))
    }

    /// Whole milliseconds (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / MICROS_PER_MILLI
    }

    /// Seconds, as a float (for display and rates).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// The point in time this long after the start of the run.
    pub const fn after_start(self) -> SimTime {
        SimTime(self.0)
    }
}

/// Serialised as the integer number of microseconds.
impl serde::Serialize for SimTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Serialised as the integer number of microseconds.
impl serde::Serialize for SimDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}
