//! Scenarios side by side (`infercast compare`): each scenario runs with the same seed and
//! path count, so path `i` draws the same values for the inputs the scenarios share (common
//! random numbers), and differences between scenarios are measured path by path.

use crate::report::Summary;
use crate::report::summary::{KEY_SCALARS, Probability};
use serde::{Deserialize, Serialize};

/// The mean of paired differences `b_i − a_i` with its standard error and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairedDifference {
    pub mean: f64,
    pub se: f64,
    /// mean ± 1.96 · se.
    pub ci95: [f64; 2],
    /// Paths where both values are finite (the others are left out).
    pub pairs: u64,
}

/// The mean difference `b − a` over paths where both are finite, with the standard error of
/// that mean (sample standard deviation of the differences over √n).
pub fn paired_difference(a: &[f64], b: &[f64]) -> PairedDifference {
    let d: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| y - x)
        .filter(|d| d.is_finite())
        .collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let var = if d.len() > 1 {
        d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        f64::NAN
    };
    let se = (var / n).sqrt();
    PairedDifference {
        mean,
        se,
        ci95: [mean - 1.96 * se, mean + 1.96 * se],
        pairs: d.len() as u64,
    }
}

/// One target's probability in each scenario (`None` where a scenario does not set it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRow {
    pub label: String,
    pub probabilities: Vec<Option<Probability>>,
}

/// A paired difference of one outcome between a scenario and the first.
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
    pub targets: Vec<TargetRow>,
    pub differences: Vec<DifferenceRow>,
}

/// The outcomes compared path by path: the key scalars and every target's outcome (month
/// outcomes excepted: a month that never comes has no difference).
pub fn compared_outcomes(summaries: &[Summary]) -> Vec<String> {
    let mut out: Vec<String> = KEY_SCALARS.iter().map(|s| (*s).to_owned()).collect();
    for s in summaries {
        for t in &s.targets {
            if !t.outcome.starts_with("month_") && !out.contains(&t.outcome) {
                out.push(t.outcome.clone());
            }
        }
    }
    out.retain(|o| summaries.iter().all(|s| s.outcomes.contains_key(o)));
    out
}

impl Comparison {
    /// Compares `summaries` (the first is the reference). `column(k, name)` returns outcome
    /// column `name` of scenario `k` in path order.
    pub fn new(
        summaries: &[Summary],
        metrics: &[String],
        column: &mut dyn FnMut(usize, &str) -> std::io::Result<Vec<f64>>,
    ) -> std::io::Result<Self> {
        let mut labels: Vec<String> = Vec::new();
        for s in summaries {
            for t in &s.targets {
                if !labels.contains(&t.label) {
                    labels.push(t.label.clone());
                }
            }
        }
        let targets = labels
            .into_iter()
            .map(|label| TargetRow {
                probabilities: summaries
                    .iter()
                    .map(|s| {
                        s.targets
                            .iter()
                            .find(|t| t.label == label)
                            .map(|t| t.result)
                    })
                    .collect(),
                label,
            })
            .collect();
        let mut differences = Vec::new();
        for outcome in compared_outcomes(summaries) {
            let first = column(0, &outcome)?;
            for (k, s) in summaries.iter().enumerate().skip(1) {
                differences.push(DifferenceRow {
                    outcome: outcome.clone(),
                    scenario: s.scenario.clone(),
                    versus: summaries[0].scenario.clone(),
                    difference: paired_difference(&first, &column(k, &outcome)?),
                });
            }
        }
        Ok(Self {
            scenarios: summaries.iter().map(|s| s.scenario.clone()).collect(),
            paths: summaries.first().map_or(0, |s| s.paths),
            seed: summaries.first().map_or(0, |s| s.seed),
            metrics: metrics.to_vec(),
            targets,
            differences,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_difference_by_hand() {
        // d = [1, 3, 2, 6]: mean 3, sample variance (4 + 0 + 1 + 9) / 3 = 14/3.
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [2.0, 5.0, 5.0, 10.0];
        let p = paired_difference(&a, &b);
        assert_eq!(p.mean, 3.0);
        let se = (14.0f64 / 3.0 / 4.0).sqrt();
        assert!((p.se - se).abs() < 1e-15);
        assert!((p.ci95[0] - (3.0 - 1.96 * se)).abs() < 1e-12);
        assert!((p.ci95[1] - (3.0 + 1.96 * se)).abs() < 1e-12);
        assert_eq!(p.pairs, 4);
        // Pairs with a non-finite value are left out.
        let p = paired_difference(&[1.0, f64::NAN, 3.0], &[2.0, 1.0, f64::INFINITY]);
        assert_eq!((p.mean, p.pairs), (1.0, 1));
        // Identical columns differ by exactly zero.
        let p = paired_difference(&b, &b);
        assert_eq!((p.mean, p.se, p.ci95), (0.0, 0.0, [0.0, 0.0]));
    }
}
