//! Property tests of the Flink consumer over random scenarios: conservation,
//! per-key order, no duplicates at an exactly-once sink, determinism, no panic.

use proptest::prelude::*;
use serde_json::{json, Value};
use shardscope_engine::scenario;
use shardscope_engine::Simulation;

#[derive(Clone, Debug)]
struct Case {
    shards: u32,
    rate: u32,
    per_record_us: u32,
    parallelism: u32,
    per_kpu: u32,
    window: Option<(usize, u32, bool)>,
    exactly_once: bool,
    side_output: bool,
    snapshots: bool,
    trim_horizon: bool,
    poison_at_s: Option<u32>,
    fail_at_s: Option<u32>,
    stop: Option<(u32, bool, bool)>,
    update: Option<(u32, u32)>,
    reshard: bool,
    efo: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (1u32..=3, 0u32..=800, 0u32..=2_000, 1u32..=6, 1u32..=4),
        (
            proptest::option::of((0usize..3, 5u32..=120, any::<bool>())),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            proptest::option::of(0u32..=1_700),
            proptest::option::of(0u32..=1_700),
            proptest::option::of((0u32..=1_500, any::<bool>(), any::<bool>())),
            proptest::option::of((0u32..=1_700, 1u32..=8)),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (shards, rate, per_record_us, parallelism, per_kpu),
                (window, exactly_once, side_output, snapshots, trim_horizon),
                (poison_at_s, fail_at_s, stop, update, reshard, efo),
            )| Case {
                shards,
                rate,
                per_record_us,
                parallelism,
                per_kpu,
                window,
                exactly_once,
                side_output,
                snapshots,
                trim_horizon,
                poison_at_s,
                fail_at_s,
                stop,
                update,
                reshard,
                efo,
            },
        )
}

fn scenario(c: &Case) -> Value {
    let mut job = json!({
        "per_record_us": c.per_record_us,
        "sink": if c.exactly_once { "exactly_once" } else { "at_least_once" },
        "on_poison": if c.side_output { "side_output" } else { "fail" },
    });
    if let Some((kind, secs, idle)) = c.window {
        let mut w = match kind {
            0 => json!({ "type": "tumbling", "size": format!("{secs}s") }),
            1 => json!({ "type": "sliding", "size": format!("{secs}s"), "slide": "5s" }),
            _ => json!({ "type": "session", "gap": format!("{secs}s") }),
        };
        if idle {
            w["idleness"] = json!("20s");
        }
        job["window"] = w;
    }
    let consumer = json!({ "kind": "flink", "name": "app",
        "ApplicationConfiguration": {
            "FlinkApplicationConfiguration": { "ParallelismConfiguration": {
                "ConfigurationType": "CUSTOM", "Parallelism": c.parallelism,
                "ParallelismPerKPU": c.per_kpu, "AutoScalingEnabled": true } },
            "ApplicationSnapshotConfiguration": { "SnapshotsEnabled": c.snapshots } },
        "source": { "InitialPosition": if c.trim_horizon { "TRIM_HORIZON" } else { "LATEST" },
            "enhanced_fan_out": c.efo },
        "job": job });
    let mut timeline = Vec::new();
    if let Some(at) = c.poison_at_s {
        timeline.push(json!({ "at": format!("{at}s"), "do": "poison", "partition_key": "k-3" }));
    }
    if let Some(at) = c.fail_at_s {
        timeline.push(json!({ "at": format!("{at}s"), "do": "fail", "consumer": "app" }));
    }
    if let Some((at, force, skip)) = c.stop {
        timeline.push(json!({ "at": format!("{at}s"), "do": "stop_application", "consumer": "app", "Force": force }));
        let restore = if skip {
            "SKIP_RESTORE_FROM_SNAPSHOT"
        } else {
            "RESTORE_FROM_LATEST_SNAPSHOT"
        };
        timeline.push(json!({ "at": format!("{}s", at + 100), "do": "start_application", "consumer": "app",
            "RunConfiguration": { "ApplicationRestoreConfiguration": { "ApplicationRestoreType": restore } } }));
    }
    if let Some((at, p)) = c.update {
        timeline.push(
            json!({ "at": format!("{at}s"), "do": "update_application", "consumer": "app",
            "ParallelismConfiguration": { "Parallelism": p } }),
        );
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
        "producers": [ { "name": "p", "records_per_second": c.rate, "partition_keys": 50 } ],
        "consumers": [ consumer ],
        "timeline": timeline
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn flink_conserves_records_keeps_key_order_and_is_deterministic(c in case()) {
        let s = scenario::from_value(&scenario(&c)).expect("valid scenario");
        let t = Simulation::new(&s).expect("simulation").finish();
        let again = Simulation::new(&s).expect("simulation").finish();
        prop_assert_eq!(&t.hash(), &again.hash());
        let app = &t.summary.consumers["app"];
        prop_assert_eq!(
            app.records_in_scope,
            app.processed + app.discarded + app.expired_unprocessed + app.pending_at_end
        );
        // Each shard is read in order, children after parents, and a restore
        // only re-emits: a key's records are first processed in write order.
        prop_assert_eq!(app.ordering_violations, 0);
        let f = app.flink.clone().expect("flink block");
        // A transactional sink commits with checkpoints and stop-with-savepoint:
        // restoring the latest of them never sends a record twice.
        // (A start without state from TRIM_HORIZON reads everything again.)
        let fresh = !c.snapshots || c.stop.is_some_and(|(_, force, skip)| force || skip);
        let skip_back = c.trim_horizon && fresh;
        // After a forced stop (no snapshot) the latest snapshot may be older than what the
        // sink committed: restoring it replays into a transactional sink too.
        let stale = c.stop.is_some_and(|(_, force, _)| force);
        if c.exactly_once && !skip_back && !stale {
            prop_assert_eq!(f.duplicates_at_sink, 0);
        }
        if c.poison_at_s.is_none() && c.fail_at_s.is_none() {
            prop_assert_eq!(f.restarts, 0);
        }
        prop_assert!(f.max_kpus >= 2);
    }
}
