//! `compare`: scenarios run on common random numbers, each into its own folder, and the
//! comparison written beside them.

use super::output::Staged;
use super::{Error, Folder, Out, run_into};
use crate::analysis::{Comparison, Summary};
use crate::report::{charts, html};
use crate::run::{FileRecord, Observer, RunResult, Settings};
use crate::scenario::{Sampling, Scenario, metrics};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
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
) -> Result<Compared, Error> {
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
