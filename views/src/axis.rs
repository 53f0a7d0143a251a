//! The time axis shared by the timeline and every chart under it.

/// Maps simulated time (µs since the start) to x pixels over a visible window.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeAxis {
    /// First visible instant (µs).
    pub start_us: u64,
    /// Last visible instant (µs), after `start_us`.
    pub end_us: u64,
    /// Width in pixels of the drawing area.
    pub width: f64,
}

/// A labelled tick.
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    pub x: f64,
    pub label: String,
}

/// Tick spacings to choose from, in seconds: "nice" steps of clocks and calendars.
const STEPS_S: &[u64] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200,
    86_400, 172_800,
];

impl TimeAxis {
    /// The whole run, `0..=duration_us`, over `width` pixels.
    pub fn whole(duration_us: u64, width: f64) -> TimeAxis {
        TimeAxis {
            start_us: 0,
            end_us: duration_us.max(1),
            width: width.max(1.0),
        }
    }

    /// The x of an instant (may fall outside `0..=width` when zoomed in).
    pub fn x(&self, t_us: u64) -> f64 {
        let span = self.end_us.saturating_sub(self.start_us).max(1) as f64;
        (t_us as f64 - self.start_us as f64) / span * self.width
    }

    /// The instant at pixel `x`.
    pub fn t(&self, x: f64) -> u64 {
        let span = self.end_us.saturating_sub(self.start_us).max(1) as f64;
        (self.start_us as f64 + x / self.width * span).max(0.0) as u64
    }

    /// Ticks at a "nice" step with at least `min_gap` pixels between them.
    pub fn ticks(&self, min_gap: f64) -> Vec<Tick> {
        let span_s = self.end_us.saturating_sub(self.start_us) as f64 / 1e6;
        let per_px = span_s / self.width;
        let step = STEPS_S
            .iter()
            .copied()
            .find(|s| *s as f64 / per_px.max(1e-9) >= min_gap)
            .unwrap_or_else(|| {
                // Longer than the table: whole days.
                ((per_px * min_gap / 86_400.0).ceil() as u64).max(1) * 86_400
            });
        let step_us = step * 1_000_000;
        let first = self.start_us.div_ceil(step_us) * step_us;
        (0..)
            .map(|i| first + i * step_us)
            .take_while(|t| *t <= self.end_us)
            .map(|t| Tick {
                x: self.x(t),
                label: clock(t),
            })
            .collect()
    }
}

/// An offset from the start as a reader says it: "0", "45s", "12m", "1h30m", "1d2h".
pub fn clock(t_us: u64) -> String {
    let s = t_us / 1_000_000;
    let (d, h, m, sec) = (s / 86_400, s / 3_600 % 24, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (n, unit) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() {
        out.push('0');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_time_to_pixels_and_back() {
        let a = TimeAxis::whole(3_600_000_000, 720.0);
        assert_eq!(a.x(0), 0.0);
        assert_eq!(a.x(1_800_000_000), 360.0);
        assert_eq!(a.t(720.0), 3_600_000_000);
    }

    #[test]
    fn ticks_are_nice_and_spaced() {
        let a = TimeAxis::whole(3_600_000_000, 720.0);
        let t = a.ticks(60.0);
        let labels: Vec<&str> = t.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "0", "5m", "10m", "15m", "20m", "25m", "30m", "35m", "40m", "45m", "50m", "55m",
                "1h"
            ]
        );
        let long = TimeAxis::whole(26 * 3_600_000_000, 600.0).ticks(80.0);
        assert_eq!(long[1].label, "6h");
        assert!(long.windows(2).all(|w| w[1].x - w[0].x >= 80.0));
    }

    #[test]
    fn clock_labels() {
        assert_eq!(clock(0), "0");
        assert_eq!(clock(45_000_000), "45s");
        assert_eq!(clock(5_400_000_000), "1h30m");
        assert_eq!(clock(93_600_000_000), "1d2h");
    }
}
