//! Steady producer ticks computed in bulk, and sweeps only when they have work: the
//! same trace as tick by tick, in far fewer kernel events.

use shardscope_engine::scenario::{self, Scenario};
use shardscope_engine::sim::Simulation;
use shardscope_engine::time::SimTime;
use shardscope_engine::Trace;

use crate::common::{producer, provisioned, scenario};

/// A run to its end: its trace and kernel events, with steady ticks in bulk or not.
struct Run {
    trace: Trace,
    events: u64,
}

impl Run {
    fn of(s: &Scenario, bulk: bool) -> Run {
        let mut sim = Simulation::new(s).unwrap();
        if !bulk {
            sim.tick_by_tick();
        }
        sim.run();
        let events = sim.events_processed();
        Run {
            trace: sim.finish(),
            events,
        }
    }
}

/// One shard, 10 records a second, one hour, no consumer: 36,000 ticks.
#[test]
fn a_steady_hour_takes_a_few_kernel_events_a_minute() {
    let s = scenario(
        "1h",
        &provisioned(1),
        &producer("p", 10.0, 100, 10, false),
        "",
    );
    let (bulk, reference) = (Run::of(&s, true), Run::of(&s, false));
    // Tick by tick: 36,000 ticks; sweeps: one a period (1 s for a 1 h run, so 3,600).
    assert!(reference.events >= 36_000);
    // In bulk: a stretch of ticks between two sweeps is one step, so about two events
    // a second (the sweep and the stretch) instead of eleven.
    assert!(bulk.events <= 2 * 3_600 + 10, "{}", bulk.events);
    assert_eq!(bulk.trace.summary.stream.incoming_records, 36_000);
    assert_eq!(bulk.trace, reference.trace);
}

/// A long run at a low rate: each metric period (10 s for a day) is one stretch, and
/// records under one a tick (0.25 a tick on each of 2 shards) are skipped to.
#[test]
fn a_quiet_day_is_a_stretch_a_period() {
    let s = scenario(
        "1d",
        &provisioned(2),
        &producer("p", 5.0, 100, 1000, false),
        "",
    );
    let (bulk, reference) = (Run::of(&s, true), Run::of(&s, false));
    assert!(reference.events >= 864_000);
    assert!(bulk.events <= 3 * 8_640 + 10, "{}", bulk.events);
    assert_eq!(bulk.trace.summary.stream.incoming_records, 432_000);
    assert_eq!(bulk.trace, reference.trace);
}

/// Every preset of the playground gives the same trace either way, in slices too.
#[test]
fn presets_come_out_the_same_tick_by_tick() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/presets");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 20);
    for f in files {
        let s = scenario::parse(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let mut sliced = Simulation::new(&s).unwrap();
        let mut t = SimTime::ZERO;
        while !sliced.run_until(t) {
            t = SimTime(t.0 + 7_300_000);
        }
        let (sliced, reference) = (sliced.finish(), Run::of(&s, false).trace);
        assert_eq!(sliced.hash(), reference.hash(), "{}", f.display());
        assert_eq!(sliced, reference, "{}", f.display());
    }
}

/// What a stretch leaves in the shard's per-second window is what the ticks of that
/// second took. Three hours (so 2-second metric periods, and a sweep every 2 s) at 900
/// records a second, 90 a tick, so the stream is steady, except 2,000 a second (200 a
/// tick) from 5.5 s to 8 s. The stretch from 4.1 s to the rate change holds ticks of
/// two seconds: of the second (5 s, 6 s] the ticks at 5.1–5.4 s took 360, so of the
/// 1,200 offered from 5.5 s on 640 fit and 560 are throttled (and, without retries,
/// dropped). (6 s, 7 s] admits 1,000 of 2,000; (7 s, 8 s] 1,000 of 1,890 (9 ticks of
/// 200, then 90 at 8 s). Every other second admits its 900.
#[test]
fn a_stretch_leaves_its_second_in_the_write_window() {
    let s = scenario(
        "3h",
        &provisioned(1),
        &producer("p", 900.0, 100, 10, false),
        r#"{"at": "5500ms", "do": "set_rate", "producer": "p", "records_per_second": 2000},
           {"at": "8s", "do": "set_rate", "producer": "p", "records_per_second": 900}"#,
    );
    let trace = Run::of(&s, true).trace;
    let stream = &trace.summary.stream;
    assert_eq!(stream.incoming_records, 3 * 3_600 * 900 + 3 * 100);
    assert_eq!(stream.write_throttled_records, 560 + 1_000 + 890);
    assert_eq!(trace, Run::of(&s, false).trace);
}

/// Below a record a tick, evenly: 2 records a second (one every fifth tick) for 20
/// minutes, then 5 (every other tick), then 0.7 (uneven gaps of 14 and 15 ticks),
/// read by a Lambda mapping. Evenly spaced records are added a run at a time (a run
/// spans at most 10 s), and the trace is the one of every tick on its own. A rate
/// applies from the tick at its instant: 11,999 ticks at 0.2 a tick make 2,399 records
/// (and 0.8 of one carried), 12,000 at 0.5 make 6,000 (0.8 carried), the last 12,001
/// at 0.07 make 840 (840.07 + 0.8): 9,239 records.
#[test]
fn records_below_one_a_tick_come_a_run_at_a_time() {
    let s = crate::common::parse(
        r#"{"format": "shardscope/1", "seed": 3, "duration": "1h",
            "stream": {"ShardCount": 1},
            "producers": [{"name": "p", "records_per_second": 2, "record_bytes": 100}],
            "consumers": [{"kind": "lambda", "name": "fn",
                "EventSourceMapping": {"StartingPosition": "TRIM_HORIZON", "BatchSize": 7},
                "handler": {"invoke_ms": 30}}],
            "timeline": [
                {"at": "20m", "do": "set_rate", "producer": "p", "records_per_second": 5},
                {"at": "40m", "do": "set_rate", "producer": "p", "records_per_second": 0.7}]}"#,
    );
    let (bulk, reference) = (Run::of(&s, true), Run::of(&s, false));
    assert_eq!(bulk.trace.summary.stream.incoming_records, 9_239);
    assert_eq!(bulk.trace, reference.trace);
}

/// A stretch of records below one a tick leaves its second in the write window too.
/// Three hours (2-second metric periods) at 2 records a second, one every fifth tick
/// (0.5 s, 1 s, …), then 2,000 a second (200 a tick) from 5.6 s to 8 s. The second
/// (5 s, 6 s] took the record of 5.5 s, so of the 1,000 offered from 5.6 s on 999 fit
/// and 1 is throttled; (6 s, 7 s] admits 1,000 of 2,000; (7 s, 8 s] 1,000 of 1,800
/// (the tick at 8 s writes at 2 a second again): 1 + 1,000 + 800 = 1,801 throttled.
#[test]
fn a_sparse_stretch_leaves_its_second_in_the_write_window() {
    let s = scenario(
        "3h",
        &provisioned(1),
        &producer("p", 2.0, 100, 10, false),
        r#"{"at": "5550ms", "do": "set_rate", "producer": "p", "records_per_second": 2000},
           {"at": "8s", "do": "set_rate", "producer": "p", "records_per_second": 2}"#,
    );
    let trace = Run::of(&s, true).trace;
    assert_eq!(trace.summary.stream.write_throttled_records, 1_801);
    assert_eq!(trace, Run::of(&s, false).trace);
}
