//! Whether a change between two runs of one experiment is beyond noise, decided once for the
//! explorer's change columns and `compare`: the two-sided Mann–Whitney U test of their
//! per-child times at the 5% level.

use crate::bench::significance::{MannWhitney, DEFAULT_ALPHA};

/// How two sets of per-child times differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Difference {
    /// Beyond noise: one set tends to be slower than the other.
    Significant,
    /// Within what chance gives two sets from one distribution.
    Noise,
    /// Too few children for any difference to reach significance (with 3 against 3, even
    /// a complete separation happens by chance one time in ten).
    TooFew,
}

impl Difference {
    pub fn between(before: &[u64], after: &[u64]) -> Difference {
        if !can_reach_significance(before.len(), after.len()) {
            return Difference::TooFew;
        }
        match MannWhitney::test(before, after) {
            Some(test) if test.significant() => Difference::Significant,
            Some(_) => Difference::Noise,
            None => Difference::TooFew,
        }
    }

    pub fn is_significant(self) -> bool {
        self == Difference::Significant
    }

    /// What follows a change or a ratio that is not beyond noise: ` (noise)`, ` (too few)`;
    /// nothing after a significant one.
    pub fn mark(self) -> &'static str {
        match self {
            Difference::Significant => "",
            Difference::Noise => " (noise)",
            Difference::TooFew => " (too few)",
        }
    }

    /// Where there is no room for the figure and its mark (the explorer's columns): the figure
    /// where it is beyond noise, else `~ noise` or `~ few`.
    pub fn or_figure(self, figure: String) -> String {
        match self {
            Difference::Significant => figure,
            Difference::Noise => "~ noise".into(),
            Difference::TooFew => "~ few".into(),
        }
    }
}

/// Whether `n1` against `n2` values can give a two-sided p below 5% at all: the most extreme
/// arrangement (every value of one set below every value of the other) has p = 2 / C(n1 + n2, n1).
fn can_reach_significance(n1: usize, n2: usize) -> bool {
    if n1 == 0 || n2 == 0 {
        return false;
    }
    let (small, large) = (n1.min(n2), n1.max(n2));
    // C(small + large, small), in floating point: it only needs to pass 40.
    let arrangements = (1..=small).fold(1.0, |c: f64, k| c * (large + k) as f64 / k as f64);
    2.0 / arrangements < DEFAULT_ALPHA
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shift_beyond_noise_is_significant_a_draw_from_one_distribution_is_not() {
        let before: Vec<u64> = (0..20).map(|i| 1000 + i * 10).collect();
        let shifted: Vec<u64> = before.iter().map(|t| t + 150).collect();
        assert_eq!(Difference::between(&before, &shifted), Difference::Significant);
        // The same times in another order, and a shift of one step: noise.
        let mut reordered = before.clone();
        reordered.reverse();
        assert_eq!(Difference::between(&before, &reordered), Difference::Noise);
        let nudged: Vec<u64> = before.iter().map(|t| t + 10).collect();
        assert_eq!(Difference::between(&before, &nudged), Difference::Noise);
        assert_eq!(Difference::Noise.mark(), " (noise)");
        assert_eq!(Difference::Noise.or_figure("+52%".into()), "~ noise");
        assert_eq!(Difference::Significant.or_figure("+52%".into()), "+52%");
    }

    #[test]
    fn too_few_children_can_never_differ_beyond_noise() {
        // 3 against 3 separate completely with p = 2/20 = 0.1; 4 against 4 with 2/70.
        assert_eq!(Difference::between(&[1, 2, 3], &[10, 20, 30]), Difference::TooFew);
        assert_eq!(
            Difference::between(&[1, 2, 3, 4], &[10, 20, 30, 40]),
            Difference::Significant
        );
        assert_eq!(Difference::between(&[1], &[]), Difference::TooFew);
        assert!(can_reach_significance(2, 20));
        assert!(!can_reach_significance(1, 30));
        assert_eq!(Difference::TooFew.mark(), " (too few)");
    }
}
