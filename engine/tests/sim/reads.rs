//! Shared read limits (polling) versus enhanced fan-out.

use shardscope_engine::testing::TestPoller;
use shardscope_engine::Consumer;

use crate::common::*;

fn readers(efo: bool) -> Vec<(&'static str, Box<dyn Consumer>)> {
    let make = || -> Box<dyn Consumer> {
        if efo {
            TestPoller::boxed_efo()
        } else {
            TestPoller::boxed()
        }
    };
    vec![("a", make()), ("b", make()), ("c", make())]
}

/// One shard written at 900 rec/s × 1,000 bytes = 0.9 MB/s, for 10 minutes.
/// Three polling readers need 2.7 MB/s but share 2 MiB/s (2.097 MB/s) and 5
/// calls/s: calls get throttled and the readers fall behind. Together they
/// cannot have read more than 2 MiB/s × 600 s plus one 10 MiB call, so of the
/// 3 × 540,000 = 1,620,000 record reads they want, at least
/// 1,620,000 − (1,258,291 + 10,485) ≈ 351,000 are still pending at the end.
/// Who falls behind depends on the phases of their polls: the first to read
/// after a lock-out tends to stay current, the others lag.
#[test]
fn three_pollers_share_2_mib_per_second_and_fall_behind() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("web", 900.0, 1000, 1000, false),
        "",
    );
    let t = run(&s, readers(false));
    assert_eq!(t.summary.stream.incoming_records, 540_000);
    assert!(t.summary.stream.read_throttled_calls > 0);
    let read_bytes: u64 = t
        .summary
        .consumers
        .values()
        .map(|c| c.processed * 1000)
        .sum();
    assert!(
        read_bytes <= 2 * 1_048_576 * 600 + 10 * 1_048_576,
        "{read_bytes}"
    );
    let pending: u64 = t.summary.consumers.values().map(|c| c.pending_at_end).sum();
    assert!(pending >= 350_000, "{pending}");
    let behind: Vec<&String> = t
        .summary
        .consumers
        .iter()
        .filter(|(_, c)| c.max_iterator_age_ms > 60_000)
        .map(|(n, _)| n)
        .collect();
    assert!(behind.len() >= 2, "{:?}", t.summary.consumers);
    // Their iterator age grows: the last 30 s are older than the first minute.
    for name in behind {
        let age = t
            .series
            .iter()
            .find(|s| {
                s.metric == "IteratorAgeMilliseconds"
                    && s.shard.is_none()
                    && s.consumer.as_deref() == Some(name.as_str())
            })
            .unwrap();
        let v = values(age);
        assert!(v[v.len() - 30..].iter().max() > v[..60].iter().max());
    }
    assert_conservation(&t);
}

/// One polling reader alone keeps up: it reads about 0.9 MB each second.
#[test]
fn one_poller_keeps_up() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("web", 900.0, 1000, 1000, false),
        "",
    );
    let t = run(&s, vec![("solo", poller())]);
    let c = &t.summary.consumers["solo"];
    assert_eq!(t.summary.stream.read_throttled_calls, 0);
    assert!(c.max_iterator_age_ms <= 1_100, "{c:?}");
    assert!(c.pending_at_end <= 1_000);
}

/// The same three readers with enhanced fan-out each get their own 2 MiB/s
/// and a ~70 ms propagation delay: all stay current.
#[test]
fn with_enhanced_fan_out_all_three_stay_current() {
    let s = scenario(
        "10m",
        &provisioned(1),
        &producer("web", 900.0, 1000, 1000, false),
        "",
    );
    let t = run(&s, readers(true));
    assert_eq!(t.summary.stream.read_throttled_calls, 0);
    for (name, c) in &t.summary.consumers {
        assert!(c.max_iterator_age_ms <= 200, "{name}: {c:?}");
        assert!(c.pending_at_end <= 100, "{name}: {c:?}");
        assert_eq!(c.ordering_violations, 0);
    }
    assert_conservation(&t);
}

/// Six polling readers of a nearly idle shard each poll once a second: six
/// calls a second against a limit of five, so about one call a second is
/// throttled (bytes are no constraint at 10 rec/s × 100 bytes).
#[test]
fn a_sixth_poller_hits_the_five_calls_per_second_limit() {
    let s = scenario(
        "2m",
        &provisioned(1),
        &producer("web", 10.0, 100, 100, false),
        "",
    );
    let names = ["a", "b", "c", "d", "e", "f"];
    let t = run(&s, names.iter().map(|n| (*n, poller())).collect());
    let throttled = t.summary.stream.read_throttled_calls;
    assert!((40..=200).contains(&throttled), "{throttled}");
    assert_conservation(&t);
}

/// At most 20 consumers per stream use enhanced fan-out: the 21st cannot
/// subscribe, so it reads nothing.
#[test]
fn the_21st_enhanced_fan_out_consumer_is_refused() {
    let s = scenario(
        "30s",
        &provisioned(1),
        &producer("web", 10.0, 100, 100, false),
        "",
    );
    let names: Vec<String> = (0..21).map(|i| format!("efo-{i:02}")).collect();
    let t = run(
        &s,
        names
            .iter()
            .map(|n| (n.as_str(), TestPoller::boxed_efo() as Box<dyn Consumer>))
            .collect(),
    );
    let c = &t.summary.consumers;
    assert!(c["efo-00"].processed > 250);
    assert!(c["efo-19"].processed > 250);
    assert_eq!(c["efo-20"].processed, 0);
    assert_eq!(c["efo-20"].pending_at_end, c["efo-20"].records_in_scope);
}
