//! Draws for one path: one value per input, from streams keyed by `(seed, purpose)` with the
//! path index as the ChaCha stream number (DESIGN.md §2).
//!
//! Each input has its own stream keyed by its dotted name, so two scenarios that share an
//! input draw the same value for it on the same path (common random numbers), and a path's
//! result never depends on which other paths run, on threads or on shards.

use crate::scenario::{InputKind, Marginal, ParamId, Sampling, Scenario, dist::open_unit};
use chacha20::ChaCha8Rng;
use rand::SeedableRng;

/// A generator for one purpose (`"input:vendor.DeepSeek.launch_price"`, `"cohorts:enterprise"`)
/// of path `path` in a run seeded with `seed`. The key is a fixed 64-bit FNV-1a hash of the
/// purpose mixed with the seed (stable across platforms and Rust versions), expanded to a
/// ChaCha key by SplitMix64; the path index is the ChaCha stream.
pub fn stream(seed: u64, purpose: &str, path: u64) -> ChaCha8Rng {
    let mut state = key(seed, purpose);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&mix(state).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(bytes);
    rng.set_stream(path);
    rng
}

/// A 64-bit key for `(seed, purpose)`: FNV-1a of the purpose mixed with the seed.
fn key(seed: u64, purpose: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in purpose.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^ seed.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15
}

/// The SplitMix64 finalizer: a bijective 64-bit mix.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A keyed pseudorandom permutation of `0..n` evaluated at `i < n`: a 4-round Feistel network
/// on the smallest even number of bits covering `n`, cycle-walking until the value falls in
/// range (a bijection of the larger domain restricted this way is a bijection of `0..n`).
/// Any path computes its own stratum from `(key, n, i)` alone.
pub fn permute(key: u64, n: u64, i: u64) -> u64 {
    debug_assert!(i < n);
    let bits = (64 - n.saturating_sub(1).leading_zeros()).max(2);
    let bits = bits + (bits & 1);
    let half = bits / 2;
    let mask = (1u64 << half) - 1;
    let mut x = i;
    loop {
        let (mut l, mut r) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = mix(key ^ round.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ r) & mask;
            (l, r) = (r, l ^ f);
        }
        x = (l << half) | r;
        if x < n {
            return x;
        }
    }
}

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
/// `[[correlation]]` entries are coupled by a Gaussian copula.
///
/// Each path builds its own correlated normal scores: the standard normal score of each
/// correlated input's own uniform (from its own stream), multiplied by the Cholesky factor of
/// the Pearson correlation matrix `ρ = 2·sin(π·ρ_s/6)` that gives the requested Spearman `ρ_s`
/// for normal scores; the scores go back to uniforms and through each input's quantile
/// function. No path needs another, and inputs outside any correlation draw exactly as they
/// would alone (common random numbers are kept).
#[derive(Debug, Clone)]
pub struct Sampler {
    /// Latin hypercube over this many paths, or independent draws.
    lhs: Option<u64>,
    /// Inputs in the copula, in matrix order.
    coupled: Vec<usize>,
    /// Lower-triangular Cholesky factor of the (repaired) correlation matrix.
    chol: Vec<Vec<f64>>,
}

/// A requested correlation matrix that had to be changed to be usable.
#[derive(Debug, Clone, PartialEq)]
pub struct Repair {
    /// Input names, in matrix order.
    pub inputs: Vec<String>,
    /// The Pearson correlations requested (from the rank correlations).
    pub requested: Vec<Vec<f64>>,
    /// The nearest valid correlation matrix, used instead.
    pub used: Vec<Vec<f64>>,
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "the requested correlations are not consistent (the matrix is not positive semi-definite);"
        )?;
        writeln!(
            f,
            "using the nearest consistent matrix instead (Pearson correlations of normal scores):"
        )?;
        for (i, name) in self.inputs.iter().enumerate() {
            for j in i + 1..self.inputs.len() {
                let (r, u) = (self.requested[i][j], self.used[i][j]);
                if (r - u).abs() > 1e-9 {
                    writeln!(f, "  {name} ~ {}: {r:.3} -> {u:.3}", self.inputs[j])?;
                }
            }
        }
        Ok(())
    }
}

/// The nearest correlation matrix (unit diagonal, positive semi-definite) to `a` in the
/// Frobenius norm, by Higham's alternating projections with Dykstra's correction (2002).
pub fn nearest_correlation(a: &nalgebra::DMatrix<f64>) -> nalgebra::DMatrix<f64> {
    let n = a.nrows();
    let mut y = a.clone();
    let mut ds = nalgebra::DMatrix::<f64>::zeros(n, n);
    for _ in 0..1000 {
        let r = &y - &ds;
        let eig = nalgebra::SymmetricEigen::new(r.clone());
        let clipped = eig.eigenvalues.map(|l| l.max(0.0));
        let x = &eig.eigenvectors
            * nalgebra::DMatrix::from_diagonal(&clipped)
            * eig.eigenvectors.transpose();
        ds = &x - &r;
        let mut next = x.clone();
        for i in 0..n {
            next[(i, i)] = 1.0;
        }
        let change = (&next - &y).norm();
        y = next;
        if change < 1e-12 {
            break;
        }
    }
    y
}

impl Sampler {
    /// The sampler of `scenario` for a run of `paths` paths drawn by `sampling`, and the
    /// repair made to its correlations, if any.
    pub fn new(scenario: &Scenario, sampling: Sampling, paths: u64) -> (Self, Option<Repair>) {
        let lhs = (sampling == Sampling::Lhs).then_some(paths.max(1));
        let mut coupled: Vec<usize> = Vec::new();
        for c in &scenario.correlations {
            for id in [c.a, c.b] {
                if !coupled.contains(&(id.0 as usize)) {
                    coupled.push(id.0 as usize);
                }
            }
        }
        let n = coupled.len();
        let mut m = nalgebra::DMatrix::<f64>::identity(n, n);
        for c in &scenario.correlations {
            let i = coupled
                .iter()
                .position(|x| *x == c.a.0 as usize)
                .expect("listed");
            let j = coupled
                .iter()
                .position(|x| *x == c.b.0 as usize)
                .expect("listed");
            let rho = 2.0 * (std::f64::consts::PI * c.rank / 6.0).sin();
            m[(i, j)] = rho;
            m[(j, i)] = rho;
        }
        let rows = |m: &nalgebra::DMatrix<f64>| {
            (0..n)
                .map(|i| (0..n).map(|j| m[(i, j)]).collect())
                .collect()
        };
        let (matrix, repair) = match nalgebra::Cholesky::new(m.clone()) {
            Some(_) => (m, None),
            None => {
                let used = nearest_correlation(&m);
                let repair = Repair {
                    inputs: coupled
                        .iter()
                        .map(|i| scenario.inputs[*i].name.clone())
                        .collect(),
                    requested: rows(&m),
                    used: rows(&used),
                };
                (used, Some(repair))
            }
        };
        // A repaired matrix may be singular: a tiny ridge keeps the factorisation possible.
        let chol = nalgebra::Cholesky::new(matrix.clone())
            .or_else(|| {
                nalgebra::Cholesky::new(
                    &matrix * (1.0 - 1e-10) + nalgebra::DMatrix::identity(n, n) * 1e-10,
                )
            })
            .map(|c| rows(&c.l()))
            .unwrap_or_else(|| rows(&nalgebra::DMatrix::identity(n, n)));
        (Self { lhs, coupled, chol }, repair)
    }

    /// The draws of path `path` in a run seeded with `seed`.
    pub fn draws(&self, scenario: &Scenario, seed: u64, path: u64) -> Draws {
        let mut uniforms: Vec<Option<f64>> = scenario
            .inputs
            .iter()
            .map(|input| {
                (input.kind == InputKind::Path && !input.dist.is_fixed())
                    .then(|| input_uniform(seed, &input.name, path, self.lhs))
            })
            .collect();
        if !self.coupled.is_empty() {
            let normal = statrs::distribution::Normal::standard();
            use statrs::distribution::ContinuousCDF;
            let eps: Vec<f64> = self
                .coupled
                .iter()
                .map(|&i| normal.inverse_cdf(uniforms[i].unwrap_or(0.5)))
                .collect();
            for (k, &i) in self.coupled.iter().enumerate() {
                let z: f64 = (0..=k).map(|j| self.chol[k][j] * eps[j]).sum();
                uniforms[i] = Some(
                    normal
                        .cdf(z)
                        .clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0),
                );
            }
        }
        let values = scenario
            .inputs
            .iter()
            .zip(uniforms)
            .map(|(input, u)| match u {
                Some(u) => input.dist.quantile(u),
                None => input.dist.median(),
            })
            .collect();
        Draws { values }
    }
}

/// One value for every per-path input of a scenario (population inputs hold their median,
/// which nothing reads: populations are drawn by the model from its own streams).
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    values: Vec<f64>,
}

impl Draws {
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
    use rand::Rng;

    #[test]
    fn streams_are_keyed_by_seed_purpose_and_path() {
        let a = stream(1, "x", 0).next_u64();
        assert_eq!(a, stream(1, "x", 0).next_u64());
        assert_ne!(a, stream(2, "x", 0).next_u64());
        assert_ne!(a, stream(1, "y", 0).next_u64());
        assert_ne!(a, stream(1, "x", 1).next_u64());
    }

    fn scenario_with(body: &str) -> Scenario {
        let tiny =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.toml");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(
            &file,
            format!("extends = {:?}\n{body}", tiny.display().to_string()),
        )
        .unwrap();
        crate::scenario::load(&file, &[]).unwrap()
    }

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
    fn feistel_permutations_are_permutations() {
        for n in [1u64, 2, 3, 7, 64, 1000, 4097] {
            let mut seen: Vec<u64> = (0..n).map(|i| permute(12345, n, i)).collect();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
        assert_ne!(permute(1, 1000, 5), permute(2, 1000, 5), "the key matters");
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
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.toml");
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
