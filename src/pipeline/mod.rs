//! Each command's stages wired together: run the paths, analyse the results, and write the
//! output folder (reports' files, then `manifest.json` last: its presence says the others are
//! whole). The command line and other front ends call these; they never print.

mod folder;

pub use folder::Folder;

use crate::analysis::{
    Comparison, ExplainSummary, Optimization, RunView, SensitivitySummary, StressSummary, Summary,
    series_quantiles,
};
use crate::report::{charts, export, html};
use crate::run::{self, Manifest, MergeError, Observer, RowStore, Rows, RunResult, Settings};
use crate::scenario::{Scenario, metrics};
use crate::sensitivity::{self, Design};
use crate::stress::optimize::{Spec, optimize};
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

/// What `merge` put together.
pub enum MergedSummary {
    /// A run's shards.
    Run(Box<Summary>),
    /// A sensitivity design's shards.
    Sensitivity(Box<SensitivitySummary>),
}

/// Merges the shard folders `dirs` of one run (or of one sensitivity design, as their manifest
/// says) into `out`, writing the same files a run in one process writes.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<MergedSummary, MergeError> {
    let write_error = |source| MergeError::Write {
        dir: out.to_owned(),
        source,
    };
    if dirs
        .first()
        .is_some_and(|d| sensitivity::is_sensitivity_folder(d))
    {
        let m = sensitivity::merge(dirs)?;
        let ran = sensitivity::Ran {
            rows: m.rows,
            complete: true,
            until_se_met: None,
            blocks_done: Vec::new(),
        };
        let summary =
            SensitivitySummary::new(&m.scenario, &m.design, &m.settings, &ran.rows, true, None);
        write_sensitivity(
            out,
            &m.scenario,
            &m.design,
            &m.settings,
            &ran,
            &summary,
            None,
        )
        .map_err(write_error)?;
        return Ok(MergedSummary::Sensitivity(Box::new(summary)));
    }
    let mut m = run::merge(dirs, out)?;
    write_run(out, &m.scenario, &m.settings, &mut m.result, &m.rows)
        .map(|s| MergedSummary::Run(Box::new(s)))
        .map_err(|e| match e {
            Error::Io(source) => write_error(source),
            Error::Unreproducible(why) => MergeError::Unreproducible(why),
        })
}

/// Runs the sensitivity design `design` of `s` with `settings` and writes its folder `dir`: a
/// shard folder with `--shard`, else every file, whose summary is returned. With `until_se`,
/// each round's rows are analysed to decide whether to go on. With `into` (a run folder of the
/// same scenario), its `report.html` gets the sensitivity section too.
pub fn sensitivity(
    dir: &Path,
    s: &Scenario,
    design: &Design,
    settings: &sensitivity::Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
    into: Option<&Path>,
) -> io::Result<(sensitivity::Ran, Option<SensitivitySummary>)> {
    let mut last: Option<SensitivitySummary> = None;
    let ran = sensitivity::run(s, design, settings, observer, cancel, &mut |rows| {
        let summary = SensitivitySummary::new(s, design, settings, rows, true, None);
        let met = summary.max_total_se() <= settings.until_se.unwrap_or(f64::INFINITY);
        last = Some(summary);
        met
    })?;
    if settings.shard.is_some() {
        let mut folder = Folder::create(dir)?;
        export::Sink::put(&mut folder, sensitivity::ROWS_FILE, &ran.rows.to_csv()?)?;
        folder.put_json(
            "manifest.json",
            &sensitivity::manifest(s, design, settings, &ran),
        )?;
        return Ok((ran, None));
    }
    // With --until-se the last round's analysis saw every row: it is the summary.
    let summary = match last {
        Some(mut summary) if ran.complete && summary.paths == ran.rows.paths() => {
            summary.until_se_met = ran.until_se_met;
            summary
        }
        _ => SensitivitySummary::new(
            s,
            design,
            settings,
            &ran.rows,
            ran.complete,
            ran.until_se_met,
        ),
    };
    write_sensitivity(dir, s, design, settings, &ran, &summary, into)?;
    Ok((ran, Some(summary)))
}

/// Why the run folder `dir` cannot take the sensitivity section of `s`, if it cannot: it must
/// hold a run's `report.html` and a manifest of the same scenario (after `--set`).
pub fn check_into(dir: &Path, s: &Scenario) -> Result<(), String> {
    let manifest: Manifest = std::fs::read(dir.join("manifest.json"))
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        .map_err(|e| format!("{} is not a run folder: manifest.json: {e}", dir.display()))?;
    if manifest.kind.is_some() || manifest.shard.is_some() || !dir.join("report.html").is_file() {
        return Err(format!(
            "{} is not a run folder with a report.html (a shard or another command's folder)",
            dir.display()
        ));
    }
    if manifest.scenario_hash != s.hash() {
        return Err(format!(
            "{} holds a run of another scenario (hash {}, this one {}): its report would \
             describe other inputs",
            dir.display(),
            manifest.scenario_hash,
            s.hash()
        ));
    }
    Ok(())
}

/// Writes every file of a sensitivity design into `dir` (`manifest.json` last), and the
/// section into `into`'s `report.html`.
fn write_sensitivity(
    dir: &Path,
    s: &Scenario,
    design: &Design,
    settings: &sensitivity::Settings,
    ran: &sensitivity::Ran,
    summary: &SensitivitySummary,
    into: Option<&Path>,
) -> io::Result<()> {
    let mut folder = Folder::create(dir)?;
    folder.put_json("sensitivity.json", summary)?;
    export::Sink::put(
        &mut folder,
        "sensitivity.csv",
        &export::csv::sensitivity(summary)?,
    )?;
    export::Sink::put(&mut folder, sensitivity::ROWS_FILE, &ran.rows.to_csv()?)?;
    let charts = charts::sobol::charts(summary)?;
    charts::export(&charts, &mut folder)?;
    folder.put_html(
        "sensitivity.html",
        &html::sensitivity::page(summary, &charts),
    )?;
    if let Some(run_dir) = into {
        check_into(run_dir, s).map_err(io::Error::other)?;
        let report = std::fs::read_to_string(run_dir.join("report.html"))?;
        let section = html::sensitivity::section(summary, &charts);
        let page = html::sensitivity::splice(&report, &section).ok_or_else(|| {
            io::Error::other(format!(
                "{}/report.html has no assumptions section to put the sensitivity before",
                run_dir.display()
            ))
        })?;
        Folder::create(run_dir)?.put_html("report.html", &page)?;
    }
    folder.put_json(
        "manifest.json",
        &sensitivity::manifest(s, design, settings, ran),
    )
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

/// Runs every plan of `s` on every path over `grid`, then searches the terms of each
/// optimisation of `specs` on the same paths, and writes the stress test's files into `dir`
/// (`manifest.json` last). Returns the run, and the summary (whose `optimization` is empty
/// when the run or a search was interrupted).
pub fn stress(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    specs: &[Spec],
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, StressSummary)> {
    let plans: Vec<usize> = specs.iter().map(|o| o.plan).collect();
    let extra = Stress::new(s, grid.clone(), settings.seed).recording(&plans);
    let (mut result, mut tally) =
        run::run_with(s, settings, observer, &mut |_, _| Ok(()), cancel, &extra)?;
    let mut summary = StressSummary::new(s, settings, grid, &tally);
    if result.complete && !specs.is_empty() {
        let records = tally.records_in_order();
        for spec in specs {
            let Ok(found) = optimize(&extra, records, spec, settings.threads, observer, cancel)
            else {
                result.complete = false;
                summary.optimization.clear();
                break;
            };
            let o = Optimization::new(s, spec, &found, records, settings.seed);
            summary.optimization.push(o);
        }
    }
    let mut folder = Folder::create(dir)?;
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
    if !summary.optimization.is_empty() {
        export::Sink::put(
            &mut folder,
            "stress-candidates.csv",
            &export::csv::stress_candidates(&summary)?,
        )?;
        export::Sink::put(
            &mut folder,
            "stress-evppi.csv",
            &export::csv::stress_evppi(&summary)?,
        )?;
    }
    let all = charts::stress::charts(&summary)?;
    charts::export(&all, &mut folder)?;
    folder.put_html("stress.html", &html::stress::page(&summary, &all))?;
    let mut manifest = Manifest::new(s, settings, &result);
    manifest.grid = Some(serde_json::to_value(grid).map_err(io::Error::other)?);
    manifest.subscribers_simulated = Some(SUBSCRIBERS as u64);
    if !specs.is_empty() {
        manifest.optimize = Some(serde_json::to_value(specs).map_err(io::Error::other)?);
    }
    folder.put_json("manifest.json", &manifest)?;
    Ok((result, summary))
}

/// `explain`: the median path of `s` and the decomposition of its collapse factor.
pub fn explain(s: &Scenario) -> ExplainSummary {
    ExplainSummary::new(s, &crate::explain::explain(s))
}
