//! The Monte Carlo runner: paths in fixed-size blocks on rayon, aggregated so that the result
//! does not depend on the number of threads or the order in which blocks finish.
//!
//! Every block accumulates integer-count histograms and counters (exact, order-free merges)
//! and the outcome rows of its paths; rows are put back in path order. The runner never
//! prints: progress goes to an [`Observer`] the caller passes in.

mod adapt;
mod manifest;
mod merge;
mod outcomes;
mod rounds;
mod rows;
mod tally;
mod verify;

pub use adapt::{ADAPT_BELOW, Adapted, PILOT_BLOCKS, run_adaptive};
pub use manifest::{FileRecord, Manifest, ShardInfo};
pub use merge::{MergeError, Merged, merge, read_shards, scenario_of};
pub use outcomes::{Outcomes, month_index, outcome_names};
pub use rows::{RowStore, Rows};
pub use tally::{Counts, Tally};

use crate::model::{Layout, PathResult};
use crate::sample::{Draws, Repair, Sampler};
use crate::scenario::{Sampling, Scenario};
use rounds::{FinishedBlock, Rounds, Work};
use std::sync::atomic::{AtomicBool, Ordering};

/// Paths per block. Fixed (recorded in the manifest), never derived from threads.
pub const BLOCK_SIZE: u64 = 64;

/// The most paths a run may have: 2^40 (about 1.1 trillion). Path indices, block and shard
/// arithmetic (`k × blocks / n` with up to [`MAX_SHARDS`] shards) stay far within 64 bits, and
/// path counts stay exact as floating-point numbers (2^53) in every probability; beyond any
/// real run anyway (a base path takes about a millisecond: 2^40 paths are 35 core-years).
pub const MAX_PATHS: u64 = 1 << 40;

/// The most shards a run may be split into: 2^20.
pub const MAX_SHARDS: u64 = 1 << 20;

/// The most events (cohort reviews and queued events) a path may process: ten times the
/// most steps validation lets a path take (1e8, about 2 s of one core), so only a path far
/// beyond validation's estimate reaches it. A last guard: the run then stops with
/// [`PathTooLong`] instead of running on for minutes or hours.
pub const MAX_PATH_EVENTS: u64 = 1_000_000_000;

/// A path that went over its budget of events: the run stops with this error (the command
/// line exits 2), naming the fields that drive a path's work.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "path {path} stopped after {events} events by month {month}, more than the {budget} a path may take (cohort reviews and queued events); a path's work grows with segment.*.cohorts × segment.*.review_rate × the months up to horizon, and with each vendor's price reviews (vendor.*.review_months) times the options: lower the cohorts, the review rates, the review frequency or the horizon"
)]
pub struct PathTooLong {
    pub path: u64,
    pub events: u64,
    pub budget: u64,
    pub month: u32,
}

/// Told about progress as blocks finish (from worker threads).
pub trait Observer: Sync {
    /// `paths` more paths are done.
    fn advance(&self, _paths: u64) {}
}

/// An observer that ignores progress.
pub struct Silent;
impl Observer for Silent {}

/// How to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub paths: u64,
    pub seed: u64,
    /// Worker threads; 0 lets rayon choose (one per core).
    pub threads: usize,
    /// Independent draws or Latin hypercube over all `paths`.
    pub sampling: Sampling,
    /// Stop once every target's standard error is at most this (`paths` is then the most).
    pub until_se: Option<f64>,
    /// Stop once the paths' effective sample size is at least this (`paths` is then the most).
    pub until_ess: Option<f64>,
    /// Draw the paths after a pilot from a proposal fitted to it (adaptive importance
    /// sampling; a conditioned run only).
    pub adapt: bool,
    /// Run only shard `k` of `n` (`(k, n)`, k from 0): a contiguous range of the blocks.
    pub shard: Option<(u64, u64)>,
}

impl Settings {
    /// The blocks this run computes: all of them, or its shard's range.
    pub fn blocks(&self) -> std::ops::Range<u64> {
        let n_blocks = self.paths.div_ceil(BLOCK_SIZE);
        match self.shard {
            None => 0..n_blocks,
            // In 128 bits: exact for any shard count (the command line allows 2^20).
            Some((k, n)) => {
                let at = |k: u64| (u128::from(k) * u128::from(n_blocks) / u128::from(n)) as u64;
                at(k)..at(k + 1)
            }
        }
    }
}

/// The result of a run.
pub struct RunResult {
    pub tally: Tally,
    pub outcomes: Outcomes,
    pub layout: Layout,
    /// The change made to inconsistent `[[correlation]]`s, if any (the caller reports it).
    pub repair: Option<Repair>,
    /// Every planned block ran (or `until_se` was met); false after a cancellation.
    pub complete: bool,
    /// The blocks that ran, as half-open ranges in order.
    pub blocks_done: Vec<(u64, u64)>,
    /// The proposal paths after the pilot were drawn from (adaptive sampling).
    pub proposal: Option<crate::sample::Proposal>,
}

/// The result of a run assembled from merged tallies (for `merge`).
pub fn from_tally(s: &Scenario, tally: Tally) -> RunResult {
    let layout = Layout::new(s);
    let outcomes = Outcomes::new(s, &layout);
    let n_blocks = tally.paths.div_ceil(BLOCK_SIZE);
    RunResult {
        tally,
        outcomes,
        layout,
        repair: None,
        complete: true,
        blocks_done: vec![(0, n_blocks)],
        proposal: None,
    }
}

/// Receives outcome rows in path order: the index of the first path, then its rows.
pub type RowSink<'a> = dyn FnMut(u64, &[Vec<f64>]) -> std::io::Result<()> + 'a;

/// Blocks per round: rows are handed on and `until_se` is checked after each round. Fixed, so
/// the stopping point never depends on threads.
pub const ROUND_BLOCKS: u64 = 16;

/// More statistics gathered from every path, beside the run's own (the stress test's plans).
/// Its tallies must merge exactly and in any order and grouping (commutative and associative,
/// as integer counts are), as the run's do: which thread's tally a path is added to varies.
pub trait Extra: Sync {
    type Tally: Send;
    /// An empty tally.
    fn tally(&self) -> Self::Tally;
    /// Adds path `path` (its draws and result), weighing `units` (1 in an unweighted run; see
    /// [`crate::stats::weights`]), to `tally`.
    fn add(&self, tally: &mut Self::Tally, path: u64, draws: &Draws, r: &PathResult, units: u64);
    /// The sum of two tallies.
    fn merge(&self, a: Self::Tally, b: Self::Tally) -> Self::Tally;
}

/// Nothing more.
impl Extra for () {
    type Tally = ();
    fn tally(&self) {}
    fn add(&self, _: &mut (), _: u64, _: &Draws, _: &PathResult, _: u64) {}
    fn merge(&self, _: (), _: ()) {}
}

/// Whether the run's stopping rules (`until_se`, `until_ess`) are all met; false without any.
fn stop_rule_met(s: &Scenario, settings: &Settings, tally: &Tally) -> bool {
    if settings.until_se.is_none() && settings.until_ess.is_none() {
        return false;
    }
    let se_met = settings.until_se.is_none_or(|se| {
        !s.targets.is_empty()
            && tally
                .counts
                .target_hits
                .iter()
                .all(|&hits| tally.counts.share(hits).se() <= se)
    });
    let ess_met = settings
        .until_ess
        .is_none_or(|ess| tally.counts.weights.ess() >= ess);
    se_met && ess_met
}

/// Runs up to `settings.paths` paths of `s` (path `i` drawn from `(seed, i)`), reporting
/// progress to `observer` and handing the outcome rows, in path order, to `rows` after each
/// round of [`ROUND_BLOCKS`] blocks (so memory does not grow with paths). With
/// `settings.until_se`, stops after the first round at which every target's standard error is
/// at most that. The result is the same for any thread count.
pub fn run(
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    rows: &mut RowSink<'_>,
    cancel: &AtomicBool,
) -> std::io::Result<RunResult> {
    run_with(s, settings, observer, rows, cancel, &()).map(|(r, ())| r)
}

/// Where each path's inputs come from: the scenario's [`Sampler`] (the prior), or another
/// design that a command draws paths from (a sensitivity design, a proposal). Stateless per
/// path, so any thread or shard can run any path.
pub trait Inputs: Sync {
    /// The draws of path `path` of a run seeded with `seed`.
    fn draws(&self, s: &Scenario, seed: u64, path: u64) -> Draws;

    /// The draws of path `path` and the log of their prior density over the density they were
    /// drawn from, scaled so it is at most 0 (0 for draws from the prior: see
    /// [`crate::stats::weights`]).
    fn draws_weighted(&self, s: &Scenario, seed: u64, path: u64) -> (Draws, f64) {
        (self.draws(s, seed, path), 0.0)
    }

    /// The seed and path index that the model's own streams of path `path` are keyed by
    /// (cohorts, reviews, adoption, review phases, commitment orders): by default the run's
    /// seed and the path itself. A design can give several of its paths the same model
    /// randomness, so that they differ only in their inputs (a sensitivity design's rows).
    fn streams(&self, seed: u64, path: u64) -> (u64, u64) {
        (seed, path)
    }
}

impl Inputs for Sampler {
    fn draws(&self, s: &Scenario, seed: u64, path: u64) -> Draws {
        Sampler::draws(self, s, seed, path)
    }
}

/// [`run`], also gathering `extra`'s statistics from every path.
pub fn run_with<E: Extra>(
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    rows: &mut RowSink<'_>,
    cancel: &AtomicBool,
    extra: &E,
) -> std::io::Result<(RunResult, E::Tally)> {
    let (sampler, repair) = Sampler::new(s, settings.sampling, settings.paths);
    let course = Course::new(settings, &sampler);
    let (mut result, more) = run_from(s, settings, course, observer, rows, cancel, extra)?;
    result.repair = repair;
    Ok((result, more))
}

/// The tallies of a run so far (its own and the extra ones), and the blocks they hold.
pub type Progress<E> = ((Tally, <E as Extra>::Tally), Vec<u64>);

/// Which blocks a run computes, where their inputs come from, and what it already holds.
pub struct Course<'a, E: Extra> {
    pub inputs: &'a dyn Inputs,
    /// The blocks to run, in order.
    pub blocks: std::ops::Range<u64>,
    /// Tallies of blocks run before (a pilot round's) to add to, with those blocks.
    pub start: Option<Progress<E>>,
}

impl<'a, E: Extra> Course<'a, E> {
    /// The settings' blocks (all, or the shard's), drawn by `inputs`, from nothing.
    pub fn new(settings: &Settings, inputs: &'a dyn Inputs) -> Self {
        Self {
            inputs,
            blocks: settings.blocks(),
            start: None,
        }
    }
}

/// [`run_with`], following `course`: its blocks, drawn by its inputs, added to its start.
/// Cancelling stops the paths in flight (their blocks are discarded); a path over
/// [`MAX_PATH_EVENTS`] stops the run with an error of kind `InvalidInput` wrapping a
/// [`PathTooLong`].
pub fn run_from<E: Extra>(
    s: &Scenario,
    settings: &Settings,
    course: Course<'_, E>,
    observer: &dyn Observer,
    rows: &mut RowSink<'_>,
    cancel: &AtomicBool,
    extra: &E,
) -> std::io::Result<(RunResult, E::Tally)> {
    let bounds = (cancel, MAX_PATH_EVENTS);
    run_within(s, settings, course, observer, rows, bounds, extra)
}

/// [`run_from`] with its cancel flag and a budget of events per path.
pub(crate) fn run_within<E: Extra>(
    s: &Scenario,
    settings: &Settings,
    course: Course<'_, E>,
    observer: &dyn Observer,
    rows: &mut RowSink<'_>,
    (cancel, max_events): (&AtomicBool, u64),
    extra: &E,
) -> std::io::Result<(RunResult, E::Tally)> {
    let inputs = course.inputs;
    let layout = Layout::new(s);
    let outcomes = Outcomes::new(s, &layout);
    let work = Work {
        s,
        settings,
        inputs,
        layout,
        outcomes,
        extra,
        observer,
        cancel,
        max_events,
        failed: std::sync::Mutex::new(None),
    };
    let rounds = Rounds::new(&work, settings.threads);
    let blocks = course.blocks;
    let (mut tally, mut done) = match course.start {
        Some(start) => start,
        None => (work.first_tallies(), Vec::new()),
    };
    let planned = done.len() as u64 + blocks.end - blocks.start;
    let mut first = blocks.start;
    // The round that ran and awaits its turn here: its set and its blocks. While the pool runs
    // a round into one set of worker tallies, this thread adds the previous round's set to the
    // run's tally, hands its rows on and decides whether to go on. (Done between rounds
    // instead, the pool waited for it: about 80 ms of every second on two threads.)
    let mut pending: Option<(usize, Vec<FinishedBlock>)> = None;
    let mut round = 0;
    loop {
        let next = (first < blocks.end && !cancel.load(Ordering::Relaxed))
            .then(|| first..(first + ROUND_BLOCKS).min(blocks.end));
        if next.is_none() && pending.is_none() {
            break;
        }
        let set = round % 2;
        let (ran, met) = std::thread::scope(|scope| {
            let job = next
                .clone()
                .map(|range| scope.spawn(|| rounds.run(&work, range, set)));
            let met = match pending.take() {
                Some((set, blocks)) => {
                    rounds.collect(&work, &mut tally, set);
                    work.hand_on(blocks, rows, &mut done)
                        .map(|()| stop_rule_met(s, settings, &tally.0))
                }
                None => Ok(false),
            };
            let ran = job.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            (ran, met)
        });
        if let Some(e) = work.failure() {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, e));
        }
        if met? {
            // The round that ran meanwhile is not counted: the run stops where it would have
            // stopped one round at a time.
            break;
        }
        pending = ran.map(|blocks| (set, blocks));
        if let Some(range) = next {
            first = range.end;
            round += 1;
        }
    }
    let Work {
        layout, outcomes, ..
    } = work;
    let (tally, more) = tally;
    let ruled = settings.until_se.is_some() || settings.until_ess.is_some();
    let stopped_by_rule = ruled && !cancel.load(Ordering::Relaxed);
    let complete = stopped_by_rule || done.len() as u64 == planned;
    let result = RunResult {
        tally,
        outcomes,
        layout,
        repair: None,
        complete,
        blocks_done: tally::ranges(&done),
        proposal: None,
    };
    Ok((result, more))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct CancelAfter<'a> {
        flag: &'a AtomicBool,
    }

    impl Observer for CancelAfter<'_> {
        fn advance(&self, _paths: u64) {
            self.flag.store(true, Ordering::Relaxed);
        }
    }

    #[test]
    fn cancelling_after_the_first_block_keeps_exactly_the_finished_blocks() {
        let s = crate::scenario::fixture::tiny();
        let settings = Settings {
            paths: 640,
            seed: 1,
            threads: 1,
            sampling: Sampling::Random,
            until_se: None,
            until_ess: None,
            adapt: false,
            shard: None,
        };
        let flag = AtomicBool::new(false);
        let mut written = Vec::new();
        let r = run(
            &s,
            &settings,
            &CancelAfter { flag: &flag },
            &mut |first, rows| {
                written.push((first, rows.len()));
                Ok(())
            },
            &flag,
        )
        .unwrap();
        assert!(!r.complete);
        assert_eq!(r.tally.paths, BLOCK_SIZE);
        assert_eq!(r.blocks_done, vec![(0, 1)]);
        assert_eq!(written, vec![(0, BLOCK_SIZE as usize)]);
        // Without cancellation the same run completes.
        let quiet = AtomicBool::new(false);
        let r = run(&s, &settings, &Silent, &mut |_, _| Ok(()), &quiet).unwrap();
        assert!(r.complete && r.tally.paths == 640 && r.blocks_done == vec![(0, 10)]);
    }

    #[test]
    fn a_path_over_its_budget_stops_the_run_with_an_error_naming_it() {
        let s = crate::scenario::fixture::tiny();
        let settings = Settings {
            paths: 640,
            seed: 1,
            threads: 2,
            sampling: Sampling::Random,
            until_se: None,
            until_ess: None,
            adapt: false,
            shard: None,
        };
        let (sampler, _) = Sampler::new(&s, settings.sampling, settings.paths);
        let quiet = AtomicBool::new(false);
        let mut rows = 0;
        let e = run_within(
            &s,
            &settings,
            Course::new(&settings, &sampler),
            &Silent,
            &mut |_, block| {
                rows += block.len();
                Ok(())
            },
            (&quiet, 1000),
            &(),
        )
        .err()
        .expect("tiny's paths take more than 1,000 events");
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        let long = e
            .get_ref()
            .and_then(|e| e.downcast_ref::<PathTooLong>())
            .expect("a PathTooLong");
        assert_eq!(long.budget, 1000);
        assert!(long.events > 1000 && long.path < 640);
        assert_eq!(rows, 0, "no block is handed on");
        // The default budget is far beyond a valid scenario's paths.
        let ok = run_within(
            &s,
            &settings,
            Course::new(&settings, &sampler),
            &Silent,
            &mut |_, _| Ok(()),
            (&quiet, MAX_PATH_EVENTS),
            &(),
        )
        .unwrap();
        assert!(ok.0.complete);
    }
}
