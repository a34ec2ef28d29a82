//! The table printed at the end of a run: headline probabilities with their intervals, then
//! the median and P5–P95 of the key outcomes. Fits 100 columns.

use crate::analysis::{KEY_SCALARS, Probability, Summary};
use crate::report::format::{Unit, cut, pct, series_title};
use crate::scenario::metrics;
use std::fmt::Write;

/// Width of the first column.
const LABEL: usize = 56;

fn probability_row(w: &mut String, label: &str, p: &Probability) {
    let _ = writeln!(
        w,
        "{:LABEL$} {:>8}   {:>8} – {:>8}",
        cut(label, LABEL),
        pct(p.probability),
        pct(p.wilson95[0]),
        pct(p.wilson95[1])
    );
}

/// The end-of-run table of `s`.
pub fn summary_table(s: &Summary) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "{}: {} paths, seed {}, {} sampling",
        s.scenario, s.paths, s.seed, s.sampling
    );
    if let Some(c) = &s.conditioning {
        let _ = writeln!(w, "{}", super::conditioning::evidence_line(c));
    }
    let _ = writeln!(
        w,
        "\n{:LABEL$} {:>8}   {:>15}",
        "Probability of", "P", "95% interval"
    );
    let _ = writeln!(w, "{}", "─".repeat(LABEL + 33));
    for t in &s.targets {
        probability_row(w, &t.label, &t.result);
    }
    probability_row(
        w,
        "revenue stall (paid volume grows less than price falls)",
        &s.revenue_stall,
    );
    let _ = writeln!(
        w,
        "\n{:LABEL$} {:>12} {:>12} {:>12}",
        "Outcome", "median", "P5", "P95"
    );
    let _ = writeln!(w, "{}", "─".repeat(LABEL + 39));
    for (label, outcome) in headline_rows(s) {
        let Some(q) = s.outcomes.get(&outcome) else {
            continue;
        };
        let f = |x: Option<f64>| value(s, &outcome, x);
        let _ = writeln!(
            w,
            "{:LABEL$} {:>12} {:>12} {:>12}",
            cut(&label, LABEL),
            f(q.p50),
            f(q.p5),
            f(q.p95)
        );
    }
    if s.conditioning.is_some() {
        out.push_str(&super::conditioning::tables(s));
    }
    out
}

/// An outcome's value as people read it: a month for a month outcome, else in its unit.
pub fn value(s: &Summary, outcome: &str, x: Option<f64>) -> String {
    if metrics::is_month(outcome) {
        s.month_label(x)
    } else {
        x.map_or("n/a".to_owned(), |x| Unit::of_outcome(outcome).format(x))
    }
}

/// The key outcomes and each yearly target's outcome, labelled: the rows of the outcome table.
pub fn headline_rows(s: &Summary) -> Vec<(String, String)> {
    let years = s.years();
    let (first, last) = (years.first().copied(), years.last().copied());
    let span = match (first, last) {
        (Some(a), Some(b)) => format!("{a} → {b}"),
        _ => String::new(),
    };
    let mut rows: Vec<(String, String)> = vec![
        (
            format!(
                "collapse factor, {} → {}",
                s.months.first().map_or("", String::as_str),
                s.collapse_date
            ),
            "collapse_factor".to_owned(),
        ),
        (
            "month of the 100x collapse".to_owned(),
            "month_100x".to_owned(),
        ),
        (
            "month of zero marginal intelligence".to_owned(),
            "month_zero_marginal".to_owned(),
        ),
        (
            format!("paid volume growth, {span}"),
            KEY_SCALARS[1].to_owned(),
        ),
        (
            format!("blended price decline, {span}"),
            KEY_SCALARS[2].to_owned(),
        ),
    ];
    for t in s.targets.iter().filter(|t| t.year.is_some()) {
        if !rows.iter().any(|(_, o)| *o == t.outcome) {
            let title = series_title(&t.metric);
            rows.push((
                format!("{title} in {}", t.year.unwrap_or_default()),
                t.outcome.clone(),
            ));
        }
    }
    rows
}
