//! Each command's stages wired together: run the paths, analyse the results, and write the
//! output folder (reports' files, then `manifest.json` last: its presence says the others are
//! whole). The command line and other front ends call these; they never print.

mod folder;

pub use folder::Folder;

use crate::analysis::{
    Comparison, ExplainSummary, RunView, StressSummary, Summary, series_quantiles,
};
use crate::report::{charts, export, html};
use crate::run::{self, Manifest, MergeError, Observer, RowStore, Rows, RunResult, Settings};
use crate::scenario::{Scenario, metrics};
use crate::stress::{Grid, SUBSCRIBERS, Stress};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Why a command's outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be written (or a shard read).
    #[error(transparent)]
    Io(#[from] io::Error),
    /// A conditioned run in which no path reproduces the observations: there is nothing to
    /// report (the message says which observation is out of reach).
    #[error("{0}")]
    Unreproducible(String),
}

impl From<charts::ChartError> for Error {
    fn from(e: charts::ChartError) -> Self {
        Error::Io(e.into())
    }
}

/// Runs `s` with `settings` and writes its folder `dir`: a shard folder with `--shard`, else
/// every file of a run, whose summary is returned.
pub fn run(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Option<Summary>), Error> {
    let mut rows = RowStore::create(dir, &run::outcome_names(s))?;
    let mut sink = |first, block: &[Vec<f64>]| rows.write(first, block);
    let adaptive = !s.observations.is_empty() && (settings.adapt || settings.until_ess.is_some());
    let (mut result, ()) = if adaptive {
        run::run_adaptive(s, settings, observer, &mut sink, cancel, &())?
    } else {
        run::run_with(s, settings, observer, &mut sink, cancel, &())?
    };
    let rows = rows.finish()?;
    let summary = if settings.shard.is_some() {
        write_shard(dir, s, settings, &result, &rows)?;
        None
    } else {
        Some(write_run(dir, s, settings, &mut result, &rows)?)
    };
    Ok((result, summary))
}

/// Writes every file of run `r` into `dir`: `summary.json` (reading the outcome rows back a
/// few columns at a time for the sensitivity), the data files, the charts and `report.html`,
/// then `manifest.json`. Returns the summary. `r.tally.series` is emptied once read.
pub fn write_run(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    r: &mut RunResult,
    rows: &Rows,
) -> Result<Summary, Error> {
    if let Some(why) = crate::analysis::conditioning::unreproducible(s, r) {
        return Err(Error::Unreproducible(why));
    }
    let mut folder = Folder::create(dir)?;
    let months: Vec<bool> = r.outcomes.names()[1..]
        .iter()
        .map(|n| metrics::is_month(n))
        .collect();
    let error = std::cell::RefCell::new(None);
    let columns = |cs: &[usize]| {
        rows.columns(cs, &months).unwrap_or_else(|e| {
            error.borrow_mut().get_or_insert(e);
            vec![Vec::new(); cs.len()]
        })
    };
    let series = series_quantiles(r);
    // The series sketches are the run's largest allocation, and sensitivity, next, ranks whole
    // outcome columns: the first is freed before the second, so peak memory stays the run's.
    r.tally.drop_series();
    let summary = Summary::new(s, settings, r, series, &columns);
    if let Some(e) = error.into_inner() {
        return Err(e.into());
    }
    let readable = crate::analysis::readable_rows(r, rows);
    let view = RunView {
        summary: &summary,
        rows: readable.as_ref(),
    };
    for exporter in export::run_exporters() {
        exporter.export(&view, &mut folder)?;
    }
    let charts = charts::run_charts(&summary)?;
    charts::export(&charts, &mut folder)?;
    folder.put_html("report.html", &html::run::report(&summary, &charts))?;
    folder.put_json("manifest.json", &Manifest::new(s, settings, r))?;
    Ok(summary)
}

/// Writes a shard's files into `dir`: its exact tally (`tally.json`), its outcome rows and its
/// manifest (last). [`merge`] turns a full set of shards into a run's files.
pub fn write_shard(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    r: &RunResult,
    rows: &Rows,
) -> io::Result<()> {
    let mut folder = Folder::create(dir)?;
    let tally = serde_json::to_vec(&r.tally).map_err(io::Error::other)?;
    export::Sink::put(&mut folder, "tally.json", &tally)?;
    export::Sink::put_with(&mut folder, "outcomes.csv", &mut |out| {
        export::csv::outcomes(rows, out)
    })?;
    folder.put_json("manifest.json", &Manifest::new(s, settings, r))
}

/// Merges the shard folders `dirs` of one run into `out`, writing the same files a run in one
/// process writes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Summary, MergeError> {
    let mut m = run::merge(dirs, out)?;
    write_run(out, &m.scenario, &m.settings, &mut m.result, &m.rows).map_err(|e| match e {
        Error::Io(source) => MergeError::Write {
            dir: out.to_owned(),
            source,
        },
        Error::Unreproducible(why) => MergeError::Unreproducible(why),
    })
}

/// Compares the runs whose summaries are `summaries` and whose files are in `folders` (the
/// first is the reference), writing the comparison into `dir`.
pub fn compare(
    dir: &Path,
    folders: &[PathBuf],
    summaries: &[Summary],
    metrics: &[String],
) -> io::Result<Comparison> {
    let mut folder = Folder::create(dir)?;
    let mut column = |k: usize, name: &str| read_column(&folders[k].join("outcomes.csv"), name);
    let c = Comparison::new(summaries, metrics, &mut column)?;
    let charts: Vec<charts::Chart> = metrics
        .iter()
        .map(|m| charts::overlay::compare(summaries, m))
        .collect::<Result<_, _>>()?;
    charts::export(&charts, &mut folder)?;
    folder.put_json("compare.json", &c)?;
    let names: Vec<String> = folders
        .iter()
        .map(|f| {
            f.strip_prefix(dir)
                .unwrap_or(f)
                .join("report.html")
                .display()
                .to_string()
        })
        .collect();
    let page = html::compare::page(&c, summaries, &charts, &names);
    folder.put_html("compare.html", &page)?;
    Ok(c)
}

/// The outcome column `name` of an `outcomes.csv`, as numbers (empty cells are NaN, or +∞,
/// "never", in a month column).
fn read_column(path: &Path, name: &str) -> io::Result<Vec<f64>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let headers = rdr.headers()?.clone();
    let c = headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| io::Error::other(format!("{} has no column {name:?}", path.display())))?;
    let missing = if metrics::is_month(name) {
        f64::INFINITY
    } else {
        f64::NAN
    };
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec)? {
        out.push(rec.get(c).and_then(|t| t.parse().ok()).unwrap_or(missing));
    }
    Ok(out)
}

/// Runs every plan of `s` on every path over `grid` and writes the stress test's files into
/// `dir` (`manifest.json` last). Returns whether every path ran, and the summary.
pub fn stress(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, StressSummary)> {
    let extra = Stress::new(s, grid.clone(), settings.seed);
    let (result, tallies) =
        run::run_with(s, settings, observer, &mut |_, _| Ok(()), cancel, &extra)?;
    let mut folder = Folder::create(dir)?;
    let summary = StressSummary::new(s, settings, grid, &tallies);
    folder.put_json("stress.json", &summary)?;
    export::Sink::put(
        &mut folder,
        "stress-grid.csv",
        &export::csv::stress_grid(&summary)?,
    )?;
    export::Sink::put(
        &mut folder,
        "stress-series.csv",
        &export::csv::stress_series(&summary)?,
    )?;
    let mut all = Vec::new();
    for p in &summary.plans {
        all.extend(charts::stress::plan_charts(&summary, p)?);
    }
    charts::export(&all, &mut folder)?;
    folder.put_html("stress.html", &html::stress::page(&summary, &all))?;
    let mut manifest = Manifest::new(s, settings, &result);
    manifest.grid = Some(serde_json::to_value(grid).map_err(io::Error::other)?);
    manifest.subscribers_simulated = Some(SUBSCRIBERS as u64);
    folder.put_json("manifest.json", &manifest)?;
    Ok((result, summary))
}

/// `explain`: the median path of `s` and the decomposition of its collapse factor.
pub fn explain(s: &Scenario) -> ExplainSummary {
    ExplainSummary::new(s, &crate::explain::explain(s))
}
