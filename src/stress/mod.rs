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

mod cohort;
mod grid;
pub mod optimize;
mod plan;
mod simulate;
mod tally;

pub use cohort::{Coin, Coins, Timeline};
pub use grid::Grid;
pub use plan::{
    Allowance, Bill, MonthTerms, OveragePrice, PlanPath, Prices, Response, Terms, WEEKS_PER_MONTH,
    Year, filled, growth_path,
};
pub use simulate::{Detail, Market, Member, simulate};
pub use tally::{GroupTally, PlanTally, Record, StressTally};

use crate::model::{Layout, PathResult};
use crate::run::Extra;
use crate::sample::{Draws, stream};
use crate::scenario::{Plan, Scenario};
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
    pub calendar: Calendar,
    layout: Layout,
    /// The plans run together: each tier group's plans in tier order, and every other plan
    /// alone, in the order of their first plan.
    pub groups: Vec<Vec<usize>>,
    /// Per plan: whether each path's record is kept for the optimiser.
    record: Vec<bool>,
}

/// The plans of `s` run together: tier groups (by `group`, in file order) and plans alone.
pub fn plan_groups(s: &Scenario) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, p) in s.plans.iter().enumerate() {
        let joined = p.group.as_ref().and_then(|g| {
            out.iter_mut()
                .find(|members| s.plans[members[0]].group.as_ref() == Some(g))
        });
        match joined {
            Some(members) => members.push(i),
            None => out.push(vec![i]),
        }
    }
    out
}

impl<'a> Stress<'a> {
    pub fn new(scenario: &'a Scenario, grid: Grid, seed: u64) -> Self {
        Self {
            scenario,
            grid,
            seed,
            calendar: Calendar::new(scenario),
            layout: Layout::new(scenario),
            groups: plan_groups(scenario),
            record: vec![false; scenario.plans.len()],
        }
    }

    /// Keeps each path's record of the plans `plans` (and the rest of their tier groups).
    pub fn recording(mut self, plans: &[usize]) -> Self {
        for g in &self.groups {
            if g.iter().any(|p| plans.contains(p)) {
                g.iter().for_each(|p| self.record[*p] = true);
            }
        }
        self
    }

    /// What `plan`'s subscribers see of path `r`.
    pub fn market(&self, plan: &Plan, draws: &Draws, r: &PathResult) -> Market {
        let months = r.months;
        let v = plan.vendor;
        let cost = r.vendor_cost[v * months..(v + 1) * months].to_vec();
        let price = filled(r.series(self.layout.price(v)), &cost);
        let alternative = (0..months)
            .map(|m| {
                plan.response
                    .alternatives
                    .iter()
                    .map(|a| r.series(self.layout.price(*a))[m])
                    .filter(|x| x.is_finite() && *x > 0.0)
                    .fold(price[m], f64::min)
            })
            .collect();
        Market {
            cost,
            price,
            alternative,
            growth: growth_path(plan, draws, r),
        }
    }

    /// The subscribers of `plan` on path `path`.
    pub fn timeline(&self, plan: &Plan, path: u64, draws: &Draws, months: usize) -> Timeline {
        let mut rng = stream(self.seed, &format!("subscribers:{}", plan.name), path);
        Timeline::draw(
            &self.scenario.input(plan.usage).dist,
            draws.get(plan.churn),
            months,
            &mut rng,
        )
    }

    /// The plans of `group` on one path, each with its terms (`terms[i]` replaces member
    /// `i`'s own where given).
    #[allow(clippy::too_many_arguments)]
    pub fn run_group(
        &self,
        group: &[usize],
        path: u64,
        draws: &Draws,
        markets: &[&Market],
        timelines: &[Timeline],
        terms: &[Option<Terms>],
        detail: Detail,
    ) -> Vec<PlanPath> {
        let s = self.scenario;
        let members: Vec<Member> = group
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let plan = &s.plans[*p];
                Member {
                    terms: terms[k].unwrap_or_else(|| Terms::of(plan, draws)),
                    response: Response::of(plan, draws),
                    subscribers: draws.get(plan.subscribers),
                    timeline: &timelines[k],
                    market: markets[k],
                    usage: &s.input(plan.usage).dist,
                    coins: Coins::new(self.seed, &plan.name, path),
                }
            })
            .collect();
        simulate(&members, &self.calendar, detail)
    }

    /// The gross profit ($) of a plan's simulated year, scaled to all its subscribers.
    pub fn profit(&self, plan: &Plan, draws: &Draws, y: &Year) -> f64 {
        (y.revenue - y.cost) / SUBSCRIBERS as f64 * draws.get(plan.subscribers)
    }
}

impl Extra for Stress<'_> {
    type Tally = StressTally;

    fn tally(&self) -> StressTally {
        let cells = self.grid.fee.len() * self.grid.usage_growth.len();
        let years = self.calendar.distinct().len();
        StressTally {
            plans: self
                .scenario
                .plans
                .iter()
                .map(|_| PlanTally::new(self.calendar.years.len(), years, cells))
                .collect(),
            groups: self
                .groups
                .iter()
                .filter(|g| g.len() > 1)
                .map(|_| GroupTally::new(years))
                .collect(),
            records: Vec::new(),
        }
    }

    fn add(&self, tally: &mut StressTally, path: u64, draws: &Draws, r: &PathResult, units: u64) {
        let s = self.scenario;
        let mut markets: Vec<Option<Market>> = vec![None; s.plans.len()];
        let mut group_k = 0;
        for group in &self.groups {
            let own: Vec<Market> = group
                .iter()
                .map(|p| self.market(&s.plans[*p], draws, r))
                .collect();
            let timelines: Vec<Timeline> = group
                .iter()
                .map(|p| self.timeline(&s.plans[*p], path, draws, r.months))
                .collect();
            let refs: Vec<&Market> = own.iter().collect();
            let detail = Detail::Full {
                grid_growth: &self.grid.usage_growth,
            };
            let paths = self.run_group(
                group,
                path,
                draws,
                &refs,
                &timelines,
                &vec![None; group.len()],
                detail,
            );
            let mut group_profit = vec![0.0; self.calendar.distinct().len()];
            for (p, pp) in group.iter().zip(&paths) {
                let plan = &s.plans[*p];
                self.add_plan(&mut tally.plans[*p], plan, draws, pp, units);
                for (k, y) in pp.years.iter().enumerate() {
                    group_profit[k] += self.profit(plan, draws, y);
                }
            }
            if group.len() > 1 {
                let t = &mut tally.groups[group_k];
                for (k, profit) in group_profit.iter().enumerate() {
                    t.loss_years[k] += u64::from(*profit < 0.0) * units;
                    t.profit[k].add_weighted([(*profit, units)]);
                }
                t.weights.add(units);
                group_k += 1;
            }
            for (p, m) in group.iter().zip(own) {
                if self.record[*p] {
                    markets[*p] = Some(m);
                }
            }
        }
        if markets.iter().any(Option::is_some) {
            tally.records.push(Record {
                path,
                units,
                draws: draws.clone(),
                markets,
            });
        }
    }

    fn merge(&self, a: StressTally, b: StressTally) -> StressTally {
        a.merge(b)
    }
}

impl Stress<'_> {
    /// Adds one plan's path to its tally.
    fn add_plan(&self, t: &mut PlanTally, plan: &Plan, draws: &Draws, p: &PlanPath, units: u64) {
        let add = |hs: &mut [Histogram], xs: &[f64]| {
            hs.iter_mut()
                .zip(xs)
                .for_each(|(h, x)| h.add_weighted([(*x, units)]));
        };
        add(&mut t.margin, &p.margin);
        add(&mut t.loss_share, &p.loss_share);
        add(&mut t.top5_share, &p.top5_share);
        add(&mut t.occupancy, &p.occupancy);
        for (k, y) in p.years.iter().enumerate() {
            t.loss_years[k] += u64::from(y.revenue < y.cost) * units;
            t.break_even[k].add_weighted([(y.break_even_fee(), units)]);
            t.profit[k].add_weighted([(self.profit(plan, draws, y), units)]);
            let share = |x: f64| x / y.subscriber_months;
            t.left_for_price[k].add_weighted([(share(y.left_for_price), units)]);
            t.churned[k].add_weighted([(share(y.churned), units)]);
            t.upgraded[k].add_weighted([(share(y.upgraded), units)]);
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

#[cfg(test)]
mod tests;
