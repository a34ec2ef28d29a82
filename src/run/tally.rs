//! What a set of paths contributes to a run's statistics: exact counts that merge in any order.

use crate::model::Scalars;
use crate::stats::Histogram;

/// Everything a set of paths contributes; merges exactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// `series[s * months + (m - 1)]`.
    pub series: Vec<Histogram>,
    /// One per outcome column (after `path`).
    pub columns: Vec<Histogram>,
    /// Paths meeting each target.
    pub target_hits: Vec<u64>,
    /// Paths whose 100x month / zero-marginal month is month m (index m - 1).
    pub month_100x: Vec<u64>,
    pub month_zero_marginal: Vec<u64>,
    pub revenue_stalls: u64,
    pub paths: u64,
}

impl Tally {
    pub(super) fn new(n_series: usize, months: usize, n_columns: usize, n_targets: usize) -> Self {
        Self {
            series: vec![Histogram::default(); n_series * months],
            columns: vec![Histogram::default(); n_columns],
            target_hits: vec![0; n_targets],
            month_100x: vec![0; months],
            month_zero_marginal: vec![0; months],
            revenue_stalls: 0,
            paths: 0,
        }
    }

    /// Counts one path: whether it meets each target, and its scalars.
    pub(super) fn add_path(&mut self, hits: impl Iterator<Item = bool>, r: &Scalars) {
        for (k, hit) in hits.enumerate() {
            self.target_hits[k] += u64::from(hit);
        }
        if let Some(m) = r.month_100x {
            self.month_100x[m as usize - 1] += 1;
        }
        if let Some(m) = r.month_zero_marginal {
            self.month_zero_marginal[m as usize - 1] += 1;
        }
        self.revenue_stalls += u64::from(r.revenue_stall);
        self.paths += 1;
    }

    /// Counts a block's monthly values (`values`: its paths' series one after the other) and
    /// its outcome rows into the sketches, one sketch at a time.
    pub(super) fn add_block(&mut self, values: &[f64], rows: &[Vec<f64>]) {
        let width = self.series.len();
        for (k, h) in self.series.iter_mut().enumerate() {
            h.add_all(values.iter().skip(k).step_by(width).copied());
        }
        for (c, h) in self.columns.iter_mut().enumerate() {
            h.add_all(rows.iter().map(|row| row[c]));
        }
    }

    /// Adds another tally's counts (exact, in any order).
    pub fn merge(mut self, other: Tally) -> Tally {
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
        self.paths += other.paths;
        self
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
