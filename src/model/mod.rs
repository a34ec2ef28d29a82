//! The market model: one path of the discrete-event simulation (DESIGN.md §3).
//!
//! [`simulate`] is a pure function of the scenario, the path's draws, the path index and the
//! seed: no I/O, no globals, and all randomness from the per-purpose streams of
//! [`crate::sample::stream`].
//!
//! This file holds the events, the path's state and the event loop (start, step); each
//! mechanism adds its part of the path's behaviour in a module of its own:
//! * `market`: hardware, efficiency, the options buyers choose among and their prices, the
//!   market snapshot, launches, price reviews and shocks;
//! * `demand`: cohorts, their reviews and adoption;
//! * `commitments`: the switch to committed spend and its billing;
//! * `books`: month-end accounting, the monthly series and the path's scalars.

mod books;
mod commitments;
pub mod curves;
mod demand;
mod market;
mod probe;
pub mod queue;
mod result;

pub use probe::Probe;
pub use result::{Layout, PathResult, Scalars, TimelineEntry, TimelineEvent};

use crate::sample::{Draws, stream};
use crate::scenario::dist::open_unit;
use crate::scenario::{Month, Scenario, SegmentKind};
use books::Books;
use commitments::Commit;
use demand::Seg;
use market::Market;
use queue::Queue;
use std::sync::atomic::{AtomicBool, Ordering};

/// Which of the four cost vectors are on (explain's Shapley decomposition switches them off;
/// DESIGN.md §6 says what "off" means for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switches {
    /// Off: the fleet stays on the generation installed at start.
    pub hardware: bool,
    /// Off: `E ≡ 1` and no software serving gains.
    pub efficiency: bool,
    /// Off: no vendor launches after start and no open-weight hosts.
    pub competition: bool,
    /// Off: no on-device options.
    pub devices: bool,
}

impl Switches {
    /// Every vector on: the model as the scenario states it.
    pub const ALL: Switches = Switches {
        hardware: true,
        efficiency: true,
        competition: true,
        devices: true,
    };
}

/// What a run of one path should produce beyond the series and scalars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub switches: Switches,
    /// Keep the dated timeline of discrete events (for `explain`).
    pub record_events: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            switches: Switches::ALL,
            record_events: false,
        }
    }
}

/// The queued events of a path (DESIGN.md §3.1). Cohort reviews are not queued: they are
/// processed between queued events (`demand`).
#[derive(Debug, Clone, Copy)]
enum Event {
    MonthEnd(u32),
    Hardware(usize),
    Efficiency(usize),
    Launch(usize),
    Device(usize),
    PriceReview(usize),
    CommitmentCheck(usize),
    Shock(usize),
}

/// One path in progress.
#[derive(Clone)]
struct Path<'a> {
    sc: &'a Scenario,
    draws: &'a Draws,
    sw: Switches,
    seed: u64,
    path: u64,
    months: u32,
    queue: Queue<Event>,
    timeline: Option<Vec<TimelineEntry>>,
    market: Market,
    segs: Vec<Seg>,
    commits: Vec<Option<Commit>>,
    books: Books,
    /// Events processed, cohort reviews counted one by one, and the reviews among them.
    events: u64,
    cohort_reviews: u64,
    /// The most events the path may process: a last guard (validation bounds the work).
    budget: u64,
    /// Raised to stop the path (Ctrl-C); read at every month end and every
    /// [`REVIEWS_PER_CHECK`] cohort reviews.
    stop: Option<&'a AtomicBool>,
    /// Why the path stopped before its horizon, once it has.
    halted: Option<Stopped>,
}

/// Cohort reviews between two reads of the stop flag within a long interval of reviews (a
/// base path has about 1,000 a month; 2^16 take about half a millisecond).
const REVIEWS_PER_CHECK: u64 = 1 << 16;

/// Why [`simulate_within`] stopped a path before its horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// The stop flag was raised: the path is unfinished and must be discarded.
    Cancelled,
    /// The path would have processed `events` events (cohort reviews and queued events), more
    /// than its `budget`, by month `month`.
    Budget {
        events: u64,
        budget: u64,
        month: u32,
    },
}

/// The time of the start of calendar month `m`, in months since the scenario's start.
fn month_time(sc: &Scenario, m: Month) -> f64 {
    f64::from(m - sc.start)
}

impl<'a> Path<'a> {
    fn new(sc: &'a Scenario, draws: &'a Draws, path: u64, seed: u64, o: Options) -> Self {
        let months = sc.months() as u32;
        let market = Market::new(sc, draws, o.switches);
        let n_opts = market.opts.len();
        let segs = SegmentKind::ALL
            .iter()
            .map(|&kind| Seg::new(sc, draws, kind, (seed, path), n_opts))
            .collect();
        Path {
            sc,
            draws,
            sw: o.switches,
            seed,
            path,
            months,
            queue: Queue::default(),
            timeline: o.record_events.then(Vec::new),
            market,
            segs,
            commits: Commit::all(sc, draws),
            books: Books::new(sc, months as usize),
            events: 0,
            cohort_reviews: 0,
            budget: u64::MAX,
            stop: None,
            halted: None,
        }
    }

    /// Whether the stop flag is raised.
    fn stop_raised(&self) -> bool {
        self.stop.is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// Stops the path for its budget, `events` events having been reached at `t`.
    fn over_budget(&mut self, events: u64, t: f64) {
        self.halted = Some(Stopped::Budget {
            events,
            budget: self.budget,
            month: t.ceil().max(1.0) as u32,
        });
    }

    /// Adds `event` at `t` to the timeline, when it is kept.
    fn log(&mut self, t: f64, event: TimelineEvent) {
        if let Some(tl) = &mut self.timeline {
            tl.push(TimelineEntry { time: t, event });
        }
    }

    /// Queues `e` at `t` if it falls within the horizon.
    fn push(&mut self, t: f64, e: Event) {
        if t <= f64::from(self.months) {
            self.queue.push(t, false, e);
        }
    }

    /// Queues the dated events, opens the hosts of incumbents with open weights, and takes the
    /// unbooked snapshot at t = 0.
    fn start(&mut self) {
        let sc = self.sc;
        let draws = self.draws;
        let v = |id| draws.get(id);
        for g in 1..self.market.gens.len() {
            let a = self.market.gens[g].available;
            self.push(a, Event::Hardware(g));
        }
        for e in 0..self.market.releases.len() {
            let a = self.market.releases[e].available;
            self.push(a, Event::Efficiency(e));
        }
        for (i, vendor) in sc.vendors.iter().enumerate() {
            match &vendor.launch {
                None => {
                    let mut rng = stream(self.seed, &format!("phase:{}", vendor.name), self.path);
                    let phase = open_unit(&mut rng) * v(vendor.review_months);
                    self.push(phase, Event::PriceReview(i));
                    if self.sw.competition && v(vendor.open_weights) >= 0.5 {
                        self.open_hosts(i);
                    }
                }
                Some(l) if self.sw.competition => {
                    let t = (month_time(sc, l.date) + v(l.delay_months)).max(0.0);
                    self.push(t, Event::Launch(i));
                }
                Some(_) => {}
            }
            if vendor.commitments.is_some() {
                self.push(3.0, Event::CommitmentCheck(i));
            }
        }
        if self.sw.devices {
            for (i, dev) in sc.devices.iter().enumerate() {
                let t = (month_time(sc, dev.date) + v(dev.delay_months)).max(0.0);
                self.push(t, Event::Device(i));
            }
        }
        for (i, s) in sc.shocks.iter().enumerate() {
            if v(s.occurs) >= 0.5 {
                let t = (month_time(sc, s.date) + v(s.delay_months)).max(0.0);
                self.push(t, Event::Shock(i));
            }
        }
        // The unbooked snapshot at t = 0.
        self.reprice_hosts_and_devices(0.0);
        self.refresh(0.0);
        for seg in &mut self.segs {
            seg.c_task0 = seg.c_task;
        }
        let (per_opt, per_seg) = self.tokens();
        self.market.remember_shares(&per_opt, per_seg);
        self.queue.push(1.0, true, Event::MonthEnd(1));
    }

    fn run(mut self) -> Result<PathResult, Stopped> {
        self.start();
        while let Some((t, e)) = self.queue.pop() {
            self.step(t, e);
            if let Some(why) = self.halted {
                return Err(why);
            }
        }
        Ok(self.finish())
    }

    /// Processes one queued event (after the cohort reviews that come before it), unless
    /// the path stops first.
    fn step(&mut self, t: f64, e: Event) {
        self.drain_reviews(t);
        if self.halted.is_some() {
            return;
        }
        self.events += 1;
        if self.events > self.budget {
            self.over_budget(self.events, t);
            return;
        }
        match e {
            Event::MonthEnd(m) => {
                self.month_end(m);
                if self.stop_raised() {
                    self.halted = Some(Stopped::Cancelled);
                }
            }
            Event::Hardware(g) => self.hardware(t, g),
            Event::Efficiency(e) => self.efficiency(t, e),
            Event::Launch(v) => self.launch(t, v),
            Event::Device(d) => self.device(t, d),
            Event::PriceReview(v) => self.price_review(t, v),
            Event::CommitmentCheck(v) => self.commitment_check(t, v),
            Event::Shock(k) => self.shock(t, k),
        }
    }
}

/// Simulates one path of `scenario` with the given draws (DESIGN.md §3). Pure: the same
/// arguments give the same result bit for bit.
pub fn simulate(
    scenario: &Scenario,
    draws: &Draws,
    path: u64,
    seed: u64,
    options: Options,
) -> PathResult {
    match Path::new(scenario, draws, path, seed, options).run() {
        Ok(r) => r,
        Err(_) => unreachable!("a path without a budget or a stop flag runs to its horizon"),
    }
}

/// [`simulate`], stopped early when the path would process more than `budget` events (cohort
/// reviews and queued events; the last guard against a path that would not end in time) or
/// once `stop` is raised (read at every month end and every 65,536 cohort reviews, so a
/// raised flag stops even a long path within about a millisecond). A path that runs to its
/// horizon gives exactly what [`simulate`] gives.
pub fn simulate_within(
    scenario: &Scenario,
    draws: &Draws,
    path: u64,
    seed: u64,
    options: Options,
    budget: u64,
    stop: &AtomicBool,
) -> Result<PathResult, Stopped> {
    let mut p = Path::new(scenario, draws, path, seed, options);
    p.budget = budget;
    p.stop = Some(stop);
    p.run()
}

#[cfg(test)]
mod tests;
