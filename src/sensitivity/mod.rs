//! Variance-based sensitivity: a Saltelli design of the scenario's uncertain inputs, run on the
//! Monte Carlo runner, for Sobol' first-order and total indices (the estimators are in
//! [`crate::stats::sobol`]; `analysis::SensitivitySummary` computes them).
//!
//! * [`Design`]: the input groups, the base points, and each path's inputs and model
//!   randomness (see `design.rs` for why the model's randomness is shared within a row);
//! * [`explained`]: the outcomes the design explains, and how each is transformed;
//! * [`DesignRows`]: the explained outcome columns of every path, in path order;
//! * [`run`]: rounds of design rows on the runner; [`merge`]: shards put back together.

mod design;
pub mod explained;
mod groups;
mod rows;

pub use design::{Design, DesignPaths, Points, Run};
pub use explained::{Explained, Transform};
pub use groups::{Group, GroupKind, Grouping, section_of};
pub use rows::DesignRows;

use crate::run::{self, BLOCK_SIZE, Manifest, MergeError, Observer, ShardInfo};
use crate::scenario::{Sampling, Scenario};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// The file of a sensitivity folder that holds its design's outcome rows.
pub const ROWS_FILE: &str = "sensitivity-rows.csv";

/// Design rows come in multiples of this: a round of rows is then a whole number of the
/// runner's blocks, so rounds and shards line up with the blocks of one run.
pub const ROW_MULTIPLE: u64 = BLOCK_SIZE;

/// How to run a sensitivity design.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Design rows N (a multiple of [`ROW_MULTIPLE`]): the whole design, or each round's with
    /// `until_se`.
    pub base: u64,
    pub seed: u64,
    /// Worker threads; 0: one per core.
    pub threads: usize,
    pub grouping: Grouping,
    pub points: Points,
    /// Add rounds of `base` rows until every total index's bootstrap standard error is at most
    /// this (or `max_base` rows are reached).
    pub until_se: Option<f64>,
    /// With `until_se`, the most rows.
    pub max_base: u64,
    /// Run only shard `k` of `n` of the design's blocks.
    pub shard: Option<(u64, u64)>,
}

/// The design settings a manifest records; shards of one design share them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub method: String,
    /// Design rows of a round (of the whole design without `until_se`).
    pub base: u64,
    pub groups: Grouping,
    pub sampler: Points,
    /// Input groups k (the model's randomness is one more).
    pub input_groups: usize,
    /// Paths per row: A, B, each AB_j and AB_ω.
    pub runs_per_row: u64,
    /// Design rows that ran whole.
    pub rows: u64,
}

/// What a sensitivity run did.
pub struct Ran {
    /// The explained outcome columns of every path that ran.
    pub rows: DesignRows,
    /// Every planned path ran (or `until_se` was met, or `max_base` reached).
    pub complete: bool,
    /// With `until_se`: whether its rule was met.
    pub until_se_met: Option<bool>,
    /// The design's blocks (of [`BLOCK_SIZE`] paths) that ran, as half-open ranges.
    pub blocks_done: Vec<(u64, u64)>,
}

/// Runs `design` of `s`: `settings.base` rows (or the shard's blocks of them), then with
/// `until_se` more rounds of `base` rows, each run by the runner with the design as its source
/// of inputs (design path `p` of row `p / (k + 3)`), until `enough` says so after a round (it
/// sees all rows so far) or `max_base` rows have run. The rows are a function of the paths
/// alone: the same for any thread count, round or shard.
pub fn run(
    s: &Scenario,
    design: &Design,
    settings: &Settings,
    observer: &dyn Observer,
    cancel: &AtomicBool,
    enough: &mut dyn FnMut(&DesignRows) -> bool,
) -> std::io::Result<Ran> {
    let per = design.runs_per_row();
    let explained = explained::explained(s);
    let names = explained::columns(&explained);
    let all = run::outcome_names(s);
    // Positions of the kept columns in the runner's outcome rows (which have no `path`).
    let kept: Vec<usize> = names
        .iter()
        .map(|n| all.iter().position(|a| a == n).expect("an outcome column") - 1)
        .collect();
    let paths = settings.base * per;
    let first = match settings.shard {
        Some((k, n)) => k * paths.div_ceil(BLOCK_SIZE) / n * BLOCK_SIZE,
        None => 0,
    };
    let mut rows = DesignRows::new(names, per, first);
    let mut blocks_done: Vec<(u64, u64)> = Vec::new();
    let mut done_rows = 0;
    let mut met = None;
    loop {
        let offset = done_rows * per;
        let round = run::Settings {
            paths,
            seed: settings.seed,
            threads: settings.threads,
            sampling: Sampling::Random,
            until_se: None,
            until_ess: None,
            adapt: false,
            shard: settings.shard,
        };
        let source = DesignPaths {
            design,
            first: offset,
        };
        let mut values = vec![0.0; kept.len()];
        let (r, ()) = run::run_from(
            s,
            &round,
            run::Course::new(&round, &source),
            observer,
            &mut |p0, block| {
                for (j, row) in block.iter().enumerate() {
                    for (v, &c) in values.iter_mut().zip(&kept) {
                        *v = row[c];
                    }
                    rows.put(offset + p0 + j as u64, &values);
                }
                Ok(())
            },
            cancel,
            &(),
        )?;
        let shift = offset / BLOCK_SIZE;
        blocks_done.extend(r.blocks_done.iter().map(|(a, b)| (a + shift, b + shift)));
        done_rows += settings.base;
        if !r.complete || cancel.load(Ordering::Relaxed) {
            return Ok(Ran {
                rows,
                complete: false,
                until_se_met: met,
                blocks_done: merge_ranges(blocks_done),
            });
        }
        if settings.until_se.is_none() {
            break;
        }
        let ok = enough(&rows);
        met = Some(ok);
        if ok || done_rows + settings.base > settings.max_base {
            break;
        }
    }
    Ok(Ran {
        rows,
        complete: true,
        until_se_met: met,
        blocks_done: merge_ranges(blocks_done),
    })
}

/// Adjacent half-open ranges joined.
fn merge_ranges(ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if last.1 == a => last.1 = b,
            _ => out.push((a, b)),
        }
    }
    out
}

/// The manifest of a sensitivity run (or shard) of `design` that did `ran`.
pub fn manifest(s: &Scenario, design: &Design, settings: &Settings, ran: &Ran) -> Manifest {
    let per = design.runs_per_row();
    let record = Record {
        method: "sobol".to_owned(),
        base: settings.base,
        groups: design.grouping,
        sampler: design.points,
        input_groups: design.k(),
        runs_per_row: per,
        rows: if settings.shard.is_some() {
            settings.base
        } else {
            ran.rows.rows()
        },
    };
    let planned = settings.base * per;
    let shard = settings.shard.map(|(index, count)| {
        let n_blocks = planned.div_ceil(BLOCK_SIZE);
        ShardInfo {
            blocks: (index * n_blocks / count, (index + 1) * n_blocks / count),
            count,
            index,
            paths: ran.rows.paths(),
        }
    });
    Manifest {
        adapt: false,
        block_size: BLOCK_SIZE,
        blocks_done: (!ran.complete).then(|| ran.blocks_done.clone()),
        complete: ran.complete,
        files: Default::default(),
        grid: None,
        optimize: None,
        kind: Some("sensitivity".to_owned()),
        max_paths: match settings.until_se {
            Some(_) => settings.max_base * per,
            None => planned,
        },
        outcome_rows: None,
        paths: if settings.shard.is_some() {
            planned
        } else {
            ran.rows.paths()
        },
        proposal: None,
        resolved_scenario: s.resolved.clone(),
        sampling: Sampling::Random,
        scenario: s.name.clone(),
        scenario_hash: s.hash(),
        seed: settings.seed,
        sensitivity: Some(serde_json::to_value(record).expect("a plain record")),
        shard,
        sources: s
            .inputs
            .iter()
            .filter_map(|i| i.source.as_ref().map(|src| (i.name.clone(), src.clone())))
            .collect(),
        subscribers_simulated: None,
        tool: "infercast".to_owned(),
        until_se: settings.until_se,
        until_ess: None,
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

/// A sensitivity design put back together from its shards.
pub struct Merged {
    pub scenario: Scenario,
    pub settings: Settings,
    pub design: Design,
    pub rows: DesignRows,
}

/// Whether the folder `dir` holds a sensitivity design's files (its manifest says so).
pub fn is_sensitivity_folder(dir: &std::path::Path) -> bool {
    std::fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
        .is_some_and(|m| m.kind.as_deref() == Some("sensitivity"))
}

/// Merges the shard folders `dirs` of one sensitivity design: checks them as `merge` checks a
/// run's, then joins their rows in path order.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, MergeError> {
    let shards = run::read_shards(dirs)?;
    let (first_dir, first) = &shards[0];
    let invalid = |dir: &PathBuf, file: &'static str, problem: String| MergeError::Invalid {
        dir: dir.clone(),
        file,
        problem,
    };
    if first.kind.as_deref() != Some("sensitivity") {
        return Err(MergeError::Kind {
            dir: first_dir.clone(),
            expected: "a sensitivity shard".to_owned(),
            found: "a run's shard".to_owned(),
        });
    }
    let record: Record = first
        .sensitivity
        .clone()
        .ok_or_else(|| "no sensitivity settings".to_owned())
        .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
        .map_err(|p| invalid(first_dir, "manifest.json", p))?;
    let s = run::scenario_of(&shards[0].0, first)?;
    let design = Design::new(&s, record.groups, record.sampler, first.seed)
        .map_err(|e| invalid(first_dir, "manifest.json", e.to_string()))?;
    if design.runs_per_row() != record.runs_per_row {
        return Err(invalid(
            first_dir,
            "manifest.json",
            format!(
                "the design has {} runs per row, the manifest says {}",
                design.runs_per_row(),
                record.runs_per_row
            ),
        ));
    }
    let names = explained::columns(&explained::explained(&s));
    let per = design.runs_per_row();
    let mut rows = DesignRows::new(names.clone(), per, 0);
    for (dir, m) in &shards {
        let bytes = std::fs::read(dir.join(ROWS_FILE)).map_err(|source| MergeError::Read {
            dir: dir.clone(),
            file: ROWS_FILE,
            source,
        })?;
        let start = m.shard.as_ref().map_or(0, |sh| sh.blocks.0) * BLOCK_SIZE;
        let part = DesignRows::from_csv(&bytes, names.clone(), per, start)
            .map_err(|p| invalid(dir, ROWS_FILE, p))?;
        let expected = m.shard.as_ref().map_or(0, |sh| sh.paths);
        if part.paths() != expected || part.first() != start {
            return Err(invalid(
                dir,
                ROWS_FILE,
                format!(
                    "{} paths from path {start}, the manifest says {expected}",
                    part.paths()
                ),
            ));
        }
        rows.append(&part).map_err(|p| invalid(dir, ROWS_FILE, p))?;
    }
    let settings = Settings {
        base: record.base,
        seed: first.seed,
        threads: 0,
        grouping: record.groups,
        points: record.sampler,
        until_se: None,
        max_base: record.base,
        shard: None,
    };
    Ok(Merged {
        scenario: s,
        settings,
        design,
        rows,
    })
}
