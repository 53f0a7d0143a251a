//! Sets of sequence numbers stored as disjoint half-open ranges, for the
//! per-consumer ledger. A consumer that settles records in order keeps a
//! single range per shard, so the cost follows settle calls, not records.

use std::collections::BTreeMap;

/// A set of `u64` kept as disjoint, non-adjacent half-open ranges `[start, end)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IntervalSet {
    /// start → end, disjoint and never touching.
    ranges: BTreeMap<u64, u64>,
    /// How many members: `count_in` over a span that holds every range answers
    /// without walking them (a fragmented set, such as a Firehose ledger with a
    /// failed record in every batch, would otherwise make each sweep's count
    /// grow with the run).
    members: u64,
    /// The lowest member and one past the highest (both 0 when the set is empty): the
    /// usual `count_in` and `ends_by` answer from them without a search of the tree.
    lo: u64,
    hi: u64,
}

impl IntervalSet {
    /// The empty set.
    pub fn new() -> IntervalSet {
        IntervalSet::default()
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
        // Merge with every range that overlaps or touches [start, end].
        let mut new_start = start;
        let mut new_end = end;
        if let Some((&s, &e)) = self.ranges.range(..=start).next_back() {
            if e >= start {
                new_start = s;
                new_end = new_end.max(e);
            }
        }
        let covered: Vec<u64> = self
            .ranges
            .range(new_start..=end)
            .map(|(&s, _)| s)
            .collect();
        for s in covered {
            if let Some(e) = self.ranges.remove(&s) {
                new_end = new_end.max(e);
            }
        }
        self.ranges.insert(new_start, new_end);
        self.widen(new_start, new_end);
        added
    }

    /// Notes a range just added in the bounds.
    fn widen(&mut self, start: u64, end: u64) {
        if self.ranges.len() == 1 {
            (self.lo, self.hi) = (start, end);
        } else {
            self.lo = self.lo.min(start);
            self.hi = self.hi.max(end);
        }
    }

    /// The bounds again from the ranges, after members were taken out.
    fn rebound(&mut self) {
        self.lo = self.ranges.first_key_value().map_or(0, |(&s, _)| s);
        self.hi = self.ranges.last_key_value().map_or(0, |(_, &e)| e);
    }

    /// Adds `[start, end)` and returns how many members are new. The common
    /// case — at or after the end of the last range — costs no allocation.
    pub fn insert_count(&mut self, start: u64, end: u64) -> u64 {
        if start >= end {
            return 0;
        }
        let Some(mut last) = self.ranges.last_entry() else {
            self.ranges.insert(start, end);
            self.members += end - start;
            (self.lo, self.hi) = (start, end);
            return end - start;
        };
        match *last.get() {
            // Extending the last range in place (no search from the root).
            e if e == start => {
                *last.get_mut() = end;
                self.members += end - start;
                self.hi = end;
                end - start
            }
            e if e < start => {
                self.ranges.insert(start, end);
                self.members += end - start;
                self.hi = end;
                end - start
            }
            _ => self.insert(start, end).iter().map(|(a, b)| b - a).sum(),
        }
    }

    /// Removes `[start, end)` and returns how many members were removed.
    pub fn remove(&mut self, start: u64, end: u64) -> u64 {
        // Nothing at or past `start` (the common case: processing after all discards).
        if start >= end || self.ends_by(start) {
            return 0;
        }
        let mut removed = 0;
        let mut touched: Vec<(u64, u64)> = Vec::new();
        if let Some((&s, &e)) = self.ranges.range(..start).next_back() {
            if e > start {
                touched.push((s, e));
            }
        }
        touched.extend(self.ranges.range(start..end).map(|(&s, &e)| (s, e)));
        for (s, e) in touched {
            self.ranges.remove(&s);
            let lo = s.max(start);
            let hi = e.min(end);
            removed += hi - lo;
            if s < start {
                self.ranges.insert(s, start);
            }
            if e > end {
                self.ranges.insert(end, e);
            }
        }
        self.members -= removed;
        self.rebound();
        removed
    }

    /// True when every member is below `x` (then `[x, …)` is all gaps).
    pub fn ends_by(&self, x: u64) -> bool {
        self.hi <= x
    }

    /// The sub-ranges of `[start, end)` that are **not** in the set.
    pub fn gaps(&self, start: u64, end: u64) -> Vec<(u64, u64)> {
        if start >= end {
            return Vec::new();
        }
        if self
            .ranges
            .last_key_value()
            .is_none_or(|(_, &e)| e <= start)
        {
            return vec![(start, end)];
        }
        let mut out = Vec::new();
        let mut cur = start;
        if let Some((_, &e)) = self.ranges.range(..=start).next_back() {
            cur = cur.max(e);
        }
        for (&s, &e) in self.ranges.range(start..end) {
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
        if start >= end {
            return 0;
        }
        if self.members == 0 {
            return 0;
        }
        // The whole set lies inside: the ledger's usual question.
        if start <= self.lo && self.hi <= end {
            return self.members;
        }
        // The range starting before `start` may reach into [start, end).
        let before = self
            .ranges
            .range(..start)
            .next_back()
            .map_or(0, |(_, &e)| e.min(end).saturating_sub(start));
        let within: u64 = self
            .ranges
            .range(start..end)
            .map(|(&s, &e)| e.min(end) - s)
            .sum();
        before + within
    }

    /// True if `x` is a member.
    pub fn contains(&self, x: u64) -> bool {
        self.ranges
            .range(..=x)
            .next_back()
            .is_some_and(|(_, &e)| e > x)
    }

    /// Forgets every member below `x` (used once those records are trimmed and
    /// can never be settled again).
    pub fn forget_below(&mut self, x: u64) {
        if self.members == 0 || self.lo >= x {
            return;
        }
        // From the lowest range up (a retention sweep trims one set after another each
        // second): without `remove`'s list of touched ranges.
        while let Some((&s, &e)) = self.ranges.first_key_value() {
            if s >= x {
                break;
            }
            self.ranges.remove(&s);
            if e > x {
                self.ranges.insert(x, e);
                self.members -= x - s;
                break;
            }
            self.members -= e - s;
        }
        self.rebound();
    }

    /// The ranges, ascending.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().map(|(&s, &e)| (s, e))
    }

    /// The ranges, descending.
    pub fn iter_rev(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.ranges.iter().rev().map(|(&s, &e)| (s, e))
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
        }
    }
}
