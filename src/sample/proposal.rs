//! Adaptive importance sampling's proposal (DESIGN.md §7): a multivariate normal fitted to a
//! weighted pilot in the inputs' normal-score space, mixed with the prior as a defensive
//! component so that no region the prior reaches gets zero density.
//!
//! In normal-score space (`y = Φ⁻¹(u)` of each uncertain input's uniform after the copula)
//! the prior is a multivariate normal `φ_R` (standard, but for the copula's correlations). The
//! proposal is `q = α·φ_R + (1 − α)·N(μ, Σ)`. A path drawn from it gets the prior weight
//! `φ_R(y) / q(y) ≤ 1/α`. A path picks its component and its scores from its own streams, so a
//! path's draws depend only on `(seed, path)` and the proposal: the same on every thread and
//! every shard.

use super::{Draws, Sampler, stream};
use crate::scenario::dist::open_unit;
use crate::scenario::{InputKind, Scenario};
use serde::{Deserialize, Serialize};

/// The prior's share `α` of the proposal: a path drawn from the proposal weighs at most 1/α
/// times its likelihood.
pub const PROPOSAL_PRIOR_SHARE: f64 = 0.3;

/// How much the fitted spread is widened: the pilot's standard deviations times this (but at
/// most the prior's, 1).
const INFLATION: f64 = 1.5;

/// The smallest standard deviation of the fitted normal in any dimension (a pilot whose weight
/// sits on one path would otherwise propose that path only).
const MIN_SD: f64 = 0.1;

/// The fitted proposal, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The uncertain per-path inputs, in order: the dimensions.
    pub inputs: Vec<String>,
    /// μ.
    pub mean: Vec<f64>,
    /// The lower-triangular Cholesky factor of Σ, row by row.
    pub chol: Vec<Vec<f64>>,
    /// α, the prior's share.
    pub prior_share: f64,
    /// Paths `0..pilot_paths` are the pilot, drawn from the prior.
    pub pilot_paths: u64,
}

/// The uncertain per-path inputs of `s` (indices of `Scenario::inputs`).
fn dimensions(s: &Scenario) -> Vec<usize> {
    (0..s.inputs.len())
        .filter(|i| {
            let input = &s.inputs[*i];
            input.kind == InputKind::Path && !input.dist.is_fixed()
        })
        .collect()
}

/// `log(exp(a) + exp(b))` without overflow.
fn log_add(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((a - m).exp() + (b - m).exp()).ln()
}

impl Proposal {
    /// Fits the proposal to pilot paths `0..scores.len()`: `scores[i]` is path i's normal
    /// scores (indexed like `Scenario::inputs`) and `log_weights[i]` its log-weight. The mean
    /// and covariance are the weighted ones, the covariance shrunk toward its diagonal when
    /// the pilot's effective sample size is small beside the dimensions, its standard
    /// deviations widened by 1.5 but kept between 0.1 and the prior's 1. `None` when no pilot path weighs anything.
    pub fn fit(s: &Scenario, scores: &[Vec<f64>], log_weights: &[f64]) -> Option<Self> {
        let dims = dimensions(s);
        let d = dims.len();
        let top = log_weights
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        if !top.is_finite() || d == 0 {
            return None;
        }
        let w: Vec<f64> = log_weights.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = w.iter().sum();
        let ess = total * total / w.iter().map(|x| x * x).sum::<f64>();
        let mean: Vec<f64> = (0..d)
            .map(|k| {
                w.iter()
                    .zip(scores)
                    .map(|(w, y)| w * y[dims[k]])
                    .sum::<f64>()
                    / total
            })
            .collect();
        let mut cov = nalgebra::DMatrix::<f64>::zeros(d, d);
        for (wi, y) in w.iter().zip(scores) {
            for a in 0..d {
                for b in 0..=a {
                    cov[(a, b)] += wi * (y[dims[a]] - mean[a]) * (y[dims[b]] - mean[b]) / total;
                }
            }
        }
        let shrink = ess / (ess + d as f64);
        for a in 0..d {
            for b in 0..a {
                cov[(a, b)] *= shrink;
                cov[(b, a)] = cov[(a, b)];
            }
        }
        // Widened, but never wider than the prior (variance 1 in normal-score space) nor
        // narrower than MIN_SD: a dimension the observations leave alone then costs nothing.
        let sd: Vec<f64> = (0..d)
            .map(|a| (INFLATION * cov[(a, a)].sqrt()).clamp(MIN_SD, 1.0))
            .collect();
        for a in 0..d {
            for b in 0..d {
                let scale = cov[(a, a)].sqrt() * cov[(b, b)].sqrt();
                cov[(a, b)] = if scale > 0.0 {
                    cov[(a, b)] / scale * sd[a] * sd[b]
                } else if a == b {
                    sd[a] * sd[a]
                } else {
                    0.0
                };
            }
        }
        let chol = nalgebra::Cholesky::new(cov.clone())
            .or_else(|| {
                let ridge = nalgebra::DMatrix::identity(d, d) * (MIN_SD * MIN_SD);
                nalgebra::Cholesky::new(cov + ridge)
            })?
            .l();
        Some(Self {
            inputs: dims.iter().map(|i| s.inputs[*i].name.clone()).collect(),
            mean,
            chol: (0..d)
                .map(|i| (0..=i).map(|j| chol[(i, j)]).collect())
                .collect(),
            prior_share: PROPOSAL_PRIOR_SHARE,
            pilot_paths: scores.len() as u64,
        })
    }

    /// The log density of scores `y` (indexed like `Scenario::inputs`) under the fitted
    /// normal, without the `2π` constants.
    fn log_fitted(&self, dims: &[usize], y: &[f64]) -> f64 {
        let mut v: Vec<f64> = Vec::with_capacity(dims.len());
        let mut out = 0.0;
        for (k, &i) in dims.iter().enumerate() {
            let partial: f64 = (0..k).map(|j| self.chol[k][j] * v[j]).sum();
            let vk = (y[i] - self.mean[k] - partial) / self.chol[k][k];
            out -= 0.5 * vk * vk + self.chol[k][k].ln();
            v.push(vk);
        }
        out
    }

    /// The draws of path `path` (a path after the pilot) and the log of its prior weight
    /// `φ_R(y) / q(y)`.
    pub fn draw(&self, s: &Scenario, sampler: &Sampler, seed: u64, path: u64) -> (Draws, f64) {
        let dims = dimensions(s);
        let alpha = self.prior_share;
        let from_prior = open_unit(&mut stream(seed, "proposal", path)) < alpha;
        let (draws, y) = if from_prior {
            let y = sampler.normal_scores(s, seed, path);
            (sampler.draws(s, seed, path), y)
        } else {
            // The path's own input streams give its standard normal variates.
            let eps = sampler.normal_scores_independent(s, seed, path);
            let mut y = vec![f64::NAN; s.inputs.len()];
            let mut uniforms: Vec<Option<f64>> = vec![None; s.inputs.len()];
            for (k, &i) in dims.iter().enumerate() {
                let z: f64 =
                    self.mean[k] + (0..=k).map(|j| self.chol[k][j] * eps[dims[j]]).sum::<f64>();
                y[i] = z;
                uniforms[i] = Some(normal_cdf(z));
            }
            (Draws::from_uniforms(s, &uniforms), y)
        };
        let prior = sampler.log_prior_density(&y);
        let fitted = self.log_fitted(&dims, &y);
        let q = log_add(alpha.ln() + prior, (1.0 - alpha).ln() + fitted);
        (draws, prior - q)
    }
}

/// Φ(z), kept inside the open unit interval the quantile functions take.
fn normal_cdf(z: f64) -> f64 {
    use statrs::distribution::ContinuousCDF;
    statrs::distribution::Normal::standard()
        .cdf(z)
        .clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_add_is_stable() {
        assert!((log_add(0.0, 0.0) - 2f64.ln()).abs() < 1e-15);
        assert!((log_add(-1000.0, -1000.0) - (-1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(
            log_add(f64::NEG_INFINITY, f64::NEG_INFINITY),
            f64::NEG_INFINITY
        );
        assert_eq!(log_add(3.0, f64::NEG_INFINITY), 3.0);
    }
}
