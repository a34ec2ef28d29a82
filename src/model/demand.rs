//! Demand (DESIGN.md §3.5): cohorts of firms or developers, their reviews, adoption, the
//! ambient threshold and the exit.
//!
//! Cohort reviews are processed in the intervals between queued events: a Poisson count per
//! segment, each review picking a cohort uniformly (see [`Path::drain_reviews`]): exactly the
//! design's independent Poisson review process per cohort, without a queue entry each. Cohorts
//! of a segment represent equal numbers of firms (`population / cohorts`).

use super::Path;
use crate::sample::{Draws, stream};
use crate::scenario::dist::open_unit;
use crate::scenario::{Marginal, ParamId, Scenario, SegmentKind};
use chacha20::ChaCha8Rng;
use rand::Rng;

pub(super) const IDLE: u8 = 0;
pub(super) const ADOPTED: u8 = 1;
pub(super) const AMBIENT: u8 = 2;

/// A segment's generator, handing out 32-bit halves of its 64-bit draws one at a time.
/// Cloneable (ChaCha8Rng is not, by design) so that a [`super::Probe`] can be copied: the copy
/// continues the same stream from the same position.
pub(super) struct SegRng(ChaCha8Rng, Option<u32>);

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
pub(super) struct Seg {
    pub(super) alpha: f64,
    pub(super) beta: f64,
    pub(super) eps: f64,
    cap: f64,
    pub(super) tau0: f64,
    /// ln ρ: `ρ^q` is computed as `exp(q ln ρ)`.
    pub(super) ln_rho: f64,
    theta: f64,
    pub(super) ambient_m: f64,
    pub(super) eligible: f64,
    /// Bass rates per month.
    bass_p: f64,
    bass_q: f64,
    rate: f64,
    /// Firms per cohort.
    pub(super) n: f64,
    tasks: Vec<f64>,
    pub(super) value: Vec<f64>,
    pub(super) attention: Vec<f64>,
    pub(super) per_decision: Vec<f64>,
    pub(super) state: Vec<u8>,
    /// `D_i / K_i`, sorted: a cohort is past the ambient threshold when `c_fix` ≤ it.
    pub(super) thresholds: Vec<f64>,
    /// Σ T_i over Adopted and Ambient cohorts, and over Ambient ones.
    pub(super) sum_adopted: f64,
    pub(super) sum_ambient: f64,
    pub(super) count_adopted: usize,
    pub(super) count_ambient: usize,
    pub(super) demand_mult: f64,
    /// Each 64-bit review draw picks two cohorts.
    reviews: SegRng,
    /// Each 64-bit adoption draw serves two decisions.
    adopt: SegRng,
    /// Time up to which the segment's cohort reviews have been processed.
    pub(super) reviewed_to: f64,
    /// Adopted fraction at the last month end.
    f_last: f64,
    /// Probability that an idle cohort that pays adopts at a review, from `f_last`.
    p_adopt: f64,
    pub(super) c_task0: f64,
    // Snapshot.
    pub(super) shares: Vec<f64>,
    pub(super) tau: Vec<f64>,
    pub(super) c_task: f64,
    pub(super) c_fix: f64,
    pub(super) qbar: f64,
}

impl Seg {
    /// The segment `kind` of path `path`: its parameters from the draws, its cohorts drawn from
    /// the population distributions on the path's own streams, and its initial adopters.
    pub(super) fn new(
        sc: &Scenario,
        draws: &Draws,
        kind: SegmentKind,
        (seed, path): (u64, u64),
        n_opts: usize,
    ) -> Self {
        let d = |id: ParamId| draws.get(id);
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
    }

    /// Tasks per month of the whole segment at the current snapshot.
    pub(super) fn demand(&self) -> f64 {
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

    pub(super) fn set_state(&mut self, i: usize, to: u8) {
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
    pub(super) fn remember_adoption(&mut self) {
        self.f_last = self.adopted_fraction();
        self.p_adopt = 1.0 - (-(self.bass_p + self.bass_q * self.f_last) / self.rate).exp();
    }

    pub(super) fn adopted_fraction(&self) -> f64 {
        self.count_adopted as f64 / self.state.len() as f64
    }

    /// Tasks of cohort `i` per unit of `demand()`.
    pub(super) fn cohort_tasks(&self, i: usize) -> f64 {
        match self.state[i] {
            IDLE => 0.0,
            AMBIENT => self.n * self.tasks[i] * self.ambient_m,
            _ => self.n * self.tasks[i],
        }
    }

    /// Tasks per month of the segment's adopted cohorts at the current snapshot.
    pub(super) fn adopted_tasks(&self) -> f64 {
        self.demand()
            * self.n
            * (self.sum_adopted + (self.ambient_m - 1.0) * self.sum_ambient).max(0.0)
    }
}

impl Path<'_> {
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
    pub(super) fn drain_reviews(&mut self, t: f64) {
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
            // The work is known before it is done: a path over its budget stops here.
            let events = self.events.saturating_add(count);
            if events > self.budget {
                self.over_budget(events, t);
                return;
            }
            let mut left = count;
            while left > 0 {
                let n = left.min(super::REVIEWS_PER_CHECK);
                for _ in 0..n {
                    self.review(s);
                }
                left -= n;
                if left > 0 && self.stop_raised() {
                    self.halted = Some(super::Stopped::Cancelled);
                    return;
                }
            }
            self.events = events;
        }
    }

    /// Tokens per option and per segment at the current snapshot.
    pub(super) fn tokens(&self) -> (Vec<f64>, [f64; 2]) {
        let mut per_opt = vec![0.0; self.market.opts.len()];
        let mut per_seg = [0.0; 2];
        for (s, seg) in self.segs.iter().enumerate() {
            let tasks = seg.adopted_tasks();
            for (o, total) in per_opt.iter_mut().enumerate() {
                let tok = tasks * seg.shares[o] * seg.tau[o];
                *total += tok;
                per_seg[s] += tok;
            }
        }
        (per_opt, per_seg)
    }

    /// One cohort review of segment `s` (DESIGN.md §3.5): at most one transition, the exit
    /// first.
    pub(super) fn review(&mut self, s: usize) {
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
}

/// Fisher–Yates shuffle from the given generator.
pub(super) fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}
