//! `infercast merge`: the shard folders of one run put back together. Checks each shard (its
//! manifest, the size and hash of every file it lists, its tally's shape and counts, its rows:
//! see `verify`), that the shards come from the same run (scenario hash, seed, paths,
//! sampling, block size, version) and that every block is present exactly once, then adds
//! their tallies and concatenates their rows.

use super::manifest::Manifest;
use super::rows::{RowStore, Rows};
use super::{BLOCK_SIZE, RunResult, Settings, Tally, from_tally, outcome_names, verify};
use crate::scenario::Scenario;
use std::io;
use std::path::{Path, PathBuf};

/// Why shard folders cannot be merged; each names the folder and file at fault.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("no shard folders given")]
    NoShards,
    #[error("{}: cannot read {file}: {source}", dir.display())]
    Read {
        dir: PathBuf,
        file: &'static str,
        source: io::Error,
    },
    #[error("{}/{file}: {problem}", dir.display())]
    Invalid {
        dir: PathBuf,
        file: &'static str,
        problem: String,
    },
    #[error("{}/{file}: {problem}", dir.display())]
    Damaged {
        dir: PathBuf,
        file: String,
        problem: String,
    },
    #[error("{} is not a shard folder (its manifest has no shard)", dir.display())]
    NotAShard { dir: PathBuf },
    #[error("{} holds an incomplete shard", dir.display())]
    Incomplete { dir: PathBuf },
    #[error("{} and {} are not shards of the same run: {field} {first} vs {other}", first_dir.display(), dir.display())]
    Mismatch {
        first_dir: PathBuf,
        dir: PathBuf,
        field: &'static str,
        first: String,
        other: String,
    },
    #[error("the shards {what}: {} holds blocks {start}..{end}, expected one starting at {next}", dir.display())]
    Blocks {
        what: &'static str,
        dir: PathBuf,
        start: u64,
        end: u64,
        next: u64,
    },
    #[error("the shards cover blocks 0..{next} of 0..{blocks}: a shard is missing")]
    Missing { next: u64, blocks: u64 },
    #[error("{} holds {found}, not {expected}: merge shards of one kind", dir.display())]
    Kind {
        dir: PathBuf,
        expected: String,
        found: String,
    },
    #[error("the manifest's resolved scenario does not read back: {0}")]
    Scenario(String),
    #[error("cannot write to {}: {source}", dir.display())]
    Write { dir: PathBuf, source: io::Error },
    #[error("{0}")]
    Unreproducible(String),
}

/// A run put back together from its shards.
pub struct Merged {
    /// The shards' outcome rows were written as CSV, as Parquet.
    pub csv: bool,
    pub parquet: bool,
    pub scenario: Scenario,
    pub settings: Settings,
    pub result: RunResult,
    pub rows: Rows,
}

/// Reads and checks the manifest of shard folder `dir`.
fn shard_manifest(dir: &Path) -> Result<Manifest, MergeError> {
    let file = "manifest.json";
    let text = std::fs::read(dir.join(file)).map_err(|source| MergeError::Read {
        dir: dir.to_owned(),
        file,
        source,
    })?;
    let m: Manifest = serde_json::from_slice(&text).map_err(|e| MergeError::Invalid {
        dir: dir.to_owned(),
        file,
        problem: e.to_string(),
    })?;
    if m.shard.is_none() {
        return Err(MergeError::NotAShard {
            dir: dir.to_owned(),
        });
    }
    if !m.complete {
        return Err(MergeError::Incomplete {
            dir: dir.to_owned(),
        });
    }
    verify::manifest(&m)
        .and_then(|()| verify::files(dir, &m))
        .map_err(|(file, problem)| MergeError::Damaged {
            dir: dir.to_owned(),
            file,
            problem,
        })?;
    Ok(m)
}

/// The fields shards of one run share, as text for messages.
fn run_fields(m: &Manifest) -> [(&'static str, String); 9] {
    [
        ("kind", kind(m)),
        (
            "proposal",
            serde_json::to_string(&m.proposal).unwrap_or_default(),
        ),
        ("scenario_hash", format!("{:?}", m.scenario_hash)),
        ("seed", m.seed.to_string()),
        ("paths", m.paths.to_string()),
        ("sampling", format!("\"{}\"", m.sampling)),
        ("block_size", m.block_size.to_string()),
        ("version", format!("{:?}", m.version)),
        (
            "sensitivity",
            m.sensitivity
                .as_ref()
                .map_or_else(|| "none".to_owned(), |v| v.to_string()),
        ),
    ]
}

/// What a folder holds, for messages: "a run's shard" or "a <kind> shard".
fn kind(m: &Manifest) -> String {
    match &m.kind {
        None => "a run's shard".to_owned(),
        Some(k) => format!("a {k} shard"),
    }
}

/// Sorts the shards by block range and checks that they cover the run's blocks once each.
fn check_coverage(shards: &mut [(PathBuf, Manifest)]) -> Result<(), MergeError> {
    let (first_dir, first) = &shards[0];
    let expected = run_fields(first);
    for (dir, m) in shards.iter() {
        for ((field, a), (_, b)) in expected.iter().zip(run_fields(m)) {
            if *a != b {
                return Err(MergeError::Mismatch {
                    first_dir: first_dir.clone(),
                    dir: dir.clone(),
                    field,
                    first: a.clone(),
                    other: b,
                });
            }
        }
    }
    let n_blocks = first.paths.div_ceil(BLOCK_SIZE);
    let range = |m: &Manifest| m.shard.as_ref().map_or((0, 0), |s| s.blocks);
    shards.sort_by_key(|(_, m)| range(m));
    let mut next = 0;
    for (dir, m) in shards.iter() {
        let (start, end) = range(m);
        if start != next {
            return Err(MergeError::Blocks {
                what: if start < next {
                    "overlap (a block is present twice)"
                } else {
                    "leave a gap (a shard is missing)"
                },
                dir: dir.clone(),
                start,
                end,
                next,
            });
        }
        next = end;
    }
    if next != n_blocks {
        return Err(MergeError::Missing {
            next,
            blocks: n_blocks,
        });
    }
    Ok(())
}

/// Appends the rows of a shard's outcome file to `store`: `outcomes.parquet` when its
/// manifest lists one (and this build reads Parquet), else `outcomes.csv`; its rows must be
/// exactly the paths `paths` in order.
fn append_rows(
    store: &mut RowStore,
    dir: &Path,
    m: &Manifest,
    s: &Scenario,
    paths: std::ops::Range<u64>,
) -> Result<(), MergeError> {
    #[cfg(feature = "parquet")]
    if m.files.contains_key("outcomes.parquet") {
        return append_parquet_rows(store, dir, s, paths);
    }
    let _ = (m, s);
    append_csv_rows(store, dir, &outcome_names(s), paths)
}

/// Appends the rows of a shard's `outcomes.csv` to `store`, checking that its header is
/// `names`, that its rows are exactly the paths `paths` in order, and that every cell is a
/// number (or empty: not a number).
fn append_csv_rows(
    store: &mut RowStore,
    dir: &Path,
    names: &[String],
    paths: std::ops::Range<u64>,
) -> Result<(), MergeError> {
    let file = "outcomes.csv";
    let invalid = |problem: String| MergeError::Invalid {
        dir: dir.to_owned(),
        file,
        problem,
    };
    let mut rdr = csv::Reader::from_path(dir.join(file)).map_err(|e| invalid(e.to_string()))?;
    let header = rdr.headers().map_err(|e| invalid(e.to_string()))?;
    if header.iter().ne(names.iter().map(String::as_str)) {
        return Err(invalid(
            "its columns are not the scenario's outcome columns".to_owned(),
        ));
    }
    let mut rec = csv::StringRecord::new();
    let mut next = paths.start;
    while rdr
        .read_record(&mut rec)
        .map_err(|e| invalid(e.to_string()))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let mut cells = rec.iter();
        let path: Option<u64> = cells.next().and_then(|c| c.parse().ok());
        if path != Some(next) || next >= paths.end {
            return Err(invalid(format!(
                "line {line}: expected the row of path {next} (its rows are paths {}..{} in order), found {:?}",
                paths.start,
                paths.end,
                rec.get(0).unwrap_or("")
            )));
        }
        let row = cells
            .map(|c| match c {
                "" => Some(f64::NAN),
                c => c.parse::<f64>().ok().filter(|x| x.is_finite()),
            })
            .collect::<Option<Vec<f64>>>()
            .filter(|row| row.len() + 1 == names.len())
            .ok_or_else(|| {
                let found: String = rec.iter().collect::<Vec<_>>().join(",");
                let found: String = found.chars().take(80).collect();
                invalid(format!(
                    "line {line}: expected the path and {} numbers (or empty cells), found {found:?}…",
                    names.len() - 1,
                ))
            })?;
        store
            .write(path.unwrap_or(next), &[row])
            .map_err(|e| invalid(e.to_string()))?;
        next += 1;
    }
    if next != paths.end {
        return Err(invalid(format!(
            "holds the rows of paths {}..{next}; its blocks hold paths {}..{}",
            paths.start, paths.start, paths.end
        )));
    }
    Ok(())
}

/// Appends the rows of a shard's `outcomes.parquet` to `store`: the columns must be those of
/// the run, typed as `report::export::parquet` writes them (an int64 `path`; floats, dates of
/// months, booleans; nulls for missing values).
#[cfg(feature = "parquet")]
fn append_parquet_rows(
    store: &mut RowStore,
    dir: &Path,
    s: &Scenario,
    paths: std::ops::Range<u64>,
) -> Result<(), MergeError> {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Date32Type, Float64Type, Int64Type};
    use arrow_schema::DataType;
    let file = "outcomes.parquet";
    let invalid = |problem: String| MergeError::Invalid {
        dir: dir.to_owned(),
        file,
        problem,
    };
    let f = std::fs::File::open(dir.join(file)).map_err(|source| MergeError::Read {
        dir: dir.to_owned(),
        file,
        source,
    })?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.with_batch_size(4096).build())
        .map_err(|e| invalid(e.to_string()))?;
    let names = outcome_names(s);
    let found: Vec<String> = arrow_array::RecordBatchReader::schema(&reader)
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    if found != names {
        return Err(invalid(format!(
            "its columns are not the run's outcomes: found {found:?}"
        )));
    }
    // A month's date back to its 1-based index.
    let month_index: std::collections::HashMap<i32, f64> = (0..s.months())
        .map(|m| (s.start.plus(m as i32).epoch_days(), m as f64 + 1.0))
        .collect();
    let mut next = paths.start;
    for batch in reader {
        let batch = batch.map_err(|e| invalid(e.to_string()))?;
        let n = batch.num_rows();
        let mut rows = vec![Vec::with_capacity(names.len() - 1); n];
        let ids = batch
            .column(0)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| invalid("`path` is not an int64 column".to_owned()))?;
        for (c, column) in batch.columns().iter().enumerate().skip(1) {
            let value = |i: usize| -> Option<f64> {
                if column.is_null(i) {
                    return None;
                }
                Some(match column.data_type() {
                    DataType::Float64 => {
                        let x = column.as_primitive::<Float64Type>().value(i);
                        if !x.is_finite() {
                            return None;
                        }
                        x
                    }
                    DataType::Date32 => {
                        let d = column.as_primitive::<Date32Type>().value(i);
                        *month_index.get(&d)?
                    }
                    DataType::Boolean => f64::from(u8::from(column.as_boolean().value(i))),
                    _ => return None,
                })
            };
            if !matches!(
                column.data_type(),
                DataType::Float64 | DataType::Date32 | DataType::Boolean
            ) {
                return Err(invalid(format!(
                    "column {:?} has type {}",
                    names[c],
                    column.data_type()
                )));
            }
            for (i, row) in rows.iter_mut().enumerate() {
                row.push(value(i).unwrap_or(f64::NAN));
            }
        }
        for (i, row) in rows.into_iter().enumerate() {
            let path = ids.value(i);
            if u64::try_from(path) != Ok(next) || next >= paths.end {
                return Err(invalid(format!(
                    "row {}: expected the row of path {next} (its rows are paths {}..{} in order), found {path}",
                    next - paths.start,
                    paths.start,
                    paths.end
                )));
            }
            store
                .write(next, &[row])
                .map_err(|e| invalid(e.to_string()))?;
            next += 1;
        }
    }
    if next != paths.end {
        return Err(invalid(format!(
            "holds the rows of paths {}..{next}; its blocks hold paths {}..{}",
            paths.start, paths.start, paths.end
        )));
    }
    Ok(())
}

/// The manifests of the shard folders `dirs`, checked to be complete shards of one run (of
/// one kind) that cover its blocks once each, in block order.
pub fn read_shards(dirs: &[PathBuf]) -> Result<Vec<(PathBuf, Manifest)>, MergeError> {
    let mut shards = Vec::new();
    for d in dirs {
        shards.push((d.clone(), shard_manifest(d)?));
    }
    if shards.is_empty() {
        return Err(MergeError::NoShards);
    }
    check_coverage(&mut shards)?;
    Ok(shards)
}

/// The scenario a manifest (of folder `dir`) records: its resolved text, checked against its
/// hash, with the inputs' source comments.
pub fn scenario_of(dir: &Path, m: &Manifest) -> Result<Scenario, MergeError> {
    let mut s = crate::scenario::from_str("resolved_scenario", &m.resolved_scenario)
        .map_err(|e| MergeError::Scenario(e.to_string()))?;
    if s.hash() != m.scenario_hash {
        return Err(MergeError::Invalid {
            dir: dir.to_owned(),
            file: "manifest.json",
            problem: format!(
                "its resolved scenario reads back as a scenario of hash {}, not {}",
                s.hash(),
                m.scenario_hash
            ),
        });
    }
    for input in &mut s.inputs {
        if let Some(src) = m.sources.get(&input.name) {
            input.source = Some(src.clone());
        }
    }
    for d in &mut s.dates {
        if let Some(src) = m.sources.get(&d.name) {
            d.source = Some(src.clone());
        }
    }
    for o in &mut s.observations {
        if let Some(src) = m.sources.get(&format!("observation.{}", o.name)) {
            o.source = Some(src.clone());
        }
    }
    Ok(s)
}

/// Merges the shard folders `dirs` of one run; the rows are stored in `out` (which is created).
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged, MergeError> {
    let shards = read_shards(dirs)?;
    let first = &shards[0].1;
    if first.kind.is_some() {
        return Err(MergeError::Kind {
            dir: shards[0].0.clone(),
            expected: "a run's shard".to_owned(),
            found: kind(first),
        });
    }
    let s = scenario_of(&shards[0].0, first)?;
    let write_error = |source| MergeError::Write {
        dir: out.to_owned(),
        source,
    };
    let names = outcome_names(&s);
    let mut rows = RowStore::create(out, &names).map_err(write_error)?;
    let mut tally: Option<Tally> = None;
    for (d, m) in &shards {
        let file = "tally.json";
        let invalid = |problem: String| MergeError::Invalid {
            dir: d.clone(),
            file,
            problem,
        };
        let paths = verify::block_paths(m.shard.as_ref().map_or((0, 0), |s| s.blocks), m.paths);
        let t: Tally = std::fs::read(d.join(file))
            .map_err(io::Error::other)
            .and_then(|b| serde_json::from_slice(&b).map_err(io::Error::other))
            .map_err(|e| invalid(e.to_string()))?;
        verify::tally(&s, &t, paths.end - paths.start).map_err(invalid)?;
        tally = Some(match tally {
            None => t,
            Some(acc) => acc.merge(t),
        });
        append_rows(&mut rows, d, m, &s, paths)?;
    }
    let settings = Settings {
        paths: first.paths,
        seed: first.seed,
        threads: 0,
        sampling: first.sampling,
        until_se: None,
        until_ess: None,
        adapt: first.adapt,
        shard: None,
    };
    let mut result = from_tally(&s, tally.expect("at least one shard"));
    result.proposal = first.proposal.clone();
    let has = |file: &str| first.files.contains_key(file);
    Ok(Merged {
        csv: has("outcomes.csv"),
        parquet: has("outcomes.parquet"),
        scenario: s,
        settings,
        result,
        rows: rows.finish().map_err(write_error)?,
    })
}
