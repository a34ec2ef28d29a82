//! Display histograms: an outcome's distribution over paths in a few dozen bins, for charts.

use super::summary::Weighing;
use crate::stats::Histogram;
use serde::{Deserialize, Serialize};

/// P0.5 and P99.5 of the finite values of `h`; `None` when it has none.
pub fn range(h: &Histogram) -> Option<(f64, f64)> {
    let finite: Vec<(f64, u64)> = h.bins().filter(|(x, _)| x.is_finite()).collect();
    let n: u64 = finite.iter().map(|b| b.1).sum();
    let at = |q: f64| {
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n.max(1));
        let mut seen = 0;
        finite
            .iter()
            .find(|(_, c)| {
                seen += c;
                seen >= rank
            })
            .map(|b| b.0)
    };
    Some((at(0.005)?, at(0.995)?))
}

/// The distribution of an outcome over paths, in display bins: `counts[i]` values fall in
/// `[edges[i], edges[i+1])`; values beyond the edges are counted in the end bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Bins of equal width in log10(x) (true) or x (false).
    pub log: bool,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// Paths whose outcome is +∞ (a month that never came; growth from nothing), not in the
    /// bins.
    pub never: u64,
}

/// Display bins per distribution.
const DISPLAY_BINS: usize = 40;

impl Distribution {
    /// The counts as paths (the weighted equivalent in a conditioned run).
    pub fn in_paths(mut self, w: &Weighing) -> Self {
        for c in &mut self.counts {
            *c = w.paths_of(*c);
        }
        self.never = w.paths_of(self.never);
        self
    }

    /// The display bins of the finite values of `h` (P0.5 to P99.5 of those); `None` when it
    /// has none.
    pub fn of(h: &Histogram) -> Option<Self> {
        let (lo, hi) = range(h)?;
        Some(Self::over(h, lo, hi))
    }

    /// The display bins of `h` from `lo` to `hi` (values beyond go in the end bins): on a log
    /// scale when the range is positive and spans more than a factor of 20.
    pub fn over(h: &Histogram, lo: f64, hi: f64) -> Self {
        let log = lo > 0.0 && hi / lo > 20.0;
        let (mut a, mut b) = if log {
            (lo.log10(), hi.log10())
        } else {
            (lo, hi)
        };
        if b - a < 1e-9 * a.abs().max(1.0) {
            let pad = (a.abs() * 0.1).max(if log { 0.05 } else { 1e-9 });
            (a, b) = (a - pad, b + pad);
        }
        let width = (b - a) / DISPLAY_BINS as f64;
        let edges: Vec<f64> = (0..=DISPLAY_BINS)
            .map(|i| {
                let e = a + width * i as f64;
                if log { 10f64.powf(e) } else { e }
            })
            .collect();
        let mut counts = vec![0u64; DISPLAY_BINS];
        let mut never = 0;
        for (x, c) in h.bins() {
            if x.is_infinite() {
                never += u64::from(x > 0.0) * c;
                continue;
            }
            let t = if log {
                x.max(f64::MIN_POSITIVE).log10()
            } else {
                x
            };
            let i = ((t - a) / width)
                .floor()
                .clamp(0.0, DISPLAY_BINS as f64 - 1.0) as usize;
            counts[i] += c;
        }
        Self {
            log,
            edges,
            counts,
            never,
        }
    }
}
