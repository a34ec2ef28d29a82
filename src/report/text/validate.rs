//! The summary `infercast validate` prints for a valid scenario.

use crate::report::format::{human, wrap};
use crate::scenario::{InputKind, Marginal, Month, ParamId, Scenario};
use std::fmt::Write;

/// A nominal date and its delay as people plan with them: `Rubin 2026-07` with no delay,
/// `Rubin 2026-07 + 6 months = 2027-01` with a pinned delay, `Rubin 2026-07 + delay (median
/// 3 months)` with an uncertain one.
fn effective(s: &Scenario, name: &str, date: Month, delay: ParamId) -> String {
    let d = &s.input(delay).dist;
    let median = d.median();
    if !d.is_fixed() {
        return format!("{name} {date} + delay (median {} months)", human(median));
    }
    if median == 0.0 {
        return format!("{name} {date}");
    }
    let months = median.round() as i32;
    let sign = if months < 0 { "−" } else { "+" };
    format!(
        "{name} {date} {sign} {} months = {}",
        months.abs(),
        date.plus(months)
    )
}

/// `label` and `items`, comma-separated, wrapped within 100 columns under an 11-column label.
fn listed(w: &mut String, label: &str, items: &[String]) {
    for (i, line) in wrap(&items.join(", "), 100 - 11).iter().enumerate() {
        let _ = writeln!(w, "{:10} {line}", if i == 0 { label } else { "" });
    }
}

/// `n` with `word`, plural but for 1: "1 correlation", "2 correlations".
fn count(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A short description of a valid scenario: horizon, vendors, generations, and every
/// uncertain input with its median and distribution.
pub fn scenario_summary(s: &Scenario) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "scenario   {}", s.name);
    for line in wrap(&s.description, 100 - 11) {
        let _ = writeln!(w, "           {line}");
    }
    let _ = writeln!(
        w,
        "horizon    {} to {} ({} months); collapse factor measured at {}",
        s.start,
        s.horizon,
        s.months(),
        s.collapse_date
    );
    let sampling = s.sampling;
    let _ = writeln!(
        w,
        "run        {} paths, seed {}, {sampling} sampling",
        s.paths, s.seed
    );
    let mut gens = vec![format!("{} (installed)", s.hardware.installed)];
    gens.extend(
        s.hardware
            .generations
            .iter()
            .map(|g| effective(s, &g.name, g.date, g.delay_months)),
    );
    listed(w, "hardware", &gens);
    let vendors: Vec<String> = s
        .vendors
        .iter()
        .map(|v| {
            let mut tags = Vec::new();
            if v.frontier {
                tags.push("frontier".to_owned());
            }
            if let Some(l) = &v.launch {
                tags.push(effective(s, "launch", l.date, l.delay_months));
            }
            if v.commitments.is_some() {
                tags.push("commitments".to_owned());
            }
            if tags.is_empty() {
                v.name.clone()
            } else {
                format!("{} ({})", v.name, tags.join(", "))
            }
        })
        .collect();
    listed(w, "vendors", &vendors);
    let mut dated = |label: &str, items: Vec<String>| {
        if !items.is_empty() {
            listed(w, label, &items);
        }
    };
    dated(
        "efficiency",
        s.efficiency
            .iter()
            .map(|e| effective(s, &e.name, e.date, e.delay_months))
            .collect(),
    );
    dated(
        "devices",
        s.devices
            .iter()
            .map(|d| effective(s, &d.name, d.date, d.delay_months))
            .collect(),
    );
    let segs: Vec<String> = s
        .segments
        .iter()
        .map(|g| format!("{} ({} cohorts)", g.kind.name(), g.cohorts))
        .collect();
    let _ = writeln!(w, "segments   {}", segs.join(", "));
    let _ = writeln!(
        w,
        "also       {}, {}, {}, {}",
        count(s.shocks.len(), "shock"),
        count(s.targets.len(), "target"),
        count(s.correlations.len(), "correlation"),
        count(s.plans.len(), "plan")
    );
    for t in &s.targets {
        let _ = writeln!(w, "  target   {}", t.label);
    }
    let uncertain: Vec<_> = s.inputs.iter().filter(|i| i.is_uncertain()).collect();
    let population = s
        .inputs
        .iter()
        .filter(|i| i.kind == InputKind::Population)
        .count();
    let _ = writeln!(
        w,
        "inputs     {} named numbers: {} uncertain, {} population distributions, {} fixed",
        s.inputs.len(),
        uncertain.len(),
        population,
        s.inputs.len() - uncertain.len() - population
    );
    let width = uncertain.iter().map(|i| i.name.len()).max().unwrap_or(0);
    for i in uncertain {
        let line = format!(
            "  {:width$}  median {:>8}  ",
            i.name,
            human(i.dist.median())
        );
        let dist = i.dist.to_string();
        if line.chars().count() + dist.chars().count() <= 100 {
            let _ = writeln!(w, "{line}{dist}");
        } else {
            let _ = writeln!(w, "{}\n{:>100}", line.trim_end(), dist);
        }
    }
    out
}
