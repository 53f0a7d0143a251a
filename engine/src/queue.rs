//! The event queue: a priority queue of `(time, rank, insertion sequence)` keys.
//!
//! Equal times are served by rank ([`Ranked`]), then in insertion order
//! (**explicit FIFO tie-breaking**, as NeXosim's `PriorityQueue` does): the
//! order in which a binary heap would pop equal keys is an implementation
//! detail, and determinism cannot rest on one.
//!
//! Why ranks: the kernel serves its own events at an instant (timeline,
//! producers' tick, sweep) before any consumer's, and one consumer's before the
//! next one's. So when a consumer computes some of its own events ahead of the
//! kernel's time (the Lambda mapping's chains), the events it schedules there
//! — earlier than the unchained model would have — are still served in the
//! same order relative to everything another party scheduled for that instant.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// One scheduled entry.
struct Entry<T> {
    at: SimTime,
    /// Rank in the top 16 bits, insertion sequence below: one comparison
    /// orders both (ranks are a consumer index + 1, sequences stay far below
    /// 2^48 under the playground's event limit).
    key: u64,
    item: T,
}

const SEQ_BITS: u32 = 48;

impl<T> Entry<T> {
    fn rank(&self) -> u32 {
        (self.key >> SEQ_BITS) as u32
    }
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.key == other.key
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    /// Reversed, so that the max-heap pops the earliest `(at, rank, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.key).cmp(&(self.at, self.key))
    }
}

/// An item's rank among items scheduled at the same time (lowest first).
pub trait Ranked {
    /// The rank.
    fn rank(&self) -> u32;
}

/// A min-queue of items by time, then rank, FIFO among equal keys.
pub struct EventQueue<T> {
    heap: BinaryHeap<Entry<T>>,
    next_seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            next_seq: 0,
        }
    }
}

impl<T: Ranked> EventQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `item` at `at`, after everything of its rank or lower already
    /// scheduled at `at`.
    pub fn push(&mut self, at: SimTime, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        debug_assert!(seq < 1 << SEQ_BITS);
        let rank = u64::from(item.rank().min(0xffff));
        self.heap.push(Entry {
            at,
            key: rank << SEQ_BITS | seq,
            item,
        });
    }

    /// The time and rank of the earliest item, if any.
    pub fn peek_key(&self) -> Option<(SimTime, u32)> {
        self.heap.peek().map(|e| (e.at, e.rank()))
    }

    /// The time of the earliest item, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.at)
    }

    /// Removes and returns the earliest item.
    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        self.heap.pop().map(|e| (e.at, e.item))
    }

    /// Number of items waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Ranked for &str {
        fn rank(&self) -> u32 {
            u32::from(self.starts_with('z'))
        }
    }

    impl Ranked for u32 {
        fn rank(&self) -> u32 {
            0
        }
    }

    #[test]
    fn lower_ranks_first_among_equal_times() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "z1");
        q.push(SimTime(5), "b1");
        q.push(SimTime(1), "z0");
        q.push(SimTime(5), "b2");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, x)| x).collect();
        assert_eq!(order, vec!["z0", "b1", "b2", "z1"]);
    }

    #[test]
    fn earliest_first_and_fifo_among_equal_times() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), "b1");
        q.push(SimTime(1), "a");
        q.push(SimTime(5), "b2");
        q.push(SimTime(3), "c");
        q.push(SimTime(5), "b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, x)| x).collect();
        assert_eq!(order, vec!["a", "c", "b1", "b2", "b3"]);
    }

    #[test]
    fn fifo_holds_for_many_ties() {
        let mut q = EventQueue::new();
        for i in 0..1000u32 {
            q.push(SimTime(u64::from(i % 3)), i);
        }
        let mut last = (SimTime(0), 0u32);
        let mut first = true;
        while let Some((t, i)) = q.pop() {
            if !first {
                assert!(t > last.0 || (t == last.0 && i > last.1));
            }
            first = false;
            last = (t, i);
        }
    }
}
