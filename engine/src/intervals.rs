//! Sets of sequence numbers stored as disjoint half-open ranges, for the
//! per-consumer ledger. A consumer that settles records in order keeps a
//! single range per shard, so the cost follows settle calls, not records.

use std::collections::VecDeque;

/// A set of `u64` kept as disjoint, non-adjacent half-open ranges `[start, end)`.
///
/// The ranges are a sorted deque rather than a tree: the ledger's settles extend the last
/// range or start one after it, and its trims take ranges off the front, both at the ends
/// of a deque (a tree's last entry is a descent from its root, which at opt-level "z" is a
/// chain of calls for every settle); a range added or removed in the middle moves the
/// shorter side.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntervalSet {
    /// `(start, end)`, ascending, disjoint and never touching.
    ranges: VecDeque<(u64, u64)>,
    /// How many members: `count_in` over a span that holds every range answers
    /// without walking them (a fragmented set, such as a Firehose ledger with a
    /// failed record in every batch, would otherwise make each sweep's count
    /// grow with the run).
    members: u64,
}

impl IntervalSet {
    /// The empty set.
    pub fn new() -> IntervalSet {
        IntervalSet::default()
    }

    /// The lowest member and one past the highest (both 0 when the set is empty).
    fn bounds(&self) -> (u64, u64) {
        match (self.ranges.front(), self.ranges.back()) {
            (Some(&(lo, _)), Some(&(_, hi))) => (lo, hi),
            _ => (0, 0),
        }
    }

    /// The index of the first range that ends after `x` (the first that may hold a
    /// member at or above `x`).
    fn first_ending_after(&self, x: u64) -> usize {
        self.ranges.partition_point(|&(_, e)| e <= x)
    }

    /// Adds `[start, end)` and returns the sub-ranges that were not in the set
    /// before (in ascending order).
    pub fn insert(&mut self, start: u64, end: u64) -> Vec<(u64, u64)> {
        if start >= end {
            return Vec::new();
        }
        let added = self.gaps(start, end);
        if added.is_empty() {
            return added;
        }
        self.members += added.iter().map(|(a, b)| b - a).sum::<u64>();
        // Merge with every range that overlaps or touches [start, end]: `i..j`.
        let i = self.ranges.partition_point(|&(_, e)| e < start);
        let j = self.ranges.partition_point(|&(s, _)| s <= end);
        if i == j {
            self.ranges.insert(i, (start, end));
        } else {
            let merged = (start.min(self.ranges[i].0), end.max(self.ranges[j - 1].1));
            self.ranges[i] = merged;
            self.ranges.drain(i + 1..j);
        }
        added
    }

    /// Adds `[start, end)` and returns how many members are new. The common
    /// case — at or after the end of the last range — costs no allocation.
    pub fn insert_count(&mut self, start: u64, end: u64) -> u64 {
        if start >= end {
            return 0;
        }
        match self.ranges.back_mut() {
            // Extending the last range in place.
            Some((_, e)) if *e == start => *e = end,
            Some(&mut (_, e)) if e > start => {
                return self.insert(start, end).iter().map(|(a, b)| b - a).sum();
            }
            _ => self.ranges.push_back((start, end)),
        }
        self.members += end - start;
        end - start
    }

    /// Removes `[start, end)` and returns how many members were removed.
    pub fn remove(&mut self, start: u64, end: u64) -> u64 {
        // Nothing at or past `start` (the common case: processing after all discards).
        if start >= end || self.ends_by(start) {
            return 0;
        }
        // The ranges that overlap [start, end): `i..j`.
        let i = self.first_ending_after(start);
        let j = self.ranges.partition_point(|&(s, _)| s < end);
        if i >= j {
            return 0;
        }
        let removed: u64 = self
            .ranges
            .range(i..j)
            .map(|&(s, e)| e.min(end) - s.max(start))
            .sum();
        let (first, last) = (self.ranges[i].0, self.ranges[j - 1].1);
        self.ranges.drain(i..j);
        // What is left of the first and the last of them, outside [start, end).
        let mut at = i;
        if first < start {
            self.ranges.insert(at, (first, start));
            at += 1;
        }
        if last > end {
            self.ranges.insert(at, (end, last));
        }
        self.members -= removed;
        removed
    }

    /// True when every member is below `x` (then `[x, …)` is all gaps).
    pub fn ends_by(&self, x: u64) -> bool {
        self.ranges.back().is_none_or(|&(_, e)| e <= x)
    }

    /// The sub-ranges of `[start, end)` that are **not** in the set.
    pub fn gaps(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        if start >= end {
            return Vec::new();
        }
        if self.ends_by(start) {
            return vec![(start, end)];
        }
        let mut out = Vec::new();
        let mut cur = start;
        let i = self.first_ending_after(start);
        for &(s, e) in self.ranges.range(i..) {
            if s >= end {
                break;
            }
            if s > cur {
                out.push((cur, s));
            }
            cur = cur.max(e);
        }
        if cur < end {
            out.push((cur, end));
        }
        out
    }

    /// How many members lie in `[start, end)`.
    pub fn count_in(&self, start: u64, end: u64) -> u64 {
        if start >= end || self.members == 0 {
            return 0;
        }
        // The whole set lies inside: the ledger's usual question.
        let (lo, hi) = self.bounds();
        if start <= lo && hi <= end {
            return self.members;
        }
        let i = self.first_ending_after(start);
        self.ranges
            .range(i..)
            .take_while(|&&(s, _)| s < end)
            .map(|&(s, e)| e.min(end) - s.max(start))
            .sum()
    }

    /// True if `x` is a member.
    pub fn contains(&self, x: u64) -> bool {
        let i = self.first_ending_after(x);
        self.ranges.get(i).is_some_and(|&(s, _)| s <= x)
    }

    /// Forgets every member below `x` (used once those records are trimmed and
    /// can never be settled again).
    pub fn forget_below(&mut self, x: u64) {
        // From the lowest range up (a retention sweep trims one set after another each
        // second).
        while let Some(first) = self.ranges.front_mut() {
            if first.0 >= x {
                break;
            }
            if first.1 > x {
                self.members -= x - first.0;
                first.0 = x;
                break;
            }
            self.members -= first.1 - first.0;
            self.ranges.pop_front();
        }
    }

    /// The ranges, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().copied()
    }

    /// The ranges, descending.
    pub fn iter_rev(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().rev().copied()
    }

    /// Number of stored ranges.
    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_reports_only_new_members_and_merges() {
        let mut s = IntervalSet::new();
        assert_eq!(s.insert(10, 20), vec![(10, 20)]);
        assert_eq!(s.insert(30, 40), vec![(30, 40)]);
        assert_eq!(s.insert(15, 35), vec![(20, 30)]);
        assert_eq!(s.range_count(), 1);
        assert_eq!(s.insert(40, 41), vec![(40, 41)]);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(10, 41)]);
        assert!(s.insert(12, 13).is_empty());
    }

    #[test]
    fn remove_splits_ranges() {
        let mut s = IntervalSet::new();
        s.insert(0, 100);
        assert_eq!(s.remove(10, 20), 10);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(0, 10), (20, 100)]);
        assert_eq!(s.count_in(0, 100), 90);
        assert!(!s.contains(15));
        assert!(s.contains(20));
        s.forget_below(50);
        assert_eq!(s.iter().collect::<Vec<_>>(), vec![(50, 100)]);
    }

    #[test]
    fn in_order_inserts_move_the_upper_bound() {
        // The ledger's usual sequence: each settle extends the last range or starts one after it.
        let mut s = IntervalSet::new();
        assert_eq!(s.insert_count(0, 10), 10);
        assert_eq!(s.insert_count(10, 20), 10);
        assert!(!s.ends_by(15) && s.ends_by(20));
        assert_eq!(s.count_in(0, 15), 15);
        assert_eq!(s.insert_count(30, 40), 10);
        assert!(!s.ends_by(35) && s.ends_by(40));
        assert_eq!(s.count_in(0, 35), 25);
        s.forget_below(35);
        assert_eq!(s.count_in(0, 100), 5);
        assert_eq!(s.remove(35, 40), 5);
        assert_eq!(s, IntervalSet::new());
    }

    #[test]
    fn agrees_with_a_bitmap_on_random_operations() {
        let mut rng = crate::rng::Rng::new(9);
        let mut s = IntervalSet::new();
        let mut bits = [false; 200];
        for _ in 0..2000 {
            let a = rng.below(200);
            let b = (a + rng.below(30)).min(200);
            if rng.chance(0.7) {
                let added: u64 = if rng.chance(0.5) {
                    s.insert(a, b).iter().map(|(x, y)| y - x).sum()
                } else {
                    s.insert_count(a, b)
                };
                let want = (a..b).filter(|&i| !bits[i as usize]).count() as u64;
                assert_eq!(added, want);
                for i in a..b {
                    bits[i as usize] = true;
                }
            } else if rng.chance(0.9) {
                let want = (a..b).filter(|&i| bits[i as usize]).count() as u64;
                assert_eq!(s.remove(a, b), want);
                for i in a..b {
                    bits[i as usize] = false;
                }
            } else {
                s.forget_below(a);
                for i in 0..a {
                    bits[i as usize] = false;
                }
            }
            let total = bits.iter().filter(|&&x| x).count() as u64;
            assert_eq!(s.count_in(0, 200), total);
            // Every prefix and every end: what the bounds answer (`lo`, `hi`).
            for x in 0..=200u64 {
                let above = bits[x as usize..].iter().all(|&b| !b);
                assert_eq!(s.ends_by(x), above, "ends_by({x})");
                let below = bits[..x as usize].iter().filter(|&&b| b).count() as u64;
                assert_eq!(s.count_in(0, x), below, "count_in(0, {x})");
            }
            if total == 0 {
                assert_eq!(s, IntervalSet::new(), "an emptied set equals a new one");
            }
            let (c, d) = (rng.below(200), rng.below(201));
            let within = (c..d).filter(|&i| bits[i as usize]).count() as u64;
            assert_eq!(s.count_in(c, d), within, "count_in({c}, {d})");
            assert_eq!(s.contains(c), bits[c as usize], "contains({c})");
            // The ranges are the bitmap's runs, ascending and never touching.
            let mut runs = Vec::new();
            for (i, &b) in bits.iter().enumerate() {
                match runs.last_mut() {
                    Some((_, e)) if b && *e == i as u64 => *e += 1,
                    _ if b => runs.push((i as u64, i as u64 + 1)),
                    _ => {}
                }
            }
            assert_eq!(s.iter().collect::<Vec<_>>(), runs);
            let mut back: Vec<_> = s.iter_rev().collect();
            back.reverse();
            assert_eq!(back, runs);
            let gaps = s.gaps(c, d.max(c));
            let want: u64 = (c..d.max(c)).filter(|&i| !bits[i as usize]).count() as u64;
            assert_eq!(
                gaps.iter().map(|(a, b)| b - a).sum::<u64>(),
                want,
                "gaps({c}, {d})"
            );
        }
    }
}
