//! What the observations did to a conditioned run: the evidence (observations, effective
//! sample size), the prior figures beside the posterior ones, where each observation falls in
//! the prior predictive (the model check), and how far the observations moved each input.

use super::distribution::{Distribution, range};
use super::summary::{Probability, Quantiles, Weighing};
use crate::run::{Counts, RunResult};
use crate::scenario::{Evidence, Observation, ObservedAt, Scenario, Spread};
use crate::stats::Histogram;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// The evidence a conditioned run rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conditioning {
    /// Number of `[[observation]]`s.
    pub observations: usize,
    pub paths: u64,
    /// Kish's effective sample size of the paths' weights.
    pub ess: f64,
    /// Paths whose weight is above 0.
    pub weighing_paths: u64,
}

/// The run's figures before the observations (the prior), for the "what changed" table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorView {
    /// Each target's prior probability, in the order of `Summary::targets`.
    pub targets: Vec<Probability>,
    pub revenue_stall: Probability,
    /// Prior quantiles of every outcome column.
    pub outcomes: IndexMap<String, Quantiles>,
}

/// An observation as stated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Observed {
    /// A value with a lognormal (`sd_log`) or normal (`sd`) error.
    Value {
        value: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        sd_log: Option<f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        sd: Option<f64>,
    },
    /// At least `bound` (soft with `sd_log`).
    AtLeast {
        bound: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        sd_log: Option<f64>,
    },
    AtMost {
        bound: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        sd_log: Option<f64>,
    },
    Between {
        low: f64,
        high: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        sd_log: Option<f64>,
    },
}

impl Observed {
    fn of(e: &Evidence) -> Self {
        match *e {
            Evidence::Point { value, spread } => Observed::Value {
                value,
                sd_log: matches!(spread, Spread::Log(_)).then_some(spread.size()),
                sd: matches!(spread, Spread::Abs(_)).then_some(spread.size()),
            },
            Evidence::AtLeast { bound, soft } => Observed::AtLeast {
                bound,
                sd_log: soft,
            },
            Evidence::AtMost { bound, soft } => Observed::AtMost {
                bound,
                sd_log: soft,
            },
            Evidence::Between { low, high, soft } => Observed::Between {
                low,
                high,
                sd_log: soft,
            },
        }
    }

    /// The observation's range: a value's 95% error bars, a bound and ±∞, an interval.
    pub fn range(&self) -> (f64, f64) {
        const Z: f64 = 1.959_963_984_540_054;
        match *self {
            Observed::Value {
                value,
                sd_log: Some(sd),
                ..
            } => (value * (-Z * sd).exp(), value * (Z * sd).exp()),
            Observed::Value { value, sd, .. } => {
                let sd = sd.unwrap_or(0.0);
                (value - Z * sd, value + Z * sd)
            }
            Observed::AtLeast { bound, .. } => (bound, f64::INFINITY),
            Observed::AtMost { bound, .. } => (f64::NEG_INFINITY, bound),
            Observed::Between { low, high, .. } => (low, high),
        }
    }
}

/// Where an observation falls among the paths before and after conditioning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationCheck {
    pub name: String,
    pub metric: String,
    /// The outcome column of the observed figure.
    pub column: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    pub observed: Observed,
    /// The observed value, or the middle of the observed range.
    pub value: f64,
    /// The prior predictive: the figure's quantiles over the paths before the observations.
    pub prior: Quantiles,
    /// The posterior: the same after them.
    pub posterior: Quantiles,
    /// The share of the prior predictive at or below the observed value.
    pub percentile: f64,
    /// The observed range lies wholly outside the prior predictive's P0.5–P99.5: the model
    /// rarely produces this.
    pub surprising: bool,
    pub source: Option<String>,
}

/// How far the observations moved an input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputShift {
    pub input: String,
    pub prior: Quantiles,
    pub posterior: Quantiles,
    /// How far apart the prior and posterior distributions are: the largest difference of
    /// their cumulative shares at either one's P5, P50 and P95 (a Kolmogorov distance at six
    /// points): 0 when the observations left the input as it was, 0.45 when the posterior
    /// median sits at the prior's P5.
    pub shift: f64,
    /// Prior and posterior display histograms on the same bins (the most moved inputs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub densities: Option<[Distribution; 2]>,
}

/// How many of the most moved inputs get their densities drawn.
pub const DRAWN_SHIFTS: usize = 5;

/// The weighing of the prior counts of a conditioned run.
fn prior_weighing(r: &RunResult) -> Option<(&Counts, Weighing)> {
    let prior = r.tally.prior.as_ref()?;
    Some((prior, Weighing::of(prior, r.tally.paths, true)))
}

impl Conditioning {
    /// The evidence of conditioned run `r` of `s` (`None` when it has no observations).
    pub fn of(s: &Scenario, r: &RunResult) -> Option<Self> {
        r.tally.prior.as_ref()?;
        let w = &r.tally.counts.weights;
        Some(Self {
            observations: s.observations.len(),
            paths: r.tally.paths,
            ess: w.ess(),
            weighing_paths: w.weighing,
        })
    }
}

impl PriorView {
    /// The prior figures of conditioned run `r` (`None` when unconditioned).
    pub fn of(r: &RunResult) -> Option<Self> {
        let (prior, w) = prior_weighing(r)?;
        let names = &r.outcomes.names()[1..];
        Some(Self {
            targets: prior
                .target_hits
                .iter()
                .map(|h| w.probability(*h))
                .collect(),
            revenue_stall: w.probability(prior.revenue_stalls),
            outcomes: names
                .iter()
                .zip(&prior.columns)
                .map(|(n, h)| (n.clone(), w.quantiles(h)))
                .collect(),
        })
    }
}

/// The column of `o` among the outcome names (after `path`).
fn column_of(names: &[String], o: &Observation) -> Option<usize> {
    names.iter().position(|n| *n == o.column())
}

/// Each observation of conditioned run `r` against the prior predictive and the posterior.
pub fn observation_checks(s: &Scenario, r: &RunResult, post: &Weighing) -> Vec<ObservationCheck> {
    let Some((prior, w)) = prior_weighing(r) else {
        return Vec::new();
    };
    let names = &r.outcomes.names()[1..];
    s.observations
        .iter()
        .filter_map(|o| {
            let c = column_of(names, o)?;
            let h = &prior.columns[c];
            let observed = Observed::of(&o.evidence);
            let (lo, hi) = observed.range();
            let (p005, p995) = (h.quantile(0.005), h.quantile(0.995));
            Some(ObservationCheck {
                name: o.name.clone(),
                metric: o.metric.clone(),
                column: o.column(),
                year: match o.at {
                    ObservedAt::Year(y) => Some(y),
                    _ => None,
                },
                month: match o.at {
                    ObservedAt::Month(m) => Some(m.to_string()),
                    _ => None,
                },
                value: o.central(),
                prior: w.quantiles(h),
                posterior: post.quantiles(&r.tally.counts.columns[c]),
                percentile: h.cdf(o.central()),
                surprising: hi < p005 || lo > p995,
                observed,
                source: o.source.clone(),
            })
        })
        .collect()
}

/// The largest `|F_prior(x) − F_posterior(x)|` over either distribution's P5, P50 and P95.
fn shift(prior: &Histogram, posterior: &Histogram, q: [&Quantiles; 2]) -> f64 {
    q.iter()
        .flat_map(|q| [q.p5, q.p50, q.p95])
        .flatten()
        .map(|x| (prior.cdf(x) - posterior.cdf(x)).abs())
        .fold(0.0, f64::max)
}

/// Prior and posterior display histograms of one input on common bins.
fn densities(
    prior: &Histogram,
    post: &Histogram,
    w: (&Weighing, &Weighing),
) -> Option<[Distribution; 2]> {
    let (a, b) = (range(prior)?, range(post)?);
    let (lo, hi) = (a.0.min(b.0), a.1.max(b.1));
    Some([
        Distribution::over(prior, lo, hi).in_paths(w.0),
        Distribution::over(post, lo, hi).in_paths(w.1),
    ])
}

/// Every uncertain input of conditioned run `r`, by how far the observations moved it (most
/// first); the first [`DRAWN_SHIFTS`] with their densities.
pub fn input_shifts(s: &Scenario, r: &RunResult, post: &Weighing) -> Vec<InputShift> {
    let Some((prior, w)) = prior_weighing(r) else {
        return Vec::new();
    };
    let names = &r.outcomes.names()[1..];
    let mut out: Vec<(InputShift, usize)> = names
        .iter()
        .enumerate()
        .filter_map(|(c, name)| {
            s.find_input(name)?;
            let (before, after) = (&prior.columns[c], &r.tally.counts.columns[c]);
            let (prior_q, posterior) = (w.quantiles(before), post.quantiles(after));
            Some((
                InputShift {
                    input: name.clone(),
                    shift: shift(before, after, [&prior_q, &posterior]),
                    prior: prior_q,
                    posterior,
                    densities: None,
                },
                c,
            ))
        })
        .collect();
    out.sort_by(|a, b| {
        b.0.shift
            .total_cmp(&a.0.shift)
            .then(a.0.input.cmp(&b.0.input))
    });
    for (shift, c) in out.iter_mut().take(DRAWN_SHIFTS) {
        shift.densities = densities(&prior.columns[*c], &r.tally.counts.columns[*c], (&w, post));
    }
    out.into_iter().map(|(s, _)| s).collect()
}

/// Why no path of conditioned run `r` carries any weight: each observation with the range of
/// the figure over the paths (`None` when some path weighs something).
pub fn unreproducible(s: &Scenario, r: &RunResult) -> Option<String> {
    let prior = r.tally.prior.as_ref()?;
    if r.tally.counts.weights.weighing > 0 {
        return None;
    }
    let names = &r.outcomes.names()[1..];
    let mut lines = vec![format!(
        "no path of {} reproduces the observations: every path's weight is 0 (log-weight below −28.4), so there is no conditioned forecast",
        r.tally.paths
    )];
    for o in &s.observations {
        let Some(c) = column_of(names, o) else {
            continue;
        };
        let h = &prior.columns[c];
        let (lo, hi) = Observed::of(&o.evidence).range();
        lines.push(format!(
            "  {}: observed {} to {}; the paths' {} runs from {} to {} (P0.5–P99.5), {} without a value",
            o.name,
            lo,
            hi,
            o.column(),
            h.quantile(0.005),
            h.quantile(0.995),
            h.missing()
        ));
    }
    lines.push("check each observation (its value, its unit, its error) or the model".to_owned());
    Some(lines.join("\n"))
}
