//! Rounds of blocks on the thread pool: the work of one block, one tally per worker thread, and
//! two alternating sets of worker tallies so the calling thread adds up one round while the
//! pool runs the next.

use super::outcomes::{Outcomes, meets};
use super::tally::Tally;
use super::{BLOCK_SIZE, Extra, Inputs, Observer, PathTooLong, RowSink, Settings};
use crate::model::{self, Layout, Options, Stopped};
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// A block that ran: its index and its outcome rows.
pub(super) type FinishedBlock = (u64, Vec<Vec<f64>>);

/// A tally of the run's own statistics and of the extra ones.
type Tallies<E> = (Tally, <E as Extra>::Tally);

/// Everything a block needs to run its paths.
pub(super) struct Work<'a, E: Extra> {
    pub(super) s: &'a Scenario,
    pub(super) settings: &'a Settings,
    pub(super) inputs: &'a dyn Inputs,
    pub(super) layout: Layout,
    pub(super) outcomes: Outcomes,
    pub(super) extra: &'a E,
    pub(super) observer: &'a dyn Observer,
    pub(super) cancel: &'a AtomicBool,
    /// The most events a path may process.
    pub(super) max_events: u64,
    /// The first path found over its budget, which stops the run.
    pub(super) failed: Mutex<Option<PathTooLong>>,
}

impl<E: Extra> Work<'_, E> {
    /// Empty tallies.
    fn tallies(&self) -> Tallies<E> {
        let tally = Tally::new(
            self.layout.len(),
            self.s.months(),
            self.outcomes.width(),
            self.s.targets.len(),
            self.outcomes.weighted(),
        );
        (tally, self.extra.tally())
    }

    /// The run's tallies. Their sketches get their first memory here, on the calling thread:
    /// they only ever grow in place after that (see `Histogram::merge`), and glibc grows a
    /// block in the allocator arena it came from, whichever thread merges. Freed at the end,
    /// that memory is reused by the summary on this thread; allocated first by the workers, it
    /// stayed in their arenas, unusable here.
    pub(super) fn first_tallies(&self) -> Tallies<E> {
        let mut t = self.tallies();
        for h in t.0.sketches() {
            h.reserve(1);
        }
        t
    }

    /// The first path found over its budget, if any.
    pub(super) fn failure(&self) -> Option<PathTooLong> {
        lock(&self.failed).clone()
    }

    /// Runs block `b` into `tally`, returning its rows: none if cancelled (before it began, or
    /// within one of its paths: the block is then discarded, nothing of it counted) or if a
    /// path went over its budget (recorded in `failed`).
    fn block(&self, (tally, more): &mut Tallies<E>, b: u64) -> Option<Vec<Vec<f64>>> {
        if self.cancel.load(Ordering::Relaxed) {
            // Not started: no new block begins.
            return None;
        }
        let (s, settings) = (self.s, self.settings);
        // Every path of the block runs before any is counted.
        let mut ran = Vec::with_capacity(BLOCK_SIZE as usize);
        for i in b * BLOCK_SIZE..((b + 1) * BLOCK_SIZE).min(settings.paths) {
            let (draws, log_prior) = self.inputs.draws_weighted(s, settings.seed, i);
            let (seed, stream) = self.inputs.streams(settings.seed, i);
            let options = Options::default();
            let bounds = (self.max_events, self.cancel);
            match model::simulate_within(s, &draws, stream, seed, options, bounds.0, bounds.1) {
                Ok(r) => ran.push((i, draws, log_prior, r)),
                Err(Stopped::Cancelled) => return None,
                Err(Stopped::Budget {
                    events,
                    budget,
                    month,
                }) => {
                    lock(&self.failed).get_or_insert(PathTooLong {
                        path: i,
                        events,
                        budget,
                        month,
                    });
                    return None;
                }
            }
        }
        let mut block_rows = Vec::with_capacity(ran.len());
        // The block's monthly values, path after path: they are counted histogram by
        // histogram afterwards, so each histogram is visited once per block, not once per path
        // (thousands of small maps visited path by path miss the cache at every one).
        let mut values: Vec<f64> = Vec::new();
        let mut units = Vec::new();
        for (i, draws, log_prior, r) in ran {
            values.extend_from_slice(&r.values);
            let mut row = self.outcomes.row(s, &self.layout, &draws, &r);
            let weight = self.outcomes.weigh(s, &mut row, log_prior);
            let hits: Vec<bool> = s
                .targets
                .iter()
                .zip(self.outcomes.target_columns())
                .map(|(t, c)| meets(s, t, row[*c]))
                .collect();
            tally.add_path(&hits, &r.scalars, weight);
            self.extra.add(more, i, &draws, &r, weight.0);
            units.push(weight);
            block_rows.push(row);
        }
        tally.add_block(&values, &block_rows, &units);
        self.observer.advance(block_rows.len() as u64);
        Some(block_rows)
    }

    /// Hands the rows of a finished round on in path order, and records its blocks as done.
    pub(super) fn hand_on(
        &self,
        mut blocks: Vec<FinishedBlock>,
        rows: &mut RowSink<'_>,
        done: &mut Vec<u64>,
    ) -> std::io::Result<()> {
        blocks.sort_by_key(|(b, _)| *b);
        for (b, block_rows) in &blocks {
            rows(b * BLOCK_SIZE, block_rows)?;
        }
        done.extend(blocks.iter().map(|(b, _)| *b));
        Ok(())
    }
}

/// The thread pool and two sets of per-worker tallies, used by alternate rounds.
///
/// A block adds into the tally of the worker thread that runs it. After its round the set is
/// added to the run's tally and starts again empty, so memory holds one full tally per worker,
/// not one per block. Which thread ran which block varies, but the tallies are integer
/// counts, so the sum does not.
pub(super) struct Rounds<E: Extra> {
    pool: Option<rayon::ThreadPool>,
    workers: usize,
    sets: [Vec<Mutex<Tallies<E>>>; 2],
}

/// Locks a worker's tally or the finished blocks. A lock is poisoned only by a block that
/// panicked, and rayon hands that panic to the caller anyway. Nothing inside a block may use
/// rayon: a thread waiting in a nested job could steal another block and lock its own tally.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<E: Extra> Rounds<E> {
    /// A pool of `threads` workers (0: one per core) and their tallies.
    pub(super) fn new(work: &Work<'_, E>, threads: usize) -> Self {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .ok();
        let workers = pool
            .as_ref()
            .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
        let set = || (0..workers).map(|_| Mutex::new(work.tallies())).collect();
        Self {
            pool,
            workers,
            sets: [set(), set()],
        }
    }

    /// Runs the blocks of `range` into tally set `set`, one rayon job per block (so idle
    /// threads steal single blocks and finish together); returns the blocks that ran, with
    /// their rows.
    pub(super) fn run(
        &self,
        work: &Work<'_, E>,
        range: std::ops::Range<u64>,
        set: usize,
    ) -> Vec<FinishedBlock> {
        let finished = Mutex::new(Vec::new());
        let tallies = &self.sets[set];
        let go = || {
            range
                .collect::<Vec<u64>>()
                .into_par_iter()
                .with_max_len(1)
                .for_each(|b| {
                    let worker = rayon::current_thread_index().unwrap_or(0) % self.workers;
                    let mut tally = lock(&tallies[worker]);
                    if let Some(r) = work.block(&mut tally, b) {
                        lock(&finished).push((b, r));
                    }
                })
        };
        match &self.pool {
            Some(pool) => pool.install(go),
            None => go(),
        }
        finished.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds tally set `set` to `total` and empties it.
    pub(super) fn collect(&self, work: &Work<'_, E>, total: &mut Tallies<E>, set: usize) {
        for t in &self.sets[set] {
            let part = std::mem::replace(&mut *lock(t), work.tallies());
            let (a, x) = std::mem::replace(total, work.tallies());
            *total = (a.merge(part.0), work.extra.merge(x, part.1));
        }
    }
}
