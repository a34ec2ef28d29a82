//! Path weights as exact integers.
//!
//! A conditioned run weights each path by how well it reproduces the observations (and, with
//! adaptive sampling, by its prior-to-proposal density ratio). Every such weight lies in
//! [0, 4] (a likelihood relative to the largest it can be, at most 1, times a density ratio
//! that the proposal's prior share keeps below 4) and is counted as `round(w · 2^40)` integer
//! **units**. Sums of
//! units are exact and order-free, so weighted sketches, probabilities and the effective
//! sample size come out the same for any thread count and for shards merged. A weight below
//! 2^-41 (log-weight below −28.4) counts as 0.
//!
//! An unweighted run counts every path as 1 unit: its statistics are the plain counts.

use serde::{Deserialize, Serialize};

/// Units of a path of weight 1.
pub const ONE: u64 = 1 << 40;

/// The most paths a conditioned run may have: their units must add up within `u64`.
pub const MAX_WEIGHTED_PATHS: u64 = 1 << 22;

/// The largest weight a path can have.
pub const MAX_WEIGHT: f64 = 4.0;

/// The units of a path of log-weight `log_w` (at most ln 4: larger values count as 4; NaN and
/// −∞ count as weight 0).
pub fn units(log_w: f64) -> u64 {
    if log_w.is_nan() {
        return 0;
    }
    (log_w.min(MAX_WEIGHT.ln()).exp() * ONE as f64).round() as u64
}

/// The weights of a set of paths: their sum and sum of squares (in units), and how many paths
/// there are and how many weigh anything. Merges exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightSum {
    /// Σ u.
    pub total: u64,
    /// Σ u².
    pub squares: u128,
    /// Paths counted.
    pub paths: u64,
    /// Paths with a weight above 0.
    pub weighing: u64,
}

impl WeightSum {
    /// Counts a path of `units`.
    pub fn add(&mut self, units: u64) {
        self.total += units;
        self.squares += u128::from(units) * u128::from(units);
        self.paths += 1;
        self.weighing += u64::from(units > 0);
    }

    /// Adds another set's sums.
    pub fn merge(&mut self, other: &WeightSum) {
        self.total += other.total;
        self.squares += other.squares;
        self.paths += other.paths;
        self.weighing += other.weighing;
    }

    /// Kish's effective sample size `(Σw)² / Σw²`: the number of equally weighted paths that
    /// would give the same variance of a weighted mean. 0 when no path weighs anything.
    pub fn ess(&self) -> f64 {
        if self.squares == 0 {
            return 0.0;
        }
        let t = self.total as f64;
        t * t / self.squares as f64
    }
}

/// A weighted share: `hits` units of `total`, with the effective sample size behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    pub hits: u64,
    pub total: u64,
    pub ess: f64,
}

impl Share {
    /// The estimate `hits / total`.
    pub fn p(&self) -> f64 {
        self.hits as f64 / self.total as f64
    }

    /// Monte Carlo standard error `sqrt(p (1 - p) / ESS)`.
    pub fn se(&self) -> f64 {
        let p = self.p();
        (p * (1.0 - p) / self.ess).sqrt()
    }

    /// The 95% Wilson score interval with the effective sample size as `n`.
    pub fn wilson(&self) -> (f64, f64) {
        const Z: f64 = 1.959_963_984_540_054;
        let (n, p) = (self.ess, self.p());
        let denom = 1.0 + Z * Z / n;
        let centre = (p + Z * Z / (2.0 * n)) / denom;
        let half = Z * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt() / denom;
        ((centre - half).max(0.0), (centre + half).min(1.0))
    }
}

/// Weighted mid-ranks of `xs` in [0, 1]: each value's rank is the weight of the values below
/// it plus half the weight of its ties, over the total weight (NaN ranks last).
pub fn weighted_ranks(xs: &[f64], ws: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let total: f64 = ws.iter().sum();
    let mut r = vec![0.0; xs.len()];
    let (mut below, mut i) = (0.0, 0);
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]].total_cmp(&xs[order[i]]).is_eq() {
            j += 1;
        }
        let tie: f64 = order[i..=j].iter().map(|&k| ws[k]).sum();
        for &k in &order[i..=j] {
            r[k] = (below + tie / 2.0) / total;
        }
        below += tie;
        i = j + 1;
    }
    r
}

/// The weighted Pearson correlation of two columns; NaN when either is constant.
pub fn weighted_pearson(a: &[f64], b: &[f64], ws: &[f64]) -> f64 {
    let total: f64 = ws.iter().sum();
    let mean = |x: &[f64]| x.iter().zip(ws).map(|(v, w)| v * w).sum::<f64>() / total;
    let (ma, mb) = (mean(a), mean(b));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for ((x, y), w) in a.iter().zip(b).zip(ws) {
        sab += w * (x - ma) * (y - mb);
        saa += w * (x - ma) * (x - ma);
        sbb += w * (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ess_of_hand_made_weights_is_exact() {
        // Weights 1, 1, 2: ESS = (1 + 1 + 2)² / (1 + 1 + 4) = 16/6.
        let mut w = WeightSum::default();
        for log in [0.0, 0.0, 2f64.ln()] {
            w.add(units(log - 2f64.ln()) * 2);
        }
        assert_eq!(w.ess(), 16.0 / 6.0);
        // Equal weights: ESS is the number of paths.
        let mut eq = WeightSum::default();
        (0..10).for_each(|_| eq.add(units(-1.0)));
        assert!((eq.ess() - 10.0).abs() < 1e-12);
        // A path that weighs nothing does not count; none at all gives 0, not NaN.
        eq.add(units(f64::NEG_INFINITY));
        assert!((eq.ess() - 10.0).abs() < 1e-12 && eq.paths == 11 && eq.weighing == 10);
        assert_eq!(WeightSum::default().ess(), 0.0);
        assert_eq!(units(f64::NAN), 0);
        assert_eq!(units(0.5), (0.5f64.exp() * ONE as f64).round() as u64);
        assert_eq!(units(9.0), 4 * ONE);
        assert_eq!(units(-28.0), 1);
        assert_eq!(units(-29.0), 0);
    }

    #[test]
    fn merged_sums_equal_one_pass() {
        let logs: Vec<f64> = (0..100).map(|i| -(i as f64) / 9.0).collect();
        let mut one = WeightSum::default();
        logs.iter().for_each(|l| one.add(units(*l)));
        let (mut a, mut b) = (WeightSum::default(), WeightSum::default());
        logs[..37].iter().for_each(|l| a.add(units(*l)));
        logs[37..].iter().for_each(|l| b.add(units(*l)));
        b.merge(&a);
        assert_eq!(one, b);
    }

    #[test]
    fn a_share_with_equal_weights_is_the_plain_proportion() {
        let plain = super::super::Proportion {
            successes: 30,
            n: 100,
        };
        let share = Share {
            hits: 30,
            total: 100,
            ess: 100.0,
        };
        assert_eq!((share.p(), share.se()), (plain.p(), plain.se()));
        assert_eq!(share.wilson(), plain.wilson());
    }

    #[test]
    fn weighted_ranks_and_correlation() {
        // Equal weights: ranks are the plain mid-ranks scaled into [0, 1].
        let r = weighted_ranks(&[3.0, 1.0, 3.0, 2.0], &[1.0; 4]);
        assert_eq!(r, [0.75, 0.125, 0.75, 0.375]);
        // A path of weight 0 does not move the others' ranks.
        let r = weighted_ranks(&[1.0, 2.0, 3.0], &[1.0, 0.0, 1.0]);
        assert_eq!(r, [0.25, 0.5, 0.75]);
        let ws = [1.0, 2.0, 1.0, 0.5];
        let a = [1.0, 2.0, 3.0, 4.0];
        assert!((weighted_pearson(&a, &a, &ws) - 1.0).abs() < 1e-12);
        let neg: Vec<f64> = a.iter().map(|x| -2.0 * x).collect();
        assert!((weighted_pearson(&a, &neg, &ws) + 1.0).abs() < 1e-12);
        assert!(weighted_pearson(&a, &[1.0; 4], &ws).is_nan());
    }
}
