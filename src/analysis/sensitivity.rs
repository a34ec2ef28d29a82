//! The [`SensitivitySummary`] of a sensitivity design: Sobol' first-order and total indices of
//! every input group (and of the model's own randomness) for each explained outcome, with
//! bootstrap intervals. `sensitivity.json` is its serialisation.

use crate::scenario::Scenario;
use crate::sensitivity::{
    Design, DesignRows, Explained, GroupKind, Grouping, Points, Settings, Transform, explained,
};
use crate::stats::fnv1a64;
use crate::stats::sobol::{Bootstrap, Estimate, SobolIndices};
use serde::{Deserialize, Serialize};

/// Bootstrap resamples of the design's rows.
pub const RESAMPLES: usize = 1000;

/// A target met (or missed) on fewer A and B paths than this is flagged as too rare.
pub const RARE: usize = 25;

/// The label of the model's own randomness among the groups.
pub const MODEL_RANDOMNESS: &str = "model randomness (cohorts, reviews, adoption draws)";

/// An index with its bootstrap standard error and 95% percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub value: f64,
    pub se: f64,
    pub ci95: [f64; 2],
}

impl From<Estimate> for Index {
    fn from(e: Estimate) -> Self {
        Index {
            value: e.value,
            se: e.se,
            ci95: [e.lo, e.hi],
        }
    }
}

/// One group's indices for one outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupIndices {
    /// The group's label (as in [`SensitivitySummary::groups`]).
    pub group: String,
    /// First order S_i: the share of the outcome's variance the group explains alone.
    pub first: Index,
    /// Total ST_i: the share it explains alone and through its interactions with the others.
    pub total: Index,
}

/// The indices of one explained outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeIndices {
    /// The target's label, or the outcome's name.
    pub label: String,
    /// What it is, for people: "P(…)" of a target, or the outcome's description.
    pub title: String,
    /// The outcome column it comes from (as in `outcomes.csv`).
    pub outcome: String,
    /// A target, explained as its indicator.
    pub target: bool,
    pub transform: Transform,
    /// The transform in words.
    pub explained_as: String,
    /// Mean and variance of the explained number over the A and B paths.
    pub mean: f64,
    pub variance: f64,
    /// Design rows used, and dropped because some run of the row had no finite value.
    pub rows_used: u64,
    pub rows_dropped: u64,
    /// Every A and B path gave the same value: nothing varies, every index is 0.
    pub constant_output: bool,
    /// Σ S_i over the groups (the model's randomness included): 1 for an additive model,
    /// 1 − Σ S_i is the share of variance due to interactions.
    pub first_order_sum: Index,
    /// One entry per group, in group order (the model's randomness last).
    pub indices: Vec<GroupIndices>,
    /// Why these indices may mislead: dropped rows, a target too rare for the rows.
    pub warnings: Vec<String>,
}

/// A group as the summary lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub label: String,
    pub kind: GroupKind,
    pub inputs: Vec<String>,
}

/// The bootstrap settings used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInfo {
    pub resamples: usize,
    pub confidence: f64,
    pub seed: u64,
}

/// Everything a sensitivity design shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivitySummary {
    pub scenario: String,
    pub description: String,
    pub version: String,
    pub scenario_hash: String,
    pub method: String,
    pub seed: u64,
    pub sampler: Points,
    pub grouping: Grouping,
    /// Whole design rows analysed (N).
    pub rows: u64,
    /// Paths per row: A, B, each AB_j, AB for the model's randomness.
    pub runs_per_row: u64,
    /// Paths that ran.
    pub paths: u64,
    pub until_se: Option<f64>,
    pub until_se_met: Option<bool>,
    pub bootstrap: BootstrapInfo,
    /// The input groups, then the model's randomness.
    pub groups: Vec<GroupInfo>,
    /// How to read the indices of this design (grouping, correlations, logs, base points).
    pub notes: Vec<String>,
    /// Targets first, then the headline outcomes; none that no whole row explains.
    pub outcomes: Vec<OutcomeIndices>,
    /// Every planned path ran.
    pub complete: bool,
}

impl SensitivitySummary {
    /// The indices of `design` of `s` from its `rows`, for a run with `settings` that `complete`d
    /// or not, and met its `until_se` rule or not.
    pub fn new(
        s: &Scenario,
        design: &Design,
        settings: &Settings,
        rows: &DesignRows,
        complete: bool,
        until_se_met: Option<bool>,
    ) -> Self {
        use rayon::prelude::*;
        let bootstrap = Bootstrap {
            resamples: RESAMPLES,
            seed: settings.seed ^ fnv1a64(b"sensitivity bootstrap"),
            confidence: 0.95,
        };
        let mut groups: Vec<GroupInfo> = design
            .groups
            .iter()
            .map(|g| GroupInfo {
                label: g.label.clone(),
                kind: g.kind,
                inputs: g.inputs.clone(),
            })
            .collect();
        groups.push(GroupInfo {
            label: MODEL_RANDOMNESS.to_owned(),
            kind: GroupKind::Model,
            inputs: Vec::new(),
        });
        let explained = explained::explained(s);
        let outcomes: Vec<OutcomeIndices> = explained
            .par_iter()
            .filter_map(|e| {
                let c = rows.names().iter().position(|n| *n == e.column)?;
                let r = rows
                    .sobol_rows(c, |x| e.transform.apply(x))
                    .analyze(&bootstrap)
                    .ok()?;
                Some(outcome(s, e, &r, &groups))
            })
            .collect();
        Self {
            scenario: s.name.clone(),
            description: s.description.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_hash: s.hash(),
            method: "Sobol' indices from a Saltelli design: first order by Saltelli et al. \
                     (2010), total by Jansen (1999); 95% intervals by bootstrap over design rows"
                .to_owned(),
            seed: settings.seed,
            sampler: design.points,
            grouping: design.grouping,
            rows: rows.rows(),
            runs_per_row: design.runs_per_row(),
            paths: rows.paths(),
            until_se: settings.until_se,
            until_se_met,
            bootstrap: BootstrapInfo {
                resamples: bootstrap.resamples,
                confidence: bootstrap.confidence,
                seed: bootstrap.seed,
            },
            notes: notes(s, design),
            groups,
            outcomes,
            complete,
        }
    }

    /// The largest standard error of any total index (0 with no outcome).
    pub fn max_total_se(&self) -> f64 {
        self.outcomes
            .iter()
            .flat_map(|o| o.indices.iter().map(|i| i.total.se))
            .fold(0.0, f64::max)
    }

    /// The indices of `outcome` by decreasing total index (ties: group order).
    pub fn ranked(outcome: &OutcomeIndices) -> Vec<&GroupIndices> {
        let mut list: Vec<&GroupIndices> = outcome.indices.iter().collect();
        list.sort_by(|a, b| b.total.value.total_cmp(&a.total.value));
        list
    }
}

/// One outcome's summary from its indices.
fn outcome(s: &Scenario, e: &Explained, r: &SobolIndices, groups: &[GroupInfo]) -> OutcomeIndices {
    let mut warnings = Vec::new();
    let rows = r.rows_used + r.rows_dropped;
    if r.rows_dropped > 0 {
        warnings.push(format!(
            "{} of {rows} design rows dropped: some run of the row has no value (no revenue, \
             or growth from nothing); the indices describe the other rows only",
            r.rows_dropped
        ));
    }
    if let Transform::Indicator { .. } = e.transform {
        // Among the 2N paths of A and B, how many meet the target, and how many miss it.
        let paths = 2 * r.rows_used;
        let hits = (r.mean * paths as f64).round() as usize;
        let fewer = hits.min(paths - hits);
        if fewer < RARE {
            warnings.push(format!(
                "only {fewer} of the {paths} A and B paths {} the target: too few for stable \
                 indices (add rows with --base)",
                if hits <= paths - hits { "meet" } else { "miss" }
            ));
        }
    }
    OutcomeIndices {
        warnings,
        label: e.label.clone(),
        title: title(s, e),
        outcome: e.column.clone(),
        target: e.target,
        transform: e.transform,
        explained_as: e.transform.describe(),
        mean: r.mean,
        variance: r.variance,
        rows_used: r.rows_used as u64,
        rows_dropped: r.rows_dropped as u64,
        constant_output: r.constant_output,
        first_order_sum: r.first_sum.into(),
        indices: groups
            .iter()
            .zip(r.first.iter().zip(&r.total))
            .map(|(g, (f, t))| GroupIndices {
                group: g.label.clone(),
                first: (*f).into(),
                total: (*t).into(),
            })
            .collect(),
    }
}

/// A person's title for an explained outcome.
fn title(s: &Scenario, e: &Explained) -> String {
    if e.target {
        return format!("P({})", e.label);
    }
    match e.column.as_str() {
        "collapse_factor" => format!(
            "Cost collapse of the reference task, {} to {} (log)",
            s.start, s.collapse_date
        ),
        "month_100x" => "Month of the 100x collapse".to_owned(),
        "volume_growth" => "Growth of paid token volume, first to last full year (log)".to_owned(),
        "price_decline" => "Fall of the blended price, first to last full year (log)".to_owned(),
        other => match other
            .strip_prefix("revenue.")
            .and_then(|r| r.rsplit_once('.'))
        {
            Some((vendor, year)) => format!("{vendor} revenue in {year} (log)"),
            None => other.to_owned(),
        },
    }
}

/// How to read this design's indices.
fn notes(s: &Scenario, design: &Design) -> Vec<String> {
    let mut notes = Vec::new();
    let joined: Vec<&str> = design
        .groups
        .iter()
        .filter(|g| matches!(g.kind, GroupKind::Correlated | GroupKind::LinkedSections))
        .map(|g| g.label.as_str())
        .collect();
    match design.grouping {
        Grouping::Inputs if !s.correlations.is_empty() => notes.push(format!(
            "--groups inputs: the scenario's {} [[correlation]]s are dropped and every input is \
             drawn independently, so these are the indices of a model with independent inputs, \
             not of the scenario as written (--groups auto keeps them).",
            s.correlations.len()
        )),
        Grouping::Inputs | Grouping::Auto if joined.is_empty() => notes.push(
            "Every uncertain input is its own group, drawn independently of the others (the \
             scenario has no [[correlation]] between them), as Sobol' indices assume."
                .to_owned(),
        ),
        Grouping::Inputs | Grouping::Auto => notes.push(format!(
            "Inputs linked by [[correlation]]s form one group, sampled jointly through the \
             copula, so the groups are independent of each other and the indices valid: {}.",
            joined.join("; ")
        )),
        Grouping::Sections if joined.is_empty() => notes.push(
            "One group per section of the scenario; no [[correlation]] links two sections, so \
             the groups are independent."
                .to_owned(),
        ),
        Grouping::Sections => notes.push(format!(
            "One group per section; sections linked by a [[correlation]] are joined so that the \
             groups stay independent: {}.",
            joined.join("; ")
        )),
    }
    let in_design: usize = design.groups.iter().map(|g| g.inputs.len()).sum();
    let left_out = s.inputs.iter().filter(|i| i.is_uncertain()).count() - in_design;
    if left_out > 0 {
        notes.push(format!(
            "{left_out} uncertain [[plan]] input(s) are left out (held at their medians): plans \
             belong to `stress`, and the market model never reads them."
        ));
    }
    notes.push(format!(
        "The model's own randomness (cohorts' attributes, review times, adoption draws, review \
         phases, commitment orders) is shared by the A path of a design row and its mixed paths, \
         so a mixed path differs from A in one group's inputs only; it is one more group, \
         \"{MODEL_RANDOMNESS}\", whose total index is the share of the outcome's variance that \
         no input explains."
    ));
    notes.push(
        "Targets are explained as their indicator (1 if a path meets the target: its mean is \
         the probability); the collapse factor, revenue, volume growth and price decline as \
         their natural logarithm (positive and heavy-tailed); the month of the 100x collapse as \
         a month index, a path where it never comes counting as the month after the horizon."
            .to_owned(),
    );
    notes.push(match design.points {
        Points::Random => "Base points: plain Monte Carlo, so design rows are independent and \
                           the bootstrap intervals have about their nominal 95% coverage."
            .to_owned(),
        Points::Sobol => "Base points: a scrambled Sobol' sequence (randomised quasi-Monte \
                          Carlo) for the inputs; the model's randomness stays plain Monte \
                          Carlo. The bootstrap treats rows as independent, which quasi-random \
                          rows are not: the intervals are conservative for smooth outcomes."
            .to_owned(),
    });
    if let Some(repair) = &design.repair {
        notes.push(format!(
            "The requested correlations were inconsistent and were replaced by the nearest \
             consistent matrix: {}",
            repair.to_string().replace('\n', " ")
        ));
    }
    notes
}
