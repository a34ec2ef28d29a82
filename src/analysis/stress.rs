//! The stress test's results (`stress.json`): per plan and year the probability of a loss,
//! the break-even fee and the gross profit, the fee × usage-growth grid, and the monthly
//! series the charts show.

use super::summary::{Probability, Quantiles, Weighing};
use crate::run::Settings;
use crate::scenario::{Included, Marginal, Scenario, UsageGrowth};
use crate::stress::{Grid, PlanTally, SUBSCRIBERS};
use serde::{Deserialize, Serialize};

/// One calendar year of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanYear {
    pub year: i32,
    /// The probability that the plan loses money that year (revenue below serving cost).
    pub loss: Probability,
    /// The fee ($ per month) at which the year's revenue would equal its cost.
    pub break_even_fee: Quantiles,
    /// Gross profit of the whole plan that year ($, all subscribers).
    pub gross_profit: Quantiles,
}

/// One cell of the fee × usage-growth grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    pub fee_multiplier: f64,
    pub usage_growth_multiplier: f64,
    /// The probability of a loss in the final year.
    pub loss: Probability,
}

/// A plan's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub name: String,
    pub vendor: String,
    /// The plan's terms as written.
    pub terms: String,
    /// The median fee over paths ($ per month).
    pub fee: f64,
    pub years: Vec<PlanYear>,
    pub grid: Vec<GridCell>,
    /// Per month: gross margin, share of loss-making subscribers, top 5%'s share of cost.
    #[serde(skip)]
    pub margin: Vec<Quantiles>,
    #[serde(skip)]
    pub loss_share: Vec<Quantiles>,
    #[serde(skip)]
    pub top5_share: Vec<Quantiles>,
}

/// The multipliers of the fee and of the yearly usage growth that the grid crosses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridAxes {
    pub fee: Vec<f64>,
    pub usage_growth: Vec<f64>,
}

impl From<&Grid> for GridAxes {
    fn from(g: &Grid) -> Self {
        Self {
            fee: g.fee.clone(),
            usage_growth: g.usage_growth.clone(),
        }
    }
}

/// The stress test's results (`stress.json`; monthly series in `stress-series.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressSummary {
    pub scenario: String,
    pub version: String,
    pub scenario_hash: String,
    pub paths: u64,
    pub seed: u64,
    pub sampling: String,
    /// Simulated subscribers per plan and path.
    pub subscribers_simulated: usize,
    pub months: Vec<String>,
    /// The year the grid's P(loss) refers to.
    pub final_year: i32,
    pub grid: GridAxes,
    pub plans: Vec<PlanSummary>,
}

fn quantiles(hs: &[crate::stats::Histogram], w: &Weighing) -> Vec<Quantiles> {
    hs.iter().map(|h| w.quantiles(h)).collect()
}

/// A plan's terms in words: "fee 20 $/month, 10M tokens included, overage 4 $/M, cap 100M, …".
fn terms(s: &Scenario, plan: &crate::scenario::Plan) -> String {
    let show = |id| s.input(id).dist.to_string();
    let mut parts = vec![format!("fee {} $/month", show(plan.fee))];
    match plan.included {
        Included::Unlimited => parts.push("unlimited".to_owned()),
        Included::Limited(id) => parts.push(format!("{}M tokens included", show(id))),
    }
    if let Some(id) = plan.overage {
        parts.push(format!("overage {} $/M", show(id)));
    }
    if let Some(id) = plan.cap {
        parts.push(format!("cap {}M", show(id)));
    }
    parts.push(format!("usage {}M/month", show(plan.usage)));
    parts.push(match plan.usage_growth {
        UsageGrowth::Model => "usage growth from the model".to_owned(),
        UsageGrowth::Factor(id) => format!("usage growth ×{}/year", show(id)),
    });
    parts.join(", ")
}

impl StressSummary {
    /// The summary of the plans' tallies of a stress test of `s` over `grid`.
    pub fn new(s: &Scenario, settings: &Settings, grid: &Grid, tallies: &[PlanTally]) -> Self {
        let months: Vec<String> = (0..s.months())
            .map(|m| s.start.plus(m as i32).to_string())
            .collect();
        let years: Vec<i32> = (s.start.year()..=s.horizon.year()).collect();
        let plans = s
            .plans
            .iter()
            .zip(tallies)
            .map(|(plan, t)| {
                let w = Weighing {
                    paths: t.weights.paths,
                    total: t.weights.total,
                    ess: t.weights.ess(),
                    conditioned: !s.observations.is_empty(),
                };
                let prob = |hits| w.probability(hits);
                let n_growth = grid.usage_growth.len();
                PlanSummary {
                    name: plan.name.clone(),
                    vendor: s.vendors[plan.vendor].name.clone(),
                    terms: terms(s, plan),
                    fee: s.input(plan.fee).dist.median(),
                    years: years
                        .iter()
                        .enumerate()
                        .map(|(k, year)| PlanYear {
                            year: *year,
                            loss: prob(t.loss_years[k]),
                            break_even_fee: w.quantiles(&t.break_even[k]),
                            gross_profit: w.quantiles(&t.profit[k]),
                        })
                        .collect(),
                    grid: t
                        .grid_losses
                        .iter()
                        .enumerate()
                        .map(|(c, losses)| GridCell {
                            fee_multiplier: grid.fee[c / n_growth],
                            usage_growth_multiplier: grid.usage_growth[c % n_growth],
                            loss: prob(*losses),
                        })
                        .collect(),
                    margin: quantiles(&t.margin, &w),
                    loss_share: quantiles(&t.loss_share, &w),
                    top5_share: quantiles(&t.top5_share, &w),
                }
            })
            .collect();
        Self {
            scenario: s.name.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_hash: s.hash(),
            paths: tallies.first().map_or(0, |t| t.weights.paths),
            seed: settings.seed,
            sampling: settings.sampling.to_string(),
            subscribers_simulated: SUBSCRIBERS,
            months,
            final_year: s.horizon.year(),
            grid: grid.into(),
            plans,
        }
    }
}
