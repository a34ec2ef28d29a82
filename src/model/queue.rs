//! The event queue: ordered by time; at equal times a `MonthEnd` first, then insertion order.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone)]
struct Entry<E> {
    time: f64,
    /// 0 for a month end, 1 otherwise: month ends run first at equal times.
    class: u8,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so the max-heap pops the earliest entry.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then(other.class.cmp(&self.class))
            .then(other.seq.cmp(&self.seq))
    }
}

/// A priority queue of timestamped events (DESIGN.md §3: a `MonthEnd` before every other
/// event at the same time, other ties first in, first out).
#[derive(Clone)]
pub struct Queue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Self {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<E> Queue<E> {
    /// Schedules `event` at `time`; `month_end` marks the events that run first among ties.
    pub fn push(&mut self, time: f64, month_end: bool, event: E) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            class: u8::from(!month_end),
            seq: self.seq,
            event,
        });
    }

    /// The earliest event.
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Number of scheduled events.
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

    #[test]
    fn time_order_month_end_first_then_fifo() {
        let mut q = Queue::default();
        q.push(2.0, false, "b1");
        q.push(1.0, false, "a");
        q.push(2.0, false, "b2");
        q.push(2.0, true, "month end 2");
        q.push(0.5, false, "first");
        q.push(2.0, false, "b3");
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ["first", "a", "month end 2", "b1", "b2", "b3"]);
    }
}
