//! `stress`: every plan of a scenario on every path, and the stress test's folder.

use super::output::Staged;
use super::{Folder, Out, put_manifest};
use crate::analysis::StressSummary;
use crate::report::{charts, export, html};
use crate::run::{self, Manifest, Observer, RunResult, Settings};
use crate::scenario::Scenario;
use crate::stress::{Grid, SUBSCRIBERS, Stress};
use std::io;
use std::sync::atomic::AtomicBool;

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
    // The folder is staged first: a folder that may not be replaced is refused before the run.
    let staged = Staged::begin(out.into())?;
    let (result, summary, manifest) = stress_in_memory(s, settings, grid, observer, cancel)?;
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
    let extra = Stress::new(s, grid.clone(), settings.seed);
    let (result, tallies) =
        run::run_with(s, settings, observer, &mut |_, _| Ok(()), cancel, &extra)?;
    let summary = StressSummary::new(s, settings, grid, &tallies);
    let mut manifest = Manifest::new(s, settings, &result);
    manifest.grid = Some(serde_json::to_value(grid).map_err(io::Error::other)?);
    manifest.subscribers_simulated = Some(SUBSCRIBERS as u64);
    Ok((result, summary, manifest))
}

/// Writes a stress test's files into `out`: `stress.json`, the grid and series CSVs, the
/// charts, `stress.html`, then `manifest.json`.
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
    let mut all = Vec::new();
    for p in &summary.plans {
        all.extend(charts::stress::plan_charts(summary, p)?);
    }
    charts::export(&all, folder)?;
    folder.put_html("stress.html", &html::stress::page(summary, &all))?;
    put_manifest(folder, manifest.clone(), None)
}
