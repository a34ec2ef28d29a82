//! Exporters: a run's results as files in a format (JSON, CSV, Parquet; a new format is one
//! more file here implementing [`Exporter`]). They read only analysis types and hand their
//! bytes to a [`Sink`], which the caller backs with a folder written atomically (or memory).

pub mod csv;
pub mod json;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod tables;

use crate::analysis::{OutcomeRows, RunView};
use std::io;

/// Where exporters put their files.
pub trait Sink {
    /// Stores the file `name` with contents `bytes`.
    fn put(&mut self, name: &str, bytes: &[u8]) -> io::Result<()>;

    /// Stores the file `name`, written by `write` (for files too large to hold in memory).
    fn put_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut (dyn io::Write + Send)) -> io::Result<()>,
    ) -> io::Result<()>;
}

/// Files kept in memory, by name, in the order they were put.
#[derive(Debug, Default)]
pub struct Memory {
    pub files: Vec<(String, Vec<u8>)>,
}

impl Memory {
    /// The contents of file `name`, if it was put.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
    }
}

impl Sink for Memory {
    fn put(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.files.push((name.to_owned(), bytes.to_vec()));
        Ok(())
    }

    fn put_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut (dyn io::Write + Send)) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        self.files.push((name.to_owned(), bytes));
        Ok(())
    }
}

/// A file format of a run's results.
pub trait Exporter: Sync {
    /// Writes this format's files of `run` into `sink`.
    fn export(&self, run: &RunView<'_>, sink: &mut dyn Sink) -> io::Result<()>;
}

/// Which data files a run writes beside `summary.json`: CSV (the default), Parquet, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Csv,
    Parquet,
    Both,
}

impl Format {
    /// Whether the CSV files are written.
    pub fn csv(self) -> bool {
        matches!(self, Format::Csv | Format::Both)
    }

    /// Whether the Parquet files are written.
    pub fn parquet(self) -> bool {
        matches!(self, Format::Parquet | Format::Both)
    }

    /// Whether this build can write the format (Parquet needs the `parquet` feature, on by
    /// default).
    pub fn available(self) -> bool {
        cfg!(feature = "parquet") || !self.parquet()
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(Format::Csv),
            "parquet" => Ok(Format::Parquet),
            "both" => Ok(Format::Both),
            _ => Err(format!("expected csv, parquet or both, found {s:?}")),
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
            Format::Both => "both",
        })
    }
}

/// The exporters of a run's data files in `format`, in the order they are written
/// (`summary.json` always).
pub fn run_exporters(format: Format) -> Vec<Box<dyn Exporter>> {
    let mut out: Vec<Box<dyn Exporter>> = vec![Box::new(json::Json)];
    if format.csv() {
        out.push(Box::new(csv::Csv));
    }
    #[cfg(feature = "parquet")]
    if format.parquet() {
        out.push(Box::new(parquet::Parquet));
    }
    out
}

/// A shard's outcome rows in `format`: `outcomes.csv` and/or `outcomes.parquet` (whose month
/// columns are dates: `months` are the run's months, `"YYYY-MM"`).
pub fn outcome_rows(
    rows: &dyn OutcomeRows,
    months: &[String],
    format: Format,
    sink: &mut dyn Sink,
) -> io::Result<()> {
    if format.csv() {
        sink.put_with("outcomes.csv", &mut |out| csv::outcomes(rows, out))?;
    }
    #[cfg(feature = "parquet")]
    if format.parquet() {
        sink.put_with("outcomes.parquet", &mut |out| {
            parquet::outcomes(rows, months, out)
        })?;
    }
    let _ = months;
    Ok(())
}
