//! The [`Summary`] of a run: everything the files, charts, report and terminal table show,
//! computed once from the run's tally and outcome rows. `summary.json` is its serialisation
//! (the monthly series are in `series.csv` instead).

use super::conditioning::{
    Conditioning, InputShift, ObservationCheck, PriorView, input_shifts, observation_checks,
};
use crate::run::{Counts, RunResult, Settings};
use crate::scenario::{Direction, Marginal, Scenario, Threshold, metrics};
use crate::stats::weights::{weighted_pearson, weighted_ranks};
use crate::stats::{Histogram, Proportion, QUANTILES, Share, pearson, ranks};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A probability estimated from paths: Monte Carlo standard error and 95% Wilson interval. In a
/// conditioned run both come from the effective sample size `ess`, and `successes` is the
/// weighted share times the paths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probability {
    pub probability: f64,
    pub se: f64,
    pub wilson95: [f64; 2],
    pub successes: u64,
    pub paths: u64,
    /// The effective sample size behind a conditioned run's probability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ess: Option<f64>,
}

/// How a set of counts is weighted: the paths, and their weights' total (in units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighing {
    pub paths: u64,
    pub total: u64,
    pub ess: f64,
    /// Weighted by observations (or a proposal), not plain counts.
    pub conditioned: bool,
}

impl Weighing {
    /// The weighing of `counts` of `paths` paths.
    pub fn of(counts: &Counts, paths: u64, conditioned: bool) -> Self {
        Self {
            paths,
            total: counts.weights.total,
            ess: counts.weights.ess(),
            conditioned,
        }
    }

    /// The probability of an event that `hits` units of the paths' weight meet.
    pub fn probability(&self, hits: u64) -> Probability {
        if !self.conditioned {
            return Proportion {
                successes: hits,
                n: self.paths,
            }
            .into();
        }
        let share = Share {
            hits,
            total: self.total,
            ess: self.ess,
        };
        let (lo, hi) = share.wilson();
        Probability {
            probability: share.p(),
            se: share.se(),
            wilson95: [lo, hi],
            successes: self.paths_of(hits),
            paths: self.paths,
            ess: Some(share.ess),
        }
    }

    /// `units` of weight as the equivalent number of paths (themselves in an unweighted run).
    pub fn paths_of(&self, units: u64) -> u64 {
        if !self.conditioned || self.total == 0 {
            return units;
        }
        (units as f64 / self.total as f64 * self.paths as f64).round() as u64
    }

    /// The quantiles of a sketch of these weights.
    pub fn quantiles(&self, h: &Histogram) -> Quantiles {
        let mut q = Quantiles::of(h);
        q.paths = self.paths_of(q.paths);
        q.missing = self.paths_of(q.missing);
        q
    }
}

impl From<Proportion> for Probability {
    fn from(p: Proportion) -> Self {
        let (lo, hi) = p.wilson();
        Self {
            probability: p.p(),
            se: p.se(),
            wilson95: [lo, hi],
            successes: p.successes,
            paths: p.n,
            ess: None,
        }
    }
}

/// A target's threshold as written: a number, or a month `"YYYY-MM"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ThresholdValue {
    Number(f64),
    Month(String),
}

/// A `[[target]]` and the probability of meeting it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResult {
    pub label: String,
    pub metric: String,
    pub year: Option<i32>,
    /// The outcome column holding the target's value (`metric`, or `metric.year`).
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_least: Option<ThresholdValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_most: Option<ThresholdValue>,
    #[serde(flatten)]
    pub result: Probability,
}

impl TargetResult {
    /// The threshold as a number on the outcome's scale (months as 1-based indices).
    pub fn threshold(&self, months: &[String]) -> f64 {
        match self.at_least.as_ref().or(self.at_most.as_ref()) {
            Some(ThresholdValue::Number(x)) => *x,
            Some(ThresholdValue::Month(m)) => months
                .iter()
                .position(|x| x == m)
                .map_or(f64::NAN, |i| i as f64 + 1.0),
            None => f64::NAN,
        }
    }

    /// True for `at_least` targets.
    pub fn at_least(&self) -> bool {
        self.at_least.is_some()
    }
}

/// Quantiles (P5 … P95) and mean of a set of values; `None` where no value exists (or for a
/// month scalar's "never").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    pub p5: Option<f64>,
    pub p10: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub mean: Option<f64>,
    /// Values counted (NaN excepted).
    pub paths: u64,
    /// Paths without a value (e.g. a vendor's price before launch).
    pub missing: u64,
}

impl Quantiles {
    /// The quantiles of a histogram's values.
    pub fn of(h: &Histogram) -> Self {
        let f = |x: f64| x.is_finite().then_some(x);
        let q: Vec<Option<f64>> = h.quantiles(&QUANTILES).into_iter().map(f).collect();
        Self {
            p5: q[0],
            p10: q[1],
            p25: q[2],
            p50: q[3],
            p75: q[4],
            p90: q[5],
            p95: q[6],
            mean: f(h.mean()),
            paths: h.count(),
            missing: h.missing(),
        }
    }
}

pub use super::distribution::Distribution;

/// The probability that an event month has come by each month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthProbability {
    pub month: String,
    pub probability: f64,
}

/// Both event-date curves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateCurves {
    pub month_100x: Vec<MonthProbability>,
    pub month_zero_marginal: Vec<MonthProbability>,
}

/// One input's Spearman rank correlation with an outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sensitivity {
    pub input: String,
    pub spearman: f64,
}

/// One input of the scenario (uncertain or fixed) or one date it states, as the report's
/// assumptions table shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumption {
    pub input: String,
    /// A person's name for it ("Rubin delay (months)").
    pub label: String,
    /// `uncertain` (drawn per path), `fixed` (one value), `population` (drawn per firm or
    /// subscriber within a path) or `date` (a month the scenario states).
    pub kind: String,
    /// The distribution as the scenario states it (a date: the month).
    pub distribution: String,
    /// Median, P5 and P95 of the distribution (after truncation when `truncated`); a date's
    /// are NaN (null in JSON).
    #[serde(deserialize_with = "nan_if_null")]
    pub median: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub p5: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub p95: f64,
    /// The distribution is cut to `[min, max]`: the median and percentiles are those of the
    /// truncated distribution.
    pub truncated: bool,
    /// The comment on (or right above) its line in the scenario file.
    pub source: Option<String>,
    /// The entries of `docs/sources.toml` that the comment cites.
    pub sources: Vec<super::sources::Source>,
}

/// A number that JSON writes as null when it is NaN, read back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Everything a run shows. `summary.json` holds all but `series` (which `series.csv` holds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    pub description: String,
    pub version: String,
    pub scenario_hash: String,
    pub paths: u64,
    pub seed: u64,
    pub sampling: String,
    /// The simulated months, `"YYYY-MM"`, from `start` to `horizon`.
    pub months: Vec<String>,
    /// The month at which `collapse_factor` is measured.
    pub collapse_date: String,
    pub vendors: Vec<String>,
    pub segments: Vec<String>,
    pub targets: Vec<TargetResult>,
    pub revenue_stall: Probability,
    /// Quantiles of every outcome column (sampled inputs, scalars, annual figures).
    pub outcomes: IndexMap<String, Quantiles>,
    pub date_curves: DateCurves,
    /// Per explained outcome, the inputs by decreasing |Spearman ρ|.
    pub sensitivity: IndexMap<String, Vec<Sensitivity>>,
    /// Display histograms of the key scalars and of each target's outcome (month outcomes
    /// excepted: the date curves show those).
    pub distributions: IndexMap<String, Distribution>,
    pub assumptions: Vec<Assumption>,
    /// In a conditioned run: the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditioning: Option<Conditioning>,
    /// In a conditioned run: the same figures before the observations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior: Option<PriorView>,
    /// In a conditioned run: where each observation falls in the prior predictive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<ObservationCheck>,
    /// In a conditioned run: every uncertain input, most moved by the observations first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_shifts: Vec<InputShift>,
    /// Per monthly series, its quantiles month by month.
    #[serde(skip)]
    pub series: IndexMap<String, Vec<Quantiles>>,
    /// In a conditioned run, the same before the observations.
    #[serde(skip)]
    pub series_prior: IndexMap<String, Vec<Quantiles>>,
}

/// The key scalars: distributions, sensitivity and the terminal table show these.
pub const KEY_SCALARS: [&str; 3] = ["collapse_factor", "volume_growth", "price_decline"];

impl Summary {
    /// Summarises run `r` of `s`, whose monthly series' quantiles [`series_quantiles`] gave
    /// (`r`'s series sketches need not exist any more). `columns(cs)` returns outcome columns
    /// `cs` (after `path`) in path order; sensitivity reads them a few at a time, so memory
    /// stays bounded.
    pub fn new(
        s: &Scenario,
        settings: &Settings,
        r: &RunResult,
        series: (
            IndexMap<String, Vec<Quantiles>>,
            IndexMap<String, Vec<Quantiles>>,
        ),
        columns: &dyn Fn(&[usize]) -> Vec<Vec<f64>>,
    ) -> Self {
        let n = r.tally.paths;
        let counts = &r.tally.counts;
        let w = Weighing::of(counts, n, r.outcomes.weighted());
        let names = &r.outcomes.names()[1..];
        let months: Vec<String> = (0..s.months())
            .map(|m| s.start.plus(m as i32).to_string())
            .collect();
        let targets = target_results(s, &counts.target_hits, &w);
        let weight_columns = r.outcomes.weight_columns();
        let mut outcomes: IndexMap<String, Quantiles> = names
            .iter()
            .zip(&counts.columns)
            .enumerate()
            .filter(|(c, _)| weight_columns.is_none_or(|(lw, wt)| *c != lw && *c != wt))
            .map(|(_, (name, h))| (name.clone(), w.quantiles(h)))
            .collect();
        let curve = |counts: &[u64]| date_curve(counts, &months, w.total);
        for (name, counts) in [
            ("month_100x", &counts.month_100x),
            ("month_zero_marginal", &counts.month_zero_marginal),
        ] {
            if let Some(q) = outcomes.get_mut(name) {
                month_quantiles(q, counts, w.total);
            }
        }
        let explained = explained(names, &targets);
        let weights = weight_columns.map(|(_, wt)| columns(&[wt]).remove(0));
        let sensitivity = sensitivity(s, names, &explained, weights.as_deref(), columns);
        // Month outcomes are shown by the event-date curves instead.
        let distributions = explained
            .iter()
            .filter(|(_, c)| !metrics::is_month(&names[*c]))
            .filter_map(|(_, c)| {
                let d = Distribution::of(&counts.columns[*c])?;
                Some((names[*c].clone(), d.in_paths(&w)))
            })
            .collect();
        Self {
            scenario: s.name.clone(),
            description: s.description.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_hash: s.hash(),
            paths: n,
            seed: settings.seed,
            sampling: settings.sampling.to_string(),
            collapse_date: s.collapse_date.to_string(),
            vendors: s.vendors.iter().map(|v| v.name.clone()).collect(),
            segments: vec!["enterprise".to_owned(), "developer".to_owned()],
            targets,
            revenue_stall: w.probability(counts.revenue_stalls),
            outcomes,
            date_curves: DateCurves {
                month_100x: curve(&counts.month_100x),
                month_zero_marginal: curve(&counts.month_zero_marginal),
            },
            sensitivity,
            distributions,
            assumptions: assumptions(s),
            conditioning: Conditioning::of(s, r),
            prior: PriorView::of(r),
            observations: observation_checks(s, r, &w),
            input_shifts: input_shifts(s, r, &w),
            series: series.0,
            series_prior: series.1,
            months,
        }
    }

    /// The label of 1-based month index `x` (a month scalar's value, a whole month: see
    /// [`month_quantiles`]), or "never".
    pub fn month_label(&self, x: Option<f64>) -> String {
        x.filter(|x| x.is_finite() && *x >= 0.5)
            .and_then(|x| self.months.get(x.round() as usize - 1))
            .cloned()
            .unwrap_or_else(|| "never".to_owned())
    }

    /// The calendar years the run covers, in order.
    pub fn years(&self) -> Vec<i32> {
        let mut years: Vec<i32> = self
            .months
            .iter()
            .filter_map(|m| m[..4].parse().ok())
            .collect();
        years.dedup();
        years
    }
}

/// Each target of `s` with its threshold as written and the probability of meeting it.
fn target_results(s: &Scenario, hits: &[u64], w: &Weighing) -> Vec<TargetResult> {
    s.targets
        .iter()
        .zip(hits)
        .map(|(t, hits)| {
            let threshold = match t.threshold {
                Threshold::Number(x) => ThresholdValue::Number(x),
                Threshold::Month(m) => ThresholdValue::Month(m.to_string()),
            };
            let at_least = t.direction == Direction::AtLeast;
            TargetResult {
                label: t.label.clone(),
                metric: t.metric.clone(),
                year: t.year,
                outcome: match t.year {
                    Some(y) => format!("{}.{y}", t.metric),
                    None => t.metric.clone(),
                },
                at_least: at_least.then(|| threshold.clone()),
                at_most: (!at_least).then_some(threshold),
                result: w.probability(*hits),
            }
        })
        .collect()
}

/// Sets a month outcome's quantiles to whole months (1-based indices) read off its event-date
/// curve: the P`q` month is the first whose cumulative share of the paths' weight (`total`,
/// paths without the event included) reaches `q`; `None` ("never") when no month does. A
/// sketch's quantile of month indices is a bin's representative value, a little off the whole
/// month, so it is not used.
fn month_quantiles(q: &mut Quantiles, counts: &[u64], total: u64) {
    let at = |p: f64| -> Option<f64> {
        let rank = ((p * total as f64).ceil() as u64).max(1);
        let mut cum = 0;
        counts
            .iter()
            .position(|c| {
                cum += c;
                cum >= rank
            })
            .map(|i| i as f64 + 1.0)
    };
    [
        (&mut q.p5, 0.05),
        (&mut q.p10, 0.10),
        (&mut q.p25, 0.25),
        (&mut q.p50, 0.50),
        (&mut q.p75, 0.75),
        (&mut q.p90, 0.90),
        (&mut q.p95, 0.95),
    ]
    .into_iter()
    .for_each(|(slot, p)| *slot = at(p));
}

/// The probability that an event has come by each month, from the units of the paths whose
/// event month is each month (`counts`) and the paths' total.
fn date_curve(counts: &[u64], months: &[String], total: u64) -> Vec<MonthProbability> {
    let mut cum = 0;
    counts
        .iter()
        .zip(months)
        .map(|(c, month)| {
            cum += c;
            MonthProbability {
                month: month.clone(),
                probability: cum as f64 / total as f64,
            }
        })
        .collect()
}

/// The outcomes that sensitivity and the distributions explain, labelled, with their columns
/// (among `names`): the key scalars and each target's outcome, each once.
fn explained(names: &[String], targets: &[TargetResult]) -> Vec<(String, usize)> {
    let mut explained: Vec<(String, usize)> = Vec::new();
    let key = KEY_SCALARS
        .iter()
        .map(|k| ((*k).to_owned(), (*k).to_owned()));
    let per_target = targets.iter().map(|t| (t.label.clone(), t.outcome.clone()));
    for (label, outcome) in key.chain(per_target) {
        if let Some(c) = names.iter().position(|x| *x == outcome)
            && !explained.iter().any(|(_, x)| *x == c)
        {
            explained.push((label, c));
        }
    }
    explained
}

/// Every uncertain input of `s` as the assumptions table shows it.
pub fn assumptions(s: &Scenario) -> Vec<Assumption> {
    let cited = |c: &Option<String>| c.as_deref().map(super::sources::cited).unwrap_or_default();
    let inputs = s.inputs.iter().map(|i| {
        let kind = match (i.kind, i.is_uncertain()) {
            (crate::scenario::InputKind::Population, _) => "population",
            (_, true) => "uncertain",
            (_, false) => "fixed",
        };
        Assumption {
            input: i.name.clone(),
            label: i.label(),
            kind: kind.to_owned(),
            distribution: i.dist.describe(),
            median: i.dist.median(),
            p5: i.dist.quantile(0.05),
            p95: i.dist.quantile(0.95),
            truncated: i.dist.is_truncated(),
            source: i.source.clone().or_else(|| {
                i.loc
                    .is_none()
                    .then(|| "default: not written in the scenario".to_owned())
            }),
            sources: cited(&i.source),
        }
    });
    let dates = s.dates.iter().map(|d| Assumption {
        input: d.name.clone(),
        label: crate::scenario::label_of(&d.name),
        kind: "date".to_owned(),
        distribution: d.month.to_string(),
        median: f64::NAN,
        p5: f64::NAN,
        p95: f64::NAN,
        truncated: false,
        source: d.source.clone(),
        sources: cited(&d.source),
    });
    inputs.chain(dates).collect()
}

/// Each monthly series' quantiles, month by month, from run `r`'s sketches: under the run's
/// weights, and (in a conditioned run) under the prior.
pub fn series_quantiles(
    r: &RunResult,
) -> (
    IndexMap<String, Vec<Quantiles>>,
    IndexMap<String, Vec<Quantiles>>,
) {
    let conditioned = r.outcomes.weighted();
    let of = |counts: &Counts| -> IndexMap<String, Vec<Quantiles>> {
        let w = Weighing::of(counts, r.tally.paths, conditioned);
        let months = counts.series.len() / r.layout.len().max(1);
        r.layout
            .names()
            .iter()
            .zip(counts.series.chunks(months.max(1)))
            .map(|(name, hs)| (name.clone(), hs.iter().map(|h| w.quantiles(h)).collect()))
            .collect()
    };
    let prior = r.tally.prior.as_ref().map(of).unwrap_or_default();
    (of(&r.tally.counts), prior)
}

/// Columns read per pass over the outcome rows: few enough that memory stays bounded (16
/// columns of a million paths are 128 MB), enough that a run's inputs take a few passes.
const COLUMNS_PER_PASS: usize = 16;

/// Spearman rank correlation of every sampled input with each explained outcome, sorted by
/// decreasing |ρ|. Each column is read and ranked once.
fn sensitivity(
    s: &Scenario,
    names: &[String],
    explained: &[(String, usize)],
    weights: Option<&[f64]>,
    columns: &dyn Fn(&[usize]) -> Vec<Vec<f64>>,
) -> IndexMap<String, Vec<Sensitivity>> {
    // In a conditioned run, ranks and correlations are weighted by the paths' weights.
    let rank = |c: &[f64]| match weights {
        Some(w) => weighted_ranks(c, w),
        None => ranks(c),
    };
    let correlation = |a: &[f64], b: &[f64]| match weights {
        Some(w) => weighted_pearson(a, b, w),
        None => pearson(a, b),
    };
    let wanted: Vec<usize> = explained.iter().map(|(_, c)| *c).collect();
    let outcome_ranks: Vec<Vec<f64>> = columns(&wanted).iter().map(|c| rank(c)).collect();
    let inputs: Vec<usize> = (0..names.len())
        .filter(|i| s.find_input(&names[*i]).is_some())
        .collect();
    let mut rho: Vec<Vec<Sensitivity>> = vec![Vec::new(); explained.len()];
    for batch in inputs.chunks(COLUMNS_PER_PASS) {
        for (i, values) in batch.iter().zip(columns(batch)) {
            let input = rank(&values);
            for (k, outcome) in outcome_ranks.iter().enumerate() {
                let x = correlation(&input, outcome);
                if x.is_finite() {
                    rho[k].push(Sensitivity {
                        input: names[*i].clone(),
                        spearman: x,
                    });
                }
            }
        }
    }
    explained
        .iter()
        .zip(rho)
        .map(|((label, _), mut list)| {
            list.sort_by(|a, b| {
                b.spearman
                    .abs()
                    .total_cmp(&a.spearman.abs())
                    .then(a.input.cmp(&b.input))
            });
            (label.clone(), list)
        })
        .collect()
}
