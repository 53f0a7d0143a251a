//! A whole run as one static SVG document: the lanes with lineage, write density, incidents,
//! episodes, invocation marks and each consumer's read position at the end of the run, then the iterator-age and incoming-records charts, from the
//! same layout functions the web app draws. For sites without JavaScript
//! (`shardscope render FILE --svg OUT`). Deterministic: the same trace gives the same bytes.

use std::fmt::Write as _;

use shardscope_engine::trace::{Series, Trace};

use crate::axis::{clock, TimeAxis};
use crate::chart::{chart, Scale};
use crate::invocations::{self, Outcome};
use crate::lanes::lanes;
use crate::marks::{episodes, markers, EpisodeKind, MarkerKind};

const GUTTER: f64 = 92.0;
const LANE_H: f64 = 22.0;
/// Room above the lanes: two rows of incident labels, then the time axis labels.
const AXIS_H: f64 = 43.0;
const CHART_H: f64 = 110.0;
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

/// Escapes text for SVG content and attributes.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The SVG document of `trace`, `width` pixels wide.
pub fn render(trace: &Trace, width: f64) -> String {
    draw(trace, width, false)
}

/// The compare view as one static SVG: the run's drawing (every compared consumer's
/// lanes under one time axis), then a row per service with its figures and verdict.
pub fn render_compare(trace: &Trace, width: f64) -> String {
    draw(trace, width, true)
}

/// Height of one service's rows in the compare table.
const COMPARE_ROW_H: f64 = 34.0;

fn draw(trace: &Trace, width: f64, compare: bool) -> String {
    let width = width.clamp(320.0, 4000.0);
    let axis = TimeAxis::whole(trace.duration_us, width - GUTTER - 12.0);
    let incoming: Vec<&Series> = trace
        .series
        .iter()
        .filter(|s| s.metric == "IncomingRecords" && s.shard.is_some())
        .collect();
    let lanes = lanes(&trace.shards, &incoming, &axis, trace.duration_us);
    let fh_lanes = crate::firehose::lanes(&trace.events, &axis);
    let fl_lanes = crate::flink::lanes(&trace.events, &axis);
    let gl_lanes = crate::glue::lanes(&trace.events, &axis);
    let kd_lanes = crate::kda_sql::lanes(&trace.events, &axis);
    let fh_top = AXIS_H + LANE_H * lanes.len() as f64 + 4.0;
    let fl_top = fh_top + LANE_H * fh_lanes.len() as f64;
    let gl_top = fl_top + LANE_H * fl_lanes.len() as f64;
    let kd_top = gl_top + LANE_H * gl_lanes.len() as f64;
    let lanes_h = kd_top + LANE_H * kd_lanes.len() as f64 + 4.0;
    let rows = crate::map_of(lanes.iter().map(|l| (l.shard, l.row)));
    let row_of = |shard| rows.get(&shard).copied();
    let y = |row: usize| AXIS_H + LANE_H * row as f64;

    let ages = crate::series::iterator_ages(trace);
    let writes = crate::series::stream(trace, &crate::series::WRITES);
    let freshness =
        crate::series::per_consumer_any(trace, &shardscope_engine::firehose::metrics::FRESHNESS);
    let charts: Vec<(&str, &Vec<(String, &Series)>)> = [
        ("Iterator age per shard (ms)", &ages),
        ("Incoming records and write throttles", &writes),
        ("Firehose DataFreshness (s)", &freshness),
    ]
    .into_iter()
    .filter(|(_, s)| !s.is_empty())
    .collect();
    let chart_block = |lines: usize| 24.0 + CHART_H + 16.0 * lines.div_ceil(3) as f64 + 12.0;
    let title_h = 28.0;
    let compared = if compare {
        crate::compare::rows(trace)
    } else {
        Vec::new()
    };
    let table_h = if compare {
        28.0 + COMPARE_ROW_H * compared.len() as f64
    } else {
        0.0
    };
    let height = title_h
        + table_h
        + lanes_h
        + charts
            .iter()
            .map(|(_, s)| chart_block(s.len()))
            .sum::<f64>()
        + 8.0;

    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="11">"#
    );
    let _ = writeln!(o, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        o,
        r##"<text x="12" y="19" font-size="14" font-weight="600" fill="#1b1f24">{}</text>"##,
        esc(&trace.title)
    );
    let _ = writeln!(o, r#"<g transform="translate({GUTTER},{title_h})">"#);
    for t in axis.ticks(70.0) {
        let _ = writeln!(
            o,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{AXIS_H}" y2="{:.1}" stroke="#d0d7de"/><text x="{x:.1}" y="{}" text-anchor="middle" fill="#57606a">{}</text>"##,
            lanes_h - 4.0,
            AXIS_H - 4.0,
            esc(&t.label),
            x = t.x
        );
    }
    for l in &lanes {
        let top = y(l.row);
        let _ = writeln!(
            o,
            r##"<text x="-8" y="{:.1}" text-anchor="end" fill="#57606a">shard {}</text>"##,
            top + 15.0,
            l.shard.0
        );
        let fill = if l.closed { "#f6f7f9" } else { "#eef1f5" };
        let _ = writeln!(
            o,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"/>"#,
            l.x_start.max(0.0),
            top + 3.0,
            (l.x_end - l.x_start).max(0.0),
            LANE_H - 6.0
        );
        for (level, d) in
            crate::lanes::density_paths(&l.density, axis.width, top + 6.0, LANE_H - 12.0)
        {
            let _ = writeln!(
                o,
                r##"<path d="{d}" fill="#0a6ebd" fill-opacity="{:.2}"/>"##,
                0.2 + 0.75 * f64::from(level) / f64::from(crate::lanes::DENSITY_LEVELS)
            );
        }
        for p in &l.parent_rows {
            let (py, cy, x) = (y(*p) + LANE_H / 2.0, top + LANE_H / 2.0, l.x_start);
            let _ = writeln!(
                o,
                r##"<path d="M{x:.1},{py:.1} C{:.1},{py:.1} {:.1},{cy:.1} {:.1},{cy:.1}" fill="none" stroke="#57606a" stroke-width="1.2"/>"##,
                x + 6.0,
                x - 6.0,
                x + 2.0
            );
        }
    }
    for (i, l) in fh_lanes.iter().enumerate() {
        firehose_lane(&mut o, l, fh_top + LANE_H * i as f64, &axis);
    }
    for (i, l) in fl_lanes.iter().enumerate() {
        let top = fl_top + LANE_H * i as f64;
        status_lane(&mut o, l, top, &axis, &trace.events, flink_band, paint);
    }
    for (i, l) in gl_lanes.iter().enumerate() {
        let top = gl_top + LANE_H * i as f64;
        status_lane(&mut o, l, top, &axis, &trace.events, glue_band, paint);
    }
    for (i, l) in kd_lanes.iter().enumerate() {
        let top = kd_top + LANE_H * i as f64;
        status_lane(&mut o, l, top, &axis, &trace.events, kda_band, paint);
    }
    for m in invocations::marks(&trace.events, &axis) {
        let Some(row) = row_of(m.shard) else { continue };
        let cy = y(row) + LANE_H / 2.0;
        // The same shape as the web app; light-theme paint (a static file has no theme).
        let paint = match m.outcome {
            Outcome::Success => r##"fill="#2e7d32" fill-opacity="0.85""##,
            Outcome::Error => r##"stroke="#c62828" stroke-width="1.6" fill="none""##,
            Outcome::Timeout => r##"fill="#c62828""##,
            Outcome::Bisect => r##"fill="#6a1b9a""##,
            Outcome::Partial => r##"fill="#b26a00""##,
            Outcome::Throttled => r##"fill="none" stroke="#b26a00" stroke-width="1.6""##,
            Outcome::Discard => r##"fill="#1b1f24""##,
        };
        let shape = format!(
            r#"<path d="{}" {paint}/>"#,
            invocations::shape(m.outcome, m.x, cy, m.width)
        );
        let _ = writeln!(
            o,
            "<g>{shape}<title>{} {} invocation(s) on {}</title></g>",
            m.count,
            m.outcome.name(),
            m.shard
        );
    }
    // Each consumer's read position on each shard at the end of the run, with what it had not
    // read shaded (the web app draws the same at its playhead).
    for p in crate::playhead::read_positions(trace, trace.duration_us) {
        let Some(l) = lanes.iter().find(|l| l.shard == p.shard) else {
            continue;
        };
        let top = y(l.row);
        let x = axis.x(p.at_us).max(l.x_start).clamp(0.0, axis.width);
        let end = l.x_end.clamp(0.0, axis.width);
        if end > x {
            let _ = writeln!(
                o,
                r##"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#b26a00" fill-opacity="0.22"/>"##,
                top + 3.0,
                end - x,
                LANE_H - 6.0
            );
        }
        let _ = writeln!(
            o,
            r##"<g><line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#1b1f24" stroke-width="2"/><title>{} has read {} up to {} (IteratorAge {} at its last read)</title></g>"##,
            top + 1.0,
            top + LANE_H - 1.0,
            esc(&p.consumer),
            p.shard,
            clock(p.at_us),
            clock(p.age_ms * 1_000)
        );
    }
    for e in episodes(&trace.events, &axis) {
        let Some(row) = row_of(e.shard) else { continue };
        let (fill, dy) = match e.kind {
            EpisodeKind::WriteThrottled => ("#c62828", LANE_H - 5.0),
            EpisodeKind::ReadThrottled => ("#b26a00", 1.0),
            EpisodeKind::Expired => ("#b26a00", LANE_H - 9.0),
        };
        let _ = writeln!(
            o,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="4" fill="{fill}"><title>{}</title></rect>"#,
            e.x0.max(0.0),
            y(row) + dy,
            (e.x1.min(axis.width) - e.x0.max(0.0)).max(2.0),
            esc(&e.detail)
        );
    }
    for m in markers(&trace.events, &axis) {
        let color = match m.kind {
            MarkerKind::Action => "#1b1f24",
            MarkerKind::Rejected => "#b26a00",
            MarkerKind::Poison => "#c62828",
        };
        let _ = writeln!(
            o,
            r#"<g><line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{color}" stroke-dasharray="3 3"/><text x="{:.1}" y="{}" fill="{color}" font-weight="600">{}</text><title>{}</title></g>"#,
            2.0 + 13.0 * m.row as f64,
            lanes_h - 4.0,
            m.x + 3.0,
            11 + 13 * m.row,
            esc(&m.label),
            esc(&m.detail),
            x = m.x
        );
    }
    let mut top = lanes_h;
    for (title, series) in &charts {
        let c = chart(series, &axis, CHART_H, Scale::Linear);
        let _ = writeln!(
            o,
            r##"<text x="{:.1}" y="{:.1}" fill="#57606a">{}</text>"##,
            -GUTTER + 12.0,
            top + 16.0,
            esc(title)
        );
        let _ = writeln!(o, r#"<g transform="translate(0,{:.1})">"#, top + 24.0);
        for (yv, label) in &c.y_ticks {
            let _ = writeln!(
                o,
                r##"<line x1="0" x2="{:.1}" y1="{yv:.1}" y2="{yv:.1}" stroke="#d0d7de"/><text x="-6" y="{:.1}" text-anchor="end" fill="#57606a">{}</text>"##,
                axis.width,
                yv + 4.0,
                esc(label)
            );
        }
        for (i, line) in c.lines.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            for seg in &line.segments {
                let points: Vec<String> =
                    seg.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = writeln!(
                    o,
                    r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="1.4"/>"#,
                    points.join(" ")
                );
            }
            let _ = writeln!(
                o,
                r#"<text x="{:.1}" y="{:.1}" fill="{color}">— {}</text>"#,
                (i % 3) as f64 * axis.width / 3.0,
                CHART_H + 16.0 + 16.0 * (i / 3) as f64,
                esc(&line.label)
            );
        }
        let _ = writeln!(o, "</g>");
        top += chart_block(series.len());
    }
    let _ = writeln!(o, "</g>");
    if compare {
        compare_table(&mut o, &compared, height - 8.0 - table_h, width);
    }
    let _ = writeln!(
        o,
        r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#57606a">Shardscope · {} simulated · trace {}</text>"##,
        width - 8.0,
        height - 6.0,
        esc(&clock(trace.duration_us)),
        esc(&trace.hash())
    );
    o.push_str("</svg>\n");
    o
}

/// The compare table: per service, its name and figures on one line, its verdict under it.
fn compare_table(o: &mut String, rows: &[crate::compare::Row], top: f64, width: f64) {
    use crate::compare::{age, group, usd};
    let _ = writeln!(
        o,
        r##"<text x="12" y="{:.1}" font-size="12" font-weight="600" fill="#1b1f24">Compared: the same stream and timeline, each service on its own</text>"##,
        top + 16.0
    );
    for (i, r) in rows.iter().enumerate() {
        let y = top + 28.0 + COMPARE_ROW_H * i as f64;
        let downtime = r
            .downtime_us
            .map_or(String::new(), |d| format!(" · down {}", age(d / 1_000)));
        let cost = r
            .usd
            .map_or(String::new(), |u| format!(" · {} (estimate)", usd(u)));
        let _ = writeln!(
            o,
            r##"<text x="12" y="{:.1}" fill="#1b1f24"><tspan font-weight="600">{}</tspan> · {} · processed {} · discarded {} · expired {} · read again {} · max {} {}{downtime}{cost}</text>"##,
            y + 12.0,
            esc(&r.name),
            esc(r.service),
            group(r.processed),
            group(r.discarded),
            group(r.expired),
            group(r.again),
            r.lag_label,
            age(r.lag_ms)
        );
        let _ = writeln!(
            o,
            r##"<text x="24" y="{:.1}" fill="#57606a" textLength="{:.0}" lengthAdjust="spacingAndGlyphs">{}</text>"##,
            y + 26.0,
            width - 36.0,
            esc(&r.verdict)
        );
    }
}

/// A Flink or Glue consumer's lane: status bands (`band_fill` by status) and the marks
/// (the same shapes as the web app, painted by `paint`).
fn status_lane(
    o: &mut String,
    l: &crate::status_lane::Lane,
    top: f64,
    axis: &TimeAxis,
    events: &[shardscope_engine::trace::TraceEvent],
    band_fill: fn(&str) -> &'static str,
    paint: fn(&str) -> &'static str,
) {
    let _ = writeln!(
        o,
        r##"<text x="-8" y="{:.1}" text-anchor="end" fill="#57606a">{}</text>"##,
        top + 15.0,
        esc(&crate::firehose::short_label(&l.consumer))
    );
    let _ = writeln!(
        o,
        r##"<rect x="0" y="{:.1}" width="{:.1}" height="{:.1}" fill="#eef5ee"/>"##,
        top + 3.0,
        axis.width,
        LANE_H - 6.0
    );
    for b in &l.bands {
        let _ = writeln!(
            o,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}" fill-opacity="0.3"><title>{}</title></rect>"#,
            b.x0,
            top + 3.0,
            (b.x1 - b.x0).max(1.0),
            LANE_H - 6.0,
            band_fill(b.status),
            b.status
        );
    }
    let cy = top + LANE_H / 2.0;
    for m in &l.marks {
        let _ = writeln!(
            o,
            r#"<g><path d="{}" {}/><title>{}</title></g>"#,
            m.path(cy),
            paint(m.look.name),
            esc(&m.title(&l.consumer, events))
        );
    }
}

/// Flink: restarting red, updating and autoscaling amber, stopped grey.
fn flink_band(status: &str) -> &'static str {
    match status {
        "RESTARTING" => "#c62828",
        "READY" => "#8c959f",
        _ => "#b26a00",
    }
}

/// A status lane's mark by its class (Flink's, Glue's and KDA SQL's).
fn paint(name: &str) -> &'static str {
    match name {
        "checkpoint" | "batch" | "window" => r##"fill="#2e7d32""##,
        "checkpoint-aborted" => r##"fill="#c62828""##,
        "failure" | "batch-failed" | "poison" => {
            r##"stroke="#c62828" stroke-width="1.8" fill="none""##
        }
        "restore" | "reset" => r##"fill="#6a1b9a""##,
        "snapshot" | "restart" | "reshard" => r##"fill="#0969da""##,
        "scale" | "processing-failed" => r##"fill="#b26a00""##,
        _ => r##"fill="#1b1f24""##,
    }
}

/// Glue: failed and timed-out runs red, starting amber, stopped grey.
fn glue_band(status: &str) -> &'static str {
    match status {
        "FAILED" | "TIMEOUT" => "#c62828",
        "STOPPED" => "#8c959f",
        _ => "#b26a00",
    }
}

/// KDA SQL: stalled red, stopped grey.
fn kda_band(status: &str) -> &'static str {
    match status {
        "STALLED" => "#c62828",
        _ => "#8c959f",
    }
}

/// A Firehose consumer's lane: outages as a grey band, buffers filling as light bars,
/// stalls in red, and each delivery's mark (the same shapes as the web app).
fn firehose_lane(o: &mut String, l: &crate::firehose::Lane, top: f64, axis: &TimeAxis) {
    use crate::firehose::{shape, Outcome};
    let _ = writeln!(
        o,
        r##"<text x="-8" y="{:.1}" text-anchor="end" fill="#57606a">{}</text>"##,
        top + 15.0,
        esc(&crate::firehose::short_label(&l.consumer))
    );
    let _ = writeln!(
        o,
        r##"<rect x="0" y="{:.1}" width="{:.1}" height="{:.1}" fill="#f3f0fa"/>"##,
        top + 3.0,
        axis.width,
        LANE_H - 6.0
    );
    let bands = [
        (&l.outages, "#8c959f", 0.35, 3.0, LANE_H - 6.0),
        (&l.backup_outages, "#8c959f", 0.2, 3.0, LANE_H - 6.0),
        (&l.buffers, "#6a1b9a", 0.18, 5.0, 4.0),
        (&l.stalls, "#c62828", 0.5, LANE_H - 7.0, 4.0),
    ];
    for (spans, fill, opacity, dy, h) in bands {
        for s in spans.iter() {
            let _ = writeln!(
                o,
                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="{fill}" fill-opacity="{opacity}"/>"#,
                s.x0,
                top + dy,
                (s.x1 - s.x0).max(1.0)
            );
        }
    }
    let cy = top + LANE_H / 2.0;
    for m in &l.marks {
        let paint = match m.outcome {
            Outcome::Transformed => r##"fill="#6a1b9a" fill-opacity="0.6""##,
            Outcome::Delivered => r##"fill="#2e7d32""##,
            Outcome::InProgress => r##"fill="none" stroke="#57606a" stroke-width="1.4""##,
            Outcome::Retried => r##"fill="#b26a00""##,
            Outcome::ErrorsWritten => r##"fill="#6a1b9a""##,
            Outcome::TransformFailed => r##"stroke="#c62828" stroke-width="1.4" fill="none""##,
            Outcome::ToBackup => r##"fill="#1b1f24""##,
            Outcome::Expired => r##"stroke="#c62828" stroke-width="1.8" fill="none""##,
        };
        let _ = writeln!(
            o,
            r#"<g><path d="{}" {paint}/><title>{} × {} ({})</title></g>"#,
            shape(m.outcome, m.x, m.x_end, cy),
            m.count,
            m.outcome.label(),
            esc(&l.consumer)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::{scenario, Simulation};

    #[test]
    fn the_same_trace_gives_the_same_bytes_and_well_formed_text() {
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "title": "A <tricky> & \"quoted\" title", "duration": "5m",
                 "stream": { "ShardCount": 2 },
                 "producers": [ { "name": "p", "records_per_second": 100 } ],
                 "consumers": [ { "kind": "lambda", "name": "fn",
                                  "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
                 "timeline": [ { "at": "2m", "do": "poison" }, { "at": "3m", "do": "update_shard_count", "TargetShardCount": 4 } ] }"#,
        )
        .unwrap();
        let a = render(&Simulation::new(&s).unwrap().finish(), 800.0);
        let b = render(&Simulation::new(&s).unwrap().finish(), 800.0);
        assert_eq!(a, b);
        assert!(a.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\""));
        assert!(a.contains("A &lt;tricky&gt; &amp; &quot;quoted&quot; title"));
        assert!(a.contains(">poison</text>"));
        assert!(a.contains("shard 5"), "six shards after 2 → 4");
        assert_eq!(a.matches("<g").count(), a.matches("</g>").count());
        assert!(a.ends_with("</svg>\n"));
    }

    #[test]
    fn the_compare_svg_adds_a_row_and_a_verdict_per_service() {
        // A Lambda function and a Firehose stream, each alone with the stream.
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "title": "t", "duration": "5m",
                 "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 10 } ],
                 "consumers": [
                     { "kind": "lambda", "name": "fn", "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } },
                     { "kind": "firehose", "name": "fh", "ExtendedS3DestinationConfiguration": {} } ] }"#,
        )
        .unwrap();
        let choice = shardscope_engine::compare::Choice {
            consumers: vec!["fn".into(), "fh".into()],
            shared: false,
        };
        let t = shardscope_engine::compare::Runs::new(&s, Some(&choice))
            .unwrap()
            .finish();
        let plain = render(&t, 800.0);
        let a = render_compare(&t, 800.0);
        assert_eq!(a, render_compare(&t, 800.0));
        assert!(!plain.contains("Compared:"));
        assert!(a.contains("Compared: the same stream and timeline, each service on its own"));
        let rows = crate::compare::rows(&t);
        assert_eq!(rows.len(), 2);
        for r in &rows {
            assert!(a.contains(&format!("<tspan font-weight=\"600\">{}</tspan>", r.name)));
            assert!(a.contains(&esc(&r.verdict)), "{}", r.verdict);
        }
        // Two rows of 34 px more than the plain drawing, and a heading of 28.
        let height = |svg: &str| -> u32 {
            let h = svg.split("height=\"").nth(1).unwrap_or("");
            h[..h.find('"').unwrap_or(0)].parse().unwrap_or(0)
        };
        assert_eq!(height(&a), height(&plain) + 28 + 2 * 34);
        assert_eq!(a.matches("<g").count(), a.matches("</g>").count());
    }

    #[test]
    fn a_firehose_consumer_gets_its_lane_and_its_data_freshness_chart() {
        // OpenSearch down from 2 to 6 min, a 60 s retry window: batches go to the backup.
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "title": "t", "duration": "10m",
                 "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 10 } ],
                 "consumers": [ { "kind": "firehose", "name": "logs",
                     "AmazonopensearchserviceDestinationConfiguration": {
                         "BufferingHints": { "SizeInMBs": 5, "IntervalInSeconds": 60 },
                         "RetryOptions": { "DurationInSeconds": 60 } } } ],
                 "timeline": [ { "at": "2m", "do": "destination_outage", "consumer": "logs", "duration": "4m" } ] }"#,
        )
        .unwrap();
        let svg = render(&Simulation::new(&s).unwrap().finish(), 800.0);
        assert!(svg.contains(">logs</text>"), "the lane's label");
        assert!(svg.contains("retry window used up → S3 backup (logs)"));
        assert!(svg.contains("buffer delivered (logs)"));
        assert!(svg.contains("Firehose DataFreshness (s)"));
        assert!(svg.contains(">destination_outage</text>"));
        assert_eq!(svg.matches("<g").count(), svg.matches("</g>").count());
    }

    #[test]
    fn a_blocked_shard_is_drawn_read_up_to_its_poison_record() {
        // One shard, a poison record at 2 min, default retries: the mapping never gets past it.
        let s = scenario::parse(
            r#"{ "format": "shardscope/1", "title": "t", "duration": "10m",
                 "stream": { "ShardCount": 1 },
                 "producers": [ { "name": "p", "records_per_second": 10 } ],
                 "consumers": [ { "kind": "lambda", "name": "fn",
                                  "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } } ],
                 "timeline": [ { "at": "2m", "do": "poison" } ] }"#,
        )
        .unwrap();
        let svg = render(&Simulation::new(&s).unwrap().finish(), 800.0);
        assert_eq!(
            svg.matches(" has read ").count(),
            1,
            "one consumer, one shard"
        );
        // Read up to the poison record (written at 2 min), to within one metric period.
        let title = svg.split("<title>fn has read ").nth(1).unwrap();
        assert!(
            title.starts_with("shardId-000000000000 up to 1m")
                || title.starts_with("shardId-000000000000 up to 2m"),
            "{title}"
        );
        // The unread rest of the lane is shaded, from there to the end of the run.
        let axis = TimeAxis::whole(s.duration.0, 800.0 - GUTTER - 12.0);
        let behind = svg.split(r#"fill-opacity="0.22""#).count() - 1;
        assert_eq!(behind, 1);
        let rect = svg
            .lines()
            .find(|l| l.contains(r#"fill-opacity="0.22""#))
            .unwrap();
        let x: f64 = rect
            .split("x=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let two_min = axis.x(120_000_000);
        assert!(
            (x - two_min).abs() <= axis.x(60_000_000),
            "shaded from {x}, poison at {two_min}"
        );
    }
}
