//! Where the lines of a sweep cross: between which sizes one method overtakes another.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::result::MethodResult;
use super::stats::intervals_separate;

/// One method's median time per child at each size where a child verified, by ascending size:
/// one line of a sweep's chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Curve {
    pub method: String,
    /// (payload bytes, median ns)
    pub points: Vec<(u64, u64)>,
    /// The 95% interval `(low, high)` of the median at each size that has one (6 children or more).
    pub intervals: BTreeMap<u64, (u64, u64)>,
}

impl Curve {
    /// A line with no point yet.
    pub fn new(method: &str) -> Curve {
        Curve {
            method: method.to_string(),
            points: Vec::new(),
            intervals: BTreeMap::new(),
        }
    }

    /// Adds `result`'s median (and its interval) at its size, unless the size has one already
    /// or no child verified.
    pub fn add(&mut self, result: &MethodResult) {
        let Some(summary) = result.summary() else {
            return;
        };
        let size = result.payload_bytes;
        if let Err(slot) = self.points.binary_search_by_key(&size, |&(size, _)| size) {
            self.points.insert(slot, (size, summary.median));
            if let Some(interval) = result.median_ci95() {
                self.intervals.insert(size, interval);
            }
        }
    }

    /// Whether this line and `other` are apart beyond noise at `size`: both medians have an
    /// interval there and the intervals do not overlap.
    fn separate_at(&self, other: &Curve, size: u64) -> bool {
        match (self.intervals.get(&size), other.intervals.get(&size)) {
            (Some(&a), Some(&b)) => intervals_separate(a, b),
            _ => false,
        }
    }
}

/// The curve of every method, in the order the methods first appear. Where a method has two
/// results at one size, the first counts.
pub fn curves(results: &[MethodResult]) -> Vec<Curve> {
    let mut curves: Vec<Curve> = Vec::new();
    for result in results {
        let at = match curves.iter().position(|curve| curve.method == result.method) {
            Some(at) => at,
            None => {
                curves.push(Curve::new(&result.method));
                curves.len() - 1
            }
        };
        curves[at].add(result);
    }
    curves
}

/// Two methods change places: below `below_bytes` (at the last size where both had a median
/// and differed) `slower` was the faster; at `above_bytes`, the next such size, `faster` is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Crossing {
    /// The method that is faster above the crossing.
    pub faster: String,
    /// The method that was faster below it.
    pub slower: String,
    pub below_bytes: u64,
    pub above_bytes: u64,
    /// The medians per child of `faster` and of `slower` at `below_bytes`.
    pub faster_below_ns: u64,
    pub slower_below_ns: u64,
    /// The medians per child of `faster` and of `slower` at `above_bytes`.
    pub faster_above_ns: u64,
    pub slower_above_ns: u64,
    /// Whether the two medians' 95% intervals separate at both sizes, so the change of places
    /// is beyond noise. Only significant crossings are announced; older files lack the key.
    #[serde(default)]
    pub significant: bool,
}

/// Every crossing among the methods of `results`, by ascending size.
pub fn crossings(results: &[MethodResult]) -> Vec<Crossing> {
    crossings_of(&curves(results))
}

/// How many of `found` are beyond noise, and how many are not.
pub fn count_significant(found: &[Crossing]) -> (usize, usize) {
    let significant = found.iter().filter(|crossing| crossing.significant).count();
    (significant, found.len() - significant)
}

/// Every crossing between every two curves, by ascending size. Only sizes where both curves
/// have a point count; a tie is no order, so the order flips across it only if it changes.
pub fn crossings_of(curves: &[Curve]) -> Vec<Crossing> {
    let mut found = Vec::new();
    for (index, first) in curves.iter().enumerate() {
        for second in &curves[index + 1..] {
            // (size, first's median, second's median) where both have one and they differ.
            let ordered: Vec<(u64, u64, u64)> = first
                .points
                .iter()
                .filter_map(|&(size, a)| {
                    let b = second
                        .points
                        .binary_search_by_key(&size, |&(size, _)| size)
                        .ok()
                        .map(|at| second.points[at].1)?;
                    (a != b).then_some((size, a, b))
                })
                .collect();
            for pair in ordered.windows(2) {
                let [(below, a_below, b_below), (above, a_above, b_above)] = [pair[0], pair[1]];
                if (a_below < b_below) == (a_above < b_above) {
                    continue;
                }
                let first_wins_above = a_above < b_above;
                let (faster, slower) = if first_wins_above {
                    (first, second)
                } else {
                    (second, first)
                };
                let (faster_below_ns, slower_below_ns, faster_above_ns, slower_above_ns) = if first_wins_above
                {
                    (a_below, b_below, a_above, b_above)
                } else {
                    (b_below, a_below, b_above, a_above)
                };
                found.push(Crossing {
                    faster: faster.method.clone(),
                    slower: slower.method.clone(),
                    below_bytes: below,
                    above_bytes: above,
                    faster_below_ns,
                    slower_below_ns,
                    faster_above_ns,
                    slower_above_ns,
                    significant: first.separate_at(second, below) && first.separate_at(second, above),
                });
            }
        }
    }
    // Stable: crossings at one size keep the order of the methods.
    found.sort_by_key(|crossing| (crossing.below_bytes, crossing.above_bytes));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIB: u64 = 1024;

    /// One result per median, at 4, 16, 64 and 256 KiB.
    fn line(method: &str, medians: &[u64]) -> Vec<MethodResult> {
        medians
            .iter()
            .zip([4, 16, 64, 256])
            .map(|(&median, kib)| MethodResult::made_up(method, kib * KIB, &[median]))
            .collect()
    }

    #[test]
    fn curves_follow_the_methods_in_order_with_ascending_sizes() {
        let mut results = line("pipe", &[10, 20, 40, 80]);
        results.insert(0, MethodResult::made_up("shm", 64 * KIB, &[5, 7, 9]));
        results.push(MethodResult::made_up("shm", 4 * KIB, &[3]));
        // No child of queue verified: a method with no points.
        results.push(MethodResult::made_up("queue", 4 * KIB, &[]));
        let curves = curves(&results);
        assert_eq!(
            curves,
            [
                Curve {
                    method: "shm".into(),
                    points: vec![(4 * KIB, 3), (64 * KIB, 7)],
                    intervals: BTreeMap::new(),
                },
                Curve {
                    method: "pipe".into(),
                    points: vec![(4 * KIB, 10), (16 * KIB, 20), (64 * KIB, 40), (256 * KIB, 80)],
                    intervals: BTreeMap::new(),
                },
                Curve::new("queue"),
            ]
        );
    }

    #[test]
    fn a_flip_between_two_sizes_is_one_crossing_with_both_medians() {
        // shm has a high fixed cost but a flat slope; pipe the reverse.
        let mut results = line("pipe", &[10, 20, 40, 80]);
        results.extend(line("shm", &[30, 31, 32, 33]));
        assert_eq!(
            crossings(&results),
            [Crossing {
                faster: "shm".into(),
                slower: "pipe".into(),
                below_bytes: 16 * KIB,
                above_bytes: 64 * KIB,
                faster_below_ns: 31,
                slower_below_ns: 20,
                faster_above_ns: 32,
                slower_above_ns: 40,
                significant: false,
            }]
        );
    }

    /// `children` results of `method` at each size, spread ±`spread` around each median.
    fn noisy_line(method: &str, medians: &[u64], children: u64, spread: u64) -> Vec<MethodResult> {
        medians
            .iter()
            .zip([4, 16, 64, 256])
            .map(|(&median, kib)| {
                let totals: Vec<u64> = (0..children)
                    .map(|i| median - spread + (i * 7919 % children) * 2 * spread / (children - 1))
                    .collect();
                MethodResult::made_up(method, kib * KIB, &totals)
            })
            .collect()
    }

    #[test]
    fn a_crossing_within_noise_is_found_but_not_significant() {
        // inherit and argument cost the same by design: medians that wander inside each
        // other's interval change places by chance.
        let mut results = noisy_line("inherit", &[1000, 1010, 995, 1005], 20, 100);
        results.extend(noisy_line("argument", &[1005, 1000, 1003, 998], 20, 100));
        let found = crossings(&results);
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(count_significant(&found), (0, 3));

        // pipe and shm: far apart at both sides of the crossing, tight intervals.
        let mut results = noisy_line("pipe", &[10_000, 20_000, 40_000, 80_000], 20, 500);
        results.extend(noisy_line("shm", &[30_000, 31_000, 32_000, 33_000], 20, 500));
        let found = crossings(&results);
        assert_eq!(
            found
                .iter()
                .map(|c| (c.faster.as_str(), c.below_bytes, c.significant))
                .collect::<Vec<_>>(),
            [("shm", 16 * KIB, true)]
        );

        // Apart above, within noise below: not beyond noise.
        let mut results = noisy_line("pipe", &[10_000, 30_200, 40_000, 80_000], 20, 500);
        results.extend(noisy_line("shm", &[30_000, 30_000, 32_000, 33_000], 20, 500));
        let found = crossings(&results);
        assert_eq!(found.len(), 1);
        assert!(!found[0].significant, "{found:?}");
    }

    #[test]
    fn parallel_lines_never_cross_and_lines_may_cross_back() {
        let mut results = line("inherit", &[1, 2, 3, 4]);
        results.extend(line("pipe", &[10, 20, 40, 80]));
        assert_eq!(crossings(&results), []);

        let mut results = line("a", &[10, 30, 10, 30]);
        results.extend(line("b", &[20, 20, 20, 20]));
        let found: Vec<(String, u64, u64)> = crossings(&results)
            .into_iter()
            .map(|c| (c.faster, c.below_bytes, c.above_bytes))
            .collect();
        assert_eq!(
            found,
            [
                ("b".to_string(), 4 * KIB, 16 * KIB),
                ("a".to_string(), 16 * KIB, 64 * KIB),
                ("b".to_string(), 64 * KIB, 256 * KIB),
            ]
        );
    }

    #[test]
    fn ties_and_missing_points_are_skipped_not_counted_as_flips() {
        // Equal at 16 KiB: the order flips between 4 KiB and 64 KiB, reported across the tie.
        let mut results = line("a", &[10, 20, 30, 40]);
        results.extend(line("b", &[20, 20, 20, 20]));
        let found = crossings(&results);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].below_bytes, found[0].above_bytes), (4 * KIB, 64 * KIB));
        assert_eq!(found[0].faster, "b");

        // A tie that does not change the order is no crossing.
        let mut results = line("a", &[10, 20, 10, 10]);
        results.extend(line("b", &[20, 20, 20, 20]));
        assert_eq!(crossings(&results), []);

        // c has no point at 16 KiB (every child failed there): compared across the gap.
        let mut results = line("a", &[10, 20, 40, 80]);
        results.extend([4, 64].map(|kib| MethodResult::made_up("c", kib * KIB, &[30])));
        let found = crossings(&results);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].below_bytes, found[0].above_bytes), (4 * KIB, 64 * KIB));
    }

    #[test]
    fn one_size_has_no_crossings() {
        let results = [
            MethodResult::made_up("a", KIB, &[1]),
            MethodResult::made_up("b", KIB, &[2]),
        ];
        assert_eq!(crossings(&results), []);
    }
}
