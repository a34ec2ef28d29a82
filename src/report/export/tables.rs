//! The flat CSV tables beside `outcomes.csv`: `targets.csv` (each target and its
//! probability), `assumptions.csv` (every input and date with its sources) and `columns.csv`
//! (the data dictionary: every column of every CSV file and every metric, with its unit).
//! Each loads with `pandas.read_csv(path)` and no options: one header row, the same number of
//! cells on every row, numbers as plain decimals (float noise below 1e-12 written as 0).

use super::csv::{number, text};
use crate::analysis::{Summary, ThresholdValue};
use crate::report::format::{NOISE, Unit};
use crate::scenario::metrics;
use std::io;

/// A number for these tables: [`number`], with float noise (|x| < 1e-12, such as `4.3e-19`
/// for a difference of equal sums) written as 0.
pub fn tidy(x: f64) -> String {
    if x.is_finite() && x.abs() < NOISE {
        "0".to_owned()
    } else {
        number(x)
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> io::Result<Vec<u8>> {
    w.into_inner().map_err(|e| e.into_error())
}

/// `targets.csv`: one row per target.
pub fn targets(s: &Summary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "label",
        "metric",
        "year",
        "outcome",
        "direction",
        "threshold",
        "threshold_month",
        "probability",
        "se",
        "wilson95_low",
        "wilson95_high",
        "successes",
        "paths",
    ])?;
    for t in &s.targets {
        let value = t.at_least.as_ref().or(t.at_most.as_ref());
        let (threshold, month) = match value {
            Some(ThresholdValue::Number(x)) => (tidy(*x), String::new()),
            Some(ThresholdValue::Month(m)) => (String::new(), m.clone()),
            None => (String::new(), String::new()),
        };
        let r = &t.result;
        w.write_record([
            text(&t.label).into_owned(),
            text(&t.metric).into_owned(),
            t.year.map_or(String::new(), |y| y.to_string()),
            text(&t.outcome).into_owned(),
            (if t.at_least() { "at_least" } else { "at_most" }).to_owned(),
            threshold,
            month,
            tidy(r.probability),
            tidy(r.se),
            tidy(r.wilson95[0]),
            tidy(r.wilson95[1]),
            r.successes.to_string(),
            r.paths.to_string(),
        ])?;
    }
    finish(w)
}

/// `assumptions.csv`: one row per input (uncertain, fixed or a population) and per date the
/// scenario states, with the ids and addresses of the sources its comment cites.
pub fn assumptions(s: &Summary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "input",
        "label",
        "kind",
        "distribution",
        "median",
        "p5",
        "p95",
        "truncated",
        "source",
        "source_ids",
        "source_addresses",
    ])?;
    for a in &s.assumptions {
        let ids: Vec<&str> = a.sources.iter().map(|c| c.id.as_str()).collect();
        let addresses: Vec<&str> = a
            .sources
            .iter()
            .map(|c| c.address.as_str())
            .filter(|x| !x.is_empty())
            .collect();
        w.write_record([
            text(&a.input).into_owned(),
            text(&a.label).into_owned(),
            a.kind.clone(),
            text(&a.distribution).into_owned(),
            tidy(a.median),
            tidy(a.p5),
            tidy(a.p95),
            a.truncated.to_string(),
            text(a.source.as_deref().unwrap_or("")).into_owned(),
            ids.join(" "),
            addresses.join(" "),
        ])?;
    }
    finish(w)
}

/// The unit of an outcome column for the data dictionary.
fn outcome_unit(name: &str, s: &Summary) -> String {
    if metrics::is_month(name) {
        return format!(
            "month index: 1 = {}, 2 = the month after, ...; empty = never (summary.json \
             \"months\" lists them)",
            s.months.first().map_or("the first month", String::as_str)
        );
    }
    if s.assumptions.iter().any(|a| a.input == name) {
        return "the input's own unit, as in the scenario (see assumptions.csv)".to_owned();
    }
    match Unit::of_outcome(name) {
        Unit::Number if name == "revenue_stall" => "1 = stalled, 0 = not".to_owned(),
        Unit::Number => "number".to_owned(),
        u => unit_words(u).to_owned(),
    }
}

/// A unit in the words of the data dictionary: as stored (shares as fractions, not %).
fn unit_words(u: Unit) -> &'static str {
    match u {
        Unit::Share => "share, 0 to 1",
        Unit::Firms => "share of firms, 0 to 1",
        Unit::Subscribers => "share of subscribers, 0 to 1",
        Unit::Margin => "gross margin, fraction of revenue (negative: a loss)",
        Unit::Factor => "factor (times)",
        other => other.axis(),
    }
}

/// `columns.csv`, the data dictionary: file, column, unit, meaning.
pub fn columns(s: &Summary, outcome_names: &[String]) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["file", "column", "unit", "meaning"])?;
    let mut row = |file: &str, column: &str, unit: &str, meaning: &str| {
        w.write_record([file, &text(column), &text(unit), &text(meaning)])
    };
    row(
        "outcomes.csv",
        "path",
        "integer",
        "the path's index, from 0",
    )?;
    for name in outcome_names.iter().filter(|n| *n != "path") {
        let meaning = s.assumptions.iter().find(|a| a.input == *name).map_or_else(
            || {
                format!(
                    "outcome of the path: {}",
                    crate::report::format::series_title(name)
                )
            },
            |a| format!("input drawn for the path: {}", a.label),
        );
        row("outcomes.csv", name, &outcome_unit(name, s), &meaning)?;
    }
    for (column, unit, meaning) in [
        ("month", "YYYY-MM", "the simulated month"),
        (
            "metric",
            "text",
            "a monthly series (its unit: the rows with file \"series\" below)",
        ),
        (
            "statistic",
            "text",
            "p5, p10, p25, p50, p75, p90, p95 or mean over paths",
        ),
        ("value", "the metric's unit", "the statistic's value"),
    ] {
        row("series.csv", column, unit, meaning)?;
    }
    for name in s.series.keys() {
        let unit = unit_words(Unit::of(name, false));
        row(
            "series",
            name,
            unit,
            &crate::report::format::series_title(name),
        )?;
    }
    for (column, unit, meaning) in [
        (
            "threshold",
            "the outcome's unit",
            "the target's threshold (a number)",
        ),
        (
            "threshold_month",
            "YYYY-MM",
            "the target's threshold (a month)",
        ),
        (
            "probability",
            "probability, 0 to 1",
            "share of paths meeting the target",
        ),
        ("se", "probability, 0 to 1", "Monte Carlo standard error"),
        (
            "wilson95_low",
            "probability, 0 to 1",
            "95% Wilson interval, low end",
        ),
        (
            "wilson95_high",
            "probability, 0 to 1",
            "95% Wilson interval, high end",
        ),
        ("successes", "paths", "paths meeting the target"),
        ("paths", "paths", "paths counted"),
    ] {
        row("targets.csv", column, unit, meaning)?;
    }
    for (column, unit, meaning) in [
        (
            "median",
            "the input's unit",
            "median of the distribution (after truncation)",
        ),
        (
            "p5",
            "the input's unit",
            "5th percentile of the distribution",
        ),
        (
            "p95",
            "the input's unit",
            "95th percentile of the distribution",
        ),
        (
            "truncated",
            "true/false",
            "the distribution is cut to [min, max]",
        ),
        (
            "source_ids",
            "text",
            "ids of docs/sources.md the source comment cites",
        ),
    ] {
        row("assumptions.csv", column, unit, meaning)?;
    }
    finish(w)
}
