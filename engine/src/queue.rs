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

use crate::time::SimTime;

/// Bits of a key that hold the insertion sequence; the rank sits above them.
const SEQ_BITS: u32 = 48;

/// What orders the queue, unique to an entry: its time, then its rank and insertion
/// sequence (`rank << SEQ_BITS | seq`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    at: u64,
    /// Rank in the top 16 bits, insertion sequence below: one comparison orders both
    /// (ranks are a consumer index + 1, sequences stay far below 2^48 under the
    /// playground's event limit).
    key: u64,
}

/// An entry of the heap: its key and the slot of its event in [`EventQueue::items`].
#[derive(Clone, Copy, Debug)]
struct Node {
    key: Key,
    slot: u32,
}

/// An item's rank among items scheduled at the same time (lowest first).
pub trait Ranked {
    /// The rank.
    fn rank(&self) -> u32;
}

/// A min-queue of items by time, then rank, FIFO among equal keys.
///
/// A min-heap of keys whose events wait in a slab: sifting moves 24-byte nodes, not
/// events, and the heap is written here (not `std`'s `BinaryHeap`) so that its few steps
/// are inline at the page's opt-level "z". Keys are unique, so the order in which entries
/// come out is the keys' order, whatever the heap's shape.
pub struct EventQueue<T> {
    heap: Vec<Node>,
    items: Vec<Option<T>>,
    /// Slots of `items` free for the next push.
    free: Vec<u32>,
    next_seq: u64,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        EventQueue {
            heap: Vec::new(),
            items: Vec::new(),
            free: Vec::new(),
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
        let slot = match self.free.pop() {
            Some(s) => {
                self.items.as_mut_slice()[s as usize] = Some(item);
                s
            }
            None => {
                self.items.push(Some(item));
                (self.items.len() - 1) as u32
            }
        };
        let node = Node {
            key: Key {
                at: at.0,
                key: rank << SEQ_BITS | seq,
            },
            slot,
        };
        self.heap.push(node);
        // Sift up: parents later than the new node move down into its place.
        let h = self.heap.as_mut_slice();
        let mut i = h.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if h[parent].key <= node.key {
                break;
            }
            h[i] = h[parent];
            i = parent;
        }
        h[i] = node;
    }

    /// The time and rank of the earliest item, if any.
    pub fn peek_key(&self) -> Option<(SimTime, u32)> {
        self.heap
            .first()
            .map(|n| (SimTime(n.key.at), (n.key.key >> SEQ_BITS) as u32))
    }

    /// The time of the earliest item, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|n| SimTime(n.key.at))
    }

    /// Removes and returns the earliest item.
    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        let top = *self.heap.first()?;
        let last = self.heap.pop()?;
        // Sift down: the last node goes in at the root, and earlier children move up.
        let h = self.heap.as_mut_slice();
        let n = h.len();
        if n > 0 {
            let mut i = 0;
            loop {
                let left = 2 * i + 1;
                if left >= n {
                    break;
                }
                let right = left + 1;
                let child = if right < n && h[right].key < h[left].key {
                    right
                } else {
                    left
                };
                if last.key <= h[child].key {
                    break;
                }
                h[i] = h[child];
                i = child;
            }
            h[i] = last;
        }
        let item = self.items.as_mut_slice()[top.slot as usize].take()?;
        self.free.push(top.slot);
        Some((SimTime(top.key.at), item))
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

    /// An item for the reference test: its rank is chosen.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct R(u32, u32);

    impl Ranked for R {
        fn rank(&self) -> u32 {
            self.0
        }
    }

    proptest::proptest! {
        /// Pushes and pops interleaved at random come out as from a list searched for the
        /// least `(time, rank, insertion)` each time.
        #[test]
        fn pops_in_key_order_like_a_sorted_list(
            ops in proptest::collection::vec((0u64..40, 0u32..3, proptest::bool::weighted(0.6)), 1..400)
        ) {
            let mut q = EventQueue::new();
            let mut reference: Vec<(u64, u32, u32)> = Vec::new();
            for (n, &(at, rank, push)) in ops.iter().enumerate() {
                if push {
                    q.push(SimTime(at), R(rank, n as u32));
                    reference.push((at, rank, n as u32));
                } else {
                    let want = reference
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, k)| **k)
                        .map(|(i, _)| i)
                        .map(|i| reference.remove(i));
                    let got = q.pop().map(|(t, r)| (t.0, r.0, r.1));
                    proptest::prop_assert_eq!(got, want);
                }
                proptest::prop_assert_eq!(q.len(), reference.len());
                let least = reference.iter().min().map(|k| (SimTime(k.0), k.1));
                proptest::prop_assert_eq!(q.peek_key(), least);
            }
        }
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
