//! Checks that span several parts of a scenario: names that must be unique or
//! must exist, and the playground limits (see [`super::limits`]). Also sorts
//! the timeline. Runs after `parse.rs` has read every value.

use super::duration::quote;
use super::error::{Result, ScenarioError};
use super::firehose::FirehoseConsumer;
use super::limits;
use super::model::*;
use super::read::index_path;

const PLAYGROUND: &str = "(a playground limit)";

/// Checks `s` and sorts its timeline by `at` (stable). Error paths refer to
/// the timeline as written.
pub(crate) fn validate(s: &mut Scenario) -> Result<()> {
    unique_names(
        s.producers.iter().map(|p| p.name.as_str()),
        "producers",
        "producer",
    )?;
    unique_names(
        s.consumers.iter().map(|c| c.name.as_str()),
        "consumers",
        "consumer",
    )?;
    references(s)?;

    let order = crate::order::stable_order(s.timeline.iter().map(|e| u128::from(e.at.0)));
    let shards = peak_shards(s, &order)?;
    let load = load(s, &order)?;
    estimate_events(s, shards, &load)?;

    let mut entries: Vec<Option<TimelineEntry>> = s.timeline.drain(..).map(Some).collect();
    s.timeline = order
        .iter()
        .filter_map(|&i| entries.get_mut(i).and_then(Option::take))
        .collect();
    Ok(())
}

fn entry_path(i: usize) -> String {
    index_path("timeline", i)
}

fn unique_names<'a>(names: impl Iterator<Item = &'a str>, list: &str, what: &str) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, name) in names.enumerate() {
        if let Some(first) = seen.iter().position(|n| *n == name) {
            return Err(ScenarioError::new(
                format!("{list}[{i}].name"),
                format!(
                    "{what} name {} is already used by {list}[{first}]; names must be unique",
                    quote(name)
                ),
            ));
        }
        seen.push(name);
    }
    Ok(())
}

fn references(s: &Scenario) -> Result<()> {
    let producers: Vec<&str> = s.producers.iter().map(|p| p.name.as_str()).collect();
    let consumers: Vec<&str> = s.consumers.iter().map(|c| c.name.as_str()).collect();
    for (i, entry) in s.timeline.iter().enumerate() {
        let (key, name, known, what) = match (&entry.action, entry.action.consumer()) {
            (Action::SetRate { producer, .. }, _) => {
                ("producer", producer.as_str(), &producers, "producer")
            }
            (_, Some(consumer)) => ("consumer", consumer, &consumers, "consumer"),
            _ => continue,
        };
        if !known.contains(&name) {
            let listed = if known.is_empty() {
                format!("there are no {what}s")
            } else {
                format!("{what}s: {}", known.join(", "))
            };
            return Err(ScenarioError::new(
                format!("{}.{key}", entry_path(i)),
                format!("no {what} named {}; {listed}", quote(name)),
            ));
        }
        // An action for one kind of consumer must name a consumer of that kind.
        if let (Some(want), Some(c)) = (
            entry.action.consumer_kind(),
            s.consumers.iter().find(|c| c.name == name),
        ) {
            if c.kind.as_str() != want {
                return Err(ScenarioError::new(
                    format!("{}.consumer", entry_path(i)),
                    format!(
                        "{} applies to a {} consumer, and {} is a {} consumer",
                        entry.action.name(),
                        super::parse::action_consumer_kinds(entry.action.name()).join(" or "),
                        quote(name),
                        c.kind.as_str()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The most shards open at any time, as far as the scenario says statically:
/// `ShardCount`, then each `update_shard_count` sets the count, each split adds
/// one and each merge removes one. For ON_DEMAND streams the simulation scales
/// by itself; it is held to the same maximum at run time.
fn peak_shards(s: &Scenario, order: &[usize]) -> Result<u32> {
    let mut count = s.stream.shard_count;
    let mut peak = count;
    for &i in order {
        let (next, key) = match &s.timeline[i].action {
            Action::UpdateShardCount { target_shard_count } => {
                (*target_shard_count, "TargetShardCount")
            }
            Action::SplitShard { .. } => (count.saturating_add(1), "ShardToSplit"),
            Action::MergeShards { .. } => (count.saturating_sub(1).max(1), "ShardToMerge"),
            _ => continue,
        };
        if next > limits::MAX_SHARDS {
            return Err(ScenarioError::new(
                format!("{}.{key}", entry_path(i)),
                format!(
                    "this would make {next} open shards, above the maximum {} {PLAYGROUND}",
                    limits::MAX_SHARDS
                ),
            ));
        }
        count = next;
        peak = peak.max(count);
    }
    Ok(peak)
}

/// What the producers offer over the run.
struct Load {
    /// Records offered, poison records included.
    records: f64,
    /// The highest total write rate, in bytes per second.
    peak_bytes_per_second: f64,
    /// Bytes offered.
    bytes: f64,
}

fn load(s: &Scenario, order: &[usize]) -> Result<Load> {
    let mut rates: Vec<f64> = s.producers.iter().map(|p| p.records_per_second).collect();
    let bytes: Vec<f64> = s
        .producers
        .iter()
        .map(|p| f64::from(p.record_bytes))
        .collect();
    let total = |rates: &[f64]| rates.iter().sum::<f64>();
    let byte_rate = |rates: &[f64]| rates.iter().zip(&bytes).map(|(r, b)| r * b).sum::<f64>();
    let max = limits::MAX_TOTAL_RECORDS_PER_SECOND;
    if total(&rates) > max {
        return Err(ScenarioError::new(
            "producers",
            format!(
                "the producers' records_per_second add up to {}, above the maximum {} {PLAYGROUND}",
                super::read::bound(total(&rates)),
                super::read::bound(max)
            ),
        ));
    }
    let mut records = 0.0;
    let mut bytes = 0.0;
    let mut peak_bytes_per_second = byte_rate(&rates);
    let mut since = 0.0;
    for &i in order {
        let entry = &s.timeline[i];
        let now = entry.at.as_secs_f64();
        match &entry.action {
            Action::SetRate {
                producer,
                records_per_second,
            } => {
                records += total(&rates) * (now - since);
                bytes += byte_rate(&rates) * (now - since);
                since = now;
                if let Some(p) = s.producers.iter().position(|p| p.name == *producer) {
                    if let Some(rate) = rates.get_mut(p) {
                        *rate = *records_per_second;
                    }
                }
                if total(&rates) > max {
                    return Err(ScenarioError::new(
                        format!("{}.records_per_second", entry_path(i)),
                        format!(
                            "the producers' rates would add up to {} records/s, above the maximum {} {PLAYGROUND}",
                            super::read::bound(total(&rates)),
                            super::read::bound(max)
                        ),
                    ));
                }
                peak_bytes_per_second = peak_bytes_per_second.max(byte_rate(&rates));
            }
            Action::Poison { count, .. } => records += f64::from(*count),
            _ => {}
        }
    }
    records += total(&rates) * (s.duration.as_secs_f64() - since);
    bytes += byte_rate(&rates) * (s.duration.as_secs_f64() - since);
    if records > limits::MAX_TOTAL_RECORDS {
        return Err(ScenarioError::new(
            "duration",
            format!(
                "the producers would offer about {} records over the run, above the maximum {} {PLAYGROUND}; shorten the duration or lower records_per_second",
                grouped(records),
                grouped(limits::MAX_TOTAL_RECORDS)
            ),
        ));
    }
    Ok(Load {
        records,
        peak_bytes_per_second,
        bytes,
    })
}

/// Enhanced fan-out pushes a shard's new records after each 100 ms producer
/// tick: up to 10 pushes a second where a poller makes one call (counted above).
/// Counted for Flink and Glue only: a Lambda mapping's estimate predates it, and links
/// already shared must keep running.
const EFO_PUSHES: f64 = 9.0;

/// Guards against runs with too many events. See [`limits::MAX_ESTIMATED_EVENTS`].
fn estimate_events(s: &Scenario, provisioned_peak: u32, load: &Load) -> Result<()> {
    let shards = match s.stream.mode {
        StreamMode::Provisioned => f64::from(provisioned_peak),
        // On-demand splits shards above 500 KB/s: enough shards to keep each
        // below that, doubled for uneven splits, within the shard limit.
        StreamMode::OnDemand => (2.0 * load.peak_bytes_per_second / 500_000.0)
            .ceil()
            .max(f64::from(s.stream.shard_count))
            .min(f64::from(limits::MAX_SHARDS)),
    };
    let seconds = s.duration.as_secs_f64();
    let readers = 1.0 + s.consumers.len() as f64;
    let mut events = shards * seconds * readers;
    for c in &s.consumers {
        let l = match &c.kind {
            ConsumerKind::Lambda(l) => l,
            ConsumerKind::Firehose(f) => {
                // What the shards admit: 1 MiB/s each at most.
                let bytes = load.bytes.min(shards * 1_048_576.0 * seconds);
                events += firehose_events(f, bytes, seconds);
                continue;
            }
            ConsumerKind::Flink(f) => {
                // A step a second, and a checkpoint every interval (or checkpoint_ms).
                let every_ms = f.checkpoint.interval_ms.max(f.job.checkpoint_ms).max(1) as f64;
                events += seconds + 2.0 * seconds * 1_000.0 / every_ms;
                if f.source.enhanced_fan_out {
                    events += EFO_PUSHES * shards * seconds;
                }
                continue;
            }
            ConsumerKind::KdaSql(k) => {
                // A step a second, each invoking the preprocessor and delivering to every
                // output, and the retries of failed deliveries and invocations (once a second).
                let calls = 1 + k.outputs.len() + usize::from(k.input.preprocessor.is_some());
                events += 2.0 * seconds * calls as f64;
                continue;
            }
            ConsumerKind::Glue(g) => {
                // Per micro-batch: the trigger, the fetch rounds within MaxFetchTimeInMs, the commit.
                let s = &g.source;
                let step_ms = if s.add_idle_time_between_reads {
                    s.idle_time_between_reads_ms.max(1)
                } else {
                    200
                };
                let rounds = 1.0 + (s.max_fetch_time_ms / step_ms) as f64;
                let window_s = g.for_each_batch.window_size.as_secs_f64().max(1.0);
                events += seconds / window_s * (2.0 + rounds);
                if s.enable_fan_out {
                    events += EFO_PUSHES * shards * seconds;
                }
                continue;
            }
        };
        let mut smallest_batch = l.esm.batch_size;
        for entry in &s.timeline {
            if let Action::SetMapping { consumer, changes } = &entry.action {
                if *consumer == c.name {
                    if let Some(b) = changes.batch_size {
                        smallest_batch = smallest_batch.min(b);
                    }
                }
            }
        }
        events += load.records / f64::from(smallest_batch.max(1));
    }
    if events > limits::MAX_ESTIMATED_EVENTS {
        return Err(ScenarioError::new(
            "duration",
            format!(
                "this run would take about {} simulated events (polls and invocations), above the maximum {} {PLAYGROUND}; shorten the duration, or use fewer shards or consumers, or a larger BatchSize",
                grouped(events),
                grouped(limits::MAX_ESTIMATED_EVENTS)
            ),
        ));
    }
    Ok(())
}

/// A Firehose stream's events beyond its reads: one delivery (with its events) per
/// buffer, closed by size or by interval, and as many transform invocations, each tried
/// up to 1 + NumberOfRetries times, per transform buffer.
fn firehose_events(f: &FirehoseConsumer, bytes: f64, seconds: f64) -> f64 {
    const MIB: f64 = 1_048_576.0;
    let buffers = |size_mb: f64, interval_s: u32| {
        let by_size = bytes / (size_mb * MIB);
        let by_time = seconds / f64::from(interval_s.max(1));
        by_size + by_time
    };
    let mut events = 3.0
        * buffers(
            f64::from(f.buffering.size_in_mbs),
            f.buffering.interval_in_seconds,
        );
    if let Some(p) = &f.processing {
        let tries = 1.0 + f64::from(p.number_of_retries);
        events += 2.0 * tries * buffers(p.buffer_size_in_mbs, p.buffer_interval_in_seconds);
    }
    events
}

/// A non-negative count with thousands separators ("5,000,000,000").
fn grouped(x: f64) -> String {
    // `as` saturates: no overflow for huge values.
    let digits = (x.max(0.0).round() as u64).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
