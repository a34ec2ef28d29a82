//! Scenarios side by side (`infercast compare`): each scenario runs with the same seed and
//! path count, so path `i` draws the same values for the inputs the scenarios share (common
//! random numbers), and differences between scenarios are measured path by path.
//!
//! Conditioned scenarios weigh each path. Two scenarios conditioned on the same observations
//! are still paired path by path, each path with its own weight in each scenario (identical
//! weights when the scenarios reproduce the observations identically). A scenario conditioned
//! on other observations than the reference (or only one of the two conditioned) is not
//! paired: its differences come from each scenario's own estimate, their errors added as if
//! independent, and the comparison says which scenario is conditioned.

pub use super::changes::Change;
use super::changes::{changes, observations};
use super::summary::{KEY_SCALARS, Probability, Summary, TargetResult, ThresholdValue, Weighing};
use crate::scenario::metrics;
use crate::stats::weights::WeightSum;
use crate::stats::{PairedDifference, Proportion, paired_difference};
use serde::{Deserialize, Serialize};

/// How a scenario's paths pair with the reference's (the first scenario's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pairing {
    /// Neither is conditioned: every path counts once in both.
    Plain,
    /// Both are conditioned on the same observations: paired path by path, each path with its
    /// weight in each scenario.
    SameObservations,
    /// One is conditioned and the other not, or they are conditioned on different
    /// observations: not paired.
    Unpaired,
}

/// One target's probability in each scenario: every target of every scenario is evaluated on
/// every scenario's paths (`None` only where a scenario has no such outcome, e.g. a month
/// outside its horizon).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRow {
    pub label: String,
    pub probabilities: Vec<Option<Probability>>,
    /// Whether each scenario declares the target (the others are evaluated on its definition
    /// in the first scenario that declares it).
    pub declared: Vec<bool>,
    /// Each scenario's probability minus the first's, with its 95% interval (paired variance
    /// on common random numbers where the scenarios pair); `None` for the first.
    pub differences: Vec<Option<PairedDifference>>,
}

/// The paired ratio (scenario ÷ reference) of a heavy-tailed outcome, path by path: its median
/// and quartiles over the paths where both values are positive and finite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatioRow {
    pub outcome: String,
    pub scenario: String,
    pub versus: String,
    pub pairing: Pairing,
    /// The median ratio; unpaired, the ratio of the two scenarios' medians.
    pub median: Option<f64>,
    /// The ratio's P25 and P75 (paired only).
    pub p25: Option<f64>,
    pub p75: Option<f64>,
    /// Paths with a ratio (paired), or 0.
    pub pairs: u64,
}

/// A paired difference of one outcome between a scenario and the first (the mean; kept in
/// `compare.json` for light-tailed outcomes and scripts, the reports show [`RatioRow`]s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DifferenceRow {
    pub outcome: String,
    pub scenario: String,
    pub versus: String,
    #[serde(flatten)]
    pub difference: PairedDifference,
}

/// The comparison of several runs (`compare.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub scenarios: Vec<String>,
    pub paths: u64,
    pub seed: u64,
    pub metrics: Vec<String>,
    /// Number of observations each scenario is conditioned on (0: not conditioned).
    pub observations: Vec<usize>,
    /// How each scenario pairs with the first (the first with itself).
    pub pairing: Vec<Pairing>,
    /// Every input, observation, target and plan setting that differs, with each value.
    pub changes: Vec<Change>,
    pub targets: Vec<TargetRow>,
    pub ratios: Vec<RatioRow>,
    pub differences: Vec<DifferenceRow>,
}

/// The outcomes compared path by path: the key scalars and every target's outcome (month
/// outcomes excepted: a month that never comes has no difference).
pub fn compared_outcomes(summaries: &[Summary]) -> Vec<String> {
    let mut out: Vec<String> = KEY_SCALARS.iter().map(|s| (*s).to_owned()).collect();
    for s in summaries {
        for t in &s.targets {
            if !metrics::is_month(&t.outcome) && !out.contains(&t.outcome) {
                out.push(t.outcome.clone());
            }
        }
    }
    out.retain(|o| summaries.iter().all(|s| s.outcomes.contains_key(o)));
    out
}

/// The outcomes whose paired ratio is shown: the compared outcomes and, for every vendor all
/// scenarios share, its revenue in the last year they all cover.
fn ratio_outcomes(summaries: &[Summary]) -> Vec<String> {
    let mut out = compared_outcomes(summaries);
    let last = summaries
        .iter()
        .filter_map(|s| s.years().last().copied())
        .min();
    if let (Some(first), Some(year)) = (summaries.first(), last) {
        for v in &first.vendors {
            let name = format!("revenue.{v}.{year}");
            if !out.contains(&name) && summaries.iter().all(|s| s.outcomes.contains_key(&name)) {
                out.push(name);
            }
        }
    }
    out
}

/// A scenario's path weights: normalised to sum to 1 (`None` when not conditioned), and their
/// sums in units for weighted probabilities.
struct Weights {
    normalised: Option<Vec<f64>>,
    sum: WeightSum,
    units: Vec<u64>,
}

impl Weights {
    /// The weights of a scenario whose `weight` column (in units) is `column`.
    fn of(column: Option<Vec<f64>>) -> Self {
        let Some(w) = column else {
            return Self {
                normalised: None,
                sum: WeightSum::default(),
                units: Vec::new(),
            };
        };
        let units: Vec<u64> = w
            .iter()
            .map(|x| if x.is_finite() { *x as u64 } else { 0 })
            .collect();
        let mut sum = WeightSum::default();
        for u in &units {
            sum.add(*u);
        }
        let total = sum.total as f64;
        let normalised = units.iter().map(|u| *u as f64 / total).collect();
        Self {
            normalised: Some(normalised),
            sum,
            units,
        }
    }

    /// The probability of the paths where `hits` is true.
    fn probability(&self, hits: &[bool], paths: u64) -> Probability {
        match &self.normalised {
            None => Proportion {
                successes: hits.iter().filter(|h| **h).count() as u64,
                n: paths,
            }
            .into(),
            Some(_) => {
                let w = Weighing {
                    paths,
                    total: self.sum.total,
                    ess: self.sum.ess(),
                    conditioned: true,
                };
                w.probability(
                    hits.iter()
                        .zip(&self.units)
                        .map(|(h, u)| u * u64::from(*h))
                        .sum(),
                )
            }
        }
    }
}

/// The difference `mean_b − mean_a` of two weighted columns (normalised weights `wa`, `wb`;
/// `None`: every path weighs the same), over the paths where both values are finite (weights
/// renormalised over them), with a 95% interval. Paired, its variance is the self-normalised
/// importance-sampling one with the pairs' covariance, `Σ (b̂ᵢ(yᵢ − μ_b) − âᵢ(xᵢ − μ_a))²`; unpaired,
/// the two scenarios' variances `Σ âᵢ²(xᵢ − μ_a)² + Σ b̂ᵢ²(yᵢ − μ_b)²` added. With no weights
/// and paired this is [`paired_difference`].
pub fn weighted_difference(
    a: &[f64],
    wa: Option<&[f64]>,
    b: &[f64],
    wb: Option<&[f64]>,
    paired: bool,
) -> PairedDifference {
    if wa.is_none() && wb.is_none() && paired {
        return paired_difference(a, b);
    }
    let keep: Vec<usize> = (0..a.len().min(b.len()))
        .filter(|&i| a[i].is_finite() && b[i].is_finite())
        .collect();
    let norm = |w: Option<&[f64]>| -> Vec<f64> {
        let raw: Vec<f64> = keep.iter().map(|&i| w.map_or(1.0, |w| w[i])).collect();
        let total: f64 = raw.iter().sum();
        raw.iter().map(|x| x / total).collect()
    };
    let (na, nb) = (norm(wa), norm(wb));
    let ma: f64 = keep.iter().zip(&na).map(|(&i, w)| w * a[i]).sum();
    let mb: f64 = keep.iter().zip(&nb).map(|(&i, w)| w * b[i]).sum();
    let var: f64 = keep
        .iter()
        .enumerate()
        .map(|(j, &i)| {
            let (da, db) = (na[j] * (a[i] - ma), nb[j] * (b[i] - mb));
            if paired {
                (db - da).powi(2)
            } else {
                da * da + db * db
            }
        })
        .sum();
    let (mean, se) = (mb - ma, var.sqrt());
    PairedDifference {
        mean,
        se,
        ci95: [mean - 1.96 * se, mean + 1.96 * se],
        pairs: keep
            .iter()
            .enumerate()
            .filter(|(j, _)| na[*j] > 0.0 || nb[*j] > 0.0)
            .count() as u64,
    }
}

/// The weighted lower quantile `q` of `(value, weight)` pairs: the smallest value whose
/// cumulative weight reaches `q` of the total (plain counts: the ⌈q·n⌉-th smallest value).
pub fn weighted_quantile(pairs: &[(f64, f64)], q: f64) -> Option<f64> {
    let mut v: Vec<(f64, f64)> = pairs
        .iter()
        .copied()
        .filter(|(x, w)| x.is_finite() && *w > 0.0)
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|(_, w)| w).sum();
    let mut acc = 0.0;
    for (x, w) in &v {
        acc += w;
        if acc >= q * total * (1.0 - 1e-12) {
            return Some(*x);
        }
    }
    None
}

/// Whether each path of `column` meets target `t` on a scenario whose months are `months`;
/// `None` when a month threshold lies outside `months`.
fn hits(t: &TargetResult, months: &[String], column: &[f64]) -> Option<Vec<bool>> {
    let threshold = match t.at_least.as_ref().or(t.at_most.as_ref())? {
        ThresholdValue::Number(x) => *x,
        ThresholdValue::Month(m) => months.iter().position(|x| x == m)? as f64 + 1.0,
    };
    let at_least = t.at_least();
    Some(
        column
            .iter()
            .map(|x| {
                if at_least {
                    *x >= threshold
                } else {
                    *x <= threshold
                }
            })
            .collect(),
    )
}

/// An outcome column of a scenario, in path order (`None` when the scenario has none).
pub type ColumnFn<'a> = dyn FnMut(usize, &str) -> std::io::Result<Option<Vec<f64>>> + 'a;

impl Comparison {
    /// Compares `summaries` (the first is the reference), whose resolved scenario texts are
    /// `resolved`. `column(k, name)` returns outcome column `name` of scenario `k` in path
    /// order (a conditioned run's `weight` column in units), or `None` when it has none.
    pub fn new(
        summaries: &[Summary],
        resolved: &[&str],
        metrics: &[String],
        column: &mut ColumnFn<'_>,
    ) -> std::io::Result<Self> {
        let n = summaries.len();
        let observed: Vec<_> = resolved.iter().map(|r| observations(r)).collect();
        let pairing: Vec<Pairing> = (0..n)
            .map(|k| match (&observed[0], &observed[k]) {
                (None, None) => Pairing::Plain,
                (a, b) if a == b => Pairing::SameObservations,
                _ => Pairing::Unpaired,
            })
            .collect();
        let mut weights = Vec::with_capacity(n);
        for (k, s) in summaries.iter().enumerate() {
            let w = match s.conditioning {
                Some(_) => column(k, "weight")?,
                None => None,
            };
            weights.push(Weights::of(w));
        }
        let targets = target_rows(summaries, &pairing, &weights, column)?;
        let (ratios, differences) = ratio_rows(summaries, &pairing, &weights, column)?;
        Ok(Self {
            scenarios: summaries.iter().map(|s| s.scenario.clone()).collect(),
            paths: summaries.first().map_or(0, |s| s.paths),
            seed: summaries.first().map_or(0, |s| s.seed),
            metrics: metrics.to_vec(),
            observations: summaries
                .iter()
                .map(|s| s.conditioning.as_ref().map_or(0, |c| c.observations))
                .collect(),
            pairing,
            changes: changes(resolved),
            targets,
            ratios,
            differences,
        })
    }
}

/// Every target of every scenario, evaluated on every scenario, with its paired difference
/// from the first scenario.
fn target_rows(
    summaries: &[Summary],
    pairing: &[Pairing],
    weights: &[Weights],
    column: &mut ColumnFn<'_>,
) -> std::io::Result<Vec<TargetRow>> {
    let mut defs: Vec<&TargetResult> = Vec::new();
    for s in summaries {
        for t in &s.targets {
            if !defs.iter().any(|d| d.label == t.label) {
                defs.push(t);
            }
        }
    }
    let mut rows = Vec::new();
    for def in defs {
        let mut probabilities = Vec::new();
        let mut declared = Vec::new();
        let mut all_hits: Vec<Option<Vec<bool>>> = Vec::new();
        for (k, s) in summaries.iter().enumerate() {
            let own = s.targets.iter().find(|t| t.label == def.label);
            let t = own.unwrap_or(def);
            let h = match column(k, &t.outcome)? {
                Some(c) => hits(t, &s.months, &c),
                None => None,
            };
            declared.push(own.is_some());
            probabilities.push(match (own, &h) {
                (Some(t), _) => Some(t.result),
                (None, Some(h)) => Some(weights[k].probability(h, s.paths)),
                (None, None) => None,
            });
            all_hits.push(h);
        }
        let as_f64 =
            |h: &[bool]| -> Vec<f64> { h.iter().map(|x| f64::from(u8::from(*x))).collect() };
        let differences = (0..summaries.len())
            .map(|k| {
                let (Some(h0), Some(hk)) = (&all_hits[0], &all_hits[k]) else {
                    return None;
                };
                (k > 0).then(|| {
                    weighted_difference(
                        &as_f64(h0),
                        weights[0].normalised.as_deref(),
                        &as_f64(hk),
                        weights[k].normalised.as_deref(),
                        pairing[k] != Pairing::Unpaired,
                    )
                })
            })
            .collect();
        rows.push(TargetRow {
            label: def.label.clone(),
            probabilities,
            declared,
            differences,
        });
    }
    Ok(rows)
}

/// The paired ratios of the heavy-tailed outcomes and the mean differences of the compared
/// outcomes, each scenario against the first.
fn ratio_rows(
    summaries: &[Summary],
    pairing: &[Pairing],
    weights: &[Weights],
    column: &mut ColumnFn<'_>,
) -> std::io::Result<(Vec<RatioRow>, Vec<DifferenceRow>)> {
    let compared = compared_outcomes(summaries);
    let (mut ratios, mut differences) = (Vec::new(), Vec::new());
    for outcome in ratio_outcomes(summaries) {
        let Some(first) = column(0, &outcome)? else {
            continue;
        };
        let w0 = weights[0].normalised.as_deref();
        for (k, s) in summaries.iter().enumerate().skip(1) {
            let Some(other) = column(k, &outcome)? else {
                continue;
            };
            let wk = weights[k].normalised.as_deref();
            let paired = pairing[k] != Pairing::Unpaired;
            ratios.push(ratio(&first, w0, &other, wk, paired).named(
                &outcome,
                &s.scenario,
                &summaries[0].scenario,
                pairing[k],
            ));
            if compared.contains(&outcome) {
                differences.push(DifferenceRow {
                    outcome: outcome.clone(),
                    scenario: s.scenario.clone(),
                    versus: summaries[0].scenario.clone(),
                    difference: weighted_difference(&first, w0, &other, wk, paired),
                });
            }
        }
    }
    Ok((ratios, differences))
}

/// A ratio's figures before it is named.
struct Ratio {
    median: Option<f64>,
    p25: Option<f64>,
    p75: Option<f64>,
    pairs: u64,
}

impl Ratio {
    fn named(self, outcome: &str, scenario: &str, versus: &str, pairing: Pairing) -> RatioRow {
        RatioRow {
            outcome: outcome.to_owned(),
            scenario: scenario.to_owned(),
            versus: versus.to_owned(),
            pairing,
            median: self.median,
            p25: self.p25,
            p75: self.p75,
            pairs: self.pairs,
        }
    }
}

/// The ratio `b ÷ a` path by path over the paths where both are positive and finite, each
/// path weighing the mean of its two normalised weights (1 when neither is conditioned);
/// unpaired, the ratio of the two weighted medians.
fn ratio(a: &[f64], wa: Option<&[f64]>, b: &[f64], wb: Option<&[f64]>, paired: bool) -> Ratio {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    if !paired {
        let median = |x: &[f64], w: Option<&[f64]>| {
            let v: Vec<(f64, f64)> = (0..x.len())
                .filter(|&i| ok(x[i]))
                .map(|i| (x[i], w.map_or(1.0, |w| w[i])))
                .collect();
            weighted_quantile(&v, 0.5)
        };
        let m = median(b, wb).zip(median(a, wa)).map(|(y, x)| y / x);
        return Ratio {
            median: m,
            p25: None,
            p75: None,
            pairs: 0,
        };
    }
    let pairs: Vec<(f64, f64)> = (0..a.len().min(b.len()))
        .filter(|&i| ok(a[i]) && ok(b[i]))
        .map(|i| {
            let w = match (wa, wb) {
                (Some(x), Some(y)) => (x[i] + y[i]) / 2.0,
                (Some(x), None) | (None, Some(x)) => x[i],
                (None, None) => 1.0,
            };
            (b[i] / a[i], w)
        })
        .filter(|(_, w)| *w > 0.0)
        .collect();
    Ratio {
        median: weighted_quantile(&pairs, 0.5),
        p25: weighted_quantile(&pairs, 0.25),
        p75: weighted_quantile(&pairs, 0.75),
        pairs: pairs.len() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_paired_difference_matches_a_hand_computation() {
        // Three paths; weights 1, 1, 2 in both scenarios (normalised 1/4, 1/4, 1/2).
        let w = [0.25, 0.25, 0.5];
        let a = [0.0, 1.0, 0.0];
        let b = [1.0, 1.0, 0.0];
        let d = weighted_difference(&a, Some(&w), &b, Some(&w), true);
        // μa = 1/4, μb = 1/2, D = 1/4. Terms wᵢ((bᵢ − μb) − (aᵢ − μa)):
        // 1/4 (1/2 + 1/4) = 3/16, 1/4 (1/2 − 3/4) = −1/16, 1/2 (−1/2 + 1/4) = −1/8.
        let var = (3.0f64 / 16.0).powi(2) + (1.0f64 / 16.0).powi(2) + (1.0f64 / 8.0).powi(2);
        assert!((d.mean - 0.25).abs() < 1e-15, "{d:?}");
        assert!((d.se - var.sqrt()).abs() < 1e-12, "{d:?}");
        assert!((d.ci95[0] - (0.25 - 1.96 * var.sqrt())).abs() < 1e-15);
        assert_eq!(d.pairs, 3);
        // A scenario against itself: no difference, no error.
        let same = weighted_difference(&a, Some(&w), &a, Some(&w), true);
        assert_eq!((same.mean, same.se), (0.0, 0.0));
        // Unpaired: the two variances added, Σ âᵢ²(xᵢ − μa)² + Σ b̂ᵢ²(yᵢ − μb)².
        let u = weighted_difference(&a, Some(&w), &b, None, false);
        let (mb, wb): (f64, f64) = (2.0 / 3.0, 1.0 / 3.0);
        let va = (0.25f64 * 0.25).powi(2) + (0.25f64 * 0.75).powi(2) + (0.5f64 * 0.25).powi(2);
        let vb = 2.0 * (wb * (1.0 - mb)).powi(2) + (wb * mb).powi(2);
        assert!((u.mean - (mb - 0.25)).abs() < 1e-12);
        assert!((u.se - (va + vb).sqrt()).abs() < 1e-12, "{u:?}");
        // No weights, paired: the plain paired difference (n − 1 in the variance).
        assert_eq!(
            weighted_difference(&a, None, &b, None, true),
            paired_difference(&a, &b)
        );
    }

    #[test]
    fn weighted_quantiles_and_paired_ratios() {
        let v = [(3.0, 1.0), (1.0, 1.0), (2.0, 2.0), (f64::NAN, 5.0)];
        assert_eq!(weighted_quantile(&v, 0.25), Some(1.0));
        assert_eq!(weighted_quantile(&v, 0.5), Some(2.0));
        assert_eq!(weighted_quantile(&v, 0.75), Some(2.0));
        assert_eq!(weighted_quantile(&v, 0.76), Some(3.0));
        // Ratios 2, 3, 4 (the path with a zero is left out): median 3, P25 2, P75 4.
        let r = ratio(
            &[1.0, 1.0, 0.0, 2.0],
            None,
            &[2.0, 3.0, 5.0, 8.0],
            None,
            true,
        );
        assert_eq!(
            (r.median, r.p25, r.p75, r.pairs),
            (Some(3.0), Some(2.0), Some(4.0), 3)
        );
    }
}
