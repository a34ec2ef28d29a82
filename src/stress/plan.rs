//! One plan on one path: its terms and billing, and its simulated subscribers month by month.

use super::{Calendar, SUBSCRIBERS};
use crate::model::PathResult;
use crate::sample::Draws;
use crate::scenario::dist::open_unit;
use crate::scenario::{Dist, Marginal, Plan, UsageGrowth};
use chacha20::ChaCha8Rng;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::stream;
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
}
