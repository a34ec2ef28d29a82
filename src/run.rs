//! The Monte Carlo runner: paths in fixed-size blocks on rayon, aggregated so that the result
//! does not depend on the number of threads or the order in which blocks finish.
//!
//! Every block accumulates integer-count histograms and counters (exact, order-free merges)
//! and the outcome rows of its paths; rows are put back in path order. The runner never
//! prints: progress goes to an [`Observer`] the caller passes in.

use crate::model::{self, Layout, Options, PathResult};
use crate::sample::{Draws, Repair, Sampler};
use crate::scenario::{
    Direction, InputKind, Month, ParamId, Sampling, Scenario, Threshold, metrics,
};
use crate::stats::Histogram;
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Paths per block. Fixed (recorded in the manifest), never derived from threads.
pub const BLOCK_SIZE: u64 = 64;

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
    /// Run only shard `k` of `n` (`(k, n)`, k from 0): a contiguous range of the blocks.
    pub shard: Option<(u64, u64)>,
}

impl Settings {
    /// The blocks this run computes: all of them, or its shard's range.
    pub fn blocks(&self) -> std::ops::Range<u64> {
        let n_blocks = self.paths.div_ceil(BLOCK_SIZE);
        match self.shard {
            None => 0..n_blocks,
            Some((k, n)) => k * n_blocks / n..(k + 1) * n_blocks / n,
        }
    }
}

/// A column of `outcomes.csv`: what it holds.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Input(ParamId),
    Scalar(&'static str),
    /// The annual figure of a series in a calendar year.
    Annual {
        series: usize,
        year: i32,
    },
}

/// The outcome table's layout and how to fill a row from a path.
pub struct Outcomes {
    names: Vec<String>,
    columns: Vec<Column>,
    /// Column of each target's value.
    target_columns: Vec<usize>,
}

impl Outcomes {
    fn new(s: &Scenario, layout: &Layout) -> Self {
        let mut names = vec!["path".to_owned()];
        let mut columns = Vec::new();
        for (i, input) in s.inputs.iter().enumerate() {
            if input.kind == InputKind::Path && input.is_uncertain() {
                names.push(input.name.clone());
                columns.push(Column::Input(ParamId(i as u32)));
            }
        }
        for name in metrics::scalars() {
            names.push(name.to_owned());
            columns.push(Column::Scalar(name));
        }
        for (v, vendor) in s.vendors.iter().enumerate() {
            for year in s.start.year()..=s.horizon.year() {
                names.push(format!("revenue.{}.{year}", vendor.name));
                columns.push(Column::Annual {
                    series: layout.revenue(v),
                    year,
                });
            }
        }
        // A target on a series' annual figure: that series' figure for every year (the report
        // charts it over the years).
        for t in s.targets.iter().filter(|t| t.year.is_some()) {
            let series = layout.find(&t.metric).expect("validated metric");
            for year in s.start.year()..=s.horizon.year() {
                let col = Column::Annual { series, year };
                if !columns.contains(&col) {
                    names.push(format!("{}.{year}", t.metric));
                    columns.push(col);
                }
            }
        }
        let mut target_columns = Vec::new();
        for t in &s.targets {
            let col = match t.year {
                None => Column::Scalar(
                    metrics::scalars()
                        .find(|m| *m == t.metric)
                        .expect("validated metric"),
                ),
                Some(year) => Column::Annual {
                    series: layout.find(&t.metric).expect("validated metric"),
                    year,
                },
            };
            let at = columns.iter().position(|c| *c == col).unwrap_or_else(|| {
                names.push(format!("{}.{}", t.metric, t.year.unwrap_or_default()));
                columns.push(col);
                columns.len() - 1
            });
            target_columns.push(at);
        }
        Self {
            names,
            columns,
            target_columns,
        }
    }

    /// Column names, `path` first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn row(&self, s: &Scenario, layout: &Layout, draws: &Draws, r: &PathResult) -> Vec<f64> {
        let (fy, fm) = (s.start.year(), s.start.month());
        self.columns
            .iter()
            .map(|c| match c {
                Column::Input(id) => draws.get(*id),
                Column::Scalar(name) => scalar(r, name),
                Column::Annual { series, year } => annual(layout, r, *series, fy, fm, *year),
            })
            .collect()
    }
}

/// A scalar outcome by name; months as 1-based indices, "never" as +∞, booleans as 0/1.
fn scalar(r: &PathResult, name: &str) -> f64 {
    let month = |m: Option<u32>| m.map_or(f64::INFINITY, f64::from);
    let s = &r.scalars;
    match name {
        "collapse_factor" => s.collapse_factor,
        "month_100x" => month(s.month_100x),
        "month_zero_marginal" => month(s.month_zero_marginal),
        "volume_growth" => s.volume_growth,
        "price_decline" => s.price_decline,
        "revenue_stall" => f64::from(u8::from(s.revenue_stall)),
        _ => unreachable!("every scalar is listed in metrics::SCALAR_KINDS"),
    }
}

/// The annual figure of a series (DESIGN.md §3.6), by its kind's rule.
pub fn annual(layout: &Layout, r: &PathResult, series: usize, fy: i32, fm: u32, year: i32) -> f64 {
    layout.annual(r, series, (fy, fm), year)
}

/// Everything a set of paths contributes; merges exactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    /// `series[s * months + (m - 1)]`.
    pub series: Vec<Histogram>,
    /// One per outcome column (after `path`).
    pub columns: Vec<Histogram>,
    /// Paths meeting each target.
    pub target_hits: Vec<u64>,
    /// Paths whose 100x month / zero-marginal month is month m (index m - 1).
    pub month_100x: Vec<u64>,
    pub month_zero_marginal: Vec<u64>,
    pub revenue_stalls: u64,
    pub paths: u64,
}

impl Tally {
    fn new(n_series: usize, months: usize, n_columns: usize, n_targets: usize) -> Self {
        Self {
            series: vec![Histogram::default(); n_series * months],
            columns: vec![Histogram::default(); n_columns],
            target_hits: vec![0; n_targets],
            month_100x: vec![0; months],
            month_zero_marginal: vec![0; months],
            revenue_stalls: 0,
            paths: 0,
        }
    }

    /// Adds another tally's counts (exact, in any order).
    pub fn merge(mut self, other: Tally) -> Tally {
        for (a, b) in self.series.iter_mut().zip(&other.series) {
            a.merge(b);
        }
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.merge(b);
        }
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.target_hits, &other.target_hits);
        add(&mut self.month_100x, &other.month_100x);
        add(&mut self.month_zero_marginal, &other.month_zero_marginal);
        self.revenue_stalls += other.revenue_stalls;
        self.paths += other.paths;
        self
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
}

/// Sorted block numbers as half-open ranges: [0, 1, 2, 5] → [(0, 3), (5, 6)].
fn ranges(blocks: &[u64]) -> Vec<(u64, u64)> {
    let mut sorted = blocks.to_vec();
    sorted.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for b in sorted {
        match out.last_mut() {
            Some(last) if last.1 == b => last.1 = b + 1,
            _ => out.push((b, b + 1)),
        }
    }
    out
}

/// Whether path value `x` meets a target.
fn meets(s: &Scenario, t: &crate::scenario::Target, x: f64) -> bool {
    let threshold = match t.threshold {
        Threshold::Number(v) => v,
        Threshold::Month(m) => month_index(s, m),
    };
    match t.direction {
        Direction::AtLeast => x >= threshold,
        Direction::AtMost => x <= threshold,
    }
}

/// The 1-based month index of calendar month `m`.
pub fn month_index(s: &Scenario, m: Month) -> f64 {
    f64::from(m - s.start + 1)
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
    }
}

/// The header of `outcomes.csv` for `s`: `path`, then the outcome columns.
pub fn outcome_names(s: &Scenario) -> Vec<String> {
    Outcomes::new(s, &Layout::new(s)).names
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
    /// Adds path `path` (its draws and result) to `tally`.
    fn add(&self, tally: &mut Self::Tally, path: u64, draws: &Draws, r: &PathResult);
    /// The sum of two tallies.
    fn merge(&self, a: Self::Tally, b: Self::Tally) -> Self::Tally;
}

/// Nothing more.
impl Extra for () {
    type Tally = ();
    fn tally(&self) {}
    fn add(&self, _: &mut (), _: u64, _: &Draws, _: &PathResult) {}
    fn merge(&self, _: (), _: ()) {}
}

/// A block that ran: its index and its outcome rows.
type FinishedBlock = (u64, Vec<Vec<f64>>);

/// With `settings.until_se`, whether every target's standard error is at most that.
fn target_se_met(s: &Scenario, settings: &Settings, tally: &Tally) -> bool {
    let Some(se) = settings.until_se else {
        return false;
    };
    let n = tally.paths;
    !s.targets.is_empty()
        && tally
            .target_hits
            .iter()
            .all(|&successes| crate::stats::Proportion { successes, n }.se() <= se)
}

/// Locks a worker's tally or the finished blocks. A lock is poisoned only by a block that
/// panicked, and rayon hands that panic to the caller anyway. Nothing inside a block may use
/// rayon: a thread waiting in a nested job could steal another block and lock its own tally.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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

/// [`run`], also gathering `extra`'s statistics from every path.
pub fn run_with<E: Extra>(
    s: &Scenario,
    settings: &Settings,
    observer: &dyn Observer,
    rows: &mut RowSink<'_>,
    cancel: &AtomicBool,
    extra: &E,
) -> std::io::Result<(RunResult, E::Tally)> {
    let layout = Layout::new(s);
    let outcomes = Outcomes::new(s, &layout);
    let months = s.months();
    let blocks = settings.blocks();
    let (sampler, repair) = Sampler::new(s, settings.sampling, settings.paths);
    let new_tally = || {
        Tally::new(
            layout.len(),
            months,
            outcomes.columns.len(),
            s.targets.len(),
        )
    };
    // Runs block `b` into `tally`, returning its rows (none if cancelled before it began).
    let block = |(tally, more): &mut (Tally, E::Tally), b: u64| -> Option<Vec<Vec<f64>>> {
        if cancel.load(Ordering::Relaxed) {
            // Not started: blocks in flight finish, no new one begins.
            return None;
        }
        let mut block_rows = Vec::new();
        // The block's monthly values, path after path: they are counted histogram by
        // histogram afterwards, so each histogram is visited once per block, not once per path
        // (thousands of small maps visited path by path miss the cache at every one).
        let mut values: Vec<f64> = Vec::new();
        for i in b * BLOCK_SIZE..((b + 1) * BLOCK_SIZE).min(settings.paths) {
            let draws: Draws = sampler.draws(s, settings.seed, i);
            let r = model::simulate(s, &draws, i, settings.seed, Options::default());
            values.extend_from_slice(&r.values);
            let row = outcomes.row(s, &layout, &draws, &r);
            for (k, t) in s.targets.iter().enumerate() {
                tally.target_hits[k] += u64::from(meets(s, t, row[outcomes.target_columns[k]]));
            }
            if let Some(m) = r.scalars.month_100x {
                tally.month_100x[m as usize - 1] += 1;
            }
            if let Some(m) = r.scalars.month_zero_marginal {
                tally.month_zero_marginal[m as usize - 1] += 1;
            }
            tally.revenue_stalls += u64::from(r.scalars.revenue_stall);
            tally.paths += 1;
            extra.add(more, i, &draws, &r);
            block_rows.push(row);
        }
        let width = tally.series.len();
        for (k, h) in tally.series.iter_mut().enumerate() {
            h.add_all(values.iter().skip(k).step_by(width).copied());
        }
        for (c, h) in tally.columns.iter_mut().enumerate() {
            h.add_all(block_rows.iter().map(|row| row[c]));
        }
        observer.advance(block_rows.len() as u64);
        Some(block_rows)
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(settings.threads)
        .build()
        .ok();
    let new_tallies = || (new_tally(), extra.tally());
    // One tally per worker thread for the round: a block adds into the tally of the thread
    // that runs it. After the round they are added to the run's tally and start again empty,
    // so memory holds one full tally, not one per thread. Which thread ran which block varies,
    // but the tallies are integer counts, so the sum does not.
    let add_round = |total: &mut (Tally, E::Tally), part: (Tally, E::Tally)| {
        let (a, x) = std::mem::replace(total, new_tallies());
        *total = (a.merge(part.0), extra.merge(x, part.1));
    };
    let mut tally = new_tallies();
    // The run's sketches get their first memory here, on the calling thread: they only ever
    // grow in place after that (see `Histogram::merge`), and glibc grows a block in the
    // allocator arena it came from, whichever thread merges. Freed at the end, that memory is
    // reused by the summary on this thread; allocated first by the workers, it stayed in their
    // arenas, unusable here (peak RSS at 100,000 base paths: 121 MB, with this 96 MB).
    for h in tally.0.series.iter_mut().chain(&mut tally.0.columns) {
        h.reserve(1);
    }
    let workers = pool
        .as_ref()
        .map_or_else(rayon::current_num_threads, |p| p.current_num_threads());
    // Two sets of per-worker tallies, used by alternate rounds: while the pool runs a round
    // into one set, this thread adds the previous round's set to the run's tally, hands its
    // rows on and decides whether to go on. (Done between rounds instead, the pool waited for
    // it: about 80 ms of every second on two threads.)
    let new_set = || -> Vec<Mutex<(Tally, E::Tally)>> {
        (0..workers).map(|_| Mutex::new(new_tallies())).collect()
    };
    let sets = [new_set(), new_set()];
    // Runs the blocks of `range` into `set`, one rayon job per block (so idle threads steal
    // single blocks and finish together); returns the blocks that ran, with their rows.
    let run_round = |range: std::ops::Range<u64>, set: &[Mutex<(Tally, E::Tally)>]| {
        let finished = Mutex::new(Vec::new());
        let work = || {
            range
                .collect::<Vec<u64>>()
                .into_par_iter()
                .with_max_len(1)
                .for_each(|b| {
                    let worker = rayon::current_thread_index().unwrap_or(0) % workers;
                    let mut tally = lock(&set[worker]);
                    if let Some(r) = block(&mut tally, b) {
                        lock(&finished).push((b, r));
                    }
                })
        };
        match &pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
        finished.into_inner().unwrap_or_else(|e| e.into_inner())
    };
    let mut done: Vec<u64> = Vec::new();
    let planned = blocks.clone();
    let mut first = blocks.start;
    // The round that ran and awaits its turn here: its set and its blocks.
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
            let job = next.clone().map(|range| {
                let run_round = &run_round;
                let set = &sets[set];
                scope.spawn(move || run_round(range, set))
            });
            let met: std::io::Result<bool> = match pending.take() {
                Some((set, mut blocks)) => (|| {
                    for t in &sets[set] {
                        add_round(&mut tally, std::mem::replace(&mut *lock(t), new_tallies()));
                    }
                    blocks.sort_by_key(|(b, _)| *b);
                    for (b, block_rows) in &blocks {
                        rows(b * BLOCK_SIZE, block_rows)?;
                    }
                    done.extend(blocks.iter().map(|(b, _)| *b));
                    Ok(target_se_met(s, settings, &tally.0))
                })(),
                None => Ok(false),
            };
            let ran = job.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            (ran, met)
        });
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
    let (tally, more) = tally;
    let stopped_by_rule = settings.until_se.is_some() && !cancel.load(Ordering::Relaxed);
    let complete = stopped_by_rule || done.len() as u64 == planned.end - planned.start;
    let result = RunResult {
        tally,
        outcomes,
        layout,
        repair,
        complete,
        blocks_done: ranges(&done),
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
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.toml");
        let s = crate::scenario::load(&path, &[]).unwrap();
        let settings = Settings {
            paths: 640,
            seed: 1,
            threads: 1,
            sampling: Sampling::Random,
            until_se: None,
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
    fn block_ranges() {
        assert_eq!(ranges(&[5, 0, 2, 1]), vec![(0, 3), (5, 6)]);
        assert!(ranges(&[]).is_empty());
    }
}
