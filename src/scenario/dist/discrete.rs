//! Distributions on finitely many values.

use super::{DistError, Marginal, finite, refuse};

/// A distribution on finitely many values (bernoulli and fixed are special cases).
/// Values are kept sorted; `cum[i]` is `P(X ≤ values[i])`.
#[derive(Debug, Clone, PartialEq)]
pub struct Discrete {
    values: Vec<f64>,
    cum: Vec<f64>,
}

impl Discrete {
    /// Needs as many weights as values, every weight non-negative and not all zero.
    pub fn new(values: &[f64], weights: &[f64]) -> Result<Self, DistError> {
        if values.is_empty() {
            return refuse("`values` must not be empty");
        }
        if values.len() != weights.len() {
            return refuse(format!(
                "`values` has {} entries but `weights` has {}",
                values.len(),
                weights.len()
            ));
        }
        for &v in values {
            finite("values", v)?;
        }
        for &w in weights {
            if finite("weights", w)? < 0.0 {
                return refuse(format!("`weights` must be non-negative, found {w}"));
            }
        }
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return refuse("`weights` must not all be zero");
        }
        if !total.is_finite() {
            return refuse(
                "the sum of `weights` is beyond floating point; scale them down (only their ratios count)",
            );
        }
        if total < f64::MIN_POSITIVE {
            return refuse(
                "the sum of `weights` is too small for floating point to divide by; scale them up (only their ratios count)",
            );
        }
        let mut pairs: Vec<(f64, f64)> = values
            .iter()
            .zip(weights)
            .filter(|(_, w)| **w > 0.0)
            .map(|(v, w)| (*v, *w / total))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut merged: Vec<(f64, f64)> = Vec::with_capacity(pairs.len());
        for (v, w) in pairs {
            match merged.last_mut() {
                Some(last) if last.0 == v => last.1 += w,
                _ => merged.push((v, w)),
            }
        }
        let mut acc = 0.0;
        let (values, mut cum): (Vec<f64>, Vec<f64>) = merged
            .into_iter()
            .map(|(v, w)| {
                acc += w;
                (v, acc)
            })
            .unzip();
        if let Some(last) = cum.last_mut() {
            *last = 1.0;
        }
        Ok(Self { values, cum })
    }

    /// The distinct values with positive probability, ascending.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Probability of each value of [`Discrete::values`].
    pub fn probabilities(&self) -> Vec<f64> {
        let mut prev = 0.0;
        self.cum
            .iter()
            .map(|c| {
                let p = c - prev;
                prev = *c;
                p
            })
            .collect()
    }
}

impl Marginal for Discrete {
    fn quantile(&self, u: f64) -> f64 {
        let i = self.cum.partition_point(|c| *c < u);
        self.values[i.min(self.values.len() - 1)]
    }
    fn cdf(&self, x: f64) -> f64 {
        let i = self.values.partition_point(|v| *v <= x);
        if i == 0 { 0.0 } else { self.cum[i - 1] }
    }
    fn support(&self) -> (f64, f64) {
        (self.values[0], self.values[self.values.len() - 1])
    }
}
