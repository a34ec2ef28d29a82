//! The books (DESIGN.md §3.6, §3.8): month-end accounting, the monthly series, and the path's
//! scalar outcomes at the end.

use super::result::{Layout, PathResult, Scalars};
use super::{Event, Path, TimelineEvent};
use crate::scenario::Scenario;

/// What a path has booked: its monthly series and the figures later months read.
#[derive(Clone)]
pub(super) struct Books {
    pub(super) layout: Layout,
    /// `out[series * months + m - 1]`, series positions from [`Layout`].
    pub(super) out: Vec<f64>,
    /// Each vendor's serving cost per month ($ per million tokens), `v * months + m - 1`.
    vendor_cost: Vec<f64>,
    /// Tokens per adopted firm per segment and month, `s * months + m - 1`.
    per_adopter: Vec<f64>,
    /// Each vendor's booked revenue and tokens, month by month (commitment checks read them).
    pub(super) rev_hist: Vec<Vec<f64>>,
    pub(super) tok_hist: Vec<Vec<f64>>,
    /// The month zero marginal intelligence arrived.
    zero_marginal: Option<u32>,
}

impl Books {
    pub(super) fn new(sc: &Scenario, months: usize) -> Self {
        let layout = Layout::new(sc);
        let n_v = sc.vendors.len();
        Books {
            out: vec![f64::NAN; layout.len() * months],
            vendor_cost: vec![f64::NAN; n_v * months],
            per_adopter: vec![f64::NAN; 2 * months],
            layout,
            rev_hist: vec![Vec::new(); n_v],
            tok_hist: vec![Vec::new(); n_v],
            zero_marginal: None,
        }
    }
}

/// One month's money: per-vendor revenue (commitment top-ups included) and its committed part,
/// the hosts' revenue, and the tokens of each kind of option.
struct Month {
    revenue: Vec<f64>,
    committed: Vec<f64>,
    host_revenue: f64,
    paid_tokens: f64,
    device_tokens: f64,
}

impl Path<'_> {
    /// Books month `m` at t = m (DESIGN.md §3.6): hosts and devices re-price first, then the
    /// month's tokens, revenue and costs are recorded.
    pub(super) fn month_end(&mut self, m: u32) {
        let t = f64::from(m);
        self.reprice_hosts_and_devices(t);
        self.refresh(t);
        let (per_opt, per_seg) = self.tokens();
        let month = self.month_money(m, t, &per_opt);
        self.book(m, t, &per_opt, per_seg, &month);
        let n_v = self.sc.vendors.len();
        for v in 0..n_v {
            self.books.rev_hist[v].push(month.revenue[v]);
            self.books.tok_hist[v].push(per_opt[self.market.idx.vendor(v)]);
        }
        for seg in &mut self.segs {
            seg.remember_adoption();
        }
        self.market.remember_shares(&per_opt, per_seg);
        if self.books.zero_marginal.is_none() {
            let seg = &self.segs[0];
            let past = seg.thresholds.len() - seg.thresholds.partition_point(|th| *th < seg.c_fix);
            if 2 * past >= seg.thresholds.len() {
                self.books.zero_marginal = Some(m);
                // Dated by the month it is booked in, which began at t = m - 1.
                self.log(t - 1.0, TimelineEvent::ZeroMarginal);
            }
        }
        if m < self.months {
            self.queue.push(t + 1.0, true, Event::MonthEnd(m + 1));
        }
    }

    /// Revenue and tokens of month `m` from the tokens per option.
    fn month_money(&mut self, m: u32, t: f64, per_opt: &[f64]) -> Month {
        let idx = self.market.idx;
        let n_v = self.sc.vendors.len();
        let price = |o: usize| self.market.opts[o].price;
        let mut revenue: Vec<f64> = (0..n_v)
            .map(|v| per_opt[idx.vendor(v)] * price(idx.vendor(v)) / 1e6)
            .collect();
        let host_revenue: f64 = (0..n_v)
            .map(|v| per_opt[idx.host(v)] * price(idx.host(v)) / 1e6)
            .sum();
        let mut committed = vec![0.0; n_v];
        for v in 0..n_v {
            if self.commits[v]
                .as_ref()
                .is_some_and(|c| c.switched.is_some())
            {
                let (topup, committed_revenue) = self.commitment_month(m, t, v);
                revenue[v] += topup;
                committed[v] = committed_revenue;
            }
        }
        let host_tokens: f64 = per_opt[idx.hosts()].iter().sum();
        let vendor_tokens: f64 = per_opt[idx.vendors()].iter().sum();
        Month {
            revenue,
            committed,
            host_revenue,
            paid_tokens: vendor_tokens + host_tokens,
            device_tokens: per_opt[idx.devices()].iter().sum(),
        }
    }

    /// Records month `m`'s series.
    fn book(&mut self, m: u32, t: f64, per_opt: &[f64], per_seg: [f64; 2], month: &Month) {
        let n_v = self.sc.vendors.len();
        let vendor_costs: Vec<f64> = (0..n_v).map(|v| self.vendor_cost(v)).collect();
        let (mi, months) = (m as usize - 1, self.months as usize);
        for (v, c) in vendor_costs.iter().enumerate() {
            self.books.vendor_cost[v * months + mi] = *c;
        }
        for (s, seg) in self.segs.iter().enumerate() {
            let firms = seg.n * seg.count_adopted as f64;
            self.books.per_adopter[s * months + mi] = if firms > 0.0 {
                per_seg[s] / firms
            } else {
                f64::NAN
            };
        }
        let (market, idx) = (&self.market, self.market.idx);
        let l = &self.books.layout;
        let out = &mut self.books.out;
        let mut put = |series: usize, x: f64| out[series * months + mi] = x;
        put(l.cost_hw(), market.fleet_cost(t));
        put(l.capability(), market.q_frontier);
        put(
            l.cost_per_task_ref(),
            self.sc.reference.tokens * market.e_t * market.p_fix / 1e6,
        );
        for (s, seg) in self.segs.iter().enumerate() {
            put(l.cost_per_task(s), seg.c_task);
            put(l.adoption(s), seg.adopted_fraction());
            put(
                l.ambient(s),
                seg.count_ambient as f64 / seg.state.len() as f64,
            );
        }
        let rev_total: f64 = month.revenue.iter().sum::<f64>() + month.host_revenue;
        let paid = month.paid_tokens;
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
            let (o, revenue) = (idx.vendor(v), month.revenue[v]);
            let (live, price) = (market.opts[o].live, market.opts[o].price);
            put(l.price(v), if live { price } else { f64::NAN });
            put(l.tokens(v), per_opt[o]);
            put(l.revenue(v), revenue);
            let cost = per_opt[o] * vendor_costs[v] / 1e6;
            let margin = (revenue - cost) / revenue;
            put(l.margin(v), if revenue > 0.0 { margin } else { f64::NAN });
            let committed = month.committed[v] / revenue;
            put(
                l.commitment_share(v),
                if revenue > 0.0 { committed } else { 0.0 },
            );
            if vendor.frontier && live {
                fr_tok += per_opt[o];
                fr_rev += per_opt[o] * price;
                fr_prices += price;
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
        put(l.tokens_total(), paid + month.device_tokens);
        put(l.tokens_paid(), paid);
        put(l.tokens_device(), month.device_tokens);
        put(l.revenue_total(), rev_total);
        put(l.revenue_hosts(), month.host_revenue);
    }

    /// The path's result: its series, and the scalars computed from them (DESIGN.md §3.8).
    pub(super) fn finish(self) -> PathResult {
        let sc = self.sc;
        let months = self.months as usize;
        let books = self.books;
        let cref = |m: usize| books.out[books.layout.cost_per_task_ref() * months + m - 1];
        let first = cref(1);
        let m_c = ((sc.collapse_date - sc.start) + 1) as usize;
        let collapse_factor = first / cref(m_c.min(months));
        let month_100x = (1..=months)
            .find(|&m| cref(m) <= first / 100.0)
            .map(|m| m as u32);
        let mut result = PathResult {
            months,
            values: books.out,
            scalars: Scalars {
                collapse_factor,
                month_100x,
                month_zero_marginal: books.zero_marginal,
                volume_growth: f64::NAN,
                price_decline: f64::NAN,
                revenue_stall: false,
            },
            events: self.events,
            cohort_reviews: self.cohort_reviews,
            timeline: self.timeline.unwrap_or_default(),
            vendor_cost: books.vendor_cost,
            tokens_per_adopter: books.per_adopter,
        };
        // The first and last full calendar years.
        let y0 = sc.start.year() + i32::from(sc.start.month() != 1);
        let y1 = sc.horizon.year() - i32::from(sc.horizon.month() != 12);
        if y1 > y0 {
            let (fy, fm) = (sc.start.year(), sc.start.month());
            let l = &books.layout;
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
