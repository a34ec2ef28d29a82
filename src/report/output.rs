//! The files of a run (`manifest.json`, `summary.json`, `series.csv`, `outcomes.csv`), each
//! written atomically, and the summary table printed at the end.

use super::summary::Summary;
use crate::run::{BLOCK_SIZE, RunResult, Settings};
use crate::scenario::Scenario;
use crate::stats::QUANTILES;
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed to disk,
/// then renamed over `path`. A killed run never leaves a truncated file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    shareable(tmp.as_file())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Output files are for sharing: readable by others (rw-r--r--), not the private mode of a
/// temporary file.
fn shareable(file: &std::fs::File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// A stable 64-bit FNV-1a hash of the resolved scenario text, as hex.
pub fn scenario_hash(s: &Scenario) -> String {
    format!("{:016x}", crate::stats::fnv1a64(s.resolved.as_bytes()))
}

fn month_label(s: &Scenario, m: usize) -> String {
    s.start.plus(m as i32 - 1).to_string()
}

/// `series.csv`, tidy: month, metric, statistic, value.
pub fn series_csv(s: &Scenario, r: &RunResult) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let months = s.months();
    let _ = w.write_record(["month", "metric", "statistic", "value"]);
    for (k, name) in r.layout.names().iter().enumerate() {
        for m in 1..=months {
            let h = &r.tally.series[k * months + m - 1];
            let month = month_label(s, m);
            for (q, x) in QUANTILES.iter().zip(h.quantiles(&QUANTILES)) {
                let stat = format!("p{}", (q * 100.0).round());
                let _ = w.write_record([month.as_str(), name, &stat, &csv_number(x)]);
            }
            let _ = w.write_record([month.as_str(), name, "mean", &csv_number(h.mean())]);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// A number for CSV: shortest round-trip form; empty for NaN or infinity (month scalars:
/// never), which pandas reads as NaN.
fn csv_number(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

/// `outcomes.csv` in the making: rows are streamed, in path order, into a temporary file in
/// the output folder, which becomes `outcomes.csv` only when the run's files are written.
pub struct OutcomeFile {
    writer: csv::Writer<io::BufWriter<std::fs::File>>,
    path: tempfile::TempPath,
}

impl OutcomeFile {
    /// Starts the file in `dir` with the header `names`.
    pub fn create(dir: &Path, names: &[String]) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (file, path) = tempfile::NamedTempFile::new_in(dir)?.into_parts();
        let mut writer = csv::Writer::from_writer(io::BufWriter::new(file));
        writer.write_record(names)?;
        Ok(Self { writer, path })
    }

    /// Appends rows of consecutive paths starting at `first`.
    pub fn write(&mut self, first: u64, rows: &[Vec<f64>]) -> io::Result<()> {
        for (k, row) in rows.iter().enumerate() {
            let mut rec = vec![(first + k as u64).to_string()];
            rec.extend(row.iter().map(|x| csv_number(*x)));
            self.writer.write_record(&rec)?;
        }
        Ok(())
    }

    /// Appends the data rows of another outcome file (written by this same writer, so the
    /// bytes come out as they were).
    fn append_body(&mut self, path: &Path) -> io::Result<()> {
        let mut rdr = csv::Reader::from_path(path)?;
        for rec in rdr.records() {
            self.writer.write_record(&rec?)?;
        }
        Ok(())
    }

    fn finish(self) -> io::Result<tempfile::TempPath> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())?
            .into_inner()
            .map_err(|e| e.into_error())?;
        shareable(&file)?;
        file.sync_all()?;
        Ok(self.path)
    }
}

/// Columns `cs` (0 = `path`) of an outcome file, in one pass, as numbers (empty cells are
/// NaN, "never" is +∞ for the month columns).
fn read_columns(path: &Path, cs: &[usize], months: &[bool]) -> io::Result<Vec<Vec<f64>>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let mut out = vec![Vec::new(); cs.len()];
    let mut rec = csv::ByteRecord::new();
    while rdr.read_byte_record(&mut rec)? {
        for (col, c) in out.iter_mut().zip(cs) {
            let cell = rec.get(*c).unwrap_or(b"");
            let x = std::str::from_utf8(cell)
                .ok()
                .and_then(|t| t.parse::<f64>().ok());
            col.push(match x {
                Some(x) => x,
                None if months.get(*c).copied().unwrap_or(false) => f64::INFINITY,
                None => f64::NAN,
            });
        }
    }
    Ok(out)
}

/// The outcome column called `name` of an outcome file, as numbers (see [`read_columns`]).
pub fn read_named_column(path: &Path, name: &str) -> io::Result<Vec<f64>> {
    let mut rdr = csv::Reader::from_path(path)?;
    let headers = rdr.headers()?.clone();
    let c = headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| io::Error::other(format!("{} has no column {name:?}", path.display())))?;
    let months: Vec<bool> = headers.iter().map(|h| h.starts_with("month_")).collect();
    Ok(read_columns(path, &[c], &months)?.remove(0))
}

/// `manifest.json`.
pub fn manifest_json(s: &Scenario, settings: &Settings, r: &RunResult) -> Value {
    json!({
        "tool": "infercast",
        "version": env!("CARGO_PKG_VERSION"),
        "scenario": s.name,
        "scenario_hash": scenario_hash(s),
        "resolved_scenario": s.resolved,
        "seed": settings.seed,
        // A shard records its run's path count (its own is under "shard").
        "paths": if settings.shard.is_some() { settings.paths } else { r.tally.paths },
        "sampling": format!("{:?}", settings.sampling).to_lowercase(),
        "until_se": settings.until_se,
        "max_paths": settings.paths,
        "block_size": BLOCK_SIZE,
        "shard": settings.shard.map(|(k, n)| {
            let blocks = settings.blocks();
            json!({"index": k, "count": n, "blocks": [blocks.start, blocks.end], "paths": r.tally.paths})
        }),
        // The resolved scenario has no comments: the inputs' sources travel here (merge puts
        // them back for the report's assumptions table).
        "sources": s
            .inputs
            .iter()
            .filter_map(|i| i.source.as_ref().map(|src| (i.name.clone(), json!(src))))
            .collect::<serde_json::Map<String, Value>>(),
        "complete": r.complete,
        "blocks_done": (!r.complete).then(|| r.blocks_done.iter().map(|(a, b)| json!([a, b])).collect::<Vec<_>>()),
    })
}

/// A JSON document as pretty-printed bytes with a final newline.
pub fn pretty<T: serde::Serialize>(v: &T) -> io::Result<Vec<u8>> {
    let mut t = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
    t.push(b'\n');
    Ok(t)
}

/// Writes every file of a run into `dir`: `summary.json` (reading the streamed outcome rows
/// back a few columns at a time for the sensitivity), `series.csv`, the charts and
/// `report.html`, then `outcomes.csv` (the streamed file renamed into place) and
/// `manifest.json` last: its presence says the others are whole. Returns the summary.
/// `r.tally.series` is emptied once read (see below).
pub fn write_run(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    r: &mut RunResult,
    outcomes: OutcomeFile,
) -> io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let tmp = outcomes.finish()?;
    let months: Vec<bool> = r
        .outcomes
        .names()
        .iter()
        .map(|n| n == "month_100x" || n == "month_zero_marginal")
        .collect();
    let error = std::cell::RefCell::new(None);
    let columns = |cs: &[usize]| {
        let cs: Vec<usize> = cs.iter().map(|c| c + 1).collect();
        read_columns(&tmp, &cs, &months).unwrap_or_else(|e| {
            error.borrow_mut().get_or_insert(e);
            vec![Vec::new(); cs.len()]
        })
    };
    let series_file = series_csv(s, r);
    let series = super::summary::series_quantiles(r);
    // The series sketches are the run's largest allocation, and sensitivity, next, ranks whole
    // outcome columns: the first is freed before the second, so peak memory stays the run's.
    r.tally.series = Vec::new();
    let summary = Summary::new(s, settings, r, series, &columns);
    if let Some(e) = error.into_inner() {
        return Err(e);
    }
    write_atomic(&dir.join("summary.json"), &pretty(&summary)?)?;
    write_atomic(&dir.join("series.csv"), &series_file)?;
    let charts = super::charts::run_charts(&summary)?;
    super::charts::write_all(dir, &charts)?;
    write_atomic(
        &dir.join("report.html"),
        super::html::report(&summary, &charts).as_bytes(),
    )?;
    tmp.persist(dir.join("outcomes.csv")).map_err(|e| e.error)?;
    write_atomic(
        &dir.join("manifest.json"),
        &pretty(&manifest_json(s, settings, r))?,
    )?;
    Ok(summary)
}

/// Writes a shard's files into `dir`: its exact tally (`tally.json`), its outcome rows and its
/// manifest (last). `infercast merge` turns a full set of shards into a run's files.
pub fn write_shard(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    r: &RunResult,
    outcomes: OutcomeFile,
) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tally = serde_json::to_vec(&r.tally).map_err(io::Error::other)?;
    write_atomic(&dir.join("tally.json"), &tally)?;
    outcomes
        .finish()?
        .persist(dir.join("outcomes.csv"))
        .map_err(|e| e.error)?;
    write_atomic(
        &dir.join("manifest.json"),
        &pretty(&manifest_json(s, settings, r))?,
    )
}

/// Why shard folders cannot be merged.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// Merges the shard folders `dirs` of one run into `out`, writing the same files a run in
/// one process writes. Checks that the shards come from the same run (scenario hash, seed,
/// paths, sampling, block size) and that every block is present exactly once.
pub fn merge(dirs: &[std::path::PathBuf], out: &Path) -> Result<Summary, MergeError> {
    let fail = |m: String| MergeError(m);
    let mut shards = Vec::new();
    for d in dirs {
        let text = std::fs::read(d.join("manifest.json"))
            .map_err(|e| fail(format!("{}: cannot read manifest.json: {e}", d.display())))?;
        let m: Value = serde_json::from_slice(&text)
            .map_err(|e| fail(format!("{}/manifest.json: {e}", d.display())))?;
        if m["shard"].is_null() {
            return Err(fail(format!(
                "{} is not a shard folder (its manifest has no shard)",
                d.display()
            )));
        }
        if m["complete"] != json!(true) {
            return Err(fail(format!("{} holds an incomplete shard", d.display())));
        }
        shards.push((d.clone(), m));
    }
    let Some((first_dir, first)) = shards.first().cloned() else {
        return Err(fail("no shard folders given".to_owned()));
    };
    for key in [
        "scenario_hash",
        "seed",
        "paths",
        "sampling",
        "block_size",
        "version",
    ] {
        for (d, m) in &shards {
            if m[key] != first[key] {
                return Err(fail(format!(
                    "{} and {} are not shards of the same run: {key} {} vs {}",
                    first_dir.display(),
                    d.display(),
                    first[key],
                    m[key]
                )));
            }
        }
    }
    let paths = first["paths"].as_u64().unwrap_or(0);
    let n_blocks = paths.div_ceil(BLOCK_SIZE);
    let range = |m: &Value| {
        (
            m["shard"]["blocks"][0].as_u64().unwrap_or(0),
            m["shard"]["blocks"][1].as_u64().unwrap_or(0),
        )
    };
    shards.sort_by_key(|(_, m)| range(m));
    let mut next = 0;
    for (d, m) in &shards {
        let (a, b) = range(m);
        if a != next {
            let what = if a < next {
                "overlap (a block is present twice)"
            } else {
                "leave a gap (a shard is missing)"
            };
            return Err(fail(format!(
                "the shards {what}: {} holds blocks {a}..{b}, expected one starting at {next}",
                d.display()
            )));
        }
        next = b;
    }
    if next != n_blocks {
        return Err(fail(format!(
            "the shards cover blocks 0..{next} of 0..{n_blocks}: a shard is missing"
        )));
    }
    let resolved = first["resolved_scenario"].as_str().unwrap_or("");
    let mut s = crate::scenario::from_str("resolved_scenario", resolved).map_err(|e| {
        fail(format!(
            "the manifest's resolved scenario does not read back: {e}"
        ))
    })?;
    for input in &mut s.inputs {
        if let Some(src) = first["sources"][&input.name].as_str() {
            input.source = Some(src.to_owned());
        }
    }
    let mut tally: Option<crate::run::Tally> = None;
    let mut rows = OutcomeFile::create(out, &crate::run::outcome_names(&s))
        .map_err(|e| fail(format!("{}: {e}", out.display())))?;
    for (d, _) in &shards {
        let t: crate::run::Tally = std::fs::read(d.join("tally.json"))
            .map_err(io::Error::other)
            .and_then(|b| serde_json::from_slice(&b).map_err(io::Error::other))
            .map_err(|e| fail(format!("{}/tally.json: {e}", d.display())))?;
        tally = Some(match tally {
            None => t,
            Some(acc) => acc.merge(t),
        });
        rows.append_body(&d.join("outcomes.csv"))
            .map_err(|e| fail(format!("{}/outcomes.csv: {e}", d.display())))?;
    }
    let mut r = crate::run::from_tally(&s, tally.expect("at least one shard"));
    let sampling = if first["sampling"] == json!("lhs") {
        crate::scenario::Sampling::Lhs
    } else {
        crate::scenario::Sampling::Random
    };
    let settings = Settings {
        paths,
        seed: first["seed"].as_u64().unwrap_or(0),
        threads: 0,
        sampling,
        until_se: None,
        shard: None,
    };
    write_run(out, &s, &settings, &mut r, rows)
        .map_err(|e| fail(format!("cannot write to {}: {e}", out.display())))
}
