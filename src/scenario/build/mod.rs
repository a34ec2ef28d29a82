//! From the merged tree to a validated [`Scenario`]: types through serde, then every check
//! that types cannot express, collecting all problems with their places.
//!
//! `build` reads the calendar, the reference point and the growth inputs here, then each
//! section in its module: `market` (hardware, efficiency, vendors, devices, hosts, shocks),
//! `demand` (segments and the bounds on a path's work and compounding), `outcomes` (targets,
//! correlations) and `plans`; `names` checks entry and scenario names, `dist` reads a
//! distribution and `serde_errors` turns type errors into located problems.

mod demand;
mod dist;
mod market;
mod names;
mod observations;
mod outcomes;
mod plans;
mod serde_errors;

use super::dist::{Dist, Shape};
use super::error::{Loc, Problem};
use super::limits;
use super::month::Month;
use super::raw::{self, RawParam, RawScenario};
use super::source::{Kind, Node};
use super::types::*;
use demand::{build_segments, check_compounding, check_work};
use dist::dist_of;
use market::{
    build_devices, build_efficiency, build_hardware, build_hosts, build_shocks, build_vendors,
};
use names::scenario_name;
use observations::{build_observations, settable};
use outcomes::{build_correlations, build_targets};
use plans::build_plans;
pub(crate) use plans::check_range;
use serde_errors::all_type_problems;
use std::path::Path;

/// What a field accepts beyond its range and limits (which come from `limits::LIMITS`).
#[derive(Clone, Copy)]
struct Spec {
    kind: InputKind,
    default: Option<f64>,
    /// A plain number is the probability of a bernoulli outcome (`open_weights = 0.4`).
    outcome: bool,
}

/// A number that must be written.
const REQUIRED: Spec = Spec {
    kind: InputKind::Path,
    default: None,
    outcome: false,
};

/// A population distribution that must be written.
const POPULATION: Spec = Spec {
    kind: InputKind::Population,
    ..REQUIRED
};

fn default(value: f64) -> Spec {
    Spec {
        default: Some(value),
        ..REQUIRED
    }
}

fn outcome(p_default: f64) -> Spec {
    Spec {
        outcome: true,
        ..default(p_default)
    }
}

/// Accumulates inputs and problems while the scenario is built.
struct Builder<'a> {
    problems: Vec<Problem>,
    inputs: Vec<Input>,
    dates: Vec<FixedDate>,
    root: &'a Node,
    start: Month,
    horizon: Month,
}

impl<'a> Builder<'a> {
    /// A builder with no inputs or problems yet, its months at 2025-01 until the calendar
    /// is read.
    fn new(root: &'a Node) -> Self {
        Self {
            problems: Vec::new(),
            inputs: Vec::new(),
            dates: Vec::new(),
            root,
            start: Month::new(2025, 1).unwrap(),
            horizon: Month::new(2025, 1).unwrap(),
        }
    }

    fn problem(&mut self, loc: Option<&Loc>, field: &str, msg: impl Into<String>) {
        self.problems.push(Problem::at(loc.cloned(), field, msg));
    }

    /// Registers the number `prefix.key` (node `parent`'s child `key`) and checks it.
    fn param(
        &mut self,
        parent: Option<&Node>,
        prefix: &str,
        key: &str,
        raw: Option<&RawParam>,
        spec: Spec,
    ) -> ParamId {
        let name = format!("{prefix}.{key}");
        let node = parent.and_then(|p| p.get(key));
        let loc = node.map(|n| n.loc.clone());
        let dist = match raw {
            None => Ok(Dist::fixed(spec.default.unwrap_or(f64::NAN))),
            Some(RawParam::Number(x)) if spec.outcome => Shape::bernoulli(*x)
                .and_then(|s| Dist::new(s, None, None))
                .map_err(|_| {
                    format!(
                        "expected a probability in [0, 1] (or a bernoulli distribution), found {x}"
                    )
                }),
            Some(RawParam::Number(x)) if x.is_finite() => Ok(Dist::fixed(*x)),
            Some(RawParam::Number(x)) => Err(format!("expected a finite number, found {x}")),
            Some(RawParam::Dist(d)) => dist_of(d),
            Some(RawParam::Word(w)) => Err(format!(
                "expected a number or a distribution such as {{ dist = \"normal\", mean = 1.0, sd = 0.2 }}, found the string {w:?}"
            )),
        };
        let dist = dist.and_then(|d| {
            if spec.outcome {
                match d.atoms() {
                    Some((values, _)) if values.iter().all(|v| *v == 0.0 || *v == 1.0) => Ok(d),
                    _ => Err(format!("expected an outcome that is 0 or 1 (a probability, or a bernoulli distribution), found {d}")),
                }
            } else {
                match limits::find(&name) {
                    Some(limit) => limit.admits(&d).map(|_| d),
                    None => Ok(d),
                }
            }
        });
        let dist = dist.unwrap_or_else(|msg| {
            self.problem(loc.as_ref(), &name, msg);
            Dist::fixed(spec.default.unwrap_or(1.0))
        });
        let id = ParamId(self.inputs.len() as u32);
        self.inputs.push(Input {
            name,
            dist,
            kind: spec.kind,
            source: node.and_then(|n| n.source.clone()),
            loc,
        });
        id
    }

    fn month(&mut self, parent: Option<&Node>, field: &str, key: &str, text: &str) -> Month {
        let node = parent.and_then(|p| p.get(key));
        let m = text.parse().unwrap_or_else(|e: super::month::MonthError| {
            self.problem(node.map(|n| &n.loc), field, e.to_string());
            self.start
        });
        self.dates.push(FixedDate {
            name: field.to_owned(),
            month: m,
            source: node.and_then(|n| n.source.clone()),
        });
        m
    }

    /// A month that must lie within the simulated months.
    fn month_within(&mut self, parent: Option<&Node>, field: &str, key: &str, text: &str) -> Month {
        let m = self.month(parent, field, key, text);
        if m < self.start || m > self.horizon {
            let loc = parent.and_then(|p| p.get(key)).map(|n| n.loc.clone());
            self.problem(
                loc.as_ref(),
                field,
                format!(
                    "expected a month from {} to {} (the simulated months), found {m}",
                    self.start, self.horizon
                ),
            );
        }
        m
    }

    /// The entry node `i` of the top-level array `key`.
    fn entry(&self, key: &str, i: usize) -> Option<&'a Node> {
        match &self.root.get(key)?.kind {
            Kind::Entries(es) => es.get(i),
            _ => None,
        }
    }
}

/// The outcome of building: the scenario if there were no problems, and the names of all
/// inputs found (used to check `--set` names even when something else is wrong).
pub(crate) struct Built {
    pub scenario: Option<Scenario>,
    pub problems: Vec<Problem>,
    pub input_names: Vec<String>,
}

impl Built {
    /// No scenario: the problems found, and the names of the inputs read before them.
    fn refused(problems: Vec<Problem>, input_names: Vec<String>) -> Self {
        Self {
            scenario: None,
            problems,
            input_names,
        }
    }
}

/// Builds and validates the scenario of the merged tree `root`, read from `path`.
///
/// The sections are read in the order below, which is the order of the inputs (their ids)
/// and of the problems reported.
pub(crate) fn build(root: &Node, path: &Path) -> Built {
    let raw: RawScenario = match raw::from_value(root.to_value()) {
        Ok(r) => r,
        Err(e) => {
            let problems = all_type_problems(root, &e);
            // Unknown keys alone: the rest of the file is still checked (without them), so
            // that one run of `validate` reports every problem.
            let only_unknown = problems
                .iter()
                .all(|p| p.message.starts_with("unknown key"));
            return match without_unknown_keys(root.to_value()) {
                Some(raw) if only_unknown => {
                    let mut built = build_raw(root, raw, path);
                    built.scenario = None;
                    let mut all = problems;
                    all.append(&mut built.problems);
                    Built::refused(all, built.input_names)
                }
                _ => Built::refused(problems, Vec::new()),
            };
        }
    };
    build_raw(root, raw, path)
}

/// The file's value deserialized with every unknown key removed (serde names one at a time),
/// or `None` if something else stops it.
fn without_unknown_keys(mut value: toml::Value) -> Option<RawScenario> {
    for _ in 0..1000 {
        match raw::from_value::<RawScenario>(value.clone()) {
            Ok(r) => return Some(r),
            Err(e) if e.inner().message().starts_with("unknown field") => {
                use serde_path_to_error::Segment;
                let segments: Vec<&Segment> = e.path().iter().collect();
                let (last, parents) = segments.split_last()?;
                let Segment::Map { key } = last else {
                    return None;
                };
                let mut at = &mut value;
                for seg in parents {
                    at = match (seg, at) {
                        (Segment::Seq { index }, toml::Value::Array(a)) => a.get_mut(*index)?,
                        (Segment::Map { key }, toml::Value::Table(t)) => t.get_mut(key)?,
                        _ => return None,
                    };
                }
                at.as_table_mut()?.remove(key)?;
            }
            Err(_) => return None,
        }
    }
    None
}

/// [`build`] of the deserialized `raw`.
fn build_raw(root: &Node, raw: RawScenario, path: &Path) -> Built {
    let mut b = Builder::new(root);
    let collapse_date = build_calendar(&mut b, &raw);
    let capability = build_capability(&mut b, &raw);
    let serving_gain_per_year = b.param(
        root.get("software"),
        "software",
        "serving_gain_per_year",
        Some(&raw.software.serving_gain_per_year),
        REQUIRED,
    );
    let reference = build_reference(&mut b, &raw);
    let hardware = build_hardware(&mut b, &raw);
    let efficiency = build_efficiency(&mut b, &raw);
    let vendors = build_vendors(&mut b, &raw);
    let devices = build_devices(&mut b, &raw);
    let hosts = build_hosts(&mut b, &raw, &vendors);
    let segments = build_segments(&mut b, &raw);
    let shocks = build_shocks(&mut b, &raw, &vendors);
    let targets = build_targets(&mut b, &raw, &vendors);
    let plans = build_plans(&mut b, &raw, &vendors);
    let (correlations, dropped) = build_correlations(&mut b, &raw);
    let observations = build_observations(&mut b, &raw, &vendors);

    if b.problems.is_empty() {
        check_work(&mut b, &segments, &vendors, devices.len());
    }
    if b.problems.is_empty() {
        check_compounding(
            &mut b,
            &capability,
            &segments,
            &vendors,
            &devices,
            &reference,
            serving_gain_per_year,
        );
    }
    let name = scenario_name(&mut b, raw.name.as_deref(), path);
    let mut input_names: Vec<String> = b.inputs.iter().map(|i| i.name.clone()).collect();
    // An observation's numbers can be set too (`--set observation.NAME.value=10e9`).
    input_names.extend(settable(&raw));
    // So can a plan's optional numbers that the file leaves out.
    for name in plans::settable(&raw) {
        if !input_names.contains(&name) {
            input_names.push(name);
        }
    }
    if !b.problems.is_empty() {
        return Built::refused(b.problems, input_names);
    }
    let resolved = resolved_text(root, &name, &dropped);
    let scenario = Scenario {
        name,
        description: raw.description.clone().unwrap_or_default(),
        start: b.start,
        horizon: b.horizon,
        paths: raw.paths.unwrap_or(10_000),
        seed: raw.seed.unwrap_or(1),
        sampling: raw.sampling.unwrap_or_default(),
        collapse_date,
        reference,
        capability,
        serving_gain_per_year,
        hosts,
        hardware,
        efficiency,
        vendors,
        devices,
        segments,
        shocks,
        targets,
        correlations,
        plans,
        observations,
        dropped_correlations: dropped
            .iter()
            .filter_map(|i| raw.correlation.get(*i))
            .map(|c| {
                format!(
                    "the correlation {} between {} no longer applies: an input it names is pinned (fixed) by a child file or --set",
                    c.rank,
                    c.between.join(" and ")
                )
            })
            .collect(),
        inputs: b.inputs,
        dates: b.dates,
        resolved,
    };
    Built {
        scenario: Some(scenario),
        problems: Vec::new(),
        input_names,
    }
}

/// The resolved scenario as TOML. It names itself, and leaves out the correlations that a
/// pinned input dropped (`dropped`: their indices), so that it reads back as the same
/// scenario: the one simulated.
fn resolved_text(root: &Node, name: &str, dropped: &[usize]) -> String {
    let mut value = root.to_value();
    if let toml::Value::Table(t) = &mut value {
        t.insert("name".to_owned(), toml::Value::String(name.to_owned()));
        if let Some(toml::Value::Array(cs)) = t.get_mut("correlation") {
            for i in dropped.iter().rev() {
                cs.remove(*i);
            }
            if cs.is_empty() {
                t.remove("correlation");
            }
        }
    }
    toml::to_string(&value).unwrap_or_default()
}

/// The calendar and the sizes: sets the simulated months `b.start` to `b.horizon`, checks
/// the number of entries of each array and `paths`, and returns the `collapse_date`.
fn build_calendar(b: &mut Builder, raw: &RawScenario) -> Month {
    let horizon_ok = build_months(b, raw);
    check_entry_counts(b);
    let collapse_date = build_collapse_date(b, raw, horizon_ok);
    if raw.paths == Some(0) {
        let loc = b.root.get("paths").map(|n| n.loc.clone());
        b.problem(loc.as_ref(), "paths", "expected at least 1 path, found 0");
    }
    collapse_date
}

/// Sets `b.start` and `b.horizon` (at most [`limits::MAX_MONTHS`] months); returns whether
/// the horizon as written lies after the start.
fn build_months(b: &mut Builder, raw: &RawScenario) -> bool {
    let top = Some(b.root);
    if let Some(s) = &raw.start {
        b.start = b.month(top, "start", "start", s);
    }
    b.horizon = b.month(top, "horizon", "horizon", &raw.horizon);
    let horizon_ok = b.horizon > b.start;
    if !horizon_ok {
        let loc = b.root.get("horizon").map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "horizon",
            format!(
                "expected a month after start ({}), found {}",
                b.start, b.horizon
            ),
        );
        b.horizon = b.start.plus(1);
    }
    if b.horizon - b.start + 1 > limits::MAX_MONTHS {
        let loc = b.root.get("horizon").map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "horizon",
            format!(
                "expected a horizon at most 50 years after start ({} months, up to {}), found {} ({} months): every series holds a value per month",
                limits::MAX_MONTHS,
                b.start.plus(limits::MAX_MONTHS - 1),
                b.horizon,
                b.horizon - b.start + 1
            ),
        );
        b.horizon = b.start.plus(limits::MAX_MONTHS - 1);
    }
    horizon_ok
}

/// Refuses an array with more than [`limits::MAX_ENTRIES`] entries.
fn check_entry_counts(b: &mut Builder) {
    for key in [
        "hardware",
        "efficiency",
        "vendor",
        "device",
        "shock",
        "target",
        "correlation",
        "plan",
        "observation",
    ] {
        if let Some(Kind::Entries(es)) = b.root.get(key).map(|n| &n.kind)
            && es.len() > limits::MAX_ENTRIES
        {
            let loc = es[limits::MAX_ENTRIES].loc.clone();
            b.problem(
                Some(&loc),
                key,
                format!(
                    "expected at most {} [[{key}]] entries, found {} (every price review recomputes every option's share, so a path's work grows with their square)",
                    limits::MAX_ENTRIES,
                    es.len()
                ),
            );
        }
    }
}

/// The `collapse_date` (2027-01 by default), which must lie after the start and up to the
/// horizon; checked only when the horizon itself was right.
fn build_collapse_date(b: &mut Builder, raw: &RawScenario, horizon_ok: bool) -> Month {
    let collapse_date = match &raw.collapse_date {
        Some(s) => b.month(Some(b.root), "collapse_date", "collapse_date", s),
        None => Month::new(2027, 1).unwrap(),
    };
    if horizon_ok && (collapse_date <= b.start || collapse_date > b.horizon) {
        let loc = b.root.get("collapse_date").map(|n| n.loc.clone());
        let what = if raw.collapse_date.is_none() {
            " (the default; set `collapse_date`)"
        } else {
            ""
        };
        b.problem(
            loc.as_ref(),
            "collapse_date",
            format!("expected a month after start ({}) and up to the horizon ({}), found {collapse_date}{what}", b.start, b.horizon),
        );
    }
    collapse_date
}

/// The capability frontier's pace and its cost per unit (κ).
fn build_capability(b: &mut Builder, raw: &RawScenario) -> Capability {
    let node = b.root.get("capability");
    Capability {
        pace: b.param(
            node,
            "capability",
            "pace",
            Some(&raw.capability.pace),
            REQUIRED,
        ),
        cost_per_unit: b.param(
            node,
            "capability",
            "cost_per_unit",
            Some(&raw.capability.cost_per_unit),
            REQUIRED,
        ),
    }
}

/// The reference task: its capability (frontier-years from the start, within ±100) and its
/// tokens (up to 1e12; 1e6 by default).
fn build_reference(b: &mut Builder, raw: &RawScenario) -> Reference {
    let reference = Reference {
        capability: raw
            .reference
            .as_ref()
            .and_then(|r| r.capability)
            .unwrap_or(0.0),
        tokens: raw.reference.as_ref().and_then(|r| r.tokens).unwrap_or(1e6),
    };
    let node = b.root.get("reference");
    let at = |key: &str| node.and_then(|r| r.get(key)).map(|n| n.loc.clone());
    if !(reference.tokens > 0.0 && reference.tokens.is_finite()) {
        b.problem(
            at("tokens").as_ref(),
            "reference.tokens",
            format!(
                "expected a number of tokens > 0, found {}",
                reference.tokens
            ),
        );
    }
    if reference.tokens > 1e12 {
        b.problem(
            at("tokens").as_ref(),
            "reference.tokens",
            format!(
                "expected a number of tokens of at most 1e12, found {}",
                limits::num(reference.tokens)
            ),
        );
    }
    if reference.capability.is_nan() || reference.capability.abs() > 100.0 {
        b.problem(
            at("capability").as_ref(),
            "reference.capability",
            format!(
                "expected a number of frontier-years in [-100, 100] (compounded by κ), found {}",
                limits::num(reference.capability)
            ),
        );
    }
    reference
}
