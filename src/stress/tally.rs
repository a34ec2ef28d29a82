//! What the stress test gathers from a set of paths, per plan and tier group; merges exactly.

use super::simulate::Market;
use crate::sample::Draws;
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
    /// Per month: subscribers on the plan as a share of its `subscribers`.
    pub occupancy: Vec<Histogram>,
    /// Per calendar year: paths whose plan lost money that year.
    pub loss_years: Vec<u64>,
    /// Per calendar year: the break-even fee ($ per month).
    pub break_even: Vec<Histogram>,
    /// Per calendar year: gross profit of the whole plan ($, all its subscribers).
    pub profit: Vec<Histogram>,
    /// Per calendar year: the monthly share of subscribers who left for price, were replaced
    /// by base churn, and moved up a tier.
    pub left_for_price: Vec<Histogram>,
    pub churned: Vec<Histogram>,
    pub upgraded: Vec<Histogram>,
    /// Paths whose final year loses money, per grid cell `fee * n_growth + growth`.
    pub grid_losses: Vec<u64>,
    /// The paths and their weights.
    pub weights: WeightSum,
}

fn hists(n: usize) -> Vec<Histogram> {
    vec![Histogram::default(); n]
}

fn merge_hists(a: &mut [Histogram], b: &[Histogram]) {
    a.iter_mut().zip(b).for_each(|(x, y)| x.merge(y));
}

fn add_counts(a: &mut [u64], b: &[u64]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}

impl PlanTally {
    pub(super) fn new(months: usize, years: usize, cells: usize) -> Self {
        Self {
            margin: hists(months),
            loss_share: hists(months),
            top5_share: hists(months),
            occupancy: hists(months),
            loss_years: vec![0; years],
            break_even: hists(years),
            profit: hists(years),
            left_for_price: hists(years),
            churned: hists(years),
            upgraded: hists(years),
            grid_losses: vec![0; cells],
            weights: WeightSum::default(),
        }
    }

    pub(super) fn merge(mut self, other: PlanTally) -> PlanTally {
        merge_hists(&mut self.margin, &other.margin);
        merge_hists(&mut self.loss_share, &other.loss_share);
        merge_hists(&mut self.top5_share, &other.top5_share);
        merge_hists(&mut self.occupancy, &other.occupancy);
        merge_hists(&mut self.break_even, &other.break_even);
        merge_hists(&mut self.profit, &other.profit);
        merge_hists(&mut self.left_for_price, &other.left_for_price);
        merge_hists(&mut self.churned, &other.churned);
        merge_hists(&mut self.upgraded, &other.upgraded);
        add_counts(&mut self.loss_years, &other.loss_years);
        add_counts(&mut self.grid_losses, &other.grid_losses);
        self.weights.merge(&other.weights);
        self
    }
}

/// A tier group's figures: its plans' revenue and cost together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupTally {
    /// Per calendar year: paths whose group lost money that year.
    pub loss_years: Vec<u64>,
    /// Per calendar year: gross profit of the group ($).
    pub profit: Vec<Histogram>,
    pub weights: WeightSum,
}

impl GroupTally {
    pub(super) fn new(years: usize) -> Self {
        Self {
            loss_years: vec![0; years],
            profit: hists(years),
            weights: WeightSum::default(),
        }
    }

    pub(super) fn merge(mut self, other: GroupTally) -> GroupTally {
        merge_hists(&mut self.profit, &other.profit);
        add_counts(&mut self.loss_years, &other.loss_years);
        self.weights.merge(&other.weights);
        self
    }
}

/// What the optimiser keeps of a path: its inputs and what the plans it tries see.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub path: u64,
    /// The path's weight units.
    pub units: u64,
    pub draws: Draws,
    /// Per plan of the scenario: its market on the path, for the plans the optimiser tries.
    pub markets: Vec<Option<Market>>,
}

/// The stress test's tallies: per plan, per tier group (in the order of
/// [`super::Stress::groups`]; a plan alone has none), and the optimiser's records.
#[derive(Debug, Clone, PartialEq)]
pub struct StressTally {
    pub plans: Vec<PlanTally>,
    pub groups: Vec<GroupTally>,
    /// In no particular order until [`StressTally::records_in_order`].
    pub records: Vec<Record>,
}

impl StressTally {
    pub(super) fn merge(mut self, other: StressTally) -> StressTally {
        self.plans = self
            .plans
            .into_iter()
            .zip(other.plans)
            .map(|(a, b)| a.merge(b))
            .collect();
        self.groups = self
            .groups
            .into_iter()
            .zip(other.groups)
            .map(|(a, b)| a.merge(b))
            .collect();
        self.records.extend(other.records);
        self
    }

    /// The records in path order.
    pub fn records_in_order(&mut self) -> &[Record] {
        self.records.sort_by_key(|r| r.path);
        &self.records
    }
}
