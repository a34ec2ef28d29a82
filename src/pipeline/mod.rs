//! Each command's stages wired together: run the paths, analyse the results, and write the
//! output folder. A folder is staged beside its name and swapped in whole once written
//! (see [`output`]): each file atomically, `manifest.json` last, listing every other file with
//! its size and hash; its presence says the others are whole and are the ones it lists. The
//! command line and other front ends call these; they never print.

mod compare;
mod folder;
pub mod output;
mod sensitivity;
mod stress;

pub use compare::{CompareManifest, Compared, compare};
pub use folder::Folder;
pub use output::{Faults, Out, Refused};
pub use sensitivity::{check_into, sensitivity};
pub use stress::stress;

use crate::analysis::{ExplainSummary, RunView, SensitivitySummary, Summary, series_quantiles};
use crate::report::{charts, export, html};
use crate::run::{self, Manifest, MergeError, Observer, RowStore, Rows, RunResult, Settings};
use crate::scenario::{Scenario, metrics};
use output::Staged;
use std::io;
use std::path::PathBuf;
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

impl From<Error> for io::Error {
    fn from(e: Error) -> Self {
        match e {
            Error::Io(e) => e,
            Error::Unreproducible(why) => io::Error::new(io::ErrorKind::InvalidInput, why),
        }
    }
}

/// Runs `s` with `settings` and writes its folder `out`: a shard folder with `--shard`, else
/// every file of a run, whose summary is returned.
pub fn run<'a>(
    out: impl Into<Out<'a>>,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Option<Summary>), Error> {
    let staged = Staged::begin(out.into())?;
    let done = run_into(&mut staged.folder()?, s, settings, observer, cancel)?;
    staged.commit()?;
    Ok(done)
}

/// [`run`] into `folder`, which is being staged.
fn run_into(
    folder: &mut Folder<'_>,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Option<Summary>), Error> {
    let mut rows = RowStore::create(folder.path(), &run::outcome_names(s))?;
    let mut sink = |first, block: &[Vec<f64>]| rows.write(first, block);
    let adaptive = !s.observations.is_empty() && (settings.adapt || settings.until_ess.is_some());
    let (mut result, ()) = if adaptive {
        run::run_adaptive(s, settings, observer, &mut sink, cancel, &())?
    } else {
        run::run_with(s, settings, observer, &mut sink, cancel, &())?
    };
    let rows = rows.finish()?;
    let summary = if settings.shard.is_some() {
        write_shard(folder, s, settings, &result, &rows)?;
        None
    } else {
        Some(write_run(folder, s, settings, &mut result, &rows)?)
    };
    Ok((result, summary))
}

/// Writes every file of run `r` into `folder`: `summary.json` (reading the outcome rows back
/// a few columns at a time for the sensitivity), the data files, the charts and
/// `report.html`, then `manifest.json`. Returns the summary. `r.tally.series` is emptied once
/// read.
pub fn write_run(
    folder: &mut Folder<'_>,
    s: &Scenario,
    settings: &Settings,
    r: &mut RunResult,
    rows: &Rows,
) -> Result<Summary, Error> {
    if let Some(why) = crate::analysis::conditioning::unreproducible(s, r) {
        return Err(Error::Unreproducible(why));
    }
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
        exporter.export(&view, folder)?;
    }
    let charts = charts::run_charts(&summary)?;
    charts::export(&charts, folder)?;
    folder.put_html("report.html", &html::run::report(&summary, &charts))?;
    put_manifest(folder, Manifest::new(s, settings, r), Some(rows.len()))?;
    Ok(summary)
}

/// Writes `manifest.json` into `folder`, last: `m` with every file written before it and the
/// number of outcome rows.
fn put_manifest(folder: &mut Folder<'_>, mut m: Manifest, rows: Option<u64>) -> io::Result<()> {
    m.files = folder.files().clone();
    m.outcome_rows = rows;
    folder.put_json("manifest.json", &m)
}

/// Writes a shard's files into `folder`: its exact tally (`tally.json`), its outcome rows and
/// its manifest (last). [`merge`] turns a full set of shards into a run's files.
pub fn write_shard(
    folder: &mut Folder<'_>,
    s: &Scenario,
    settings: &Settings,
    r: &RunResult,
    rows: &Rows,
) -> io::Result<()> {
    let tally = serde_json::to_vec(&r.tally).map_err(io::Error::other)?;
    export::Sink::put(folder, "tally.json", &tally)?;
    export::Sink::put_with(folder, "outcomes.csv", &mut |out| {
        export::csv::outcomes(rows, out)
    })?;
    put_manifest(folder, Manifest::new(s, settings, r), Some(rows.len()))
}

/// What `merge` put together.
pub enum MergedSummary {
    /// A run's shards.
    Run(Box<Summary>),
    /// A sensitivity design's shards.
    Sensitivity(Box<SensitivitySummary>),
}

/// Merges the shard folders `dirs` of one run (or of one sensitivity design, as their manifest
/// says) into `out`, writing the same files a run in one process writes, once every shard is
/// checked (see [`run::merge`]). `out` may not be, or hold, one of the shard folders.
pub fn merge<'a>(dirs: &[PathBuf], out: impl Into<Out<'a>>) -> Result<MergedSummary, MergeError> {
    let out = out.into();
    let write_error = |source| MergeError::Write {
        dir: out.dir.to_owned(),
        source,
    };
    let target = std::path::absolute(out.dir).map_err(write_error)?;
    let target = std::fs::canonicalize(&target).unwrap_or(target);
    for d in dirs {
        let shard = std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
        if shard.starts_with(&target) {
            return Err(write_error(io::Error::other(Refused {
                dir: out.dir.to_owned(),
                why: format!(
                    "it is or holds the shard folder {}, which merge reads and would replace",
                    d.display()
                ),
            })));
        }
    }
    let staged = Staged::begin(out).map_err(write_error)?;
    if dirs
        .first()
        .is_some_and(|d| crate::sensitivity::is_sensitivity_folder(d))
    {
        let summary = sensitivity::merge_into(&mut staged.folder().map_err(write_error)?, dirs)?;
        staged.commit().map_err(write_error)?;
        return Ok(MergedSummary::Sensitivity(Box::new(summary)));
    }
    let mut m = run::merge(dirs, staged.path())?;
    let summary = write_run(
        &mut staged.folder().map_err(write_error)?,
        &m.scenario,
        &m.settings,
        &mut m.result,
        &m.rows,
    )
    .map_err(|e| match e {
        Error::Io(source) => write_error(source),
        Error::Unreproducible(why) => MergeError::Unreproducible(why),
    })?;
    drop(m);
    staged.commit().map_err(write_error)?;
    Ok(MergedSummary::Run(Box::new(summary)))
}

/// `explain`: the median path of `s` and the decomposition of its collapse factor.
pub fn explain(s: &Scenario) -> ExplainSummary {
    ExplainSummary::new(s, &crate::explain::explain(s))
}
