//! Outcomes: the targets whose probabilities a run reports, and the rank correlations
//! between uncertain inputs.

use super::Builder;
use crate::scenario::error::{Problem, did_you_mean};
use crate::scenario::metrics;
use crate::scenario::month::Month;
use crate::scenario::raw::{RawScenario, RawTarget, RawThreshold};
use crate::scenario::source::Node;
use crate::scenario::types::*;
use std::collections::HashSet;

/// The targets whose probabilities a run reports.
pub(super) fn build_targets(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Target> {
    let vendor_names: Vec<&str> = vendors.iter().map(|v| v.name.as_str()).collect();
    let segs: Vec<&str> = SegmentKind::ALL.iter().map(|s| s.name()).collect();
    let series = metrics::series(vendor_names.iter().copied(), &segs);
    raw.target
        .iter()
        .enumerate()
        .filter_map(|(i, t)| build_target(b, i, t, &series))
        .collect()
}

/// Target `i`, or `None` (its problem recorded) when its metric, year or threshold is wrong.
fn build_target(b: &mut Builder, i: usize, t: &RawTarget, series: &[String]) -> Option<Target> {
    let node = b.entry("target", i);
    let field = format!("target[{i}]");
    if !target_metric_fits(b, node, &field, t, series) {
        return None;
    }
    let (direction, threshold) = target_threshold(b, node, &field, t)?;
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
    Some(Target {
        label,
        metric: t.metric.clone(),
        year: t.year,
        direction,
        threshold,
    })
}

/// Whether the target's metric exists and its `year` fits it: a monthly series needs one of
/// the simulated years, a scalar of the whole path takes none.
fn target_metric_fits(
    b: &mut Builder,
    node: Option<&Node>,
    field: &str,
    t: &RawTarget,
    series: &[String],
) -> bool {
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
        return false;
    }
    match (is_series, t.year) {
        (true, None) => {
            b.problems.push(
                Problem::at(at("metric"), format!("{field}.year"), format!("`{}` is a monthly series: a target on it needs a `year` (its annual figure)", t.metric))
                    .with_help("targets without a year refer to the scalars: collapse_factor, month_100x, ..."),
            );
            return false;
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
            return false;
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
            return false;
        }
        _ => {}
    }
    true
}

/// The target's direction and threshold: exactly one of `at_least` and `at_most`, a month
/// for a metric that is a month and a number otherwise.
fn target_threshold(
    b: &mut Builder,
    node: Option<&Node>,
    field: &str,
    t: &RawTarget,
) -> Option<(Direction, Threshold)> {
    let at = |key: &str| node.and_then(|n| n.get(key)).map(|n| n.loc.clone());
    let (direction, raw_threshold, key) = match (&t.at_least, &t.at_most) {
        (Some(x), None) => (Direction::AtLeast, x, "at_least"),
        (None, Some(x)) => (Direction::AtMost, x, "at_most"),
        _ => {
            b.problem(
                node.map(|n| &n.loc),
                field,
                "a target needs exactly one of `at_least` and `at_most`",
            );
            return None;
        }
    };
    let is_month = metrics::is_month(&t.metric);
    let threshold = match (raw_threshold, is_month) {
        (RawThreshold::Number(x), false) if x.is_finite() => Threshold::Number(*x),
        (RawThreshold::Month(s), true) => match s.parse::<Month>() {
            Ok(m) => Threshold::Month(m),
            Err(e) => {
                b.problem(at(key).as_ref(), &format!("{field}.{key}"), e.to_string());
                return None;
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
            return None;
        }
        (_, false) => {
            b.problem(
                at(key).as_ref(),
                &format!("{field}.{key}"),
                "expected a number",
            );
            return None;
        }
    };
    Some((direction, threshold))
}

/// The correlations, and the indices of those dropped because an input they name was pinned.
pub(super) fn build_correlations(
    b: &mut Builder,
    raw: &RawScenario,
) -> (Vec<Correlation>, Vec<usize>) {
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
