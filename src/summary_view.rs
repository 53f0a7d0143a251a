//! The run's summary (`shardscope-summary/1`) as tables a reader can scan: the stream's
//! figures, then one column per consumer.

use shardscope_engine::firehose::FirehoseSummary;
use shardscope_engine::flink::FlinkSummary;
use shardscope_engine::glue::GlueSummary;
use shardscope_engine::kda_sql::KdaSqlSummary;
use shardscope_engine::trace::{ConsumerSummary, Summary};
/// 1234567 → "1,234,567" (the views' own, shared with the CLI).
pub use shardscope_views::compare::group;
use yew::prelude::*;

/// A consumer row: label, explanation (a tooltip), and how to read the value.
type Row = (&'static str, &'static str, fn(&ConsumerSummary) -> u64);

const CONSUMER_ROWS: &[Row] = &[
    (
        "records in scope",
        "Records from the consumer's starting position on, written before the end",
        |c| c.records_in_scope,
    ),
    (
        "processed",
        "Distinct records processed successfully",
        |c| c.processed,
    ),
    (
        "discarded",
        "Given up on after retries or age, with or without an OnFailure destination",
        |c| c.discarded,
    ),
    (
        "expired unprocessed",
        "Aged out of the stream (retention) before being processed",
        |c| c.expired_unprocessed,
    ),
    (
        "pending at end",
        "Still in the stream, not yet processed, when the run ended",
        |c| c.pending_at_end,
    ),
    (
        "deliveries",
        "Record deliveries to the handler, retries included",
        |c| c.deliveries,
    ),
    (
        "redeliveries",
        "Deliveries of a record after its first one",
        |c| c.redeliveries,
    ),
    ("invocations", "Function invocations", |c| c.invocations),
    (
        "failed invocations",
        "Invocations that returned an error or timed out",
        |c| c.failed_invocations,
    ),
    (
        "bisections",
        "Failed batches split in two (BisectBatchOnFunctionError)",
        |c| c.bisections,
    ),
    (
        "throttled invocations",
        "Invocations refused by concurrency limits; they never use up retries",
        |c| c.throttled_invocations,
    ),
    (
        "OnFailure messages",
        "Records sent to the OnFailure destination",
        |c| c.on_failure_messages,
    ),
    ("max concurrency", "Most invocations running at once", |c| {
        c.max_concurrency
    }),
    (
        "max iterator age (ms)",
        "Largest age of the last record read, on any shard",
        |c| c.max_iterator_age_ms,
    ),
    (
        "ordering violations",
        "Records first processed after a later-written record of the same key",
        |c| c.ordering_violations,
    ),
];

/// Rows that only a Lambda mapping fills: other kinds show "—".
const LAMBDA_ONLY: &[&str] = &["bisections", "throttled invocations", "OnFailure messages"];

/// A Firehose row: label, explanation, value.
type FirehoseRow = (&'static str, &'static str, fn(&FirehoseSummary) -> u64);

const FIREHOSE_ROWS: &[FirehoseRow] = &[
    (
        "delivery batches",
        "Buffers delivered to the destination",
        |f| f.delivery_batches,
    ),
    (
        "delivered records",
        "Records the destination received",
        |f| f.delivered_records,
    ),
    ("delivered bytes", "Bytes the destination received", |f| {
        f.delivered_bytes
    }),
    (
        "failed delivery attempts",
        "Delivery attempts that failed (retried within the retry window, or indefinitely for S3)",
        |f| f.failed_delivery_attempts,
    ),
    (
        "records to S3 backup",
        "Records written to an S3 error prefix or backup (failed, or all data)",
        |f| f.records_to_backup,
    ),
    (
        "ProcessingFailed records",
        "Records the transform Lambda failed: written to processing-failed/",
        |f| f.records_processing_failed,
    ),
    (
        "Dropped by transform",
        "Records the transform returned Dropped (a success)",
        |f| f.records_dropped_by_transform,
    ),
    (
        "max DataFreshness (ms)",
        "Age of the oldest record in Firehose, at its highest",
        |f| f.max_data_freshness_ms,
    ),
];

/// A row of a service's own table: label, tooltip, value as text.
type BlockRow<T> = (&'static str, &'static str, fn(&T) -> String);

const FLINK_ROWS: &[BlockRow<FlinkSummary>] = &[
    ("restarts", "fullRestarts", |f| group(f.restarts)),
    ("checkpoints", "completed", |f| {
        group(f.checkpoints_completed)
    }),
    ("snapshots", "manual and automatic", |f| group(f.snapshots)),
    ("downtime (ms)", "restarts, updates, scaling", |f| {
        group(f.downtime_ms)
    }),
    (
        "duplicates at sink",
        "replayed into an at-least-once sink",
        |f| group(f.duplicates_at_sink),
    ),
    (
        "records skipped",
        "passed over by a start without state",
        |f| group(f.records_skipped),
    ),
    ("max millisBehindLatest", "highest", |f| {
        group(f.max_millis_behind_latest)
    }),
    ("parallelism at end", "after autoscaling", |f| {
        f.parallelism_at_end.to_string()
    }),
    (
        "max KPUs",
        "⌈Parallelism / ParallelismPerKPU⌉ + 1",
        |f| f.max_kpus.to_string(),
    ),
    ("KPU-hours", "orchestration KPU included", |f| {
        milli(f.kpu_hours.0)
    }),
];

const GLUE_ROWS: &[BlockRow<GlueSummary>] = &[
    ("micro-batches", "committed to checkpointLocation", |g| {
        group(g.micro_batches)
    }),
    ("failed batch attempts", "the batch function raised", |g| {
        group(g.failed_batches)
    }),
    (
        "batch retries",
        "batchMaxRetries: after 1 s, 2 s, 5 s",
        |g| group(g.batch_retries),
    ),
    ("job runs", "started: attempts and restarts included", |g| {
        group(g.job_runs)
    }),
    ("failed runs", "ended FAILED", |g| group(g.failed_runs)),
    (
        "duplicates",
        "written by a failed attempt, then again",
        |g| group(g.duplicates),
    ),
    (
        "max batchProcessingTimeInMs",
        "longest micro-batch, fetch to commit",
        |g| group(g.max_batch_processing_ms),
    ),
    ("max workers", "driver included", |g| {
        g.max_workers.to_string()
    }),
    ("DPU-hours", "1-minute minimum per run", |g| {
        milli(g.dpu_hours.0)
    }),
];

const KDA_SQL_ROWS: &[BlockRow<KdaSqlSummary>] = &[
    (
        "error_stream records",
        "bad rows and ProcessingFailed",
        |k| group(k.error_stream_records),
    ),
    ("windows emitted", "sliding: rows emitted", |k| {
        group(k.windows_emitted)
    }),
    (
        "delivery retries",
        "destinations and preprocessor, retried for ever",
        |k| group(k.destination_retries),
    ),
    (
        "duplicates",
        "rows an output received again after a restart",
        |k| group(k.duplicates),
    ),
    ("max MillisBehindLatest", "highest", |k| {
        group(k.max_millis_behind_latest)
    }),
    ("max KPUs", "8 by default", |k| k.kpus.to_string()),
];

/// A table of one service's own figures (`pick` finds them in a consumer's summary).
fn block_table<T>(
    s: &Summary,
    (label, caption): (&'static str, &'static str),
    pick: fn(&ConsumerSummary) -> Option<&T>,
    rows: &[BlockRow<T>],
) -> Html {
    if !s.consumers.values().any(|c| pick(c).is_some()) {
        return html! {};
    }
    html! {
        <table class="figures" aria-label={label}>
            <caption>{ caption }</caption>
            <thead>
                <tr>
                    <th scope="col"></th>
                    { for s.consumers.iter().filter(|(_, c)| pick(c).is_some()).map(|(name, _)| html! {
                        <th scope="col">{ name.clone() }</th>
                    }) }
                </tr>
            </thead>
            <tbody>
                { for rows.iter().map(|(label, why, get)| html! {
                    <tr title={*why}>
                        <th scope="row">{ *label }</th>
                        { for s.consumers.values().filter_map(pick).map(|f| html! { <td>{ get(f) }</td> }) }
                    </tr>
                }) }
            </tbody>
        </table>
    }
}

/// The summary's tables. (A function, not a component: each component is its own copy
/// of Yew's machinery in the bundle.)
pub fn summary_view(s: &Summary) -> Html {
    let st = &s.stream;
    let stream_rows = [
        ("incoming records", "IncomingRecords: records admitted to the stream", st.incoming_records),
        ("write-throttled records", "WriteProvisionedThroughputExceeded: put attempts over a shard's 1 MiB/s or 1,000 records/s", st.write_throttled_records),
        ("read-throttled calls", "ReadProvisionedThroughputExceeded: GetRecords calls over a shard's 5 calls/s or 2 MiB/s", st.read_throttled_calls),
        ("open shards at end", "Shards accepting writes when the run ended", u64::from(st.open_shards_at_end)),
        ("shards created", "Every shard the stream ever had, parents and children included", u64::from(st.shards_total)),
    ];
    html! {
        <div class="summary">
            <table class="figures" aria-label="Stream summary">
                <caption>{ "Stream" }</caption>
                <tbody>
                    { for stream_rows.iter().map(|(label, why, v)| html! {
                        <tr title={*why}><th scope="row">{ *label }</th><td>{ group(*v) }</td></tr>
                    }) }
                </tbody>
            </table>
            if !s.consumers.is_empty() {
                <table class="figures" aria-label="Consumer summary">
                    <caption>{ "Consumers" }</caption>
                    <thead>
                        <tr>
                            <th scope="col"></th>
                            { for s.consumers.iter().map(|(name, c)| html! {
                                <th scope="col">{ name.clone() }<span class="kind">{ format!(" ({})", c.kind) }</span></th>
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for CONSUMER_ROWS.iter().map(|(label, why, get)| html! {
                            <tr title={*why}>
                                <th scope="row">{ *label }</th>
                                { for s.consumers.values().map(|c| {
                                    if c.kind != "lambda" && LAMBDA_ONLY.contains(label) {
                                        html! { <td class="na">{ "—" }</td> }
                                    } else {
                                        html! { <td>{ group(get(c)) }</td> }
                                    }
                                }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            if s.consumers.values().any(|c| c.firehose.is_some()) {
                <table class="figures" aria-label="Firehose summary">
                    <caption>{ "Firehose" }</caption>
                    <thead>
                        <tr>
                            <th scope="col"></th>
                            { for s.consumers.iter().filter(|(_, c)| c.firehose.is_some()).map(|(name, _)| html! {
                                <th scope="col">{ name.clone() }</th>
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for FIREHOSE_ROWS.iter().map(|(label, why, get)| html! {
                            <tr title={*why}>
                                <th scope="row">{ *label }</th>
                                { for s.consumers.values().filter_map(|c| c.firehose.as_ref()).map(|f| html! { <td>{ group(get(f)) }</td> }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            }
            { block_table(s, ("Flink summary", "Managed Service for Apache Flink"), |c| c.flink.as_ref(), FLINK_ROWS) }
            { block_table(s, ("Glue summary", "AWS Glue streaming"), |c| c.glue.as_ref(), GLUE_ROWS) }
            { block_table(s, ("KDA SQL summary", "Kinesis Data Analytics for SQL (retired)"), |c| c.kda_sql.as_ref(), KDA_SQL_ROWS) }
            if let Some(c) = &s.cost {
                { cost_table(c) }
            }
        </div>
    }
}

/// The cost estimate: each part's meters, quantity and dollars, and the total.
fn cost_table(c: &shardscope_engine::cost::Cost) -> Html {
    use shardscope_views::compare::{number, usd};
    let parts = [("stream", &c.stream, c.stream_usd)].into_iter().chain(
        c.consumers
            .iter()
            .map(|(n, k)| (n.as_str(), &k.items, k.usd)),
    );
    html! {
        <table class="figures cost" aria-label="Cost estimate">
            <caption>{ format!("Cost: {} ({}, prices checked {}; no free tier)", usd(c.total_usd), c.label, c.prices_checked) }</caption>
            <thead><tr>
                <th scope="col"></th><th scope="col">{ "meter" }</th>
                <th scope="col">{ "quantity" }</th><th scope="col">{ "USD" }</th>
            </tr></thead>
            <tbody>
                { for parts.map(|(part, items, total)| html! {
                    <>
                        { for items.iter().map(|i| html! {
                            <tr>
                                <th scope="row">{ part }</th>
                                <td>{ i.per.clone() }</td>
                                <td>{ number(i.quantity) }</td>
                                <td>{ usd(i.usd) }</td>
                            </tr>
                        }) }
                        <tr class="total"><th scope="row">{ part }</th><td>{ "total" }</td><td></td><td>{ usd(total) }</td></tr>
                    </>
                }) }
            </tbody>
        </table>
    }
}

/// 0.163 → "0.163" without float formatting (its code is large in the bundle).
fn milli(x: f64) -> String {
    let m = (x * 1_000.0).round() as u64;
    format!("{}.{:03}", group(m / 1_000), m % 1_000)
}

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group(0), "0");
        assert_eq!(super::group(999), "999");
        assert_eq!(super::group(1_000), "1,000");
        assert_eq!(super::group(51_840_000), "51,840,000");
    }
}
