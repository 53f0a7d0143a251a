//! The consumer trait and the ledger, through small consumers written here:
//! ordering violations are detected (so a test can fail), discards and
//! redeliveries are counted, and conservation holds.

use shardscope_engine::consumer::{Consumer, ConsumerCtx, ConsumerEvent, Outcome};
use shardscope_engine::scenario::StartingPosition;
use shardscope_engine::stream::ShardId;
use shardscope_engine::time::SimDuration;

use crate::common::*;

/// Reads every shard it knows, ignoring lineage (children at once), `limit`
/// records per second per shard, settling each batch in the order given by
/// `halves_reversed` (second half first).
struct Careless {
    limit: u64,
    halves_reversed: bool,
    discard_every_other: bool,
    rewind_at_batch: Option<u64>,
    pos: Vec<u64>,
    batches: u64,
}

impl Careless {
    fn new(limit: u64) -> Careless {
        Careless {
            limit,
            halves_reversed: false,
            discard_every_other: false,
            rewind_at_batch: None,
            pos: Vec::new(),
            batches: 0,
        }
    }
    fn watch(&mut self, ctx: &mut ConsumerCtx<'_>, shard: ShardId) {
        let i = shard.0 as usize;
        if self.pos.len() <= i {
            self.pos.resize(i + 1, 0);
        }
        self.pos[i] = ctx.position(shard, StartingPosition::TrimHorizon);
    }
}

impl Consumer for Careless {
    fn kind(&self) -> &'static str {
        "careless"
    }
    fn start(&mut self, ctx: &mut ConsumerCtx<'_>) {
        ctx.start_scope(StartingPosition::TrimHorizon);
        for info in ctx.shards() {
            self.watch(ctx, info.id);
            // First polls at 1.5 s, 2.5 s, …: half-way between producer ticks
            // at whole seconds, so every batch is a full `limit`.
            ctx.schedule_in(SimDuration::from_millis(1_500), u64::from(info.id.0));
        }
    }
    fn on_event(&mut self, event: ConsumerEvent, ctx: &mut ConsumerCtx<'_>) {
        match event {
            ConsumerEvent::ShardOpened { shard } => {
                self.watch(ctx, shard);
                ctx.schedule_in(SimDuration::from_secs(1), u64::from(shard.0));
            }
            ConsumerEvent::Timer { token } => {
                let shard = ShardId(token as u32);
                let from = self.pos[shard.0 as usize];
                if let Ok(b) = ctx.get_records(shard, from, self.limit) {
                    if b.records > 0 {
                        self.batches += 1;
                        ctx.deliver(shard, b.first_seq, b.next_seq);
                        let mid = b.first_seq + b.records / 2;
                        let outcome = if self.discard_every_other && self.batches.is_multiple_of(2)
                        {
                            Outcome::Discarded
                        } else {
                            Outcome::Processed
                        };
                        if self.halves_reversed {
                            ctx.settle(shard, mid, b.next_seq, outcome);
                            ctx.settle(shard, b.first_seq, mid, outcome);
                        } else {
                            ctx.settle(shard, b.first_seq, b.next_seq, outcome);
                        }
                        self.pos[shard.0 as usize] = b.next_seq;
                        if self.rewind_at_batch == Some(self.batches) {
                            self.pos[shard.0 as usize] = 0;
                        }
                    }
                    if b.shard_end {
                        return;
                    }
                }
                ctx.schedule_in(SimDuration::from_secs(1), token);
            }
            _ => {}
        }
    }
}

/// A producer with a single key; the consumer settles the second half of
/// each 100-record batch before the first: the first 50 of every batch are
/// first processed after a later record of the same key: 50 violations per
/// batch. 100 rec/s for 1 min, polled at 1.5 s, 2.5 s … 59.5 s: 59 batches of
/// 100, 5,900 processed, 100 pending, 59 × 50 = 2,950 violations.
#[test]
fn settling_out_of_order_counts_violations_per_key() {
    let s = scenario(
        "1m",
        &provisioned(1),
        &producer("one", 100.0, 100, 1, false),
        "",
    );
    let mut c = Careless::new(100);
    c.halves_reversed = true;
    let t = run(&s, vec![("rev", Box::new(c))]);
    let c = &t.summary.consumers["rev"];
    assert_eq!((c.processed, c.pending_at_end), (5_900, 100));
    assert_eq!(c.ordering_violations, 2_950);
    assert_conservation(&t);
}

/// With many keys, reading children before the parent is drained breaks
/// per-key order (the KCL rule exists for this); the lineage-aware poller
/// reading the same stream has none.
#[test]
fn reading_children_before_parents_breaks_key_order() {
    let s = scenario(
        "3m",
        &provisioned(1),
        &producer("web", 300.0, 100, 10, false),
        r#"{"at": "1m", "do": "split_shard", "ShardToSplit": "shardId-000000000000"}"#,
    );
    let t = run(
        &s,
        vec![
            ("careless", Box::new(Careless::new(100))),
            ("kcl", poller()),
        ],
    );
    assert!(t.summary.consumers["careless"].ordering_violations > 0);
    assert_eq!(t.summary.consumers["kcl"].ordering_violations, 0);
    assert_conservation(&t);
}

/// Discarded records are counted; with every other batch discarded about half
/// of the settled records are discards. Conservation still holds.
#[test]
fn discards_are_counted() {
    let s = scenario(
        "1m",
        &provisioned(1),
        &producer("web", 100.0, 100, 10, false),
        "",
    );
    let mut c = Careless::new(100);
    c.discard_every_other = true;
    let t = run(&s, vec![("half", Box::new(c))]);
    let c = &t.summary.consumers["half"];
    assert!(c.discarded > 2_500 && c.processed > 2_500, "{c:?}");
    assert_eq!(c.discarded % 100, 0);
    assert_conservation(&t);
}

/// A rewind to the start re-delivers what was read: redeliveries are
/// counted, processed stays distinct, and no ordering violation is counted
/// for redeliveries.
#[test]
fn rewinds_count_redeliveries_not_violations() {
    let s = scenario(
        "1m",
        &provisioned(1),
        &producer("web", 100.0, 100, 10, false),
        "",
    );
    let mut c = Careless::new(1_000);
    c.rewind_at_batch = Some(10);
    let t = run(&s, vec![("rewind", Box::new(c))]);
    let c = &t.summary.consumers["rewind"];
    assert!(c.redeliveries > 0);
    assert_eq!(c.deliveries - c.redeliveries, c.processed);
    assert_eq!(c.ordering_violations, 0);
    assert_conservation(&t);
}
