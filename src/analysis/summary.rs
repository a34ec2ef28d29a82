//! The [`Summary`] of a run: everything the files, charts, report and terminal table show,
//! computed once from the run's tally and outcome rows. `summary.json` is its serialisation
//! (the monthly series are in `series.csv` instead).

use crate::run::{RunResult, Settings};
use crate::scenario::{Direction, Marginal, Scenario, Threshold, metrics};
use crate::stats::{Histogram, Proportion, QUANTILES, pearson, ranks};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// A probability estimated from paths: Monte Carlo standard error and 95% Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probability {
    pub probability: f64,
    pub se: f64,
    pub wilson95: [f64; 2],
    pub successes: u64,
    pub paths: u64,
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

/// The distribution of an outcome over paths, in display bins: `counts[i]` values fall in
/// `[edges[i], edges[i+1])`; values beyond the edges are counted in the end bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Bins of equal width in log10(x) (true) or x (false).
    pub log: bool,
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
    /// Paths whose outcome is +∞ (a month that never came; growth from nothing), not in the
    /// bins.
    pub never: u64,
}

/// Display bins per distribution.
const DISPLAY_BINS: usize = 40;

impl Distribution {
    /// The display bins of the finite values of `h` (P0.5 to P99.5 of those); `None` when it
    /// has none.
    fn of(h: &Histogram) -> Option<Self> {
        let finite: Vec<(f64, u64)> = h.bins().filter(|(x, _)| x.is_finite()).collect();
        let n: u64 = finite.iter().map(|b| b.1).sum();
        let at = |q: f64| {
            let rank = ((q * n as f64).ceil() as u64).clamp(1, n.max(1));
            let mut seen = 0;
            finite
                .iter()
                .find(|(_, c)| {
                    seen += c;
                    seen >= rank
                })
                .map(|b| b.0)
        };
        let (lo, hi) = (at(0.005)?, at(0.995)?);
        let log = lo > 0.0 && hi / lo > 20.0;
        let (mut a, mut b) = if log {
            (lo.log10(), hi.log10())
        } else {
            (lo, hi)
        };
        if b - a < 1e-9 * a.abs().max(1.0) {
            let pad = (a.abs() * 0.1).max(if log { 0.05 } else { 1e-9 });
            (a, b) = (a - pad, b + pad);
        }
        let width = (b - a) / DISPLAY_BINS as f64;
        let edges: Vec<f64> = (0..=DISPLAY_BINS)
            .map(|i| {
                let e = a + width * i as f64;
                if log { 10f64.powf(e) } else { e }
            })
            .collect();
        let mut counts = vec![0u64; DISPLAY_BINS];
        let mut never = 0;
        for (x, c) in h.bins() {
            if x.is_infinite() {
                never += u64::from(x > 0.0) * c;
                continue;
            }
            let t = if log {
                x.max(f64::MIN_POSITIVE).log10()
            } else {
                x
            };
            let i = ((t - a) / width)
                .floor()
                .clamp(0.0, DISPLAY_BINS as f64 - 1.0) as usize;
            counts[i] += c;
        }
        Some(Self {
            log,
            edges,
            counts,
            never,
        })
    }
}

/// One uncertain input as the report's assumptions table shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assumption {
    pub input: String,
    /// The distribution as the scenario states it.
    pub distribution: String,
    pub median: f64,
    pub p5: f64,
    pub p95: f64,
    /// The comment on (or right above) its line in the scenario file.
    pub source: Option<String>,
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
    /// Per monthly series, its quantiles month by month.
    #[serde(skip)]
    pub series: IndexMap<String, Vec<Quantiles>>,
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
        series: IndexMap<String, Vec<Quantiles>>,
        columns: &dyn Fn(&[usize]) -> Vec<Vec<f64>>,
    ) -> Self {
        let n = r.tally.paths;
        let names = &r.outcomes.names()[1..];
        let months: Vec<String> = (0..s.months())
            .map(|m| s.start.plus(m as i32).to_string())
            .collect();
        let targets = target_results(s, &r.tally.target_hits, n);
        let outcomes: IndexMap<String, Quantiles> = names
            .iter()
            .zip(&r.tally.columns)
            .map(|(name, h)| (name.clone(), Quantiles::of(h)))
            .collect();
        let curve = |counts: &[u64]| date_curve(counts, &months, n);
        let explained = explained(names, &targets);
        let sensitivity = sensitivity(s, names, &explained, columns);
        // Month outcomes are shown by the event-date curves instead.
        let distributions = explained
            .iter()
            .filter(|(_, c)| !metrics::is_month(&names[*c]))
            .filter_map(|(_, c)| {
                Distribution::of(&r.tally.columns[*c]).map(|d| (names[*c].clone(), d))
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
            revenue_stall: Proportion {
                successes: r.tally.revenue_stalls,
                n,
            }
            .into(),
            outcomes,
            date_curves: DateCurves {
                month_100x: curve(&r.tally.month_100x),
                month_zero_marginal: curve(&r.tally.month_zero_marginal),
            },
            sensitivity,
            distributions,
            assumptions: assumptions(s),
            series,
            months,
        }
    }

    /// The label of 1-based month index `x` (a month scalar's value), or "never".
    pub fn month_label(&self, x: Option<f64>) -> String {
        x.filter(|x| x.is_finite() && *x >= 1.0)
            .and_then(|x| self.months.get(x as usize - 1))
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
fn target_results(s: &Scenario, hits: &[u64], n: u64) -> Vec<TargetResult> {
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
                result: Proportion {
                    successes: *hits,
                    n,
                }
                .into(),
            }
        })
        .collect()
}

/// The probability that an event has come by each month, from the paths whose event month is
/// each month (`counts`).
fn date_curve(counts: &[u64], months: &[String], n: u64) -> Vec<MonthProbability> {
    let mut cum = 0;
    counts
        .iter()
        .zip(months)
        .map(|(c, month)| {
            cum += c;
            MonthProbability {
                month: month.clone(),
                probability: cum as f64 / n as f64,
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
    s.inputs
        .iter()
        .filter(|i| i.is_uncertain())
        .map(|i| Assumption {
            input: i.name.clone(),
            distribution: i.dist.describe(),
            median: i.dist.median(),
            p5: i.dist.quantile(0.05),
            p95: i.dist.quantile(0.95),
            source: i.source.clone(),
        })
        .collect()
}

/// Each monthly series' quantiles, month by month, from run `r`'s sketches.
pub fn series_quantiles(r: &RunResult) -> IndexMap<String, Vec<Quantiles>> {
    let months = r.tally.series.len() / r.layout.len().max(1);
    r.layout
        .names()
        .iter()
        .zip(r.tally.series.chunks(months.max(1)))
        .map(|(name, hs)| (name.clone(), hs.iter().map(Quantiles::of).collect()))
        .collect()
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
    columns: &dyn Fn(&[usize]) -> Vec<Vec<f64>>,
) -> IndexMap<String, Vec<Sensitivity>> {
    let wanted: Vec<usize> = explained.iter().map(|(_, c)| *c).collect();
    let outcome_ranks: Vec<Vec<f64>> = columns(&wanted).iter().map(|c| ranks(c)).collect();
    let inputs: Vec<usize> = (0..names.len())
        .filter(|i| s.find_input(&names[*i]).is_some())
        .collect();
    let mut rho: Vec<Vec<Sensitivity>> = vec![Vec::new(); explained.len()];
    for batch in inputs.chunks(COLUMNS_PER_PASS) {
        for (i, values) in batch.iter().zip(columns(batch)) {
            let input = ranks(&values);
            for (k, outcome) in outcome_ranks.iter().enumerate() {
                let x = pearson(&input, outcome);
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
