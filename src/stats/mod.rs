//! Statistics over paths: mergeable per-month sketches, probabilities with Monte Carlo
//! standard errors and Wilson intervals, and rank-correlation sensitivity. Knows nothing of
//! vendors or segments: it sees series positions, numbers and counts.

pub mod hist;
pub mod sobol;
pub mod sobol_seq;

pub use hist::Histogram;

/// The quantiles reported for every series and scalar.
pub const QUANTILES: [f64; 7] = [0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95];

/// A probability estimated from `successes` out of `n` paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Proportion {
    pub successes: u64,
    pub n: u64,
}

impl Proportion {
    /// The estimate `successes / n`.
    pub fn p(&self) -> f64 {
        self.successes as f64 / self.n as f64
    }

    /// Monte Carlo standard error `sqrt(p (1 - p) / n)`.
    pub fn se(&self) -> f64 {
        let p = self.p();
        (p * (1.0 - p) / self.n as f64).sqrt()
    }

    /// The 95% Wilson score interval (z = 1.959964), which stays inside [0, 1] and is sensible
    /// at p = 0 or 1, unlike `p ± 1.96 se`.
    pub fn wilson(&self) -> (f64, f64) {
        const Z: f64 = 1.959_963_984_540_054;
        let (n, p) = (self.n as f64, self.p());
        let denom = 1.0 + Z * Z / n;
        let centre = (p + Z * Z / (2.0 * n)) / denom;
        let half = Z * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt() / denom;
        ((centre - half).max(0.0), (centre + half).min(1.0))
    }
}

/// Ranks of `xs` (1-based, ties get their average rank; NaN ranks last).
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && xs[order[j + 1]].total_cmp(&xs[order[i]]).is_eq() {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman rank correlation of two equally long columns (Pearson correlation of their ranks);
/// NaN when either column is constant.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    pearson(&ranks(a), &ranks(b))
}

/// Pearson correlation of two equally long columns (of ranks, for Spearman's); NaN when
/// either is constant.
pub fn pearson(ra: &[f64], rb: &[f64]) -> f64 {
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(rb) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_error_and_wilson_interval_match_hand_computation() {
        let p = Proportion {
            successes: 30,
            n: 100,
        };
        assert!((p.se() - (0.3f64 * 0.7 / 100.0).sqrt()).abs() < 1e-15);
        // Wilson, z = 1.959964: centre (0.3 + 0.019207) / 1.038415 = 0.307399,
        // half width 1.959964 · sqrt(0.0021 + 0.0000960) / 1.038415 = 0.088450.
        let (lo, hi) = p.wilson();
        assert!((lo - 0.218_949).abs() < 1e-5, "{lo}");
        assert!((hi - 0.395_849).abs() < 1e-5, "{hi}");
        let none = Proportion {
            successes: 0,
            n: 50,
        };
        assert!(none.wilson().0.abs() < 1e-15);
        assert!(
            (none.wilson().1 - 0.071_349).abs() < 1e-5,
            "{:?}",
            none.wilson()
        );
    }

    #[test]
    fn spearman_of_monotone_and_reversed_columns() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((spearman(&a, &[1.0, 4.0, 9.0, 16.0, 100.0]) - 1.0).abs() < 1e-12);
        assert!((spearman(&a, &[5.0, 4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // Hand-computed: ranks (1,2,3,4,5) vs (2,1,4,3,5): 1 - 6·4/(5·24) = 0.8.
        assert!((spearman(&a, &[2.0, 1.0, 4.0, 3.0, 5.0]) - 0.8).abs() < 1e-12);
        assert_eq!(ranks(&[3.0, 1.0, 3.0]), [2.5, 1.0, 2.5]);
        assert!(spearman(&a, &[1.0; 5]).is_nan());
    }
}
