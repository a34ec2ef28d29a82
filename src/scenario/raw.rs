//! The scenario file as serde reads it: every table with `deny_unknown_fields`, every number
//! a [`RawParam`] (a number, a distribution table, or for a few fields a keyword). Nothing
//! here is validated beyond types; see `build/` for the checks.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A number as written: a plain number, a distribution table, or a keyword
/// (`"unlimited"`, `"model"`) where a field allows one.
#[derive(Debug, Clone, PartialEq)]
pub enum RawParam {
    Number(f64),
    Dist(Box<RawDist>),
    Word(String),
}

impl<'de> Deserialize<'de> for RawParam {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawParam;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number or a distribution such as { dist = \"normal\", mean = 1.0, sd = 0.2 }",
                )
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawParam, E> {
                Ok(RawParam::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawParam, E> {
                Ok(RawParam::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawParam, E> {
                Ok(RawParam::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawParam, E> {
                Ok(RawParam::Word(v.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawParam, A::Error> {
                RawDist::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|d| RawParam::Dist(Box::new(d)))
            }
        }
        d.deserialize_any(V)
    }
}

/// `{ dist = "...", ... }`: all parameters of all families; `build` checks which belong.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: String,
    pub value: Option<f64>,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub mu: Option<f64>,
    pub sigma: Option<f64>,
    pub low: Option<f64>,
    pub mode: Option<f64>,
    pub high: Option<f64>,
    pub alpha: Option<f64>,
    pub beta: Option<f64>,
    pub p: Option<f64>,
    pub values: Option<Vec<f64>>,
    pub weights: Option<Vec<f64>>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// How a run draws its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sampling {
    /// Independent draws per path.
    #[default]
    Random,
    /// Latin hypercube: stratified per input over all paths.
    Lhs,
}

impl std::fmt::Display for Sampling {
    /// As written in a scenario: `random` or `lhs`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Sampling::Random => "random",
            Sampling::Lhs => "lhs",
        })
    }
}

/// A target threshold: a number, or a month for the month scalars.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawThreshold {
    Number(f64),
    Month(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub start: Option<String>,
    pub horizon: String,
    pub paths: Option<u64>,
    pub seed: Option<u64>,
    pub sampling: Option<Sampling>,
    pub collapse_date: Option<String>,
    pub capability: RawCapability,
    pub software: RawSoftware,
    pub reference: Option<RawReference>,
    pub hosts: Option<RawHosts>,
    pub hardware: Vec<RawHardware>,
    #[serde(default)]
    pub efficiency: Vec<RawEfficiency>,
    pub vendor: Vec<RawVendor>,
    #[serde(default)]
    pub device: Vec<RawDevice>,
    pub segment: RawSegments,
    #[serde(default)]
    pub shock: Vec<RawShock>,
    #[serde(default)]
    pub target: Vec<RawTarget>,
    #[serde(default)]
    pub correlation: Vec<RawCorrelation>,
    #[serde(default)]
    pub plan: Vec<RawPlan>,
    #[serde(default)]
    pub observation: Vec<RawObservation>,
}

/// The top-level keys, in the order the reference documents them (used for "did you mean").
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "extends",
    "name",
    "description",
    "start",
    "horizon",
    "paths",
    "seed",
    "sampling",
    "collapse_date",
    "capability",
    "software",
    "reference",
    "hosts",
    "hardware",
    "efficiency",
    "vendor",
    "device",
    "segment",
    "shock",
    "target",
    "correlation",
    "plan",
    "observation",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapability {
    pub pace: RawParam,
    pub cost_per_unit: RawParam,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSoftware {
    pub serving_gain_per_year: RawParam,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReference {
    pub capability: Option<f64>,
    pub tokens: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHosts {
    pub cost_factor: RawParam,
    pub margin: RawParam,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHardware {
    pub name: String,
    pub date: Option<String>,
    pub delay_months: Option<RawParam>,
    pub ramp_months: Option<RawParam>,
    pub cost_factor: Option<RawParam>,
    pub unit_cost: Option<RawParam>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEfficiency {
    pub name: String,
    pub date: String,
    pub delay_months: Option<RawParam>,
    pub ramp_months: RawParam,
    pub token_factor: RawParam,
    pub reach: Option<RawParam>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVendor {
    pub name: String,
    pub frontier: Option<bool>,
    pub lag: RawParam,
    pub cost_multiplier: Option<RawParam>,
    pub launch: Option<String>,
    pub delay_months: Option<RawParam>,
    pub launch_price: RawParam,
    pub adjustment: RawParam,
    pub markup_cap: RawParam,
    pub margin_floor: RawParam,
    pub entry_months: Option<RawParam>,
    pub review_months: RawParam,
    pub open_weights: Option<RawParam>,
    pub commitments: Option<RawCommitments>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommitments {
    pub trigger_growth: RawParam,
    pub share: RawParam,
    pub ramp_months: RawParam,
    pub discount: Option<RawParam>,
    pub term_months: RawParam,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDevice {
    pub name: String,
    pub date: String,
    pub delay_months: Option<RawParam>,
    pub ramp_months: RawParam,
    pub lag: RawParam,
    pub lag_open: Option<RawParam>,
    pub price: RawParam,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSegments {
    pub enterprise: RawSegment,
    pub developer: RawSegment,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSegment {
    pub cohorts: u32,
    pub population: RawParam,
    pub adopted_at_start: Option<RawParam>,
    pub bass_p: RawParam,
    pub bass_q: RawParam,
    pub review_rate: RawParam,
    pub price_sensitivity: RawParam,
    pub quality_preference: RawParam,
    pub elasticity: RawParam,
    pub usage_cap: RawParam,
    pub tokens_per_task: RawParam,
    pub tokens_per_capability: Option<RawParam>,
    pub tasks_per_capability: Option<RawParam>,
    pub ambient_multiplier: Option<RawParam>,
    pub device_eligible: Option<RawParam>,
    pub tasks: RawParam,
    pub value: RawParam,
    pub attention_cost: RawParam,
    pub tasks_per_decision: RawParam,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    pub name: String,
    pub date: String,
    pub delay_months: Option<RawParam>,
    pub target: String,
    pub factor: RawParam,
    pub probability: Option<RawParam>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub name: Option<String>,
    pub metric: String,
    pub year: Option<i32>,
    pub at_least: Option<RawThreshold>,
    pub at_most: Option<RawThreshold>,
}

/// `[[observation]]`: what was observed of a metric, and how precisely.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObservation {
    pub name: String,
    pub metric: String,
    pub year: Option<i32>,
    pub month: Option<String>,
    pub value: Option<RawThreshold>,
    pub sd_log: Option<f64>,
    pub sd: Option<f64>,
    pub at_least: Option<RawThreshold>,
    pub at_most: Option<RawThreshold>,
    pub low: Option<RawThreshold>,
    pub high: Option<RawThreshold>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCorrelation {
    pub between: Vec<String>,
    pub rank: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    pub name: String,
    pub vendor: String,
    pub segment: Option<String>,
    pub fee: RawParam,
    pub included: Option<RawParam>,
    pub credits: Option<RawParam>,
    pub overage: Option<RawParam>,
    pub cap: Option<RawParam>,
    pub weekly_cap: Option<RawParam>,
    pub subscribers: RawParam,
    pub usage: RawParam,
    pub usage_growth: RawParam,
    pub churn: Option<RawParam>,
    pub overage_elasticity: Option<RawParam>,
    pub switch_threshold: Option<RawParam>,
    pub switch_rate: Option<RawParam>,
    pub alternatives: Option<Vec<String>>,
    pub group: Option<String>,
    pub upgrade_after: Option<RawParam>,
    pub upgrade_rate: Option<RawParam>,
    pub optimize: Option<RawOptimize>,
}

/// `[plan.optimize]`: the ranges `stress --optimize` searches, each `[LO, HI]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOptimize {
    pub fee: Option<[f64; 2]>,
    pub included: Option<[f64; 2]>,
    pub credits: Option<[f64; 2]>,
    pub cap: Option<[f64; 2]>,
    pub weekly_cap: Option<[f64; 2]>,
    pub overage: Option<[f64; 2]>,
}

/// The numbers of a `[[plan]]` that may be left out and still be set with `--set`.
pub const PLAN_OPTIONAL: &[&str] = &[
    "included",
    "credits",
    "overage",
    "cap",
    "weekly_cap",
    "churn",
    "overage_elasticity",
    "switch_threshold",
    "switch_rate",
    "upgrade_after",
    "upgrade_rate",
];

/// Deserializes `T` from a TOML value, returning serde's path to the failure.
pub(crate) fn from_value<T: for<'de> Deserialize<'de>>(
    v: toml::Value,
) -> Result<T, serde_path_to_error::Error<toml::de::Error>> {
    serde_path_to_error::deserialize(v)
}
