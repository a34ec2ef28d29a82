//! `compare`: scenarios run on common random numbers, each into its own folder, and the
//! comparison written beside them.

use super::output::Staged;
use super::{Analysed, Error, Folder, Out, run_into, write_into};
use crate::analysis::{Comparison, Summary};
use crate::report::export::Format;
use crate::report::{charts, html};
use crate::run::{FileRecord, Observer, RunResult, Settings};
use crate::scenario::{Sampling, Scenario, metrics};
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

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
/// folder of its name within `out` (data files in `format`), then compares them (the first is
/// the reference), writing the comparison into `out`. Stops at a run that does not complete
/// (interrupted): its folder is written marked incomplete, and no comparison.
pub fn compare<'a>(
    out: impl Into<Out<'a>>,
    scenarios: &[Scenario],
    settings: &Settings,
    format: Format,
    metrics: &[String],
    observer: &dyn Observer,
    cancel: &AtomicBool,
) -> Result<Compared, Error> {
    let staged = Staged::begin(out.into())?;
    let mut runs = Vec::new();
    let mut analysed = Vec::new();
    let mut folders = Vec::new();
    for s in scenarios {
        let mut sub = staged.subfolder(&s.name)?;
        let (result, a) = run_into(&mut sub, s, settings, format, observer, cancel)?;
        folders.push(sub.path().to_owned());
        let complete = result.complete;
        runs.push(result);
        if !complete {
            break;
        }
        analysed.extend(a);
    }
    let mut folder = staged.folder()?;
    let complete = analysed.len() == scenarios.len();
    let comparison = if complete {
        let analysed: Vec<&Analysed> = analysed.iter().collect();
        Some(write_comparison(&mut folder, &folders, &analysed, metrics)?)
    } else {
        None
    };
    // The runs' rows are temporary files in their folders: gone before the folder is swapped in.
    drop(analysed);
    put_compare_manifest(
        &mut folder,
        scenarios.len().min(runs.len()),
        scenarios,
        settings,
        metrics,
        complete,
    )?;
    staged.commit()?;
    Ok(Compared { runs, comparison })
}

/// Writes analysed runs (`(name, run)`, the first the reference) each into a folder of its
/// name within `out`, and their comparison beside them, as `compare` does.
pub fn write_compare<'a>(
    out: impl Into<Out<'a>>,
    runs: &[(&Scenario, &Analysed)],
    settings: &Settings,
    format: Format,
    metrics: &[String],
) -> Result<Comparison, Error> {
    let staged = Staged::begin(out.into())?;
    let mut folders = Vec::new();
    for (s, a) in runs {
        let mut sub = staged.subfolder(&s.name)?;
        write_into(&mut sub, a, format)?;
        folders.push(sub.path().to_owned());
    }
    let mut folder = staged.folder()?;
    let analysed: Vec<&Analysed> = runs.iter().map(|(_, a)| *a).collect();
    let c = write_comparison(&mut folder, &folders, &analysed, metrics)?;
    let scenarios: Vec<Scenario> = runs.iter().map(|(s, _)| (*s).clone()).collect();
    put_compare_manifest(&mut folder, runs.len(), &scenarios, settings, metrics, true)?;
    staged.commit()?;
    Ok(c)
}

/// Writes the comparison's `manifest.json` into `folder`, last: the first `ran` of
/// `scenarios` have folders.
fn put_compare_manifest(
    folder: &mut Folder<'_>,
    ran: usize,
    scenarios: &[Scenario],
    settings: &Settings,
    metrics: &[String],
    complete: bool,
) -> io::Result<()> {
    let manifest = CompareManifest {
        complete,
        files: folder.files().clone(),
        metrics: metrics.to_vec(),
        paths: settings.paths,
        runs: scenarios[..ran].iter().map(|s| s.name.clone()).collect(),
        sampling: settings.sampling,
        seed: settings.seed,
        tool: "infercast".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    };
    folder.put_json("manifest.json", &manifest)
}

/// The comparison of analysed runs (the first is the reference), with the overlay charts of
/// `metrics`, in memory.
pub fn comparison(
    runs: &[&Analysed],
    metrics: &[String],
) -> io::Result<(Comparison, Vec<charts::Chart>)> {
    let summaries: Vec<Summary> = runs.iter().map(|a| a.summary.clone()).collect();
    let mut column = |k: usize, name: &str| -> io::Result<Option<Vec<f64>>> {
        let names = runs[k].rows.names();
        let Some(c) = names[1..].iter().position(|h| h == name) else {
            return Ok(None);
        };
        let month = vec![metrics::is_month(name); names.len() - 1];
        Ok(Some(runs[k].rows.columns(&[c], &month)?.remove(0)))
    };
    let resolved: Vec<&str> = runs
        .iter()
        .map(|a| a.manifest.resolved_scenario.as_str())
        .collect();
    let c = Comparison::new(&summaries, &resolved, metrics, &mut column)?;
    let charts: Vec<charts::Chart> = metrics
        .iter()
        .map(|m| charts::overlay::compare(&summaries, m))
        .collect::<Result<_, _>>()?;
    Ok((c, charts))
}

/// Compares the analysed runs `runs`, whose folders are `folders` (the first is the
/// reference), writing the comparison into `folder`.
fn write_comparison(
    folder: &mut Folder<'_>,
    folders: &[PathBuf],
    runs: &[&Analysed],
    metrics: &[String],
) -> io::Result<Comparison> {
    let (c, charts) = comparison(runs, metrics)?;
    let summaries: Vec<Summary> = runs.iter().map(|a| a.summary.clone()).collect();
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
    let page = html::compare::page(&c, &summaries, &charts, &names);
    folder.put_html("compare.html", &page)?;
    Ok(c)
}
