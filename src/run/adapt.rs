//! Adaptive importance sampling (DESIGN.md §7): a pilot from the prior, then paths from a
//! proposal fitted to the weighted pilot, each weighted by prior × likelihood / proposal.
//!
//! The pilot is the run's first [`PILOT_BLOCKS`] blocks. Every shard runs the whole pilot
//! itself (its paths are the same everywhere) and fits the same proposal from it, so shards
//! need nothing from each other and merge like any run.

use super::{
    BLOCK_SIZE, Course, Extra, Inputs, Observer, ROUND_BLOCKS, RowSink, RunResult, Settings,
    run_from,
};
use crate::sample::{Draws, Proposal, Sampler};
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicBool, Ordering};

/// Blocks of the pilot: two rounds (2,048 paths).
pub const PILOT_BLOCKS: u64 = 2 * ROUND_BLOCKS;

/// With `--until-ess` alone, the run adapts when the pilot's effective sample size is below
/// this share of its paths.
pub const ADAPT_BELOW: f64 = 0.1;

/// Paths from the prior up to the pilot's end, then from the proposal (when there is one).
pub struct Adapted<'a> {
    pub sampler: &'a Sampler,
    pub proposal: Option<&'a Proposal>,
}

impl Inputs for Adapted<'_> {
    fn draws(&self, s: &Scenario, seed: u64, path: u64) -> Draws {
        self.draws_weighted(s, seed, path).0
    }

    fn draws_weighted(&self, s: &Scenario, seed: u64, path: u64) -> (Draws, f64) {
        match self.proposal {
            Some(p) if path >= p.pilot_paths => p.draw(s, self.sampler, seed, path),
            _ => (self.sampler.draws(s, seed, path), 0.0),
        }
    }
}

/// Runs `s` adaptively: the pilot, then (with `settings.adapt`, or with `until_ess` when the
/// pilot's effective sample size is below [`ADAPT_BELOW`] of its paths) the rest from a
/// proposal fitted to the pilot. The result records the proposal.
pub fn run_adaptive<E: Extra>(
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    rows: &mut RowSink<'_>,
    cancel: &AtomicBool,
    extra: &E,
) -> std::io::Result<(RunResult, E::Tally)> {
    let (sampler, repair) = Sampler::new(s, settings.sampling, settings.paths);
    let n_blocks = settings.paths.div_ceil(BLOCK_SIZE);
    let pilot = 0..PILOT_BLOCKS.min(n_blocks);
    let pilot_settings = Settings {
        until_se: None,
        until_ess: None,
        ..*settings
    };
    let prior = Adapted {
        sampler: &sampler,
        proposal: None,
    };
    // The pilot's log-weights, in path order, for the fit; its rows go on only when this run
    // keeps them (a shard keeps the pilot blocks of its own range, recomputing them below).
    let mut log_weights: Vec<f64> = Vec::new();
    let weight_column = super::Outcomes::new(s, &crate::model::Layout::new(s))
        .weight_columns()
        .map(|(lw, _)| lw);
    let keep = settings.shard.is_none();
    let mut pilot_rows = |first: u64, block: &[Vec<f64>]| {
        log_weights.extend(block.iter().map(|r| weight_column.map_or(0.0, |c| r[c])));
        if keep { rows(first, block) } else { Ok(()) }
    };
    let course = Course {
        inputs: &prior,
        blocks: pilot.clone(),
        start: None,
    };
    let (pilot_result, pilot_extra) = run_from(
        s,
        &pilot_settings,
        course,
        observer,
        &mut pilot_rows,
        cancel,
        extra,
    )?;
    let ess = pilot_result.tally.counts.weights.ess();
    let adapt = settings.adapt
        || (settings.until_ess.is_some() && ess < ADAPT_BELOW * pilot_result.tally.paths as f64);
    let proposal = if adapt && !cancel.load(Ordering::Relaxed) {
        let scores: Vec<Vec<f64>> = (0..log_weights.len() as u64)
            .map(|i| sampler.normal_scores(s, settings.seed, i))
            .collect();
        Proposal::fit(s, &sampler, &scores, &log_weights)
    } else {
        None
    };
    let inputs = Adapted {
        sampler: &sampler,
        proposal: proposal.as_ref(),
    };
    let course = if keep {
        let done: Vec<u64> = pilot_result
            .blocks_done
            .iter()
            .flat_map(|(a, b)| *a..*b)
            .collect();
        Course {
            inputs: &inputs,
            blocks: pilot.end..n_blocks,
            start: Some(((pilot_result.tally, pilot_extra), done)),
        }
    } else {
        Course {
            inputs: &inputs,
            blocks: settings.blocks(),
            start: None,
        }
    };
    let (mut result, more) = run_from(s, settings, course, observer, rows, cancel, extra)?;
    result.repair = repair;
    result.proposal = proposal;
    Ok((result, more))
}
