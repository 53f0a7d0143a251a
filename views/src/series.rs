//! Which metric series each chart shows, and their labels: chosen once for the web app and
//! the static SVG export alike.

use shardscope_engine::trace::{Series, Trace};

/// A series with the label its legend shows.
pub type Labelled<'t> = (String, &'t Series);

/// The iterator age of every consumer on every shard (`IteratorAgeMilliseconds`).
pub fn iterator_ages(trace: &Trace) -> Vec<Labelled<'_>> {
    trace
        .series
        .iter()
        .filter(|s| {
            s.metric == "IteratorAgeMilliseconds" && s.shard.is_some() && s.consumer.is_some()
        })
        .map(|s| {
            let shard = s.shard.map_or(0, |s| s.0);
            (
                format!("{} · shard {shard}", s.consumer.as_deref().unwrap_or("")),
                s,
            )
        })
        .collect()
}

/// Stream-wide series by CloudWatch name, in the order asked, labelled with it.
pub fn stream<'t>(trace: &'t Trace, metrics: &[&str]) -> Vec<Labelled<'t>> {
    metrics
        .iter()
        .filter_map(|m| {
            trace
                .series
                .iter()
                .find(|s| s.metric == *m && s.shard.is_none() && s.consumer.is_none())
                .map(|s| (m.to_string(), s))
        })
        .collect()
}

/// One consumer-level metric (Lambda's `Invocations`, `Errors`…), a line per consumer.
pub fn per_consumer<'t>(trace: &'t Trace, metric: &str) -> Vec<Labelled<'t>> {
    trace
        .series
        .iter()
        .filter(|s| s.metric == metric && s.consumer.is_some() && s.shard.is_none())
        .map(|s| (s.consumer.clone().unwrap_or_default(), s))
        .collect()
}

/// A consumer-level metric under any of several names (a Firehose stream's
/// `DeliveryTo….DataFreshness` names its destination), a line per consumer.
pub fn per_consumer_any<'t>(trace: &'t Trace, metrics: &[&str]) -> Vec<Labelled<'t>> {
    trace
        .series
        .iter()
        .filter(|s| metrics.contains(&s.metric) && s.consumer.is_some() && s.shard.is_none())
        .map(|s| (s.consumer.clone().unwrap_or_default(), s))
        .collect()
}

/// The incoming-records and write-throttle metrics charted together.
pub const WRITES: [&str; 2] = ["IncomingRecords", "WriteProvisionedThroughputExceeded"];

/// The read-throttle metric, charted alone.
pub const READS: [&str; 1] = ["ReadProvisionedThroughputExceeded"];

/// The per-consumer charts of the timeline, in its order: (title, metric). One list for the
/// page and for the benchmark of its charts (`views/bench`).
pub const CONSUMER_CHARTS: [(&str, &str); 17] = {
    use shardscope_engine::firehose::metrics::FRESHNESS;
    const FRESH: &str = "Firehose data freshness (s, age of the oldest record in Firehose)";
    [
        ("Lambda concurrent executions (maximum)", "ConcurrentExecutions"),
        ("Lambda invocations", "Invocations"),
        ("Lambda errors", "Errors"),
        ("Lambda throttles", "Throttles"),
        (FRESH, FRESHNESS[0]),
        (FRESH, FRESHNESS[1]),
        (FRESH, FRESHNESS[2]),
        (FRESH, FRESHNESS[3]),
        ("Firehose records to the S3 backup or error prefix (BackupToS3.Records)", "BackupToS3.Records"),
        ("Firehose records through the transform (SucceedProcessing.Records)", "SucceedProcessing.Records"),
        ("Flink millisBehindLatest (maximum)", "millisBehindLatest"),
        ("Flink containerCPUUtilization (%, busiest KPU)", "containerCPUUtilization"),
        ("KPUs (maximum; Flink: billed, with the orchestration KPU)", "KPUs"),
        ("KDA SQL MillisBehindLatest (maximum)", "MillisBehindLatest"),
        ("Glue records per micro-batch (glue.driver.streaming.numRecords)", "glue.driver.streaming.numRecords"),
        ("Glue batchProcessingTimeInMs (maximum; above windowSize, the next batch starts at once)", "glue.driver.streaming.batchProcessingTimeInMs"),
        ("Glue executors (numberAllExecutors, after auto scaling)", "glue.driver.ExecutorAllocationManager.executors.numberAllExecutors"),
    ]
};
