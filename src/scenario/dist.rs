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

use rand::Rng;
use statrs::distribution::{Beta as StatBeta, ContinuousCDF, Normal as StatNormal};
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

/// The standard normal quantile `Φ⁻¹(p)`: Wichura's algorithm AS 241 (PPND16, Applied
/// Statistics 37(3), 1988), relative error about 1e-16, and 1.4x faster than statrs'
/// `erfc_inv` route (`cargo bench --bench scenario`): every path draws its 2,800 cohort
/// attributes by inversion.
/// `p` outside (0, 1) gives ∓∞ at the ends and NaN beyond them.
#[allow(
    clippy::excessive_precision,
    reason = "the coefficients as AS 241 publishes them, so they can be checked against it"
)]
pub fn std_normal_quantile(p: f64) -> f64 {
    /// Evaluates a polynomial with coefficients from the constant term up (Horner).
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &k| acc * x + k)
    }
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    if tail == 0.0 {
        return if q < 0.0 {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let r = (-tail.ln()).sqrt();
    let z = if r <= 5.0 {
        let r = r - 1.6;
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -z } else { z }
}

/// Normal distribution with mean and standard deviation.
#[derive(Debug, Clone, PartialEq)]
pub struct Normal {
    mean: f64,
    sd: f64,
    inner: StatNormal,
}

impl Normal {
    /// A normal distribution; `sd` must be positive.
    pub fn new(mean: f64, sd: f64) -> Result<Self, DistError> {
        finite("mean", mean)?;
        if finite("sd", sd)? <= 0.0 {
            return refuse(format!("`sd` must be > 0, found {sd}"));
        }
        let inner = StatNormal::new(mean, sd).map_err(|e| DistError(e.to_string()))?;
        Ok(Self { mean, sd, inner })
    }
}

impl Marginal for Normal {
    fn quantile(&self, u: f64) -> f64 {
        self.mean + self.sd * std_normal_quantile(u)
    }
    fn cdf(&self, x: f64) -> f64 {
        self.inner.cdf(x)
    }
    fn support(&self) -> (f64, f64) {
        (f64::NEG_INFINITY, f64::INFINITY)
    }
}

/// Lognormal distribution: `ln X ~ Normal(mu, sigma)`.
#[derive(Debug, Clone, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
    inner: StatNormal,
}

impl LogNormal {
    /// From the parameters of `ln X`; `sigma` must be positive.
    pub fn new(mu: f64, sigma: f64) -> Result<Self, DistError> {
        finite("mu", mu)?;
        if finite("sigma", sigma)? <= 0.0 {
            return refuse(format!("`sigma` must be > 0, found {sigma}"));
        }
        let inner = StatNormal::new(mu, sigma).map_err(|e| DistError(e.to_string()))?;
        Ok(Self { mu, sigma, inner })
    }

    /// From the median and the 90th percentile; needs `0 < median < p90`.
    pub fn from_median_p90(median: f64, p90: f64) -> Result<Self, DistError> {
        if finite("median", median)? <= 0.0 {
            return refuse(format!("`median` must be > 0, found {median}"));
        }
        if finite("p90", p90)? <= median {
            return refuse(format!(
                "`p90` must be greater than `median` ({median}), found {p90}"
            ));
        }
        Self::new(median.ln(), (p90.ln() - median.ln()) / Z90)
    }
}

impl Marginal for LogNormal {
    fn quantile(&self, u: f64) -> f64 {
        (self.mu + self.sigma * std_normal_quantile(u)).exp()
    }
    fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            self.inner.cdf(x.ln())
        }
    }
    fn support(&self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }
}

/// Continuous uniform distribution on `[low, high]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Uniform {
    low: f64,
    high: f64,
}

impl Uniform {
    /// Needs `low < high`.
    pub fn new(low: f64, high: f64) -> Result<Self, DistError> {
        if finite("low", low)? >= finite("high", high)? {
            return refuse(format!("`low` ({low}) must be less than `high` ({high})"));
        }
        finite_width(low, high, 1)?;
        Ok(Self { low, high })
    }
}

impl Marginal for Uniform {
    fn quantile(&self, u: f64) -> f64 {
        self.low + u * (self.high - self.low)
    }
    fn cdf(&self, x: f64) -> f64 {
        ((x - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
    }
    fn support(&self) -> (f64, f64) {
        (self.low, self.high)
    }
}

/// Refuses `[low, high]` whose width `high - low` (or, for `power` 2, its square, which the
/// triangular distribution computes) overflows floating point: every draw would be infinite
/// or clamped to an end.
fn finite_width(low: f64, high: f64, power: i32) -> Result<(), DistError> {
    let width = high - low;
    if width.powi(power).is_finite() {
        return Ok(());
    }
    let what = if power == 1 {
        "its width `high - low`".to_owned()
    } else {
        format!("its width `high - low` to the power {power}")
    };
    refuse(format!(
        "{what} ({low} to {high}) is beyond floating point; use a narrower range"
    ))
}

fn check_low_mode_high(low: f64, mode: f64, high: f64) -> Result<(), DistError> {
    finite("low", low)?;
    finite("mode", mode)?;
    finite("high", high)?;
    if low >= high {
        return refuse(format!("`low` ({low}) must be less than `high` ({high})"));
    }
    if !(low <= mode && mode <= high) {
        return refuse(format!(
            "`mode` ({mode}) must lie between `low` ({low}) and `high` ({high})"
        ));
    }
    Ok(())
}

/// Triangular distribution on `[low, high]` with its peak at `mode`.
#[derive(Debug, Clone, PartialEq)]
pub struct Triangular {
    low: f64,
    mode: f64,
    high: f64,
}

impl Triangular {
    /// Needs `low ≤ mode ≤ high` and `low < high` (a mode at either end is a right triangle).
    pub fn new(low: f64, mode: f64, high: f64) -> Result<Self, DistError> {
        check_low_mode_high(low, mode, high)?;
        finite_width(low, high, 2)?;
        Ok(Self { low, mode, high })
    }
}

impl Marginal for Triangular {
    fn quantile(&self, u: f64) -> f64 {
        let (a, c, b) = (self.low, self.mode, self.high);
        let fc = (c - a) / (b - a);
        if u < fc {
            a + (u * (b - a) * (c - a)).sqrt()
        } else {
            b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
        }
    }
    fn cdf(&self, x: f64) -> f64 {
        let (a, c, b) = (self.low, self.mode, self.high);
        if x <= a {
            0.0
        } else if x >= b {
            1.0
        } else if x <= c {
            (x - a) * (x - a) / ((b - a) * (c - a))
        } else {
            1.0 - (b - x) * (b - x) / ((b - a) * (b - c))
        }
    }
    fn support(&self) -> (f64, f64) {
        (self.low, self.high)
    }
}

/// Beta distribution on `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Beta {
    alpha: f64,
    beta: f64,
    inner: StatBeta,
}

impl Beta {
    /// Needs `alpha` and `beta` in [0.01, 1e6]: outside that range the incomplete beta
    /// function is not computed reliably (and a shape below 0.01 puts almost all mass on
    /// one end, better written as a bernoulli).
    pub fn new(alpha: f64, beta: f64) -> Result<Self, DistError> {
        for (name, x) in [("alpha", alpha), ("beta", beta)] {
            if finite(name, x)? <= 0.0 {
                return refuse(format!("`{name}` must be > 0, found {x}"));
            }
            if !(BETA_SHAPES.0..=BETA_SHAPES.1).contains(&x) {
                return refuse(format!(
                    "`{name}` must be between {} and {:e}, found {x}",
                    BETA_SHAPES.0, BETA_SHAPES.1
                ));
            }
        }
        let inner = StatBeta::new(alpha, beta).map_err(|e| DistError(e.to_string()))?;
        Ok(Self { alpha, beta, inner })
    }
}

/// The range of beta shape parameters accepted (see [`Beta::new`]).
const BETA_SHAPES: (f64, f64) = (0.01, 1e6);

impl Marginal for Beta {
    /// statrs' inverse, checked against the CDF and refined by bisection where it misses
    /// (it can for small shapes).
    fn quantile(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        let x0 = self.inner.inverse_cdf(u);
        let x0 = if x0.is_finite() {
            x0.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let f0 = self.cdf(x0);
        let tolerance = 1e-10 * u.min(1.0 - u).max(1e-300);
        if (f0 - u).abs() <= tolerance {
            return x0;
        }
        let (mut lo, mut hi) = if f0 < u { (x0, 1.0) } else { (0.0, x0) };
        for _ in 0..200 {
            // Bisect in the log domain near 0, where quantiles of small shapes live.
            let mid = if lo > 0.0 && hi / lo > 4.0 {
                lo * (hi / lo).sqrt()
            } else if lo == 0.0 && hi > 1e-300 {
                hi * 1e-3
            } else {
                0.5 * (lo + hi)
            };
            if mid <= lo || mid >= hi {
                break;
            }
            let f = self.cdf(mid);
            if (f - u).abs() <= tolerance {
                return mid;
            }
            if f < u { lo = mid } else { hi = mid }
        }
        0.5 * (lo + hi)
    }
    fn cdf(&self, x: f64) -> f64 {
        self.inner.cdf(x.clamp(0.0, 1.0))
    }
    fn support(&self) -> (f64, f64) {
        (0.0, 1.0)
    }
}

/// PERT distribution: a beta on `[low, high]` with shape `1 + 4·(mode - low)/(high - low)`
/// and `1 + 4·(high - mode)/(high - low)`, so its mean is `(low + 4·mode + high) / 6`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pert {
    low: f64,
    mode: f64,
    high: f64,
    shape: Beta,
}

impl Pert {
    /// Needs `low ≤ mode ≤ high` and `low < high`.
    pub fn new(low: f64, mode: f64, high: f64) -> Result<Self, DistError> {
        check_low_mode_high(low, mode, high)?;
        finite_width(low, high, 1)?;
        let range = high - low;
        let shape = Beta::new(
            1.0 + 4.0 * (mode - low) / range,
            1.0 + 4.0 * (high - mode) / range,
        )?;
        Ok(Self {
            low,
            mode,
            high,
            shape,
        })
    }
}

impl Marginal for Pert {
    fn quantile(&self, u: f64) -> f64 {
        self.low + (self.high - self.low) * self.shape.quantile(u)
    }
    fn cdf(&self, x: f64) -> f64 {
        self.shape.cdf((x - self.low) / (self.high - self.low))
    }
    fn support(&self) -> (f64, f64) {
        (self.low, self.high)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha8Rng;
    use rand::SeedableRng;

    #[test]
    fn normal_quantile_agrees_with_statrs_from_the_centre_to_the_far_tails() {
        let reference = StatNormal::new(0.0, 1.0).unwrap();
        // The centre on a fine grid, then tails down to 1e-300 on a log grid: every branch.
        let centre = (1..1000).map(|k| f64::from(k) / 1000.0);
        let tails = (1..=300).flat_map(|k| {
            let p = 10f64.powf(-f64::from(k));
            [p, 3.0 * p, 1.0 - p.max(1e-16)]
        });
        for p in centre.chain(tails) {
            let (z, want) = (std_normal_quantile(p), reference.inverse_cdf(p));
            assert!(
                (z - want).abs() <= 1e-14 * want.abs().max(1.0),
                "p {p:e}: {z} against {want}"
            );
        }
        assert_eq!(std_normal_quantile(0.5), 0.0);
        assert_eq!(std_normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(std_normal_quantile(1.0), f64::INFINITY);
        assert!(std_normal_quantile(1.5).is_nan() && std_normal_quantile(f64::NAN).is_nan());
    }

    fn all_shapes() -> Vec<(&'static str, Dist)> {
        let d = |s: Result<Shape, DistError>| Dist::new(s.unwrap(), None, None).unwrap();
        vec![
            ("normal", d(Normal::new(1.0, 2.0).map(Shape::Normal))),
            (
                "lognormal",
                d(LogNormal::from_median_p90(3.0, 10.0).map(Shape::LogNormal)),
            ),
            ("uniform", d(Uniform::new(-1.0, 4.0).map(Shape::Uniform))),
            (
                "triangular",
                d(Triangular::new(0.0, 1.0, 5.0).map(Shape::Triangular)),
            ),
            ("pert", d(Pert::new(2.0, 3.0, 10.0).map(Shape::Pert))),
            ("beta", d(Beta::new(2.0, 5.0).map(Shape::Beta))),
            (
                "truncated normal",
                Dist::new(
                    Shape::Normal(Normal::new(0.0, 1.0).unwrap()),
                    Some(0.5),
                    Some(3.0),
                )
                .unwrap(),
            ),
            (
                "truncated lognormal",
                Dist::new(
                    Shape::LogNormal(LogNormal::new(0.0, 1.0).unwrap()),
                    None,
                    Some(2.0),
                )
                .unwrap(),
            ),
        ]
    }

    /// Kolmogorov–Smirnov statistic of a sample against the distribution's CDF.
    fn ks_statistic(dist: &Dist, sample: &mut [f64]) -> f64 {
        sample.sort_by(f64::total_cmp);
        let n = sample.len() as f64;
        sample
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let f = dist.cdf(*x);
                (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn continuous_samples_pass_kolmogorov_smirnov() {
        // Critical value at the 0.1% level for n = 20,000: 1.95 / sqrt(n) ≈ 0.0138.
        let n = 20_000;
        for (name, dist) in all_shapes() {
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let mut xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
            let d = ks_statistic(&dist, &mut xs);
            assert!(d < 1.95 / (n as f64).sqrt(), "{name}: KS statistic {d}");
        }
    }

    #[test]
    fn quantile_inverts_cdf() {
        for (name, dist) in all_shapes() {
            for u in [0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999] {
                let x = dist.quantile(u);
                assert!(
                    (dist.cdf(x) - u).abs() < 1e-7,
                    "{name}: cdf(quantile({u})) = {}",
                    dist.cdf(x)
                );
            }
            let m = dist.median();
            assert!((dist.cdf(m) - 0.5).abs() < 1e-7, "{name}: median {m}");
        }
    }

    #[test]
    fn closed_form_medians_and_quantiles() {
        let ln = LogNormal::from_median_p90(3.0, 9.0).unwrap();
        assert!((ln.median() - 3.0).abs() < 1e-12);
        assert!((ln.quantile(0.9) - 9.0).abs() < 1e-9);
        let n = Normal::new(5.0, 2.0).unwrap();
        assert!((n.quantile(0.975) - (5.0 + 2.0 * 1.959_963_984_540_054)).abs() < 1e-9);
        let t = Triangular::new(0.0, 0.0, 1.0).unwrap();
        assert!((t.median() - (1.0 - 0.5f64.sqrt())).abs() < 1e-12);
        let p = Pert::new(0.0, 0.5, 1.0).unwrap(); // symmetric beta(3, 3)
        assert!((p.median() - 0.5).abs() < 1e-9);
        let u = Uniform::new(2.0, 4.0).unwrap();
        assert_eq!(u.quantile(0.25), 2.5);
    }

    #[test]
    fn discrete_and_bernoulli() {
        let d = Dist::new(
            Shape::Discrete(Discrete::new(&[6.0, 0.0, 3.0, 9.0], &[0.2, 0.35, 0.35, 0.1]).unwrap()),
            None,
            None,
        )
        .unwrap();
        assert_eq!(d.quantile(0.2), 0.0);
        assert_eq!(d.quantile(0.5), 3.0);
        assert_eq!(d.quantile(0.71), 6.0);
        assert_eq!(d.quantile(0.95), 9.0);
        assert_eq!(d.median(), 3.0);
        assert!((d.cdf(3.0) - 0.7).abs() < 1e-12);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 100_000;
        let threes = (0..n).filter(|_| d.sample(&mut rng) == 3.0).count() as f64 / n as f64;
        assert!((threes - 0.35).abs() < 0.006, "share of 3s: {threes}");

        let likely_yes = Dist::new(Shape::bernoulli(0.6).unwrap(), None, None).unwrap();
        let likely_no = Dist::new(Shape::bernoulli(0.4).unwrap(), None, None).unwrap();
        assert_eq!(likely_yes.median(), 1.0);
        assert_eq!(likely_no.median(), 0.0);
        assert!(
            Dist::new(Shape::bernoulli(1.0).unwrap(), None, None)
                .unwrap()
                .is_fixed()
        );
    }

    #[test]
    fn beta_quantile_is_monotone_and_inverts_the_cdf_over_the_accepted_shapes() {
        let shapes = [0.01, 0.05, 0.3, 1.0, 3.0, 50.0, 1e4, 1e6];
        let us = [1e-16, 1e-9, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 1.0 - 1e-9];
        for a in shapes {
            for b in shapes {
                let d = Beta::new(a, b).unwrap();
                let mut prev = 0.0;
                for u in us {
                    let x = d.quantile(u);
                    assert!(
                        (0.0..=1.0).contains(&x) && x >= prev,
                        "beta({a}, {b}) at {u}: {x} after {prev}"
                    );
                    // The true quantile lies between x's neighbouring doubles (near 0 and 1 a
                    // U-shaped beta's quantile is often not representable more closely).
                    let below = d.cdf(x.next_down().max(0.0));
                    let above = d.cdf(x.next_up().min(1.0));
                    let tol = 1e-6 * u.min(1.0 - u) + 1e-15;
                    assert!(
                        below <= u + tol && above >= u - tol,
                        "beta({a}, {b}): q({u}) = {x}, cdf around it {below}..{above}"
                    );
                    prev = x;
                }
            }
        }
        // Closed form: Beta(a, 1) has quantile u^(1/a).
        let d = Beta::new(0.05, 1.0).unwrap();
        assert!((d.quantile(0.9) / 0.9f64.powf(20.0) - 1.0).abs() < 1e-6);
        assert!(Beta::new(1e-9, 1.0).is_err());
    }

    #[test]
    fn too_wide_distributions_are_refused() {
        let l = LogNormal::from_median_p90(1e-300, 1e300).unwrap();
        assert!(Dist::new(Shape::LogNormal(l), Some(1e299), None).is_err());
    }

    #[test]
    fn truncation() {
        let n = Normal::new(0.0, 1.0).unwrap();
        let t = Dist::new(Shape::Normal(n.clone()), Some(0.0), None).unwrap();
        // Half-normal: median = Φ⁻¹(0.75).
        assert!((t.median() - 0.674_489_750_196_081_7).abs() < 1e-9);
        assert_eq!(t.support(), (0.0, f64::INFINITY));
        assert!(Dist::new(Shape::Normal(n.clone()), Some(40.0), None).is_err());
        assert!(Dist::new(Shape::Normal(n), Some(1.0), Some(0.0)).is_err());
        let b = Dist::new(Shape::bernoulli(0.3).unwrap(), Some(0.5), None).unwrap();
        assert!(b.is_fixed());
        assert_eq!(b.median(), 1.0);
        assert!(Dist::new(Shape::Fixed(2.0), Some(3.0), None).is_err());
    }

    #[test]
    fn constructors_refuse_bad_parameters() {
        assert!(Normal::new(0.0, 0.0).is_err());
        assert!(Normal::new(0.0, -1.0).is_err());
        assert!(Normal::new(f64::NAN, 1.0).is_err());
        assert!(LogNormal::from_median_p90(3.0, 2.0).is_err());
        assert!(LogNormal::from_median_p90(0.0, 2.0).is_err());
        assert!(LogNormal::new(0.0, 0.0).is_err());
        assert!(Uniform::new(1.0, 1.0).is_err());
        assert!(Triangular::new(0.0, 2.0, 1.0).is_err());
        assert!(Pert::new(1.0, 1.0, 1.0).is_err());
        assert!(Beta::new(0.0, 1.0).is_err());
        assert!(Shape::bernoulli(1.5).is_err());
        assert!(Discrete::new(&[1.0, 2.0], &[0.0, 0.0]).is_err());
        assert!(Discrete::new(&[1.0, 2.0], &[1.0, -0.5]).is_err());
        assert!(Discrete::new(&[1.0, 2.0], &[1.0]).is_err());
        assert!(Discrete::new(&[], &[]).is_err());
    }

    #[test]
    fn derived_quantities_that_overflow_are_refused() {
        assert!(Uniform::new(-1e308, 1e308).is_err());
        assert!(Uniform::new(-1e307, 1e307).is_ok());
        assert!(Pert::new(-1e308, 0.0, 1e308).is_err());
        assert!(
            Triangular::new(-1e200, 0.0, 1e200).is_err(),
            "width squared"
        );
        assert!(Triangular::new(-1e150, 0.0, 1e150).is_ok());
        assert!(Discrete::new(&[0.0, 3.0], &[1e308, 1e308]).is_err());
        assert!(Discrete::new(&[0.0, 3.0], &[5e-324, 5e-324]).is_err());
        assert!(Discrete::new(&[0.0, 3.0], &[1e300, 3e300]).is_ok());
    }

    #[test]
    fn draws_stay_within_the_quantiles_at_0_and_1() {
        // Whatever uniform a sampler passes (a copula can go far below 1e-16), a continuous
        // draw stays between quantile(0) and quantile(1), the values the limits check.
        let d = Dist::new(
            Shape::LogNormal(LogNormal::from_median_p90(3.0, 30.0).unwrap()),
            None,
            None,
        )
        .unwrap();
        let (lo, hi) = (d.quantile(0.0), d.quantile(1.0));
        assert_eq!(lo, d.quantile(OPEN_UNIT_MIN));
        assert_eq!(hi, d.quantile(1.0 - OPEN_UNIT_MIN));
        for u in [f64::MIN_POSITIVE, 1e-200, 1e-17, 1.0 - 1e-17] {
            let x = d.quantile(u);
            assert!(lo <= x && x <= hi, "{u:e}: {x}");
        }
        assert!(lo > 1e-7 && hi < 1e8, "the 1e-16 tails: {lo} {hi}");
    }

    #[test]
    fn describe_reads_like_the_scenario() {
        let ln = Dist::new(
            Shape::LogNormal(LogNormal::from_median_p90(3.0, 10.0).unwrap()),
            Some(1.0),
            None,
        )
        .unwrap();
        assert_eq!(ln.describe(), "lognormal(median 3, p90 10) ≥ 1");
        assert_eq!(Dist::fixed(0.25).describe(), "0.25");
    }
}
