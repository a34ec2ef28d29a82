//! What `stress --optimize` found for a plan (`stress.json`'s `optimization`): the chosen
//! terms with their expected gross profit, P(loss) and CVaR₉₀ of the margin and intervals;
//! every candidate tried (the frontier of expected profit against P(loss)); how sure the
//! choice is (the share of bootstrap resamples of the paths in which it wins); and the
//! expected value of partial perfect information (EVPPI) of each uncertain input and group
//! of inputs: what a pricing team should find out first.

use super::summary::{Probability, Weighing};
use crate::scenario::{Marginal, Plan, Scenario};
use crate::stats::evppi::{self, Evppi};
use crate::stats::{SplitMix64, fnv1a64};
use crate::stress::Record;
use crate::stress::optimize::{
    CVAR_TAIL, Constraint, Evaluated, Objective, PASSES, Spec, choose, margin, score,
};
use serde::{Deserialize, Serialize};

/// Bootstrap resamples of the paths behind the choice's certainty and CVaR interval.
pub const RESAMPLES: usize = 200;

/// An estimate with a 95% interval (mean ± 1.96 se, or bootstrap percentiles without se).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se: Option<f64>,
    pub ci95: [f64; 2],
}

impl Estimate {
    fn normal(value: f64, se: f64) -> Self {
        Self {
            value,
            se: Some(se),
            ci95: [value - 1.96 * se, value + 1.96 * se],
        }
    }
}

/// A decision variable's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermValue {
    /// `fee`, `included`, `credits`, `cap`, `weekly_cap` or `overage`.
    pub variable: String,
    pub value: f64,
}

/// A range searched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeView {
    pub variable: String,
    pub lo: f64,
    pub hi: f64,
    /// "even" or "logarithmic".
    pub spacing: String,
}

/// A candidate set of terms and its figures over all paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateResult {
    /// Empty for the plan's own terms.
    pub terms: Vec<TermValue>,
    /// The plan as written in the scenario.
    pub own: bool,
    /// The pass that proposed it (0: the coarse grid).
    pub pass: usize,
    /// Expected gross profit of the objective ($).
    pub expected_profit: Estimate,
    pub loss: Probability,
    /// CVaR₉₀ of the gross margin: the mean margin of the worst 10% of paths.
    pub cvar90_margin: f64,
    /// Meets the risk constraint.
    pub feasible: bool,
    /// No other candidate has both a lower-or-equal P(loss) and a higher expected profit.
    pub frontier: bool,
}

/// The chosen candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Index into the candidates.
    pub candidate: usize,
    pub terms: Vec<TermValue>,
    pub expected_profit: Estimate,
    pub loss: Probability,
    /// Bootstrap percentile interval.
    pub cvar90_margin: Estimate,
    /// Whether it meets the constraint (false: no candidate does; this one comes closest).
    pub meets_constraint: bool,
    /// Share of bootstrap resamples in which it is the choice.
    pub win_share: f64,
    /// The candidate chosen most often in the other resamples, and its share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner_up: Option<usize>,
    pub runner_up_share: f64,
    /// Expected profit over the plan's own terms: the paired difference, path by path.
    pub gain_over_own: Estimate,
}

/// The EVPPI of an input or a group of inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvppiRow {
    /// The input (`plan.Max-100.switch_threshold`) or group (`demand`).
    pub name: String,
    /// The input's group (a group's own name for a group).
    pub group: String,
    /// $ of expected gross profit, bias-corrected.
    pub value: f64,
    pub se: f64,
    pub raw: f64,
    pub bias: f64,
    /// value / EVPI.
    pub share_of_evpi: f64,
}

/// What the optimiser found for one plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Optimization {
    pub plan: String,
    pub vendor: String,
    /// The tier group whose revenue and cost are maximised together, if the plan has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_group: Option<String>,
    /// What is maximised, in words.
    pub objective: String,
    /// The year of the objective (`None`: all years summed).
    pub year: Option<i32>,
    /// The constraint, in words.
    pub constraint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_loss: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvar_floor: Option<f64>,
    pub ranges: Vec<RangeView>,
    pub passes: usize,
    pub paths: u64,
    /// Every candidate; the first is the plan's own terms.
    pub candidates: Vec<CandidateResult>,
    pub choice: Choice,
    pub resamples: usize,
    /// Expected value of perfect information (every input known).
    pub evpi: EvppiRow,
    /// Per uncertain input, highest first (binning into `evppi_bins` bins).
    pub evppi: Vec<EvppiRow>,
    pub evppi_bins: usize,
    /// Per group of inputs, highest first (regression).
    pub evppi_groups: Vec<EvppiRow>,
    /// How EVPPI was estimated, in words.
    pub evppi_method: String,
}

/// The group of an input, for EVPPI: hardware, efficiency, competition, devices, demand, or
/// subscribers (a plan's own inputs).
pub fn input_group(name: &str) -> &'static str {
    match name.split('.').next().unwrap_or("") {
        "hardware" => "hardware",
        "efficiency" | "software" | "capability" => "efficiency",
        "vendor" | "hosts" | "shock" => "competition",
        "device" => "devices",
        "plan" => "subscribers",
        _ => "demand",
    }
}

fn weighted_mean_se(xs: &[f64], ws: &[f64]) -> (f64, f64) {
    let total: f64 = ws.iter().sum();
    let mean = xs.iter().zip(ws).map(|(x, w)| x * w).sum::<f64>() / total;
    let var = xs
        .iter()
        .zip(ws)
        .map(|(x, w)| w * (x - mean) * (x - mean))
        .sum::<f64>()
        / total;
    (mean, (var / evppi::ess(ws)).sqrt())
}

/// The objective and constraint in words.
fn words(s: &Scenario, spec: &Spec, group: Option<&str>) -> (String, String) {
    let whose = group.map_or(String::new(), |g| format!(" of tier group {g}"));
    let first = s.start.year();
    let last = s.horizon.year();
    let (objective, when) = match spec.objective {
        Objective::Year(y) => (
            format!("expected gross profit{whose} in {y}"),
            y.to_string(),
        ),
        Objective::Sum => (
            format!("expected gross profit{whose} summed over {first}–{last}"),
            format!("{first}–{last}"),
        ),
    };
    let constraint = match spec.constraint {
        Constraint::MaxLoss(a) => format!("P(loss in {when}) ≤ {}%", 100.0 * a),
        Constraint::CvarFloor(f) => {
            format!("CVaR₉₀ of the gross margin in {when} ≥ {}%", 100.0 * f)
        }
    };
    (objective, constraint)
}

impl Optimization {
    /// The results of `e`, the optimisation `spec` of `s` over the kept `records` (in path
    /// order), `seed` fixing the bootstrap and the EVPPI's shuffles.
    pub fn new(s: &Scenario, spec: &Spec, e: &Evaluated, records: &[Record], seed: u64) -> Self {
        let plan = &s.plans[spec.plan];
        let ws = e.weights();
        let conditioned = !s.observations.is_empty();
        let total: u64 = e.units.iter().sum();
        let weighing = Weighing {
            paths: e.paths.len() as u64,
            total,
            ess: evppi::ess(&ws),
            conditioned,
        };
        let scores = e.scores(true);
        let chosen = choose(&scores, spec.constraint);
        let mut candidates: Vec<CandidateResult> = (0..e.candidates.len())
            .map(|c| {
                let (mean, se) = weighted_mean_se(&e.profit[c], &ws);
                let lost: u64 = e.profit[c]
                    .iter()
                    .zip(&e.units)
                    .filter(|(p, _)| **p < 0.0)
                    .map(|(_, u)| *u)
                    .sum();
                CandidateResult {
                    terms: term_values(spec, &e.candidates[c].values),
                    own: e.candidates[c].is_own(),
                    pass: e.candidates[c].pass,
                    expected_profit: Estimate::normal(mean, se),
                    loss: weighing.probability(lost),
                    cvar90_margin: scores[c].cvar,
                    feasible: scores[c].meets(spec.constraint),
                    frontier: false,
                }
            })
            .collect();
        mark_frontier(&mut candidates);
        let seed = seed ^ fnv1a64(plan.name.as_bytes());
        let choice = choice(spec, e, &candidates, chosen, &ws, seed);
        let group = s.plans[spec.plan].group.clone();
        let (objective, constraint) = words(s, spec, group.as_deref());
        let (evpi, evppi, evppi_groups, bins) =
            value_of_information(s, spec, e, records, &scores, seed);
        Self {
            plan: plan.name.clone(),
            vendor: s.vendors[plan.vendor].name.clone(),
            tier_group: group,
            objective,
            year: match spec.objective {
                Objective::Year(y) => Some(y),
                Objective::Sum => None,
            },
            constraint,
            max_loss: match spec.constraint {
                Constraint::MaxLoss(a) => Some(a),
                Constraint::CvarFloor(_) => None,
            },
            cvar_floor: match spec.constraint {
                Constraint::CvarFloor(f) => Some(f),
                Constraint::MaxLoss(_) => None,
            },
            ranges: spec
                .ranges
                .iter()
                .map(|r| RangeView {
                    variable: r.variable.name().to_owned(),
                    lo: r.lo,
                    hi: r.hi,
                    spacing: if r.geometric() { "logarithmic" } else { "even" }.to_owned(),
                })
                .collect(),
            passes: PASSES,
            paths: e.paths.len() as u64,
            candidates,
            choice,
            resamples: RESAMPLES,
            evpi,
            evppi,
            evppi_bins: bins,
            evppi_groups,
            evppi_method: format!(
                "Each input: its paths cut into {bins} bins of equal probability by its quantiles, \
                 the best candidate chosen within each bin (binning); each group: each \
                 candidate's profit over the choice regressed on the group's standardised \
                 inputs and their squares (regression). Both among the candidates that meet \
                 the constraint, on the same paths, less their null bias (the estimate with \
                 the input shuffled across paths, averaged over {} shuffles); standard errors \
                 combine the paths' spread of the gain with the null estimates' spread.",
                evppi::SHUFFLES
            ),
        }
    }
}

/// The variables' values of a candidate.
fn term_values(spec: &Spec, values: &[f64]) -> Vec<TermValue> {
    spec.ranges
        .iter()
        .zip(values)
        .map(|(r, x)| TermValue {
            variable: r.variable.name().to_owned(),
            value: *x,
        })
        .collect()
}

/// Marks the candidates no other beats on both expected profit and P(loss).
fn mark_frontier(cs: &mut [CandidateResult]) {
    let points: Vec<(f64, f64)> = cs
        .iter()
        .map(|c| (c.loss.probability, c.expected_profit.value))
        .collect();
    for (i, c) in cs.iter_mut().enumerate() {
        let (l, m) = points[i];
        c.frontier = !points
            .iter()
            .enumerate()
            .any(|(j, (lj, mj))| j != i && *lj <= l && *mj >= m && (*lj < l || *mj > m));
    }
}

/// The chosen candidate with its bootstrap certainty and CVaR interval.
fn choice(
    spec: &Spec,
    e: &Evaluated,
    cs: &[CandidateResult],
    chosen: usize,
    ws: &[f64],
    seed: u64,
) -> Choice {
    let n = ws.len();
    let mut rng = SplitMix64::new(seed);
    let mut wins = vec![0usize; e.candidates.len()];
    let mut cvars = Vec::with_capacity(RESAMPLES);
    let with_cvar = matches!(spec.constraint, Constraint::CvarFloor(_));
    for _ in 0..RESAMPLES {
        let idx: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        let scores: Vec<_> = (0..e.candidates.len())
            .map(|c| score(e, c, &idx, ws, with_cvar))
            .collect();
        wins[choose(&scores, spec.constraint)] += 1;
        let xs: Vec<f64> = idx
            .iter()
            .map(|i| margin(e.profit[chosen][*i], e.revenue[chosen][*i]))
            .collect();
        let w: Vec<f64> = idx.iter().map(|i| ws[*i]).collect();
        cvars.push(crate::stress::optimize::cvar(&xs, &w, CVAR_TAIL));
    }
    cvars.sort_by(f64::total_cmp);
    let pct = |q: f64| cvars[((q * (RESAMPLES - 1) as f64).round() as usize).min(RESAMPLES - 1)];
    let runner_up = (0..wins.len())
        .filter(|c| *c != chosen && wins[*c] > 0)
        .max_by_key(|c| (wins[*c], std::cmp::Reverse(*c)));
    let diff: Vec<f64> = e.profit[chosen]
        .iter()
        .zip(&e.profit[0])
        .map(|(a, b)| a - b)
        .collect();
    let (gain, gain_se) = weighted_mean_se(&diff, ws);
    let c = &cs[chosen];
    Choice {
        candidate: chosen,
        terms: c.terms.clone(),
        expected_profit: c.expected_profit,
        loss: c.loss,
        cvar90_margin: Estimate {
            value: c.cvar90_margin,
            se: None,
            ci95: [pct(0.025), pct(0.975)],
        },
        meets_constraint: c.feasible,
        win_share: wins[chosen] as f64 / RESAMPLES as f64,
        runner_up,
        runner_up_share: runner_up.map_or(0.0, |r| wins[r] as f64 / RESAMPLES as f64),
        gain_over_own: Estimate::normal(gain, gain_se),
    }
}

/// Whether input `name` can bear on `plan`'s choice: a market input, or an input of a plan
/// of its tier group that is not one of the decision variables.
fn bears_on(s: &Scenario, spec: &Spec, plan: &Plan, name: &str) -> bool {
    let Some(rest) = name.strip_prefix("plan.") else {
        return true;
    };
    let in_group = s.plans.iter().any(|p| {
        rest.starts_with(&format!("{}.", p.name))
            && (p.name == plan.name || (p.group.is_some() && p.group == plan.group))
    });
    let decided = spec
        .ranges
        .iter()
        .any(|r| rest == format!("{}.{}", plan.name, r.variable.name()));
    in_group && !decided
}

type Information = (EvppiRow, Vec<EvppiRow>, Vec<EvppiRow>, usize);

/// EVPI, and the EVPPI of each uncertain input bearing on the plan and of each group, among
/// the candidates that meet the constraint (all of them if fewer than two do).
fn value_of_information(
    s: &Scenario,
    spec: &Spec,
    e: &Evaluated,
    records: &[Record],
    scores: &[crate::stress::optimize::Score],
    seed: u64,
) -> Information {
    let plan = &s.plans[spec.plan];
    let ws = e.weights();
    let mut feasible: Vec<usize> = (0..scores.len())
        .filter(|c| scores[*c].meets(spec.constraint))
        .collect();
    if feasible.len() < 2 {
        feasible = (0..scores.len()).collect();
    }
    let nb: Vec<Vec<f64>> = feasible.iter().map(|c| e.profit[*c].clone()).collect();
    let full = evppi::evpi(&nb, &ws);
    // An EVPPI lies between 0 and the EVPI: the corrected estimate is kept within them
    // (the uncorrected one and the bias stay as estimated).
    let row = |name: &str, group: &str, v: Evppi| EvppiRow {
        name: name.to_owned(),
        group: group.to_owned(),
        value: v.value.clamp(0.0, full.value.max(0.0)),
        se: v.se,
        raw: v.raw,
        bias: v.bias,
        share_of_evpi: if full.value > 0.0 {
            v.value.clamp(0.0, full.value) / full.value
        } else {
            f64::NAN
        },
    };
    let inputs: Vec<usize> = (0..s.inputs.len())
        .filter(|k| s.inputs[*k].is_uncertain() && bears_on(s, spec, plan, &s.inputs[*k].name))
        .collect();
    let column = |k: usize| -> Vec<f64> { records.iter().map(|r| r.draws.values()[k]).collect() };
    let bins = evppi::bins_for(evppi::ess(&ws));
    let mut nulls: Vec<(Vec<usize>, (f64, f64))> = Vec::new();
    let mut rows: Vec<EvppiRow> = Vec::new();
    for &k in &inputs {
        let x = column(k);
        let (bin_of, used) = evppi::quantile_bins(&x, &ws, bins);
        let mut sizes = vec![0usize; used];
        bin_of.iter().for_each(|b| sizes[*b] += 1);
        let null = match nulls.iter().find(|(sz, _)| *sz == sizes) {
            Some((_, n)) => *n,
            None => {
                let n = evppi::binned_null(&nb, &ws, &bin_of, used, seed ^ used as u64);
                nulls.push((sizes, n));
                n
            }
        };
        let name = &s.inputs[k].name;
        rows.push(row(
            name,
            input_group(name),
            evppi::evppi_binned(&nb, &ws, &bin_of, used, null),
        ));
    }
    let mut groups: Vec<EvppiRow> = Vec::new();
    for g in [
        "hardware",
        "efficiency",
        "competition",
        "devices",
        "demand",
        "subscribers",
    ] {
        let cols: Vec<Vec<f64>> = inputs
            .iter()
            .filter(|k| input_group(&s.inputs[**k].name) == g)
            .map(|k| column(*k))
            .collect();
        if cols.is_empty() {
            continue;
        }
        let v = evppi::evppi_regression(&nb, &ws, &cols, seed ^ fnv1a64(g.as_bytes()));
        groups.push(row(g, g, v));
    }
    let by_value =
        |a: &EvppiRow, b: &EvppiRow| b.value.total_cmp(&a.value).then(a.name.cmp(&b.name));
    rows.sort_by(by_value);
    groups.sort_by(by_value);
    let mut evpi_row = row("all inputs (EVPI)", "all", full);
    evpi_row.share_of_evpi = 1.0;
    (evpi_row, rows, groups, bins)
}

/// The plan's own value of `variable` on the median path (for defaults and words).
pub fn own_value(s: &Scenario, plan: &Plan, variable: &str) -> Option<f64> {
    let id = match variable {
        "fee" => Some(plan.fee),
        "cap" => plan.cap,
        "weekly_cap" => plan.weekly_cap,
        _ => None,
    }?;
    Some(s.input(id).dist.median())
}
