//! One lane per shard, in lineage order: a parent's lane closes where its children's open,
//! and the children sit right under their parent, so a reshard reads as a fork (split) or
//! a join (merge) down the page. Writes are drawn as density inside the lane.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use shardscope_engine::stream::{ShardId, ShardInfo};
use shardscope_engine::trace::Series;

use crate::axis::TimeAxis;
use crate::coord::{D1, D2};

/// How many shades write density is drawn in (fewer shades, fewer stretches).
pub const DENSITY_LEVELS: u8 = 4;

#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub shard: ShardId,
    /// Row from the top, 0-based.
    pub row: usize,
    pub x_start: f64,
    pub x_end: f64,
    /// Closed by a reshard before the end (its end is drawn as a cut).
    pub closed: bool,
    /// Rows of the parents (lineage connectors go from their ends to this lane's start).
    pub parent_rows: Vec<usize>,
    /// Write density: (x, width, level 1..=DENSITY_LEVELS), merged where the level repeats.
    pub density: Vec<(f64, f64, u8)>,
}

/// Lays out the lanes of `shards` (every shard the stream ever had) on `axis`, with write
/// density from the per-shard `IncomingRecords` series.
pub fn lanes(
    shards: &[ShardInfo],
    incoming: &[&Series],
    axis: &TimeAxis,
    end_us: u64,
) -> Vec<Lane> {
    let order = lineage_order(shards);
    let row_of: BTreeMap<ShardId, usize> =
        crate::map_of(order.iter().enumerate().map(|(r, s)| (s.id, r)));
    let by_shard: BTreeMap<ShardId, &Series> =
        crate::map_of(incoming.iter().filter_map(|s| Some((s.shard?, *s))));
    let peak = incoming
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .max()
        .unwrap_or(0);
    order
        .iter()
        .enumerate()
        .map(|(row, s)| {
            let end = s.closed_at.map_or(end_us, |t| t.0);
            Lane {
                shard: s.id,
                row,
                x_start: axis.x(s.created_at.0),
                x_end: axis.x(end),
                closed: s.closed_at.is_some(),
                parent_rows: s
                    .parents()
                    .filter_map(|p| row_of.get(&p).copied())
                    .collect(),
                density: by_shard
                    .get(&s.id)
                    .map(|series| density(series, axis, peak))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Initial shards by id, each followed by its descendants; a merged child comes after
/// its last parent.
fn lineage_order(shards: &[ShardInfo]) -> Vec<&ShardInfo> {
    let by_id: BTreeMap<ShardId, &ShardInfo> = crate::map_of(shards.iter().map(|s| (s.id, s)));
    let mut placed: BTreeMap<ShardId, bool> = BTreeMap::new();
    let mut out = Vec::with_capacity(shards.len());
    fn visit<'a>(
        s: &'a ShardInfo,
        by_id: &BTreeMap<ShardId, &'a ShardInfo>,
        placed: &mut BTreeMap<ShardId, bool>,
        out: &mut Vec<&'a ShardInfo>,
    ) {
        if placed.insert(s.id, true).is_some() {
            return;
        }
        out.push(s);
        for c in &s.children {
            if let Some(child) = by_id.get(c) {
                let parents_placed = child
                    .parents()
                    .all(|p| placed.contains_key(&p) || !by_id.contains_key(&p));
                if parents_placed {
                    visit(child, by_id, placed, out);
                }
            }
        }
    }
    for s in shards.iter().filter(|s| s.parents().next().is_none()) {
        visit(s, &by_id, &mut placed, &mut out);
    }
    // Anything unreachable (should not happen) still gets a lane, in id order.
    for s in shards {
        visit(s, &by_id, &mut placed, &mut out);
    }
    out
}

/// A lane's write density as one SVG path per shade, lowest shade first: `(level, d)`, with
/// a rectangle (`M x y h w v h h -w z`) per stretch of that shade, clipped to `[0, width]`,
/// between `top` and `top + height`. One element per shade instead of one per stretch: a
/// busy lane had a thousand, and each cost the page a DOM node to build on every run.
pub fn density_paths(
    density: &[(f64, f64, u8)],
    width: f64,
    top: f64,
    height: f64,
) -> Vec<(u8, String)> {
    let mut paths: Vec<(u8, String)> = Vec::new();
    for &(x, w, level) in density {
        if x + w <= 0.0 || x >= width {
            continue;
        }
        let x0 = x.max(0.0).min(width);
        let w = ((x + w).max(0.0).min(width) - x0).max(0.5);
        let i = match paths.iter().position(|(l, _)| *l == level) {
            Some(i) => i,
            None => {
                paths.push((level, String::new()));
                paths.len() - 1
            }
        };
        let _ = write!(
            paths[i].1,
            "M{} {}h{}v{}h-{}z",
            D1(x0),
            D1(top),
            D2(w),
            D1(height),
            D2(w)
        );
    }
    shardscope_engine::order::sorted_by_key(paths, |(l, _)| u128::from(*l))
}

fn density(s: &Series, axis: &TimeAxis, peak: u64) -> Vec<(f64, f64, u8)> {
    if peak == 0 {
        return Vec::new();
    }
    let period_us = s.period_ms.max(1) * 1_000;
    let mut out: Vec<(f64, f64, u8)> = Vec::new();
    for (i, v) in s.values.iter().enumerate() {
        let Some(v) = *v else { continue };
        if v == 0 {
            continue;
        }
        let t0 = (s.start_index + i) as u64 * period_us;
        let (x0, x1) = (axis.x(t0), axis.x(t0 + period_us));
        if x1 < 0.0 || x0 > axis.width {
            continue;
        }
        let level = ((v as f64 / peak as f64 * f64::from(DENSITY_LEVELS)).ceil() as u8)
            .clamp(1, DENSITY_LEVELS);
        match out.last_mut() {
            Some(last) if last.2 == level && (last.0 + last.1 - x0).abs() < 1e-6 => {
                last.1 = x1 - last.0;
            }
            _ => out.push((x0, x1 - x0, level)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shardscope_engine::stream::ShardState;
    use shardscope_engine::time::SimTime;
    use shardscope_engine::trace::Stat;

    fn shard(
        id: u32,
        parent: Option<u32>,
        adjacent: Option<u32>,
        children: &[u32],
        created: u64,
        closed: Option<u64>,
    ) -> ShardInfo {
        ShardInfo {
            id: ShardId(id),
            starting_hash_key: 0,
            ending_hash_key: 0,
            parent: parent.map(ShardId),
            adjacent_parent: adjacent.map(ShardId),
            children: children.iter().copied().map(ShardId).collect(),
            created_at: SimTime(created),
            closed_at: closed.map(SimTime),
            state: if closed.is_some() {
                ShardState::Closed
            } else {
                ShardState::Open
            },
        }
    }

    #[test]
    fn children_sit_under_their_parents_and_merges_after_both() {
        // 0 and 1 at the start; 0 splits into 2 and 3 at 10 s; 3 and 1 merge into 4 at 20 s.
        let shards = [
            shard(0, None, None, &[2, 3], 0, Some(10)),
            shard(1, None, None, &[4], 0, Some(20)),
            shard(2, Some(0), None, &[], 10, None),
            shard(3, Some(0), None, &[4], 10, Some(20)),
            shard(4, Some(3), Some(1), &[], 20, None),
        ];
        let axis = TimeAxis::whole(40, 40.0);
        let l = lanes(&shards, &[], &axis, 40);
        let order: Vec<u32> = l.iter().map(|l| l.shard.0).collect();
        assert_eq!(order, [0, 2, 3, 1, 4]);
        assert_eq!(l[4].parent_rows, [2, 3]);
        assert_eq!((l[1].x_start, l[1].x_end, l[1].closed), (10.0, 40.0, false));
        assert!(l[0].closed);
    }

    #[test]
    fn density_is_one_path_per_shade() {
        let density = [(-2.0, 1.0, 4), (0.0, 2.0, 4), (3.0, 1.0, 2), (5.0, 3.0, 4)];
        let paths = density_paths(&density, 6.0, 10.0, 20.0);
        assert_eq!(
            paths,
            vec![
                (2, "M3.0 10.0h1.00v20.0h-1.00z".to_string()),
                // The stretch before the axis is left out, the one past its end is cut.
                (
                    4,
                    "M0.0 10.0h2.00v20.0h-2.00zM5.0 10.0h1.00v20.0h-1.00z".to_string()
                ),
            ]
        );
    }

    #[test]
    fn density_merges_equal_levels() {
        let s = Series {
            metric: "IncomingRecords",
            stat: Stat::Sum,
            consumer: None,
            shard: Some(ShardId(0)),
            period_ms: 1_000,
            start_index: 0,
            values: vec![Some(100), Some(100), Some(0), Some(30), None, Some(100)],
        };
        let axis = TimeAxis::whole(6_000_000, 6.0);
        let shards = [shard(0, None, None, &[], 0, None)];
        let l = lanes(&shards, &[&s], &axis, 6_000_000);
        assert_eq!(
            l[0].density,
            vec![(0.0, 2.0, 4), (3.0, 1.0, 2), (5.0, 1.0, 4)]
        );
    }
}
