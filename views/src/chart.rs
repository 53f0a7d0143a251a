//! Chart lines from metric series, decimated to one minimum and one maximum per pixel
//! column, so that a week of per-second points draws as fast as a minute of them.

use shardscope_engine::trace::Series;

use crate::axis::TimeAxis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// log10(1 + v): iterator ages span milliseconds to days.
    Log,
}

/// One series, ready to draw: polyline segments (a gap in the data breaks the line; a
/// lone point is a 3 px dash).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub segments: Vec<Vec<(f64, f64)>>,
    /// Largest value in the visible window.
    pub max: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    pub lines: Vec<Line>,
    /// Labelled horizontal grid lines: (y, label).
    pub y_ticks: Vec<(f64, String)>,
    pub height: f64,
}

/// Lays out `series` (each with its label) on `axis`, `height` pixels tall.
pub fn chart(series: &[(String, &Series)], axis: &TimeAxis, height: f64, scale: Scale) -> Chart {
    let columns: Vec<(String, Vec<Column>)> = series
        .iter()
        .map(|(label, s)| (label.clone(), columns(s, axis)))
        .collect();
    let top = columns
        .iter()
        .flat_map(|(_, c)| c.iter().map(|c| c.max))
        .max()
        .unwrap_or(0);
    let ceiling = nice_ceiling(top, scale);
    let y = |v: u64| -> f64 {
        let f = match scale {
            Scale::Linear => v as f64 / ceiling as f64,
            Scale::Log => (1.0 + v as f64).log10() / (ceiling as f64).log10(),
        };
        height - f.clamp(0.0, 1.0) * height
    };
    let lines = columns
        .into_iter()
        .map(|(label, cols)| {
            let mut segments: Vec<Vec<(f64, f64)>> = Vec::new();
            // Up to four points a column: room for them all at once, not grown point by point.
            let mut current: Vec<(f64, f64)> = Vec::with_capacity(4 * cols.len());
            let mut last_col = None;
            let mut max = 0;
            for c in &cols {
                if last_col.is_some_and(|l: i64| c.col > l + 1) && !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                let x = c.col as f64 + 0.5;
                current.push((x, y(c.first)));
                if c.min != c.first || c.max != c.first {
                    let (a, b) = if c.min_before_max {
                        (c.min, c.max)
                    } else {
                        (c.max, c.min)
                    };
                    current.push((x, y(a)));
                    current.push((x, y(b)));
                }
                if c.last != c.first {
                    current.push((x, y(c.last)));
                }
                max = max.max(c.max);
                last_col = Some(c.col);
            }
            if !current.is_empty() {
                segments.push(current);
            }
            for seg in &mut segments {
                // A lone point (a metric written once, between gaps) draws as a short dash.
                if let [(x, y)] = seg[..] {
                    *seg = vec![(x - 1.5, y), (x + 1.5, y)];
                }
                drop_flat_middles(seg);
            }
            Line {
                label,
                segments,
                max,
            }
        })
        .collect();
    Chart {
        lines,
        y_ticks: y_ticks(ceiling, scale)
            .into_iter()
            .map(|v| (y(v), short_number(v)))
            .collect(),
        height,
    }
}

/// A series' line as one path's `d`: each segment a subpath, "Mx,y x,y …" (the pairs after
/// a moveto are linetos), one decimal each, and a point straight above or below the one
/// before it (a pixel column's first, lowest, highest and last values share their x) as
/// "Vy": the same line, about a quarter less text to write, send and parse. One element per
/// series, not one per segment: a metric reported between gaps is hundreds of segments, and
/// each element costs a redraw.
pub fn path_data(segments: &[Vec<(f64, f64)>]) -> String {
    let points: usize = segments.iter().map(Vec::len).sum();
    let mut out = String::with_capacity(points * 8);
    for seg in segments {
        // The last point's x, and whether it was written with "V" (a pair after it needs
        // its command again).
        let mut last: Option<(f64, bool)> = None;
        for &(x, y) in seg {
            let vertical = last.is_some_and(|(lx, _)| lx == x);
            if vertical {
                out.push('V');
            } else {
                out.push(match last {
                    None => 'M',
                    Some((_, false)) => ' ',
                    Some((_, true)) => 'L',
                });
                crate::coord::D1(x).push_to(&mut out);
                out.push(',');
            }
            crate::coord::D1(y).push_to(&mut out);
            last = Some((x, vertical));
        }
    }
    out
}

/// Drops the points inside a horizontal run (the same y, as drawn, before and after) and
/// repeats of a point: the line looks the same, and a flat stretch (a steady rate, zero
/// errors) is two points to format and draw instead of one per pixel column.
fn drop_flat_middles(seg: &mut Vec<(f64, f64)>) {
    // The same y as drawn: coordinates are written to a tenth of a pixel (coord.rs).
    let tenth = |v: f64| crate::coord::round(v * 10.0);
    // The last two points kept, as drawn (in tenths), the newest last.
    let mut drawn = [(f64::NAN, f64::NAN); 2];
    let mut kept = 0;
    for i in 0..seg.len() {
        let p = seg[i];
        let t = (tenth(p.0), tenth(p.1));
        if kept >= 1 && drawn[1] == t {
            // The same point as drawn.
            continue;
        }
        if kept >= 2 && drawn[0].1 == t.1 && drawn[1].1 == t.1 {
            // The run goes on: its last point moves on to this one.
            seg[kept - 1] = p;
            drawn[1] = t;
        } else {
            seg[kept] = p;
            kept += 1;
            drawn = [drawn[1], t];
        }
    }
    seg.truncate(kept);
}

/// What one pixel column holds of one series.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Column {
    col: i64,
    first: u64,
    last: u64,
    min: u64,
    max: u64,
    min_before_max: bool,
}

/// Buckets the visible points of `s` by pixel column; points without data are skipped
/// (and so break the line).
fn columns(s: &Series, axis: &TimeAxis) -> Vec<Column> {
    let period_us = s.period_ms.max(1) * 1_000;
    // At most a column a pixel (and one either side), or a column a value.
    let mut out: Vec<Column> =
        Vec::with_capacity(s.values.len().min((axis.width as usize).saturating_add(3)));
    let first_visible = (axis.start_us / period_us).saturating_sub(s.start_index as u64 + 1);
    for (i, v) in s.values.iter().enumerate().skip(first_visible as usize) {
        let t = (s.start_index + i) as u64 * period_us + period_us / 2;
        if t > axis.end_us.saturating_add(period_us) {
            break;
        }
        let x = axis.x(t);
        if x < -1.0 || x > axis.width + 1.0 {
            continue;
        }
        let Some(v) = *v else {
            continue;
        };
        let col = x.floor() as i64;
        match out.last_mut() {
            Some(c) if c.col == col => {
                c.last = v;
                if v < c.min {
                    c.min = v;
                    c.min_before_max = false;
                }
                if v > c.max {
                    c.max = v;
                    c.min_before_max = true;
                }
            }
            _ => out.push(Column {
                col,
                first: v,
                last: v,
                min: v,
                max: v,
                min_before_max: true,
            }),
        }
    }
    out
}

/// The top of the y axis: the next 1, 2 or 5 × 10^k at or above `v` (a power of ten in log).
fn nice_ceiling(v: u64, scale: Scale) -> u64 {
    let mut p = 1u64;
    loop {
        let candidates: &[u64] = match scale {
            Scale::Linear => &[1, 2, 5],
            Scale::Log => &[1],
        };
        if scale == Scale::Log && p < 10 {
            p = 10;
            continue;
        }
        for m in candidates {
            if let Some(c) = p.checked_mul(*m) {
                if c >= v {
                    return c;
                }
            }
        }
        match p.checked_mul(10) {
            Some(n) => p = n,
            None => return u64::MAX,
        }
    }
}

fn y_ticks(ceiling: u64, scale: Scale) -> Vec<u64> {
    match scale {
        Scale::Linear if ceiling < 4 => (0..=ceiling).collect(),
        Scale::Linear => (0..=4).map(|i| ceiling / 4 * i).collect(),
        Scale::Log => {
            let mut v = vec![0];
            let mut p = 1u64;
            while p <= ceiling {
                v.push(p);
                match p.checked_mul(10) {
                    Some(n) => p = n,
                    None => break,
                }
            }
            v
        }
    }
}

/// 1500 → "1.5k", 2_000_000 → "2M".
pub fn short_number(v: u64) -> String {
    let (div, suffix) = match v {
        0..=999 => return v.to_string(),
        1_000..=999_999 => (1e3, "k"),
        1_000_000..=999_999_999 => (1e6, "M"),
        _ => (1e9, "G"),
    };
    let x = v as f64 / div;
    // Integers and `D1`: no exact float formatting in the bundle (coord.rs).
    if x >= 10.0 || x.fract() == 0.0 {
        format!("{}{suffix}", x.round() as u64)
    } else {
        format!("{}{suffix}", crate::coord::D1(x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::trace::Stat;

    #[test]
    fn a_columns_points_are_vertical_moves() {
        let column = vec![
            (1.0, 5.0),
            (2.0, 4.0),
            (2.0, 1.0),
            (2.0, 6.0),
            (3.0, 2.0),
            (4.0, 2.5),
        ];
        assert_eq!(
            path_data(&[column, vec![(9.0, 1.0)]]),
            "M1.0,5.0 2.0,4.0V1.0V6.0L3.0,2.0 4.0,2.5M9.0,1.0"
        );
    }

    fn series(values: Vec<Option<u64>>) -> Series {
        Series {
            metric: "IteratorAgeMilliseconds",
            stat: Stat::Maximum,
            consumer: None,
            shard: None,
            period_ms: 1_000,
            start_index: 0,
            values,
        }
    }

    #[test]
    fn one_point_per_second_over_one_pixel_per_second() {
        let s = series(vec![Some(0), Some(50), Some(100), Some(100)]);
        let axis = TimeAxis::whole(4_000_000, 4.0);
        let c = chart(&[("a".into(), &s)], &axis, 100.0, Scale::Linear);
        assert_eq!(
            c.lines[0].segments,
            vec![vec![(0.5, 100.0), (1.5, 50.0), (2.5, 0.0), (3.5, 0.0)]]
        );
        assert_eq!(c.lines[0].max, 100);
        assert_eq!(c.y_ticks.last().unwrap(), &(0.0, "100".to_string()));
    }

    #[test]
    fn a_million_points_decimate_to_the_pixel_width() {
        let s = series((0..1_000_000).map(|i| Some(i % 1000)).collect());
        let axis = TimeAxis::whole(1_000_000 * 1_000_000, 500.0);
        let c = chart(&[("a".into(), &s)], &axis, 100.0, Scale::Linear);
        let points: usize = c.lines[0].segments.iter().map(Vec::len).sum();
        assert!(points <= 4 * 500, "{points}");
        assert_eq!(c.lines[0].max, 999);
    }

    #[test]
    fn a_flat_stretch_is_its_two_ends() {
        // 0 0 0 0 5 5 5 0: the flat runs keep their first and last points only.
        let s = series([0, 0, 0, 0, 5, 5, 5, 0].map(Some).to_vec());
        let axis = TimeAxis::whole(8_000_000, 8.0);
        let c = chart(&[("a".into(), &s)], &axis, 5.0, Scale::Linear);
        assert_eq!(
            c.lines[0].segments,
            vec![vec![
                (0.5, 5.0),
                (3.5, 5.0),
                (4.5, 0.0),
                (6.5, 0.0),
                (7.5, 5.0)
            ]]
        );
    }

    #[test]
    fn gaps_break_the_line() {
        let s = series(vec![Some(1), None, None, Some(1)]);
        let axis = TimeAxis::whole(4_000_000, 4.0);
        let c = chart(&[("a".into(), &s)], &axis, 10.0, Scale::Linear);
        assert_eq!(c.lines[0].segments.len(), 2);
        // Each lone point is a dash 3 px wide at its value (1 of 1: the top).
        assert_eq!(c.lines[0].segments[1], vec![(2.0, 0.0), (5.0, 0.0)]);
    }

    #[test]
    fn log_scale_puts_decades_evenly() {
        let s = series(vec![Some(0), Some(9), Some(99), Some(999)]);
        let axis = TimeAxis::whole(4_000_000, 4.0);
        let c = chart(&[("a".into(), &s)], &axis, 90.0, Scale::Log);
        let ys: Vec<f64> = c.lines[0].segments[0].iter().map(|p| p.1).collect();
        assert_eq!(ys[0], 90.0);
        assert!((ys[1] - 60.0).abs() < 1e-9 && (ys[2] - 30.0).abs() < 1e-9 && ys[3].abs() < 1e-9);
        let labels: Vec<&str> = c.y_ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(labels, ["0", "1", "10", "100", "1k"]);
    }

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_ceiling(0, Scale::Linear), 1);
        assert_eq!(y_ticks(1, Scale::Linear), [0, 1]);
        assert_eq!(y_ticks(200, Scale::Linear), [0, 50, 100, 150, 200]);
        assert_eq!(nice_ceiling(101, Scale::Linear), 200);
        assert_eq!(nice_ceiling(86_400_000, Scale::Linear), 100_000_000);
        assert_eq!(nice_ceiling(u64::MAX, Scale::Linear), u64::MAX);
        assert_eq!(short_number(1_500), "1.5k");
        assert_eq!(short_number(86_400_000), "86M");
    }
}
