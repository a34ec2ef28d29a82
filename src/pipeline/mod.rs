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

pub use compare::{CompareManifest, Compared, compare, comparison, write_compare};
pub use folder::Folder;
pub use output::{Faults, Out, Refused};
pub use sensitivity::{check_into, sensitivity};
pub use stress::{stress, stress_in_memory, write_stress};

use crate::analysis::{ExplainSummary, RunView, SensitivitySummary, Summary, series_quantiles};
use crate::report::export::{self, Format};
use crate::report::{charts, html};
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

/// A finished run held in memory: its summary, its outcome rows (in a temporary file, removed
/// with them) and its manifest. [`write`] writes its folder; front ends without a folder (the
/// Python package) read it directly.
pub struct Analysed {
    pub summary: Summary,
    pub rows: Rows,
    pub manifest: Manifest,
    /// A conditioned run's weight column and its total, to normalise the rows' weights.
    weights: Option<(usize, f64)>,
}

impl Analysed {
    /// The outcome rows as people read them: in a conditioned run, the weights normalised to
    /// sum to 1.
    pub fn rows(&self) -> Box<dyn crate::analysis::OutcomeRows + '_> {
        crate::analysis::readable_rows(self.weights, &self.rows)
    }
}

/// Runs `s` with `settings` and writes its folder `out`: a shard folder with `--shard`, else
/// every file of a run (data files in `format`), whose summary is returned.
pub fn run<'a>(
    out: impl Into<Out<'a>>,
    s: &Scenario,
    settings: &Settings,
    format: Format,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Option<Summary>), Error> {
    let staged = Staged::begin(out.into())?;
    let (result, analysed) =
        run_into(&mut staged.folder()?, s, settings, format, observer, cancel)?;
    // The rows (a temporary file in the folder) are gone before the folder is swapped in.
    let summary = analysed.map(|a| a.summary);
    staged.commit()?;
    Ok((result, summary))
}

/// [`run`] into `folder`, which is being staged. The analysed run's rows are a temporary file
/// in `folder`: drop them before committing it.
fn run_into(
    folder: &mut Folder<'_>,
    s: &Scenario,
    settings: &Settings,
    format: Format,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Option<Analysed>), Error> {
    let (result, rows) = simulate(folder.path(), s, settings, observer, cancel)?;
    if settings.shard.is_some() {
        write_shard(folder, s, settings, &result, &rows, format)?;
        return Ok((result, None));
    }
    let (result, analysed) = analyse(s, settings, result, rows)?;
    write_into(folder, &analysed, format)?;
    Ok((result, Some(analysed)))
}

/// Runs `s` with `settings` into memory, writing nothing but its outcome rows, which are kept
/// in a temporary file in `scratch` (removed with them). A shard setting is ignored: the
/// whole run is analysed.
pub fn run_in_memory(
    scratch: &std::path::Path,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Analysed), Error> {
    let settings = Settings {
        shard: None,
        ..*settings
    };
    let (result, rows) = simulate(scratch, s, &settings, observer, cancel)?;
    analyse(s, &settings, result, rows)
}

/// Runs the paths (adaptively when asked and there is something to adapt to), storing their
/// outcome rows in a temporary file in `dir`.
fn simulate(
    dir: &std::path::Path,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<(RunResult, Rows), Error> {
    let mut rows = RowStore::create(dir, &run::outcome_names(s))?;
    let mut sink = |first, block: &[Vec<f64>]| rows.write(first, block);
    let adaptive = !s.observations.is_empty() && (settings.adapt || settings.until_ess.is_some());
    let (result, ()) = if adaptive {
        run::run_adaptive(s, settings, observer, &mut sink, cancel, &())?
    } else {
        run::run_with(s, settings, observer, &mut sink, cancel, &())?
    };
    Ok((result, rows.finish()?))
}

/// Analyses run `r` of `s`: its summary (reading the outcome rows back a few columns at a time
/// for the sensitivity) and its manifest. `r.tally.series` is emptied once read.
pub fn analyse(
    s: &Scenario,
    settings: &Settings,
    mut r: RunResult,
    rows: Rows,
) -> Result<(RunResult, Analysed), Error> {
    if let Some(why) = crate::analysis::conditioning::unreproducible(s, &r) {
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
    let series = series_quantiles(&r);
    // The series sketches are the run's largest allocation, and sensitivity, next, ranks whole
    // outcome columns: the first is freed before the second, so peak memory stays the run's.
    r.tally.drop_series();
    let summary = Summary::new(s, settings, &r, series, &columns);
    if let Some(e) = error.into_inner() {
        return Err(e.into());
    }
    let mut manifest = Manifest::new(s, settings, &r);
    manifest.outcome_rows = Some(rows.len());
    let weights = r
        .outcomes
        .weight_columns()
        .map(|(_, column)| (column, r.tally.counts.weights.total as f64));
    let analysed = Analysed {
        summary,
        rows,
        manifest,
        weights,
    };
    Ok((r, analysed))
}

/// Writes every file of an analysed run into folder `out`, as `run` does.
pub fn write<'a>(out: impl Into<Out<'a>>, a: &Analysed, format: Format) -> Result<(), Error> {
    let staged = Staged::begin(out.into())?;
    write_into(&mut staged.folder()?, a, format)?;
    staged.commit()?;
    Ok(())
}

/// Writes every file of an analysed run into `folder`: `summary.json`, the data files in
/// `format`, the charts and `report.html`, then `manifest.json`.
fn write_into(folder: &mut Folder<'_>, a: &Analysed, format: Format) -> Result<(), Error> {
    let rows = a.rows();
    let view = RunView {
        summary: &a.summary,
        rows: rows.as_ref(),
    };
    for exporter in export::run_exporters(format) {
        exporter.export(&view, folder)?;
    }
    let charts = charts::run_charts(&a.summary)?;
    charts::export(&charts, folder)?;
    let provenance = crate::analysis::provenance::now(a.manifest.complete);
    let page = html::run::report(&a.summary, &charts);
    folder.put_html("report.html", &html::with_provenance(&page, &provenance))?;
    put_manifest(folder, a.manifest.clone(), a.manifest.outcome_rows)?;
    // Not in the manifest: it differs from run to run (see `Folder::put_html`).
    folder.put_unlisted_json("provenance.json", &provenance)?;
    Ok(())
}

/// Writes `manifest.json` into `folder`, last: `m` with every file written before it and the
/// number of outcome rows.
fn put_manifest(folder: &mut Folder<'_>, mut m: Manifest, rows: Option<u64>) -> io::Result<()> {
    m.files = folder.files().clone();
    m.outcome_rows = rows;
    folder.put_json("manifest.json", &m)
}

/// Writes a shard's files into `folder`: its exact tally (`tally.json`), its outcome rows (in
/// `format`) and its manifest (last). [`merge`] turns a full set of shards into a run's files.
pub fn write_shard(
    folder: &mut Folder<'_>,
    s: &Scenario,
    settings: &Settings,
    r: &RunResult,
    rows: &Rows,
    format: Format,
) -> io::Result<()> {
    let tally = serde_json::to_vec(&r.tally).map_err(io::Error::other)?;
    export::Sink::put(folder, "tally.json", &tally)?;
    export::outcome_rows(rows, &month_labels(s), format, folder)?;
    put_manifest(folder, Manifest::new(s, settings, r), Some(rows.len()))
}

/// The simulated months of `s`, `"YYYY-MM"`, from `start` to `horizon`.
fn month_labels(s: &Scenario) -> Vec<String> {
    (0..s.months())
        .map(|m| s.start.plus(m as i32).to_string())
        .collect()
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
/// checked (see [`run::merge`]), with data files in `format` (default: the shards' own). `out`
/// may not be, or hold, one of the shard folders.
pub fn merge<'a>(
    dirs: &[PathBuf],
    out: impl Into<Out<'a>>,
    format: Option<Format>,
) -> Result<MergedSummary, MergeError> {
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
    let m = run::merge(dirs, staged.path())?;
    let format = format.unwrap_or(match (m.csv, m.parquet) {
        (false, true) => Format::Parquet,
        (true, true) => Format::Both,
        _ => Format::Csv,
    });
    let as_merge_error = |e| match e {
        Error::Io(source) => write_error(source),
        Error::Unreproducible(why) => MergeError::Unreproducible(why),
    };
    let (_, a) = analyse(&m.scenario, &m.settings, m.result, m.rows).map_err(as_merge_error)?;
    write_into(&mut staged.folder().map_err(write_error)?, &a, format).map_err(as_merge_error)?;
    let summary = a.summary;
    drop(a.rows);
    staged.commit().map_err(write_error)?;
    Ok(MergedSummary::Run(Box::new(summary)))
}

/// `explain`: the median path of `s` and the decomposition of its collapse factor.
pub fn explain(s: &Scenario) -> ExplainSummary {
    ExplainSummary::new(s, &crate::explain::explain(s))
}
