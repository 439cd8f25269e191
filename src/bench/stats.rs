//! Summaries of per-child times: min, median, mean, σ, p99, max, computed once when a
//! method's samples are all in.

use serde::{Deserialize, Serialize};

/// The summary of a set of durations in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: u64,
    pub min: u64,
    pub median: u64,
    pub mean: u64,
    pub stddev: u64,
    pub p99: u64,
    pub max: u64,
}

impl Summary {
    /// `None` for no samples.
    pub fn of(samples: &[u64]) -> Option<Summary> {
        if samples.is_empty() {
            return None;
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        // Welford's mean and variance, in one pass.
        let (mut mean, mut m2) = (0.0, 0.0);
        for (seen, &sample) in sorted.iter().enumerate() {
            let delta = sample as f64 - mean;
            mean += delta / (seen + 1) as f64;
            m2 += delta * (sample as f64 - mean);
        }
        // The sample standard deviation (n − 1), 0 for a single sample.
        let n = sorted.len();
        let stddev = if n < 2 { 0.0 } else { (m2 / (n - 1) as f64).sqrt() };
        // The mean of the middle pair for an even count.
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            ((u128::from(sorted[n / 2 - 1]) + u128::from(sorted[n / 2])) / 2) as u64
        };
        Some(Summary {
            count: n as u64,
            min: *sorted.first()?,
            median,
            mean: mean.round() as u64,
            stddev: stddev.round() as u64,
            p99: percentile(&sorted, 99.0)?,
            max: *sorted.last()?,
        })
    }
}

/// The nearest-rank percentile of sorted samples: the smallest sample with at least `p`% of
/// the samples at or below it.
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Bytes per second for `bytes` handed over in `nanos`.
pub fn throughput(bytes: u64, nanos: u64) -> u64 {
    if nanos == 0 {
        0
    } else {
        (u128::from(bytes) * 1_000_000_000 / u128::from(nanos)) as u64
    }
}

/// Counts in log-spaced bins (four per doubling), for a histogram of per-child times.
#[derive(Clone, Debug, Default)]
pub struct LogHistogram {
    /// (bin, count) in ascending bin order.
    bins: Vec<(u32, u64)>,
}

impl LogHistogram {
    const PER_DOUBLING: f64 = 4.0;

    pub fn bin_of(nanos: u64) -> u32 {
        ((nanos.max(1) as f64).log2() * Self::PER_DOUBLING).floor() as u32
    }

    /// The lower edge of a bin, in nanoseconds.
    pub fn lower_edge(bin: u32) -> u64 {
        2f64.powf(f64::from(bin) / Self::PER_DOUBLING).ceil() as u64
    }

    pub fn push(&mut self, nanos: u64) {
        let bin = Self::bin_of(nanos);
        match self.bins.binary_search_by_key(&bin, |&(b, _)| b) {
            Ok(at) => self.bins[at].1 += 1,
            Err(at) => self.bins.insert(at, (bin, 1)),
        }
    }

    /// Every bin from the lowest to the highest seen, empty ones included.
    pub fn dense(&self) -> Vec<(u32, u64)> {
        let (Some(&(first, _)), Some(&(last, _))) = (self.bins.first(), self.bins.last()) else {
            return Vec::new();
        };
        (first..=last)
            .map(|bin| {
                let count = self
                    .bins
                    .binary_search_by_key(&bin, |&(b, _)| b)
                    .map_or(0, |at| self.bins[at].1);
                (bin, count)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_a_known_set() {
        let summary = Summary::of(&[5, 1, 4, 2, 3]).unwrap();
        assert_eq!(
            summary,
            Summary {
                count: 5,
                min: 1,
                median: 3,
                mean: 3,
                stddev: 2, // sqrt(2.5) = 1.58, rounded
                p99: 5,
                max: 5,
            }
        );
    }

    #[test]
    fn even_counts_take_the_middle_pair() {
        assert_eq!(Summary::of(&[10, 40, 20, 30]).unwrap().median, 25);
        assert_eq!(Summary::of(&[7]).unwrap().stddev, 0);
        assert_eq!(Summary::of(&[]), None);
    }

    #[test]
    fn p99_is_nearest_rank() {
        let samples: Vec<u64> = (1..=200).collect();
        assert_eq!(Summary::of(&samples).unwrap().p99, 198);
        let samples: Vec<u64> = (1..=100).collect();
        assert_eq!(Summary::of(&samples).unwrap().p99, 99);
        assert_eq!(percentile(&[3, 9], 50.0), Some(3));
        assert_eq!(percentile(&[3, 9], 0.0), Some(3));
        assert_eq!(percentile(&[3, 9], 100.0), Some(9));
    }

    #[test]
    fn the_summary_matches_a_batch_computation() {
        let samples: Vec<u64> = (0..1000u64).map(|i| (i * 7919) % 1013 + 1_000_000).collect();
        let summary = Summary::of(&samples).unwrap();
        let mean = samples.iter().sum::<u64>() as f64 / 1000.0;
        let variance = samples.iter().map(|&s| (s as f64 - mean).powi(2)).sum::<f64>() / 999.0;
        assert_eq!(summary.stddev, variance.sqrt().round() as u64);
        assert_eq!(summary.mean, mean.round() as u64);
        let mut sorted = samples.clone();
        sorted.sort_unstable();
        assert_eq!((summary.min, summary.max), (sorted[0], sorted[999]));
        assert_eq!(summary.median, (sorted[499] + sorted[500]) / 2);
    }

    #[test]
    fn throughput_is_bytes_per_second() {
        assert_eq!(throughput(8_000_000, 2_000_000), 4_000_000_000);
        assert_eq!(throughput(1, 0), 0);
    }

    #[test]
    fn histogram_bins_are_log_spaced_and_dense() {
        let mut histogram = LogHistogram::default();
        for nanos in [1000, 1000, 1010, 4000] {
            histogram.push(nanos);
        }
        let dense = histogram.dense();
        assert_eq!(dense.first(), Some(&(LogHistogram::bin_of(1000), 3)));
        assert_eq!(dense.last(), Some(&(LogHistogram::bin_of(4000), 1)));
        assert_eq!(dense.len(), 9); // two doublings at four bins each, both ends included
        assert!(LogHistogram::lower_edge(LogHistogram::bin_of(1000)) <= 1000);
    }
}
