//! Property tests of the Glue job over random runs: conservation, per-key order,
//! determinism, every failed attempt either retried or failing its run, and no
//! panic, with poison records, reshards, stops, starts and checkpoint resets. Each case goes through the format
//! (its canonical JSON is read back).

use proptest::prelude::*;
use serde_json::json;
use shardscope_engine::scenario::glue::{
    BatchModel, ForEachBatch, GlueConsumer, GlueJob, GlueVersion, KinesisSource, WorkerType,
};
use shardscope_engine::scenario::{self, StartingPosition};
use shardscope_engine::time::SimDuration;
use shardscope_engine::{Simulation, Trace};

#[derive(Clone, Debug)]
struct Case {
    shards: u32,
    rate: u32,
    workers: u32,
    window_s: u64,
    per_record_us: u32,
    error_rate: f64,
    max_retries: u32,
    batch_max_retries: u32,
    fetch: (u64, u64, bool),
    trim_horizon: bool,
    poison_at_s: Option<u32>,
    reshard: bool,
    auto_scaling: bool,
    efo: bool,
    /// stop_job at .0 s, start_job .1 s later, and reset_checkpoint 60 s after that if .2.
    ops: Option<(u32, u32, bool)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1u32..=3, 0u32..=900, 2u32..=6, 5u64..=200, 0u32..=2_000),
        (
            0.0f64..0.3,
            0u32..=3,
            0u32..=4,
            (100u64..=20_000, 200u64..=3_000, any::<bool>()),
        ),
        (
            any::<bool>(),
            proptest::option::of(0u32..=1_700),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        proptest::option::of((60u32..=1_500, 0u32..=300, any::<bool>())),
    )
        .prop_map(
            |(
                (shards, rate, workers, window_s, per_record_us),
                (error_rate, max_retries, batch_max_retries, fetch),
                (trim_horizon, poison_at_s, reshard, auto_scaling, efo),
                ops,
            )| Case {
                shards,
                rate,
                workers,
                window_s,
                per_record_us,
                error_rate,
                max_retries,
                batch_max_retries,
                fetch,
                trim_horizon,
                poison_at_s,
                reshard,
                auto_scaling,
                efo,
                ops,
            },
        )
}

fn simulate(c: &Case) -> Trace {
    let mut timeline = Vec::new();
    if let Some(at) = c.poison_at_s {
        timeline.push(json!({ "at": format!("{at}s"), "do": "poison", "partition_key": "k-3" }));
    }
    if let Some((stop, after, reset)) = c.ops {
        let at = |s: u32| format!("{s}s");
        timeline.push(json!({ "at": at(stop), "do": "stop_job", "consumer": "etl" }));
        timeline.push(json!({ "at": at(stop + after), "do": "start_job", "consumer": "etl" }));
        let t = stop + after + 60;
        if reset && t <= 1_800 {
            timeline.push(json!({ "at": at(t), "do": "reset_checkpoint", "consumer": "etl" }));
        }
    }
    if c.reshard {
        timeline.push(
            json!({ "at": "10m", "do": "update_shard_count", "TargetShardCount": c.shards * 2 }),
        );
    }
    let v = json!({
        "format": "shardscope/1",
        "duration": "30m",
        "stream": { "ShardCount": c.shards },
        "producers": [ { "name": "p", "records_per_second": c.rate, "partition_keys": 50 } ],
        "consumers": []
    });
    let s = scenario::from_value(&v).expect("valid scenario");
    let g = GlueConsumer {
        job: GlueJob {
            glue_version: GlueVersion::V4,
            worker_type: WorkerType::G025X,
            number_of_workers: c.workers,
            max_retries: c.max_retries,
            auto_scaling: c.auto_scaling,
            timeout_minutes: None,
        },
        source: KinesisSource {
            starting_position: if c.trim_horizon {
                StartingPosition::TrimHorizon
            } else {
                StartingPosition::Latest
            },
            max_fetch_records_per_shard: c.fetch.0,
            max_fetch_time_ms: c.fetch.1,
            add_idle_time_between_reads: c.fetch.2,
            enable_fan_out: c.efo,
            ..KinesisSource::default()
        },
        for_each_batch: ForEachBatch {
            window_size: SimDuration::from_secs(c.window_s),
            checkpoint_location: "s3://b/c/".into(),
            batch_max_retries: c.batch_max_retries,
        },
        batch: BatchModel {
            startup_ms: 1_500,
            per_record_us: f64::from(c.per_record_us),
            error_rate: c.error_rate,
        },
    };
    let mut s = s;
    s.consumers.push(scenario::Consumer {
        name: "etl".into(),
        kind: scenario::ConsumerKind::Glue(g),
    });
    let mut v = s.to_json();
    v["timeline"] = timeline.into();
    let s = scenario::from_value(&v).expect("canonical JSON reads back");
    let sim = Simulation::new(&s).expect("simulation");
    sim.finish()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn glue_conserves_records_keeps_key_order_and_is_deterministic(c in case()) {
        let t = simulate(&c);
        prop_assert_eq!(&t.hash(), &simulate(&c).hash());
        let etl = &t.summary.consumers["etl"];
        prop_assert_eq!(
            etl.records_in_scope,
            etl.processed + etl.discarded + etl.expired_unprocessed + etl.pending_at_end
        );
        // Batches commit in order, children after parents: keys stay in order.
        prop_assert_eq!(etl.ordering_violations, 0);
        let g = etl.glue.clone().expect("glue block");
        // A failed attempt is either retried or ends its run FAILED.
        prop_assert_eq!(g.failed_batches, g.batch_retries + g.failed_runs);
        // Each StartJobRun (the first, start_job, a reset while running) gets its attempts.
        prop_assert!(g.job_runs <= 3 * (1 + u64::from(c.max_retries)));
        if c.ops.is_none() {
            prop_assert!(g.job_runs <= 1 + u64::from(c.max_retries));
        }
        prop_assert!(g.failed_runs <= g.job_runs);
        if c.poison_at_s.is_none() && c.error_rate == 0.0 {
            prop_assert_eq!((g.failed_batches, g.duplicates), (0, 0));
        }
        prop_assert!(g.dpu_hours.0 > 0.0);
        // Auto scaling never goes past NumberOfWorkers.
        prop_assert!(g.max_workers <= c.workers.max(2));
    }
}
