//! The terminal tables of a conditioned run: the evidence, what the observations changed, where
//! each observation falls in the prior predictive, and the inputs they moved most.

use super::run::{headline_rows, value};
use crate::analysis::Summary;
use crate::analysis::conditioning::{Conditioning, ObservationCheck, Observed};
use crate::report::format::{Unit, cut, human, pct, table};
use std::fmt::Write;

/// "conditioned on 7 observations; ESS 2,340 of 20,000 paths".
pub fn evidence_line(c: &Conditioning) -> String {
    format!(
        "conditioned on {} observation{}; ESS {} of {} paths",
        c.observations,
        if c.observations == 1 { "" } else { "s" },
        human(c.ess.round()),
        c.paths
    )
}

/// The observation as stated, in its metric's unit.
pub fn observed(o: &ObservationCheck, s: &Summary) -> String {
    let f = |x: f64| value(s, &o.column, Some(x));
    let soft = |sd: &Option<f64>| sd.map_or(String::new(), |sd| format!(" (soft, {})", pct(sd)));
    match &o.observed {
        Observed::Value {
            value,
            sd_log: Some(sd),
            ..
        } => format!("{} ±{}", f(*value), pct(*sd)),
        Observed::Value { value, sd, .. } => {
            format!("{} ±{}", f(*value), f(sd.unwrap_or(f64::NAN)))
        }
        Observed::AtLeast { bound, sd_log } => format!("≥ {}{}", f(*bound), soft(sd_log)),
        Observed::AtMost { bound, sd_log } => format!("≤ {}{}", f(*bound), soft(sd_log)),
        Observed::Between { low, high, sd_log } => {
            format!("{} to {}{}", f(*low), f(*high), soft(sd_log))
        }
    }
}

/// The words for an observation the model rarely produces.
pub const SURPRISE: &str = "the model rarely produces this (outside the prior's P0.5–P99.5): check the observation or the model";

/// The tables after a conditioned run's usual ones.
pub fn tables(s: &Summary) -> String {
    let mut w = String::new();
    let Some(prior) = &s.prior else {
        return w;
    };
    let _ = writeln!(
        w,
        "\n{:56} {:>16} {:>16}",
        "What the observations changed", "prior", "posterior"
    );
    let _ = writeln!(w, "{}", "─".repeat(90));
    for (t, p) in s.targets.iter().zip(&prior.targets) {
        let _ = writeln!(
            w,
            "{:56} {:>16} {:>16}",
            cut(&format!("P({})", t.label), 56),
            pct(p.probability),
            pct(t.result.probability)
        );
    }
    for (label, outcome) in headline_rows(s) {
        let (Some(before), Some(after)) = (prior.outcomes.get(&outcome), s.outcomes.get(&outcome))
        else {
            continue;
        };
        let _ = writeln!(
            w,
            "{:56} {:>16} {:>16}",
            cut(&format!("{label} (median)"), 56),
            value(s, &outcome, before.p50),
            value(s, &outcome, after.p50)
        );
    }
    let rows: Vec<Vec<String>> = s
        .observations
        .iter()
        .map(|o| {
            let q = &o.prior;
            let range = format!(
                "{} ({} – {})",
                value(s, &o.column, q.p50),
                value(s, &o.column, q.p5),
                value(s, &o.column, q.p95)
            );
            vec![
                o.name.clone(),
                observed(o, s),
                range,
                format!("P{:.0}", 100.0 * o.percentile),
            ]
        })
        .collect();
    w.push('\n');
    let printed = table(
        &[
            "Observation",
            "observed",
            "prior predictive: median (P5–P95)",
            "at prior",
        ],
        &rows,
        100,
    );
    // Each surprising observation gets its warning under its row.
    let mut lines = printed.lines();
    let header_lines = if printed.lines().nth(1).is_some_and(|l| l.starts_with('─')) {
        2
    } else {
        3
    };
    for _ in 0..header_lines {
        if let Some(l) = lines.next() {
            let _ = writeln!(w, "{l}");
        }
    }
    let per_row = header_lines - 1;
    for o in &s.observations {
        for _ in 0..per_row {
            if let Some(l) = lines.next() {
                let _ = writeln!(w, "{l}");
            }
        }
        if o.surprising {
            let _ = writeln!(w, "  ! {SURPRISE}");
        }
    }
    let q = |q: &crate::analysis::Quantiles| {
        let h = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Number.format(x));
        format!("{} ({} – {})", h(q.p50), h(q.p5), h(q.p95))
    };
    let rows: Vec<Vec<String>> = s
        .input_shifts
        .iter()
        .take(5)
        .map(|i| {
            let label = s
                .assumptions
                .iter()
                .find(|a| a.input == i.input)
                .map_or_else(|| i.input.clone(), |a| a.label.clone());
            vec![label, q(&i.prior), q(&i.posterior)]
        })
        .collect();
    w.push('\n');
    w.push_str(&table(
        &[
            "Inputs the observations moved most",
            "prior median (P5–P95)",
            "posterior median (P5–P95)",
        ],
        &rows,
        100,
    ));
    w
}
