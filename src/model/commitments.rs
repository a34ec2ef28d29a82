//! Commitments (DESIGN.md §3.7): a vendor whose revenue stops growing while its tokens grow
//! switches, once, from per-token pricing to committed spend; committed enterprise cohorts pay
//! the larger of their commitment and their usage.

use super::demand::shuffle;
use super::{Event, Path, TimelineEvent};
use crate::sample::{Draws, stream};
use crate::scenario::{ParamId, Scenario};

/// A vendor's commitments block on one path, and its state once switched.
#[derive(Clone)]
pub(super) struct Commit {
    trigger: f64,
    share: f64,
    ramp: f64,
    discount: f64,
    term: u32,
    pub(super) switched: Option<f64>,
    order: Vec<u32>,
    /// Month of signing (0: not signed), commitment, per enterprise cohort.
    pub(super) signed: Vec<u32>,
    pub(super) commit: Vec<f64>,
}

impl Commit {
    /// Each vendor's commitments block (`None` for a vendor without one), from the draws.
    pub(super) fn all(sc: &Scenario, draws: &Draws) -> Vec<Option<Commit>> {
        let d = |id: ParamId| draws.get(id);
        sc.vendors
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
            .collect()
    }
}

impl Path<'_> {
    /// The quarterly check of vendor `v` (after that instant's month end): it switches when
    /// its revenue over the last 12 booked months grew less than `trigger_growth` and less than
    /// its tokens did; until it switches, it checks again in 3 months.
    pub(super) fn commitment_check(&mut self, t: f64, v: usize) {
        let booked = self.books.rev_hist[v].len();
        let Some((trigger, switched)) = self.commits[v]
            .as_ref()
            .map(|c| (c.trigger, c.switched.is_some()))
        else {
            return;
        };
        if !switched && booked >= 24 {
            let sum = |h: &[f64], from: usize, to: usize| h[from..to].iter().sum::<f64>();
            let (r, k) = (&self.books.rev_hist[v], &self.books.tok_hist[v]);
            let g_rev = sum(r, booked - 12, booked) / sum(r, booked - 24, booked - 12) - 1.0;
            let g_tok = sum(k, booked - 12, booked) / sum(k, booked - 24, booked - 12) - 1.0;
            if g_rev < trigger && g_tok > g_rev {
                self.switch_to_commitments(t, v);
                self.log(
                    t,
                    TimelineEvent::CommitmentSwitch {
                        vendor: v,
                        revenue_growth: g_rev,
                        token_growth: g_tok,
                    },
                );
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

    /// Vendor `v` switches at `t`: enterprise cohorts will be offered commitments in a random
    /// order drawn now.
    fn switch_to_commitments(&mut self, t: f64, v: usize) {
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
    }

    /// Commitment revenue of vendor `v` in month `m` (§3.7): returns the top-ups above
    /// per-token revenue and the revenue from committed cohorts.
    pub(super) fn commitment_month(&mut self, m: u32, t: f64, v: usize) -> (f64, f64) {
        let seg = &self.segs[0];
        let o = self.market.idx.vendor(v);
        let unit = seg.demand() * seg.shares[o] * seg.tau[o] * self.market.opts[o].price / 1e6;
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
}
