//! `infercast merge`: the shard folders of one run put back together. Checks that the shards
//! come from the same run (scenario hash, seed, paths, sampling, block size, version) and that
//! every block is present exactly once, then adds their tallies and concatenates their rows.

use super::manifest::Manifest;
use super::rows::{RowStore, Rows};
use super::{BLOCK_SIZE, RunResult, Settings, Tally, from_tally, outcome_names};
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
    #[error("the manifest's resolved scenario does not read back: {0}")]
    Scenario(String),
    #[error("cannot write to {}: {source}", dir.display())]
    Write { dir: PathBuf, source: io::Error },
}

/// A run put back together from its shards.
pub struct Merged {
    pub scenario: Scenario,
    pub settings: Settings,
    pub result: RunResult,
    pub rows: Rows,
    /// The outcome files the (first) shard had: `outcomes.csv`, `outcomes.parquet`.
    pub csv: bool,
    pub parquet: bool,
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
    Ok(m)
}

/// The fields shards of one run share, as text for messages.
fn run_fields(m: &Manifest) -> [(&'static str, String); 6] {
    [
        ("scenario_hash", format!("{:?}", m.scenario_hash)),
        ("seed", m.seed.to_string()),
        ("paths", m.paths.to_string()),
        ("sampling", format!("\"{}\"", m.sampling)),
        ("block_size", m.block_size.to_string()),
        ("version", format!("{:?}", m.version)),
    ]
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

/// Appends the rows of a shard's outcome file to `store`: `outcomes.parquet` when it has
/// one (and this build reads Parquet), else `outcomes.csv`.
fn append_rows(store: &mut RowStore, dir: &Path, s: &Scenario) -> Result<(), MergeError> {
    #[cfg(feature = "parquet")]
    if dir.join("outcomes.parquet").exists() {
        return append_parquet_rows(store, dir, s);
    }
    let _ = s;
    append_csv_rows(store, dir)
}

/// Appends the rows of a shard's `outcomes.csv` to `store`.
fn append_csv_rows(store: &mut RowStore, dir: &Path) -> Result<(), MergeError> {
    let file = "outcomes.csv";
    let invalid = |problem: String| MergeError::Invalid {
        dir: dir.to_owned(),
        file,
        problem,
    };
    let mut rdr = csv::Reader::from_path(dir.join(file)).map_err(|e| invalid(e.to_string()))?;
    let mut rec = csv::StringRecord::new();
    while rdr
        .read_record(&mut rec)
        .map_err(|e| invalid(e.to_string()))?
    {
        let mut cells = rec.iter();
        let path: u64 = cells
            .next()
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| invalid(format!("row {:?} has no path index", rec.position())))?;
        let row: Vec<f64> = cells.map(|c| c.parse().unwrap_or(f64::NAN)).collect();
        store
            .write(path, &[row])
            .map_err(|e| invalid(e.to_string()))?;
    }
    Ok(())
}

/// Appends the rows of a shard's `outcomes.parquet` to `store`: the columns must be those of
/// the run, typed as `report::export::parquet` writes them (an int64 `path`; floats, dates of
/// months, booleans; nulls for missing values).
#[cfg(feature = "parquet")]
fn append_parquet_rows(store: &mut RowStore, dir: &Path, s: &Scenario) -> Result<(), MergeError> {
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
    for batch in reader {
        let batch = batch.map_err(|e| invalid(e.to_string()))?;
        let n = batch.num_rows();
        let mut rows = vec![Vec::with_capacity(names.len() - 1); n];
        let paths = batch
            .column(0)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| invalid("`path` is not an int64 column".to_owned()))?;
        for (c, column) in batch.columns().iter().enumerate().skip(1) {
            let value = |i: usize| -> Option<f64> {
                if column.is_null(i) {
                    return None;
                }
                Some(match column.data_type() {
                    DataType::Float64 => column.as_primitive::<Float64Type>().value(i),
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
            store
                .write(paths.value(i) as u64, &[row])
                .map_err(|e| invalid(e.to_string()))?;
        }
    }
    Ok(())
}

/// Merges the shard folders `dirs` of one run; the rows are stored in `out` (which is created).
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Merged, MergeError> {
    let mut shards = Vec::new();
    for d in dirs {
        shards.push((d.clone(), shard_manifest(d)?));
    }
    if shards.is_empty() {
        return Err(MergeError::NoShards);
    }
    check_coverage(&mut shards)?;
    let first = &shards[0].1;
    let mut s = crate::scenario::from_str("resolved_scenario", &first.resolved_scenario)
        .map_err(|e| MergeError::Scenario(e.to_string()))?;
    for input in &mut s.inputs {
        if let Some(src) = first.sources.get(&input.name) {
            input.source = Some(src.clone());
        }
    }
    let write_error = |source| MergeError::Write {
        dir: out.to_owned(),
        source,
    };
    let mut rows = RowStore::create(out, &outcome_names(&s)).map_err(write_error)?;
    let mut tally: Option<Tally> = None;
    for (d, _) in &shards {
        let file = "tally.json";
        let t: Tally = std::fs::read(d.join(file))
            .map_err(io::Error::other)
            .and_then(|b| serde_json::from_slice(&b).map_err(io::Error::other))
            .map_err(|e| MergeError::Invalid {
                dir: d.clone(),
                file,
                problem: e.to_string(),
            })?;
        tally = Some(match tally {
            None => t,
            Some(acc) => acc.merge(t),
        });
        append_rows(&mut rows, d, &s)?;
    }
    let settings = Settings {
        paths: first.paths,
        seed: first.seed,
        threads: 0,
        sampling: first.sampling,
        until_se: None,
        shard: None,
    };
    let result = from_tally(&s, tally.expect("at least one shard"));
    let has = |file: &str| shards[0].0.join(file).exists();
    Ok(Merged {
        csv: has("outcomes.csv"),
        parquet: has("outcomes.parquet"),
        scenario: s,
        settings,
        result,
        rows: rows.finish().map_err(write_error)?,
    })
}
