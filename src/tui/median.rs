//! The live median of a stream: two heaps, O(log n) a sample, so that folding a batch costs
//! the same after a million children as after ten (a sorted vector moves half of itself on
//! every insert, which a long run of fast children would feel).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The median as `stats::Summary` defines it (the mean of the middle pair for an even
/// count), kept as samples arrive.
#[derive(Clone, Debug, Default)]
pub struct RunningMedian {
    /// The smaller half, largest on top; it holds the extra sample when the count is odd.
    lower: BinaryHeap<u64>,
    /// The larger half, smallest on top.
    upper: BinaryHeap<Reverse<u64>>,
}

impl RunningMedian {
    pub fn push(&mut self, sample: u64) {
        if self.lower.peek().is_none_or(|&top| sample <= top) {
            self.lower.push(sample);
        } else {
            self.upper.push(Reverse(sample));
        }
        // Rebalance so that lower has as many as upper, or one more.
        if self.lower.len() > self.upper.len() + 1 {
            if let Some(moved) = self.lower.pop() {
                self.upper.push(Reverse(moved));
            }
        } else if self.upper.len() > self.lower.len() {
            if let Some(Reverse(moved)) = self.upper.pop() {
                self.lower.push(moved);
            }
        }
    }

    pub fn count(&self) -> usize {
        self.lower.len() + self.upper.len()
    }

    pub fn median(&self) -> Option<u64> {
        let low = *self.lower.peek()?;
        if self.lower.len() > self.upper.len() {
            return Some(low);
        }
        let Reverse(high) = *self.upper.peek()?;
        Some(((u128::from(low) + u128::from(high)) / 2) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::stats::Summary;

    #[test]
    fn agrees_with_the_summary_median_at_every_step() {
        let mut heaps = RunningMedian::default();
        let mut seen = Vec::new();
        assert_eq!(heaps.median(), None);
        for i in 0..2000u64 {
            let sample = (i * 7919) % 1013 + if i % 7 == 0 { 1 << 40 } else { 1000 };
            heaps.push(sample);
            seen.push(sample);
            let summary = Summary::of(&seen).map(|summary| summary.median);
            assert_eq!(heaps.median(), summary, "after {} samples", i + 1);
        }
        assert_eq!(heaps.count(), 2000);
    }
}
