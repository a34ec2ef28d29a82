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
mod outcomes;
mod plans;
mod serde_errors;

use super::dist::{Dist, Marginal, Shape};
use super::error::{Loc, Problem};
use super::limits;
use super::month::Month;
use super::raw::{self, RawParam, RawScenario};
use super::source::{Kind, Node};
use super::types::*;
use demand::{build_segments, check_compounding, check_work};
use dist::dist_of;
use market::{build_devices, build_efficiency, build_hardware, build_shocks, build_vendors};
use names::scenario_name;
use outcomes::{build_correlations, build_targets};
use plans::build_plans;
use serde_errors::{serde_problem, type_problems};
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
    root: &'a Node,
    start: Month,
    horizon: Month,
}

impl<'a> Builder<'a> {
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
        text.parse().unwrap_or_else(|e: super::month::MonthError| {
            let loc = parent.and_then(|p| p.get(key)).map(|n| n.loc.clone());
            self.problem(loc.as_ref(), field, e.to_string());
            self.start
        })
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

/// Builds and validates the scenario of the merged tree `root`, read from `path`.
pub(crate) fn build(root: &Node, path: &Path) -> Built {
    let raw: RawScenario = match raw::from_value(root.to_value()) {
        Ok(r) => r,
        Err(e) => {
            let mut problems = type_problems(root);
            if problems.is_empty() {
                problems.push(serde_problem(root, "", &e));
            }
            return Built {
                scenario: None,
                problems,
                input_names: Vec::new(),
            };
        }
    };
    let mut b = Builder {
        problems: Vec::new(),
        inputs: Vec::new(),
        root,
        start: Month::new(2025, 1).unwrap(),
        horizon: Month::new(2025, 1).unwrap(),
    };
    let top = Some(root);
    if let Some(s) = &raw.start {
        b.start = b.month(top, "start", "start", s);
    }
    b.horizon = b.month(top, "horizon", "horizon", &raw.horizon);
    let horizon_ok = b.horizon > b.start;
    if !horizon_ok {
        let loc = root.get("horizon").map(|n| n.loc.clone());
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
        let loc = root.get("horizon").map(|n| n.loc.clone());
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
    for key in [
        "hardware",
        "efficiency",
        "vendor",
        "device",
        "shock",
        "target",
        "correlation",
        "plan",
    ] {
        if let Some(Kind::Entries(es)) = root.get(key).map(|n| &n.kind)
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
    let collapse_date = match &raw.collapse_date {
        Some(s) => b.month(top, "collapse_date", "collapse_date", s),
        None => Month::new(2027, 1).unwrap(),
    };
    if horizon_ok && (collapse_date <= b.start || collapse_date > b.horizon) {
        let loc = root.get("collapse_date").map(|n| n.loc.clone());
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
    if raw.paths == Some(0) {
        let loc = root.get("paths").map(|n| n.loc.clone());
        b.problem(loc.as_ref(), "paths", "expected at least 1 path, found 0");
    }

    let cap_node = root.get("capability");
    let capability = Capability {
        pace: b.param(
            cap_node,
            "capability",
            "pace",
            Some(&raw.capability.pace),
            REQUIRED,
        ),
        cost_per_unit: b.param(
            cap_node,
            "capability",
            "cost_per_unit",
            Some(&raw.capability.cost_per_unit),
            REQUIRED,
        ),
    };
    let serving_gain_per_year = b.param(
        root.get("software"),
        "software",
        "serving_gain_per_year",
        Some(&raw.software.serving_gain_per_year),
        REQUIRED,
    );
    let reference = Reference {
        capability: raw
            .reference
            .as_ref()
            .and_then(|r| r.capability)
            .unwrap_or(0.0),
        tokens: raw.reference.as_ref().and_then(|r| r.tokens).unwrap_or(1e6),
    };
    if !(reference.tokens > 0.0 && reference.tokens.is_finite()) {
        let loc = root
            .get("reference")
            .and_then(|r| r.get("tokens"))
            .map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "reference.tokens",
            format!(
                "expected a number of tokens > 0, found {}",
                reference.tokens
            ),
        );
    }
    if reference.tokens > 1e12 {
        let loc = root
            .get("reference")
            .and_then(|r| r.get("tokens"))
            .map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "reference.tokens",
            format!(
                "expected a number of tokens of at most 1e12, found {}",
                limits::num(reference.tokens)
            ),
        );
    }
    if reference.capability.is_nan() || reference.capability.abs() > 100.0 {
        let loc = root
            .get("reference")
            .and_then(|r| r.get("capability"))
            .map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "reference.capability",
            format!(
                "expected a number of frontier-years in [-100, 100] (compounded by κ), found {}",
                limits::num(reference.capability)
            ),
        );
    }

    let hardware = build_hardware(&mut b, &raw);
    let efficiency = build_efficiency(&mut b, &raw);
    let vendors = build_vendors(&mut b, &raw);
    let devices = build_devices(&mut b, &raw);
    let hosts = raw.hosts.as_ref().map(|h| {
        let node = root.get("hosts");
        Hosts {
            cost_factor: b.param(node, "hosts", "cost_factor", Some(&h.cost_factor), REQUIRED),
            margin: b.param(node, "hosts", "margin", Some(&h.margin), REQUIRED),
        }
    });
    if hosts.is_none()
        && let Some((i, v)) = vendors
            .iter()
            .enumerate()
            .find(|(_, v)| b.inputs[v.open_weights.0 as usize].dist.support().1 > 0.0)
    {
        let loc = b
            .entry("vendor", i)
            .and_then(|n| n.get("open_weights"))
            .map(|n| n.loc.clone());
        b.problems.push(
            Problem::at(
                loc,
                format!("vendor.{}.open_weights", v.name),
                "this vendor may publish its weights, but the scenario has no `[hosts]` section",
            )
            .with_help(
                "add [hosts] with `cost_factor` and `margin` for the open-weight hosts option",
            ),
        );
    }
    let segments = build_segments(&mut b, &raw);
    let shocks = build_shocks(&mut b, &raw, &vendors);
    let targets = build_targets(&mut b, &raw, &vendors);
    let plans = build_plans(&mut b, &raw, &vendors);
    let correlations = build_correlations(&mut b, &raw);

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
    let input_names = b.inputs.iter().map(|i| i.name.clone()).collect();
    if !b.problems.is_empty() {
        return Built {
            scenario: None,
            problems: b.problems,
            input_names,
        };
    }
    // The resolved scenario names itself, so that it reads back as the same scenario.
    let mut value = root.to_value();
    if let toml::Value::Table(t) = &mut value {
        t.insert("name".to_owned(), toml::Value::String(name.clone()));
    }
    let resolved = toml::to_string(&value).unwrap_or_default();
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
        inputs: b.inputs,
        resolved,
    };
    Built {
        scenario: Some(scenario),
        problems: Vec::new(),
        input_names,
    }
}
