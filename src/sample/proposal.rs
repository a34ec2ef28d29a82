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

/// How many standard errors an input's pilot mean or standard deviation (normal scores) must
/// lie from the prior's for the input to be adapted.
const MOVED_SE: f64 = 3.0;

/// The fitted proposal, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// The uncertain per-path inputs, in order: the dimensions.
    pub inputs: Vec<String>,
    /// The inputs the observations moved, whose distribution the proposal changes; the others
    /// keep the prior's given these.
    #[serde(default)]
    pub adapted: Vec<String>,
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
    /// scores (indexed like `Scenario::inputs`) and `log_weights[i]` its log-weight.
    ///
    /// Only the inputs the observations moved are adapted: those whose weighted mean or
    /// standard deviation in normal-score space differs from the prior's (0 and 1) by more
    /// than three standard errors at the pilot's effective sample size. Their block is the
    /// weighted normal (correlations shrunk toward the prior's when the pilot's effective
    /// sample size is small beside the block's size; standard deviations widened by 1.5 but
    /// kept between 0.1 and the prior's 1). Every other input keeps its prior distribution
    /// given the adapted ones, so the prior weight `φ_R / q` depends on the adapted inputs
    /// only, and an input the observations leave alone adds no noise to the weights. `None`
    /// when no pilot path weighs anything or no input moved (then the prior is the best
    /// proposal there is).
    pub fn fit(
        s: &Scenario,
        sampler: &Sampler,
        scores: &[Vec<f64>],
        log_weights: &[f64],
    ) -> Option<Self> {
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
        let cov = |a: usize, b: usize| -> f64 {
            w.iter()
                .zip(scores)
                .map(|(wi, y)| wi * (y[dims[a]] - mean[a]) * (y[dims[b]] - mean[b]))
                .sum::<f64>()
                / total
        };
        let sd: Vec<f64> = (0..d).map(|a| cov(a, a).sqrt()).collect();
        let moved: Vec<usize> = (0..d)
            .filter(|&k| {
                mean[k].abs() > MOVED_SE / ess.sqrt()
                    || (sd[k] - 1.0).abs() > MOVED_SE / (2.0 * ess).sqrt()
            })
            .collect();
        if moved.is_empty() {
            return None;
        }
        let prior = |a: usize, b: usize| sampler.prior_correlation(dims[a], dims[b]);
        let shrink = ess / (ess + moved.len() as f64);
        let m = moved.len();
        let widened: Vec<f64> = moved
            .iter()
            .map(|&a| (INFLATION * sd[a]).clamp(MIN_SD, 1.0))
            .collect();
        let block = nalgebra::DMatrix::from_fn(m, m, |i, j| {
            let (a, b) = (moved[i], moved[j]);
            let corr = if i == j {
                1.0
            } else if sd[a] > 0.0 && sd[b] > 0.0 {
                shrink * cov(a, b) / (sd[a] * sd[b]) + (1.0 - shrink) * prior(a, b)
            } else {
                prior(a, b)
            };
            corr * widened[i] * widened[j]
        });
        let (full_mean, sigma) = with_prior_conditional(d, &moved, &mean, &block, &prior)?;
        let chol = nalgebra::Cholesky::new(sigma.clone())
            .or_else(|| {
                let ridge = nalgebra::DMatrix::identity(d, d) * (MIN_SD * MIN_SD);
                nalgebra::Cholesky::new(sigma + ridge)
            })?
            .l();
        Some(Self {
            inputs: dims.iter().map(|i| s.inputs[*i].name.clone()).collect(),
            adapted: moved
                .iter()
                .map(|k| s.inputs[dims[*k]].name.clone())
                .collect(),
            mean: full_mean,
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

/// The normal over all `d` dimensions whose block `moved` has mean `mean[moved]` and
/// covariance `block`, and whose other dimensions `U` follow the prior (correlations `prior`)
/// given the moved ones `M`: with `A = R_UM R_MM⁻¹`, `μ_U = A μ_M`, `Σ_UM = A Σ_MM` and
/// `Σ_UU = R_UU − A R_MU + A Σ_MM Aᵀ`. `None` if `R_MM` is singular.
fn with_prior_conditional(
    d: usize,
    moved: &[usize],
    mean: &[f64],
    block: &nalgebra::DMatrix<f64>,
    prior: &dyn Fn(usize, usize) -> f64,
) -> Option<(Vec<f64>, nalgebra::DMatrix<f64>)> {
    let rest: Vec<usize> = (0..d).filter(|k| !moved.contains(k)).collect();
    let r = |rows: &[usize], cols: &[usize]| {
        nalgebra::DMatrix::from_fn(rows.len(), cols.len(), |i, j| prior(rows[i], cols[j]))
    };
    let r_mm_inv = r(moved, moved).try_inverse()?;
    let a = r(&rest, moved) * r_mm_inv;
    let mu_m = nalgebra::DVector::from_iterator(moved.len(), moved.iter().map(|&k| mean[k]));
    let mu_u = &a * &mu_m;
    let s_um = &a * block;
    let s_uu = r(&rest, &rest) - &a * r(moved, &rest) + &s_um * a.transpose();
    let mut sigma = nalgebra::DMatrix::zeros(d, d);
    let mut full_mean = vec![0.0; d];
    for (i, &p) in moved.iter().enumerate() {
        full_mean[p] = mu_m[i];
        for (j, &q) in moved.iter().enumerate() {
            sigma[(p, q)] = block[(i, j)];
        }
        for (j, &q) in rest.iter().enumerate() {
            sigma[(q, p)] = s_um[(j, i)];
            sigma[(p, q)] = s_um[(j, i)];
        }
    }
    for (i, &p) in rest.iter().enumerate() {
        full_mean[p] = mu_u[i];
        for (j, &q) in rest.iter().enumerate() {
            sigma[(p, q)] = s_uu[(i, j)];
        }
    }
    Some((full_mean, sigma))
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

    /// A pilot whose likelihood depends on one input (normal, so the posterior of its score is
    /// known: N(0.8, 0.2)) adapts that input and its correlated partner only; every other input
    /// keeps the prior exactly (mean 0, variance 1, no covariance with the adapted ones).
    #[test]
    fn only_the_inputs_the_observations_moved_are_adapted() {
        let correlation = "[[correlation]]\nbetween = [\"vendor.Challenger.launch_price\", \"hardware.Rubin.cost_factor\"]\nrank = 0.6\n";
        let s = crate::scenario::fixture::tiny_with(correlation);
        let (sampler, _) = Sampler::new(&s, crate::scenario::Sampling::Random, 4000);
        let index = |name: &str| s.inputs.iter().position(|i| i.name == name).unwrap();
        let (rubin, price) = (
            index("hardware.Rubin.cost_factor"),
            index("vendor.Challenger.launch_price"),
        );
        let rho = 2.0 * (std::f64::consts::PI * 0.6 / 6.0).sin();
        assert!((sampler.prior_correlation(rubin, price) - rho).abs() < 1e-12);
        assert_eq!(sampler.prior_correlation(rubin, rubin), 1.0);
        let scores: Vec<Vec<f64>> = (0..4000).map(|i| sampler.normal_scores(&s, 9, i)).collect();
        let log_weights: Vec<f64> = scores
            .iter()
            .map(|y| -0.5 * ((y[rubin] - 1.0) / 0.5).powi(2))
            .collect();
        let p = Proposal::fit(&s, &sampler, &scores, &log_weights).unwrap();
        let mut adapted = p.adapted.clone();
        adapted.sort();
        assert_eq!(
            adapted,
            [
                "hardware.Rubin.cost_factor",
                "vendor.Challenger.launch_price"
            ]
        );
        let k = |name: &str| p.inputs.iter().position(|i| i == name).unwrap();
        assert!(
            (p.mean[k("hardware.Rubin.cost_factor")] - 0.8).abs() < 0.05,
            "{:?}",
            p.mean
        );
        // Σ = L Lᵀ, row by row.
        let sigma = |a: usize, b: usize| -> f64 {
            (0..=a.min(b)).map(|j| p.chol[a][j] * p.chol[b][j]).sum()
        };
        let r = k("hardware.Rubin.cost_factor");
        assert!((sigma(r, r).sqrt() - 1.5 * 0.2f64.sqrt()).abs() < 0.05);
        for (a, name) in p.inputs.iter().enumerate() {
            if p.adapted.contains(name) {
                continue;
            }
            assert!(p.mean[a].abs() < 1e-12, "{name}: mean {}", p.mean[a]);
            assert!(
                (sigma(a, a) - 1.0).abs() < 1e-9,
                "{name}: variance {}",
                sigma(a, a)
            );
            assert!(
                sigma(a, r).abs() < 1e-9,
                "{name}: covariance {}",
                sigma(a, r)
            );
        }
    }
}
