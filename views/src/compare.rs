//! The compare table: each consumer's summary figures side by side, under the names
//! its own service gives them, with its cost and a one-line verdict read from the run
//! (the first rule that the figures meet, with those figures in it).

use shardscope_engine::trace::{ConsumerSummary, Trace};

use crate::coord::D1;
use crate::TimeAxis;

/// One service's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The consumer's name.
    pub name: String,
    /// Its kind (`lambda`, `firehose`…).
    pub kind: String,
    /// The service, as AWS names it.
    pub service: &'static str,
    pub processed: u64,
    pub discarded: u64,
    pub expired: u64,
    /// Records read again (retries and replays).
    pub again: u64,
    /// The highest lag, in ms.
    pub lag_ms: u64,
    /// The service's metric for it.
    pub lag_label: &'static str,
    /// Time the consumer processed nothing because it was not running (restarts,
    /// stops, no job run, stalls), in µs; `None` for a service that has no such state.
    pub downtime_us: Option<u64>,
    /// The consumer's cost estimate in USD (its own meters; the stream's apart).
    pub usd: Option<f64>,
    /// What happened, in one line.
    pub verdict: String,
}

/// The service behind a kind.
pub fn service(kind: &str) -> &'static str {
    match kind {
        "lambda" => "Lambda (event source mapping)",
        "firehose" => "Data Firehose",
        "flink" => "Managed Service for Apache Flink",
        "glue" => "Glue streaming",
        "kda_sql" => "KDA for SQL (retired)",
        _ => "consumer",
    }
}

/// A number with thousands separators.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` things: "1 record", "2 records", "3 retries", "4 micro-batches" (`word` is the singular).
pub fn count(n: u64, word: &str) -> String {
    if n == 1 {
        return format!("1 {word}");
    }
    let n = group(n);
    match word.strip_suffix('y') {
        Some(stem) => format!("{n} {stem}ies"),
        None if word.ends_with("ch") => format!("{n} {word}es"),
        None => format!("{n} {word}s"),
    }
}

/// A duration in ms, in the unit a reader expects.
pub fn age(ms: u64) -> String {
    match ms {
        0..=999 => format!("{ms} ms"),
        1_000..=119_999 => format!("{} s", D1(ms as f64 / 1e3)),
        120_000..=7_199_999 => format!("{} min", D1(ms as f64 / 60e3)),
        _ => format!("{} h", D1(ms as f64 / 3_600e3)),
    }
}

/// Dollars: cents from a dollar up, else four decimals (no float formatting: its code
/// is large in the bundle).
pub fn usd(x: f64) -> String {
    let t = (x.max(0.0) * 1e4).round() as u64;
    if t < 10_000 {
        format!("$0.{t:04}")
    } else {
        let c = (x * 100.0).round() as u64;
        format!("${}.{:02}", group(c / 100), c % 100)
    }
}

/// A quantity with up to six decimals, trailing zeros dropped: 2, 0.18, 17.14775.
pub fn number(x: f64) -> String {
    let m = (x.max(0.0) * 1e6).round() as u64;
    let frac = format!("{:06}", m % 1_000_000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        group(m / 1_000_000)
    } else {
        format!("{}.{frac}", group(m / 1_000_000))
    }
}

/// The rows, in the summary's order (by name).
pub fn rows(trace: &Trace) -> Vec<Row> {
    // One pixel a microsecond: band widths are durations.
    let axis = TimeAxis::whole(trace.duration_us, trace.duration_us.max(1) as f64);
    let mut down: Vec<(String, f64)> = Vec::new();
    for lanes in [
        crate::flink::lanes(&trace.events, &axis),
        crate::glue::lanes(&trace.events, &axis),
        crate::kda_sql::lanes(&trace.events, &axis),
    ] {
        for l in lanes {
            let d = l.bands.iter().map(|b| b.x1 - b.x0).sum();
            down.push((l.consumer, d));
        }
    }
    for l in crate::firehose::lanes_with(&trace.events, &axis, false) {
        let d = l.stalls.iter().map(|b| b.x1 - b.x0).sum();
        down.push((l.consumer, d));
    }
    let cost = trace.summary.cost.as_ref();
    trace
        .summary
        .consumers
        .iter()
        .map(|(name, c)| {
            let (lag_ms, lag_label) = lag(c);
            let downtime_us = if c.kind == "lambda" {
                None
            } else {
                Some(
                    down.iter()
                        .find(|(n, _)| n == name)
                        .map_or(0, |(_, d)| d.round() as u64),
                )
            };
            Row {
                name: name.clone(),
                kind: c.kind.clone(),
                service: service(&c.kind),
                processed: c.processed,
                discarded: c.discarded,
                expired: c.expired_unprocessed,
                again: c.redeliveries,
                lag_ms,
                lag_label,
                downtime_us,
                usd: cost.and_then(|k| k.consumers.get(name)).map(|k| k.usd),
                verdict: verdict(c, downtime_us.unwrap_or(0)),
            }
        })
        .collect()
}

/// A consumer's highest lag and its service's metric for it.
fn lag(c: &ConsumerSummary) -> (u64, &'static str) {
    if let Some(f) = &c.flink {
        return (f.max_millis_behind_latest, "millisBehindLatest");
    }
    if let Some(k) = &c.kda_sql {
        return (k.max_millis_behind_latest, "MillisBehindLatest");
    }
    if let Some(f) = &c.firehose {
        return (f.max_data_freshness_ms, "DataFreshness");
    }
    (c.max_iterator_age_ms, "IteratorAge")
}

/// A Lambda shard at least this far behind (ms) after failures is taken for blocked.
const BLOCKED_MS: u64 = 300_000;

/// What happened to a consumer, in one line: the first rule its figures meet, most
/// telling first (errors, then lag, then replays, then how it kept up).
pub fn verdict(c: &ConsumerSummary, downtime_us: u64) -> String {
    let wait = if c.pending_at_end > 0 {
        format!("; {} wait", count(c.pending_at_end, "record"))
    } else {
        String::new()
    };
    let expired = if c.expired_unprocessed > 0 {
        format!(
            "; {} expired unread",
            count(c.expired_unprocessed, "record")
        )
    } else {
        String::new()
    };
    let down = age(downtime_us / 1_000);
    let (_, lag_label) = lag(c);
    // Far behind at the end without an error: it did not keep up.
    let behind = |lag_ms: u64| -> Option<String> {
        (lag_ms >= 600_000 && c.pending_at_end > 0 && c.redeliveries == 0).then(|| {
            format!(
                "fell behind: {lag_label} reached {}{wait}{expired}",
                age(lag_ms)
            )
        })
    };
    let again = count(c.redeliveries, "record");
    if let Some(f) = &c.flink {
        if f.restarts > 0 {
            return format!(
                "failed and restarted {} from its last checkpoint (down {down}); the sink got {} twice{wait}{expired}",
                count(f.restarts, "time"),
                count(f.duplicates_at_sink, "record")
            );
        }
        if f.records_skipped > 0 {
            return format!(
                "skipped {} on a restore without state",
                count(f.records_skipped, "record")
            );
        }
        if let Some(b) = behind(f.max_millis_behind_latest) {
            return b;
        }
        if f.duplicates_at_sink > 0 {
            return format!(
                "restored from a snapshot: read {again} again, the sink got {} twice (down {down})",
                count(f.duplicates_at_sink, "record")
            );
        }
        let scaled = if downtime_us > 0 {
            format!(", down {down} while it stopped, scaled or restarted")
        } else {
            String::new()
        };
        return format!(
            "kept up at parallelism {} (up to {} KPUs){scaled}; millisBehindLatest at most {}",
            f.parallelism_at_end,
            f.max_kpus,
            age(f.max_millis_behind_latest)
        );
    }
    if let Some(k) = &c.glue {
        if k.failed_runs > 0 {
            return format!(
                "a batch failed {} ({} in the run); {} of {} runs FAILED{wait}{expired}",
                count(k.failed_batches, "time"),
                count(k.batch_retries, "retry"),
                group(k.failed_runs),
                group(k.job_runs)
            );
        }
        if k.failed_batches > 0 {
            return format!(
                "{}, retried: {} written twice{expired}",
                count(k.failed_batches, "failed batch attempt"),
                count(k.duplicates, "record")
            );
        }
        if let Some(b) = behind(c.max_iterator_age_ms) {
            return b;
        }
        if c.redeliveries > 0 {
            return format!(
                "read {again} again from a new checkpoint location ({})",
                count(k.job_runs, "run")
            );
        }
        return format!(
            "committed {} on up to {}, the longest in {}{expired}",
            count(k.micro_batches, "micro-batch"),
            count(u64::from(k.max_workers), "worker"),
            age(k.max_batch_processing_ms)
        );
    }
    if let Some(k) = &c.kda_sql {
        if k.error_stream_records > 0 {
            return format!(
                "sent {} to error_stream and went on: {} emitted{expired}",
                count(k.error_stream_records, "bad row"),
                count(k.windows_emitted, "window")
            );
        }
        if k.destination_retries > 0 {
            return format!(
                "an output failed {} and stalled the application (down {down}); nothing dropped{expired}",
                count(k.destination_retries, "time")
            );
        }
        if let Some(b) = behind(k.max_millis_behind_latest) {
            return b;
        }
        if c.redeliveries > 0 {
            return format!(
                "restarted: read {again} again, and its output got {} again",
                count(k.duplicates, "row")
            );
        }
        return format!(
            "emitted {} on up to {}; MillisBehindLatest at most {}",
            count(k.windows_emitted, "window"),
            count(u64::from(k.kpus), "KPU"),
            age(k.max_millis_behind_latest)
        );
    }
    if let Some(f) = &c.firehose {
        if f.records_processing_failed > 0 {
            return format!(
                "the transform failed {} into processing-failed/ in S3; delivery went on ({} delivered){expired}",
                count(f.records_processing_failed, "record"),
                group(f.delivered_records)
            );
        }
        if f.records_to_backup > 0 {
            return format!(
                "{} went to the S3 backup or error prefix after the retry window{expired}",
                count(f.records_to_backup, "record")
            );
        }
        if f.failed_delivery_attempts > 0 {
            return format!(
                "{}, retried (stalled {down}){expired}",
                count(f.failed_delivery_attempts, "failed delivery attempt")
            );
        }
        if let Some(b) = behind(f.max_data_freshness_ms) {
            return b;
        }
        return format!(
            "delivered {} in {}, scaling by itself; DataFreshness at most {}",
            count(f.delivered_records, "record"),
            count(f.delivery_batches, "buffer"),
            age(f.max_data_freshness_ms)
        );
    }
    // Lambda (and any consumer without a block of its own).
    if c.discarded > 0 {
        let dlq = if c.on_failure_messages > 0 {
            format!(", {}", count(c.on_failure_messages, "OnFailure message"))
        } else {
            String::new()
        };
        return format!(
            "gave up on {} after {}{dlq}; the shard moved on{expired}",
            count(c.discarded, "record"),
            count(c.failed_invocations, "failed invocation")
        );
    }
    if c.expired_unprocessed > 0 && c.failed_invocations > 0 {
        return format!(
            "retried until {} expired from the stream, unprocessed",
            count(c.expired_unprocessed, "record")
        );
    }
    if c.expired_unprocessed > 0 {
        return format!(
            "fell behind: {} expired from the stream unread (IteratorAge {})",
            count(c.expired_unprocessed, "record"),
            age(c.max_iterator_age_ms)
        );
    }
    // Blocked, not merely busy: failures, records waiting, and a shard five minutes or
    // more behind (transient failures retried at once leave IteratorAge low).
    if c.failed_invocations > 0 && c.pending_at_end > 0 && c.max_iterator_age_ms >= BLOCKED_MS {
        return format!(
            "retries a failing batch until its records expire: {}, the shard blocked behind it (IteratorAge {}){wait}",
            count(c.failed_invocations, "failed invocation"),
            age(c.max_iterator_age_ms)
        );
    }
    if c.failed_invocations > 0 {
        return format!(
            "{}, retried until they succeeded: nothing lost",
            count(c.failed_invocations, "failed invocation")
        );
    }
    if let Some(b) = behind(c.max_iterator_age_ms) {
        return b;
    }
    if c.redeliveries > 0 {
        return format!(
            "read {again} again from a recreated mapping; IteratorAge at most {}",
            age(c.max_iterator_age_ms)
        );
    }
    format!(
        "kept up: {} in {} (up to {} at once), IteratorAge at most {}",
        count(c.processed, "record"),
        count(c.invocations, "invocation"),
        group(c.max_concurrency),
        age(c.max_iterator_age_ms)
    )
}

/// The answer to a tour question (0 use cases, 1 error handling, 2 scaling, 3
/// reprocessing) from a row: its verdict, then the figures that question looks at.
pub fn answer(question: usize, r: &Row) -> String {
    let mut first = r.verdict.clone();
    // Verdicts start with an ASCII word (Unicode case tables are large in the bundle).
    if let Some(c) = first.get_mut(..1) {
        c.make_ascii_uppercase();
    }
    let down = r.downtime_us.map_or(String::new(), |d| {
        format!(", and it was down {}", age(d / 1_000))
    });
    let second = match question {
        0 => format!(
            "It processed {} with {} at most {}{}.",
            count(r.processed, "record"),
            r.lag_label,
            age(r.lag_ms),
            r.usd.map_or(String::new(), |u| format!(
                ", for about {} (estimate)",
                usd(u)
            ))
        ),
        1 => format!(
            "It discarded {}, lost {} to expiry and read {} again.",
            group(r.discarded),
            group(r.expired),
            group(r.again)
        ),
        2 => format!("Its {} peaked at {}{down}.", r.lag_label, age(r.lag_ms)),
        _ if r.again == 0 => "It read no record a second time.".to_string(),
        _ => format!(
            "Catching up, its {} reached {}{down}.",
            r.lag_label,
            age(r.lag_ms)
        ),
    };
    format!("{first}. {second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_in_their_unit() {
        assert_eq!(group(1_234_567), "1,234,567");
        assert_eq!(age(3_136), "3.1 s");
        assert_eq!(age(3_594_028), "59.9 min");
        assert_eq!(usd(0.0426), "$0.0426");
        assert_eq!(usd(12.345), "$12.35");
        assert_eq!(usd(0.99996), "$1.00");
        assert_eq!(usd(1_234.5), "$1,234.50");
        assert_eq!(number(2.0), "2");
        assert_eq!(number(0.180001), "0.180001");
        assert_eq!(number(17.14775), "17.14775");
        assert_eq!(count(1, "record"), "1 record");
        assert_eq!(count(1_000, "retry"), "1,000 retries");
        assert_eq!(count(2, "micro-batch"), "2 micro-batches");
    }

    #[test]
    fn a_blocked_lambda_shard_and_a_bounded_one_read_differently() {
        let blocked = ConsumerSummary {
            kind: "lambda".into(),
            failed_invocations: 1_200,
            pending_at_end: 50_000,
            max_iterator_age_ms: 3_000_000,
            ..Default::default()
        };
        assert_eq!(
            verdict(&blocked, 0),
            "retries a failing batch until its records expire: 1,200 failed invocations, the shard blocked behind it (IteratorAge 50.0 min); 50,000 records wait"
        );
        let bounded = ConsumerSummary {
            kind: "lambda".into(),
            failed_invocations: 3,
            discarded: 12,
            on_failure_messages: 1,
            ..Default::default()
        };
        assert_eq!(
            verdict(&bounded, 0),
            "gave up on 12 records after 3 failed invocations, 1 OnFailure message; the shard moved on"
        );
        // A failure retried at once, records in flight at the end: not blocked.
        let transient = ConsumerSummary {
            kind: "lambda".into(),
            failed_invocations: 2,
            pending_at_end: 40,
            processed: 1_000,
            invocations: 20,
            max_iterator_age_ms: 1_500,
            ..Default::default()
        };
        assert_eq!(
            verdict(&transient, 0),
            "2 failed invocations, retried until they succeeded: nothing lost"
        );
        // Expired without a failure: it fell behind.
        let slow = ConsumerSummary {
            kind: "lambda".into(),
            expired_unprocessed: 500,
            max_iterator_age_ms: 90_000_000,
            ..Default::default()
        };
        assert_eq!(
            verdict(&slow, 0),
            "fell behind: 500 records expired from the stream unread (IteratorAge 25.0 h)"
        );
    }
}
