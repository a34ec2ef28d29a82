//! The summary `infercast validate` prints for a valid scenario.

use crate::report::format::{human, wrap};
use crate::scenario::{InputKind, Marginal, Scenario};
use std::fmt::Write;

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
            .map(|g| format!("{} {}", g.name, g.date)),
    );
    let _ = writeln!(w, "hardware   {}", gens.join(", "));
    let vendors: Vec<String> = s
        .vendors
        .iter()
        .map(|v| {
            let mut tags = Vec::new();
            if v.frontier {
                tags.push("frontier".to_owned());
            }
            if let Some(l) = &v.launch {
                tags.push(format!("launch {}", l.date));
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
    let _ = writeln!(w, "vendors    {}", vendors.join(", "));
    let mut dated = |label: &str, items: Vec<String>| {
        if !items.is_empty() {
            let _ = writeln!(w, "{label:10} {}", items.join(", "));
        }
    };
    dated(
        "efficiency",
        s.efficiency
            .iter()
            .map(|e| format!("{} {}", e.name, e.date))
            .collect(),
    );
    dated(
        "devices",
        s.devices
            .iter()
            .map(|d| format!("{} {}", d.name, d.date))
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
        "also       {} shocks, {} targets, {} correlations, {} plans",
        s.shocks.len(),
        s.targets.len(),
        s.correlations.len(),
        s.plans.len()
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
