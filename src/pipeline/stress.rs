//! `stress`: every plan of a scenario on every path, the searches of `--optimize` on the same
//! paths, and the stress test's folder.

use super::output::Staged;
use super::{Out, put_manifest};
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
    let staged = Staged::begin(out.into())?;
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
    let mut folder = staged.folder()?;
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
    put_manifest(&mut folder, manifest, None)?;
    staged.commit()?;
    Ok((result, summary))
}
