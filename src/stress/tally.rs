//! What the stress test gathers from a set of paths, per plan; merges exactly.

use crate::stats::{Histogram, WeightSum};
use serde::{Deserialize, Serialize};

/// Everything the stress test gathers from a set of paths, per plan, in weight units (1 per
/// path in an unweighted run); merges exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanTally {
    /// Per month.
    pub margin: Vec<Histogram>,
    pub loss_share: Vec<Histogram>,
    pub top5_share: Vec<Histogram>,
    /// Per calendar year: paths whose plan lost money that year.
    pub loss_years: Vec<u64>,
    /// Per calendar year: the break-even fee ($ per month).
    pub break_even: Vec<Histogram>,
    /// Per calendar year: gross profit of the whole plan ($, all its subscribers).
    pub profit: Vec<Histogram>,
    /// Paths whose final year loses money, per grid cell `fee * n_growth + growth`.
    pub grid_losses: Vec<u64>,
    /// The paths and their weights.
    pub weights: WeightSum,
}

impl PlanTally {
    pub(super) fn new(months: usize, years: usize, cells: usize) -> Self {
        Self {
            margin: vec![Histogram::default(); months],
            loss_share: vec![Histogram::default(); months],
            top5_share: vec![Histogram::default(); months],
            loss_years: vec![0; years],
            break_even: vec![Histogram::default(); years],
            profit: vec![Histogram::default(); years],
            grid_losses: vec![0; cells],
            weights: WeightSum::default(),
        }
    }

    pub(super) fn merge(mut self, other: PlanTally) -> PlanTally {
        let hists = |a: &mut Vec<Histogram>, b: &[Histogram]| {
            a.iter_mut().zip(b).for_each(|(x, y)| x.merge(y));
        };
        hists(&mut self.margin, &other.margin);
        hists(&mut self.loss_share, &other.loss_share);
        hists(&mut self.top5_share, &other.top5_share);
        hists(&mut self.break_even, &other.break_even);
        hists(&mut self.profit, &other.profit);
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.loss_years, &other.loss_years);
        add(&mut self.grid_losses, &other.grid_losses);
        self.weights.merge(&other.weights);
        self
    }
}
