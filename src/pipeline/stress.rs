//! `stress`: every plan of a scenario on every path, the searches of `--optimize` on the same
//! paths, and the stress test's folder.

use super::output::Staged;
use super::{Folder, Out, put_manifest};
use crate::analysis::{Optimization, StressSummary};
use crate::report::{charts, export, html};
use crate::run::{self, Manifest, Observer, RunResult, Settings};
use crate::scenario::Scenario;
use crate::stress::optimize::{Spec, optimize};
use crate::stress::{Grid, SUBSCRIBERS, Stress};
use std::io;
use std::sync::atomic::AtomicBool;

/// Runs every plan of `s` on every path over `grid`, then searches the terms of each
/// optimisation of `specs` on the same paths, and writes the stress test's files into `out`
/// (`manifest.json` last). Returns the run, and the summary (whose `optimization` is empty
/// when the run or a search was interrupted).
pub fn stress<'a>(
    out: impl Into<Out<'a>>,
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    specs: &[Spec],
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, StressSummary)> {
    // The folder is staged first: a folder that may not be replaced is refused before the run.
    let staged = Staged::begin(out.into())?;
    let (result, summary, manifest) =
        stress_and_search(s, settings, grid, specs, observer, cancel)?;
    write_stress_into(&mut staged.folder()?, &summary, &manifest)?;
    staged.commit()?;
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
    stress_and_search(s, settings, grid, &[], observer, cancel)
}

/// [`stress_in_memory`], then the searches of `specs` on the same paths (`--optimize`); a
/// search interrupted leaves the run incomplete and no optimisation in the summary.
pub fn stress_and_search(
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    specs: &[Spec],
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> io::Result<(RunResult, StressSummary, Manifest)> {
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
    let mut manifest = Manifest::new(s, settings, &result);
    manifest.grid = Some(serde_json::to_value(grid).map_err(io::Error::other)?);
    manifest.subscribers_simulated = Some(SUBSCRIBERS as u64);
    if !specs.is_empty() {
        manifest.optimize = Some(serde_json::to_value(specs).map_err(io::Error::other)?);
    }
    Ok((result, summary, manifest))
}

/// Writes a stress test's files into `out`: `stress.json`, the grid and series CSVs (and the
/// candidates' and EVPPI CSVs of a search), the charts, `stress.html`, then `manifest.json`.
pub fn write_stress<'a>(
    out: impl Into<Out<'a>>,
    summary: &StressSummary,
    manifest: &Manifest,
) -> io::Result<()> {
    let staged = Staged::begin(out.into())?;
    write_stress_into(&mut staged.folder()?, summary, manifest)?;
    staged.commit()
}

/// [`write_stress`] into `folder`, which is being staged.
fn write_stress_into(
    folder: &mut Folder<'_>,
    summary: &StressSummary,
    manifest: &Manifest,
) -> io::Result<()> {
    folder.put_json("stress.json", summary)?;
    export::Sink::put(
        folder,
        "stress-grid.csv",
        &export::csv::stress_grid(summary)?,
    )?;
    export::Sink::put(
        folder,
        "stress-series.csv",
        &export::csv::stress_series(summary)?,
    )?;
    if !summary.optimization.is_empty() {
        export::Sink::put(
            folder,
            "stress-candidates.csv",
            &export::csv::stress_candidates(summary)?,
        )?;
        export::Sink::put(
            folder,
            "stress-evppi.csv",
            &export::csv::stress_evppi(summary)?,
        )?;
    }
    let all = charts::stress::charts(summary)?;
    charts::export(&all, folder)?;
    folder.put_html("stress.html", &html::stress::page(summary, &all))?;
    put_manifest(folder, manifest.clone(), None)
}
