//! `stress`: every plan of a scenario on every path, and the stress test's folder.

use super::output::Staged;
use super::{Out, put_manifest};
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
