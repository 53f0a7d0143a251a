//! Each preset tells a story; these are the numbers the story promises, worked out by hand
//! (the preset's description says the same in words).

#![cfg(not(target_arch = "wasm32"))]

use shardscope_engine::trace::{ConsumerSummary, Summary};
use shardscope_engine::{scenario, Simulation};

fn run(id: &str) -> Summary {
    let p = shardscope::presets::by_id(id).unwrap_or_else(|| panic!("no preset {id}"));
    let s = scenario::parse(p.json).unwrap();
    Simulation::new(&s).unwrap().finish().summary
}

fn only(s: &Summary) -> &ConsumerSummary {
    s.consumers.values().next().unwrap()
}

fn conserved(c: &ConsumerSummary) {
    assert_eq!(
        c.records_in_scope,
        c.processed + c.discarded + c.expired_unprocessed + c.pending_at_end
    );
}

#[test]
fn poison_blocks_its_shard_for_the_retention_period() {
    let s = run("poison-blocks-a-shard");
    let c = only(&s);
    // Blocked from 1 h until the poison expires at 25 h: an iterator age of about 24 h.
    let day = 24 * 3_600_000;
    assert!(
        c.max_iterator_age_ms.abs_diff(day) < 5 * 60_000,
        "{}",
        c.max_iterator_age_ms
    );
    let other = c
        .shards
        .values()
        .map(|s| s.max_iterator_age_ms)
        .min()
        .unwrap();
    assert!(other < 10_000, "the other shard stays current: {other}");
    // Records behind the poison expire before the mapping gets back to them.
    assert!(c.expired_unprocessed > 0);
    assert_eq!(c.discarded, 0);
    conserved(c);
}

#[test]
fn bounded_retries_send_one_on_failure_message() {
    let c = run("bounded-retries-on-failure");
    let c = only(&c);
    // 1 try + MaximumRetryAttempts 2 = 3 failed invocations, then one message.
    assert_eq!(c.failed_invocations, 3);
    assert_eq!(c.on_failure_messages, 1);
    assert!(c.discarded > 0 && c.discarded < 100, "{}", c.discarded);
    assert!(c.max_iterator_age_ms < 10_000);
    conserved(c);
}

#[test]
fn bisect_discards_only_the_poison_record() {
    let s = run("bisect-isolates-the-bad-record");
    let c = only(&s);
    assert_eq!(c.discarded, 1);
    assert_eq!(c.on_failure_messages, 1);
    assert_eq!(c.failed_invocations, c.bisections + 1);
    assert!(
        (6..=7).contains(&c.bisections),
        "100 → 1 takes 6 or 7 halvings"
    );
    conserved(c);
}

#[test]
fn partial_batch_response_retries_from_the_poison_record() {
    let s = run("partial-batch-response");
    let c = only(&s);
    // 1 try + 3 retries, each a partial failure; then the batch from the poison on is discarded.
    assert_eq!(c.failed_invocations, 4);
    assert_eq!(c.on_failure_messages, 1);
    assert!(c.discarded >= 1 && c.discarded <= 500);
    conserved(c);
}

#[test]
fn parallelization_is_capped_by_distinct_keys() {
    let s = run("parallelization-and-hot-keys");
    let c = only(&s);
    // Shard 0: 1,000 keys, ParallelizationFactor 10 → 10; shard 1: 3 keys → 3.
    assert_eq!(c.max_concurrency, 13);
    assert_eq!(c.ordering_violations, 0);
    conserved(c);
}

#[test]
fn shared_readers_fall_behind_while_enhanced_fan_out_stays_current() {
    let s = run("shared-throughput-vs-enhanced-fan-out");
    assert!(s.stream.read_throttled_calls > 0);
    for (name, c) in &s.consumers {
        if name == "notifier" {
            assert!(
                c.max_iterator_age_ms < 1_000,
                "{name}: {}",
                c.max_iterator_age_ms
            );
        } else {
            assert!(
                c.max_iterator_age_ms > 60_000,
                "{name}: {}",
                c.max_iterator_age_ms
            );
        }
        conserved(c);
    }
}

#[test]
fn children_wait_for_their_parents() {
    let s = run("resharding-children-wait");
    // 2 → 4 by splitting both parents: 2 + 4 shards in all, 4 open.
    assert_eq!((s.stream.shards_total, s.stream.open_shards_at_end), (6, 4));
    let c = only(&s);
    assert_eq!(c.ordering_violations, 0);
    conserved(c);
}

#[test]
fn a_replay_reprocesses_since_the_timestamp() {
    let s = run("buggy-deploy-and-replay");
    let c = only(&s);
    // The replay from 20 min at 70 min re-delivers about 50 min of 200 records/s.
    assert!(
        c.redeliveries >= 50 * 60 * 200 * 9 / 10,
        "{}",
        c.redeliveries
    );
    assert_eq!(
        c.discarded, 0,
        "the replay processes what the outage discarded"
    );
    assert!(c.on_failure_messages > 0);
    conserved(c);
}

#[test]
fn a_hot_key_throttles_its_shard() {
    let s = run("write-throttling-hot-shard");
    // Hot shard: 750 (hot key) + 375 = 1,125 records/s offered, 1,000 admitted:
    // 125/s × 600 s = 75,000 throttled, dropped (retry_throttled false).
    let t = s.stream.write_throttled_records;
    assert!(t.abs_diff(75_000) < 1_500, "{t}");
    assert_eq!(s.stream.incoming_records + t, 900_000);
}

fn firehose(c: &ConsumerSummary) -> &shardscope_engine::firehose::FirehoseSummary {
    c.firehose.as_ref().expect("a Firehose consumer")
}

#[test]
fn firehose_buffers_by_size_then_by_time() {
    let s = run("firehose-buffer-by-size-or-time");
    let c = only(&s);
    // 10 min at 100 KB/s: 5 MiB (5,243 records of 1,000 B) every 52.4 s → 11 full buffers;
    // then 1 KB/s: 300 s buffers from the first record → 3 in the 20 minutes left, and
    // the 12th buffer of the fast phase, closed by its interval when the rate drops.
    let f = firehose(c);
    assert_eq!(f.delivery_batches, 11 + 1 + 3);
    assert!(f.max_data_freshness_ms >= 300_000 && f.max_data_freshness_ms < 302_000);
    assert_eq!(c.expired_unprocessed + c.discarded, 0);
    conserved(c);
}

#[test]
fn firehose_opensearch_outage_sends_batches_to_the_backup() {
    let s = run("firehose-opensearch-outage-to-backup");
    let c = only(&s);
    let f = firehose(c);
    // 15 min outage, 300 s retry window, an attempt every 10.8 s (800 ms + 10 s): each
    // failed batch makes 28 attempts (starting 0 … 291.6 s after the first) before going to
    // the backup. Three batches use up their window (3 × 292.4 s = 877 s); a fourth fails
    // 3 times in the outage's last 23 s, then is delivered.
    assert_eq!(f.failed_delivery_attempts, 3 * 28 + 3, "{f:?}");
    assert_eq!(f.records_to_backup, c.discarded);
    assert!(c.discarded > 0);
    assert_eq!(c.expired_unprocessed, 0);
    conserved(c);
}

#[test]
fn firehose_s3_outage_loses_what_outlived_retention() {
    let s = run("firehose-s3-outage-outlives-retention");
    let c = only(&s);
    // 2 records/s; S3 back at 25.5 h, retention 24 h: what was written from the stall
    // (about 29 min) to 1.5 h is gone: about 61 min × 120 records/min.
    assert!(
        c.expired_unprocessed.abs_diff(7_320) <= 120,
        "{}",
        c.expired_unprocessed
    );
    assert_eq!(c.discarded, 0);
    assert!(firehose(c).max_data_freshness_ms > 24 * 3_600_000);
    conserved(c);
}

#[test]
fn firehose_transform_fails_and_drops_records() {
    let s = run("firehose-transform-fails-records");
    let c = only(&s);
    let f = firehose(c);
    // What the transform handed back: 10 % Dropped, 5 % ProcessingFailed, plus the
    // poison record and the batches whose invocation failed 4 times in a row.
    assert!(f.records_dropped_by_transform > 0 && f.records_processing_failed > 0);
    assert!(c.failed_invocations > 0);
    assert!(c.discarded <= f.records_processing_failed);
    assert_eq!(f.records_to_backup, c.discarded);
    conserved(c);
}

/// Each workshop challenge fails as shipped and is met once its hinted knob is turned.
#[test]
fn challenges_fail_as_shipped_and_pass_with_the_hinted_fix() {
    use shardscope::knobs::set;
    use shardscope_engine::challenge::evaluate;
    let cases = [
        (
            "challenge-unblock-the-shard",
            "consumers[0].EventSourceMapping.MaximumRetryAttempts",
            serde_json::json!(2),
        ),
        (
            "challenge-lose-only-the-poison",
            "consumers[0].EventSourceMapping.BisectBatchOnFunctionError",
            serde_json::json!(true),
        ),
        (
            "challenge-keep-up",
            "consumers[0].EventSourceMapping.ParallelizationFactor",
            serde_json::json!(4),
        ),
    ];
    for (id, knob, value) in cases {
        let json = shardscope::presets::by_id(id).unwrap().json;
        let verdict = |json: &str| {
            let s = scenario::parse(json).unwrap();
            let summary = Simulation::new(&s).unwrap().finish().summary;
            evaluate(s.challenge.as_ref().unwrap(), &summary).met
        };
        assert!(!verdict(json), "{id} is already met as shipped");
        assert!(knob_is_offered(json, knob), "{id} offers {knob} as a knob");
        assert!(
            verdict(&set(json, knob, value).unwrap()),
            "{id} is not met with {knob}"
        );
    }
}

fn knob_is_offered(json: &str, knob: &str) -> bool {
    let s = scenario::parse(json).unwrap();
    s.embed.is_some_and(|e| e.knobs.iter().any(|k| k == knob))
}

fn flink<'a>(s: &'a Summary, name: &str) -> &'a shardscope_engine::flink::FlinkSummary {
    conserved(&s.consumers[name]);
    s.consumers[name].flink.as_ref().expect("a Flink consumer")
}

#[test]
fn flink_poison_loops_until_the_fix() {
    let s = run("flink-poison-restart-loop");
    let f = flink(&s, "sessionizer");
    // From 5 min to the fix at 15 min: a failure every 10 s.
    assert_eq!(f.restarts, 60);
    assert_eq!(f.downtime_ms, 600_000);
    assert!(f.duplicates_at_sink > 300_000, "{f:?}");
    assert_eq!(s.consumers["sessionizer"].discarded, 1);
}

#[test]
fn flink_at_least_once_sends_the_replay_twice() {
    let s = run("flink-at-least-once-duplicates");
    // The 29 s between the checkpoint of 2 min and the failure at 2 min 30 s, at 100/s.
    assert_eq!(flink(&s, "to-kinesis").duplicates_at_sink, 2_900 + 100);
    assert_eq!(flink(&s, "to-kafka-txn").duplicates_at_sink, 0);
}

#[test]
fn flink_autoscales_once_with_downtime() {
    let s = run("flink-autoscaling-downtime");
    let f = flink(&s, "enricher");
    assert_eq!(f.parallelism_at_end, 4);
    assert_eq!(f.max_kpus, 3);
    assert_eq!(f.downtime_ms, 30_000);
}

#[test]
fn flink_snapshot_restore_loses_nothing_skip_skips() {
    let s = run("flink-reprocess-snapshot-vs-skip");
    let r = flink(&s, "restores");
    assert_eq!((r.records_skipped, r.duplicates_at_sink), (0, 0));
    // About 10 minutes at 100/s were written while stopped.
    let k = flink(&s, "skips");
    assert!(k.records_skipped.abs_diff(60_000) < 200, "{k:?}");
}

fn glue<'a>(s: &'a Summary, name: &str) -> &'a shardscope_engine::glue::GlueSummary {
    conserved(&s.consumers[name]);
    s.consumers[name].glue.as_ref().expect("a Glue consumer")
}

#[test]
fn glue_defaults_fall_behind_on_the_fetch_limits() {
    let s = run("glue-micro-batches-fall-behind");
    // Triggers at 20, 120, …, 1,720 s: 18 batches each. With the defaults one call per
    // shard per batch: the first takes the 8,000 records a shard got in 20 s, each later
    // one 10,000 (10 MB, and the 2 MiB/s throttles the rest of the second).
    assert_eq!(glue(&s, "defaults").micro_batches, 18);
    assert_eq!(s.consumers["defaults"].processed, 2 * (8_000 + 17 * 10_000));
    // The tuned job leaves at most what was written after its last trigger (80 s × 800).
    assert_eq!(glue(&s, "tuned").micro_batches, 18);
    assert!(s.consumers["tuned"].pending_at_end <= 64_000);
    // Two G.1X × 3 workers for 30 min: 1.5 DPU-hours each.
    assert_eq!(glue(&s, "tuned").dpu_hours.0, 1.5);
}

#[test]
fn glue_poison_fails_three_runs_and_the_job_stays_failed() {
    let s = run("glue-poison-fails-the-run");
    let g = glue(&s, "to-lake");
    // The batches of 20, 120 and 220 s commit; the one of 320 s holds the poison. Each
    // run tries it 1 + 3 times; MaxRetries 2: 3 runs, all FAILED.
    assert_eq!(g.micro_batches, 3);
    assert_eq!((g.failed_batches, g.batch_retries), (12, 9));
    assert_eq!((g.job_runs, g.failed_runs), (3, 3));
    // Each of the 12 attempts wrote the same records before the poison: 11 rewrites.
    assert!(g.duplicates > 0 && g.duplicates.is_multiple_of(11), "{g:?}");
    // Nothing reads after the last failure: at 30 min the checkpoint is 220 s old.
    let c = &s.consumers["to-lake"];
    assert!(c.max_iterator_age_ms > 1_500_000, "{c:?}");
}

#[test]
fn glue_scaling_needs_a_stop_and_a_start() {
    let s = run("glue-scaling-stop-and-restart");
    let g = glue(&s, "aggregator");
    assert_eq!((g.job_runs, g.failed_runs, g.max_workers), (2, 0, 6));
    // After the restart it catches up: less than a window (100 s × 600) waits at the end.
    assert!(s.consumers["aggregator"].pending_at_end < 60_000);
    // 2 workers × 1,200 s + 6 × 1,080 s = 8,880 DPU-seconds = 2.466 DPU-hours.
    assert_eq!(g.dpu_hours.0, 2.466);
}

#[test]
fn glue_reset_checkpoint_reads_the_stream_again() {
    let s = run("glue-reprocess-reset-checkpoint");
    let g = glue(&s, "sessions");
    let c = &s.consumers["sessions"];
    // Run 1: batches at 20, 80, …, 1,160 s commit all written by 1,160 s (50/s).
    // Run 2 (RUNNING at 1,220 s) reads them again, then batches up to 2,360 s.
    assert_eq!(c.redeliveries, 58_000);
    assert_eq!(c.processed, 118_000);
    assert_eq!((g.micro_batches, g.job_runs), (40, 2));
    // Two G.025X workers (0.25 DPU each) for 40 min.
    assert_eq!(g.dpu_hours.0, 0.333);
}

fn kda_sql<'a>(s: &'a Summary, name: &str) -> &'a shardscope_engine::kda_sql::KdaSqlSummary {
    conserved(&s.consumers[name]);
    s.consumers[name]
        .kda_sql
        .as_ref()
        .expect("a KDA SQL consumer")
}

#[test]
fn kda_sql_sends_bad_rows_to_error_stream_and_goes_on() {
    let s = run("kda-sql-bad-row-to-error-stream");
    let k = kda_sql(&s, "clicks-per-minute");
    // 2 % of 15 minutes at 200/s are ProcessingFailed, and the poison row: 3,600 + 1.
    assert_eq!(k.error_stream_records, 3_601);
    assert_eq!(s.consumers["clicks-per-minute"].discarded, 3_601);
    // A window every minute, the poison notwithstanding.
    assert_eq!(k.windows_emitted, 15);
    assert_eq!(k.destination_retries, 0);
}

#[test]
fn kda_sql_stalls_on_a_destination_outage_and_duplicates_after_a_restart() {
    let s = run("kda-sql-destination-outage-stalls");
    let k = kda_sql(&s, "order-totals");
    let c = &s.consumers["order-totals"];
    // Nothing is dropped: every record is processed or still pending at the end.
    assert_eq!((c.discarded, c.expired_unprocessed), (0, 0));
    // Stalled from 5 min (the first failure) for about 4 minutes before the stop.
    assert!(k.max_millis_behind_latest > 200_000, "{k:?}");
    // The Kinesis output receives again the minute it had beyond the Lambda's checkpoint
    // (and the 100 rows read in the second the stall began, and one more record).
    assert!(k.duplicates.abs_diff(6_100) <= 10, "{k:?}");
    assert!(k.destination_retries > 100, "{k:?}");
}
