//! `stress --optimize`: a plan's terms searched for the highest expected gross profit under a
//! risk constraint, every candidate on the same paths and subscribers.
//!
//! The search is a grid search with successive refinement (the "zooming" grid of pattern
//! search): a coarse grid over the decision variables' ranges, then two passes of the 3^d
//! points around the best candidate so far at half, then a quarter, of the coarse spacing.
//! Each pass runs every path's plan (or tier group) once per candidate from the path's kept
//! record (its market and draws): the subscribers, their churn and the coins of their
//! responses are drawn from the same keys for every candidate (common random numbers), so
//! candidates are compared path by path. Deterministic: the candidates depend on the paths'
//! figures alone, and paths are evaluated in parallel into rows in path order.

use super::{Detail, OveragePrice, Record, Stress, Terms, Timeline};
use crate::run::Observer;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};

/// A decision variable of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variable {
    /// $ per month.
    Fee,
    /// Million tokens per month included.
    Included,
    /// $ of API-priced usage per month included.
    Credits,
    /// Million tokens per month.
    Cap,
    /// Million tokens per week.
    WeeklyCap,
    /// $ per million tokens beyond the allowance.
    Overage,
}

impl Variable {
    pub const ALL: [Variable; 6] = [
        Variable::Fee,
        Variable::Included,
        Variable::Credits,
        Variable::Cap,
        Variable::WeeklyCap,
        Variable::Overage,
    ];

    /// The name in `[plan.optimize]` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variable::Fee => "fee",
            Variable::Included => "included",
            Variable::Credits => "credits",
            Variable::Cap => "cap",
            Variable::WeeklyCap => "weekly_cap",
            Variable::Overage => "overage",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.name() == name.trim())
    }

    /// Sets this variable to `x` in `terms`.
    pub fn apply(self, terms: &mut Terms, x: f64) {
        use super::Allowance;
        match self {
            Variable::Fee => terms.fee = x,
            Variable::Included => terms.included = Allowance::Tokens(x),
            Variable::Credits => terms.included = Allowance::Credits(x),
            Variable::Cap => terms.cap = Some(x),
            Variable::WeeklyCap => terms.weekly_cap = Some(x),
            Variable::Overage => terms.overage = Some(OveragePrice::Fixed(x)),
        }
    }
}

/// A range searched: `lo` to `hi`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub variable: Variable,
    pub lo: f64,
    pub hi: f64,
}

impl Range {
    /// Points are spaced evenly in the logarithm when the range spans a factor of 4 or more
    /// (caps and allowances), else evenly.
    pub fn geometric(&self) -> bool {
        self.lo > 0.0 && self.hi / self.lo >= 4.0
    }

    /// The value at position `u` in [0, 1] of the range.
    pub fn at(&self, u: f64) -> f64 {
        if self.hi == self.lo {
            self.lo
        } else if self.geometric() {
            self.lo * (self.hi / self.lo).powf(u)
        } else {
            self.lo + (self.hi - self.lo) * u
        }
    }
}

/// What the search maximises: the expected gross profit of one calendar year, or of all the
/// run's years together.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    Year(i32),
    Sum,
}

/// The risk a choice must keep within.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// P(gross profit < 0) ≤ α.
    MaxLoss(f64),
    /// CVaR₉₀ of the gross margin (the mean margin of the worst 10% of paths) ≥ the floor.
    CvarFloor(f64),
}

/// The share of paths whose mean CVaR₉₀ averages: the worst 10%.
pub const CVAR_TAIL: f64 = 0.10;

/// One optimisation: a plan, its ranges, the objective and the constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// Index of the plan in the scenario.
    pub plan: usize,
    pub ranges: Vec<Range>,
    pub objective: Objective,
    pub constraint: Constraint,
}

/// Grid points per variable of the coarse pass, by the number of variables: about 50 to 80
/// candidates in all.
pub fn coarse_points(d: usize) -> usize {
    match d {
        0 | 1 => 13,
        2 => 7,
        3 => 4,
        _ => 3,
    }
}

/// Passes over the paths: the coarse grid and two refinements.
pub const PASSES: usize = 3;

/// A candidate: a position in [0, 1] per range (empty: the plan's own terms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub at: Vec<f64>,
    /// The values of the variables.
    pub values: Vec<f64>,
    /// The pass that proposed it (0: the coarse grid and the plan's own terms).
    pub pass: usize,
}

impl Candidate {
    /// The plan's own terms.
    pub fn own() -> Self {
        Self {
            at: Vec::new(),
            values: Vec::new(),
            pass: 0,
        }
    }

    fn at(ranges: &[Range], at: Vec<f64>, pass: usize) -> Self {
        let values = ranges.iter().zip(&at).map(|(r, u)| r.at(*u)).collect();
        Self { at, values, pass }
    }

    pub fn is_own(&self) -> bool {
        self.at.is_empty()
    }

    /// `terms` with this candidate's values.
    pub fn apply(&self, ranges: &[Range], mut terms: Terms) -> Terms {
        for (r, x) in ranges.iter().zip(&self.values) {
            r.variable.apply(&mut terms, *x);
        }
        terms
    }
}

/// Every candidate's figures on every path: `profit[c][i]` and `revenue[c][i]` of the
/// objective ($, the plan's, or its tier group's, whole subscriber base), with path `i`'s
/// weight `units[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub candidates: Vec<Candidate>,
    pub profit: Vec<Vec<f64>>,
    pub revenue: Vec<Vec<f64>>,
    pub paths: Vec<u64>,
    pub units: Vec<u64>,
}

/// A candidate's scores over a set of paths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// Weighted mean gross profit ($).
    pub mean: f64,
    /// Weighted share of paths with a loss.
    pub loss: f64,
    /// CVaR₉₀ of the gross margin.
    pub cvar: f64,
}

impl Score {
    /// Whether the score meets `c`.
    pub fn meets(&self, c: Constraint) -> bool {
        match c {
            Constraint::MaxLoss(alpha) => self.loss <= alpha,
            Constraint::CvarFloor(floor) => self.cvar >= floor,
        }
    }
}

/// The gross margin of a path: profit over revenue; −∞ for a cost with no revenue; 0 for
/// neither.
pub fn margin(profit: f64, revenue: f64) -> f64 {
    if revenue > 0.0 {
        profit / revenue
    } else if profit < 0.0 {
        f64::NEG_INFINITY
    } else {
        0.0
    }
}

/// The mean of the worst `tail` share (by weight) of `xs`: the conditional value at risk.
pub fn cvar(xs: &[f64], ws: &[f64], tail: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = xs.iter().copied().zip(ws.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = ws.iter().sum();
    let want = tail * total;
    let (mut held, mut sum) = (0.0, 0.0);
    for (x, w) in pairs {
        if held >= want {
            break;
        }
        let take = w.min(want - held);
        held += take;
        sum += take * x;
    }
    if held > 0.0 { sum / held } else { f64::NAN }
}

/// Scores candidate `c` over the paths `idx` (with repetitions: a bootstrap resample) of
/// weights `ws`.
pub fn score(e: &Evaluated, c: usize, idx: &[usize], ws: &[f64], with_cvar: bool) -> Score {
    let (mut total, mut sum, mut lost) = (0.0, 0.0, 0.0);
    for &i in idx {
        let w = ws[i];
        total += w;
        sum += w * e.profit[c][i];
        lost += w * f64::from(u8::from(e.profit[c][i] < 0.0));
    }
    let cvar = if with_cvar {
        let xs: Vec<f64> = idx
            .iter()
            .map(|i| margin(e.profit[c][*i], e.revenue[c][*i]))
            .collect();
        let w: Vec<f64> = idx.iter().map(|i| ws[*i]).collect();
        self::cvar(&xs, &w, CVAR_TAIL)
    } else {
        f64::NAN
    };
    Score {
        mean: sum / total,
        loss: lost / total,
        cvar,
    }
}

/// The best of `scores` under `c`: the highest mean among those that meet it, else (none
/// does) the one closest to meeting it, the highest mean breaking ties.
pub fn choose(scores: &[Score], c: Constraint) -> usize {
    let feasible = scores.iter().enumerate().filter(|(_, s)| s.meets(c));
    if let Some((i, _)) = feasible.max_by(|a, b| a.1.mean.total_cmp(&b.1.mean).then(b.0.cmp(&a.0)))
    {
        return i;
    }
    let risk = |s: &Score| match c {
        Constraint::MaxLoss(_) => s.loss,
        Constraint::CvarFloor(_) => -s.cvar,
    };
    scores
        .iter()
        .enumerate()
        .min_by(|a, b| {
            risk(a.1)
                .total_cmp(&risk(b.1))
                .then(b.1.mean.total_cmp(&a.1.mean))
                .then(a.0.cmp(&b.0))
        })
        .map_or(0, |(i, _)| i)
}

impl Evaluated {
    /// Path weights as numbers.
    pub fn weights(&self) -> Vec<f64> {
        self.units.iter().map(|u| *u as f64).collect()
    }

    /// Every candidate's score over all paths.
    pub fn scores(&self, with_cvar: bool) -> Vec<Score> {
        let idx: Vec<usize> = (0..self.paths.len()).collect();
        let ws = self.weights();
        (0..self.candidates.len())
            .map(|c| score(self, c, &idx, &ws, with_cvar))
            .collect()
    }
}

/// The coarse grid over `d` ranges.
fn coarse(ranges: &[Range]) -> Vec<Candidate> {
    let k = coarse_points(ranges.len());
    let mut out = vec![Candidate::own()];
    let total = k.pow(ranges.len() as u32);
    for n in 0..total {
        let mut rest = n;
        let at: Vec<f64> = ranges
            .iter()
            .map(|_| {
                let i = rest % k;
                rest /= k;
                if k == 1 {
                    0.5
                } else {
                    i as f64 / (k - 1) as f64
                }
            })
            .collect();
        out.push(Candidate::at(ranges, at, 0));
    }
    out
}

/// The 3^d points around `best` at spacing `h` not yet evaluated.
fn around(
    ranges: &[Range],
    best: &[f64],
    h: f64,
    pass: usize,
    seen: &[Candidate],
) -> Vec<Candidate> {
    let d = ranges.len();
    let key = |at: &[f64]| -> Vec<i64> { at.iter().map(|u| (u * 1e9).round() as i64).collect() };
    let mut keys: Vec<Vec<i64>> = seen
        .iter()
        .filter(|c| !c.is_own())
        .map(|c| key(&c.at))
        .collect();
    let mut out = Vec::new();
    for n in 0..3usize.pow(d as u32) {
        let mut rest = n;
        let at: Vec<f64> = best
            .iter()
            .map(|u| {
                let step = (rest % 3) as f64 - 1.0;
                rest /= 3;
                (u + step * h).clamp(0.0, 1.0)
            })
            .collect();
        let k = key(&at);
        if !keys.contains(&k) {
            keys.push(k);
            out.push(Candidate::at(ranges, at, pass));
        }
    }
    out
}

/// Why an optimisation could not finish.
#[derive(Debug)]
pub enum Stopped {
    Cancelled,
}

/// Runs the search of `spec` over the kept `records` (in path order) of `stress`, on
/// `threads` workers (0: one per core), reporting each path of each pass to `observer`.
pub fn optimize(
    stress: &Stress,
    records: &[Record],
    spec: &Spec,
    threads: usize,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<Evaluated, Stopped> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .ok();
    search(
        &spec.ranges,
        spec.constraint,
        records.iter().map(|r| (r.path, r.units)).collect(),
        &mut |batch| evaluate(stress, records, spec, batch, &pool, observer, cancel),
    )
}

/// Every path's `(profit, revenue)` for each candidate of a batch, path by path.
pub type Rows = Vec<Vec<(f64, f64)>>;

/// The grid search with refinement over `ranges` under `constraint`, on the paths `paths`
/// (number, weight), whose figures `evaluate` gives for a batch of candidates.
pub fn search(
    ranges: &[Range],
    constraint: Constraint,
    paths: Vec<(u64, u64)>,
    evaluate: &mut dyn FnMut(&[Candidate]) -> Result<Rows, Stopped>,
) -> Result<Evaluated, Stopped> {
    let mut e = Evaluated {
        candidates: Vec::new(),
        profit: Vec::new(),
        revenue: Vec::new(),
        paths: paths.iter().map(|p| p.0).collect(),
        units: paths.iter().map(|p| p.1).collect(),
    };
    let with_cvar = matches!(constraint, Constraint::CvarFloor(_));
    let coarse_h = 1.0 / (coarse_points(ranges.len()).max(2) - 1) as f64;
    for pass in 0..PASSES {
        let batch = if pass == 0 {
            coarse(ranges)
        } else {
            let scores = e.scores(with_cvar);
            let mut best = choose(&scores, constraint);
            if e.candidates[best].is_own() {
                // Refine around the best grid point.
                let grid: Vec<Score> = scores.iter().skip(1).copied().collect();
                best = 1 + choose(&grid, constraint);
            }
            let h = coarse_h / 2f64.powi(pass as i32);
            around(ranges, &e.candidates[best].at, h, pass, &e.candidates)
        };
        if batch.is_empty() {
            continue;
        }
        let rows = evaluate(&batch)?;
        for (c, cand) in batch.into_iter().enumerate() {
            e.candidates.push(cand);
            e.profit.push(rows.iter().map(|r| r[c].0).collect());
            e.revenue.push(rows.iter().map(|r| r[c].1).collect());
        }
    }
    Ok(e)
}

/// Every path's `(profit, revenue)` of the objective for each candidate of `batch`.
fn evaluate(
    stress: &Stress,
    records: &[Record],
    spec: &Spec,
    batch: &[Candidate],
    pool: &Option<rayon::ThreadPool>,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<Rows, Stopped> {
    let go = || {
        records
            .par_iter()
            .with_max_len(1)
            .map(|r| {
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                let row = path_row(stress, r, spec, batch);
                observer.advance(1);
                Some(row)
            })
            .collect::<Option<Vec<_>>>()
    };
    let rows = match pool {
        Some(p) => p.install(go),
        None => go(),
    };
    rows.ok_or(Stopped::Cancelled)
}

/// One path's `(profit, revenue)` of the objective for each candidate.
fn path_row(stress: &Stress, r: &Record, spec: &Spec, batch: &[Candidate]) -> Vec<(f64, f64)> {
    let s = stress.scenario;
    let group = stress
        .groups
        .iter()
        .find(|g| g.contains(&spec.plan))
        .expect("every plan is in a group");
    let me = group.iter().position(|p| *p == spec.plan).unwrap_or(0);
    let markets: Vec<&super::Market> = group
        .iter()
        .map(|p| r.markets[*p].as_ref().expect("a kept market"))
        .collect();
    let months = markets[0].growth.len();
    let timelines: Vec<Timeline> = group
        .iter()
        .map(|p| stress.timeline(&s.plans[*p], r.path, &r.draws, months))
        .collect();
    let years = stress.calendar.distinct();
    let own = Terms::of(&s.plans[spec.plan], &r.draws);
    batch
        .iter()
        .map(|cand| {
            let mut terms = vec![None; group.len()];
            terms[me] = Some(cand.apply(&spec.ranges, own));
            let paths = stress.run_group(
                group,
                r.path,
                &r.draws,
                &markets,
                &timelines,
                &terms,
                Detail::Years,
            );
            let (mut profit, mut revenue) = (0.0, 0.0);
            for (p, pp) in group.iter().zip(&paths) {
                let plan = &s.plans[*p];
                let scale = r.draws.get(plan.subscribers) / super::SUBSCRIBERS as f64;
                for (k, y) in pp.years.iter().enumerate() {
                    if matches!(spec.objective, Objective::Year(year) if year != years[k]) {
                        continue;
                    }
                    profit += stress.profit(plan, &r.draws, y);
                    revenue += y.revenue * scale;
                }
            }
            (profit, revenue)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_space_points_evenly_or_by_factor() {
        let fee = Range {
            variable: Variable::Fee,
            lo: 10.0,
            hi: 30.0,
        };
        assert_eq!((fee.at(0.0), fee.at(0.5), fee.at(1.0)), (10.0, 20.0, 30.0));
        let cap = Range {
            variable: Variable::Cap,
            lo: 10.0,
            hi: 1000.0,
        };
        assert!((cap.at(0.5) - 100.0).abs() < 1e-9);
        assert_eq!(coarse(&[fee, cap]).len(), 1 + 49);
        let seen = coarse(&[fee]);
        let near = around(&[fee], &[0.5], 1.0 / 24.0, 1, &seen);
        assert_eq!(near.len(), 2);
    }

    #[test]
    fn cvar_is_the_mean_of_the_worst_tenth() {
        let xs: Vec<f64> = (0..100).map(f64::from).collect();
        assert!((cvar(&xs, &[1.0; 100], 0.1) - 4.5).abs() < 1e-12);
        // A path of weight 10 at the bottom is the whole tail.
        let mut ws = vec![1.0; 100];
        ws[0] = 12.0;
        assert!((cvar(&xs, &ws, 0.1) - 0.0).abs() < 1e-12);
    }

    #[test]
    fn the_choice_is_the_best_feasible_else_the_safest() {
        let s = |mean, loss| Score {
            mean,
            loss,
            cvar: f64::NAN,
        };
        let scores = [s(5.0, 0.2), s(3.0, 0.04), s(4.0, 0.05), s(9.0, 0.5)];
        assert_eq!(choose(&scores, Constraint::MaxLoss(0.05)), 2);
        assert_eq!(choose(&scores, Constraint::MaxLoss(0.01)), 1);
    }

    /// A plan whose gross profit on path i is f·(2 − f) + f·σ·z_i at fee f, with z_i the
    /// quantiles of the standard logistic distribution: expected profit f·(2 − f), highest
    /// at f = 1, and P(loss) = 1 / (1 + e^((2 − f)/σ)), which rises with the fee, so that
    /// P(loss) ≤ α holds for f ≤ 2 − σ·ln((1 − α)/α).
    fn closed_form(alpha: f64) -> (f64, Score) {
        let n = 4000;
        let sigma = 0.5;
        let z: Vec<f64> = (0..n)
            .map(|i| {
                let u = (i as f64 + 0.5) / n as f64;
                (u / (1.0 - u)).ln()
            })
            .collect();
        let fee = Range {
            variable: Variable::Fee,
            lo: 0.1,
            hi: 2.3,
        };
        let mut batches = 0;
        let e = search(
            &[fee],
            Constraint::MaxLoss(alpha),
            (0..n as u64).map(|i| (i, 1)).collect(),
            &mut |batch| {
                batches += 1;
                Ok(z.iter()
                    .map(|z| {
                        batch
                            .iter()
                            .map(|c| {
                                let f = c.values.first().copied().unwrap_or(1.5);
                                (f * (2.0 - f) + f * sigma * z, f)
                            })
                            .collect()
                    })
                    .collect())
            },
        )
        .unwrap_or_else(|_| unreachable!());
        assert_eq!(batches, PASSES);
        let scores = e.scores(false);
        let c = choose(&scores, Constraint::MaxLoss(alpha));
        (e.candidates[c].values[0], scores[c])
    }

    #[test]
    fn the_search_finds_the_closed_form_optimum_of_a_fee() {
        // The last refinement's spacing of the fee.
        let step = 2.2 / 12.0 / 4.0;
        // A loose limit: the unconstrained optimum, f = 1.
        let (f, score) = closed_form(0.5);
        assert!((f - 1.0).abs() <= step / 2.0 + 1e-9, "fee {f}");
        assert!((score.mean - f * (2.0 - f)).abs() < 1e-9);
        // At α = 5% the limit binds: the highest fee with P(loss) ≤ 5%, f* = 2 − 0.5·ln 19.
        let star = 2.0 - 0.5 * 19f64.ln();
        let (f, score) = closed_form(0.05);
        assert!(
            f <= star + 1e-3 && f >= star - step,
            "fee {f} against {star}"
        );
        assert!(score.loss <= 0.05, "{score:?}");
        let closed = 1.0 / (1.0 + ((2.0 - f) / 0.5).exp());
        assert!(
            (score.loss - closed).abs() < 1e-3,
            "{score:?} against {closed}"
        );
    }
}
