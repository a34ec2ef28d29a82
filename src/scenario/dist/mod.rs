//! Probability distributions for the numbers of a scenario.
//!
//! Every number in a scenario file may be a distribution (DESIGN.md §4). Each distribution
//! type offers its quantile function (inverse CDF), its CDF, its median and sampling from a
//! caller's generator. Sampling is by inversion, `quantile(u)` of one uniform `u` in (0, 1):
//! one uniform per draw keeps common random numbers simple (the same `u` gives the same
//! rank in any distribution) and is what Latin hypercube sampling and the Gaussian copula need.
//!
//! Special functions (the normal and regularised incomplete beta functions and their
//! inverses) come from `statrs`.
//!
//! The families live in `continuous.rs` (normal, lognormal, uniform, triangular, beta, PERT)
//! and `discrete.rs`; this module holds what they share and [`Dist`], the truncated
//! distribution every scenario number is.

mod continuous;
mod discrete;
#[cfg(test)]
mod tests;

pub use continuous::{Beta, LogNormal, Normal, Pert, Triangular, Uniform, std_normal_quantile};
pub use discrete::Discrete;

use rand::Rng;
use std::fmt;

/// The 90th percentile of the standard normal distribution, Φ⁻¹(0.9).
const Z90: f64 = 1.281_551_565_544_600_4;

/// Why a distribution's parameters were refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistError(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, DistError> {
    Err(DistError(msg.into()))
}

fn finite(name: &str, x: f64) -> Result<f64, DistError> {
    if x.is_finite() {
        Ok(x)
    } else {
        refuse(format!("`{name}` must be a finite number, found {x}"))
    }
}

/// The smallest value [`open_unit`] returns (and 1 minus it the largest).
pub const OPEN_UNIT_MIN: f64 = 0.5 / (1u64 << 52) as f64;

/// A uniform draw in the open interval (0, 1): never exactly 0 or 1, so every quantile
/// function returns a finite value.
pub fn open_unit<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 52 random bits: (k + 0.5) / 2^52 is exact for every k, so the result is never 0 or 1
    // (with 53 bits the largest value would round up to exactly 1).
    ((rng.next_u64() >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

/// The operations every distribution offers.
pub trait Marginal {
    /// Inverse CDF: the smallest `x` with `P(X ≤ x) ≥ u`, for `u` in (0, 1).
    fn quantile(&self, u: f64) -> f64;
    /// `P(X ≤ x)`.
    fn cdf(&self, x: f64) -> f64;
    /// Smallest and largest value the distribution can take (possibly infinite).
    fn support(&self) -> (f64, f64);
    /// The median, `quantile(0.5)`. For a bernoulli this is its more likely outcome
    /// (0 at p = 0.5).
    fn median(&self) -> f64 {
        self.quantile(0.5)
    }
    /// One draw by inversion from the caller's generator.
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64
    where
        Self: Sized,
    {
        self.quantile(open_unit(rng))
    }
}

/// The family and parameters of a distribution, as the scenario states them.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A known number.
    Fixed(f64),
    /// `{ dist = "normal", mean, sd }`
    Normal(Normal),
    /// `{ dist = "lognormal", median, p90 }` or `{ mu, sigma }`
    LogNormal(LogNormal),
    /// `{ dist = "uniform", low, high }`
    Uniform(Uniform),
    /// `{ dist = "triangular", low, mode, high }`
    Triangular(Triangular),
    /// `{ dist = "pert", low, mode, high }`
    Pert(Pert),
    /// `{ dist = "beta", alpha, beta }`
    Beta(Beta),
    /// `{ dist = "bernoulli", p }`: 1 with probability `p`, else 0.
    Bernoulli(f64),
    /// `{ dist = "discrete", values, weights }`
    Discrete(Discrete),
}

impl Shape {
    /// A bernoulli outcome: 1 with probability `p`, else 0. Needs `p` in [0, 1].
    pub fn bernoulli(p: f64) -> Result<Self, DistError> {
        if !(0.0..=1.0).contains(&finite("p", p)?) {
            return refuse(format!("`p` must be in [0, 1], found {p}"));
        }
        Ok(Shape::Bernoulli(p))
    }

    /// The finite-valued shapes as one discrete distribution.
    fn as_discrete(&self) -> Option<Discrete> {
        let d = match self {
            Shape::Fixed(v) => Discrete::new(&[*v], &[1.0]),
            Shape::Bernoulli(p) => Discrete::new(&[0.0, 1.0], &[1.0 - p, *p]),
            Shape::Discrete(d) => Ok(d.clone()),
            _ => return None,
        };
        d.ok()
    }

    /// Calls `f` with the continuous family behind this shape.
    fn with_continuous<T>(&self, f: impl FnOnce(&dyn ContinuousFamily) -> T) -> T {
        match self {
            Shape::Normal(d) => f(d),
            Shape::LogNormal(d) => f(d),
            Shape::Uniform(d) => f(d),
            Shape::Triangular(d) => f(d),
            Shape::Pert(d) => f(d),
            Shape::Beta(d) => f(d),
            Shape::Fixed(_) | Shape::Bernoulli(_) | Shape::Discrete(_) => {
                unreachable!("finite shapes are evaluated as Discrete")
            }
        }
    }
}

/// The object-safe part of [`Marginal`], for the continuous families.
trait ContinuousFamily {
    fn q(&self, u: f64) -> f64;
    fn f(&self, x: f64) -> f64;
    fn s(&self) -> (f64, f64);
}

impl<T: Marginal> ContinuousFamily for T {
    fn q(&self, u: f64) -> f64 {
        self.quantile(u)
    }
    fn f(&self, x: f64) -> f64 {
        self.cdf(x)
    }
    fn s(&self) -> (f64, f64) {
        self.support()
    }
}

/// The form the distribution is evaluated in: finite shapes become one discrete table,
/// continuous shapes keep their CDF window `[F(min), F(max)]` for truncation.
#[derive(Debug, Clone, PartialEq)]
enum Eval {
    Finite(Discrete),
    Continuous {
        lo: f64,
        hi: f64,
        f_lo: f64,
        f_hi: f64,
    },
}

/// A distribution with optional truncation to `[min, max]`: what every scenario number is.
#[derive(Debug, Clone, PartialEq)]
pub struct Dist {
    shape: Shape,
    min: Option<f64>,
    max: Option<f64>,
    eval: Eval,
}

/// Smallest probability mass a truncation may leave.
const MIN_MASS: f64 = 1e-9;

impl Dist {
    /// A known number.
    pub fn fixed(value: f64) -> Self {
        Self::new(Shape::Fixed(value), None, None).expect("a fixed number is always valid")
    }

    /// A shape truncated to `[min, max]` (either bound optional). Truncation must leave
    /// positive probability mass (at least 1e-9) and `min` must not exceed `max`.
    pub fn new(shape: Shape, min: Option<f64>, max: Option<f64>) -> Result<Self, DistError> {
        if let Shape::Fixed(v) = shape {
            finite("value", v)?;
        }
        if let Some(m) = min {
            finite("min", m)?;
        }
        if let Some(m) = max {
            finite("max", m)?;
        }
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            return refuse(format!("`min` ({a}) must not exceed `max` ({b})"));
        }
        let lo = min.unwrap_or(f64::NEG_INFINITY);
        let hi = max.unwrap_or(f64::INFINITY);
        let eval = match shape.as_discrete() {
            Some(d) => {
                let probs = d.probabilities();
                let (values, weights): (Vec<f64>, Vec<f64>) = d
                    .values()
                    .iter()
                    .zip(probs)
                    .filter(|(v, _)| (lo..=hi).contains(*v))
                    .map(|(v, p)| (*v, p))
                    .unzip();
                if values.is_empty() || weights.iter().sum::<f64>() < MIN_MASS {
                    return refuse(format!(
                        "truncation to [{lo}, {hi}] leaves no value of the distribution"
                    ));
                }
                Eval::Finite(Discrete::new(&values, &weights)?)
            }
            None => {
                let (s_lo, s_hi) = shape.with_continuous(|m| m.s());
                let (lo, hi) = (lo.max(s_lo), hi.min(s_hi));
                let f_lo = if min.is_some() {
                    shape.with_continuous(|m| m.f(lo))
                } else {
                    0.0
                };
                let f_hi = if max.is_some() {
                    shape.with_continuous(|m| m.f(hi))
                } else {
                    1.0
                };
                if f_hi - f_lo < MIN_MASS || f_hi.is_nan() || f_lo.is_nan() || lo > hi {
                    return refuse(format!(
                        "truncation to [{}, {}] leaves (almost) no probability mass",
                        min.map_or("-inf".into(), |v| v.to_string()),
                        max.map_or("inf".into(), |v| v.to_string())
                    ));
                }
                Eval::Continuous { lo, hi, f_lo, f_hi }
            }
        };
        let dist = Self {
            shape,
            min,
            max,
            eval,
        };
        // The most extreme uniforms a draw can produce must give finite values.
        for u in [OPEN_UNIT_MIN, 1.0 - OPEN_UNIT_MIN] {
            let x = dist.quantile(u);
            if !x.is_finite() {
                return refuse(format!(
                    "the distribution is too wide: its quantile at {u:e} is {x}, beyond floating point"
                ));
            }
        }
        Ok(dist)
    }

    /// The family and parameters before truncation.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// True when the distribution is cut to `[min, max]` (its median and percentiles are the
    /// truncated distribution's).
    pub fn is_truncated(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    /// True when the number is known (a single value with probability one).
    pub fn is_fixed(&self) -> bool {
        matches!(&self.eval, Eval::Finite(d) if d.values().len() == 1)
    }

    /// True when the distribution takes finitely many values.
    pub fn is_discrete(&self) -> bool {
        matches!(self.eval, Eval::Finite(_))
    }

    /// The probability of each value, for a discrete distribution.
    pub fn atoms(&self) -> Option<(Vec<f64>, Vec<f64>)> {
        match &self.eval {
            Eval::Finite(d) => Some((d.values().to_vec(), d.probabilities())),
            Eval::Continuous { .. } => None,
        }
    }

    /// Human-readable description, e.g. `lognormal(median 3, p90 10) in [1, 20]`.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl Marginal for Dist {
    fn quantile(&self, u: f64) -> f64 {
        match &self.eval {
            Eval::Finite(d) => d.quantile(u),
            Eval::Continuous { lo, hi, f_lo, f_hi } => {
                // Keep the probability within [OPEN_UNIT_MIN, 1 - OPEN_UNIT_MIN], the range of
                // `open_unit`, whatever the caller's uniform (a copula or a Latin hypercube
                // stratum can go beyond it): the extreme draws are then exactly
                // `quantile(0.0)` and `quantile(1.0)`, which the scenario's limits check.
                let p = (f_lo + u * (f_hi - f_lo)).clamp(OPEN_UNIT_MIN, 1.0 - OPEN_UNIT_MIN);
                let x = self.shape.with_continuous(|m| m.q(p));
                if x.is_nan() {
                    0.5 * (lo + hi)
                } else {
                    x.clamp(*lo, *hi)
                }
            }
        }
    }

    fn cdf(&self, x: f64) -> f64 {
        match &self.eval {
            Eval::Finite(d) => d.cdf(x),
            Eval::Continuous { lo, hi, f_lo, f_hi } => {
                if x < *lo {
                    0.0
                } else if x >= *hi {
                    1.0
                } else {
                    ((self.shape.with_continuous(|m| m.f(x)) - f_lo) / (f_hi - f_lo))
                        .clamp(0.0, 1.0)
                }
            }
        }
    }

    fn support(&self) -> (f64, f64) {
        match &self.eval {
            Eval::Finite(d) => d.support(),
            Eval::Continuous { lo, hi, .. } => (*lo, *hi),
        }
    }
}

fn num(x: f64) -> String {
    // Shortest round-trip form, without a trailing ".0" for whole numbers.
    let s = format!("{x}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.shape {
            Shape::Fixed(v) => write!(f, "{}", num(*v))?,
            Shape::Normal(d) => write!(f, "normal(mean {}, sd {})", num(d.mean), num(d.sd))?,
            Shape::LogNormal(d) => write!(
                f,
                "lognormal(median {}, p90 {})",
                num(sig(d.mu.exp())),
                num(sig((d.mu + Z90 * d.sigma).exp()))
            )?,
            Shape::Uniform(d) => write!(f, "uniform({}, {})", num(d.low), num(d.high))?,
            Shape::Triangular(d) => write!(
                f,
                "triangular({}, {}, {})",
                num(d.low),
                num(d.mode),
                num(d.high)
            )?,
            Shape::Pert(d) => write!(f, "pert({}, {}, {})", num(d.low), num(d.mode), num(d.high))?,
            Shape::Beta(d) => write!(f, "beta({}, {})", num(d.alpha), num(d.beta))?,
            Shape::Bernoulli(p) => write!(f, "bernoulli(p {})", num(*p))?,
            Shape::Discrete(d) => {
                let parts: Vec<String> = d
                    .values()
                    .iter()
                    .zip(d.probabilities())
                    .map(|(v, p)| format!("{}: {}", num(*v), num(sig(p))))
                    .collect();
                write!(f, "discrete({})", parts.join(", "))?
            }
        }
        match (self.min, self.max) {
            (None, None) => Ok(()),
            (Some(a), None) => write!(f, " ≥ {}", num(a)),
            (None, Some(b)) => write!(f, " ≤ {}", num(b)),
            (Some(a), Some(b)) => write!(f, " in [{}, {}]", num(a), num(b)),
        }
    }
}

/// `x` rounded to 4 significant digits, for display.
fn sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 4 - x.abs().log10().ceil() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}
