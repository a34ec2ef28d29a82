//! The subscription plan stress test (DESIGN.md §5): will a flat-rate or capped plan stay
//! profitable as serving cost falls and usage per subscriber grows?
//!
//! On every path of the market model, each `[[plan]]` is run month by month over a sample of
//! [`SUBSCRIBERS`] simulated subscribers, billed under the plan's terms and served at its
//! vendor's simulated serving cost `c_v(t)`. Subscribers keep their usage level from month to
//! month (drawn once, then grown), so heavy users stay heavy; churn replaces a subscriber by a
//! fresh draw. Every draw comes from the path's own stream (`subscribers:<plan>`), so results
//! do not depend on threads, and every cell of the fee × usage-growth grid sees the same
//! subscribers (common random numbers).

mod grid;
mod plan;
mod tally;

pub use grid::Grid;
pub use plan::{Bill, PlanPath, Terms, Year, growth_path, simulate_plan};
pub use tally::PlanTally;

use crate::model::PathResult;
use crate::run::Extra;
use crate::sample::{Draws, stream};
use crate::scenario::{Included, Plan, Scenario};
use crate::stats::Histogram;
use std::ops::Range;

/// Simulated subscribers per plan and path. The top 5% are then 100 subscribers, enough for
/// their share of cost; a path's share of loss-making subscribers is known to within about
/// 1% (binomial SE ≤ 0.011); and because usage levels are drawn stratified (one per
/// 1/2,000 of the distribution), the plan's mean usage carries little sampling noise even
/// for lognormal σ = 2, whose top 0.05% matters to the mean.
pub const SUBSCRIBERS: usize = 2_000;

/// The calendar layout of a run's months, for annual figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    /// Calendar year of each month (0-based month index).
    pub years: Vec<i32>,
}

impl Calendar {
    pub fn new(s: &Scenario) -> Self {
        Self {
            years: (0..s.months())
                .map(|m| s.start.plus(m as i32).year())
                .collect(),
        }
    }

    /// The distinct years, in order.
    pub fn distinct(&self) -> Vec<i32> {
        let mut y = self.years.clone();
        y.dedup();
        y
    }

    /// The months (0-based) of the last calendar year.
    pub fn final_year(&self) -> Range<usize> {
        let last = *self.years.last().expect("at least one month");
        let first = self.years.iter().position(|y| *y == last).unwrap_or(0);
        first..self.years.len()
    }
}

/// The stress test as an [`Extra`] of a run: every plan on every path.
pub struct Stress<'a> {
    pub scenario: &'a Scenario,
    pub grid: Grid,
    pub seed: u64,
    calendar: Calendar,
}

impl<'a> Stress<'a> {
    pub fn new(scenario: &'a Scenario, grid: Grid, seed: u64) -> Self {
        Self {
            scenario,
            grid,
            seed,
            calendar: Calendar::new(scenario),
        }
    }

    /// One plan on one path.
    pub fn plan_path(&self, plan: &Plan, path: u64, draws: &Draws, r: &PathResult) -> PlanPath {
        let s = self.scenario;
        let months = r.months;
        let terms = Terms {
            fee: draws.get(plan.fee),
            included: match plan.included {
                Included::Limited(id) => Some(draws.get(id)),
                Included::Unlimited => None,
            },
            overage: plan.overage.map(|id| draws.get(id)),
            cap: plan.cap.map(|id| draws.get(id)),
        };
        let cost = &r.vendor_cost[plan.vendor * months..(plan.vendor + 1) * months];
        let mut rng = stream(self.seed, &format!("subscribers:{}", plan.name), path);
        simulate_plan(
            &terms,
            &s.input(plan.usage).dist,
            draws.get(plan.churn),
            &growth_path(plan, draws, r),
            cost,
            &self.calendar,
            &self.grid.usage_growth,
            &mut rng,
        )
    }
}

impl Extra for Stress<'_> {
    type Tally = Vec<PlanTally>;

    fn tally(&self) -> Vec<PlanTally> {
        let cells = self.grid.fee.len() * self.grid.usage_growth.len();
        let years = self.calendar.distinct().len();
        self.scenario
            .plans
            .iter()
            .map(|_| PlanTally::new(self.calendar.years.len(), years, cells))
            .collect()
    }

    fn add(
        &self,
        tally: &mut Vec<PlanTally>,
        path: u64,
        draws: &Draws,
        r: &PathResult,
        units: u64,
    ) {
        for (plan, t) in self.scenario.plans.iter().zip(tally.iter_mut()) {
            let p = self.plan_path(plan, path, draws, r);
            let add = |hs: &mut [Histogram], xs: &[f64]| {
                hs.iter_mut()
                    .zip(xs)
                    .for_each(|(h, x)| h.add_weighted([(*x, units)]));
            };
            add(&mut t.margin, &p.margin);
            add(&mut t.loss_share, &p.loss_share);
            add(&mut t.top5_share, &p.top5_share);
            let subscribers = draws.get(plan.subscribers);
            for (k, y) in p.years.iter().enumerate() {
                t.loss_years[k] += u64::from(y.revenue < y.cost) * units;
                t.break_even[k].add_weighted([(y.break_even_fee(), units)]);
                let profit = (y.revenue - y.cost) / SUBSCRIBERS as f64 * subscribers;
                t.profit[k].add_weighted([(profit, units)]);
            }
            let n_growth = self.grid.usage_growth.len();
            for (i, k) in self.grid.fee.iter().enumerate() {
                for j in 0..n_growth {
                    t.grid_losses[i * n_growth + j] += u64::from(p.loses(*k, j)) * units;
                }
            }
            t.weights.add(units);
        }
    }

    fn merge(&self, a: Vec<PlanTally>, b: Vec<PlanTally>) -> Vec<PlanTally> {
        a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect()
    }
}
