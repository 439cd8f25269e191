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
    Some(sorted[nearest_rank(p, sorted.len()) - 1])
}

/// The 1-based rank `percentile` reads, for `n` ≥ 1 samples.
fn nearest_rank(p: f64, n: usize) -> usize {
    (((p / 100.0) * n as f64).ceil() as usize).clamp(1, n)
}

/// Whether the nearest-rank `p`-th percentile of `n` samples is a figure of its own rather than
/// simply the largest sample: p99 needs n ≥ 100, p95 n ≥ 20. The maximum (p = 100) always is.
pub fn percentile_is_exact(p: f64, n: usize) -> bool {
    p >= 100.0 || (n > 0 && nearest_rank(p, n) < n)
}

/// The 1-based ranks `(j, n + 1 − j)` of the order statistics that bound a distribution-free
/// 95% confidence interval of the median of `n` samples, or `None` for n < 6, where even the
/// widest interval (the smallest to the largest sample) covers the median with less than 95%.
///
/// The number of samples below the true median is binomial(n, ½) whatever the distribution, so
/// `P(x₍ⱼ₎ ≤ median ≤ x₍ₙ₊₁₋ⱼ₎) = 1 − 2·P(B ≤ j − 1)`; `j` is the largest rank that keeps this at
/// 95% or more. The binomial sums are exact up to `EXACT_RANKS_UP_TO` samples, and from there
/// the normal approximation with continuity correction (off by at most one rank, at n where one
/// rank is a small fraction of the interval).
pub fn median_ci95_ranks(n: usize) -> Option<(usize, usize)> {
    let j = if n <= EXACT_RANKS_UP_TO {
        lower_rank_exact(n)
    } else {
        lower_rank_normal(n)
    };
    (j >= 1).then_some((j, n + 1 - j))
}

/// Beyond this many samples the ranks come from the normal approximation.
const EXACT_RANKS_UP_TO: usize = 1000;

/// The two-sided tail each end of the interval may leave uncovered.
const HALF_ALPHA: f64 = 0.025;

/// The largest `j` with `P(B ≤ j − 1) ≤ 2.5%`, B ~ binomial(n, ½); 0 when there is none. The
/// probabilities are summed in the log domain: 2⁻ⁿ underflows an f64 past n = 1074.
fn lower_rank_exact(n: usize) -> usize {
    let ln_half_power = -(n as f64) * std::f64::consts::LN_2;
    let mut ln_choose = 0.0; // ln C(n, k), starting at k = 0
    let mut cumulative = 0.0;
    let mut j = 0;
    for k in 0..=n {
        cumulative += (ln_choose + ln_half_power).exp();
        if cumulative > HALF_ALPHA {
            break;
        }
        j = k + 1;
        ln_choose += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
    }
    j
}

/// `lower_rank_exact` by the normal approximation: `P(B ≤ j − 1) ≈ Φ((j − ½ − n/2) / (√n/2))`.
fn lower_rank_normal(n: usize) -> usize {
    let n = n as f64;
    (n / 2.0 - Z_975 * n.sqrt() / 2.0 + 0.5).floor().max(0.0) as usize
}

/// The 97.5% point of the standard normal distribution.
const Z_975: f64 = 1.959_963_984_540_054;

/// A distribution-free 95% confidence interval `(low, high)` of the median of sorted samples:
/// the order statistics at `median_ci95_ranks`. `None` for fewer than 6 samples.
pub fn median_ci95(sorted: &[u64]) -> Option<(u64, u64)> {
    let (low, high) = median_ci95_ranks(sorted.len())?;
    Some((sorted[low - 1], sorted[high - 1]))
}

/// The half-width of the median's 95% interval as a share of the median (0.02 for ±2%): the
/// precision `--repeats auto --precision 2%` runs until. `None` below 6 samples or for a
/// median of 0.
pub fn median_ci95_relative_half_width(sorted: &[u64]) -> Option<f64> {
    let (low, high) = median_ci95(sorted)?;
    let median = median_of_sorted(sorted)?;
    (median > 0.0).then(|| (high - low) as f64 / 2.0 / median)
}

/// Whether the median's 95% interval is within `precision` (a share: 0.02 for 2%) of it.
pub fn precision_reached(sorted: &[u64], precision: f64) -> bool {
    median_ci95_relative_half_width(sorted).is_some_and(|reached| reached <= precision)
}

fn median_of_sorted(sorted: &[u64]) -> Option<f64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2] as f64),
        _ => Some((sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0),
    }
}

/// Whether two 95% intervals (of two methods' medians, say) do not overlap: the test for
/// calling one method faster than another at a crossing.
pub fn intervals_separate(a: (u64, u64), b: (u64, u64)) -> bool {
    a.1 < b.0 || b.1 < a.0
}

/// The first and third quartiles of sorted samples by linear interpolation between order
/// statistics (Hyndman & Fan's type 7, R's and NumPy's default): the quartile at `q` lies at
/// 0-based position `q·(n − 1)`.
pub fn quartiles(sorted: &[u64]) -> Option<(f64, f64)> {
    let at = |q: f64| {
        let position = q * (sorted.len() - 1) as f64;
        let below = position.floor() as usize;
        let above = position.ceil() as usize;
        let fraction = position - below as f64;
        sorted[below] as f64 + fraction * (sorted[above] as f64 - sorted[below] as f64)
    };
    (!sorted.is_empty()).then(|| (at(0.25), at(0.75)))
}

/// The interquartile range as a share of the median: the spread a noise verdict judges.
pub fn relative_iqr(sorted: &[u64]) -> Option<f64> {
    let (q1, q3) = quartiles(sorted)?;
    let median = median_of_sorted(sorted)?;
    (median > 0.0).then(|| (q3 - q1) / median)
}

/// Samples beyond Tukey's fences, with the quartiles of `quartiles`: below Q1 − 1.5·IQR or above
/// Q3 + 1.5·IQR; `far` counts those beyond 3·IQR (Tukey's "far out"), which `low` and `high`
/// include.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outliers {
    pub low: u64,
    pub high: u64,
    pub far: u64,
}

impl Outliers {
    /// No outliers for no samples.
    pub fn of(sorted: &[u64]) -> Outliers {
        let Some((q1, q3)) = quartiles(sorted) else {
            return Outliers::default();
        };
        let iqr = q3 - q1;
        let beyond = |fence: f64| {
            let low = sorted.partition_point(|&x| (x as f64) < q1 - fence * iqr);
            let high = sorted.len() - sorted.partition_point(|&x| (x as f64) <= q3 + fence * iqr);
            (low as u64, high as u64)
        };
        let (low, high) = beyond(1.5);
        let (far_low, far_high) = beyond(3.0);
        Outliers {
            low,
            high,
            far: far_low + far_high,
        }
    }

    pub fn count(&self) -> u64 {
        self.low + self.high
    }
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

    /// xorshift64*: a small deterministic generator, so the simulations are reproducible.
    struct XorShift(u64);

    impl XorShift {
        /// Uniform in (0, 1).
        fn next_unit(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            (bits as f64 + 0.5) / (1u64 << 53) as f64
        }
    }

    /// The exact coverage `1 − 2·P(B ≤ j − 1)` of the ranks chosen for `n`.
    fn nominal_coverage(n: usize) -> f64 {
        let (j, _) = median_ci95_ranks(n).unwrap();
        let ln_half_power = -(n as f64) * std::f64::consts::LN_2;
        let mut ln_choose = 0.0;
        let mut tail = 0.0;
        for k in 0..j {
            tail += (ln_choose + ln_half_power).exp();
            ln_choose += ((n - k) as f64).ln() - ((k + 1) as f64).ln();
        }
        1.0 - 2.0 * tail
    }

    #[test]
    fn median_interval_ranks_match_the_published_tables() {
        // Order-statistic ranks of the 95% interval of the median, as tabled in Conover,
        // "Practical Nonparametric Statistics" (Table A3, quantile test, p = ½) and derived by
        // hand: n = 10: P(B ≤ 1) = 11/1024 = 1.07% ≤ 2.5% < P(B ≤ 2) = 56/1024 = 5.47%.
        for (n, ranks) in [
            (6, (1, 6)),
            (10, (2, 9)),
            (20, (6, 15)),
            (30, (10, 21)),
            (50, (18, 33)),
            (100, (40, 61)),
        ] {
            assert_eq!(median_ci95_ranks(n), Some(ranks), "n = {n}");
        }
        // n = 5: even (x₁, x₅) covers with only 1 − 2/32 = 93.75%.
        for n in 0..6 {
            assert_eq!(median_ci95_ranks(n), None, "n = {n}");
        }
        assert_eq!(median_ci95(&[1, 2, 3, 4, 5]), None);
        assert_eq!(median_ci95(&[10, 20, 30, 40, 50, 60]), Some((10, 60)));
        let hundred: Vec<u64> = (1..=100).collect();
        assert_eq!(median_ci95(&hundred), Some((40, 61)));
    }

    #[test]
    fn the_normal_approximation_agrees_with_the_exact_ranks_where_it_takes_over() {
        for n in (100..=EXACT_RANKS_UP_TO).step_by(7) {
            let (exact, approx) = (lower_rank_exact(n), lower_rank_normal(n));
            assert!(
                exact.abs_diff(approx) <= 1,
                "n = {n}: exact {exact}, normal {approx}"
            );
        }
        // Past the switch the ranks keep their meaning: about n/2 − 0.98·√n.
        let (low, high) = median_ci95_ranks(10_000).unwrap();
        assert_eq!((low, high), (4902, 5099));
        assert!(nominal_coverage(10_000) >= 0.95 && nominal_coverage(10_000) < 0.955);
    }

    #[test]
    fn the_median_interval_covers_the_true_median_at_its_nominal_rate() {
        let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
        const SCALE: f64 = 1_000_000.0;
        // (name, a sample, the distribution's true median)
        type Draw = fn(&mut XorShift) -> f64;
        let cases: [(&str, Draw, f64); 2] = [
            (
                "exponential",
                |rng| -rng.next_unit().ln() * SCALE,
                std::f64::consts::LN_2 * SCALE,
            ),
            (
                "uniform",
                |rng| 1000.0 + rng.next_unit() * SCALE,
                1000.0 + SCALE / 2.0,
            ),
        ];
        let trials = 2000;
        for (name, draw, true_median) in cases {
            for n in [6, 10, 20, 37, 100, 1500] {
                let covered = (0..trials)
                    .filter(|_| {
                        let mut samples: Vec<u64> = (0..n).map(|_| draw(&mut rng).round() as u64).collect();
                        samples.sort_unstable();
                        let (low, high) = median_ci95(&samples).unwrap();
                        low as f64 <= true_median && true_median <= high as f64
                    })
                    .count();
                let rate = covered as f64 / trials as f64;
                let nominal = nominal_coverage(n);
                assert!(nominal >= 0.95, "{name}, n = {n}: nominal {nominal}");
                // Four standard errors of a 2000-trial rate.
                assert!(
                    (rate - nominal).abs() <= 0.02,
                    "{name}, n = {n}: covered {rate}, nominal {nominal}"
                );
                assert!((0.93..=0.99).contains(&rate), "{name}, n = {n}: covered {rate}");
            }
        }
    }

    #[test]
    fn precision_is_the_relative_half_width_of_the_median_interval() {
        let hundred: Vec<u64> = (1..=100).map(|i| 1000 + i).collect();
        // Interval (1040, 1061), median 1050.5: half-width 10.5.
        let reached = median_ci95_relative_half_width(&hundred).unwrap();
        assert!((reached - 10.5 / 1050.5).abs() < 1e-12, "{reached}");
        assert!(precision_reached(&hundred, 0.01));
        assert!(!precision_reached(&hundred, 0.009));
        assert!(!precision_reached(&[1000; 5], 0.5), "no interval below 6 samples");
        assert_eq!(median_ci95_relative_half_width(&[0; 10]), None);
    }

    #[test]
    fn a_percentile_is_exact_only_where_it_is_not_the_maximum() {
        assert!(!percentile_is_exact(99.0, 99));
        assert!(percentile_is_exact(99.0, 100));
        assert!(percentile_is_exact(99.0, 1000));
        assert!(!percentile_is_exact(99.0, 1));
        assert!(!percentile_is_exact(95.0, 19));
        assert!(percentile_is_exact(95.0, 20));
        assert!(percentile_is_exact(100.0, 1));
        assert!(!percentile_is_exact(50.0, 0));
        // The claim checked against the figure itself: below 100 samples p99 is the maximum.
        let ninety_nine: Vec<u64> = (1..=99).collect();
        assert_eq!(percentile(&ninety_nine, 99.0), ninety_nine.last().copied());
    }

    #[test]
    fn intervals_separate_only_without_overlap() {
        assert!(intervals_separate((10, 20), (21, 30)));
        assert!(intervals_separate((21, 30), (10, 20)));
        assert!(!intervals_separate((10, 20), (20, 30)), "touching is overlapping");
        assert!(!intervals_separate((10, 40), (20, 30)));
    }

    #[test]
    fn quartiles_interpolate_like_r_type_7() {
        // R: quantile(c(1, 2, 3, 4, 5, 6, 7, 8), c(.25, .75)) gives 2.75 and 6.25.
        assert_eq!(quartiles(&[1, 2, 3, 4, 5, 6, 7, 8]), Some((2.75, 6.25)));
        assert_eq!(quartiles(&[7]), Some((7.0, 7.0)));
        assert_eq!(quartiles(&[]), None);
        let relative = relative_iqr(&[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
        assert!((relative - 3.5 / 4.5).abs() < 1e-12);
    }

    #[test]
    fn outliers_are_counted_by_tukey_fences() {
        // 1..=20: Q1 = 5.75, Q3 = 15.25, IQR = 9.5; fences at −8.5 and 29.5, far at −22.75 and 43.75.
        let mut samples: Vec<u64> = (1..=20).collect();
        assert_eq!(Outliers::of(&samples), Outliers::default());
        samples.extend([30, 44, 1000]);
        samples.sort_unstable();
        // With 23 samples the quartiles move: Q1 = 6.5, Q3 = 17.5, IQR = 11; fences at −10
        // and 34, far at 50.5: 44 and 1000 are beyond the fence, 1000 far beyond.
        assert_eq!(quartiles(&samples), Some((6.5, 17.5)));
        let outliers = Outliers::of(&samples);
        assert_eq!(
            outliers,
            Outliers {
                low: 0,
                high: 2,
                far: 1
            }
        );
        assert_eq!(outliers.count(), 2);
        let mut low_tail = vec![1, 1000, 1001, 1002, 1003, 1004, 1005, 1006];
        low_tail.sort_unstable();
        assert_eq!(
            Outliers::of(&low_tail),
            Outliers {
                low: 1,
                high: 0,
                far: 1
            }
        );
        assert_eq!(Outliers::of(&[]), Outliers::default());
    }
}
