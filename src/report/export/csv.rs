//! CSV files: `outcomes.csv` (one row per path) and `series.csv` (monthly quantiles, tidy) of
//! a run, the grid and series of a stress test, and the indices of a sensitivity design.
//!
//! Every text cell goes through [`text`], every number through [`number`]: a text cell that a
//! spreadsheet would read as a formula is written as text (CSV injection).

use super::{Exporter, Sink};
use crate::analysis::{OutcomeRows, Quantiles, RunView, SensitivitySummary, StressSummary};
use crate::scenario::metrics;
use std::borrow::Cow;
use std::io;

/// A number for CSV: shortest round-trip form; empty for NaN or infinity (month scalars:
/// never), which pandas reads as NaN.
pub fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// A text cell for CSV: one that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
/// (which a spreadsheet would read as a formula: a target's free-text name, later a plan's
/// or an observation's) gets a leading `'`, as OWASP advises against CSV injection. Only text
/// cells: a number, negative or not, is written by [`number`] and stays a number.
pub fn text(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The statistics of a [`Quantiles`], named as in the CSV files.
pub fn statistics(q: &Quantiles) -> [(&'static str, Option<f64>); 8] {
    [
        ("p5", q.p5),
        ("p10", q.p10),
        ("p25", q.p25),
        ("p50", q.p50),
        ("p75", q.p75),
        ("p90", q.p90),
        ("p95", q.p95),
        ("mean", q.mean),
    ]
}

/// `outcomes.csv` and `series.csv`.
pub struct Csv;

impl Exporter for Csv {
    fn export(&self, run: &RunView<'_>, sink: &mut dyn Sink) -> io::Result<()> {
        sink.put("series.csv", &series(run)?)?;
        sink.put_with("outcomes.csv", &mut |out| {
            outcomes_with_months(run.rows, &run.summary.months, out)
        })?;
        sink.put("targets.csv", &super::tables::targets(run.summary)?)?;
        sink.put("assumptions.csv", &super::tables::assumptions(run.summary)?)?;
        let names = run.rows.names();
        sink.put("columns.csv", &super::tables::columns(run.summary, names)?)
    }
}

/// `series.csv`, tidy: month, metric, statistic, value.
fn series(run: &RunView<'_>) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["month", "metric", "statistic", "value"])?;
    for (name, qs) in &run.summary.series {
        for (month, q) in run.summary.months.iter().zip(qs) {
            for (stat, x) in statistics(q) {
                let value = x.map_or(String::new(), number);
                w.write_record([&*text(month), &text(name), &text(stat), &value])?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// A shard's `outcomes.csv`: one row per path, `path` as an integer, then the outcome columns
/// as numbers (a month outcome as its 1-based index into the run's months, which `merge` reads).
pub fn outcomes(rows: &dyn OutcomeRows, out: &mut (dyn io::Write + Send)) -> io::Result<()> {
    write_outcomes(rows, None, out)
}

/// A run's `outcomes.csv`: as [`outcomes`], but a month outcome (`month_100x`, …) as its
/// month, `YYYY-MM` (empty: never), read from `months`.
pub fn outcomes_with_months(
    rows: &dyn OutcomeRows,
    months: &[String],
    out: &mut (dyn io::Write + Send),
) -> io::Result<()> {
    write_outcomes(rows, Some(months), out)
}

/// The rows of `outcomes.csv`, month outcomes as months when `months` are given.
fn write_outcomes(
    rows: &dyn OutcomeRows,
    months: Option<&[String]>,
    out: &mut (dyn io::Write + Send),
) -> io::Result<()> {
    let month_column: Vec<bool> = rows.names()[1..]
        .iter()
        .map(|n| months.is_some() && metrics::scalar_kind(n) == Some(metrics::ScalarKind::Month))
        .collect();
    let months = months.unwrap_or_default();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(rows.names().iter().map(|n| text(n).into_owned()))?;
    let mut record: Vec<String> = Vec::with_capacity(rows.names().len());
    rows.for_each(&mut |path, row| {
        record.clear();
        record.push(path.to_string());
        record.extend(row.iter().zip(&month_column).map(|(x, month)| {
            match (*month, x.is_finite()) {
                (true, true) => months
                    .get((*x as usize).wrapping_sub(1))
                    .cloned()
                    .unwrap_or_default(),
                (true, false) => String::new(),
                (false, _) => number(*x),
            }
        }));
        w.write_record(&record)?;
        Ok(())
    })?;
    w.flush()
}

/// `stress-grid.csv`: one row per plan and grid cell.
pub fn stress_grid(s: &StressSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "plan",
        "fee_multiplier",
        "usage_growth_multiplier",
        "fee",
        "p_loss_final_year",
        "se",
        "wilson95_low",
        "wilson95_high",
        "paths",
    ])?;
    for p in &s.plans {
        for c in &p.grid {
            w.write_record([
                text(&p.name).into_owned(),
                c.fee_multiplier.to_string(),
                c.usage_growth_multiplier.to_string(),
                (p.fee * c.fee_multiplier).to_string(),
                c.loss.probability.to_string(),
                c.loss.se.to_string(),
                c.loss.wilson95[0].to_string(),
                c.loss.wilson95[1].to_string(),
                c.loss.paths.to_string(),
            ])?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// `stress-series.csv`, tidy: plan, month, metric, statistic, value.
pub fn stress_series(s: &StressSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["plan", "month", "metric", "statistic", "value"])?;
    for p in &s.plans {
        for (metric, series) in [
            ("gross_margin", &p.margin),
            ("loss_making_share", &p.loss_share),
            ("top5_cost_share", &p.top5_share),
        ] {
            for (month, q) in s.months.iter().zip(series.iter()) {
                for (stat, x) in statistics(q) {
                    let value = x.map_or(String::new(), number);
                    let plan = text(&p.name);
                    w.write_record([&*plan, &text(month), &text(metric), &text(stat), &value])?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// `stress-candidates.csv`: one row per optimised plan and candidate set of terms tried.
pub fn stress_candidates(s: &StressSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let vars = ["fee", "included", "credits", "cap", "weekly_cap", "overage"];
    let mut header = vec!["plan", "candidate", "own_terms", "pass"];
    header.extend(vars);
    header.extend([
        "expected_profit",
        "expected_profit_se",
        "p_loss",
        "p_loss_wilson95_low",
        "p_loss_wilson95_high",
        "cvar90_margin",
        "feasible",
        "frontier",
        "chosen",
    ]);
    w.write_record(&header)?;
    for o in &s.optimization {
        for (k, c) in o.candidates.iter().enumerate() {
            let mut row = vec![
                o.plan.clone(),
                k.to_string(),
                c.own.to_string(),
                c.pass.to_string(),
            ];
            for v in vars {
                row.push(
                    c.terms
                        .iter()
                        .find(|t| t.variable == v)
                        .map_or(String::new(), |t| number(t.value)),
                );
            }
            row.extend([
                number(c.expected_profit.value),
                c.expected_profit.se.map_or(String::new(), number),
                number(c.loss.probability),
                number(c.loss.wilson95[0]),
                number(c.loss.wilson95[1]),
                number(c.cvar90_margin),
                c.feasible.to_string(),
                c.frontier.to_string(),
                (k == o.choice.candidate).to_string(),
            ]);
            w.write_record(&row)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// `stress-evppi.csv`: per optimised plan, the EVPI and the EVPPI of each input and group.
pub fn stress_evppi(s: &StressSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "plan",
        "kind",
        "name",
        "group",
        "evppi",
        "se",
        "raw",
        "null_bias",
        "share_of_evpi",
    ])?;
    for o in &s.optimization {
        let rows = std::iter::once(("evpi", &o.evpi))
            .chain(o.evppi_groups.iter().map(|r| ("group", r)))
            .chain(o.evppi.iter().map(|r| ("input", r)));
        for (kind, r) in rows {
            w.write_record([
                o.plan.as_str(),
                kind,
                &r.name,
                &r.group,
                &number(r.value),
                &number(r.se),
                &number(r.raw),
                &number(r.bias),
                &number(r.share_of_evpi),
            ])?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// `sensitivity.csv`: one row per explained outcome and group, its first-order and total
/// index with standard error and 95% interval.
pub fn sensitivity(s: &SensitivitySummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "outcome",
        "column",
        "explained_as",
        "group",
        "first",
        "first_se",
        "first_ci95_low",
        "first_ci95_high",
        "total",
        "total_se",
        "total_ci95_low",
        "total_ci95_high",
    ])?;
    for o in &s.outcomes {
        for g in &o.indices {
            let mut record: Vec<String> = [&o.label, &o.outcome, &o.explained_as, &g.group]
                .iter()
                .map(|t| text(t).into_owned())
                .collect();
            for i in [&g.first, &g.total] {
                record.extend([i.value, i.se, i.ci95[0], i.ci95[1]].map(number));
            }
            w.write_record(&record)?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_that_start_a_formula_are_quoted_and_others_are_not() {
        for (cell, out) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+1", "'+1"),
            ("-x", "'-x"),
            ("@sum", "'@sum"),
            ("\tt", "'\tt"),
            ("\rr", "'\rr"),
            ("plain", "plain"),
            ("2025-01", "2025-01"),
            ("", ""),
        ] {
            assert_eq!(text(cell), out);
        }
        assert_eq!(number(-0.5), "-0.5");
    }
}
