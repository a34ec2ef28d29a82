//! From the merged tree to a validated [`Scenario`]: types through serde, then every check
//! that types cannot express, collecting all problems with their places.

use super::dist::{
    Beta, Discrete, Dist, LogNormal, Marginal, Normal, Pert, Shape, Triangular, Uniform,
};
use super::error::{Loc, Problem, did_you_mean};
use super::limits;
use super::metrics;
use super::month::Month;
use super::raw::{self, RawDist, RawParam, RawScenario, RawThreshold};
use super::source::{Kind, Node};
use super::types::*;
use std::collections::HashSet;
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

/// Builds the distribution a raw number states.
pub(crate) fn dist_of(raw: &RawDist) -> Result<Dist, String> {
    let fields: [(&str, bool); 16] = [
        ("value", raw.value.is_some()),
        ("mean", raw.mean.is_some()),
        ("sd", raw.sd.is_some()),
        ("median", raw.median.is_some()),
        ("p90", raw.p90.is_some()),
        ("mu", raw.mu.is_some()),
        ("sigma", raw.sigma.is_some()),
        ("low", raw.low.is_some()),
        ("mode", raw.mode.is_some()),
        ("high", raw.high.is_some()),
        ("alpha", raw.alpha.is_some()),
        ("beta", raw.beta.is_some()),
        ("p", raw.p.is_some()),
        ("values", raw.values.is_some()),
        ("weights", raw.weights.is_some()),
        ("", false),
    ];
    let (allowed, usage): (&[&str], &str) = match raw.dist.as_str() {
        "fixed" => (&["value"], "{ dist = \"fixed\", value }"),
        "normal" => (&["mean", "sd"], "{ dist = \"normal\", mean, sd }"),
        "lognormal" => (
            &["median", "p90", "mu", "sigma"],
            "{ dist = \"lognormal\", median, p90 } or { dist = \"lognormal\", mu, sigma }",
        ),
        "uniform" => (&["low", "high"], "{ dist = \"uniform\", low, high }"),
        "triangular" => (
            &["low", "mode", "high"],
            "{ dist = \"triangular\", low, mode, high }",
        ),
        "pert" => (
            &["low", "mode", "high"],
            "{ dist = \"pert\", low, mode, high }",
        ),
        "beta" => (&["alpha", "beta"], "{ dist = \"beta\", alpha, beta }"),
        "bernoulli" => (&["p"], "{ dist = \"bernoulli\", p }"),
        "discrete" => (
            &["values", "weights"],
            "{ dist = \"discrete\", values = [...], weights = [...] }",
        ),
        other => {
            let kinds = [
                "fixed",
                "normal",
                "lognormal",
                "uniform",
                "triangular",
                "pert",
                "beta",
                "bernoulli",
                "discrete",
            ];
            let hint = did_you_mean(other, kinds)
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            return Err(format!(
                "unknown distribution {other:?}{hint}; expected one of {}",
                kinds.join(", ")
            ));
        }
    };
    if let Some((extra, _)) = fields
        .iter()
        .find(|(name, set)| *set && !allowed.contains(name))
    {
        return Err(format!(
            "`{extra}` does not belong to a {} distribution; write {usage}",
            raw.dist
        ));
    }
    let need =
        |x: Option<f64>, name: &str| x.ok_or_else(|| format!("missing `{name}`; write {usage}"));
    let shape = match raw.dist.as_str() {
        "fixed" => Ok(Shape::Fixed(need(raw.value, "value")?)),
        "normal" => Normal::new(need(raw.mean, "mean")?, need(raw.sd, "sd")?).map(Shape::Normal),
        "lognormal" => match (raw.median, raw.p90, raw.mu, raw.sigma) {
            (Some(m), Some(p), None, None) => {
                LogNormal::from_median_p90(m, p).map(Shape::LogNormal)
            }
            (None, None, Some(mu), Some(s)) => LogNormal::new(mu, s).map(Shape::LogNormal),
            _ => {
                return Err(format!(
                    "a lognormal takes `median` and `p90`, or `mu` and `sigma`; write {usage}"
                ));
            }
        },
        "uniform" => {
            Uniform::new(need(raw.low, "low")?, need(raw.high, "high")?).map(Shape::Uniform)
        }
        "triangular" => Triangular::new(
            need(raw.low, "low")?,
            need(raw.mode, "mode")?,
            need(raw.high, "high")?,
        )
        .map(Shape::Triangular),
        "pert" => Pert::new(
            need(raw.low, "low")?,
            need(raw.mode, "mode")?,
            need(raw.high, "high")?,
        )
        .map(Shape::Pert),
        "beta" => Beta::new(need(raw.alpha, "alpha")?, need(raw.beta, "beta")?).map(Shape::Beta),
        "bernoulli" => Shape::bernoulli(need(raw.p, "p")?),
        _ => match (&raw.values, &raw.weights) {
            (Some(v), Some(w)) => Discrete::new(v, w).map(Shape::Discrete),
            _ => {
                return Err(format!(
                    "a discrete distribution needs `values` and `weights`; write {usage}"
                ));
            }
        },
    }
    .map_err(|e| e.to_string())?;
    Dist::new(shape, raw.min, raw.max).map_err(|e| e.to_string())
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

    /// Checks names are unique and usable in dotted names.
    fn names<'n>(&mut self, key: &str, names: impl Iterator<Item = &'n str>) {
        let mut seen = HashSet::new();
        for (i, name) in names.enumerate() {
            let loc = self
                .entry(key, i)
                .and_then(|e| e.get("name"))
                .map(|n| n.loc.clone());
            let field = format!("{key}.{name}");
            if !seen.insert(name.to_owned()) {
                self.problem(
                    loc.as_ref(),
                    &field,
                    format!("a second [[{key}]] is named {name:?}; names must be unique"),
                );
            }
            // The first character is a letter or digit: names reach CSV cells, where a
            // leading `=`, `+`, `-` or `@` is read as a formula (OWASP: CSV injection).
            if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.problem(
                    loc.as_ref(),
                    &field,
                    format!("expected a name that starts with a letter or digit, followed by letters, digits, `_` or `-` (it becomes part of dotted names such as `{key}.NAME.field` and of CSV cells, where a leading `=`, `+`, `-` or `@` reads as a formula), found {name:?}"),
                );
            }
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

/// Turns a serde error met while reading `base` (named `base_name`) into a located problem.
fn serde_problem(
    base: &Node,
    base_name: &str,
    err: &serde_path_to_error::Error<toml::de::Error>,
) -> Problem {
    let (node, rest, at_key) = base.follow(err.path());
    let field = match (
        base_name.is_empty(),
        rest.starts_with('[') || rest.is_empty(),
    ) {
        (true, _) => rest,
        (false, true) => format!("{base_name}{rest}"),
        (false, false) => format!("{base_name}.{rest}"),
    };
    let message = err.inner().message().trim().to_owned();
    let loc = Some(if at_key && message.starts_with("unknown field") {
        node.key_loc.clone()
    } else {
        node.loc.clone()
    });
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    for (prefix, noun) in [("unknown field `", "key"), ("unknown variant `", "value")] {
        let Some(stripped) = message.strip_prefix(prefix) else {
            continue;
        };
        let unknown = stripped.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = quoted.iter().skip(1).copied().collect();
        let p = Problem::at(loc, &field, format!("unknown {noun} `{unknown}`"));
        return match did_you_mean(unknown, expected.iter().copied()) {
            Some(h) => p.with_help(h),
            None => {
                let list: Vec<String> = expected.iter().map(|k| format!("`{k}`")).collect();
                p.with_help(format!("expected one of {}", list.join(", ")))
            }
        };
    }
    let mut message = message
        .replace("f64", "a number")
        .replace("u64", "a whole number ≥ 0")
        .replace("u32", "a whole number ≥ 0");
    if let Some(i) = message.find("struct Raw") {
        message.truncate(i);
        message.push_str("a table");
    }
    Problem::at(loc, &field, message.replace("a sequence", "an array"))
}

/// Deserializes each section of the tree, and each entry of each `[[array]]`, on its own,
/// to report every type error at once (serde stops at the first).
fn type_problems(root: &Node) -> Vec<Problem> {
    fn check<T: for<'de> serde::Deserialize<'de>>(
        root: &Node,
        key: &str,
        entries: bool,
        out: &mut Vec<Problem>,
    ) {
        let Some(node) = root.get(key) else { return };
        match (&node.kind, entries) {
            (Kind::Entries(es), true) => {
                for (i, e) in es.iter().enumerate() {
                    if let Err(err) = raw::from_value::<T>(e.to_value()) {
                        let name = match e.get("name").and_then(Node::str) {
                            Some(n) => format!("{key}.{n}"),
                            None => format!("{key}[{i}]"),
                        };
                        out.push(serde_problem(e, &name, &err));
                    }
                }
            }
            (Kind::Leaf(toml::Value::Array(a)), true) if a.is_empty() => {}
            (_, true) => out.push(Problem::at(
                Some(node.loc.clone()),
                key,
                format!("expected [[{key}]] tables"),
            )),
            (_, false) => {
                if let Err(err) = raw::from_value::<T>(node.to_value()) {
                    out.push(serde_problem(node, key, &err));
                }
            }
        }
    }
    let mut out = Vec::new();
    let Some(table) = root.table() else {
        return out;
    };
    for (key, node) in table {
        if key == "extends" {
            out.push(Problem::at(
                Some(node.key_loc.clone()),
                key,
                "`extends` only works in a scenario file read from disk",
            ));
        } else if !raw::TOP_LEVEL_KEYS.contains(&key.as_str()) {
            let mut p = Problem::at(
                Some(node.key_loc.clone()),
                key,
                format!("unknown key `{key}`"),
            );
            if let Some(h) = did_you_mean(key, raw::TOP_LEVEL_KEYS.iter().copied()) {
                p = p.with_help(h);
            }
            out.push(p);
        }
    }
    for key in [
        "horizon",
        "capability",
        "software",
        "hardware",
        "vendor",
        "segment",
    ] {
        if !table.contains_key(key) {
            out.push(Problem::at(
                Some(root.loc.clone()),
                "",
                format!("missing required key `{key}`"),
            ));
        }
    }
    for key in ["name", "description", "start", "horizon", "collapse_date"] {
        check::<String>(root, key, false, &mut out);
    }
    check::<u64>(root, "paths", false, &mut out);
    check::<u64>(root, "seed", false, &mut out);
    check::<raw::Sampling>(root, "sampling", false, &mut out);
    check::<raw::RawCapability>(root, "capability", false, &mut out);
    check::<raw::RawSoftware>(root, "software", false, &mut out);
    check::<raw::RawReference>(root, "reference", false, &mut out);
    check::<raw::RawHosts>(root, "hosts", false, &mut out);
    check::<raw::RawSegments>(root, "segment", false, &mut out);
    check::<raw::RawHardware>(root, "hardware", true, &mut out);
    check::<raw::RawEfficiency>(root, "efficiency", true, &mut out);
    check::<raw::RawVendor>(root, "vendor", true, &mut out);
    check::<raw::RawDevice>(root, "device", true, &mut out);
    check::<raw::RawShock>(root, "shock", true, &mut out);
    check::<raw::RawTarget>(root, "target", true, &mut out);
    check::<raw::RawCorrelation>(root, "correlation", true, &mut out);
    check::<raw::RawPlan>(root, "plan", true, &mut out);
    out
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
    let (correlations, dropped) = build_correlations(&mut b, &raw);

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
    // The resolved scenario names itself, and leaves out the correlations that a pinned input
    // dropped, so that it reads back as the same scenario: the one simulated.
    let mut value = root.to_value();
    if let toml::Value::Table(t) = &mut value {
        t.insert("name".to_owned(), toml::Value::String(name.clone()));
        if let Some(toml::Value::Array(cs)) = t.get_mut("correlation") {
            for i in dropped.iter().rev() {
                cs.remove(*i);
            }
            if cs.is_empty() {
                t.remove("correlation");
            }
        }
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

/// Refuses a scenario whose compounded multipliers leave floating point: serving cost grows
/// as κ^q, tokens per task as ρ^q and tasks as θ^q with the capability `q` (up to the
/// highest pace times the simulated years, and down to minus the largest lag), and serving
/// cost changes by g_sw each year. Each is bounded on its own; together they must stay
/// below [`limits::MAX_COMPOUNDING`] (1e250), which leaves room for the other factors.
fn check_compounding(
    b: &mut Builder,
    capability: &Capability,
    segments: &[Segment; 2],
    vendors: &[Vendor],
    devices: &[Device],
    reference: &Reference,
    g: ParamId,
) {
    let hi = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(1.0);
    let lo = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(0.0);
    let years = f64::from(b.horizon - b.start + 1) / 12.0;
    let pace = hi(capability.pace);
    let lag = vendors
        .iter()
        .map(|v| hi(v.lag))
        .chain(devices.iter().flat_map(|d| [hi(d.lag), hi(d.lag_open)]))
        .fold(0.0, f64::max);
    let span = pace * years + lag + reference.capability.abs();
    let kappa = hi(capability.cost_per_unit);
    let rho = segments
        .iter()
        .map(|s| hi(s.tokens_per_capability))
        .fold(1.0, f64::max);
    let theta = segments
        .iter()
        .map(|s| hi(s.tasks_per_capability))
        .fold(1.0, f64::max);
    let g_ln = hi(g).ln().abs().max(lo(g).ln().abs());
    let digits = (span * (kappa.ln() + rho.ln() + theta.ln()) + years * g_ln) / 10f64.ln();
    if digits <= limits::MAX_COMPOUNDING.log10() {
        return;
    }
    let loc = b
        .root
        .get("capability")
        .and_then(|c| c.get("pace"))
        .map(|n| n.loc.clone());
    b.problem(
        loc.as_ref(),
        "capability.pace",
        format!(
            "the model would compound κ·ρ·θ (up to {}·{}·{}) over {} frontier-years of capability (pace up to {} for {} years, lags up to {}) and software gains up to {}x a year: about 1e{:.0}, beyond the 1e250 that serving costs and token counts can hold; lower the pace, the horizon, the lags, κ, ρ, θ or the software gains",
            limits::num(kappa),
            limits::num(rho),
            limits::num(theta),
            limits::num(span.round()),
            limits::num(pace),
            limits::num(years),
            limits::num(lag),
            limits::num(hi(g)),
            digits
        ),
    );
}

/// Refuses a scenario whose paths would each take more than [`limits::MAX_WORK`] steps:
/// cohort reviews (cohorts × review rate × months per segment), price reviews, each of which
/// recomputes every option's share in both segments, and month ends, which add up every
/// option and, for vendors with commitments, every enterprise cohort. Each factor is bounded
/// on its own; their product is bounded here.
fn check_work(b: &mut Builder, segments: &[Segment; 2], vendors: &[Vendor], devices: usize) {
    let hi = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(1.0);
    let lo = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(0.0);
    let months = f64::from(b.horizon - b.start + 1);
    let options = (2 * vendors.len() + devices) as f64;
    let reviews: f64 = segments
        .iter()
        .map(|s| f64::from(s.cohorts) * hi(s.review_rate) * months)
        .sum();
    let price_reviews: f64 = vendors.iter().map(|v| months / lo(v.review_months)).sum();
    let committed = vendors.iter().filter(|v| v.commitments.is_some()).count() as f64;
    let month_ends = months * (4.0 * options + committed * f64::from(segments[0].cohorts));
    let work = reviews + price_reviews * 4.0 * options + month_ends;
    if work <= limits::MAX_WORK {
        return;
    }
    let loc = b.root.get("segment").map(|n| n.loc.clone());
    b.problem(
        loc.as_ref(),
        "segment",
        format!(
            "a path would take about {} steps, more than the {} a path may take ({} cohort reviews: cohorts × review_rate × {} months; {} price reviews of {} options; {} at month ends); lower the cohorts, the review rates, the number of vendors, their review frequency or the horizon",
            limits::num(work.round()),
            limits::num(limits::MAX_WORK),
            limits::num(reviews.round()),
            months,
            limits::num(price_reviews.round()),
            options,
            limits::num(month_ends.round())
        ),
    );
}

/// The longest scenario name.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// Whether `name` can name an output folder: letters, digits, `-`, `_` and `.`, not
/// starting with `.` (no `..`, no hidden folder), no separator, 1 to 100 characters.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const PLAIN_NAME: &str = "a plain name (letters, digits, `-`, `_` and `.`, not starting with `.`, at most 100 characters: it names the output folder)";

/// The scenario's name: its `name`, or its file's name without the extension; either must
/// be a plain name, since it becomes the output folder (`output/<name>`).
fn scenario_name(b: &mut Builder, name: Option<&str>, path: &Path) -> String {
    if let Some(name) = name {
        if !is_plain_name(name) {
            let loc = b.root.get("name").map(|n| n.loc.clone());
            b.problem(
                loc.as_ref(),
                "name",
                format!("expected {PLAIN_NAME}, found {name:?}"),
            );
        }
        return name.to_owned();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_plain_name(&stem) {
        let loc = Loc {
            file: path.display().to_string().into(),
            line: 1,
            col: 1,
            text: "".into(),
            depth: 0,
        };
        b.problems.push(
            Problem::at(
                Some(loc),
                "name",
                format!("the scenario has no `name`, and the name its file gives, {stem:?}, is not a plain name; expected {PLAIN_NAME}"),
            )
            .with_help("add a `name` such as name = \"my-scenario\""),
        );
    }
    stem
}

fn build_hardware(b: &mut Builder, raw: &RawScenario) -> Hardware {
    b.names("hardware", raw.hardware.iter().map(|h| h.name.as_str()));
    let Some(first) = raw.hardware.first() else {
        let loc = b.root.get("hardware").map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "hardware",
            "expected at least one [[hardware]] generation (the one installed at start)",
        );
        return Hardware {
            installed: String::new(),
            unit_cost: ParamId(0),
            generations: Vec::new(),
        };
    };
    let node = b.entry("hardware", 0);
    let prefix = format!("hardware.{}", first.name);
    for (key, set) in [
        ("date", first.date.is_some()),
        ("delay_months", first.delay_months.is_some()),
        ("ramp_months", first.ramp_months.is_some()),
        ("cost_factor", first.cost_factor.is_some()),
    ] {
        if set {
            let loc = node.and_then(|n| n.get(key)).map(|n| n.key_loc.clone());
            b.problems.push(
                Problem::at(loc, format!("{prefix}.{key}"), format!("the first generation is installed at start and takes no `{key}`"))
                    .with_help("the first [[hardware]] entry takes `name` and `unit_cost`; later generations take date, delay_months, ramp_months and cost_factor"),
            );
        }
    }
    let unit_cost = match &first.unit_cost {
        Some(u) => b.param(node, &prefix, "unit_cost", Some(u), REQUIRED),
        None => {
            b.problem(node.map(|n| &n.loc), &format!("{prefix}.unit_cost"), "missing `unit_cost` ($ per million tokens of the start's frontier model on this generation)");
            ParamId(0)
        }
    };
    let mut generations = Vec::new();
    let mut last_date: Option<Month> = None;
    for (i, h) in raw.hardware.iter().enumerate().skip(1) {
        let node = b.entry("hardware", i);
        let prefix = format!("hardware.{}", h.name);
        let loc = node.map(|n| n.loc.clone());
        if h.unit_cost.is_some() {
            let l = node
                .and_then(|n| n.get("unit_cost"))
                .map(|n| n.key_loc.clone());
            b.problems.push(
                Problem::at(l, format!("{prefix}.unit_cost"), "only the first generation takes `unit_cost`")
                    .with_help("a later generation states its cost relative to the previous one with `cost_factor`"),
            );
        }
        let date = match &h.date {
            Some(d) => b.month(node, &format!("{prefix}.date"), "date", d),
            None => {
                b.problem(
                    loc.as_ref(),
                    &format!("{prefix}.date"),
                    "missing `date` (nominal availability, \"YYYY-MM\")",
                );
                b.start
            }
        };
        if let Some(prev) = last_date
            && date < prev
        {
            let l = node.and_then(|n| n.get("date")).map(|n| n.loc.clone());
            b.problem(
                l.as_ref(),
                &format!("{prefix}.date"),
                format!("generations must be in order of date: {date} is before the previous generation's {prev}"),
            );
        }
        last_date = Some(date);
        let missing = |b: &mut Builder, key: &str, what: &str| {
            b.problem(
                loc.as_ref(),
                &format!("{prefix}.{key}"),
                format!("missing `{key}` ({what})"),
            );
        };
        if h.ramp_months.is_none() {
            missing(
                b,
                "ramp_months",
                "months from availability to full deployment",
            );
        }
        if h.cost_factor.is_none() {
            missing(
                b,
                "cost_factor",
                "cost per token relative to the previous generation",
            );
        }
        generations.push(Generation {
            name: h.name.clone(),
            date,
            delay_months: b.param(
                node,
                &prefix,
                "delay_months",
                h.delay_months.as_ref(),
                default(0.0),
            ),
            ramp_months: b.param(
                node,
                &prefix,
                "ramp_months",
                h.ramp_months.as_ref(),
                default(12.0),
            ),
            cost_factor: b.param(
                node,
                &prefix,
                "cost_factor",
                h.cost_factor.as_ref(),
                default(1.0),
            ),
        });
    }
    Hardware {
        installed: first.name.clone(),
        unit_cost,
        generations,
    }
}

fn build_efficiency(b: &mut Builder, raw: &RawScenario) -> Vec<Efficiency> {
    b.names("efficiency", raw.efficiency.iter().map(|e| e.name.as_str()));
    raw.efficiency
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let node = b.entry("efficiency", i);
            let prefix = format!("efficiency.{}", e.name);
            Efficiency {
                name: e.name.clone(),
                date: b.month(node, &format!("{prefix}.date"), "date", &e.date),
                delay_months: b.param(
                    node,
                    &prefix,
                    "delay_months",
                    e.delay_months.as_ref(),
                    default(0.0),
                ),
                ramp_months: b.param(node, &prefix, "ramp_months", Some(&e.ramp_months), REQUIRED),
                token_factor: b.param(
                    node,
                    &prefix,
                    "token_factor",
                    Some(&e.token_factor),
                    REQUIRED,
                ),
                reach: b.param(node, &prefix, "reach", e.reach.as_ref(), default(1.0)),
            }
        })
        .collect()
}

fn build_vendors(b: &mut Builder, raw: &RawScenario) -> Vec<Vendor> {
    b.names("vendor", raw.vendor.iter().map(|v| v.name.as_str()));
    if raw.vendor.is_empty() {
        let loc = b.root.get("vendor").map(|n| n.loc.clone());
        b.problem(loc.as_ref(), "vendor", "expected at least one [[vendor]]");
    } else if !raw.vendor.iter().any(|v| v.frontier == Some(true)) {
        let loc = b.entry("vendor", 0).map(|n| n.loc.clone());
        b.problems.push(
            Problem::at(loc, "vendor", "no vendor is marked `frontier = true`").with_help(
                "mark the frontier labs, whose token-weighted price is `price_frontier`",
            ),
        );
    }
    let mut out = Vec::new();
    for (i, v) in raw.vendor.iter().enumerate() {
        let node = b.entry("vendor", i);
        let prefix = format!("vendor.{}", v.name);
        if v.name == "hosts" {
            let loc = node.and_then(|n| n.get("name")).map(|n| n.loc.clone());
            b.problem(
                loc.as_ref(),
                &format!("{prefix}.name"),
                "`hosts` is reserved for the open-weight hosts option (`revenue.hosts`)",
            );
        }
        let launch = match &v.launch {
            Some(d) => {
                let date = b.month(node, &format!("{prefix}.launch"), "launch", d);
                if date < b.start {
                    let loc = node.and_then(|n| n.get("launch")).map(|n| n.loc.clone());
                    b.problems.push(
                        Problem::at(
                            loc,
                            format!("{prefix}.launch"),
                            format!(
                                "expected a launch at or after start ({}), found {date}",
                                b.start
                            ),
                        )
                        .with_help("omit `launch` for a vendor that is already selling at start"),
                    );
                }
                Some(Launch {
                    date,
                    delay_months: b.param(
                        node,
                        &prefix,
                        "delay_months",
                        v.delay_months.as_ref(),
                        default(0.0),
                    ),
                })
            }
            None => {
                if v.delay_months.is_some() {
                    let loc = node
                        .and_then(|n| n.get("delay_months"))
                        .map(|n| n.key_loc.clone());
                    b.problems.push(
                        Problem::at(
                            loc,
                            format!("{prefix}.delay_months"),
                            "`delay_months` needs a `launch` date",
                        )
                        .with_help("a vendor without `launch` is live at start"),
                    );
                }
                None
            }
        };
        let commitments = v.commitments.as_ref().map(|c| {
            let cnode = node.and_then(|n| n.get("commitments"));
            let cp = format!("{prefix}.commitments");
            Commitments {
                trigger_growth: b.param(
                    cnode,
                    &cp,
                    "trigger_growth",
                    Some(&c.trigger_growth),
                    REQUIRED,
                ),
                share: b.param(cnode, &cp, "share", Some(&c.share), REQUIRED),
                ramp_months: b.param(cnode, &cp, "ramp_months", Some(&c.ramp_months), REQUIRED),
                discount: b.param(cnode, &cp, "discount", c.discount.as_ref(), default(0.0)),
                term_months: b.param(cnode, &cp, "term_months", Some(&c.term_months), REQUIRED),
            }
        });
        let vendor = Vendor {
            name: v.name.clone(),
            frontier: v.frontier.unwrap_or(false),
            lag: b.param(node, &prefix, "lag", Some(&v.lag), REQUIRED),
            cost_multiplier: b.param(
                node,
                &prefix,
                "cost_multiplier",
                v.cost_multiplier.as_ref(),
                default(1.0),
            ),
            launch,
            launch_price: b.param(
                node,
                &prefix,
                "launch_price",
                Some(&v.launch_price),
                REQUIRED,
            ),
            adjustment: b.param(node, &prefix, "adjustment", Some(&v.adjustment), REQUIRED),
            markup_cap: b.param(node, &prefix, "markup_cap", Some(&v.markup_cap), REQUIRED),
            margin_floor: b.param(
                node,
                &prefix,
                "margin_floor",
                Some(&v.margin_floor),
                REQUIRED,
            ),
            entry_months: b.param(
                node,
                &prefix,
                "entry_months",
                v.entry_months.as_ref(),
                default(0.0),
            ),
            review_months: b.param(
                node,
                &prefix,
                "review_months",
                Some(&v.review_months),
                REQUIRED,
            ),
            open_weights: b.param(
                node,
                &prefix,
                "open_weights",
                v.open_weights.as_ref(),
                outcome(0.0),
            ),
            commitments,
        };
        let (floor, cap) = (
            b.inputs[vendor.margin_floor.0 as usize].dist.median(),
            b.inputs[vendor.markup_cap.0 as usize].dist.median(),
        );
        if floor > cap {
            let loc = node
                .and_then(|n| n.get("margin_floor"))
                .map(|n| n.loc.clone());
            b.problem(loc.as_ref(), &format!("{prefix}.margin_floor"), format!("the margin floor (median {floor}) is above the markup cap (median {cap}); prices are clamped to cost × [1 + floor, 1 + cap]"));
        }
        out.push(vendor);
    }
    out
}

fn build_devices(b: &mut Builder, raw: &RawScenario) -> Vec<Device> {
    b.names("device", raw.device.iter().map(|d| d.name.as_str()));
    raw.device
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let node = b.entry("device", i);
            let prefix = format!("device.{}", d.name);
            let lag = b.param(node, &prefix, "lag", Some(&d.lag), REQUIRED);
            let lag_open = match &d.lag_open {
                Some(r) => b.param(node, &prefix, "lag_open", Some(r), REQUIRED),
                None => {
                    // Without an open-weights lag the device keeps its own.
                    let dist = b.inputs[lag.0 as usize].dist.clone();
                    let id = ParamId(b.inputs.len() as u32);
                    b.inputs.push(Input {
                        name: format!("{prefix}.lag_open"),
                        dist,
                        kind: InputKind::Path,
                        source: Some(format!("default: same as {prefix}.lag")),
                        loc: None,
                    });
                    id
                }
            };
            Device {
                name: d.name.clone(),
                date: b.month(node, &format!("{prefix}.date"), "date", &d.date),
                delay_months: b.param(
                    node,
                    &prefix,
                    "delay_months",
                    d.delay_months.as_ref(),
                    default(0.0),
                ),
                ramp_months: b.param(node, &prefix, "ramp_months", Some(&d.ramp_months), REQUIRED),
                lag,
                lag_open,
                price: b.param(node, &prefix, "price", Some(&d.price), REQUIRED),
            }
        })
        .collect()
}

fn build_segments(b: &mut Builder, raw: &RawScenario) -> [Segment; 2] {
    let seg_node = b.root.get("segment");
    let build = |b: &mut Builder, kind: SegmentKind, s: &raw::RawSegment| {
        let node = seg_node.and_then(|n| n.get(kind.name()));
        let prefix = format!("segment.{}", kind.name());
        if s.cohorts == 0 || s.cohorts > limits::MAX_COHORTS {
            let loc = node.and_then(|n| n.get("cohorts")).map(|n| n.loc.clone());
            b.problem(
                loc.as_ref(),
                &format!("{prefix}.cohorts"),
                format!(
                    "expected from 1 to {} cohorts, found {} (memory and cohort reviews per path grow with the cohorts)",
                    limits::MAX_COHORTS,
                    s.cohorts
                ),
            );
        }
        let mut p =
            |key: &str, raw: Option<&RawParam>, spec: Spec| b.param(node, &prefix, key, raw, spec);
        Segment {
            kind,
            cohorts: s.cohorts,
            population: p("population", Some(&s.population), REQUIRED),
            adopted_at_start: p(
                "adopted_at_start",
                s.adopted_at_start.as_ref(),
                default(0.0),
            ),
            bass_p: p("bass_p", Some(&s.bass_p), REQUIRED),
            bass_q: p("bass_q", Some(&s.bass_q), REQUIRED),
            review_rate: p("review_rate", Some(&s.review_rate), REQUIRED),
            price_sensitivity: p("price_sensitivity", Some(&s.price_sensitivity), REQUIRED),
            quality_preference: p("quality_preference", Some(&s.quality_preference), REQUIRED),
            elasticity: p("elasticity", Some(&s.elasticity), REQUIRED),
            usage_cap: p("usage_cap", Some(&s.usage_cap), REQUIRED),
            tokens_per_task: p("tokens_per_task", Some(&s.tokens_per_task), REQUIRED),
            tokens_per_capability: p(
                "tokens_per_capability",
                s.tokens_per_capability.as_ref(),
                default(1.0),
            ),
            tasks_per_capability: p(
                "tasks_per_capability",
                s.tasks_per_capability.as_ref(),
                default(1.0),
            ),
            ambient_multiplier: p(
                "ambient_multiplier",
                s.ambient_multiplier.as_ref(),
                default(1.0),
            ),
            device_eligible: p("device_eligible", s.device_eligible.as_ref(), default(0.0)),
            tasks: p("tasks", Some(&s.tasks), POPULATION),
            value: p("value", Some(&s.value), POPULATION),
            attention_cost: p("attention_cost", Some(&s.attention_cost), POPULATION),
            tasks_per_decision: p(
                "tasks_per_decision",
                Some(&s.tasks_per_decision),
                POPULATION,
            ),
        }
    };
    let enterprise = build(b, SegmentKind::Enterprise, &raw.segment.enterprise);
    let developer = build(b, SegmentKind::Developer, &raw.segment.developer);
    [enterprise, developer]
}

fn build_shocks(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Shock> {
    b.names("shock", raw.shock.iter().map(|s| s.name.as_str()));
    raw.shock
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let node = b.entry("shock", i);
            let prefix = format!("shock.{}", s.name);
            let target = match s.target.split_once('.') {
                None if s.target == "cost" => Some(ShockTarget::Cost),
                Some(("demand", seg)) => SegmentKind::from_name(seg).map(ShockTarget::Demand),
                Some(("price", v)) => vendors
                    .iter()
                    .position(|x| x.name == v)
                    .map(ShockTarget::Price),
                _ => None,
            };
            let target = target.unwrap_or_else(|| {
                let mut valid = vec!["cost".to_owned()];
                valid.extend(
                    SegmentKind::ALL
                        .iter()
                        .map(|s| format!("demand.{}", s.name())),
                );
                valid.extend(vendors.iter().map(|v| format!("price.{}", v.name)));
                let loc = node.and_then(|n| n.get("target")).map(|n| n.loc.clone());
                let mut p = Problem::at(
                    loc,
                    format!("{prefix}.target"),
                    format!(
                        "expected `cost`, `demand.<segment>` or `price.<vendor>`, found {:?}",
                        s.target
                    ),
                );
                if let Some(h) = did_you_mean(&s.target, valid.iter().map(String::as_str)) {
                    p = p.with_help(h);
                }
                b.problems.push(p);
                ShockTarget::Cost
            });
            Shock {
                name: s.name.clone(),
                date: b.month_within(node, &format!("{prefix}.date"), "date", &s.date),
                delay_months: b.param(
                    node,
                    &prefix,
                    "delay_months",
                    s.delay_months.as_ref(),
                    default(0.0),
                ),
                target,
                factor: b.param(node, &prefix, "factor", Some(&s.factor), REQUIRED),
                occurs: b.param(
                    node,
                    &prefix,
                    "probability",
                    s.probability.as_ref(),
                    outcome(1.0),
                ),
            }
        })
        .collect()
}

fn build_targets(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Target> {
    let vendor_names: Vec<&str> = vendors.iter().map(|v| v.name.as_str()).collect();
    let segs: Vec<&str> = SegmentKind::ALL.iter().map(|s| s.name()).collect();
    let series = metrics::series(vendor_names.iter().copied(), &segs);
    let mut out = Vec::new();
    for (i, t) in raw.target.iter().enumerate() {
        let node = b.entry("target", i);
        let field = format!("target[{i}]");
        let at = |key: &str| node.and_then(|n| n.get(key)).map(|n| n.loc.clone());
        let is_series = series.contains(&t.metric);
        let is_scalar = metrics::scalar_kind(&t.metric).is_some();
        if !is_series && !is_scalar {
            let mut p = Problem::at(
                at("metric"),
                format!("{field}.metric"),
                format!("unknown metric {:?}", t.metric),
            );
            let all = series
                .iter()
                .map(String::as_str)
                .chain(metrics::scalars().map(|m| -> &str { m }));
            p = p.with_help(did_you_mean(&t.metric, all).unwrap_or_else(|| {
                format!(
                    "metrics are the monthly series ({}) and the scalars ({})",
                    series.join(", "),
                    metrics::scalars().collect::<Vec<_>>().join(", ")
                )
            }));
            b.problems.push(p);
            continue;
        }
        match (is_series, t.year) {
            (true, None) => {
                b.problems.push(
                    Problem::at(at("metric"), format!("{field}.year"), format!("`{}` is a monthly series: a target on it needs a `year` (its annual figure)", t.metric))
                        .with_help("targets without a year refer to the scalars: collapse_factor, month_100x, ..."),
                );
                continue;
            }
            (false, Some(_)) => {
                b.problem(
                    at("year").as_ref(),
                    &format!("{field}.year"),
                    format!(
                        "`{}` is a scalar of the whole path and takes no `year`",
                        t.metric
                    ),
                );
                continue;
            }
            (true, Some(y)) if y < b.start.year() || y > b.horizon.year() => {
                b.problem(
                    at("year").as_ref(),
                    &format!("{field}.year"),
                    format!(
                        "expected a year from {} to {} (the simulated years), found {y}",
                        b.start.year(),
                        b.horizon.year()
                    ),
                );
                continue;
            }
            _ => {}
        }
        let (direction, raw_threshold, key) = match (&t.at_least, &t.at_most) {
            (Some(x), None) => (Direction::AtLeast, x, "at_least"),
            (None, Some(x)) => (Direction::AtMost, x, "at_most"),
            _ => {
                b.problem(
                    node.map(|n| &n.loc),
                    &field,
                    "a target needs exactly one of `at_least` and `at_most`",
                );
                continue;
            }
        };
        let is_month = metrics::is_month(&t.metric);
        let threshold = match (raw_threshold, is_month) {
            (RawThreshold::Number(x), false) if x.is_finite() => Threshold::Number(*x),
            (RawThreshold::Month(s), true) => match s.parse::<Month>() {
                Ok(m) => Threshold::Month(m),
                Err(e) => {
                    b.problem(at(key).as_ref(), &format!("{field}.{key}"), e.to_string());
                    continue;
                }
            },
            (_, true) => {
                b.problem(
                    at(key).as_ref(),
                    &format!("{field}.{key}"),
                    format!(
                        "`{}` is a month: expected a month such as \"2027-06\"",
                        t.metric
                    ),
                );
                continue;
            }
            (_, false) => {
                b.problem(
                    at(key).as_ref(),
                    &format!("{field}.{key}"),
                    "expected a number",
                );
                continue;
            }
        };
        let label = t.name.clone().unwrap_or_else(|| {
            let op = if direction == Direction::AtLeast {
                "≥"
            } else {
                "≤"
            };
            let value = match threshold {
                Threshold::Number(x) => format!("{x}"),
                Threshold::Month(m) => m.to_string(),
            };
            match t.year {
                Some(y) => format!("{} {y} {op} {value}", t.metric),
                None => format!("{} {op} {value}", t.metric),
            }
        });
        out.push(Target {
            label,
            metric: t.metric.clone(),
            year: t.year,
            direction,
            threshold,
        });
    }
    out
}

fn build_plans(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Plan> {
    b.names("plan", raw.plan.iter().map(|p| p.name.as_str()));
    let mut out = Vec::new();
    for (i, p) in raw.plan.iter().enumerate() {
        let node = b.entry("plan", i);
        let prefix = format!("plan.{}", p.name);
        let at = |key: &str| node.and_then(|n| n.get(key)).map(|n| n.loc.clone());
        let vendor = vendors
            .iter()
            .position(|v| v.name == p.vendor)
            .unwrap_or_else(|| {
                let mut pr = Problem::at(
                    at("vendor"),
                    format!("{prefix}.vendor"),
                    format!("no [[vendor]] is named {:?}", p.vendor),
                );
                if let Some(h) = did_you_mean(&p.vendor, vendors.iter().map(|v| v.name.as_str())) {
                    pr = pr.with_help(h);
                }
                b.problems.push(pr);
                0
            });
        let segment = match &p.segment {
            None => SegmentKind::Developer,
            Some(s) => SegmentKind::from_name(s).unwrap_or_else(|| {
                b.problem(
                    at("segment").as_ref(),
                    &format!("{prefix}.segment"),
                    format!("expected `enterprise` or `developer`, found {s:?}"),
                );
                SegmentKind::Developer
            }),
        };
        let included = match &p.included {
            RawParam::Word(w) if w == "unlimited" => Included::Unlimited,
            r => Included::Limited(b.param(node, &prefix, "included", Some(r), REQUIRED)),
        };
        let usage_growth = match &p.usage_growth {
            RawParam::Word(w) if w == "model" => UsageGrowth::Model,
            r => UsageGrowth::Factor(b.param(node, &prefix, "usage_growth", Some(r), REQUIRED)),
        };
        out.push(Plan {
            name: p.name.clone(),
            vendor,
            segment,
            fee: b.param(node, &prefix, "fee", Some(&p.fee), REQUIRED),
            included,
            overage: p
                .overage
                .as_ref()
                .map(|r| b.param(node, &prefix, "overage", Some(r), REQUIRED)),
            cap: p
                .cap
                .as_ref()
                .map(|r| b.param(node, &prefix, "cap", Some(r), REQUIRED)),
            subscribers: b.param(node, &prefix, "subscribers", Some(&p.subscribers), REQUIRED),
            usage: b.param(node, &prefix, "usage", Some(&p.usage), POPULATION),
            usage_growth,
            churn: b.param(node, &prefix, "churn", p.churn.as_ref(), default(0.0)),
        });
    }
    out
}

/// The correlations, and the indices of those dropped because an input they name was pinned.
fn build_correlations(b: &mut Builder, raw: &RawScenario) -> (Vec<Correlation>, Vec<usize>) {
    let mut out = Vec::new();
    let mut dropped = Vec::new();
    let mut seen = HashSet::new();
    for (i, c) in raw.correlation.iter().enumerate() {
        let node = b.entry("correlation", i);
        let field = format!("correlation[{i}]");
        let at = |key: &str| node.and_then(|n| n.get(key)).map(|n| n.loc.clone());
        if !(c.rank > -1.0 && c.rank < 1.0) {
            b.problem(
                at("rank").as_ref(),
                &format!("{field}.rank"),
                format!(
                    "expected a rank correlation strictly between -1 and 1, found {}",
                    c.rank
                ),
            );
        }
        let [a, bb] = c.between.as_slice() else {
            b.problem(
                at("between").as_ref(),
                &format!("{field}.between"),
                format!(
                    "expected the names of two inputs, found {} names",
                    c.between.len()
                ),
            );
            continue;
        };
        let mut ids = Vec::new();
        for name in [a, bb] {
            match b.inputs.iter().position(|inp| inp.name == *name) {
                Some(id) if b.inputs[id].is_uncertain() => ids.push(ParamId(id as u32)),
                // Pinned later in the chain (by a child file or `--set`) than the correlation
                // was written, for a what-if: the correlation no longer applies.
                Some(id)
                    if b.inputs[id]
                        .loc
                        .as_ref()
                        .zip(node)
                        .is_some_and(|(l, n)| l.depth < n.loc.depth) =>
                {
                    if dropped.last() != Some(&i) {
                        dropped.push(i);
                    }
                }
                Some(id) => {
                    let why = if b.inputs[id].kind == InputKind::Population {
                        "describes a population, not an uncertain input"
                    } else {
                        "is a fixed number, not an uncertain input"
                    };
                    b.problem(
                        at("between").as_ref(),
                        &format!("{field}.between"),
                        format!("`{name}` {why}"),
                    );
                }
                None => {
                    let uncertain = b
                        .inputs
                        .iter()
                        .filter(|i| i.is_uncertain())
                        .map(|i| i.name.as_str());
                    let mut p = Problem::at(
                        at("between"),
                        format!("{field}.between"),
                        format!("no uncertain input is named `{name}`"),
                    );
                    if let Some(h) = did_you_mean(name, uncertain) {
                        p = p.with_help(h);
                    }
                    b.problems.push(p);
                }
            }
        }
        if ids.len() < 2 {
            continue;
        }
        if let [x, y] = ids[..] {
            if x == y {
                b.problem(
                    at("between").as_ref(),
                    &format!("{field}.between"),
                    "an input cannot be correlated with itself",
                );
            } else if !seen.insert((x.min(y), x.max(y))) {
                b.problem(
                    at("between").as_ref(),
                    &format!("{field}.between"),
                    format!("the pair `{a}`, `{bb}` is correlated twice"),
                );
            } else {
                out.push(Correlation {
                    a: x,
                    b: y,
                    rank: c.rank,
                });
            }
        }
    }
    (out, dropped)
}
