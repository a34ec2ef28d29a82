//! `sensitivity`: a Saltelli design run on the runner, its Sobol' indices, and its folder (or
//! a shard of it); and the merge of a design's shards.

use super::output::Staged;
use super::{Folder, Out};
use crate::analysis::SensitivitySummary;
use crate::report::{charts, export, html};
use crate::run::{Manifest, MergeError, Observer};
use crate::scenario::Scenario;
use crate::sensitivity::{self, Design};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Runs the sensitivity design `design` of `s` with `settings` and writes its folder `out`: a
/// shard folder with `--shard`, else every file, whose summary is returned. With `until_se`,
/// each round's rows are analysed to decide whether to go on. With `into` (a run folder of the
/// same scenario), its `report.html` gets the sensitivity section too.
pub fn sensitivity<'a>(
    out: impl Into<Out<'a>>,
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
    let staged = Staged::begin(out.into())?;
    let mut folder = staged.folder()?;
    if settings.shard.is_some() {
        export::Sink::put(&mut folder, sensitivity::ROWS_FILE, &ran.rows.to_csv()?)?;
        put_manifest(
            &mut folder,
            sensitivity::manifest(s, design, settings, &ran),
        )?;
        staged.commit()?;
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
    if let Some(run_dir) = into {
        check_into(run_dir, s).map_err(io::Error::other)?;
    }
    write_sensitivity(&mut folder, s, design, settings, &ran, &summary)?;
    staged.commit()?;
    if let Some(run_dir) = into {
        add_section(run_dir, &summary)?;
    }
    Ok((ran, Some(summary)))
}

/// Merges the shard folders `dirs` of one sensitivity design into `folder`.
pub(super) fn merge_into(
    folder: &mut Folder<'_>,
    dirs: &[PathBuf],
) -> Result<SensitivitySummary, MergeError> {
    let m = sensitivity::merge(dirs)?;
    let ran = sensitivity::Ran {
        rows: m.rows,
        complete: true,
        until_se_met: None,
        blocks_done: Vec::new(),
    };
    let summary =
        SensitivitySummary::new(&m.scenario, &m.design, &m.settings, &ran.rows, true, None);
    write_sensitivity(folder, &m.scenario, &m.design, &m.settings, &ran, &summary).map_err(
        |source| MergeError::Write {
            dir: folder.path().to_owned(),
            source,
        },
    )?;
    Ok(summary)
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

/// Writes `manifest.json` into `folder`, last, listing every file written before it.
fn put_manifest(folder: &mut Folder<'_>, mut m: Manifest) -> io::Result<()> {
    m.files = folder.files().clone();
    folder.put_json("manifest.json", &m)
}

/// Writes every file of a sensitivity design into `folder` (`manifest.json` last).
fn write_sensitivity(
    folder: &mut Folder<'_>,
    s: &Scenario,
    design: &Design,
    settings: &sensitivity::Settings,
    ran: &sensitivity::Ran,
    summary: &SensitivitySummary,
) -> io::Result<()> {
    folder.put_json("sensitivity.json", summary)?;
    export::Sink::put(
        folder,
        "sensitivity.csv",
        &export::csv::sensitivity(summary)?,
    )?;
    export::Sink::put(folder, sensitivity::ROWS_FILE, &ran.rows.to_csv()?)?;
    let charts = charts::sobol::charts(summary)?;
    charts::export(&charts, folder)?;
    folder.put_html(
        "sensitivity.html",
        &html::sensitivity::page(summary, &charts),
    )?;
    put_manifest(folder, sensitivity::manifest(s, design, settings, ran))
}

/// Adds the sensitivity section to the `report.html` of the run folder `run_dir`, replacing
/// the file atomically and recording its new size and hash in the run's manifest.
fn add_section(run_dir: &Path, summary: &SensitivitySummary) -> io::Result<()> {
    let report = std::fs::read_to_string(run_dir.join("report.html"))?;
    let charts = charts::sobol::charts(summary)?;
    let section = html::sensitivity::section(summary, &charts);
    let page = html::sensitivity::splice(&report, &section).ok_or_else(|| {
        io::Error::other(format!(
            "{}/report.html has no assumptions section to put the sensitivity before",
            run_dir.display()
        ))
    })?;
    let mut manifest: Manifest =
        serde_json::from_slice(&std::fs::read(run_dir.join("manifest.json"))?)
            .map_err(io::Error::other)?;
    let mut folder = Folder::create(run_dir)?;
    folder.put_html("report.html", &page)?;
    if let Some(record) = folder.files().get("report.html") {
        manifest
            .files
            .insert("report.html".to_owned(), record.clone());
    }
    folder.put_json("manifest.json", &manifest)
}
