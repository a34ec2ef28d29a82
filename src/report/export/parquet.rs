//! Parquet files, with typed columns, for notebooks and databases (pandas, polars, DuckDB read
//! them with no options): `outcomes.parquet` (one row per path), `series.parquet` (monthly
//! quantiles, tidy), and the tidy tables `targets.parquet` and `assumptions.parquet`.
//!
//! Types: `path` and counts are 64-bit integers, years 32-bit integers, months dates (the
//! first day of the month), flags booleans, other values 64-bit floats; a value that is
//! missing (an empty cell in the CSV files: NaN, or a month that never came) is null. A
//! column's unit, where it has one, is in its field metadata (`unit`); `series.parquet` holds
//! each metric's unit in the file's metadata (`units`, a JSON object).
//!
//! The files are deterministic (the same rows give the same bytes, whatever the threads or
//! shards): fixed writer properties, `created_by` naming this tool's version, row groups of
//! a fixed number of rows.

use super::{Exporter, Sink};
use crate::analysis::{OutcomeRows, RunView, Summary, ThresholdValue};
use crate::report::format::Unit;
use crate::scenario::Month;
use crate::scenario::metrics::{self, ScalarKind};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int32Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::collections::HashMap;
use std::io;
use std::sync::Arc;

/// Rows per row group: a row group is buffered in memory until written (16,384 rows of the
/// base scenario's 76 columns are 10 MB), so memory does not grow with paths.
const ROW_GROUP: usize = 16_384;

/// Rows per record batch handed to the writer.
const BATCH: usize = 4_096;

/// `outcomes.parquet`, `series.parquet`, `targets.parquet` and `assumptions.parquet`.
pub struct Parquet;

impl Exporter for Parquet {
    fn export(&self, run: &RunView<'_>, sink: &mut dyn Sink) -> io::Result<()> {
        let s = run.summary;
        sink.put_with("series.parquet", &mut |out| series(s, out))?;
        sink.put_with("outcomes.parquet", &mut |out| {
            outcomes(run.rows, &s.months, out)
        })?;
        sink.put_with("targets.parquet", &mut |out| targets(s, out))?;
        sink.put_with("assumptions.parquet", &mut |out| assumptions(s, out))
    }
}

/// The writer properties of every file: fixed, so that files are byte-identical run to run.
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_created_by(format!("infercast {}", env!("CARGO_PKG_VERSION")))
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build()
}

fn other(e: impl std::error::Error + Send + Sync + 'static) -> io::Error {
    io::Error::other(e)
}

/// A Parquet file being written into an exporter's output.
type Writer<'a> = ArrowWriter<&'a mut (dyn io::Write + Send)>;

/// Starts a Parquet file of `schema` in `out`; batches are written to it, then it is closed.
fn writer<'a>(schema: SchemaRef, out: &'a mut (dyn io::Write + Send)) -> io::Result<Writer<'a>> {
    ArrowWriter::try_new(out, schema, Some(properties())).map_err(other)
}

/// Writes one batch of `columns` with `schema` as a whole file (for the small tables).
fn write_table(
    schema: SchemaRef,
    columns: Vec<ArrayRef>,
    out: &mut (dyn io::Write + Send),
) -> io::Result<()> {
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(other)?;
    let mut w = writer(schema, out)?;
    w.write(&batch).map_err(other)?;
    w.close().map_err(other)?;
    Ok(())
}

/// Days from 1970-01-01 to the first day of month `"YYYY-MM"` (the Parquet/Arrow date).
pub fn month_date(month: &str) -> Option<i32> {
    month.parse::<Month>().ok().map(Month::epoch_days)
}

/// A field with its unit in the metadata, where the unit is known.
fn field(name: &str, kind: DataType, unit: Option<&str>) -> Field {
    let f = Field::new(name, kind, true);
    match unit {
        Some(u) => f.with_metadata(HashMap::from([("unit".to_owned(), u.to_owned())])),
        None => f,
    }
}

/// How an outcome column is stored.
#[derive(Clone, Copy)]
enum Column {
    Number,
    Month,
    Flag,
}

/// A column being filled, batch by batch.
enum Builder {
    Number(Float64Builder),
    Month(Date32Builder),
    Flag(BooleanBuilder),
}

/// `outcomes.parquet`: `path` (int64), then every outcome column of `outcomes.csv`: month
/// scalars as dates, flags as booleans, the rest as floats; missing values null. `months`
/// are the run's months (a month scalar's value is a 1-based index into them).
pub fn outcomes(
    rows: &dyn OutcomeRows,
    months: &[String],
    out: &mut (dyn io::Write + Send),
) -> io::Result<()> {
    let names = rows.names();
    let kinds: Vec<Column> = names[1..]
        .iter()
        .map(|n| match metrics::scalar_kind(n) {
            Some(ScalarKind::Month) => Column::Month,
            Some(ScalarKind::Flag) => Column::Flag,
            _ => Column::Number,
        })
        .collect();
    let mut fields = vec![Field::new(&names[0], DataType::Int64, false)];
    for (name, kind) in names[1..].iter().zip(&kinds) {
        fields.push(match kind {
            Column::Month => field(name, DataType::Date32, None),
            Column::Flag => field(name, DataType::Boolean, None),
            Column::Number => {
                let unit = Unit::of_outcome(name);
                let unit = (unit != Unit::Number).then(|| unit.axis());
                field(name, DataType::Float64, unit)
            }
        });
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let dates: Vec<Option<i32>> = months.iter().map(|m| month_date(m)).collect();
    let new_builders = || -> (Int64Builder, Vec<Builder>) {
        let columns = kinds
            .iter()
            .map(|k| match k {
                Column::Number => Builder::Number(Float64Builder::with_capacity(BATCH)),
                Column::Month => Builder::Month(Date32Builder::with_capacity(BATCH)),
                Column::Flag => Builder::Flag(BooleanBuilder::with_capacity(BATCH)),
            })
            .collect();
        (Int64Builder::with_capacity(BATCH), columns)
    };
    let finish = |(mut path, columns): (Int64Builder, Vec<Builder>)| {
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(path.finish())];
        for b in columns {
            arrays.push(match b {
                Builder::Number(mut b) => Arc::new(b.finish()),
                Builder::Month(mut b) => Arc::new(b.finish()),
                Builder::Flag(mut b) => Arc::new(b.finish()),
            });
        }
        RecordBatch::try_new(schema.clone(), arrays).map_err(other)
    };
    let mut w = writer(schema.clone(), out)?;
    let mut current = new_builders();
    let mut filled = 0;
    rows.for_each(&mut |path, row| {
        current.0.append_value(path as i64);
        for (b, x) in current.1.iter_mut().zip(row) {
            let x = *x;
            match b {
                Builder::Number(b) => b.append_option(x.is_finite().then_some(x)),
                Builder::Month(b) => b.append_option(
                    (x.is_finite() && x >= 1.0)
                        .then(|| dates.get(x as usize - 1).copied().flatten())
                        .flatten(),
                ),
                Builder::Flag(b) => b.append_option(x.is_finite().then_some(x != 0.0)),
            }
        }
        filled += 1;
        if filled == BATCH {
            let batch = finish(std::mem::replace(&mut current, new_builders()))?;
            w.write(&batch).map_err(other)?;
            filled = 0;
        }
        Ok(())
    })?;
    if filled > 0 {
        w.write(&finish(current)?).map_err(other)?;
    }
    w.close().map_err(other)?;
    Ok(())
}

/// `series.parquet`, tidy as `series.csv`: month (date), metric, statistic, value (null where
/// `series.csv` is empty). The file's metadata `units` gives each metric's unit.
fn series(s: &Summary, out: &mut (dyn io::Write + Send)) -> io::Result<()> {
    let units: serde_json::Map<String, serde_json::Value> = s
        .series
        .keys()
        .map(|m| (m.clone(), Unit::of(m, false).axis().into()))
        .collect();
    let units = serde_json::to_string(&units).map_err(other)?;
    let schema: SchemaRef = Arc::new(
        Schema::new(vec![
            Field::new("month", DataType::Date32, false),
            Field::new("metric", DataType::Utf8, false),
            Field::new("statistic", DataType::Utf8, false),
            Field::new("value", DataType::Float64, true),
        ])
        .with_metadata(HashMap::from([("units".to_owned(), units)])),
    );
    let n = s.series.len() * s.months.len() * 8;
    let mut month = Date32Builder::with_capacity(n);
    let mut metric = StringBuilder::new();
    let mut statistic = StringBuilder::new();
    let mut value = Float64Builder::with_capacity(n);
    let dates: Vec<i32> = s
        .months
        .iter()
        .map(|m| month_date(m).unwrap_or_default())
        .collect();
    for (name, qs) in &s.series {
        for (date, q) in dates.iter().zip(qs) {
            for (stat, x) in super::csv::statistics(q) {
                month.append_value(*date);
                metric.append_value(name);
                statistic.append_value(stat);
                value.append_option(x.filter(|x| x.is_finite()));
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(month.finish()),
        Arc::new(metric.finish()),
        Arc::new(statistic.finish()),
        Arc::new(value.finish()),
    ];
    write_table(schema, columns, out)
}

/// `targets.parquet`: one row per `[[target]]`: label, metric, year, outcome, direction
/// (`at_least` or `at_most`), threshold (a number; null for a month target) or
/// threshold_month (a date), probability, se, wilson95_low, wilson95_high, successes, paths.
fn targets(s: &Summary, out: &mut (dyn io::Write + Send)) -> io::Result<()> {
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("label", DataType::Utf8, false),
        Field::new("metric", DataType::Utf8, false),
        Field::new("year", DataType::Int32, true),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("direction", DataType::Utf8, false),
        Field::new("threshold", DataType::Float64, true),
        Field::new("threshold_month", DataType::Date32, true),
        Field::new("probability", DataType::Float64, false),
        Field::new("se", DataType::Float64, false),
        Field::new("wilson95_low", DataType::Float64, false),
        Field::new("wilson95_high", DataType::Float64, false),
        Field::new("successes", DataType::Int64, false),
        Field::new("paths", DataType::Int64, false),
    ]));
    let mut label = StringBuilder::new();
    let mut metric = StringBuilder::new();
    let mut year = Int32Builder::new();
    let mut outcome = StringBuilder::new();
    let mut direction = StringBuilder::new();
    let mut threshold = Float64Builder::new();
    let mut threshold_month = Date32Builder::new();
    let mut numbers: [Float64Builder; 4] = Default::default();
    let mut successes = Int64Builder::new();
    let mut paths = Int64Builder::new();
    for t in &s.targets {
        label.append_value(&t.label);
        metric.append_value(&t.metric);
        year.append_option(t.year);
        outcome.append_value(&t.outcome);
        direction.append_value(if t.at_least() { "at_least" } else { "at_most" });
        let value = t.at_least.as_ref().or(t.at_most.as_ref());
        threshold.append_option(match value {
            Some(ThresholdValue::Number(x)) => Some(*x),
            _ => None,
        });
        threshold_month.append_option(match value {
            Some(ThresholdValue::Month(m)) => month_date(m),
            _ => None,
        });
        let r = &t.result;
        for (b, x) in numbers
            .iter_mut()
            .zip([r.probability, r.se, r.wilson95[0], r.wilson95[1]])
        {
            b.append_value(x);
        }
        successes.append_value(r.successes as i64);
        paths.append_value(r.paths as i64);
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(label.finish()),
        Arc::new(metric.finish()),
        Arc::new(year.finish()),
        Arc::new(outcome.finish()),
        Arc::new(direction.finish()),
        Arc::new(threshold.finish()),
        Arc::new(threshold_month.finish()),
    ];
    columns.extend(numbers.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(successes.finish()));
    columns.push(Arc::new(paths.finish()));
    write_table(schema, columns, out)
}

/// `assumptions.parquet`: one row per input and date (as `summary.json`'s assumptions):
/// input, distribution (as written), median, p5, p95 (null for a date), source (its comment
/// in the scenario; null without one).
fn assumptions(s: &Summary, out: &mut (dyn io::Write + Send)) -> io::Result<()> {
    let schema: SchemaRef = Arc::new(Schema::new(vec![
        Field::new("input", DataType::Utf8, false),
        Field::new("distribution", DataType::Utf8, false),
        Field::new("median", DataType::Float64, true),
        Field::new("p5", DataType::Float64, true),
        Field::new("p95", DataType::Float64, true),
        Field::new("source", DataType::Utf8, true),
    ]));
    let mut input = StringBuilder::new();
    let mut distribution = StringBuilder::new();
    let mut numbers: [Float64Builder; 3] = Default::default();
    let mut source = StringBuilder::new();
    for a in &s.assumptions {
        input.append_value(&a.input);
        distribution.append_value(&a.distribution);
        for (b, x) in numbers.iter_mut().zip([a.median, a.p5, a.p95]) {
            b.append_option(x.is_finite().then_some(x));
        }
        source.append_option(a.source.as_deref());
    }
    let mut columns: Vec<ArrayRef> =
        vec![Arc::new(input.finish()), Arc::new(distribution.finish())];
    columns.extend(numbers.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef));
    columns.push(Arc::new(source.finish()));
    write_table(schema, columns, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_the_first_day_of_the_month() {
        assert_eq!(month_date("1970-01"), Some(0));
        assert_eq!(month_date("1970-02"), Some(31));
        assert_eq!(month_date("2000-03"), Some(11_017));
        assert_eq!(month_date("2025-01"), Some(20_089));
        assert_eq!(month_date("2024-03"), Some(19_783)); // after a leap February
        assert_eq!(month_date("nonsense"), None);
    }
}
