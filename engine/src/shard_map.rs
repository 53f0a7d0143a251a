//! A value per shard, looked up by the shard's number.
//!
//! Shards are numbered in creation order, so a list as long as the stream has had shards
//! holds them all, in the order of a `BTreeMap<ShardId, _>` (ascending numbers). A
//! consumer that keeps a position or a time per shard looks it up on every read and every
//! step, and a tree's search (like its insertion and its iteration) is a chain of calls
//! at the page's opt-level "z" (ARCHITECTURE.md, "Speed at opt-level z"). Readers'
//! positions (`lineage::ShardReads`) and Flink's per-shard state are kept in one.

use crate::stream::ShardId;

/// A value per shard (see the module documentation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardMap<V> {
    values: Vec<Option<V>>,
}

impl<V> Default for ShardMap<V> {
    fn default() -> Self {
        ShardMap { values: Vec::new() }
    }
}

impl<V> ShardMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The value of `shard`, if it has one.
    #[inline(always)]
    pub fn get(&self, shard: ShardId) -> Option<&V> {
        self.values.as_slice().get(shard.0 as usize)?.as_ref()
    }

    /// The value of `shard`, if it has one, to change.
    #[inline(always)]
    pub fn get_mut(&mut self, shard: ShardId) -> Option<&mut V> {
        self.values
            .as_mut_slice()
            .get_mut(shard.0 as usize)?
            .as_mut()
    }

    /// The slot of `shard`, made if the list is not that long yet.
    fn slot(&mut self, shard: ShardId) -> &mut Option<V> {
        let i = shard.0 as usize;
        if self.values.len() <= i {
            self.values.resize_with(i + 1, || None);
        }
        &mut self.values.as_mut_slice()[i]
    }

    /// Sets the value of `shard`; returns the one it replaces.
    pub fn insert(&mut self, shard: ShardId, v: V) -> Option<V> {
        self.slot(shard).replace(v)
    }

    /// The value of `shard`, set to `v` first if it has none (a `BTreeMap`'s
    /// `entry(shard).or_insert(v)`).
    pub fn or_insert(&mut self, shard: ShardId, v: V) -> &mut V {
        self.slot(shard).get_or_insert(v)
    }

    /// The shards with a value and their values, in shard order.
    pub fn iter(&self) -> impl Iterator<Item = (ShardId, &V)> {
        self.values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((ShardId(i as u32), v.as_ref()?)))
    }

    /// The shards with a value, in shard order.
    pub fn keys(&self) -> impl Iterator<Item = ShardId> + '_ {
        self.iter().map(|(s, _)| s)
    }

    /// How many shards there may be a value for: the shards with a value are numbered
    /// below it.
    pub fn bound(&self) -> usize {
        self.values.len()
    }

    pub fn clear(&mut self) {
        self.values.clear();
    }
}

impl<V: Default> ShardMap<V> {
    /// The value of `shard`, set to the default first if it has none.
    pub fn or_default(&mut self, shard: ShardId) -> &mut V {
        self.slot(shard).get_or_insert_with(V::default)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// Any sequence of inserts and `or_insert`s leaves what a `BTreeMap` would hold, listed in
    /// the same order.
    #[test]
    fn holds_what_a_tree_holds_in_its_order() {
        let mut m = ShardMap::new();
        let mut t = BTreeMap::new();
        let mut x: u64 = 7;
        for step in 0..500u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let shard = ShardId((x >> 60) as u32);
            if step % 3 == 0 {
                assert_eq!(m.insert(shard, step), t.insert(shard, step));
            } else {
                assert_eq!(*m.or_insert(shard, step), *t.entry(shard).or_insert(step));
            }
            assert_eq!(m.get(shard), t.get(&shard));
            if step % 50 == 49 {
                assert!(m
                    .iter()
                    .map(|(s, v)| (s, *v))
                    .eq(t.iter().map(|(s, v)| (*s, *v))));
            }
        }
        assert!(m.keys().eq(t.keys().copied()));
        assert_eq!(m.get(ShardId(99)), None);
        assert!(m.bound() <= 16);
        m.clear();
        assert_eq!(m.iter().count(), 0);
    }
}
