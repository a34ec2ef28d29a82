//! One path: state, events and monthly accounting (DESIGN.md §3).
//!
//! Modelling choices where the design leaves room (also in the README):
//! * The market snapshot (logit shares, tokens per task, cost per task per segment, `P_fix`)
//!   is recomputed at every event that changes prices or the set of options (launches,
//!   releases, reviews, shocks) and at month ends; cohort reviews read the latest snapshot.
//! * Cohort reviews are processed in the intervals between queued events: a Poisson count per
//!   segment, each review picking a cohort uniformly (see `drain_reviews`): exactly the
//!   design's independent Poisson review process per cohort, without a queue entry each.
//! * Cohorts of a segment represent equal numbers of firms (`population / cohorts`).
//! * A vendor live at start with open weights has its hosts option from the start.
//! * If no option reaches the reference capability, `P_fix` scales the best option up by κ
//!   (`p_o · κ^(q_ref - q_o)` over all options).

use super::curves::{self, Gen, Release};
use super::queue::Queue;
use super::result::{Layout, LoggedEvent, PathResult, Scalars};
use super::{Options, Switches};
use crate::sample::{Draws, stream};
use crate::scenario::dist::open_unit;
use crate::scenario::{Marginal, ParamId, Scenario, SegmentKind, ShockTarget};
use chacha20::ChaCha8Rng;
use rand::Rng;

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

const IDLE: u8 = 0;
const ADOPTED: u8 = 1;
const AMBIENT: u8 = 2;

/// A segment's generator, handing out 32-bit halves of its 64-bit draws one at a time.
/// Cloneable (ChaCha8Rng is not, by design) so that a [`Probe`] can be copied: the copy
/// continues the same stream from the same position.
struct SegRng(ChaCha8Rng, Option<u32>);

impl SegRng {
    fn new(rng: ChaCha8Rng) -> Self {
        SegRng(rng, None)
    }

    /// 32 random bits: the low half of a new 64-bit draw, then its high half.
    fn half(&mut self) -> u32 {
        match self.1.take() {
            Some(h) => h,
            None => {
                let u = self.0.next_u64();
                self.1 = Some((u >> 32) as u32);
                u as u32
            }
        }
    }
}

impl Clone for SegRng {
    fn clone(&self) -> Self {
        SegRng(
            ChaCha8Rng::deserialize_state(&self.0.serialize_state()),
            self.1,
        )
    }
}

impl rand::TryRng for SegRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.0.next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0.next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.0.fill_bytes(dst);
        Ok(())
    }
}

/// A demand segment's parameters, cohorts and latest snapshot.
#[derive(Clone)]
struct Seg {
    alpha: f64,
    beta: f64,
    eps: f64,
    cap: f64,
    tau0: f64,
    /// ln ρ: `ρ^q` is computed as `exp(q ln ρ)`.
    ln_rho: f64,
    theta: f64,
    ambient_m: f64,
    eligible: f64,
    /// Bass rates per month.
    bass_p: f64,
    bass_q: f64,
    rate: f64,
    /// Firms per cohort.
    n: f64,
    tasks: Vec<f64>,
    value: Vec<f64>,
    attention: Vec<f64>,
    per_decision: Vec<f64>,
    state: Vec<u8>,
    /// `D_i / K_i`, sorted: a cohort is past the ambient threshold when `c_fix` ≤ it.
    thresholds: Vec<f64>,
    /// Σ T_i over Adopted and Ambient cohorts, and over Ambient ones.
    sum_adopted: f64,
    sum_ambient: f64,
    count_adopted: usize,
    count_ambient: usize,
    demand_mult: f64,
    /// Each 64-bit review draw picks two cohorts.
    reviews: SegRng,
    /// Each 64-bit adoption draw serves two decisions.
    adopt: SegRng,
    /// Time up to which the segment's cohort reviews have been processed.
    reviewed_to: f64,
    /// Adopted fraction at the last month end.
    f_last: f64,
    /// Probability that an idle cohort that pays adopts at a review, from `f_last`.
    p_adopt: f64,
    c_task0: f64,
    // Snapshot.
    shares: Vec<f64>,
    tau: Vec<f64>,
    c_task: f64,
    c_fix: f64,
    qbar: f64,
}

impl Seg {
    /// Tasks per month of the whole segment at the current snapshot.
    fn demand(&self) -> f64 {
        let elastic = (self.c_task / self.c_task0).powf(-self.eps).min(self.cap);
        self.theta.powf(self.qbar) * elastic * self.demand_mult
    }

    /// The cohort the next review visits, uniformly: 32 random bits scaled to the cohort count
    /// by a multiply-shift (bias below n / 2^32).
    fn next_cohort(&mut self) -> usize {
        ((u64::from(self.reviews.half()) * self.state.len() as u64) >> 32) as usize
    }

    /// A uniform in (0, 1) for an adoption decision, from 32 random bits (each 64-bit draw of
    /// the adoption stream serves two decisions).
    fn adoption_uniform(&mut self) -> f64 {
        (f64::from(self.adopt.half()) + 0.5) / 4_294_967_296.0
    }

    fn set_state(&mut self, i: usize, to: u8) {
        let from = self.state[i];
        let t = self.tasks[i];
        if from != IDLE {
            self.sum_adopted -= t;
            self.count_adopted -= 1;
        }
        if from == AMBIENT {
            self.sum_ambient -= t;
            self.count_ambient -= 1;
        }
        if to != IDLE {
            self.sum_adopted += t;
            self.count_adopted += 1;
        }
        if to == AMBIENT {
            self.sum_ambient += t;
            self.count_ambient += 1;
        }
        self.state[i] = to;
    }

    /// Records the adopted fraction (at a month end, or at start) and the Bass adoption
    /// probability per review it implies: `1 - exp(-(p + q·F) / review_rate)`.
    fn remember_adoption(&mut self) {
        self.f_last = self.adopted_fraction();
        self.p_adopt = 1.0 - (-(self.bass_p + self.bass_q * self.f_last) / self.rate).exp();
    }

    fn adopted_fraction(&self) -> f64 {
        self.count_adopted as f64 / self.state.len() as f64
    }

    /// Tasks of cohort `i` per unit of `demand()`.
    fn cohort_tasks(&self, i: usize) -> f64 {
        match self.state[i] {
            IDLE => 0.0,
            AMBIENT => self.n * self.tasks[i] * self.ambient_m,
            _ => self.n * self.tasks[i],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum OptKind {
    Vendor(usize),
    Host(usize),
    Device(usize),
}

#[derive(Clone)]
struct Opt {
    kind: OptKind,
    lag: f64,
    price: f64,
    live: bool,
    /// Release time (devices), for the falling amortized price.
    since: f64,
}

#[derive(Clone)]
struct Commit {
    trigger: f64,
    share: f64,
    ramp: f64,
    discount: f64,
    term: u32,
    switched: Option<f64>,
    order: Vec<u32>,
    /// Month of signing (0: not signed), commitment, per enterprise cohort.
    signed: Vec<u32>,
    commit: Vec<f64>,
}

#[derive(Clone)]
struct Path<'a> {
    sc: &'a Scenario,
    draws: &'a Draws,
    sw: Switches,
    seed: u64,
    path: u64,
    months: u32,
    layout: Layout,
    out: Vec<f64>,
    /// Each vendor's serving cost per month ($ per million tokens), `v * months + m - 1`.
    vendor_cost_out: Vec<f64>,
    /// Tokens per adopted firm per segment and month, `s * months + m - 1`.
    per_adopter_out: Vec<f64>,
    queue: Queue<Event>,
    timeline: Option<Vec<LoggedEvent>>,
    // Fixed per path.
    pace: f64,
    /// ln κ: `κ^q` is computed as `exp(q ln κ)`.
    ln_kappa: f64,
    g_sw: f64,
    q_ref: f64,
    host_cost: f64,
    host_margin: f64,
    gens: Vec<Gen>,
    gens_live: usize,
    releases: Vec<Release>,
    releases_live: Vec<Release>,
    // State.
    cost_mult: f64,
    any_open: bool,
    opts: Vec<Opt>,
    segs: Vec<Seg>,
    commits: Vec<Option<Commit>>,
    // Snapshot.
    base_cost: f64,
    q_frontier: f64,
    e_t: f64,
    p_fix: f64,
    device_reach: f64,
    // Last month end.
    share_last: Vec<f64>,
    seg_tokens_last: [f64; 2],
    rev_hist: Vec<Vec<f64>>,
    tok_hist: Vec<Vec<f64>>,
    zero_marginal: Option<u32>,
    events: u64,
    cohort_reviews: u64,
    utilities: Vec<f64>,
    /// Scratch of `refresh`: each option's quality and log price.
    qualities: Vec<f64>,
    ln_prices: Vec<f64>,
    scratch: Vec<f64>,
}

fn month_time(sc: &Scenario, m: crate::scenario::Month) -> f64 {
    f64::from(m - sc.start)
}

impl<'a> Path<'a> {
    fn v(&self, id: ParamId) -> f64 {
        self.draws.get(id)
    }

    fn recording(&self) -> bool {
        self.timeline.is_some()
    }

    fn log(&mut self, t: f64, what: String) {
        if let Some(tl) = &mut self.timeline {
            tl.push(LoggedEvent { time: t, what });
        }
    }

    fn push(&mut self, t: f64, e: Event) {
        if t <= f64::from(self.months) {
            self.queue.push(t, false, e);
        }
    }

    fn new(sc: &'a Scenario, draws: &'a Draws, path: u64, seed: u64, o: Options) -> Self {
        let sw = o.switches;
        let months = sc.months() as u32;
        let layout = Layout::new(sc);
        let n_v = sc.vendors.len();
        let d = |id: ParamId| draws.get(id);

        // Hardware: ordered availability, chained unit costs.
        let mut gens = vec![Gen {
            available: 0.0,
            ramp: 0.0,
            unit_cost: d(sc.hardware.unit_cost),
        }];
        if sw.hardware {
            for g in &sc.hardware.generations {
                let prev = gens.last().expect("installed generation");
                let a = (month_time(sc, g.date) + d(g.delay_months))
                    .max(prev.available)
                    .max(0.0);
                gens.push(Gen {
                    available: a,
                    ramp: d(g.ramp_months),
                    unit_cost: prev.unit_cost * d(g.cost_factor),
                });
            }
        }
        let releases: Vec<Release> = if sw.efficiency {
            sc.efficiency
                .iter()
                .map(|e| Release {
                    available: (month_time(sc, e.date) + d(e.delay_months)).max(0.0),
                    ramp: d(e.ramp_months),
                    token_factor: d(e.token_factor),
                    reach: d(e.reach),
                })
                .collect()
        } else {
            Vec::new()
        };

        let mut opts = Vec::new();
        for (i, v) in sc.vendors.iter().enumerate() {
            opts.push(Opt {
                kind: OptKind::Vendor(i),
                lag: d(v.lag),
                price: d(v.launch_price),
                live: v.launch.is_none(),
                since: 0.0,
            });
        }
        for (i, v) in sc.vendors.iter().enumerate() {
            opts.push(Opt {
                kind: OptKind::Host(i),
                lag: d(v.lag),
                price: 0.0,
                live: false,
                since: 0.0,
            });
        }
        for (i, dev) in sc.devices.iter().enumerate() {
            opts.push(Opt {
                kind: OptKind::Device(i),
                lag: d(dev.lag),
                price: d(dev.price),
                live: false,
                since: 0.0,
            });
        }
        let n_opts = opts.len();

        let segs = SegmentKind::ALL
            .iter()
            .map(|&kind| {
                let s = sc.segment(kind);
                let name = kind.name();
                let n = s.cohorts as usize;
                let mut pop = stream(seed, &format!("cohorts:{name}"), path);
                let mut attr = |id: ParamId| -> Vec<f64> {
                    let dist = &sc.input(id).dist;
                    (0..n).map(|_| dist.quantile(open_unit(&mut pop))).collect()
                };
                let tasks = attr(s.tasks);
                let value = attr(s.value);
                let attention = attr(s.attention_cost);
                let per_decision = attr(s.tasks_per_decision);
                let mut thresholds: Vec<f64> = attention
                    .iter()
                    .zip(&per_decision)
                    .map(|(a, k)| a / k)
                    .collect();
                thresholds.sort_by(f64::total_cmp);
                let mut seg = Seg {
                    alpha: d(s.price_sensitivity),
                    beta: d(s.quality_preference),
                    eps: d(s.elasticity),
                    cap: d(s.usage_cap),
                    tau0: d(s.tokens_per_task),
                    ln_rho: d(s.tokens_per_capability).ln(),
                    theta: d(s.tasks_per_capability),
                    ambient_m: d(s.ambient_multiplier),
                    eligible: d(s.device_eligible),
                    bass_p: d(s.bass_p) / 12.0,
                    bass_q: d(s.bass_q) / 12.0,
                    rate: d(s.review_rate),
                    n: d(s.population) / n as f64,
                    state: vec![IDLE; n],
                    tasks,
                    value,
                    attention,
                    per_decision,
                    thresholds,
                    sum_adopted: 0.0,
                    sum_ambient: 0.0,
                    count_adopted: 0,
                    count_ambient: 0,
                    demand_mult: 1.0,
                    reviews: SegRng::new(stream(seed, &format!("reviews:{name}"), path)),
                    reviewed_to: 0.0,
                    adopt: SegRng::new(stream(seed, &format!("adoption:{name}"), path)),
                    f_last: 0.0,
                    p_adopt: 0.0,
                    c_task0: 1.0,
                    shares: vec![0.0; n_opts],
                    tau: vec![0.0; n_opts],
                    c_task: 0.0,
                    c_fix: 0.0,
                    qbar: 0.0,
                };
                // Initial adopters: cohorts in random order until the firm share is reached.
                let target = d(s.adopted_at_start);
                let mut order: Vec<usize> = (0..n).collect();
                let mut init = stream(seed, &format!("initial:{name}"), path);
                shuffle(&mut order, &mut init);
                for i in order {
                    if (seg.count_adopted as f64 + 0.5) / n as f64 > target {
                        break;
                    }
                    seg.set_state(i, ADOPTED);
                }
                seg.remember_adoption();
                seg
            })
            .collect();

        let commits = sc
            .vendors
            .iter()
            .map(|v| {
                v.commitments.as_ref().map(|c| Commit {
                    trigger: d(c.trigger_growth),
                    share: d(c.share),
                    ramp: d(c.ramp_months),
                    discount: d(c.discount),
                    term: d(c.term_months).round().max(1.0) as u32,
                    switched: None,
                    order: Vec::new(),
                    signed: Vec::new(),
                    commit: Vec::new(),
                })
            })
            .collect();

        let (host_cost, host_margin) = match &sc.hosts {
            Some(h) => (d(h.cost_factor), d(h.margin)),
            None => (1.0, 0.0),
        };
        Path {
            sc,
            draws,
            sw,
            seed,
            path,
            months,
            out: vec![f64::NAN; layout.len() * months as usize],
            vendor_cost_out: vec![f64::NAN; sc.vendors.len() * months as usize],
            per_adopter_out: vec![f64::NAN; 2 * months as usize],
            layout,
            queue: Queue::default(),
            timeline: o.record_events.then(Vec::new),
            pace: d(sc.capability.pace),
            ln_kappa: d(sc.capability.cost_per_unit).ln(),
            g_sw: if sw.efficiency {
                d(sc.serving_gain_per_year)
            } else {
                1.0
            },
            q_ref: sc.reference.capability,
            host_cost,
            host_margin,
            gens,
            gens_live: 1,
            releases,
            releases_live: Vec::new(),
            cost_mult: 1.0,
            any_open: false,
            opts,
            segs,
            commits,
            base_cost: 0.0,
            q_frontier: 0.0,
            e_t: 1.0,
            p_fix: 0.0,
            device_reach: 0.0,
            share_last: vec![0.0; n_opts],
            seg_tokens_last: [0.0; 2],
            rev_hist: vec![Vec::new(); n_v],
            tok_hist: vec![Vec::new(); n_v],
            zero_marginal: None,
            events: 0,
            cohort_reviews: 0,
            utilities: vec![0.0; n_opts],
            qualities: Vec::with_capacity(n_opts),
            ln_prices: Vec::with_capacity(n_opts),
            scratch: vec![0.0; n_opts],
        }
    }

    /// Serving cost per million tokens of a model of quality `q` on the reference stack.
    fn serving_cost(&self, q: f64) -> f64 {
        self.base_cost * (q * self.ln_kappa).exp()
    }

    fn quality(&self, o: usize) -> f64 {
        let opt = &self.opts[o];
        let lag = match opt.kind {
            OptKind::Device(d) if self.any_open => opt.lag.min(self.v(self.sc.devices[d].lag_open)),
            _ => opt.lag,
        };
        self.q_frontier - lag
    }

    fn vendor_cost(&self, v: usize) -> f64 {
        self.v(self.sc.vendors[v].cost_multiplier) * self.serving_cost(self.quality(v))
    }

    /// Recomputes the market snapshot at time `t`.
    fn refresh(&mut self, t: f64) {
        self.e_t = curves::efficiency(t, &self.releases_live);
        self.base_cost = curves::fleet_cost(t, &self.gens[..self.gens_live])
            * self.cost_mult
            * self.g_sw.powf(-t / 12.0);
        self.q_frontier = self.pace * t / 12.0;
        // Fixed-capability price: the cheapest option scaled to q_ref.
        let (mut best, mut best_any) = (f64::INFINITY, f64::INFINITY);
        self.device_reach = 0.0;
        for o in 0..self.opts.len() {
            if !self.opts[o].live {
                continue;
            }
            let q = self.quality(o);
            let scaled = self.opts[o].price * ((self.q_ref - q) * self.ln_kappa).exp();
            best_any = best_any.min(scaled);
            if q >= self.q_ref {
                best = best.min(scaled);
            }
            if let OptKind::Device(d) = self.opts[o].kind {
                let dev = &self.sc.devices[d];
                self.device_reach = self.device_reach.max(curves::ramp(
                    t,
                    self.opts[o].since,
                    self.v(dev.ramp_months),
                ));
            }
        }
        self.p_fix = if best.is_finite() { best } else { best_any };
        // Reused buffers: refresh runs at every queued event.
        let mut qualities = std::mem::take(&mut self.qualities);
        let mut ln_prices = std::mem::take(&mut self.ln_prices);
        qualities.clear();
        qualities.extend((0..self.opts.len()).map(|o| self.quality(o)));
        ln_prices.clear();
        ln_prices.extend(self.opts.iter().map(|o| o.price.ln()));
        for s in 0..self.segs.len() {
            let seg = &self.segs[s];
            let (alpha, beta, phi) = (seg.alpha, seg.beta, seg.eligible * self.device_reach);
            // Part without devices, then the device-eligible part.
            let mut with_devices = [0.0; 2];
            for (part, include_devices) in [(0usize, false), (1, true)] {
                let mut max_u = f64::NEG_INFINITY;
                for (o, opt) in self.opts.iter().enumerate() {
                    let open =
                        opt.live && (include_devices || !matches!(opt.kind, OptKind::Device(_)));
                    self.utilities[o] = if open {
                        beta * qualities[o] - alpha * ln_prices[o]
                    } else {
                        f64::NEG_INFINITY
                    };
                    max_u = max_u.max(self.utilities[o]);
                }
                let mut total = 0.0;
                for o in 0..self.opts.len() {
                    let w = if self.utilities[o].is_finite() {
                        (self.utilities[o] - max_u).exp()
                    } else {
                        0.0
                    };
                    if part == 0 {
                        self.scratch[o] = w;
                    } else {
                        self.utilities[o] = w;
                    }
                    total += w;
                }
                with_devices[part] = total;
            }
            let seg = &mut self.segs[s];
            let (mut c_task, mut qbar) = (0.0, 0.0);
            for (o, &q) in qualities.iter().enumerate() {
                let share = (1.0 - phi) * self.scratch[o] / with_devices[0]
                    + phi * self.utilities[o] / with_devices[1];
                let tau = seg.tau0 * self.e_t * (q * seg.ln_rho).exp();
                seg.shares[o] = share;
                seg.tau[o] = tau;
                if share > 0.0 {
                    c_task += share * tau * self.opts[o].price / 1e6;
                    qbar += share * q;
                }
            }
            seg.c_task = c_task;
            seg.qbar = qbar;
            seg.c_fix = seg.tau0 * self.e_t * self.p_fix / 1e6;
        }
        self.qualities = qualities;
        self.ln_prices = ln_prices;
    }

    /// Tokens per option and per segment at the current snapshot.
    fn tokens(&self) -> (Vec<f64>, [f64; 2]) {
        let mut per_opt = vec![0.0; self.opts.len()];
        let mut per_seg = [0.0; 2];
        for (s, seg) in self.segs.iter().enumerate() {
            let tasks = seg.demand()
                * seg.n
                * (seg.sum_adopted + (seg.ambient_m - 1.0) * seg.sum_ambient).max(0.0);
            for (o, total) in per_opt.iter_mut().enumerate() {
                let tok = tasks * seg.shares[o] * seg.tau[o];
                *total += tok;
                per_seg[s] += tok;
            }
        }
        (per_opt, per_seg)
    }

    fn remember_shares(&mut self, per_opt: &[f64], per_seg: [f64; 2]) {
        let total: f64 = per_opt.iter().sum();
        for (s, t) in self.share_last.iter_mut().zip(per_opt) {
            *s = if total > 0.0 { t / total } else { 0.0 };
        }
        self.seg_tokens_last = per_seg;
    }

    fn reprice_hosts_and_devices(&mut self, t: f64) {
        // Hosts follow cost at the current fleet; devices' amortized price falls with software gains.
        self.refresh_costs(t);
        for o in 0..self.opts.len() {
            if !self.opts[o].live {
                continue;
            }
            match self.opts[o].kind {
                OptKind::Host(_) => {
                    let cost = self.host_cost * self.serving_cost(self.quality(o));
                    self.opts[o].price = cost * (1.0 + self.host_margin);
                }
                OptKind::Device(d) => {
                    let since = self.opts[o].since;
                    self.opts[o].price =
                        self.v(self.sc.devices[d].price) * self.g_sw.powf(-(t - since) / 12.0);
                }
                OptKind::Vendor(_) => {}
            }
        }
    }

    /// Only the cost part of the snapshot (for re-pricing before the full refresh).
    fn refresh_costs(&mut self, t: f64) {
        self.base_cost = curves::fleet_cost(t, &self.gens[..self.gens_live])
            * self.cost_mult
            * self.g_sw.powf(-t / 12.0);
        self.q_frontier = self.pace * t / 12.0;
    }

    fn start(&mut self) {
        let sc = self.sc;
        for g in 1..self.gens.len() {
            let a = self.gens[g].available;
            self.push(a, Event::Hardware(g));
        }
        for e in 0..self.releases.len() {
            let a = self.releases[e].available;
            self.push(a, Event::Efficiency(e));
        }
        for (i, v) in sc.vendors.iter().enumerate() {
            match &v.launch {
                None => {
                    let mut rng = stream(self.seed, &format!("phase:{}", v.name), self.path);
                    let phase = open_unit(&mut rng) * self.v(v.review_months);
                    self.push(phase, Event::PriceReview(i));
                    if self.sw.competition && self.v(v.open_weights) >= 0.5 {
                        self.open_hosts(i);
                    }
                }
                Some(l) if self.sw.competition => {
                    let t = (month_time(sc, l.date) + self.v(l.delay_months)).max(0.0);
                    self.push(t, Event::Launch(i));
                }
                Some(_) => {}
            }
            if v.commitments.is_some() {
                self.push(3.0, Event::CommitmentCheck(i));
            }
        }
        if self.sw.devices {
            for (i, dev) in sc.devices.iter().enumerate() {
                let t = (month_time(sc, dev.date) + self.v(dev.delay_months)).max(0.0);
                self.push(t, Event::Device(i));
            }
        }
        for (i, s) in sc.shocks.iter().enumerate() {
            if self.v(s.occurs) >= 0.5 {
                let t = (month_time(sc, s.date) + self.v(s.delay_months)).max(0.0);
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
        self.remember_shares(&per_opt, per_seg);
        self.queue.push(1.0, true, Event::MonthEnd(1));
    }

    fn open_hosts(&mut self, v: usize) {
        let n_v = self.sc.vendors.len();
        self.opts[n_v + v].live = true;
        self.any_open = true;
    }

    fn run(mut self) -> PathResult {
        self.start();
        while let Some((t, e)) = self.queue.pop() {
            self.step(t, e);
        }
        self.finish()
    }

    /// Processes every cohort review between the last queued event and `t`.
    ///
    /// Reviews read only the market snapshot and the last month end's figures, which no
    /// review changes, and write cohort states, which only month ends read. So within the
    /// interval their times do not matter, only how many there are and whom they pick: for a
    /// segment of `n` cohorts each reviewed at rate `r`, the count is Poisson(`n·r·Δ`) and
    /// each review picks a cohort uniformly, in sequence. This is exactly the design's
    /// independent Poisson review process per cohort (by superposition and the uniform order
    /// statistics of a Poisson process), without a queue entry or a logarithm per review.
    /// Every review still counts as one event.
    fn drain_reviews(&mut self, t: f64) {
        for s in 0..self.segs.len() {
            let seg = &mut self.segs[s];
            let span = t.min(f64::from(self.months)) - seg.reviewed_to;
            if span <= 0.0 {
                continue;
            }
            seg.reviewed_to += span;
            let mean = seg.rate * seg.state.len() as f64 * span;
            let count = match rand_distr::Poisson::new(mean) {
                Ok(p) => rand_distr::Distribution::sample(&p, &mut seg.reviews) as u64,
                Err(_) => 0,
            };
            for _ in 0..count {
                self.review(s);
            }
            self.events += count;
        }
    }

    /// Processes one queued event (after the cohort reviews that come before it).
    fn step(&mut self, t: f64, e: Event) {
        self.drain_reviews(t);
        self.events += 1;
        {
            match e {
                Event::MonthEnd(m) => self.month_end(m),
                Event::Hardware(g) => {
                    self.gens_live = self.gens_live.max(g + 1);
                    if self.recording() {
                        let name = &self.sc.hardware.generations[g - 1].name;
                        let f = self.gens[g].unit_cost / self.gens[g - 1].unit_cost;
                        self.log(t, format!("{name} available: cost per token × {f:.3} of the previous generation"));
                    }
                    self.refresh(t);
                }
                Event::Efficiency(e) => {
                    let r = self.releases[e];
                    self.releases_live.push(r);
                    if self.recording() {
                        let name = &self.sc.efficiency[e].name;
                        let (fewer, reach) = ((1.0 - r.token_factor) * 100.0, r.reach * 100.0);
                        self.log(t, format!("{name} released: {fewer:.0}% fewer tokens per task on {reach:.0}% of tasks once adopted"));
                    }
                    self.refresh(t);
                }
                Event::Launch(v) => self.launch(t, v),
                Event::Device(d) => {
                    let o = 2 * self.sc.vendors.len() + d;
                    self.opts[o].live = true;
                    self.opts[o].since = t;
                    self.opts[o].price = self.v(self.sc.devices[d].price);
                    if self.recording() {
                        let (name, price) = (&self.sc.devices[d].name, self.opts[o].price);
                        self.log(t, format!("{name} on-device option released at ${price:.2}/M (amortized hardware)"));
                    }
                    self.refresh(t);
                }
                Event::PriceReview(v) => {
                    self.price_review(t, v);
                    let next = t + self.v(self.sc.vendors[v].review_months);
                    self.push(next, Event::PriceReview(v));
                }
                Event::CommitmentCheck(v) => self.commitment_check(t, v),
                Event::Shock(k) => self.shock(t, k),
            }
        }
    }

    fn launch(&mut self, t: f64, v: usize) {
        let vendor = &self.sc.vendors[v];
        self.opts[v].live = true;
        self.opts[v].price = self.v(vendor.launch_price);
        let open = self.v(vendor.open_weights) >= 0.5;
        if open {
            self.open_hosts(v);
        }
        let price = self.opts[v].price;
        let weights = if open {
            " with open weights (hosts appear)"
        } else {
            " (closed weights)"
        };
        self.log(
            t,
            format!("{} launches at ${price:.3}/M{weights}", vendor.name),
        );
        self.reprice_hosts_and_devices(t);
        self.refresh(t);
        let first = t + self.v(vendor.entry_months);
        self.push(first, Event::PriceReview(v));
    }

    fn price_review(&mut self, t: f64, v: usize) {
        let vendor = &self.sc.vendors[v];
        self.refresh_costs(t);
        let cost = self.vendor_cost(v);
        let total: f64 = self.seg_tokens_last.iter().sum();
        let (mut alpha_bar, mut eps_bar) = (0.0, 0.0);
        for (s, seg) in self.segs.iter().enumerate() {
            let w = if total > 0.0 {
                self.seg_tokens_last[s] / total
            } else {
                0.5
            };
            alpha_bar += w * seg.alpha;
            eps_bar += w * seg.eps;
        }
        let eta = curves::elasticity(alpha_bar, eps_bar, self.share_last[v]);
        let (cap, floor) = (self.v(vendor.markup_cap), self.v(vendor.margin_floor));
        let target = curves::best_response(cost, eta, cap, floor);
        let old = self.opts[v].price;
        self.opts[v].price =
            curves::adjust(old, target, self.v(vendor.adjustment), cost, cap, floor);
        self.refresh(t);
    }

    fn shock(&mut self, t: f64, k: usize) {
        let s = &self.sc.shocks[k];
        let f = self.v(s.factor);
        match s.target {
            ShockTarget::Cost => self.cost_mult *= f,
            ShockTarget::Demand(kind) => self.segs[kind as usize].demand_mult *= f,
            ShockTarget::Price(v) => self.opts[v].price *= f,
        }
        self.log(t, format!("shock {}: {:?} × {f:.3}", s.name, s.target));
        self.refresh(t);
    }

    fn review(&mut self, s: usize) {
        self.cohort_reviews += 1;
        let seg = &mut self.segs[s];
        let i = seg.next_cohort();
        let state = seg.state[i];
        if state != IDLE && seg.c_task > seg.value[i] {
            seg.set_state(i, IDLE);
        } else if state == IDLE {
            // The adoption draw is made only for a cohort that pays.
            if seg.c_task <= seg.value[i] && seg.adoption_uniform() < seg.p_adopt {
                seg.set_state(i, ADOPTED);
            }
        } else if state == ADOPTED && seg.per_decision[i] * seg.c_fix <= seg.attention[i] {
            seg.set_state(i, AMBIENT);
        }
    }

    fn commitment_check(&mut self, t: f64, v: usize) {
        let booked = self.rev_hist[v].len();
        let Some((trigger, switched)) = self.commits[v]
            .as_ref()
            .map(|c| (c.trigger, c.switched.is_some()))
        else {
            return;
        };
        if !switched && booked >= 24 {
            let sum = |h: &[f64], from: usize, to: usize| h[from..to].iter().sum::<f64>();
            let (r, k) = (&self.rev_hist[v], &self.tok_hist[v]);
            let g_rev = sum(r, booked - 12, booked) / sum(r, booked - 24, booked - 12) - 1.0;
            let g_tok = sum(k, booked - 12, booked) / sum(k, booked - 24, booked - 12) - 1.0;
            if g_rev < trigger && g_tok > g_rev {
                let n = self.segs[0].state.len();
                let mut order: Vec<u32> = (0..n as u32).collect();
                let mut rng = stream(
                    self.seed,
                    &format!("commitments:{}", self.sc.vendors[v].name),
                    self.path,
                );
                shuffle(&mut order, &mut rng);
                let c = self.commits[v].as_mut().expect("has commitments");
                c.switched = Some(t);
                c.order = order;
                c.signed = vec![0; n];
                c.commit = vec![0.0; n];
                let name = &self.sc.vendors[v].name;
                let (gr, gt) = (g_rev * 100.0, g_tok * 100.0);
                self.log(t, format!("{name} moves to committed spend: revenue {gr:+.0}%, tokens {gt:+.0}% over the last year"));
                return;
            }
        }
        if self.commits[v]
            .as_ref()
            .is_some_and(|c| c.switched.is_none())
        {
            self.push(t + 3.0, Event::CommitmentCheck(v));
        }
    }

    /// Books month `m` at t = m (DESIGN.md §3.6).
    fn month_end(&mut self, m: u32) {
        let t = f64::from(m);
        self.reprice_hosts_and_devices(t);
        self.refresh(t);
        let (per_opt, per_seg) = self.tokens();
        let n_v = self.sc.vendors.len();
        let mut revenue = vec![0.0; n_v];
        let mut committed_rev = vec![0.0; n_v];
        for v in 0..n_v {
            revenue[v] = per_opt[v] * self.opts[v].price / 1e6;
        }
        for v in 0..n_v {
            if self.commits[v]
                .as_ref()
                .is_some_and(|c| c.switched.is_some())
            {
                let (topup, committed) = self.commitment_month(m, t, v);
                revenue[v] += topup;
                committed_rev[v] = committed;
            }
        }
        let host_rev: f64 = (0..n_v)
            .map(|v| per_opt[n_v + v] * self.opts[n_v + v].price / 1e6)
            .sum();
        let host_tok: f64 = per_opt[n_v..2 * n_v].iter().sum();
        let vendor_tok: f64 = per_opt[..n_v].iter().sum();
        let device_tok: f64 = per_opt[2 * n_v..].iter().sum();
        let paid = vendor_tok + host_tok;
        let rev_total: f64 = revenue.iter().sum::<f64>() + host_rev;

        let vendor_costs: Vec<f64> = (0..n_v).map(|v| self.vendor_cost(v)).collect();
        let l = &self.layout;
        let mi = m as usize - 1;
        let months = self.months as usize;
        for (v, c) in vendor_costs.iter().enumerate() {
            self.vendor_cost_out[v * months + mi] = *c;
        }
        for (s, seg) in self.segs.iter().enumerate() {
            let firms = seg.n * seg.count_adopted as f64;
            self.per_adopter_out[s * months + mi] = if firms > 0.0 {
                per_seg[s] / firms
            } else {
                f64::NAN
            };
        }
        let mut put = |series: usize, x: f64| self.out[series * months + mi] = x;
        put(
            l.cost_hw(),
            curves::fleet_cost(t, &self.gens[..self.gens_live]) * self.cost_mult,
        );
        put(l.capability(), self.q_frontier);
        put(
            l.cost_per_task_ref(),
            self.sc.reference.tokens * self.e_t * self.p_fix / 1e6,
        );
        for (s, seg) in self.segs.iter().enumerate() {
            put(l.cost_per_task(s), seg.c_task);
            put(l.adoption(s), seg.adopted_fraction());
            put(
                l.ambient(s),
                seg.count_ambient as f64 / seg.state.len() as f64,
            );
        }
        put(
            l.price_blended(),
            if paid > 0.0 {
                rev_total / paid * 1e6
            } else {
                f64::NAN
            },
        );
        let (mut fr_tok, mut fr_rev, mut fr_prices, mut fr_n) = (0.0, 0.0, 0.0, 0.0);
        for (v, vendor) in self.sc.vendors.iter().enumerate() {
            let live = self.opts[v].live;
            put(l.price(v), if live { self.opts[v].price } else { f64::NAN });
            put(l.tokens(v), per_opt[v]);
            put(l.revenue(v), revenue[v]);
            let cost = per_opt[v] * vendor_costs[v] / 1e6;
            put(
                l.margin(v),
                if revenue[v] > 0.0 {
                    (revenue[v] - cost) / revenue[v]
                } else {
                    f64::NAN
                },
            );
            put(
                l.commitment_share(v),
                if revenue[v] > 0.0 {
                    committed_rev[v] / revenue[v]
                } else {
                    0.0
                },
            );
            if vendor.frontier && live {
                fr_tok += per_opt[v];
                fr_rev += per_opt[v] * self.opts[v].price;
                fr_prices += self.opts[v].price;
                fr_n += 1.0;
            }
        }
        put(
            l.price_frontier(),
            if fr_tok > 0.0 {
                fr_rev / fr_tok
            } else if fr_n > 0.0 {
                fr_prices / fr_n
            } else {
                f64::NAN
            },
        );
        put(l.tokens_total(), paid + device_tok);
        put(l.tokens_paid(), paid);
        put(l.tokens_device(), device_tok);
        put(l.revenue_total(), rev_total);
        put(l.revenue_hosts(), host_rev);

        for v in 0..n_v {
            self.rev_hist[v].push(revenue[v]);
            self.tok_hist[v].push(per_opt[v]);
        }
        for seg in &mut self.segs {
            seg.remember_adoption();
        }
        self.remember_shares(&per_opt, per_seg);
        if self.zero_marginal.is_none() {
            let seg = &self.segs[0];
            let past = seg.thresholds.len() - seg.thresholds.partition_point(|th| *th < seg.c_fix);
            if 2 * past >= seg.thresholds.len() {
                self.zero_marginal = Some(m);
                // Dated by the month it is booked in, which began at t = m - 1.
                self.log(t - 1.0, "zero marginal intelligence: half the enterprise firms would run AI rather than decide".to_owned());
            }
        }
        if m < self.months {
            self.queue.push(t + 1.0, true, Event::MonthEnd(m + 1));
        }
    }

    /// Commitment revenue of vendor `v` in month `m` (§3.7): returns the top-ups above
    /// per-token revenue and the revenue from committed cohorts.
    fn commitment_month(&mut self, m: u32, t: f64, v: usize) -> (f64, f64) {
        let seg = &self.segs[0];
        let unit = seg.demand() * seg.shares[v] * seg.tau[v] * self.opts[v].price / 1e6;
        let spend: Vec<f64> = (0..seg.state.len())
            .map(|i| seg.cohort_tasks(i) * unit)
            .collect();
        let seg_spend: f64 = spend.iter().sum();
        let c = self.commits[v]
            .as_mut()
            .expect("switched vendor has commitments");
        let (mut topup, mut committed, mut signed_spend) = (0.0, 0.0, 0.0);
        for (i, &spent) in spend.iter().enumerate() {
            let since = c.signed[i];
            if since == 0 {
                continue;
            }
            if m > since {
                let paid = c.commit[i].max(spent);
                topup += paid - spent;
                committed += paid;
            } else {
                committed += spent;
            }
            signed_spend += spent;
            if m > since && (m - since).is_multiple_of(c.term) {
                // Term end: renew at this month's spend, or end if the cohort stopped paying.
                if spent > 0.0 {
                    c.commit[i] = spent * (1.0 - c.discount);
                } else {
                    c.signed[i] = 0;
                    c.commit[i] = 0.0;
                }
            }
        }
        let switched = c.switched.expect("switched");
        let ramp = if c.ramp > 0.0 {
            ((t - switched) / c.ramp).min(1.0)
        } else {
            1.0
        };
        let target = c.share * ramp * seg_spend;
        for &i in &c.order {
            if signed_spend >= target {
                break;
            }
            let i = i as usize;
            if c.signed[i] == 0 && spend[i] > 0.0 {
                c.signed[i] = m;
                c.commit[i] = spend[i] * (1.0 - c.discount);
                signed_spend += spend[i];
                committed += spend[i];
            }
        }
        (topup, committed)
    }

    fn finish(self) -> PathResult {
        let sc = self.sc;
        let months = self.months as usize;
        let cref = |m: usize| self.out[self.layout.cost_per_task_ref() * months + m - 1];
        let first = cref(1);
        let m_c = ((sc.collapse_date - sc.start) + 1) as usize;
        let collapse_factor = first / cref(m_c.min(months));
        let month_100x = (1..=months)
            .find(|&m| cref(m) <= first / 100.0)
            .map(|m| m as u32);
        let y0 = if sc.start.month() == 1 {
            sc.start.year()
        } else {
            sc.start.year() + 1
        };
        let y1 = if sc.horizon.month() == 12 {
            sc.horizon.year()
        } else {
            sc.horizon.year() - 1
        };
        let result = PathResult {
            months,
            values: self.out,
            scalars: Scalars {
                collapse_factor,
                month_100x,
                month_zero_marginal: self.zero_marginal,
                volume_growth: f64::NAN,
                price_decline: f64::NAN,
                revenue_stall: false,
            },
            events: self.events,
            cohort_reviews: self.cohort_reviews,
            timeline: self.timeline.unwrap_or_default(),
            vendor_cost: self.vendor_cost_out,
            tokens_per_adopter: self.per_adopter_out,
        };
        let mut result = result;
        if y1 > y0 {
            let (fy, fm) = (sc.start.year(), sc.start.month());
            let l = &self.layout;
            let paid = |y| result.annual_sum(l.tokens_paid(), fy, fm, y);
            let rev = |y| result.annual_sum(l.revenue_total(), fy, fm, y);
            let volume_growth = paid(y1) / paid(y0);
            let price_decline = (rev(y0) / paid(y0)) / (rev(y1) / paid(y1));
            result.scalars.volume_growth = volume_growth;
            result.scalars.price_decline = price_decline;
            result.scalars.revenue_stall = volume_growth < price_decline;
        }
        result
    }
}

/// Fisher–Yates shuffle from the given generator.
fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
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
    Path::new(scenario, draws, path, seed, options).run()
}

/// A path stopped after a month end, to time cohort reviews and month-end accounting on their
/// own (`benches/path.rs`). Not part of the API: the model is [`simulate`].
#[doc(hidden)]
#[derive(Clone)]
pub struct Probe<'a> {
    path: Path<'a>,
    booked: u32,
}

impl<'a> Probe<'a> {
    /// Runs the path as [`simulate`] does, up to and including the month end of `month`.
    ///
    /// # Panics
    /// If `month` is not before the scenario's last month.
    pub fn after_month(
        sc: &'a Scenario,
        draws: &'a Draws,
        path: u64,
        seed: u64,
        month: u32,
    ) -> Self {
        let mut p = Path::new(sc, draws, path, seed, Options::default());
        assert!(
            month < p.months,
            "the probe needs a month after month {month}"
        );
        p.start();
        while let Some((t, e)) = p.queue.pop() {
            p.step(t, e);
            if matches!(e, Event::MonthEnd(m) if m == month) {
                break;
            }
        }
        Probe {
            path: p,
            booked: month,
        }
    }

    /// Processes the cohort reviews of the month after the booked one, as the path does before
    /// its next month end (without the queued events in between); returns how many there were.
    /// Each call reviews that month again, from the cohort states the last call left.
    pub fn month_of_reviews(&mut self) -> u64 {
        let before = self.path.cohort_reviews;
        for seg in &mut self.path.segs {
            seg.reviewed_to = f64::from(self.booked);
        }
        self.path.drain_reviews(f64::from(self.booked + 1));
        self.path.cohort_reviews - before
    }

    /// Books the next month end.
    pub fn month_end(&mut self) {
        self.booked += 1;
        self.path.month_end(self.booked);
    }

    /// The series value of `series` (a [`Layout`] index) booked for `month`.
    pub fn value(&self, series: usize, month: u32) -> f64 {
        self.path.out[series * self.path.months as usize + month as usize - 1]
    }
}

#[cfg(test)]
mod tests;
