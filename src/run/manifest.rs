//! `manifest.json`: the record of a run, written last into its folder: the tool, the
//! resolved scenario, the settings, the shard, whether every planned block ran, and the size
//! and hash of every other file of the folder (so that a reader, `merge` first, can check
//! that the files are the ones the manifest describes).

use super::{BLOCK_SIZE, RunResult, Settings};
use crate::scenario::{Sampling, Scenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A shard's place in its run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Its block range, half-open.
    pub blocks: (u64, u64),
    /// Number of shards of the run.
    pub count: u64,
    /// This shard's index, from 0.
    pub index: u64,
    /// Paths in this shard.
    pub paths: u64,
}

/// A file of a folder as its manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Its size in bytes.
    pub bytes: u64,
    /// Its 64-bit FNV-1a hash ([`crate::stats::fnv1a64`]), as 16 hex digits.
    pub fnv1a64: String,
}

impl FileRecord {
    /// The record of a file of `bytes` bytes whose hash is `hash`.
    pub fn new(bytes: u64, hash: u64) -> Self {
        Self {
            bytes,
            fnv1a64: format!("{hash:016x}"),
        }
    }
}

/// The manifest of a run, a shard, a stress test or a sensitivity design. Fields are in
/// alphabetical order, as the
/// file has always had them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Paths after the pilot were drawn from a fitted proposal (`--adapt`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub adapt: bool,
    pub block_size: u64,
    /// The finished block ranges of an incomplete run (`None` when complete).
    pub blocks_done: Option<Vec<(u64, u64)>>,
    /// Every planned block ran (or `--until-se` was met).
    pub complete: bool,
    /// Every other file of the folder (not the manifest itself), by name. Absent from the
    /// manifests of earlier versions.
    #[serde(default)]
    pub files: BTreeMap<String, FileRecord>,
    /// A stress test's grid of multipliers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<serde_json::Value>,
    /// What the folder holds when it is not a run's: `"sensitivity"` for a sensitivity design
    /// (whose shards `merge` puts together as such).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The most paths the run could have (`--paths`, or `--max-paths` with `--until-se`).
    pub max_paths: u64,
    /// A stress test's optimisations (`--optimize`): plan, ranges, objective, constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimize: Option<serde_json::Value>,
    /// Rows of `outcomes.csv` (a stress test writes none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome_rows: Option<u64>,
    /// Paths of the run (a shard records its run's path count; its own is under `shard`).
    pub paths: u64,
    /// The proposal paths after the pilot were drawn from (adaptive sampling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<crate::sample::Proposal>,
    /// The scenario after `extends` and `--set`, as TOML.
    pub resolved_scenario: String,
    pub sampling: Sampling,
    /// The scenario's name.
    pub scenario: String,
    pub scenario_hash: String,
    pub seed: u64,
    /// A sensitivity design's settings (base rows, groups, base points, runs per row).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<serde_json::Value>,
    pub shard: Option<ShardInfo>,
    /// Each input's source comment (the resolved scenario has no comments).
    pub sources: BTreeMap<String, String>,
    /// A stress test's simulated subscribers per plan and path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribers_simulated: Option<u64>,
    pub tool: String,
    pub until_se: Option<f64>,
    /// `--until-ess`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_ess: Option<f64>,
    pub version: String,
}

/// Each input's, each date's and each observation's (`observation.NAME`) source comment:
/// the resolved scenario has no comments, so they travel here.
pub fn sources(s: &Scenario) -> BTreeMap<String, String> {
    let inputs = s
        .inputs
        .iter()
        .filter_map(|i| i.source.as_ref().map(|src| (i.name.clone(), src.clone())));
    let observations = s.observations.iter().filter_map(|o| {
        o.source
            .as_ref()
            .map(|src| (format!("observation.{}", o.name), src.clone()))
    });
    // A date's (`hardware.Rubin.date`), for the assumptions table.
    let dates = s
        .dates
        .iter()
        .filter_map(|d| d.source.as_ref().map(|src| (d.name.clone(), src.clone())));
    inputs.chain(observations).chain(dates).collect()
}

impl Manifest {
    /// The manifest of run `r` of `s` with `settings`.
    pub fn new(s: &Scenario, settings: &Settings, r: &RunResult) -> Self {
        let blocks = settings.blocks();
        Self {
            adapt: settings.adapt,
            block_size: BLOCK_SIZE,
            blocks_done: (!r.complete).then(|| r.blocks_done.clone()),
            complete: r.complete,
            files: BTreeMap::new(),
            grid: None,
            optimize: None,
            kind: None,
            max_paths: settings.paths,
            outcome_rows: None,
            paths: if settings.shard.is_some() {
                settings.paths
            } else {
                r.tally.paths
            },
            proposal: r.proposal.clone(),
            resolved_scenario: s.resolved.clone(),
            sampling: settings.sampling,
            scenario: s.name.clone(),
            scenario_hash: s.hash(),
            seed: settings.seed,
            sensitivity: None,
            shard: settings.shard.map(|(index, count)| ShardInfo {
                blocks: (blocks.start, blocks.end),
                count,
                index,
                paths: r.tally.paths,
            }),
            sources: sources(s),
            subscribers_simulated: None,
            tool: "infercast".to_owned(),
            until_se: settings.until_se,
            until_ess: settings.until_ess,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}
