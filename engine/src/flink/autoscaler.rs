//! Capacity and autoscaling: KPUs from the parallelism, and the autoscaler's
//! decisions from one-minute `containerCPUUtilization` datapoints.
//!
//! - Allocated KPUs = ⌈Parallelism / ParallelismPerKPU⌉; one more KPU is billed
//!   for orchestration.
//! - Scale up: 15 consecutive datapoints at or above 75 % double the parallelism,
//!   up to ParallelismPerKPU × the KPU quota and the operators' maxParallelism.
//! - Scale down: 360 consecutive datapoints below 10 % halve it (rounded up),
//!   never below the configured Parallelism.
//!
//! Source: <https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling.html>,
//! <https://docs.aws.amazon.com/managed-flink/latest/java/how-scaling-auto.html>.

use crate::scenario::KPU_QUOTA;

/// Datapoints at or above [`UP_PERCENT`] that trigger a scale-up.
pub const UP_MINUTES: u32 = 15;
/// The scale-up threshold (%).
pub const UP_PERCENT: u64 = 75;
/// Datapoints below [`DOWN_PERCENT`] that trigger a scale-down (6 hours).
pub const DOWN_MINUTES: u32 = 360;
/// The scale-down threshold (%).
pub const DOWN_PERCENT: u64 = 10;

/// Allocated KPUs for a parallelism.
pub fn allocated_kpus(parallelism: u32, per_kpu: u32) -> u32 {
    parallelism.div_ceil(per_kpu.max(1))
}

/// Billed KPUs: allocated + 1 for orchestration.
pub fn billed_kpus(parallelism: u32, per_kpu: u32) -> u32 {
    allocated_kpus(parallelism, per_kpu) + 1
}

/// Flink's default `maxParallelism` for an operator first started with
/// `parallelism`: ⌈1.5 p⌉ rounded up to a power of two, at least 128, at most 32,768.
/// Source: apache/flink `KeyGroupRangeAssignment.computeDefaultMaxParallelism`.
pub fn default_max_parallelism(parallelism: u32) -> u32 {
    let p = parallelism + parallelism / 2;
    p.next_power_of_two().clamp(128, 32_768)
}

/// What the autoscaler decided at a datapoint.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Scale to this parallelism, up.
    Up(u32),
    /// Scale to this parallelism, down.
    Down(u32),
}

/// The streaks of high and low datapoints.
#[derive(Clone, Debug, Default)]
pub struct Autoscaler {
    high: u32,
    low: u32,
}

impl Autoscaler {
    /// A minute without a datapoint (the job did not run throughout), or a
    /// scaling: both streaks start again (assumption: AWS documents no cool-down).
    pub fn reset(&mut self) {
        self.high = 0;
        self.low = 0;
    }

    /// Notes a datapoint (%) and returns a decision, if one is due and changes
    /// the parallelism.
    pub fn datapoint(
        &mut self,
        percent: u64,
        parallelism: u32,
        per_kpu: u32,
        floor: u32,
        max_parallelism: u32,
    ) -> Option<Decision> {
        if percent >= UP_PERCENT {
            self.high += 1;
        } else {
            self.high = 0;
        }
        if percent < DOWN_PERCENT {
            self.low += 1;
        } else {
            self.low = 0;
        }
        if self.high >= UP_MINUTES {
            self.reset();
            let to = (parallelism * 2)
                .min(per_kpu * KPU_QUOTA)
                .min(max_parallelism);
            return (to > parallelism).then_some(Decision::Up(to));
        }
        if self.low >= DOWN_MINUTES {
            self.reset();
            let to = parallelism.div_ceil(2).max(floor);
            return (to < parallelism).then_some(Decision::Down(to));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpus_round_up_and_add_one_for_orchestration() {
        assert_eq!(billed_kpus(1, 1), 2);
        assert_eq!(billed_kpus(5, 2), 4);
        assert_eq!(billed_kpus(8, 8), 2);
    }

    #[test]
    fn max_parallelism_defaults() {
        assert_eq!(default_max_parallelism(1), 128);
        assert_eq!(default_max_parallelism(100), 256);
    }

    #[test]
    fn fifteen_busy_minutes_double_six_quiet_hours_halve() {
        let mut a = Autoscaler::default();
        for _ in 0..14 {
            assert_eq!(a.datapoint(80, 2, 1, 2, 128), None);
        }
        assert_eq!(a.datapoint(75, 2, 1, 2, 128), Some(Decision::Up(4)));
        for _ in 0..359 {
            assert_eq!(a.datapoint(5, 4, 1, 2, 128), None);
        }
        assert_eq!(a.datapoint(5, 4, 1, 2, 128), Some(Decision::Down(2)));
        // At the floor: no decision.
        for _ in 0..360 {
            assert_eq!(a.datapoint(5, 2, 1, 2, 128), None);
        }
        // The KPU quota caps the doubling: 40 → 64 with one slot per KPU.
        for _ in 0..14 {
            a.datapoint(90, 40, 1, 1, 128);
        }
        assert_eq!(a.datapoint(90, 40, 1, 1, 128), Some(Decision::Up(64)));
    }
}
