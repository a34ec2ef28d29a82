//! The table printed at the end of `compare`: what changed between the scenarios, every
//! target in every scenario with its paired difference, and the paired ratios of the
//! heavy-tailed outcomes. Fits 100 columns for up to four scenarios without cutting a name.

use crate::analysis::{Comparison, Pairing};
use crate::report::format::{human, wrap};
use std::fmt::Write;

/// The width the table fits.
const WIDTH: usize = 100;

/// A ratio as people read it: `0.62x`, `3.4x`, `1.2kx`; never in scientific notation.
pub fn times(x: f64) -> String {
    if !x.is_finite() {
        return "n/a".to_owned();
    }
    if x >= 1e4 {
        return format!("{}x", human(x));
    }
    let t = if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else if x >= 0.01 {
        format!("{x:.2}")
    } else if x >= 0.0001 {
        format!("{x:.4}")
    } else {
        return "<0.0001x".to_owned();
    };
    format!("{t}x")
}

/// A setting's value as people read it: large numbers with k/M/B/T (`13.1B`), others as
/// written.
pub fn setting(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(x) if x.abs() >= 1e4 && x.is_finite() => human(x),
        _ => v.to_owned(),
    }
}

/// A difference of probabilities in percentage points with its 95% half-width:
/// `+3.2 pp ±1.1`.
pub fn points(mean: f64, se: f64) -> String {
    let sign = if mean < -0.000_05 { "−" } else { "+" };
    format!("{sign}{:.1} pp ±{:.1}", 100.0 * mean.abs(), 196.0 * se)
}

/// Sentences on which scenarios are conditioned and how their paths pair with the first's.
pub fn pairing_notes(c: &Comparison) -> Vec<String> {
    let mut notes = Vec::new();
    let first = &c.scenarios[0];
    for (k, s) in c.scenarios.iter().enumerate().skip(1) {
        let conditioned = |k: usize| match c.observations[k] {
            0 => "is not conditioned".to_owned(),
            1 => "is conditioned on 1 observation".to_owned(),
            n => format!("is conditioned on {n} observations"),
        };
        match c.pairing[k] {
            Pairing::Plain => {}
            Pairing::SameObservations => notes.push(format!(
                "{s} and {first} are conditioned on the same {} observations: paired path by \
                 path, each path with its weight in each scenario.",
                c.observations[k]
            )),
            Pairing::Unpaired => notes.push(format!(
                "{s} {} and {first} {}: their differences are not paired (each scenario's own \
                 estimate, errors added as if independent).",
                conditioned(k),
                conditioned(0)
            )),
        }
    }
    notes
}

/// The table printed at the end of `compare`.
pub fn comparison_table(c: &Comparison) -> String {
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{} paths, seed {}, common random numbers: path i draws the same inputs in every scenario.",
        c.paths, c.seed
    );
    for note in pairing_notes(c) {
        for line in wrap(&note, WIDTH) {
            let _ = writeln!(w, "{line}");
        }
    }
    changes(&mut w, c);
    targets(&mut w, c);
    ratios(&mut w, c);
    w
}

/// "What changed": every setting that differs, with each scenario's value.
fn changes(w: &mut String, c: &Comparison) {
    let _ = writeln!(w, "\nWhat changed ({} settings differ)", c.changes.len());
    let _ = writeln!(w, "{}", "─".repeat(WIDTH - 1));
    for ch in &c.changes {
        let values: Vec<String> = c
            .scenarios
            .iter()
            .zip(&ch.values)
            .map(|(s, v)| format!("{s}: {}", v.as_deref().map_or("(not set)".into(), setting)))
            .collect();
        let one = format!("{}  {}", ch.key, values.join(" · "));
        if one.chars().count() < WIDTH {
            let _ = writeln!(w, "{one}");
        } else {
            let _ = writeln!(w, "{}", ch.key);
            for v in values {
                for line in wrap(&v, WIDTH - 5) {
                    let _ = writeln!(w, "    {line}");
                }
            }
        }
    }
}

/// The widths of the label column and of each scenario's column.
fn widths(c: &Comparison, min_cell: usize) -> (usize, usize) {
    let cell = c
        .scenarios
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(min_cell);
    let label = (WIDTH - 1)
        .saturating_sub((cell + 1) * c.scenarios.len())
        .max(20);
    (label, cell)
}

/// Every target in every scenario, and each scenario's paired difference from the first.
fn targets(w: &mut String, c: &Comparison) {
    let (label, cell) = widths(c, 17);
    let _ = writeln!(
        w,
        "\nTargets: probability ± half its 95% interval (1.96 standard errors); Δ: the \
         difference\nfrom {} in percentage points ± half its 95% interval (paired variance); \
         * not declared\nby the scenario, evaluated on its paths.",
        c.scenarios[0]
    );
    let _ = write!(w, "{:label$}", "Probability of");
    for s in &c.scenarios {
        let _ = write!(w, " {s:>cell$}");
    }
    let _ = writeln!(
        w,
        "\n{}",
        "─".repeat(label + (cell + 1) * c.scenarios.len())
    );
    for row in &c.targets {
        let mut names = wrap(&row.label, label).into_iter();
        let _ = write!(w, "{:label$}", names.next().unwrap_or_default());
        for (p, declared) in row.probabilities.iter().zip(&row.declared) {
            let mark = if *declared { "" } else { "*" };
            let text = p.map_or("—".to_owned(), |p| {
                format!("{:.1}% ±{:.1}{mark}", 100.0 * p.probability, 196.0 * p.se)
            });
            let _ = write!(w, " {text:>cell$}");
        }
        let _ = write!(w, "\n{:label$}", names.next().unwrap_or_default());
        for d in &row.differences {
            let text = d.map_or(String::new(), |d| format!("Δ {}", points(d.mean, d.se)));
            let _ = write!(w, " {text:>cell$}");
        }
        w.push('\n');
        for rest in names {
            let _ = writeln!(w, "{rest}");
        }
    }
}

/// The paired ratios of the heavy-tailed outcomes.
fn ratios(w: &mut String, c: &Comparison) {
    let scenario = c
        .scenarios
        .iter()
        .map(|s| s.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let outcome = (WIDTH - 1).saturating_sub(scenario + 10 + 24 + 3).max(20);
    let _ = writeln!(
        w,
        "\nRatio scenario ÷ {}, path by path: median and P25–P75 over the paths",
        c.scenarios[0]
    );
    let _ = writeln!(
        w,
        "{:outcome$} {:scenario$} {:>10} {:>24}",
        "Outcome", "Scenario", "median", "P25–P75"
    );
    let _ = writeln!(w, "{}", "─".repeat(outcome + scenario + 36));
    for r in &c.ratios {
        let range = match (r.p25, r.p75) {
            (Some(a), Some(b)) => format!("{} – {}", times(a), times(b)),
            _ if r.pairing == Pairing::Unpaired => "(not paired)".to_owned(),
            _ => "—".to_owned(),
        };
        let mut names = wrap(&r.outcome, outcome).into_iter();
        let _ = writeln!(
            w,
            "{:outcome$} {:scenario$} {:>10} {range:>24}",
            names.next().unwrap_or_default(),
            r.scenario,
            r.median.map_or("—".to_owned(), times),
        );
        for rest in names {
            let _ = writeln!(w, "{rest}");
        }
    }
}
