//! What `merge` checks of each shard folder before it trusts it: its manifest is an infercast
//! shard's, consistent with itself (the block range and path counts of its shard, its
//! scenario's hash); every file it lists has the size and hash it lists; and its tally has
//! the shape of the scenario's layout and counts exactly the paths of its block range.
//! `outcomes.csv` (or `outcomes.parquet`) is checked as it is read (`merge::append_rows`).

use super::manifest::Manifest;
use super::{BLOCK_SIZE, Counts, MAX_PATHS, MAX_SHARDS, Settings, Tally};
use crate::model::Layout;
use crate::scenario::Scenario;
use crate::stats::Fnv1a64;
use std::io::Read;
use std::path::Path;

/// Why a shard is not what it should be: the file at fault and the problem.
pub(super) type Problem = (String, String);

/// The paths of the blocks `blocks` of a run of `paths` paths.
pub(super) fn block_paths(blocks: (u64, u64), paths: u64) -> std::ops::Range<u64> {
    let at = |b: u64| b.saturating_mul(BLOCK_SIZE).min(paths);
    at(blocks.0)..at(blocks.1)
}

/// Checks a shard's manifest against itself.
pub(super) fn manifest(m: &Manifest) -> Result<(), Problem> {
    let bad = |p: String| Err(("manifest.json".to_owned(), p));
    if m.tool != "infercast" {
        return bad(format!("written by {:?}, not infercast", m.tool));
    }
    if m.block_size != BLOCK_SIZE {
        return bad(format!(
            "block_size {} (this infercast runs blocks of {BLOCK_SIZE})",
            m.block_size
        ));
    }
    if !(1..=MAX_PATHS).contains(&m.paths) {
        return bad(format!(
            "paths {}: a run has from 1 to {MAX_PATHS} paths",
            m.paths
        ));
    }
    let hash = format!(
        "{:016x}",
        crate::stats::fnv1a64(m.resolved_scenario.as_bytes())
    );
    if hash != m.scenario_hash {
        return bad(format!(
            "its resolved scenario hashes to {hash}, not to its scenario_hash {} (edited?)",
            m.scenario_hash
        ));
    }
    let Some(shard) = &m.shard else {
        return Ok(());
    };
    if shard.count == 0 || shard.count > MAX_SHARDS || shard.index >= shard.count {
        return bad(format!(
            "shard {} of {}: a run has from 1 to {MAX_SHARDS} shards, numbered from 0",
            shard.index, shard.count
        ));
    }
    let settings = Settings {
        paths: m.paths,
        seed: m.seed,
        threads: 0,
        sampling: m.sampling,
        until_se: None,
        until_ess: None,
        adapt: false,
        shard: Some((shard.index, shard.count)),
    };
    let blocks = settings.blocks();
    if shard.blocks != (blocks.start, blocks.end) {
        return bad(format!(
            "shard {} of {} of a run of {} paths holds blocks {}..{}, not {}..{}",
            shard.index,
            shard.count,
            m.paths,
            blocks.start,
            blocks.end,
            shard.blocks.0,
            shard.blocks.1
        ));
    }
    if m.kind.is_some() {
        // Another command's shard (a sensitivity design's): its own merge reads its files,
        // whose sizes and hashes its manifest lists.
        return Ok(());
    }
    let paths = block_paths(shard.blocks, m.paths);
    let n = paths.end - paths.start;
    if shard.paths != n {
        return bad(format!(
            "its shard has {} paths, but blocks {}..{} hold {n}",
            shard.paths, shard.blocks.0, shard.blocks.1
        ));
    }
    if m.outcome_rows != Some(n) {
        return bad(format!(
            "outcome_rows {:?}, but its blocks hold {n} paths",
            m.outcome_rows
        ));
    }
    let rows = ["outcomes.csv", "outcomes.parquet"];
    for file in ["tally.json"] {
        if !m.files.contains_key(file) {
            return bad(format!(
                "lists no {file} (a shard of an earlier version of infercast? run it again)"
            ));
        }
    }
    if !rows.iter().any(|f| m.files.contains_key(*f)) {
        return bad(
            "lists neither outcomes.csv nor outcomes.parquet (a shard of an earlier version of infercast? run it again)"
                .to_owned(),
        );
    }
    Ok(())
}

/// Checks that every file `m` lists is in `dir` with the size and hash it lists.
pub(super) fn files(dir: &Path, m: &Manifest) -> Result<(), Problem> {
    for (name, record) in &m.files {
        let bad = |p: String| Err((name.clone(), p));
        let plain = Path::new(name)
            .file_name()
            .is_some_and(|f| f == name.as_str());
        if !plain || name == "manifest.json" {
            return bad("is not a file a manifest can list".to_owned());
        }
        let mut f = match std::fs::File::open(dir.join(name)) {
            Ok(f) => f,
            Err(e) => return bad(format!("cannot be read: {e}")),
        };
        let mut hash = Fnv1a64::default();
        let mut bytes = 0u64;
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = match f.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => return bad(format!("cannot be read: {e}")),
            };
            hash.update(&buf[..n]);
            bytes += n as u64;
        }
        let found = format!("{:016x}", hash.finish());
        if bytes != record.bytes || found != record.fnv1a64 {
            return bad(format!(
                "is not the file this shard wrote: {bytes} bytes with hash {found}, where its manifest lists {} bytes with hash {} (damaged, or written by another run)",
                record.bytes, record.fnv1a64
            ));
        }
    }
    Ok(())
}

/// Checks that a shard's tally has the shape of the scenario `s` (as its layout, outcome
/// columns and targets make it) and counts exactly `paths` paths everywhere: in a conditioned
/// run, the posterior's and the prior's counts each add up to their paths' weight.
pub(super) fn tally(s: &Scenario, t: &Tally, paths: u64) -> Result<(), String> {
    if t.paths != paths {
        return Err(format!("counts {} paths; its blocks hold {paths}", t.paths));
    }
    let conditioned = !s.observations.is_empty();
    if t.prior.is_some() != conditioned {
        return Err(format!(
            "{} the prior's counts, but the scenario has {} observations",
            if t.prior.is_some() { "holds" } else { "lacks" },
            s.observations.len()
        ));
    }
    counts(s, &t.counts, paths, "")?;
    match &t.prior {
        Some(p) => counts(s, p, paths, "prior."),
        None => Ok(()),
    }
}

/// Checks one set of counts (`prefix` names it in messages): its shape, and that every count
/// adds up to its `paths` paths' weight (their number, unweighted).
fn counts(s: &Scenario, t: &Counts, paths: u64, prefix: &str) -> Result<(), String> {
    let months = s.months();
    let series = Layout::new(s).len() * months;
    let columns = super::outcome_names(s).len() - 1;
    let lengths = [
        ("series", t.series.len(), series),
        ("columns", t.columns.len(), columns),
        ("target_hits", t.target_hits.len(), s.targets.len()),
        ("month_100x", t.month_100x.len(), months),
        ("month_zero_marginal", t.month_zero_marginal.len(), months),
    ];
    for (name, found, expected) in lengths {
        if found != expected {
            return Err(format!(
                "{prefix}{name} has {found} entries; the scenario's has {expected}"
            ));
        }
    }
    if t.weights.paths != paths || t.weights.weighing > paths {
        return Err(format!(
            "{prefix}weights count {} paths; its blocks hold {paths}",
            t.weights.paths
        ));
    }
    let total = t.weights.total;
    if s.observations.is_empty() && total != paths {
        return Err(format!(
            "{prefix}weights add up to {total}, not one per path ({paths})"
        ));
    }
    let within = |name: &str, xs: &[u64]| {
        let sum = xs.iter().try_fold(0u64, |a, x| a.checked_add(*x));
        match sum {
            Some(n) if n <= total => Ok(()),
            _ => Err(format!("{prefix}{name} counts more than its paths' weight")),
        }
    };
    for (k, hits) in t.target_hits.iter().enumerate() {
        within(&format!("target_hits[{k}]"), &[*hits])?;
    }
    within("month_100x", &t.month_100x)?;
    within("month_zero_marginal", &t.month_zero_marginal)?;
    within("revenue_stalls", &[t.revenue_stalls])?;
    for (name, hs) in [("series", &t.series), ("columns", &t.columns)] {
        for (k, h) in hs.iter().enumerate() {
            match h.checked_total() {
                Some(n) if n == total => {}
                Some(n) => {
                    return Err(format!(
                        "{prefix}{name}[{k}] counts {n} units, not its paths' weight ({total})"
                    ));
                }
                None => {
                    return Err(format!(
                        "{prefix}{name}[{k}] is not a well-formed histogram"
                    ));
                }
            }
        }
    }
    Ok(())
}
