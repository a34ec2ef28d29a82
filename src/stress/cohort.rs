//! A plan's simulated subscribers on one path, drawn before any terms are applied: their
//! usage levels and base churn (from the plan's stream, in the order earlier versions drew
//! them), and the addressed coins of their responses to prices. Every candidate set of terms
//! the optimiser tries sees the same subscribers, churn and coins (common random numbers).

use super::SUBSCRIBERS;
use crate::scenario::dist::open_unit;
use crate::scenario::{Dist, Marginal};
use crate::stats::{fnv1a64, hashed_uniform};
use chacha20::ChaCha8Rng;

/// Usage levels and base churn of a plan's [`SUBSCRIBERS`] simulated subscribers.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Each subscriber's level at start (million tokens a month before growth).
    pub levels: Vec<f64>,
    /// Replacements by base churn: `(subscriber, new level)`, month by month.
    events: Vec<(u32, f64)>,
    /// Where each month's replacements start in `events` (one more entry than months).
    starts: Vec<usize>,
}

impl Timeline {
    /// Draws the subscribers of one path: subscriber i's level from the i-th of n
    /// equal-probability slices of `usage` (stratified), then, from the second month, each
    /// subscriber replaced with probability `churn` by a fresh draw from its slice (by
    /// geometric skipping: the gap to the next churned subscriber is geometric, so only the
    /// churned are visited).
    pub fn draw(usage: &Dist, churn: f64, months: usize, rng: &mut ChaCha8Rng) -> Self {
        let n = SUBSCRIBERS;
        let levels: Vec<f64> = (0..n).map(|i| slice(usage, i, open_unit(rng))).collect();
        let mut events = Vec::new();
        let mut starts = vec![0, 0];
        let ln_keep = (1.0 - churn).ln();
        for _ in 1..months {
            if churn > 0.0 {
                let mut i = 0usize;
                loop {
                    let skip = if churn >= 1.0 {
                        0.0
                    } else {
                        (open_unit(rng).ln() / ln_keep).floor()
                    };
                    if skip >= (n - i) as f64 {
                        break;
                    }
                    i += skip as usize;
                    events.push((i as u32, slice(usage, i, open_unit(rng))));
                    i += 1;
                    if i >= n {
                        break;
                    }
                }
            }
            starts.push(events.len());
        }
        starts.truncate(months.max(1) + 1);
        Self {
            levels,
            events,
            starts,
        }
    }

    /// The replacements of month `m` (0-based).
    pub fn churn(&self, m: usize) -> &[(u32, f64)] {
        match (self.starts.get(m), self.starts.get(m + 1)) {
            (Some(a), Some(b)) => &self.events[*a..*b],
            _ => &[],
        }
    }
}

/// The level of `usage` at position `u` of slice `i` of [`SUBSCRIBERS`].
pub fn slice(usage: &Dist, i: usize, u: f64) -> f64 {
    usage.quantile((i as f64 + u) / SUBSCRIBERS as f64)
}

/// What a coin decides.
#[derive(Debug, Clone, Copy)]
pub enum Coin {
    /// A subscriber over the switching threshold leaves.
    Leave = 1,
    /// A place left for price is offered to a newcomer.
    Arrive = 2,
    /// Where in its slice the newcomer's level lies.
    Level = 3,
    /// A subscriber over its plan's limit moves to the next tier.
    Upgrade = 4,
}

/// The coins of a plan's subscribers on one path: a uniform for each (purpose, subscriber,
/// month), addressed rather than drawn in sequence, so that every set of terms sees the
/// same coin for the same decision whatever else it decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coins {
    key: u64,
}

impl Coins {
    pub fn new(seed: u64, plan: &str, path: u64) -> Self {
        let name = fnv1a64(format!("responses:{plan}").as_bytes());
        Self {
            key: crate::stats::splitmix64(name ^ seed.rotate_left(17))
                ^ path.wrapping_mul(0x2545_f491_4f6c_dd1d),
        }
    }

    /// The uniform in (0, 1) of `coin` for subscriber `i` in month `m`.
    pub fn toss(&self, coin: Coin, i: usize, m: usize) -> f64 {
        hashed_uniform(self.key, coin as u64, i as u64, m as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::stream;

    #[test]
    fn churn_replaces_each_subscriber_at_its_rate() {
        let usage = Dist::fixed(1.0);
        let months = 60;
        let t = Timeline::draw(&usage, 0.05, months, &mut stream(1, "t", 0));
        assert!(t.churn(0).is_empty());
        let per_month: f64 = (1..months).map(|m| t.churn(m).len() as f64).sum::<f64>()
            / (months - 1) as f64
            / SUBSCRIBERS as f64;
        assert!((per_month - 0.05).abs() < 0.003, "{per_month}");
        assert!(t.churn(months).is_empty());
        let none = Timeline::draw(&usage, 0.0, months, &mut stream(1, "t", 0));
        assert!((0..months).all(|m| none.churn(m).is_empty()));
    }
}
