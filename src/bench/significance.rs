//! Whether two sets of per-child times differ beyond noise: the two-sided Mann–Whitney U test.
//!
//! Chosen over a bootstrap of the ratio of medians because it needs no random resampling (the
//! same data always gives the same verdict), assumes nothing about the shape of the
//! distributions (per-child times are skewed, with long right tails), and is cheap at the
//! counts a run has. It follows R's `wilcox.test(x, y)`: the exact distribution of U when both
//! samples have fewer than 50 values and there are no ties; otherwise the normal approximation
//! with the tie correction of the variance and a continuity correction of ½.

use serde::{Deserialize, Serialize};

/// The level below which a difference is called significant, unless asked otherwise.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// Both samples below this many values and no ties: the exact distribution of U (R's rule).
const EXACT_BELOW: usize = 50;

/// The outcome of a two-sided Mann–Whitney U test of `a` against `b`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MannWhitney {
    /// U of `a`: the pairs (x from a, y from b) with x > y, ties counting ½ (R's W).
    pub u: f64,
    /// The normal score of U, with tie and continuity corrections: negative where `a` tends
    /// to be smaller. Reported even where `p` is exact.
    pub z: f64,
    /// The two-sided p-value.
    pub p: f64,
    /// Whether `p` is from the exact distribution of U rather than the normal approximation.
    pub exact: bool,
}

impl MannWhitney {
    /// `None` when either sample is empty.
    pub fn test(a: &[u64], b: &[u64]) -> Option<MannWhitney> {
        if a.is_empty() || b.is_empty() {
            return None;
        }
        let (n1, n2) = (a.len(), b.len());
        let ranked = Ranked::of(a, b);
        let u = ranked.rank_sum_of_a - (n1 * (n1 + 1)) as f64 / 2.0;
        let z = normal_score(u, n1, n2, ranked.tie_term);
        let exact = n1 < EXACT_BELOW && n2 < EXACT_BELOW && ranked.tie_term == 0.0;
        let p = if exact {
            exact_two_sided_p(u as usize, n1, n2)
        } else {
            libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
        };
        Some(MannWhitney { u, z, p, exact })
    }

    /// Beyond noise at the 5% level.
    pub fn significant(&self) -> bool {
        self.significant_at(DEFAULT_ALPHA)
    }

    pub fn significant_at(&self, alpha: f64) -> bool {
        self.p < alpha
    }
}

/// The two samples ranked together, tied values taking the mean of their ranks.
struct Ranked {
    rank_sum_of_a: f64,
    /// Σ (t³ − t) over groups of t tied values: what ties take from the variance of U.
    tie_term: f64,
}

impl Ranked {
    fn of(a: &[u64], b: &[u64]) -> Ranked {
        let mut all: Vec<(u64, bool)> = a
            .iter()
            .map(|&x| (x, true))
            .chain(b.iter().map(|&y| (y, false)))
            .collect();
        all.sort_unstable();
        let mut ranked = Ranked {
            rank_sum_of_a: 0.0,
            tie_term: 0.0,
        };
        let mut start = 0;
        for group in all.chunk_by(|left, right| left.0 == right.0) {
            let tied = group.len() as f64;
            // 1-based ranks start + 1 ..= start + tied share their mean.
            let mean_rank = start as f64 + (tied + 1.0) / 2.0;
            let from_a = group.iter().filter(|&&(_, is_a)| is_a).count() as f64;
            ranked.rank_sum_of_a += from_a * mean_rank;
            ranked.tie_term += tied * tied * tied - tied;
            start += group.len();
        }
        ranked
    }
}

/// `(U − n1·n2/2 − ½·sign) / σ`, σ² = n1·n2/12 · ((N + 1) − Σ(t³ − t) / (N·(N − 1))); 0 where
/// every value is the same (σ = 0: nothing tells the samples apart).
fn normal_score(u: f64, n1: usize, n2: usize, tie_term: f64) -> f64 {
    let (n1, n2) = (n1 as f64, n2 as f64);
    let n = n1 + n2;
    let tie_share = if n > 1.0 { tie_term / (n * (n - 1.0)) } else { 0.0 };
    let sigma = (n1 * n2 / 12.0 * ((n + 1.0) - tie_share)).sqrt();
    if sigma == 0.0 {
        return 0.0;
    }
    let deviation = u - n1 * n2 / 2.0;
    (deviation - 0.5 * deviation.signum()) / sigma
}

/// `2·min(P(U ≤ u), P(U ≥ u))`, capped at 1, from the exact null distribution of U.
fn exact_two_sided_p(u: usize, n1: usize, n2: usize) -> f64 {
    let counts = u_counts(n1, n2);
    let total: f64 = counts.iter().sum();
    let at_most: f64 = counts[..=u].iter().sum();
    let at_least: f64 = counts[u..].iter().sum();
    (2.0 * at_most.min(at_least) / total).min(1.0)
}

/// How many of the C(n1 + n2, n1) orderings of two tie-free samples give each U = 0 ..= n1·n2.
/// Builds up from the largest value: if it is from the first sample it beats all `j` of the
/// second, so `f(i, j, u) = f(i − 1, j, u − j) + f(i, j − 1, u)`. Sums of positive counts only,
/// so the f64 tails stay accurate (about 10²⁸ orderings at 49 and 49).
fn u_counts(n1: usize, n2: usize) -> Vec<f64> {
    // column[i] = f(i, j, ·) for the current j; j = 0 has one ordering, U = 0, for every i.
    let mut column: Vec<Vec<f64>> = vec![vec![1.0]; n1 + 1];
    for j in 1..=n2 {
        let mut next: Vec<Vec<f64>> = Vec::with_capacity(n1 + 1);
        next.push(vec![1.0]);
        for i in 1..=n1 {
            let mut counts = vec![0.0; i * j + 1];
            for (u, &count) in column[i].iter().enumerate() {
                counts[u] += count;
            }
            for (u, &count) in next[i - 1].iter().enumerate() {
                counts[u + j] += count;
            }
            next.push(counts);
        }
        column = next;
    }
    column.swap_remove(n1)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference values: R's `?wilcox.test` example (Hollander & Wolfe, 1973, p. 69: permeability
    // constants at term and 12–26 weeks, scaled by 100 here to whole numbers), whose documented
    // output is `W = 35, p-value = 0.1272` for the one-sided test; the two-sided figures and the
    // further cases are from SciPy 1.17.1,
    // `scipy.stats.mannwhitneyu(a, b, alternative="two-sided", method=..., use_continuity=True)`.
    const TERM: [u64; 10] = [80, 83, 189, 104, 145, 138, 191, 164, 73, 146];
    const WEEKS: [u64; 5] = [115, 88, 90, 74, 121];

    fn close(actual: f64, expected: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
            "{what}: {actual} against {expected}"
        );
    }

    #[test]
    fn small_samples_without_ties_use_the_exact_distribution() {
        let test = MannWhitney::test(&TERM, &WEEKS).unwrap();
        assert!(test.exact);
        assert_eq!(test.u, 35.0);
        // SciPy, method="exact": 0.2544122544122544 = 764 / 3003 (twice R's one-sided 0.1272).
        close(test.p, 764.0 / 3003.0, "p");
        assert!(!test.significant());
        // The other way round: U = 10·5 − 35 = 15, the same p, z of the opposite sign.
        let reversed = MannWhitney::test(&WEEKS, &TERM).unwrap();
        assert_eq!(reversed.u, 15.0);
        close(reversed.p, test.p, "reversed p");
        close(reversed.z, -test.z, "reversed z");
        // z by hand: σ = √(50·16/12) = 8.165, (35 − 25 − 0.5) / σ = 1.16351.
        close(test.z, 9.5 / (50.0f64 * 16.0 / 12.0).sqrt(), "z");
    }

    #[test]
    fn the_exact_distribution_holds_at_larger_sizes() {
        // a = 0, 3, …, 87 against b = 16, 19, …, 133: SciPy exact p = 0.0002731589901482331.
        let a: Vec<u64> = (0..30).map(|i| 3 * i).collect();
        let b: Vec<u64> = (0..40).map(|k| 3 * k + 16).collect();
        let test = MannWhitney::test(&a, &b).unwrap();
        assert!(test.exact);
        assert_eq!(test.u, 300.0);
        close(test.p, 0.000_273_158_990_148_233_1, "p");
        assert!(test.significant() && test.significant_at(0.001) && !test.significant_at(0.0001));
    }

    #[test]
    fn ties_use_the_normal_approximation_with_tie_and_continuity_corrections() {
        let a = [12, 15, 15, 18, 20, 20, 20, 25, 30, 31, 33, 40];
        let b = [10, 11, 12, 12, 15, 16, 17, 18, 18, 19, 20, 21, 22];
        let test = MannWhitney::test(&a, &b).unwrap();
        assert!(!test.exact);
        assert_eq!(test.u, 116.5);
        // SciPy: p = 0.037919105785099966, the z it implies 2.0757280969678145.
        close(test.p, 0.037_919_105_785_099_966, "p");
        close(test.z, 2.075_728_096_967_814_5, "z");
        assert!(test.significant());
        assert!(!test.significant_at(0.01));
    }

    #[test]
    fn large_samples_use_the_normal_approximation() {
        // 60 even numbers 0..118 against 55 odd ones 41..149: SciPy asymptotic p =
        // 1.1258207796772894e-06, z = −4.868265382761153.
        let a: Vec<u64> = (0..60).map(|i| 2 * i).collect();
        let b: Vec<u64> = (0..55).map(|k| 41 + 2 * k).collect();
        let test = MannWhitney::test(&a, &b).unwrap();
        assert!(!test.exact);
        assert_eq!(test.u, 780.0);
        assert!((test.p - 1.125_820_779_677_289_4e-6).abs() < 1e-15, "{}", test.p);
        close(test.z, -4.868_265_382_761_153, "z");
        assert!(test.significant());
    }

    #[test]
    fn the_same_values_are_no_difference() {
        let same = [5, 5, 5, 5, 5, 5, 5, 5];
        let test = MannWhitney::test(&same, &same).unwrap();
        assert_eq!((test.u, test.z, test.p), (32.0, 0.0, 1.0));
        assert!(!test.significant());
        let one = MannWhitney::test(&[1], &[2]).unwrap();
        assert_eq!((one.u, one.p, one.exact), (0.0, 1.0, true));
        assert_eq!(MannWhitney::test(&[], &[1]), None);
    }

    #[test]
    fn the_exact_counts_are_the_gaussian_binomial_coefficients() {
        // [4 choose 2]_q = 1 + q + 2q² + q³ + q⁴: the orderings of two and two by U.
        assert_eq!(u_counts(2, 2), vec![1.0, 1.0, 2.0, 1.0, 1.0]);
        let counts = u_counts(49, 49);
        // Σ = C(98, 49) ≈ 2.5477e28, symmetric about 49²/2.
        let total: f64 = counts.iter().sum();
        assert!((total / 2.547_761_225_898_086e28 - 1.0).abs() < 1e-12, "{total}");
        assert_eq!(counts[0], 1.0);
        assert_eq!(counts[1], 1.0);
        assert_eq!(counts[counts.len() - 1], 1.0);
    }
}
