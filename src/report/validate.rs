//! The summary `infercast validate` prints for a valid scenario.

use crate::scenario::{InputKind, Marginal, Scenario};
use std::fmt::Write;

/// Formats a number for people: at most 4 significant digits, with thousands grouped by
/// SI-style suffixes for large magnitudes (1.2T, 280B, 3.5M, 12k).
pub fn human(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    let (v, suffix) = match a {
        a if a >= 1e12 => (x / 1e12, "T"),
        a if a >= 1e9 => (x / 1e9, "B"),
        a if a >= 1e6 => (x / 1e6, "M"),
        a if a >= 1e4 => (x / 1e3, "k"),
        _ => (x, ""),
    };
    let s = if v == 0.0 {
        "0".to_owned()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 1.0 {
        format!("{:.3}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    } else {
        let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
        format!("{v:.digits$}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    };
    format!("{s}{suffix}")
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word gets a
/// line of its own).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
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
    let sampling = format!("{:?}", s.sampling).to_lowercase();
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

#[cfg(test)]
mod tests {
    use super::{human, wrap};

    #[test]
    fn wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
        assert_eq!(wrap("abcdefgh ij", 5), ["abcdefgh", "ij"]);
    }

    #[test]
    fn human_numbers() {
        assert_eq!(human(1.2e12), "1.2T");
        assert_eq!(human(280e9), "280B");
        assert_eq!(human(3.5e6), "3.5M");
        assert_eq!(human(12_000.0), "12k");
        assert_eq!(human(1500.0), "1500");
        assert_eq!(human(0.14), "0.14");
        assert_eq!(human(0.000123456), "0.0001235");
        assert_eq!(human(2.0), "2");
        assert_eq!(human(0.0), "0");
    }
}
