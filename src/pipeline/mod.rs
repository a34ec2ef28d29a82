//! Each command's stages wired together: run the paths, analyse the results, and write the
//! output folder (reports' files, then `manifest.json` last: its presence says the others are
//! whole). The command line and other front ends call these; they never print.

mod folder;

pub use folder::Folder;

use crate::analysis::{
    Comparison, ExplainSummary, RunView, StressSummary, Summary, series_quantiles,
};
use crate::report::export::Format;
use crate::report::{charts, export, html};
use crate::run::{self, Manifest, MergeError, Observer, RowStore, Rows, RunResult, Settings};
use crate::scenario::{Scenario, metrics};
use crate::stress::{Grid, SUBSCRIBERS, Stress};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A finished run held in memory: its summary, its outcome rows (in a temporary file) and its
/// manifest. [`write`] writes its folder; front ends without a folder (the Python package)
/// read it directly.
pub struct Analysed {
    pub summary: Summary,
    pub rows: Rows,
    pub manifest: Manifest,
}

/// Runs `s` with `settings` and writes its folder `dir`: a shard folder with `--shard`, else
/// every file of a run (data files in `format`), which is returned analysed.
pub fn run(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    format: Format,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, Option<Analysed>)> {
    let (result, rows) = simulate(dir, s, settings, observer, cancel)?;
    if settings.shard.is_some() {
        write_shard(dir, s, settings, &result, &rows, format)?;
        return Ok((result, None));
    }
    let (result, analysed) = analyse(s, settings, result, rows)?;
    write(dir, &analysed, format)?;
    Ok((result, Some(analysed)))
}

/// Runs `s` with `settings` into memory, writing nothing but its outcome rows, which are kept
/// in a temporary file in `scratch` (removed with them). A shard setting is ignored: the
/// whole run is analysed.
pub fn run_in_memory(
    scratch: &Path,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, Analysed)> {
    let settings = Settings {
        shard: None,
        ..*settings
    };
    let (result, rows) = simulate(scratch, s, &settings, observer, cancel)?;
    analyse(s, &settings, result, rows)
}

/// Runs the paths, storing their outcome rows in a temporary file in `dir`.
fn simulate(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, Rows)> {
    let mut rows = RowStore::create(dir, &run::outcome_names(s))?;
    let result = run::run(
        s,
        settings,
        observer,
        &mut |first, block| rows.write(first, block),
        cancel,
    )?;
    Ok((result, rows.finish()?))
}

/// Analyses run `r` of `s`: its summary (reading the outcome rows back a few columns at a
/// time for the sensitivity) and its manifest. `r.tally.series` is emptied once read.
pub fn analyse(
    s: &Scenario,
    settings: &Settings,
    mut r: RunResult,
    rows: Rows,
) -> io::Result<(RunResult, Analysed)> {
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
    r.tally.series = Vec::new();
    let summary = Summary::new(s, settings, &r, series, &columns);
    if let Some(e) = error.into_inner() {
        return Err(e);
    }
    let manifest = Manifest::new(s, settings, &r);
    Ok((
        r,
        Analysed {
            summary,
            rows,
            manifest,
        },
    ))
}

/// Writes every file of an analysed run into `dir`: `summary.json`, the data files in
/// `format`, the charts and `report.html`, then `manifest.json`.
pub fn write(dir: &Path, a: &Analysed, format: Format) -> io::Result<()> {
    let mut folder = Folder::create(dir)?;
    let view = RunView {
        summary: &a.summary,
        rows: &a.rows,
    };
    for exporter in export::run_exporters(format) {
        exporter.export(&view, &mut folder)?;
    }
    let charts = charts::run_charts(&a.summary)?;
    charts::export(&charts, &mut folder)?;
    folder.put_html("report.html", &html::run::report(&a.summary, &charts))?;
    folder.put_json("manifest.json", &a.manifest)
}

/// Writes a shard's files into `dir`: its exact tally (`tally.json`), its outcome rows (in
/// `format`) and its manifest (last). [`merge`] turns a full set of shards into a run's files.
pub fn write_shard(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    r: &RunResult,
    rows: &Rows,
    format: Format,
) -> io::Result<()> {
    let mut folder = Folder::create(dir)?;
    let tally = serde_json::to_vec(&r.tally).map_err(io::Error::other)?;
    export::Sink::put(&mut folder, "tally.json", &tally)?;
    export::outcome_rows(rows, &month_labels(s), format, &mut folder)?;
    folder.put_json("manifest.json", &Manifest::new(s, settings, r))
}

/// The simulated months of `s`, `"YYYY-MM"`, from `start` to `horizon`.
fn month_labels(s: &Scenario) -> Vec<String> {
    (0..s.months())
        .map(|m| s.start.plus(m as i32).to_string())
        .collect()
}

/// Merges the shard folders `dirs` of one run into `out`, writing the same files a run in one
/// process writes, with data files in `format` (default: the shards' own).
pub fn merge(dirs: &[PathBuf], out: &Path, format: Option<Format>) -> Result<Summary, MergeError> {
    let m = run::merge(dirs, out)?;
    let format = format.unwrap_or(match (m.csv, m.parquet) {
        (false, true) => Format::Parquet,
        (true, true) => Format::Both,
        _ => Format::Csv,
    });
    let write_error = |source| MergeError::Write {
        dir: out.to_owned(),
        source,
    };
    let (_, a) = analyse(&m.scenario, &m.settings, m.result, m.rows).map_err(write_error)?;
    write(out, &a, format).map_err(write_error)?;
    Ok(a.summary)
}

/// The comparison of analysed runs (the first is the reference), with the overlay charts of
/// `metrics`, in memory.
pub fn comparison(
    runs: &[&Analysed],
    metrics: &[String],
) -> io::Result<(Comparison, Vec<charts::Chart>)> {
    let summaries: Vec<Summary> = runs.iter().map(|a| a.summary.clone()).collect();
    let mut column = |k: usize, name: &str| {
        let names = runs[k].rows.names();
        let c = names[1..]
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| io::Error::other(format!("no outcome column {name:?}")))?;
        let month = vec![metrics::is_month(name); names.len() - 1];
        Ok(runs[k].rows.columns(&[c], &month)?.remove(0))
    };
    let c = Comparison::new(&summaries, metrics, &mut column)?;
    let charts: Vec<charts::Chart> = metrics
        .iter()
        .map(|m| charts::overlay::compare(&summaries, m))
        .collect::<Result<_, _>>()?;
    Ok((c, charts))
}

/// Compares the analysed runs `runs` (the first is the reference), whose folders are
/// `folders`, writing the comparison into `dir`.
pub fn compare(
    dir: &Path,
    folders: &[PathBuf],
    runs: &[&Analysed],
    metrics: &[String],
) -> io::Result<Comparison> {
    let (c, charts) = comparison(runs, metrics)?;
    let summaries: Vec<Summary> = runs.iter().map(|a| a.summary.clone()).collect();
    write_comparison(dir, folders, &c, &summaries, &charts)?;
    Ok(c)
}

/// Writes comparison `c` of the runs `summaries`, whose folders are `folders`, into `dir`:
/// the overlay charts, `compare.json` and `compare.html` (linking each run's report).
pub fn write_comparison(
    dir: &Path,
    folders: &[PathBuf],
    c: &Comparison,
    summaries: &[Summary],
    charts: &[charts::Chart],
) -> io::Result<()> {
    let mut folder = Folder::create(dir)?;
    charts::export(charts, &mut folder)?;
    folder.put_json("compare.json", c)?;
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
    let page = html::compare::page(c, summaries, charts, &names);
    folder.put_html("compare.html", &page)
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
    let (result, summary, manifest) = stress_in_memory(s, settings, grid, observer, cancel)?;
    write_stress(dir, &summary, &manifest)?;
    Ok((result, summary))
}

/// Runs every plan of `s` on every path over `grid`, in memory: the run, the stress test's
/// summary and its manifest.
pub fn stress_in_memory(
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, StressSummary, Manifest)> {
    let extra = Stress::new(s, grid.clone(), settings.seed);
    let (result, tallies) =
        run::run_with(s, settings, observer, &mut |_, _| Ok(()), cancel, &extra)?;
    let summary = StressSummary::new(s, settings, grid, &tallies);
    let mut manifest = Manifest::new(s, settings, &result);
    manifest.grid = Some(serde_json::to_value(grid).map_err(io::Error::other)?);
    manifest.subscribers_simulated = Some(SUBSCRIBERS as u64);
    Ok((result, summary, manifest))
}

/// Writes a stress test's files into `dir`: `stress.json`, the grid and series CSVs, the
/// charts, `stress.html`, then `manifest.json`.
pub fn write_stress(dir: &Path, summary: &StressSummary, manifest: &Manifest) -> io::Result<()> {
    let mut folder = Folder::create(dir)?;
    folder.put_json("stress.json", summary)?;
    export::Sink::put(
        &mut folder,
        "stress-grid.csv",
        &export::csv::stress_grid(summary)?,
    )?;
    export::Sink::put(
        &mut folder,
        "stress-series.csv",
        &export::csv::stress_series(summary)?,
    )?;
    let mut all = Vec::new();
    for p in &summary.plans {
        all.extend(charts::stress::plan_charts(summary, p)?);
    }
    charts::export(&all, &mut folder)?;
    folder.put_html("stress.html", &html::stress::page(summary, &all))?;
    folder.put_json("manifest.json", manifest)
}

/// `explain`: the median path of `s` and the decomposition of its collapse factor.
pub fn explain(s: &Scenario) -> ExplainSummary {
    ExplainSummary::new(s, &crate::explain::explain(s))
}
