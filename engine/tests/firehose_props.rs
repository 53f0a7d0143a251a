//! Property tests of the Firehose consumer over random scenarios: conservation,
//! delivered records never exceed what was read, determinism, no panic.

use proptest::prelude::*;
use serde_json::{json, Value};
use shardscope_engine::firehose::DeliveryStream;
use shardscope_engine::scenario;
use shardscope_engine::scenario::ConsumerKind;
use shardscope_engine::trace::EventKind;
use shardscope_engine::Simulation;

#[derive(Clone, Debug)]
struct Case {
    shards: u32,
    rate: u32,
    record_bytes: u32,
    destination: usize,
    size: u32,
    interval: u32,
    retry: u32,
    backup_all: bool,
    transform: Option<(u32, u32, u32, u32)>,
    latency_ms: u32,
    error_pct: u32,
    outage: Option<(u32, u32)>,
    backup_outage: Option<(u32, u32)>,
    poison_at_s: Option<u32>,
    reshard: bool,
    lambda_too: bool,
}

/// Records up to 20 KB at up to 600/s: up to 12 times a shard's write limit, so
/// throttled producers and their retries are part of the runs.
fn case() -> impl Strategy<Value = Case> {
    (
        (
            1u32..=3,
            0u32..=600,
            100u32..=1_500,
            0usize..4,
            1u32..=8,
            0u32..=120,
        ),
        (
            0u32..=120,
            any::<bool>(),
            proptest::option::of((0u32..=30, 0u32..=30, 0u32..=50, 0u32..=2)),
        ),
        (0u32..=3_000, 0u32..=40),
        (
            proptest::option::of((0u32..=1_500, 1u32..=2_000)),
            proptest::option::of((0u32..=1_500, 1u32..=2_000)),
            proptest::option::of(0u32..=1_800),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (shards, rate, record_bytes, destination, size, interval),
                (retry, backup_all, transform),
                (latency_ms, error_pct),
                (outage, backup_outage, poison_at_s, reshard, lambda_too),
            )| Case {
                shards,
                rate,
                record_bytes,
                destination,
                size,
                interval,
                retry,
                backup_all,
                transform,
                latency_ms,
                error_pct,
                outage,
                backup_outage,
                poison_at_s,
                reshard,
                lambda_too,
            },
        )
}

fn scenario(c: &Case) -> Value {
    let blocks = [
        (
            "ExtendedS3DestinationConfiguration",
            ["Disabled", "Enabled"],
        ),
        (
            "AmazonopensearchserviceDestinationConfiguration",
            ["FailedDocumentsOnly", "AllDocuments"],
        ),
        ("RedshiftDestinationConfiguration", ["Disabled", "Enabled"]),
        (
            "HttpEndpointDestinationConfiguration",
            ["FailedDataOnly", "AllData"],
        ),
    ];
    let (name, modes) = blocks[c.destination];
    let hints = json!({ "SizeInMBs": c.size, "IntervalInSeconds": c.interval });
    let mut block = json!({ "S3BackupMode": modes[usize::from(c.backup_all)] });
    if c.destination == 2 {
        block["S3Configuration"] = json!({ "BufferingHints": hints });
    } else {
        block["BufferingHints"] = hints;
    }
    if c.destination != 0 {
        block["RetryOptions"] = json!({ "DurationInSeconds": c.retry });
    }
    let mut consumer = json!({ "kind": "firehose", "name": "fh", name: block,
        "destination": { "latency_ms": c.latency_ms, "error_rate": f64::from(c.error_pct) / 100.0 } });
    if let Some((dropped, failed, error, interval)) = c.transform {
        consumer[name]["ProcessingConfiguration"] = json!({ "Processors": [ { "Type": "Lambda",
            "Parameters": [ { "ParameterName": "BufferIntervalInSeconds", "ParameterValue": interval.to_string() },
                            { "ParameterName": "BufferSizeInMBs", "ParameterValue": "0.2" } ] } ] });
        consumer["transform"] = json!({ "dropped_share": f64::from(dropped) / 100.0,
            "processing_failed_share": f64::from(failed) / 100.0, "error_rate": f64::from(error) / 100.0 });
    }
    let mut consumers = vec![consumer];
    if c.lambda_too {
        consumers.push(json!({ "kind": "lambda", "name": "fn",
            "EventSourceMapping": { "StartingPosition": "TRIM_HORIZON" } }));
    }
    let mut timeline = Vec::new();
    if let Some((at, d)) = c.outage {
        timeline.push(json!({ "at": format!("{at}s"), "do": "destination_outage", "consumer": "fh", "duration": format!("{d}s") }));
    }
    if let Some((at, d)) = c.backup_outage {
        timeline.push(json!({ "at": format!("{at}s"), "do": "backup_outage", "consumer": "fh", "duration": format!("{d}s") }));
    }
    if let Some(at) = c.poison_at_s {
        timeline.push(json!({ "at": format!("{at}s"), "do": "poison", "partition_key": "k-3" }));
    }
    if c.reshard {
        timeline.push(
            json!({ "at": "10m", "do": "update_shard_count", "TargetShardCount": c.shards * 2 }),
        );
    }
    json!({
        "format": "shardscope/1",
        "duration": "30m",
        "stream": { "ShardCount": c.shards },
        "producers": [ { "name": "p", "records_per_second": c.rate, "record_bytes": c.record_bytes, "partition_keys": 50 } ],
        "consumers": consumers,
        "timeline": timeline
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn firehose_conserves_records_and_is_deterministic(c in case()) {
        let s = scenario::from_value(&scenario(&c)).expect("valid scenario");
        let t = Simulation::new(&s).expect("simulation").finish();
        let again = Simulation::new(&s).expect("simulation").finish();
        prop_assert_eq!(&t.hash(), &again.hash());
        for (name, cs) in &t.summary.consumers {
            prop_assert_eq!(
                cs.records_in_scope,
                cs.processed + cs.discarded + cs.expired_unprocessed + cs.pending_at_end,
                "conservation for {}", name
            );
        }
        let fh = &t.summary.consumers["fh"];
        let f = fh.firehose.clone().expect("firehose block");
        // A failed attempt delivers nothing, so the destination received no
        // more records than were processed.
        prop_assert!(f.delivered_records <= fh.processed);
        prop_assert!(fh.discarded <= f.records_to_backup);
        prop_assert_eq!(fh.ordering_violations, 0);
        // Every delivery event's attempts add up to the failed-attempt count.
        let failed: u64 = t.events.iter().filter_map(|e| match &e.kind {
            EventKind::Firehose(ev) if ev.what == "delivery" => ev.failed_attempts.map(u64::from),
            _ => None,
        }).sum();
        prop_assert_eq!(failed, f.failed_delivery_attempts);
    }

    /// While delivery is stalled, the polls that only sample DataFreshness are not
    /// queued one by one (`DeliveryStream::poll`): the trace is the one of every poll
    /// queued on its own, with outages, retries, backups and reshards in the cases.
    #[test]
    fn quiet_polls_change_nothing(c in case()) {
        let s = scenario::from_value(&scenario(&c)).expect("valid scenario");
        let t = Simulation::new(&s).expect("simulation").finish();
        let every = |c: &scenario::Consumer| -> Option<Box<dyn shardscope_engine::Consumer>> {
            match &c.kind {
                ConsumerKind::Firehose(f) => Some(Box::new(DeliveryStream::new(f).every_poll())),
                _ => shardscope_engine::sim::default_consumers(c),
            }
        };
        let reference = Simulation::with_consumers(&s, &every).expect("simulation").finish();
        prop_assert_eq!(&t.hash(), &reference.hash());
        prop_assert_eq!(t, reference);
    }
}

/// An hour-long S3 outage (from 5 min): the batch flushed at 300.5 s fails at 301 s and
/// Firehose is stalled until its delivery at 3,902.5 s, retrying every 10.5 s (a 10 s
/// wait, then a 500 ms attempt): 343 failed attempts. It polls once a second, about
/// 3,600 times while stalled. Queued one by one, each poll and each retry's two timers
/// is a kernel event, and each ends a stretch of producer ticks computed together (one
/// more). While the retries certainly fail (the destination is down, S3 has no retry
/// window, nothing nears the trim horizon) they are computed ahead, and the quiet polls
/// pass over them: the stall queues hardly more than its first and last retries and
/// the last poll before the outage ends, at least 8,000 fewer kernel events (5,142
/// fewer when a poll was queued before each retry's timers, 6,848 when only those
/// were). The trace is the same.
#[test]
fn a_stalled_hour_queues_hardly_any_event() {
    let s = scenario::from_value(&json!({
        "format": "shardscope/1",
        "duration": "70m",
        "stream": { "ShardCount": 1 },
        "producers": [ { "name": "p", "records_per_second": 5, "record_bytes": 500, "partition_keys": 10 } ],
        "consumers": [ { "kind": "firehose", "name": "fh",
            "ExtendedS3DestinationConfiguration": { "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": 60 } } } ],
        "timeline": [ { "at": "5m", "do": "destination_outage", "consumer": "fh", "duration": "1h" } ]
    }))
    .expect("valid scenario");
    let ((quiet, quiet_events), (reference, reference_events)) =
        (run_firehose(&s, false), run_firehose(&s, true));
    let f = quiet.summary.consumers["fh"].firehose.clone().unwrap();
    assert_eq!(f.failed_delivery_attempts, 343);
    assert!(
        reference_events - quiet_events >= 8_000,
        "{reference_events} vs {quiet_events}"
    );
    assert_eq!(quiet, reference);
}

/// A 25-hour S3 outage (from 10 min) against the 24-hour retention: the first batch
/// (900 records, flushed by its 900 s interval) fails at 902 s and stalls Firehose
/// until the outage ends at 25 h 10 min. From 24 h on its records reach the trim
/// horizon and each retry's `drop_expired` takes some away, so a quiet stretch must
/// end at the batch's next expiry, not at the outage's end: the trace is the one of
/// every poll queued on its own. About 4,200 records are lost: the batch's 900 and
/// the 3,300 written from 902 s to 4,200 s (25 h 10 min less the retention), which
/// the stream trimmed before Firehose read again.
#[test]
fn a_stall_that_outlives_retention_ends_its_quiet_stretches_at_each_expiry() {
    let s = scenario::from_value(&json!({
        "format": "shardscope/1",
        "duration": "25h20m",
        "stream": { "ShardCount": 1, "RetentionPeriodHours": 24 },
        "producers": [ { "name": "p", "records_per_second": 1, "record_bytes": 500, "partition_keys": 10 } ],
        "consumers": [ { "kind": "firehose", "name": "fh",
            "ExtendedS3DestinationConfiguration": { "BufferingHints": { "SizeInMBs": 1, "IntervalInSeconds": 900 } } } ],
        "timeline": [ { "at": "10m", "do": "destination_outage", "consumer": "fh", "duration": "25h" } ]
    }))
    .expect("valid scenario");
    let ((quiet, _), (reference, _)) = (run_firehose(&s, false), run_firehose(&s, true));
    let fh = &quiet.summary.consumers["fh"];
    assert!(
        fh.expired_unprocessed >= 4_200,
        "{}",
        fh.expired_unprocessed
    );
    assert_eq!(quiet.hash(), reference.hash());
    assert!(quiet == reference);
}

/// Runs `s`, with every Firehose stream queuing each poll and attempt on its own when
/// `every_poll` (the reference): the trace and the kernel events processed.
fn run_firehose(
    s: &scenario::Scenario,
    every_poll: bool,
) -> (shardscope_engine::trace::Trace, u64) {
    let f = move |c: &scenario::Consumer| -> Option<Box<dyn shardscope_engine::Consumer>> {
        match &c.kind {
            ConsumerKind::Firehose(f) if every_poll => {
                Some(Box::new(DeliveryStream::new(f).every_poll()))
            }
            _ => shardscope_engine::sim::default_consumers(c),
        }
    };
    let mut sim = Simulation::with_consumers(s, &f).expect("simulation");
    sim.run();
    let events = sim.events_processed();
    (sim.finish(), events)
}
