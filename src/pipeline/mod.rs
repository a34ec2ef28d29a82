//! Each command's stages wired together: run the paths, analyse the results, and write the
//! output folder. A folder is staged beside its name and swapped in whole once written
//! (see [`output`]): each file atomically, `manifest.json` last, listing every other file with
//! its size and hash; its presence says the others are whole and are the ones it lists. The
//! command line and other front ends call these; they never print.

mod folder;
pub mod output;

pub use folder::Folder;
pub use output::{Faults, Out, Refused};

use crate::analysis::{
    Comparison, ExplainSummary, RunView, StressSummary, Summary, series_quantiles,
};
use crate::report::{charts, export, html};
use crate::run::{
    self, FileRecord, Manifest, MergeError, Observer, RowStore, Rows, RunResult, Settings,
};
use crate::scenario::{Sampling, Scenario, metrics};
use crate::stress::{Grid, SUBSCRIBERS, Stress};
use output::Staged;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Runs `s` with `settings` and writes its folder `out`: a shard folder with `--shard`, else
/// every file of a run, whose summary is returned.
pub fn run<'a>(
    out: impl Into<Out<'a>>,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, Option<Summary>)> {
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
) -> io::Result<(RunResult, Option<Summary>)> {
    let mut rows = RowStore::create(folder.path(), &run::outcome_names(s))?;
    let mut result = run::run(
        s,
        settings,
        observer,
        &mut |first, block| rows.write(first, block),
        cancel,
    )?;
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
) -> io::Result<Summary> {
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
    r.tally.series = Vec::new();
    let summary = Summary::new(s, settings, r, series, &columns);
    if let Some(e) = error.into_inner() {
        return Err(e);
    }
    let view = RunView {
        summary: &summary,
        rows,
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

/// Merges the shard folders `dirs` of one run into `out`, writing the same files a run in one
/// process writes, once every shard is checked (see [`run::merge`]). `out` may not be, or
/// hold, one of the shard folders.
pub fn merge<'a>(dirs: &[PathBuf], out: impl Into<Out<'a>>) -> Result<Summary, MergeError> {
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
    let mut m = run::merge(dirs, staged.path())?;
    let summary = write_run(
        &mut staged.folder().map_err(write_error)?,
        &m.scenario,
        &m.settings,
        &mut m.result,
        &m.rows,
    )
    .map_err(write_error)?;
    drop(m);
    staged.commit().map_err(write_error)?;
    Ok(summary)
}

/// The manifest of a comparison (`manifest.json` of its folder, written last).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompareManifest {
    /// Every scenario ran in full and the comparison was written.
    pub complete: bool,
    /// The comparison's own files (not the manifest), by name.
    pub files: BTreeMap<String, FileRecord>,
    pub metrics: Vec<String>,
    pub paths: u64,
    /// The runs' folders, one per scenario that ran, each with its own manifest.
    pub runs: Vec<String>,
    pub sampling: Sampling,
    pub seed: u64,
    pub tool: String,
    pub version: String,
}

/// What [`compare`] ran and wrote.
pub struct Compared {
    /// Each scenario's run, in order, up to the first that did not complete (interrupted).
    pub runs: Vec<RunResult>,
    /// The comparison, when every run completed.
    pub comparison: Option<Comparison>,
}

/// Runs every scenario of `scenarios` with `settings` (common random numbers), each into a
/// folder of its name within `out`, then compares them (the first is the reference),
/// writing the comparison into `out`. Stops at a run that does not complete (interrupted):
/// its folder is written marked incomplete, and no comparison.
pub fn compare<'a>(
    out: impl Into<Out<'a>>,
    scenarios: &[Scenario],
    settings: &Settings,
    metrics: &[String],
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<Compared> {
    let staged = Staged::begin(out.into())?;
    let mut runs = Vec::new();
    let mut summaries = Vec::new();
    let mut folders = Vec::new();
    for s in scenarios {
        let mut sub = staged.subfolder(&s.name)?;
        let (result, summary) = run_into(&mut sub, s, settings, observer, cancel)?;
        folders.push(sub.path().to_owned());
        let complete = result.complete;
        runs.push(result);
        if !complete {
            break;
        }
        summaries.extend(summary);
    }
    let mut folder = staged.folder()?;
    let complete = summaries.len() == scenarios.len();
    let comparison = if complete {
        Some(write_comparison(
            &mut folder,
            &folders,
            &summaries,
            metrics,
        )?)
    } else {
        None
    };
    let manifest = CompareManifest {
        complete,
        files: folder.files().clone(),
        metrics: metrics.to_vec(),
        paths: settings.paths,
        runs: scenarios[..runs.len()]
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        sampling: settings.sampling,
        seed: settings.seed,
        tool: "infercast".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    folder.put_json("manifest.json", &manifest)?;
    staged.commit()?;
    Ok(Compared { runs, comparison })
}

/// Compares the runs whose summaries are `summaries` and whose files are in `folders` (the
/// first is the reference), writing the comparison into `folder`.
fn write_comparison(
    folder: &mut Folder<'_>,
    folders: &[PathBuf],
    summaries: &[Summary],
    metrics: &[String],
) -> io::Result<Comparison> {
    let mut column = |k: usize, name: &str| read_column(&folders[k].join("outcomes.csv"), name);
    let c = Comparison::new(summaries, metrics, &mut column)?;
    let charts: Vec<charts::Chart> = metrics
        .iter()
        .map(|m| charts::overlay::compare(summaries, m))
        .collect::<Result<_, _>>()?;
    charts::export(&charts, folder)?;
    folder.put_json("compare.json", &c)?;
    let dir = folder.path().to_owned();
    let names: Vec<String> = folders
        .iter()
        .map(|f| {
            f.strip_prefix(&dir)
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
/// `out` (`manifest.json` last). Returns whether every path ran, and the summary.
pub fn stress<'a>(
    out: impl Into<Out<'a>>,
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, StressSummary)> {
    let staged = Staged::begin(out.into())?;
    let extra = Stress::new(s, grid.clone(), settings.seed);
    let (result, tallies) =
        run::run_with(s, settings, observer, &mut |_, _| Ok(()), cancel, &extra)?;
    let mut folder = staged.folder()?;
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
    put_manifest(&mut folder, manifest, None)?;
    staged.commit()?;
    Ok((result, summary))
}

/// `explain`: the median path of `s` and the decomposition of its collapse factor.
pub fn explain(s: &Scenario) -> ExplainSummary {
    ExplainSummary::new(s, &crate::explain::explain(s))
}
