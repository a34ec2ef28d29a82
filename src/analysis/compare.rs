//! Scenarios side by side (`infercast compare`): each scenario runs with the same seed and
//! path count, so path `i` draws the same values for the inputs the scenarios share (common
//! random numbers), and differences between scenarios are measured path by path.

use super::summary::{KEY_SCALARS, Probability, Summary};
use crate::scenario::metrics;
use crate::stats::{PairedDifference, paired_difference};
use serde::{Deserialize, Serialize};

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
            if !metrics::is_month(&t.outcome) && !out.contains(&t.outcome) {
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
