//! The cost estimate of a run: what AWS would bill for the stream and each
//! consumer over the simulated time, at the us-east-1 list prices of
//! `prices-us-east-1.json` (each with its source and the date it was checked).
//!
//! It is computed after the trace hash, from the summary and a few usage
//! counters, so a price change never changes a trace hash: prices are data,
//! not simulation. Every meter is a quantity times a price; the quantities are
//! the ones AWS's pricing pages name (sources: `kinesis-and-lambda.md` §1.10,
//! `firehose-and-glue.md` §1.8 and §2.9, `flink-and-kda-sql.md` A13 and B9).
//!
//! Assumptions: a GB is 2^30 bytes and a KB 1,024 bytes; a run is billed as if
//! it were the whole bill (no free tier, no monthly tiers, no minimum charge
//! beyond Glue's per run); an enhanced fan-out consumer is registered for the
//! whole run once it has subscribed; a Lambda invocation is billed when it
//! starts (one still running at the end counts in full); retention over 24 h is billed per
//! shard-hour at one rate (past 7 days AWS bills long-term retention per
//! GB-month instead, which a run of hours never reaches).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::scenario::{ConsumerKind, Scenario, StreamMode};
use crate::stream::ShardInfo;
use crate::time::SimTime;
use crate::trace::{ConsumerSummary, StreamTotals};

/// The price list, as data.
const PRICES: &str = include_str!("prices-us-east-1.json");

/// Shown next to every figure.
pub const LABEL: &str = "estimate, us-east-1";

const GB: f64 = (1u64 << 30) as f64;
const HOUR_US: f64 = 3_600_000_000.0;

/// Billing counters a consumer keeps beyond its summary (none reaches the trace hash).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Lambda: billed duration, each invocation rounded up to the next 1 ms.
    pub billed_ms: u64,
    /// KDA SQL: KPU-seconds while running (KPUs, at least 1, each second).
    pub kpu_seconds: u64,
    /// GetRecords: KiB read, each record rounded up to 1 KiB (on-demand data out).
    pub read_kib: u64,
    /// Records read or pushed, each rounded up to 5 KiB, in 5 KiB units (Firehose ingestion).
    pub read_5kib: u64,
    /// Bytes pushed through enhanced fan-out.
    pub pushed_bytes: u64,
    /// Subscribed through enhanced fan-out at least once.
    pub subscribed: bool,
}

impl Usage {
    /// Counts records of `bytes` each read from the stream.
    pub(crate) fn read(&mut self, count: u64, bytes: u32) {
        let b = u64::from(bytes.max(1));
        self.read_kib += count * b.div_ceil(1_024);
        self.read_5kib += count * b.div_ceil(5_120);
    }
}

/// One line of a bill: a quantity of a meter at its unit price.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostItem {
    /// The meter's key in the price list (`kinesis_shard_hour`, `lambda_gb_second`…).
    pub meter: &'static str,
    /// How much of it the run used, in the price's unit.
    pub quantity: f64,
    /// The price's unit, as the price list says it.
    pub per: String,
    /// The unit price (USD).
    pub unit_usd: f64,
    /// quantity × unit_usd, rounded to a millionth of a dollar.
    pub usd: f64,
}

/// A consumer's part of the bill.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ConsumerCost {
    /// The consumer's kind.
    pub kind: String,
    /// Its meters.
    pub items: Vec<CostItem>,
    /// Their sum.
    pub usd: f64,
}

/// The summary's `cost` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cost {
    /// Always [`LABEL`].
    pub label: &'static str,
    /// When the prices were checked.
    pub prices_checked: String,
    /// The stream's meters.
    pub stream: Vec<CostItem>,
    /// Their sum.
    pub stream_usd: f64,
    /// Each consumer's, by name.
    pub consumers: BTreeMap<String, ConsumerCost>,
    /// Everything.
    pub total_usd: f64,
}

// Figures are finite (never NaN): equality is reflexive.
impl Eq for Cost {}

/// What a run used, as the cost estimate needs it.
pub struct Run<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// When the run ended.
    pub end: SimTime,
    /// Every shard ever created.
    pub shards: &'a [ShardInfo],
    /// The stream's counters.
    pub totals: &'a StreamTotals,
    /// Each consumer: name, summary, usage.
    pub consumers: Vec<(&'a str, &'a ConsumerSummary, &'a Usage)>,
}

/// Prices by meter.
struct Prices {
    list: Value,
}

impl Prices {
    fn load() -> Prices {
        Prices {
            list: serde_json::from_str(PRICES).unwrap_or(Value::Null),
        }
    }

    fn checked(&self) -> String {
        self.list["checked"].as_str().unwrap_or("").to_string()
    }

    /// `quantity` of `meter`, priced.
    fn item(&self, meter: &'static str, quantity: f64) -> CostItem {
        let p = &self.list["prices"][meter];
        let unit_usd = p["usd"].as_f64().unwrap_or(0.0);
        let quantity = round(quantity, 1e6);
        CostItem {
            meter,
            quantity,
            per: p["per"].as_str().unwrap_or("").to_string(),
            unit_usd,
            usd: round(quantity * unit_usd, 1e6),
        }
    }
}

fn round(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

fn sum(items: &[CostItem]) -> f64 {
    round(items.iter().map(|i| i.usd).sum(), 1e6)
}

/// The estimate for a run.
pub fn estimate(run: &Run<'_>) -> Cost {
    let prices = Prices::load();
    let end = run.end.0;
    // Shard-hours: each shard from its creation to its close (a closed shard is not billed).
    let shard_us: u64 = run
        .shards
        .iter()
        .map(|s| {
            s.closed_at
                .map_or(end, |c| c.0.min(end))
                .saturating_sub(s.created_at.0)
        })
        .sum();
    let shard_hours = shard_us as f64 / HOUR_US;
    let cfg = &run.scenario.stream;
    let t = run.totals;
    let mut stream = Vec::new();
    let on_demand = cfg.mode == StreamMode::OnDemand;
    if on_demand {
        stream.push(prices.item("kinesis_on_demand_stream_hour", end as f64 / HOUR_US));
        stream.push(prices.item(
            "kinesis_on_demand_gb_in",
            (t.incoming_kib * 1_024) as f64 / GB,
        ));
    } else {
        stream.push(prices.item("kinesis_shard_hour", shard_hours));
        stream.push(prices.item(
            "kinesis_put_payload_units_million",
            t.put_payload_units as f64 / 1e6,
        ));
        if cfg.retention_hours > 24 {
            stream.push(prices.item("kinesis_extended_retention_shard_hour", shard_hours));
        }
    }
    let mut consumers = BTreeMap::new();
    for (name, s, u) in &run.consumers {
        let mut items = Vec::new();
        if on_demand && u.read_kib > 0 {
            items.push(prices.item("kinesis_on_demand_gb_out", (u.read_kib * 1_024) as f64 / GB));
        }
        if u.subscribed {
            items.push(prices.item("kinesis_efo_consumer_shard_hour", shard_hours));
            items.push(prices.item("kinesis_efo_gb", u.pushed_bytes as f64 / GB));
        }
        let config = run
            .scenario
            .consumers
            .iter()
            .find(|c| c.name == *name)
            .map(|c| &c.kind);
        match s.kind.as_str() {
            "lambda" => {
                let memory_mb = match config {
                    Some(ConsumerKind::Lambda(l)) => l.function.memory_size_mb,
                    _ => 128,
                };
                items.push(prices.item("lambda_requests_million", s.invocations as f64 / 1e6));
                // GB-seconds: billed ms × memory (MB / 1,024) / 1,000.
                let gb_s = u.billed_ms as f64 * f64::from(memory_mb) / 1_024.0 / 1_000.0;
                items.push(prices.item("lambda_gb_second", gb_s));
            }
            "firehose" => {
                items.push(prices.item("firehose_gb", (u.read_5kib * 5_120) as f64 / GB));
            }
            "flink" => {
                let h = s.flink.as_ref().map_or(0.0, |f| f.kpu_hours.0);
                items.push(prices.item("flink_kpu_hour", h));
            }
            "glue" => {
                let h = s.glue.as_ref().map_or(0.0, |g| g.dpu_hours.0);
                items.push(prices.item("glue_dpu_hour", h));
            }
            "kda_sql" => {
                items.push(prices.item("kda_sql_kpu_hour", u.kpu_seconds as f64 / 3_600.0));
            }
            _ => {}
        }
        let usd = sum(&items);
        consumers.insert(
            name.to_string(),
            ConsumerCost {
                kind: s.kind.clone(),
                items,
                usd,
            },
        );
    }
    let stream_usd = sum(&stream);
    let total = stream_usd + consumers.values().map(|c| c.usd).sum::<f64>();
    Cost {
        label: LABEL,
        prices_checked: prices.checked(),
        stream,
        stream_usd,
        consumers,
        total_usd: round(total, 1e6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_meter_has_a_price_a_unit_and_a_source() {
        let p = Prices::load();
        assert_eq!(p.checked(), "2026-12-05");
        let list = p.list["prices"].as_object().expect("prices");
        assert_eq!(list.len(), 14);
        for (meter, v) in list {
            assert!(v["usd"].as_f64().is_some_and(|x| x > 0.0), "{meter}");
            assert!(!v["per"].as_str().unwrap_or("").is_empty(), "{meter}");
            assert!(
                v["source"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("https://aws.amazon.com/")
                    || v["source"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("https://docs.aws.amazon.com/"),
                "{meter}"
            );
        }
    }

    #[test]
    fn an_item_is_quantity_times_price_rounded_to_a_micro_dollar() {
        let p = Prices::load();
        let i = p.item("kinesis_shard_hour", 2.0);
        assert_eq!((i.quantity, i.unit_usd, i.usd), (2.0, 0.015, 0.03));
        let i = p.item("lambda_gb_second", 1.0 / 3.0);
        assert_eq!(i.usd, 0.000006);
    }
}
