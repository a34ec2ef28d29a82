//! The market (DESIGN.md §3.2–3.4): serving cost from hardware generations and software gains,
//! tokens per task from efficiency releases, the options buyers choose among (vendors,
//! open-weight hosts, on-device options), their logit shares, the price of a fixed capability,
//! and the events that move prices: launches, price reviews and shocks.
//!
//! The market snapshot (logit shares, tokens per task, cost per task per segment, `P_fix`) is
//! recomputed at every event that changes prices or the set of options (launches, releases,
//! reviews, shocks) and at month ends; cohort reviews read the latest snapshot. A vendor live
//! at start with open weights has its hosts option from the start. If no option reaches the
//! reference capability, `P_fix` scales the best option up by κ (`p_o · κ^(q_ref - q_o)` over
//! all options).

use super::curves::{self, Gen, Release};
use super::{Event, Path, Switches, TimelineEvent, month_time};
use crate::sample::Draws;
use crate::scenario::{ParamId, Scenario, ShockTarget};

/// What an option is: a vendor, the open-weight hosts of a vendor's model, or a device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum OptKind {
    Vendor(usize),
    Host(usize),
    Device(usize),
}

/// Where each option sits in the per-option vectors: every vendor, then every vendor's
/// open-weight hosts, then every device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct OptIndex {
    vendors: usize,
    devices: usize,
}

impl OptIndex {
    pub(super) fn new(sc: &Scenario) -> Self {
        Self {
            vendors: sc.vendors.len(),
            devices: sc.devices.len(),
        }
    }

    /// Vendor `v`'s own option.
    pub(super) fn vendor(self, v: usize) -> usize {
        v
    }

    /// The open-weight hosts of vendor `v`'s model.
    pub(super) fn host(self, v: usize) -> usize {
        self.vendors + v
    }

    /// Device `d`.
    pub(super) fn device(self, d: usize) -> usize {
        2 * self.vendors + d
    }

    /// The vendors' options.
    pub(super) fn vendors(self) -> std::ops::Range<usize> {
        0..self.vendors
    }

    /// The hosts' options.
    pub(super) fn hosts(self) -> std::ops::Range<usize> {
        self.vendors..2 * self.vendors
    }

    /// The devices' options.
    pub(super) fn devices(self) -> std::ops::Range<usize> {
        2 * self.vendors..self.len()
    }

    /// Number of options.
    pub(super) fn len(self) -> usize {
        2 * self.vendors + self.devices
    }
}

/// One option buyers may choose.
#[derive(Clone)]
pub(super) struct Opt {
    pub(super) kind: OptKind,
    pub(super) lag: f64,
    pub(super) price: f64,
    pub(super) live: bool,
    /// Release time (devices), for the falling amortized price.
    pub(super) since: f64,
}

/// The market's state on one path: fixed parameters, options, and the latest snapshot.
#[derive(Clone)]
pub(super) struct Market {
    // Fixed per path.
    pub(super) pace: f64,
    /// ln κ: `κ^q` is computed as `exp(q ln κ)`.
    pub(super) ln_kappa: f64,
    pub(super) g_sw: f64,
    q_ref: f64,
    host_cost: f64,
    host_margin: f64,
    pub(super) gens: Vec<Gen>,
    pub(super) gens_live: usize,
    pub(super) releases: Vec<Release>,
    releases_live: Vec<Release>,
    pub(super) idx: OptIndex,
    // State.
    pub(super) cost_mult: f64,
    any_open: bool,
    pub(super) opts: Vec<Opt>,
    // Snapshot.
    base_cost: f64,
    pub(super) q_frontier: f64,
    pub(super) e_t: f64,
    pub(super) p_fix: f64,
    device_reach: f64,
    // Last month end: each option's share of all tokens, each segment's tokens.
    share_last: Vec<f64>,
    seg_tokens_last: [f64; 2],
    // Scratch of `refresh`: utilities, logit weights of both parts, quality and log price.
    utilities: Vec<f64>,
    weights: [Vec<f64>; 2],
    qualities: Vec<f64>,
    ln_prices: Vec<f64>,
}

impl Market {
    /// The market of a path with these draws: generations ordered in time with chained unit
    /// costs, efficiency releases, and every option (vendors live at start are live).
    pub(super) fn new(sc: &Scenario, draws: &Draws, sw: Switches) -> Self {
        let d = |id: ParamId| draws.get(id);
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
        let opt = |kind, lag, price, live| Opt {
            kind,
            lag,
            price,
            live,
            since: 0.0,
        };
        let vendors = sc.vendors.iter().enumerate();
        let mut opts: Vec<Opt> = vendors
            .clone()
            .map(|(i, v)| {
                let live = v.launch.is_none();
                opt(OptKind::Vendor(i), d(v.lag), d(v.launch_price), live)
            })
            .collect();
        opts.extend(vendors.map(|(i, v)| opt(OptKind::Host(i), d(v.lag), 0.0, false)));
        opts.extend(
            sc.devices
                .iter()
                .enumerate()
                .map(|(i, dev)| opt(OptKind::Device(i), d(dev.lag), d(dev.price), false)),
        );
        let n_opts = opts.len();
        let (host_cost, host_margin) = match &sc.hosts {
            Some(h) => (d(h.cost_factor), d(h.margin)),
            None => (1.0, 0.0),
        };
        Market {
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
            idx: OptIndex::new(sc),
            cost_mult: 1.0,
            any_open: false,
            opts,
            base_cost: 0.0,
            q_frontier: 0.0,
            e_t: 1.0,
            p_fix: 0.0,
            device_reach: 0.0,
            share_last: vec![0.0; n_opts],
            seg_tokens_last: [0.0; 2],
            utilities: vec![0.0; n_opts],
            weights: [vec![0.0; n_opts], vec![0.0; n_opts]],
            qualities: Vec::with_capacity(n_opts),
            ln_prices: Vec::with_capacity(n_opts),
        }
    }

    /// Serving cost per million tokens of a model of quality `q` on the reference stack.
    pub(super) fn serving_cost(&self, q: f64) -> f64 {
        self.base_cost * (q * self.ln_kappa).exp()
    }

    /// The hardware cost factor of the fleet at `t` (shocks included, software gains not).
    pub(super) fn fleet_cost(&self, t: f64) -> f64 {
        curves::fleet_cost(t, &self.gens[..self.gens_live]) * self.cost_mult
    }

    /// Only the cost part of the snapshot (for re-pricing before the full refresh).
    pub(super) fn refresh_costs(&mut self, t: f64) {
        self.base_cost = curves::fleet_cost(t, &self.gens[..self.gens_live])
            * self.cost_mult
            * self.g_sw.powf(-t / 12.0);
        self.q_frontier = self.pace * t / 12.0;
    }

    /// Records each option's share of all tokens and each segment's tokens at a month end
    /// (or at start): what the next price reviews read.
    pub(super) fn remember_shares(&mut self, per_opt: &[f64], per_seg: [f64; 2]) {
        let total: f64 = per_opt.iter().sum();
        for (s, t) in self.share_last.iter_mut().zip(per_opt) {
            *s = if total > 0.0 { t / total } else { 0.0 };
        }
        self.seg_tokens_last = per_seg;
    }
}

impl Path<'_> {
    fn v(&self, id: ParamId) -> f64 {
        self.draws.get(id)
    }

    /// The quality of option `o` now: the frontier minus its lag (a device's lag shortened
    /// once any weights are open).
    pub(super) fn quality(&self, o: usize) -> f64 {
        let opt = &self.market.opts[o];
        let lag = match opt.kind {
            OptKind::Device(d) if self.market.any_open => {
                opt.lag.min(self.v(self.sc.devices[d].lag_open))
            }
            _ => opt.lag,
        };
        self.market.q_frontier - lag
    }

    /// Vendor `v`'s serving cost per million tokens now.
    pub(super) fn vendor_cost(&self, v: usize) -> f64 {
        let o = self.market.idx.vendor(v);
        self.v(self.sc.vendors[v].cost_multiplier) * self.market.serving_cost(self.quality(o))
    }

    /// Recomputes the market snapshot at time `t`.
    pub(super) fn refresh(&mut self, t: f64) {
        let m = &mut self.market;
        m.e_t = curves::efficiency(t, &m.releases_live);
        m.refresh_costs(t);
        self.refresh_fixed_price(t);
        // Reused buffers: refresh runs at every queued event.
        let mut qualities = std::mem::take(&mut self.market.qualities);
        qualities.clear();
        qualities.extend((0..self.market.opts.len()).map(|o| self.quality(o)));
        let m = &mut self.market;
        m.ln_prices.clear();
        m.ln_prices.extend(m.opts.iter().map(|o| o.price.ln()));
        for seg in &mut self.segs {
            let (alpha, beta, phi) = (seg.alpha, seg.beta, seg.eligible * m.device_reach);
            // Part without devices, then the device-eligible part.
            let mut totals = [0.0; 2];
            for (part, include_devices) in [(0usize, false), (1, true)] {
                for (o, opt) in m.opts.iter().enumerate() {
                    let open =
                        opt.live && (include_devices || !matches!(opt.kind, OptKind::Device(_)));
                    m.utilities[o] = if open {
                        beta * qualities[o] - alpha * m.ln_prices[o]
                    } else {
                        f64::NEG_INFINITY
                    };
                }
                totals[part] = curves::logit_weights(&m.utilities, &mut m.weights[part]);
            }
            let (mut c_task, mut qbar) = (0.0, 0.0);
            for (o, &q) in qualities.iter().enumerate() {
                let share =
                    (1.0 - phi) * m.weights[0][o] / totals[0] + phi * m.weights[1][o] / totals[1];
                let tau = seg.tau0 * m.e_t * (q * seg.ln_rho).exp();
                seg.shares[o] = share;
                seg.tau[o] = tau;
                if share > 0.0 {
                    c_task += share * tau * m.opts[o].price / 1e6;
                    qbar += share * q;
                }
            }
            seg.c_task = c_task;
            seg.qbar = qbar;
            seg.c_fix = seg.tau0 * m.e_t * m.p_fix / 1e6;
        }
        self.market.qualities = qualities;
    }

    /// The price of the fixed reference capability (the cheapest live option scaled to it)
    /// and the installed-base reach of devices, at time `t`.
    fn refresh_fixed_price(&mut self, t: f64) {
        let (mut best, mut best_any) = (f64::INFINITY, f64::INFINITY);
        let mut reach: f64 = 0.0;
        for o in 0..self.market.opts.len() {
            let opt = &self.market.opts[o];
            if !opt.live {
                continue;
            }
            let q = self.quality(o);
            let scaled = opt.price * ((self.market.q_ref - q) * self.market.ln_kappa).exp();
            best_any = best_any.min(scaled);
            if q >= self.market.q_ref {
                best = best.min(scaled);
            }
            if let OptKind::Device(d) = opt.kind {
                let ramp = self.v(self.sc.devices[d].ramp_months);
                reach = reach.max(curves::ramp(t, opt.since, ramp));
            }
        }
        self.market.device_reach = reach;
        self.market.p_fix = if best.is_finite() { best } else { best_any };
    }

    /// Hosts follow cost at the current fleet; devices' amortized price falls with software
    /// gains. Both are re-set at launches and at the start of every month end.
    pub(super) fn reprice_hosts_and_devices(&mut self, t: f64) {
        self.market.refresh_costs(t);
        for o in 0..self.market.opts.len() {
            if !self.market.opts[o].live {
                continue;
            }
            match self.market.opts[o].kind {
                OptKind::Host(_) => {
                    let m = &self.market;
                    let cost = m.host_cost * m.serving_cost(self.quality(o));
                    self.market.opts[o].price = cost * (1.0 + m.host_margin);
                }
                OptKind::Device(d) => {
                    let since = self.market.opts[o].since;
                    self.market.opts[o].price = self.v(self.sc.devices[d].price)
                        * self.market.g_sw.powf(-(t - since) / 12.0);
                }
                OptKind::Vendor(_) => {}
            }
        }
    }

    /// Vendor `v`'s model's weights are published: its hosts option opens, and devices may
    /// run open models.
    pub(super) fn open_hosts(&mut self, v: usize) {
        let o = self.market.idx.host(v);
        self.market.opts[o].live = true;
        self.market.any_open = true;
    }

    /// A GPU generation becomes available.
    pub(super) fn hardware(&mut self, t: f64, g: usize) {
        let m = &mut self.market;
        m.gens_live = m.gens_live.max(g + 1);
        let cost_factor = m.gens[g].unit_cost / m.gens[g - 1].unit_cost;
        self.log(
            t,
            TimelineEvent::Generation {
                generation: g - 1,
                cost_factor,
            },
        );
        self.refresh(t);
    }

    /// An efficiency release starts its ramp.
    pub(super) fn efficiency(&mut self, t: f64, e: usize) {
        let r = self.market.releases[e];
        self.market.releases_live.push(r);
        self.log(
            t,
            TimelineEvent::Efficiency {
                release: e,
                token_factor: r.token_factor,
                reach: r.reach,
            },
        );
        self.refresh(t);
    }

    /// An on-device option is released at its amortized hardware price.
    pub(super) fn device(&mut self, t: f64, d: usize) {
        let o = self.market.idx.device(d);
        let price = self.v(self.sc.devices[d].price);
        let opt = &mut self.market.opts[o];
        opt.live = true;
        opt.since = t;
        opt.price = price;
        self.log(t, TimelineEvent::Device { device: d, price });
        self.refresh(t);
    }

    /// Vendor `v` enters at its launch price, publishing its weights or not; it holds the
    /// price for `entry_months`, then reviews it.
    pub(super) fn launch(&mut self, t: f64, v: usize) {
        let vendor = &self.sc.vendors[v];
        let o = self.market.idx.vendor(v);
        self.market.opts[o].live = true;
        self.market.opts[o].price = self.v(vendor.launch_price);
        let open_weights = self.v(vendor.open_weights) >= 0.5;
        if open_weights {
            self.open_hosts(v);
        }
        let price = self.market.opts[o].price;
        self.log(
            t,
            TimelineEvent::Launch {
                vendor: v,
                price,
                open_weights,
            },
        );
        self.reprice_hosts_and_devices(t);
        self.refresh(t);
        let first = t + self.v(vendor.entry_months);
        self.push(first, Event::PriceReview(v));
    }

    /// Vendor `v` moves its price toward its best response (DESIGN.md §3.4), then schedules
    /// its next review.
    pub(super) fn price_review(&mut self, t: f64, v: usize) {
        let vendor = &self.sc.vendors[v];
        self.market.refresh_costs(t);
        let cost = self.vendor_cost(v);
        let m = &self.market;
        let total: f64 = m.seg_tokens_last.iter().sum();
        let (mut alpha_bar, mut eps_bar) = (0.0, 0.0);
        for (s, seg) in self.segs.iter().enumerate() {
            let w = if total > 0.0 {
                m.seg_tokens_last[s] / total
            } else {
                0.5
            };
            alpha_bar += w * seg.alpha;
            eps_bar += w * seg.eps;
        }
        let o = m.idx.vendor(v);
        let eta = curves::elasticity(alpha_bar, eps_bar, m.share_last[o]);
        let (cap, floor) = (self.v(vendor.markup_cap), self.v(vendor.margin_floor));
        let target = curves::best_response(cost, eta, cap, floor);
        let old = m.opts[o].price;
        self.market.opts[o].price =
            curves::adjust(old, target, self.v(vendor.adjustment), cost, cap, floor);
        self.refresh(t);
        let next = t + self.v(vendor.review_months);
        self.push(next, Event::PriceReview(v));
    }

    /// Shock `k` multiplies its target: the serving cost from now on, a segment's demand from
    /// now on, or a vendor's current price once.
    pub(super) fn shock(&mut self, t: f64, k: usize) {
        let s = &self.sc.shocks[k];
        let factor = self.v(s.factor);
        match s.target {
            ShockTarget::Cost => self.market.cost_mult *= factor,
            ShockTarget::Demand(kind) => self.segs[kind as usize].demand_mult *= factor,
            ShockTarget::Price(v) => {
                let o = self.market.idx.vendor(v);
                self.market.opts[o].price *= factor;
            }
        }
        self.log(t, TimelineEvent::Shock { shock: k, factor });
        self.refresh(t);
    }
}
