//! What a set of paths contributes to a run's statistics: exact counts that merge in any order.

use crate::model::Scalars;
use crate::stats::{Histogram, Share, WeightSum};

/// A set of paths' statistics under one weighting: sketches and counts in weight units (1 per
/// path in an unweighted run; see [`crate::stats::weights`]). Merges exactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// `series[s * months + (m - 1)]`.
    pub series: Vec<Histogram>,
    /// One per outcome column (after `path`).
    pub columns: Vec<Histogram>,
    /// Units of the paths meeting each target.
    pub target_hits: Vec<u64>,
    /// Units of the paths whose 100x month / zero-marginal month is month m (index m - 1).
    pub month_100x: Vec<u64>,
    pub month_zero_marginal: Vec<u64>,
    pub revenue_stalls: u64,
    /// The paths' weights: their sum is the total of every count above.
    pub weights: WeightSum,
}

impl Counts {
    fn new(n_series: usize, months: usize, n_columns: usize, n_targets: usize) -> Self {
        Self {
            series: vec![Histogram::default(); n_series * months],
            columns: vec![Histogram::default(); n_columns],
            target_hits: vec![0; n_targets],
            month_100x: vec![0; months],
            month_zero_marginal: vec![0; months],
            revenue_stalls: 0,
            weights: WeightSum::default(),
        }
    }

    /// Counts one path of `units`: whether it meets each target, and its scalars.
    fn add_path(&mut self, hits: &[bool], r: &Scalars, units: u64) {
        for (k, hit) in hits.iter().enumerate() {
            self.target_hits[k] += u64::from(*hit) * units;
        }
        if let Some(m) = r.month_100x {
            self.month_100x[m as usize - 1] += units;
        }
        if let Some(m) = r.month_zero_marginal {
            self.month_zero_marginal[m as usize - 1] += units;
        }
        self.revenue_stalls += u64::from(r.revenue_stall) * units;
        self.weights.add(units);
    }

    /// Counts a block's monthly values (`values`: its paths' series one after the other) and
    /// its outcome rows into the sketches, one sketch at a time, each path with its `units`.
    fn add_block(&mut self, values: &[f64], rows: &[Vec<f64>], units: &[u64]) {
        let width = self.series.len();
        let unit = |k: usize| units[k];
        for (k, h) in self.series.iter_mut().enumerate() {
            let xs = values.iter().skip(k).step_by(width).copied();
            h.add_weighted(xs.enumerate().map(|(p, x)| (x, unit(p))));
        }
        for (c, h) in self.columns.iter_mut().enumerate() {
            h.add_weighted(rows.iter().zip(units).map(|(row, u)| (row[c], *u)));
        }
    }

    /// Adds another set's counts (exact, in any order).
    fn merge(&mut self, other: &Counts) {
        for (a, b) in self.series.iter_mut().zip(&other.series) {
            a.merge(b);
        }
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.merge(b);
        }
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.target_hits, &other.target_hits);
        add(&mut self.month_100x, &other.month_100x);
        add(&mut self.month_zero_marginal, &other.month_zero_marginal);
        self.revenue_stalls += other.revenue_stalls;
        self.weights.merge(&other.weights);
    }

    /// Every sketch, for reserving memory.
    pub(super) fn sketches(&mut self) -> impl Iterator<Item = &mut Histogram> {
        self.series.iter_mut().chain(&mut self.columns)
    }

    /// The share of the paths' weight that `hits` units are, with the effective sample size.
    pub fn share(&self, hits: u64) -> Share {
        Share {
            hits,
            total: self.weights.total,
            ess: self.weights.ess(),
        }
    }
}

/// Everything a set of paths contributes; merges exactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tally {
    /// The run's statistics: weighted by the observations in a conditioned run.
    pub counts: Counts,
    /// In a conditioned run, the same statistics before the observations (the prior).
    pub prior: Option<Counts>,
    pub paths: u64,
}

impl Tally {
    pub(super) fn new(
        n_series: usize,
        months: usize,
        n_columns: usize,
        n_targets: usize,
        conditioned: bool,
    ) -> Self {
        let counts = || Counts::new(n_series, months, n_columns, n_targets);
        Self {
            counts: counts(),
            prior: conditioned.then(counts),
            paths: 0,
        }
    }

    /// Counts one path: whether it meets each target, and its scalars, with its units under
    /// the posterior and the prior.
    pub(super) fn add_path(&mut self, hits: &[bool], r: &Scalars, (post, prior): (u64, u64)) {
        self.counts.add_path(hits, r, post);
        if let Some(p) = &mut self.prior {
            p.add_path(hits, r, prior);
        }
        self.paths += 1;
    }

    /// Counts a block's monthly values (`values`: its paths' series one after the other) and
    /// its outcome rows into the sketches, each path with its `units` (posterior, prior).
    pub(super) fn add_block(&mut self, values: &[f64], rows: &[Vec<f64>], units: &[(u64, u64)]) {
        let post: Vec<u64> = units.iter().map(|u| u.0).collect();
        self.counts.add_block(values, rows, &post);
        if let Some(p) = &mut self.prior {
            let prior: Vec<u64> = units.iter().map(|u| u.1).collect();
            p.add_block(values, rows, &prior);
        }
    }

    /// Adds another tally's counts (exact, in any order).
    pub fn merge(mut self, other: Tally) -> Tally {
        self.counts.merge(&other.counts);
        if let (Some(a), Some(b)) = (&mut self.prior, &other.prior) {
            a.merge(b);
        }
        self.paths += other.paths;
        self
    }

    /// Every sketch, for reserving memory.
    pub(super) fn sketches(&mut self) -> impl Iterator<Item = &mut Histogram> {
        let prior = self.prior.iter_mut().flat_map(Counts::sketches);
        self.counts.sketches().chain(prior)
    }

    /// Frees the monthly series' sketches (the largest allocation, once their quantiles are
    /// taken).
    pub fn drop_series(&mut self) {
        self.counts.series = Vec::new();
        if let Some(p) = &mut self.prior {
            p.series = Vec::new();
        }
    }
}

/// Sorted block numbers as half-open ranges: [0, 1, 2, 5] → [(0, 3), (5, 6)].
pub(super) fn ranges(blocks: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted = blocks.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for b in sorted {
        match out.last_mut() {
            Some(last) if last.1 == b => last.1 = b + 1,
            _ => out.push((b, b + 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_ranges() {
        assert_eq!(ranges(&[5, 0, 2, 1]), vec![(0, 3), (5, 6)]);
        assert!(ranges(&[]).is_empty());
    }
}
