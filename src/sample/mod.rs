//! Draws for one path: one value per input, from streams keyed by `(seed, purpose)` with the
//! path index as the ChaCha stream number (DESIGN.md §2).
//!
//! Each input has its own stream keyed by its dotted name, so two scenarios that share an
//! input draw the same value for it on the same path (common random numbers), and a path's
//! result never depends on which other paths run, on threads or on shards.
//!
//! * [`stream`]: the one factory of random generators, and the keyed permutation of Latin
//!   hypercube sampling.
//! * [`copula`]: rank correlations as a Gaussian copula, repaired when inconsistent.

mod copula;
mod proposal;
mod stream;

pub use copula::{Copula, Repair, nearest_correlation};
pub use proposal::{PROPOSAL_PRIOR_SHARE, Proposal};
pub use stream::{permute, stream};

use crate::scenario::{InputKind, Marginal, ParamId, Sampling, Scenario, dist::open_unit};
use stream::key;

/// The uniform of input `name` on path `path`: its own stream's first draw, or under Latin
/// hypercube sampling over `n` paths, that draw placed in the path's stratum of the input.
fn input_uniform(seed: u64, name: &str, path: u64, lhs: Option<u64>) -> f64 {
    let own = open_unit(&mut stream(seed, &format!("input:{name}"), path));
    match lhs {
        None => own,
        Some(n) => {
            let stratum = permute(key(seed, &format!("lhs:{name}")), n, path);
            ((stratum as f64 + own) / n as f64).clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0)
        }
    }
}

/// Draws paths' inputs for a scenario: independent draws, except that inputs named in
/// `[[correlation]]` entries are coupled by a Gaussian [`Copula`]. No path needs another, and
/// inputs outside any correlation draw exactly as they would alone (common random numbers are
/// kept).
#[derive(Debug, Clone)]
pub struct Sampler {
    /// Latin hypercube over this many paths, or independent draws.
    lhs: Option<u64>,
    copula: Copula,
}

impl Sampler {
    /// The sampler of `scenario` for a run of `paths` paths drawn by `sampling`, and the
    /// repair made to its correlations, if any.
    pub fn new(scenario: &Scenario, sampling: Sampling, paths: u64) -> (Self, Option<Repair>) {
        let lhs = (sampling == Sampling::Lhs).then_some(paths.max(1));
        let (copula, repair) = Copula::new(scenario);
        (Self { lhs, copula }, repair)
    }

    /// The uniforms of path `path`'s uncertain per-path inputs after the copula (`None` for
    /// the other inputs), indexed like `Scenario::inputs`.
    fn uniforms(&self, scenario: &Scenario, seed: u64, path: u64) -> Vec<Option<f64>> {
        let mut uniforms: Vec<Option<f64>> = scenario
            .inputs
            .iter()
            .map(|input| {
                (input.kind == InputKind::Path && !input.dist.is_fixed())
                    .then(|| input_uniform(seed, &input.name, path, self.lhs))
            })
            .collect();
        self.copula.couple(&mut uniforms);
        uniforms
    }

    /// The draws of path `path` in a run seeded with `seed`.
    pub fn draws(&self, scenario: &Scenario, seed: u64, path: u64) -> Draws {
        Draws::from_uniforms(scenario, &self.uniforms(scenario, seed, path))
    }

    /// The normal scores `Φ⁻¹(u)` of path `path`'s uniforms after the copula (NaN for inputs
    /// that are not uncertain per-path inputs), indexed like `Scenario::inputs`: where the
    /// path lies in the prior's normal-score space, in which the prior is a multivariate
    /// normal (standard, but for the copula's correlations).
    pub fn normal_scores(&self, scenario: &Scenario, seed: u64, path: u64) -> Vec<f64> {
        self.uniforms(scenario, seed, path)
            .into_iter()
            .map(|u| u.map_or(f64::NAN, crate::scenario::dist::std_normal_quantile))
            .collect()
    }

    /// Independent standard normal scores `Φ⁻¹(u)` of path `path`'s own input streams (before
    /// any copula or Latin hypercube; NaN for inputs that are not uncertain per-path inputs).
    pub fn normal_scores_independent(&self, scenario: &Scenario, seed: u64, path: u64) -> Vec<f64> {
        scenario
            .inputs
            .iter()
            .map(|input| {
                if input.kind == InputKind::Path && !input.dist.is_fixed() {
                    crate::scenario::dist::std_normal_quantile(input_uniform(
                        seed,
                        &input.name,
                        path,
                        None,
                    ))
                } else {
                    f64::NAN
                }
            })
            .collect()
    }

    /// The prior correlation of inputs `i` and `j`' normal scores (indices of
    /// `Scenario::inputs`).
    pub fn prior_correlation(&self, i: usize, j: usize) -> f64 {
        self.copula.correlation(i, j)
    }

    /// The log density of normal scores `y` under the prior, without the `2π` constants.
    pub fn log_prior_density(&self, y: &[f64]) -> f64 {
        let free: f64 = y
            .iter()
            .enumerate()
            .filter(|(i, x)| !x.is_nan() && !self.copula.couples(*i))
            .map(|(_, x)| -0.5 * x * x)
            .sum();
        free + self.copula.log_density(y)
    }
}

/// One value for every per-path input of a scenario (population inputs hold their median,
/// which nothing reads: populations are drawn by the model from its own streams).
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    values: Vec<f64>,
}

impl Draws {
    /// Each input at the quantile of its uniform, or at its median where it has none.
    pub fn from_uniforms(scenario: &Scenario, uniforms: &[Option<f64>]) -> Self {
        let values = scenario
            .inputs
            .iter()
            .zip(uniforms)
            .map(|(input, u)| match u {
                Some(u) => input.dist.quantile(*u),
                None => input.dist.median(),
            })
            .collect();
        Draws { values }
    }

    /// Independent draws for path `path` (plain Monte Carlo, no correlations).
    pub fn random(scenario: &Scenario, seed: u64, path: u64) -> Self {
        let values =
            scenario
                .inputs
                .iter()
                .map(|input| match input.kind {
                    InputKind::Path if !input.dist.is_fixed() => input
                        .dist
                        .quantile(input_uniform(seed, &input.name, path, None)),
                    _ => input.dist.median(),
                })
                .collect();
        Self { values }
    }

    /// Every input at its median (a bernoulli at its more likely outcome): what `explain` runs.
    pub fn medians(scenario: &Scenario) -> Self {
        Self {
            values: scenario.inputs.iter().map(|i| i.dist.median()).collect(),
        }
    }

    /// Draws with given values (tests and tools that construct a path by hand).
    pub fn from_values(values: Vec<f64>) -> Self {
        Self { values }
    }

    /// The value of input `id`.
    pub fn get(&self, id: ParamId) -> f64 {
        self.values[id.0 as usize]
    }

    /// Replaces the value of input `id`.
    pub fn set(&mut self, id: ParamId, value: f64) {
        self.values[id.0 as usize] = value;
    }

    /// All values, indexed like [`Scenario::inputs`].
    pub fn values(&self) -> &[f64] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::scenario::fixture::tiny_with as scenario_with;

    #[test]
    fn copula_reaches_the_requested_rank_correlation() {
        // Continuous inputs: within 0.01 of the request at N = 50,000.
        let s = scenario_with(
            "[[correlation]]\nbetween = [\"vendor.Challenger.launch_price\", \"hardware.Rubin.cost_factor\"]\nrank = 0.6\n\
             [[correlation]]\nbetween = [\"vendor.Challenger.delay_months\", \"hardware.Rubin.cost_factor\"]\nrank = -0.3\n\
             [[correlation]]\nbetween = [\"hardware.Rubin.delay_months\", \"software.serving_gain_per_year\"]\nrank = 0.5\n",
        );
        let (sampler, repair) = Sampler::new(&s, Sampling::Random, 0);
        assert!(repair.is_none());
        let n = 50_000;
        let col = |name: &str, draws: &[Draws]| -> Vec<f64> {
            let id = s.find_input(name).unwrap();
            draws.iter().map(|d| d.get(id)).collect()
        };
        let draws: Vec<Draws> = (0..n).map(|i| sampler.draws(&s, 11, i)).collect();
        let price = col("vendor.Challenger.launch_price", &draws);
        let factor = col("hardware.Rubin.cost_factor", &draws);
        let delay = col("vendor.Challenger.delay_months", &draws);
        let rho = crate::stats::spearman(&price, &factor);
        assert!((rho - 0.6).abs() < 0.01, "achieved {rho}");
        let rho = crate::stats::spearman(&delay, &factor);
        assert!((rho + 0.3).abs() < 0.01, "achieved {rho}");
        // A discrete input (3 values) reaches less: ties cap its rank correlation.
        let discrete = crate::stats::spearman(
            &col("hardware.Rubin.delay_months", &draws),
            &col("software.serving_gain_per_year", &draws),
        );
        assert!(
            discrete > 0.35 && discrete < 0.5,
            "discrete reaches {discrete}"
        );
        // Marginals are unchanged: the copula only reorders.
        let mut sorted = price.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[n as usize / 2];
        assert!((median / 0.25 - 1.0).abs() < 0.02, "median {median}");
        // Inputs outside every correlation draw exactly as without the copula.
        let free = s.find_input("segment.enterprise.bass_q").unwrap();
        assert_eq!(draws[7].get(free), Draws::random(&s, 11, 7).get(free));
    }

    #[test]
    fn latin_hypercube_puts_one_value_per_stratum() {
        let s = scenario_with("");
        let n = 1000;
        let (sampler, _) = Sampler::new(&s, Sampling::Lhs, n);
        let draws: Vec<Draws> = (0..n).map(|i| sampler.draws(&s, 3, i)).collect();
        let mut checked = 0;
        for (id, input) in s.inputs.iter().enumerate() {
            if !input.is_uncertain() || input.dist.is_discrete() {
                continue;
            }
            let mut strata: Vec<u64> = draws
                .iter()
                .map(|d| (input.dist.cdf(d.values()[id]) * n as f64).floor() as u64)
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>(), "{}", input.name);
            checked += 1;
        }
        assert!(checked >= 4, "checked {checked} continuous inputs");
    }

    #[test]
    fn inconsistent_correlations_are_repaired_with_a_report() {
        let s = scenario_with(
            "[[correlation]]\nbetween = [\"vendor.Challenger.launch_price\", \"hardware.Rubin.cost_factor\"]\nrank = 0.9\n\
             [[correlation]]\nbetween = [\"vendor.Challenger.launch_price\", \"vendor.Challenger.delay_months\"]\nrank = 0.9\n\
             [[correlation]]\nbetween = [\"hardware.Rubin.cost_factor\", \"vendor.Challenger.delay_months\"]\nrank = -0.9\n",
        );
        let (sampler, repair) = Sampler::new(&s, Sampling::Random, 0);
        let repair = repair.expect("not positive semi-definite");
        let used = nalgebra::DMatrix::from_fn(3, 3, |i, j| repair.used[i][j]);
        let eig = nalgebra::SymmetricEigen::new(used.clone());
        assert!(
            eig.eigenvalues.iter().all(|l| *l > -1e-9),
            "{:?}",
            eig.eigenvalues
        );
        assert!((0..3).all(|i| (used[(i, i)] - 1.0).abs() < 1e-12));
        assert!(repair.to_string().contains("->"), "{repair}");
        assert!(
            sampler
                .draws(&s, 1, 0)
                .values()
                .iter()
                .all(|x| x.is_finite())
        );
    }

    #[test]
    fn shared_inputs_draw_the_same_value_across_scenarios() {
        let path = crate::scenario::fixture::tiny_path();
        let a = crate::scenario::load(&path, &[]).unwrap();
        let b = crate::scenario::load(&path, &["capability.pace=1.3".parse().unwrap()]).unwrap();
        let (da, db) = (Draws::random(&a, 9, 4), Draws::random(&b, 9, 4));
        let id = a.find_input("hardware.Rubin.cost_factor").unwrap();
        assert_eq!(
            da.get(id),
            db.get(b.find_input("hardware.Rubin.cost_factor").unwrap())
        );
        assert_ne!(da.get(id), Draws::random(&a, 9, 5).get(id));
    }
}
