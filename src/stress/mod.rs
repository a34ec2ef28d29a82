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

use crate::model::PathResult;
use crate::run::Extra;
use crate::sample::{Draws, stream};
use crate::scenario::dist::open_unit;
use crate::scenario::{Dist, Included, Marginal, Plan, Scenario, UsageGrowth};
use crate::stats::Histogram;
use chacha20::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Simulated subscribers per plan and path. The top 5% are then 100 subscribers, enough for
/// their share of cost; a path's share of loss-making subscribers is known to within about
/// 1% (binomial SE ≤ 0.011); and because usage levels are drawn stratified (one per
/// 1/2,000 of the distribution), the plan's mean usage carries little sampling noise even
/// for lognormal σ = 2, whose top 0.05% matters to the mean.
pub const SUBSCRIBERS: usize = 2_000;

/// A plan's terms on one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    /// $ per month.
    pub fee: f64,
    /// Million tokens per month included in the fee (`None`: unlimited).
    pub included: Option<f64>,
    /// $ per million tokens beyond `included`. Without it, usage beyond `included` is not
    /// served (the plan throttles).
    pub overage: Option<f64>,
    /// Hard monthly limit, million tokens: usage beyond it is not served.
    pub cap: Option<f64>,
}

/// One subscriber's month under a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bill {
    /// Million tokens served (what costs the vendor).
    pub served: f64,
    /// $ billed beyond the fee.
    pub overage: f64,
}

impl Terms {
    /// Bills a subscriber who wants `usage` million tokens this month.
    pub fn bill(&self, usage: f64) -> Bill {
        let mut served = self.cap.map_or(usage, |cap| usage.min(cap));
        let mut overage = 0.0;
        if let Some(included) = self.included {
            match self.overage {
                Some(price) => overage = price * (served - included).max(0.0),
                None => served = served.min(included),
            }
        }
        Bill { served, overage }
    }
}

/// Multipliers of the fee and of the yearly usage growth factor, crossed into a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub fee: Vec<f64>,
    pub usage_growth: Vec<f64>,
}

impl Default for Grid {
    fn default() -> Self {
        Self {
            fee: spaced(0.5, 2.0, 7),
            usage_growth: spaced(0.5, 3.0, 6),
        }
    }
}

/// `n` evenly spaced values from `lo` to `hi`.
fn spaced(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

impl Grid {
    /// Sets one axis from `fee=LO:HI:N` or `usage_growth=LO:HI:N`.
    pub fn set(&mut self, text: &str) -> Result<(), String> {
        let (name, spec) = text
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=LO:HI:N (e.g. fee=0.5:2:7), found {text:?}"))?;
        let parts: Vec<&str> = spec.split(':').collect();
        let [lo, hi, n] = parts[..] else {
            return Err(format!("expected LO:HI:N after {name}=, found {spec:?}"));
        };
        let num = |x: &str| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| format!("expected a positive multiplier, found {x:?}"))
        };
        let (lo, hi) = (num(lo)?, num(hi)?);
        let n: usize = n
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| format!("expected a number of steps from 1 to 50, found {n:?}"))?;
        if hi < lo {
            return Err(format!("expected LO ≤ HI, found {lo} > {hi}"));
        }
        let axis = spaced(lo, hi, n);
        match name.trim() {
            "fee" => self.fee = axis,
            "usage_growth" => self.usage_growth = axis,
            other => {
                return Err(format!(
                    "expected fee or usage_growth before '=', found {other:?}"
                ));
            }
        }
        Ok(())
    }
}

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

/// A plan's figures of one calendar year on one path (per simulated subscriber sample).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Year {
    /// Fees and overage billed.
    pub revenue: f64,
    /// Overage billed.
    pub overage: f64,
    /// Tokens served × serving cost.
    pub cost: f64,
    /// Subscriber-months billed.
    pub subscriber_months: f64,
}

impl Year {
    /// The fee at which this year's revenue would equal its cost (overage unchanged).
    pub fn break_even_fee(&self) -> f64 {
        (self.cost - self.overage) / self.subscriber_months
    }
}

/// What one plan does on one path.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPath {
    /// Gross margin, (revenue − cost) / revenue, per month (NaN without revenue).
    pub margin: Vec<f64>,
    /// Share of subscribers who cost more than they pay, per month.
    pub loss_share: Vec<f64>,
    /// The top 5% subscribers' (by usage) share of the plan's serving cost, per month.
    pub top5_share: Vec<f64>,
    /// Per calendar year of the run.
    pub years: Vec<Year>,
    /// Per usage-growth multiplier of the grid, the final year's figures at fee multiplier 1.
    pub grid: Vec<Year>,
}

impl PlanPath {
    /// Whether the final year loses money with the fee multiplied by `k`, for grid column `j`.
    pub fn loses(&self, k: f64, j: usize) -> bool {
        let y = &self.grid[j];
        k * (y.revenue - y.overage) + y.overage < y.cost
    }
}

/// Runs one plan over the months of one path. `growth[m]` is the cumulative usage growth at
/// month `m` (1 at the start), `cost[m]` the vendor's serving cost ($ per million tokens),
/// `grid_growth` the multipliers of the yearly growth factor the grid tries (in the final
/// year only).
#[allow(clippy::too_many_arguments)]
pub fn simulate_plan(
    terms: &Terms,
    usage: &Dist,
    churn: f64,
    growth: &[f64],
    cost: &[f64],
    calendar: &Calendar,
    grid_growth: &[f64],
    rng: &mut ChaCha8Rng,
) -> PlanPath {
    let n = SUBSCRIBERS;
    let months = growth.len();
    // Stratified: subscriber i's level is drawn from the i-th of n equal-probability slices.
    let draw =
        |i: usize, rng: &mut ChaCha8Rng| usage.quantile((i as f64 + open_unit(rng)) / n as f64);
    let mut base: Vec<f64> = (0..n).map(|i| draw(i, rng)).collect();
    let top_k = n / 20;
    let mut top: Vec<f64> = Vec::new();
    let mut top_stale = true;
    let years = calendar.distinct();
    let final_year = calendar.final_year();
    let mut out = PlanPath {
        margin: Vec::with_capacity(months),
        loss_share: Vec::with_capacity(months),
        top5_share: Vec::with_capacity(months),
        years: vec![Year::default(); years.len()],
        grid: vec![Year::default(); grid_growth.len()],
    };
    let ln_keep = (1.0 - churn).ln();
    for m in 0..months {
        if m > 0 && churn > 0.0 {
            // Replacements by geometric skipping: the gap to the next churned subscriber is
            // geometric, so only the churned are visited.
            let mut i = 0usize;
            loop {
                let skip = if churn >= 1.0 {
                    0.0
                } else {
                    (open_unit(rng).ln() / ln_keep).floor()
                };
                if skip >= (n - i) as f64 {
                    break;
                }
                i += skip as usize;
                base[i] = draw(i, rng);
                top_stale = true;
                i += 1;
                if i >= n {
                    break;
                }
            }
        }
        if top_stale {
            // Served tokens grow with the usage level, so the top 5% by level are the top 5%
            // by cost.
            let mut sorted = base.clone();
            sorted.select_nth_unstable_by(n - top_k, f64::total_cmp);
            top = sorted[n - top_k..].to_vec();
            top_stale = false;
        }
        let (g, c) = (growth[m], cost[m]);
        let (mut revenue, mut spend, mut losers) = (0.0, 0.0, 0usize);
        let mut overage = 0.0;
        for b in &base {
            let bill = terms.bill(b * g);
            let pay = terms.fee + bill.overage;
            let served_cost = bill.served * c;
            revenue += pay;
            overage += bill.overage;
            spend += served_cost;
            losers += usize::from(pay < served_cost);
        }
        let top_cost: f64 = top.iter().map(|b| terms.bill(b * g).served * c).sum();
        out.margin.push(if revenue > 0.0 {
            (revenue - spend) / revenue
        } else {
            f64::NAN
        });
        out.loss_share.push(losers as f64 / n as f64);
        out.top5_share.push(if spend > 0.0 {
            top_cost / spend
        } else {
            f64::NAN
        });
        let y = years
            .iter()
            .position(|y| *y == calendar.years[m])
            .expect("a year of the run");
        let year = &mut out.years[y];
        year.revenue += revenue;
        year.overage += overage;
        year.cost += spend;
        year.subscriber_months += n as f64;
        if final_year.contains(&m) {
            for (j, mult) in grid_growth.iter().enumerate() {
                let g = g * mult.powf(m as f64 / 12.0);
                let cell = &mut out.grid[j];
                for b in &base {
                    let bill = terms.bill(b * g);
                    cell.revenue += terms.fee + bill.overage;
                    cell.overage += bill.overage;
                    cell.cost += bill.served * c;
                }
                cell.subscriber_months += n as f64;
            }
        }
    }
    out
}

/// The cumulative usage growth per month of `plan` on a path: a yearly factor compounded
/// monthly, or (`"model"`) the path's tokens per adopted firm of the plan's segment relative
/// to the first month with adopters.
pub fn growth_path(plan: &Plan, draws: &Draws, r: &PathResult) -> Vec<f64> {
    let months = r.months;
    match plan.usage_growth {
        UsageGrowth::Factor(id) => {
            let g = draws.get(id);
            (0..months).map(|m| g.powf(m as f64 / 12.0)).collect()
        }
        UsageGrowth::Model => {
            let s = plan.segment as usize;
            let per = &r.tokens_per_adopter[s * months..(s + 1) * months];
            let mut first = None;
            let mut last = 1.0;
            per.iter()
                .map(|t| {
                    if t.is_finite() && *t > 0.0 {
                        let t0 = *first.get_or_insert(*t);
                        last = t / t0;
                    }
                    last
                })
                .collect()
        }
    }
}

/// Everything the stress test gathers from a set of paths, per plan; merges exactly.
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
    pub paths: u64,
}

impl PlanTally {
    fn new(months: usize, years: usize, cells: usize) -> Self {
        Self {
            margin: vec![Histogram::default(); months],
            loss_share: vec![Histogram::default(); months],
            top5_share: vec![Histogram::default(); months],
            loss_years: vec![0; years],
            break_even: vec![Histogram::default(); years],
            profit: vec![Histogram::default(); years],
            grid_losses: vec![0; cells],
            paths: 0,
        }
    }

    fn merge(mut self, other: PlanTally) -> PlanTally {
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
        self.paths += other.paths;
        self
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

    fn add(&self, tally: &mut Vec<PlanTally>, path: u64, draws: &Draws, r: &PathResult) {
        for (plan, t) in self.scenario.plans.iter().zip(tally.iter_mut()) {
            let p = self.plan_path(plan, path, draws, r);
            let add = |hs: &mut [Histogram], xs: &[f64]| {
                hs.iter_mut().zip(xs).for_each(|(h, x)| h.add(*x));
            };
            add(&mut t.margin, &p.margin);
            add(&mut t.loss_share, &p.loss_share);
            add(&mut t.top5_share, &p.top5_share);
            let subscribers = draws.get(plan.subscribers);
            for (k, y) in p.years.iter().enumerate() {
                t.loss_years[k] += u64::from(y.revenue < y.cost);
                t.break_even[k].add(y.break_even_fee());
                t.profit[k].add((y.revenue - y.cost) / SUBSCRIBERS as f64 * subscribers);
            }
            let n_growth = self.grid.usage_growth.len();
            for (i, k) in self.grid.fee.iter().enumerate() {
                for j in 0..n_growth {
                    t.grid_losses[i * n_growth + j] += u64::from(p.loses(*k, j));
                }
            }
            t.paths += 1;
        }
    }

    fn merge(&self, a: Vec<PlanTally>, b: Vec<PlanTally>) -> Vec<PlanTally> {
        a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::{Dist, LogNormal, Shape};

    fn lognormal(mu: f64, sigma: f64) -> Dist {
        Dist::new(
            Shape::LogNormal(LogNormal::new(mu, sigma).unwrap()),
            None,
            None,
        )
        .unwrap()
    }

    fn terms(fee: f64) -> Terms {
        Terms {
            fee,
            included: None,
            overage: None,
            cap: None,
        }
    }

    #[test]
    fn billing_by_hand() {
        // $20 with 10M included, $4/M beyond, capped at 100M.
        let t = Terms {
            fee: 20.0,
            included: Some(10.0),
            overage: Some(4.0),
            cap: Some(100.0),
        };
        assert_eq!(
            t.bill(6.0),
            Bill {
                served: 6.0,
                overage: 0.0
            }
        );
        assert_eq!(
            t.bill(25.0),
            Bill {
                served: 25.0,
                overage: 60.0
            }
        );
        // Beyond the cap nothing more is served or billed: 90M over the included 10M.
        assert_eq!(
            t.bill(250.0),
            Bill {
                served: 100.0,
                overage: 360.0
            }
        );
        // Included without an overage price: the plan stops serving at the included amount.
        let throttled = Terms { overage: None, ..t };
        assert_eq!(
            throttled.bill(25.0),
            Bill {
                served: 10.0,
                overage: 0.0
            }
        );
        // Unlimited, uncapped: everything is served for the fee.
        assert_eq!(
            terms(200.0).bill(1e4),
            Bill {
                served: 1e4,
                overage: 0.0
            }
        );
        // Unlimited with a cap.
        let capped = Terms {
            cap: Some(50.0),
            ..terms(200.0)
        };
        assert_eq!(
            capped.bill(80.0),
            Bill {
                served: 50.0,
                overage: 0.0
            }
        );
    }

    #[test]
    fn share_of_loss_making_subscribers_matches_the_lognormal_closed_form() {
        // Constant cost c, usage lognormal(μ, σ), no caps: a subscriber loses money when
        // usage·c > fee, so the share is 1 − Φ((ln(fee/c) − μ)/σ).
        let (mu, sigma, fee, c) = (2.0, 1.8, 20.0, 0.5);
        let usage = lognormal(mu, sigma);
        let months = 24;
        let cal = Calendar {
            years: (0..months).map(|m| 2025 + m as i32 / 12).collect(),
        };
        let mut rng = stream(3, "test", 0);
        let p = simulate_plan(
            &terms(fee),
            &usage,
            0.05,
            &vec![1.0; months],
            &vec![c; months],
            &cal,
            &[],
            &mut rng,
        );
        let normal = statrs::distribution::Normal::standard();
        use statrs::distribution::ContinuousCDF;
        let expected = 1.0 - normal.cdf(((fee / c).ln() - mu) / sigma);
        let se = (expected * (1.0 - expected) / SUBSCRIBERS as f64).sqrt();
        for share in &p.loss_share {
            assert!(
                (share - expected).abs() < 3.0 * se,
                "{share} vs {expected} ± {se}"
            );
        }
        // Averaged over the months (churn redraws subscribers), closer still.
        let mean = p.loss_share.iter().sum::<f64>() / months as f64;
        assert!((mean - expected).abs() < se, "{mean} vs {expected}");
    }

    #[test]
    fn a_higher_fee_never_raises_the_chance_of_a_loss() {
        let usage = lognormal(1.0, 1.5);
        let cal = Calendar {
            years: vec![2030; 12],
        };
        let growth = [0.5, 1.0, 2.0];
        for seed in 0..20 {
            let mut rng = stream(seed, "test", 0);
            let p = simulate_plan(
                &Terms {
                    fee: 20.0,
                    included: Some(5.0),
                    overage: Some(2.0),
                    cap: None,
                },
                &usage,
                0.0,
                &[1.0; 12],
                &[0.9; 12],
                &cal,
                &growth,
                &mut rng,
            );
            for j in 0..growth.len() {
                let losses: Vec<bool> = [0.5, 1.0, 1.5, 2.0, 4.0]
                    .iter()
                    .map(|k| p.loses(*k, j))
                    .collect();
                assert!(losses.windows(2).all(|w| w[0] || !w[1]), "{losses:?}");
            }
            // Faster usage growth never lowers the final year's cost.
            assert!(p.grid.windows(2).all(|w| w[0].cost <= w[1].cost));
        }
    }

    #[test]
    fn grid_axes_parse_and_refuse_nonsense() {
        let mut g = Grid::default();
        g.set("fee=0.5:2:4").unwrap();
        assert_eq!(g.fee, vec![0.5, 1.0, 1.5, 2.0]);
        g.set("usage_growth=1:1:1").unwrap();
        assert_eq!(g.usage_growth, vec![1.0]);
        for bad in [
            "fee=2:1:3",
            "fee=0:1:3",
            "price=1:2:3",
            "fee=1:2",
            "fee=1:2:0",
            "fee",
        ] {
            assert!(g.set(bad).is_err(), "{bad}");
        }
    }
}
