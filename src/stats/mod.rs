//! Statistics over paths: mergeable per-month sketches, probabilities with Monte Carlo
//! standard errors and Wilson intervals, and rank-correlation sensitivity. Knows nothing of
//! vendors or segments: it sees series positions, numbers and counts.

pub mod evppi;
pub mod hist;
pub mod resample;
pub mod sobol;
pub mod sobol_seq;
pub mod weights;

pub use hist::Histogram;
pub use resample::{SplitMix64, hashed_uniform, splitmix64};
pub use weights::{Share, WeightSum};

/// The 64-bit FNV-1a hash of `bytes`: fixed by its definition, so the same on every platform
/// and Rust version (random streams are keyed by it; run folders name their scenario by it).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h = Fnv1a64::default();
    h.update(bytes);
    h.finish()
}

/// The 64-bit FNV-1a hash of bytes given in pieces (a file as it is written): the same as
/// [`fnv1a64`] of their concatenation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a64(u64);

impl Default for Fnv1a64 {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a64 {
    /// Adds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash of the bytes so far.
    pub fn finish(&self) -> u64 {
        self.0
    }
}

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

/// The mean of paired differences `b_i − a_i` with its standard error and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairedDifference {
    pub mean: f64,
    pub se: f64,
    /// mean ± 1.96 · se.
    pub ci95: [f64; 2],
    /// Paths where both values are finite (the others are left out).
    pub pairs: u64,
}

/// The mean difference `b − a` over paths where both are finite, with the standard error of
/// that mean (sample standard deviation of the differences over √n).
pub fn paired_difference(a: &[f64], b: &[f64]) -> PairedDifference {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| y - x)
        .filter(|d| d.is_finite())
        .collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = if d.len() > 1 {
        d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    let se = (var / n).sqrt();
    PairedDifference {
        mean,
        se,
        ci95: [mean - 1.96 * se, mean + 1.96 * se],
        pairs: d.len() as u64,
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
    fn paired_difference_by_hand() {
        // d = [1, 3, 2, 6]: mean 3, sample variance (4 + 0 + 1 + 9) / 3 = 14/3.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 5.0, 5.0, 10.0];
        let p = paired_difference(&a, &b);
        assert_eq!(p.mean, 3.0);
        let se = (14.0f64 / 3.0 / 4.0).sqrt();
        assert!((p.se - se).abs() < 1e-15);
        assert!((p.ci95[0] - (3.0 - 1.96 * se)).abs() < 1e-12);
        assert!((p.ci95[1] - (3.0 + 1.96 * se)).abs() < 1e-12);
        assert_eq!(p.pairs, 4);
        // Pairs with a non-finite value are left out.
        let p = paired_difference(&[1.0, f64::NAN, 3.0], &[2.0, 1.0, f64::INFINITY]);
        assert_eq!((p.mean, p.pairs), (1.0, 1));
        // Identical columns differ by exactly zero.
        let p = paired_difference(&b, &b);
        assert_eq!((p.mean, p.se, p.ci95), (0.0, 0.0, [0.0, 0.0]));
    }

    #[test]
    fn fnv1a64_of_published_test_vectors() {
        // From the FNV reference test suite.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        let mut h = Fnv1a64::default();
        h.update(b"foo");
        h.update(b"");
        h.update(b"bar");
        assert_eq!(h.finish(), fnv1a64(b"foobar"));
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
