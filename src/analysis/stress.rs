//! The stress test's results (`stress.json`): one table across plans (P(loss) in the first
//! and final year, break-even fee, the lowest safe fee on the grid), per plan and year the
//! probability of a loss, the break-even fee and the gross profit (and, where subscribers
//! respond to prices, how many leave or move up), tier groups together, the fee ×
//! usage-growth grid, the monthly series the charts show, and what the optimiser found.

use super::optimize::Optimization;
use super::summary::{Probability, Quantiles, Weighing};
use crate::run::Settings;
use crate::scenario::{Included, Marginal, Overage, Plan, Scenario, UsageGrowth};
use crate::stress::{Grid, GroupTally, PlanTally, SUBSCRIBERS, StressTally, WEEKS_PER_MONTH};
use serde::{Deserialize, Serialize};

/// The P(loss) below which a fee counts as safe in the table across plans.
pub const SAFE_LOSS: f64 = 0.05;

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
    /// How subscribers responded that year (plans whose subscribers respond, or tiers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responses: Option<YearResponses>,
}

/// A year's responses of a plan's subscribers, each a monthly share of its subscribers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearResponses {
    /// Left for price (their bill exceeded the API cost of their usage by more than the
    /// threshold).
    pub left_for_price: Quantiles,
    /// Replaced by base churn.
    pub churned: Quantiles,
    /// Moved up to the next tier.
    pub upgraded: Quantiles,
    /// Subscribers on the plan in the year's last month, as a share of `subscribers`.
    pub on_plan: Quantiles,
}

/// One of a plan's terms in words, with the source its number cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermLine {
    pub term: String,
    /// The value in words, with its unit.
    pub value: String,
    /// The scenario's comment on it (a CAL-n id, or "assumption: …"); empty without one.
    pub source: String,
}

/// A plan's row of the table across plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanOverview {
    pub plan: String,
    pub first_year: i32,
    pub loss_first_year: Probability,
    pub final_year: i32,
    pub loss_final_year: Probability,
    /// Median break-even fee of the final year ($ per month).
    pub break_even_fee: Option<f64>,
    /// The lowest fee on the grid ($ per month; usage growth as written) whose P(loss) in the
    /// final year is below [`SAFE_LOSS`], if any.
    pub lowest_safe_fee: Option<f64>,
}

/// A tier group's year: its plans' revenue and cost together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupYear {
    pub year: i32,
    pub loss: Probability,
    pub gross_profit: Quantiles,
}

/// A tier group's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub name: String,
    /// Its plans, in tier order.
    pub plans: Vec<String>,
    pub years: Vec<GroupYear>,
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
    /// Subscribers on the plan per month, as a share of `subscribers`.
    #[serde(skip)]
    pub occupancy: Vec<Quantiles>,
    /// Its tier group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_group: Option<String>,
    /// Whether its subscribers respond to prices (elasticity, switching or upgrades).
    pub responds: bool,
    /// The terms in words, with units and sources.
    pub term_lines: Vec<TermLine>,
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
    /// One row per plan: the table the page and the terminal open with.
    pub overview: Vec<PlanOverview>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<GroupSummary>,
    /// What `--optimize` found, per plan optimised.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub optimization: Vec<Optimization>,
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
        Included::Credits(id) => parts.push(format!("{} $ of usage at API prices", show(id))),
    }
    match plan.overage {
        Some(Overage::Price(id)) => parts.push(format!("overage {} $/M", show(id))),
        Some(Overage::Api) => parts.push("overage at the API price".to_owned()),
        None => {}
    }
    if let Some(id) = plan.cap {
        parts.push(format!("cap {}M", show(id)));
    }
    if let Some(id) = plan.weekly_cap {
        parts.push(format!("weekly cap {}M", show(id)));
    }
    parts.push(format!("usage {}M/month", show(plan.usage)));
    parts.push(match plan.usage_growth {
        UsageGrowth::Model => "usage growth from the model".to_owned(),
        UsageGrowth::Factor(id) => format!("usage growth ×{}/year", show(id)),
    });
    parts.join(", ")
}

/// Whether `plan`'s subscribers respond to prices or move between tiers.
fn responds(plan: &Plan) -> bool {
    let r = &plan.response;
    r.overage_elasticity.is_some()
        || r.switch_threshold.is_some()
        || r.upgrade_rate.is_some()
        || plan.group.is_some()
}

/// A plan's terms in words, one line each, with units and the sources they cite.
fn term_lines(s: &Scenario, plan: &Plan) -> Vec<TermLine> {
    let mut out = Vec::new();
    let mut line = |term: &str, value: String, id: Option<crate::scenario::ParamId>| {
        out.push(TermLine {
            term: term.to_owned(),
            value,
            source: id
                .and_then(|id| s.input(id).source.clone())
                .unwrap_or_default(),
        });
    };
    let show = |id| s.input(id).dist.to_string();
    line(
        "fee",
        format!("${} a month", show(plan.fee)),
        Some(plan.fee),
    );
    match plan.included {
        Included::Unlimited => line("included", "unlimited use for the fee".to_owned(), None),
        Included::Limited(id) => line(
            "included",
            format!("{} million tokens a month", show(id)),
            Some(id),
        ),
        Included::Credits(id) => line(
            "credits",
            format!(
                "${} of usage a month at the vendor's API price (tokens = credits / that month's price)",
                show(id)
            ),
            Some(id),
        ),
    }
    match plan.overage {
        Some(Overage::Price(id)) => line(
            "overage",
            format!("${} per million tokens beyond the allowance", show(id)),
            Some(id),
        ),
        Some(Overage::Api) => line(
            "overage",
            "the vendor's API price that month, beyond the allowance".to_owned(),
            None,
        ),
        None if !matches!(plan.included, Included::Unlimited) => line(
            "overage",
            "none: usage beyond the allowance is not served".to_owned(),
            None,
        ),
        None => {}
    }
    if let Some(id) = plan.cap {
        line(
            "cap",
            format!("at most {} million tokens a month", show(id)),
            Some(id),
        );
    }
    if let Some(id) = plan.weekly_cap {
        let monthly = s.input(id).dist.median() * WEEKS_PER_MONTH;
        line(
            "weekly cap",
            format!(
                "at most {} million tokens a week (applied as {:.2} weeks a month: {} million a month at the median)",
                show(id),
                WEEKS_PER_MONTH,
                significant(monthly)
            ),
            Some(id),
        );
    }
    line(
        "subscribers",
        format!("{} at full take-up", count(s, plan.subscribers)),
        Some(plan.subscribers),
    );
    line(
        "usage",
        format!(
            "{} million tokens per subscriber a month at start",
            show(plan.usage)
        ),
        Some(plan.usage),
    );
    match plan.usage_growth {
        UsageGrowth::Model => line(
            "usage growth",
            "as tokens per adopted firm of its segment on the path".to_owned(),
            None,
        ),
        UsageGrowth::Factor(id) => line("usage growth", format!("×{} a year", show(id)), Some(id)),
    }
    line(
        "churn",
        format!("{} a month", show(plan.churn)),
        Some(plan.churn),
    );
    response_lines(s, plan, &mut line);
    out
}

/// `x` to three significant figures, without exponent.
fn significant(x: f64) -> String {
    if !(x.is_finite() && x > 0.0) {
        return format!("{x}");
    }
    let digits = (2 - x.log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// A count of subscribers in words ("15 million", "300 thousand"), or its distribution.
fn count(s: &Scenario, id: crate::scenario::ParamId) -> String {
    let input = s.input(id);
    if input.is_uncertain() {
        return input.dist.to_string();
    }
    let n = input.dist.median();
    if n >= 1e6 {
        format!("{} million", significant(n / 1e6))
    } else if n >= 1e4 {
        format!("{} thousand", significant(n / 1e3))
    } else {
        format!("{n}")
    }
}

/// The lines of how subscribers respond.
fn response_lines(
    s: &Scenario,
    plan: &Plan,
    line: &mut impl FnMut(&str, String, Option<crate::scenario::ParamId>),
) {
    let show = |id| s.input(id).dist.to_string();
    let r = &plan.response;
    if let Some(id) = r.overage_elasticity {
        line(
            "overage elasticity",
            format!(
                "ε = {}: usage beyond the allowance scales by min(1, (overage / API price)^−ε)",
                show(id)
            ),
            Some(id),
        );
    }
    if let Some(id) = r.switch_threshold {
        let mut against = vec![s.vendors[plan.vendor].name.clone()];
        against.extend(r.alternatives.iter().map(|v| s.vendors[*v].name.clone()));
        line(
            "switching",
            format!(
                "leaves when the bill exceeds its usage at the cheapest API price of {} by more than a threshold of {} $ a month",
                against.join(" and "),
                show(id)
            ),
            Some(id),
        );
        match r.switch_rate {
            Some(rate) => line(
                "switch rate",
                format!("{} a month, once over the threshold", show(rate)),
                Some(rate),
            ),
            None => line("switch rate", "1 a month (default)".to_owned(), None),
        }
    }
    if let Some(id) = r.upgrade_rate {
        let after = r
            .upgrade_after
            .map_or("1".to_owned(), |a| s.input(a).dist.to_string());
        line(
            "upgrades",
            format!(
                "{} a month move up a tier after {after} month(s) in a row held back by the plan's limit",
                show(id)
            ),
            Some(id),
        );
    }
}

impl StressSummary {
    /// The summary of the plans' tallies of a stress test of `s` over `grid`.
    pub fn new(s: &Scenario, settings: &Settings, grid: &Grid, tally: &StressTally) -> Self {
        let tallies = &tally.plans;
        let months: Vec<String> = (0..s.months())
            .map(|m| s.start.plus(m as i32).to_string())
            .collect();
        let years: Vec<i32> = (s.start.year()..=s.horizon.year()).collect();
        let plans: Vec<PlanSummary> = s
            .plans
            .iter()
            .zip(tallies)
            .map(|(plan, t)| plan_summary(s, plan, t, grid, &years))
            .collect();
        let overview = plans.iter().map(|p| overview(p, grid)).collect();
        let groups = crate::stress::plan_groups(s)
            .into_iter()
            .filter(|g| g.len() > 1)
            .zip(&tally.groups)
            .map(|(g, t)| group_summary(s, &g, t, &years))
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
            overview,
            groups,
            optimization: Vec::new(),
        }
    }
}

fn weighing(s: &Scenario, w: &crate::stats::WeightSum) -> Weighing {
    Weighing {
        paths: w.paths,
        total: w.total,
        ess: w.ess(),
        conditioned: !s.observations.is_empty(),
    }
}

fn plan_summary(
    s: &Scenario,
    plan: &Plan,
    t: &PlanTally,
    grid: &Grid,
    years: &[i32],
) -> PlanSummary {
    let w = weighing(s, &t.weights);
    let prob = |hits| w.probability(hits);
    let n_growth = grid.usage_growth.len();
    let months_of =
        |year: i32| (0..s.months()).filter(move |m| s.start.plus(*m as i32).year() == year);
    let responds = responds(plan);
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
                responses: responds.then(|| YearResponses {
                    left_for_price: w.quantiles(&t.left_for_price[k]),
                    churned: w.quantiles(&t.churned[k]),
                    upgraded: w.quantiles(&t.upgraded[k]),
                    on_plan: months_of(*year).next_back().map_or_else(
                        || w.quantiles(&Default::default()),
                        |m| w.quantiles(&t.occupancy[m]),
                    ),
                }),
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
        occupancy: quantiles(&t.occupancy, &w),
        tier_group: plan.group.clone(),
        responds,
        term_lines: term_lines(s, plan),
    }
}

/// A plan's row of the table across plans. The lowest safe fee is read in the grid's column
/// of usage growth nearest to ×1 (the plan as written).
fn overview(p: &PlanSummary, grid: &Grid) -> PlanOverview {
    let (first, last) = (p.years.first(), p.years.last());
    let n_growth = grid.usage_growth.len();
    let column = (0..n_growth)
        .min_by(|a, b| {
            (grid.usage_growth[*a] - 1.0)
                .abs()
                .total_cmp(&(grid.usage_growth[*b] - 1.0).abs())
        })
        .unwrap_or(0);
    let lowest_safe_fee = (0..grid.fee.len())
        .filter(|i| p.grid[i * n_growth + column].loss.probability < SAFE_LOSS)
        .map(|i| grid.fee[i] * p.fee)
        .reduce(f64::min);
    PlanOverview {
        plan: p.name.clone(),
        first_year: first.map_or(0, |y| y.year),
        loss_first_year: first.map(|y| y.loss).expect("a year"),
        final_year: last.map_or(0, |y| y.year),
        loss_final_year: last.map(|y| y.loss).expect("a year"),
        break_even_fee: last.and_then(|y| y.break_even_fee.p50),
        lowest_safe_fee,
    }
}

fn group_summary(s: &Scenario, group: &[usize], t: &GroupTally, years: &[i32]) -> GroupSummary {
    let w = weighing(s, &t.weights);
    GroupSummary {
        name: s.plans[group[0]].group.clone().unwrap_or_default(),
        plans: group.iter().map(|p| s.plans[*p].name.clone()).collect(),
        years: years
            .iter()
            .enumerate()
            .map(|(k, year)| GroupYear {
                year: *year,
                loss: w.probability(t.loss_years[k]),
                gross_profit: w.quantiles(&t.profit[k]),
            })
            .collect(),
    }
}
