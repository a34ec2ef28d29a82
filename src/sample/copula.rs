//! The Gaussian copula's matrix: rank correlations as a Pearson matrix of normal scores, its
//! Cholesky factor, and the nearest valid matrix when the requested one is inconsistent.

use crate::scenario::Scenario;

/// The Gaussian copula of a scenario's `[[correlation]]`s.
///
/// Each path builds its own correlated normal scores: the standard normal score of each
/// correlated input's own uniform (from its own stream), multiplied by the Cholesky factor of
/// the Pearson correlation matrix `ρ = 2·sin(π·ρ_s/6)` that gives the requested Spearman `ρ_s`
/// for normal scores; the scores go back to uniforms and through each input's quantile
/// function.
#[derive(Debug, Clone)]
pub struct Copula {
    /// Inputs in the copula (indices of `Scenario::inputs`), in matrix order.
    coupled: Vec<usize>,
    /// Lower-triangular Cholesky factor of the (repaired) correlation matrix.
    chol: Vec<Vec<f64>>,
}

impl Copula {
    /// The copula of `scenario`'s correlations, and the repair made to them, if any.
    pub fn new(scenario: &Scenario) -> (Self, Option<Repair>) {
        let mut coupled: Vec<usize> = Vec::new();
        for c in &scenario.correlations {
            for id in [c.a, c.b] {
                if !coupled.contains(&(id.0 as usize)) {
                    coupled.push(id.0 as usize);
                }
            }
        }
        let n = coupled.len();
        let position = |id: usize| coupled.iter().position(|x| *x == id).expect("listed");
        let mut m = nalgebra::DMatrix::<f64>::identity(n, n);
        for c in &scenario.correlations {
            let (i, j) = (position(c.a.0 as usize), position(c.b.0 as usize));
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
        (Self { coupled, chol }, repair)
    }

    /// The log density of the coupled inputs' normal scores `y` (indexed like
    /// `Scenario::inputs`) under the copula's multivariate normal, without the `2π` constants.
    pub fn log_density(&self, y: &[f64]) -> f64 {
        let mut v: Vec<f64> = Vec::with_capacity(self.coupled.len());
        let mut out = 0.0;
        for (k, &i) in self.coupled.iter().enumerate() {
            // Forward substitution: L v = y.
            let partial: f64 = (0..k).map(|j| self.chol[k][j] * v[j]).sum();
            let vk = (y[i] - partial) / self.chol[k][k];
            out -= 0.5 * vk * vk + self.chol[k][k].ln();
            v.push(vk);
        }
        out
    }

    /// The correlation of inputs `i` and `j`' normal scores (indices of `Scenario::inputs`):
    /// 1 on the diagonal, the (repaired) matrix's entry for two coupled inputs, else 0.
    pub fn correlation(&self, i: usize, j: usize) -> f64 {
        if i == j {
            return 1.0;
        }
        let position = |x: usize| self.coupled.iter().position(|c| *c == x);
        match (position(i), position(j)) {
            (Some(a), Some(b)) => (0..=a.min(b))
                .map(|k| self.chol[a][k] * self.chol[b][k])
                .sum(),
            _ => 0.0,
        }
    }

    /// Whether input `i` (an index of `Scenario::inputs`) is in the copula.
    pub fn couples(&self, i: usize) -> bool {
        self.coupled.contains(&i)
    }

    /// Replaces the uniforms of the coupled inputs (indexed like `Scenario::inputs`) by their
    /// correlated counterparts.
    pub fn couple(&self, uniforms: &mut [Option<f64>]) {
        if self.coupled.is_empty() {
            return;
        }
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
