//! The Saltelli design as a source of paths' inputs.
//!
//! Design row r holds `k + 3` consecutive paths: `r (k + 3) + m` is matrix A (m = 0), B (m = 1),
//! AB_j (m = 2 + j: A with input group j taken from B) for each of the k input groups, and last
//! AB_ω, A's inputs with B's model randomness. A path's inputs come from its row of the base
//! points: each input's uniform is the design's coordinate for its column, then inputs of a
//! correlated group are coupled by the scenario's Gaussian copula (groups are whole connected
//! components of the correlation graph, so coupling never mixes two groups).
//!
//! The model's own randomness ω (cohorts, reviews, adoption draws, review phases, commitment
//! orders) is keyed by path index in a run. Here it is keyed by the row instead: A and every
//! AB_j of row r draw it from stream index 2r, B and AB_ω from 2r + 1. So ω is one more
//! independent input of the design, with its own column in A and in B: an AB_j path differs
//! from its A path in group j's inputs only, f(A) − f(AB_j) measures group j alone, and an
//! input the model never reads gets a total index of exactly 0. (Keyed by the path index, ω
//! would differ between A and AB_j, and every group's total index would include ω's.) AB_ω
//! gives ω's own indices: the share of the outcome's variance that no input explains.

use super::groups::{Group, Grouping, groups};
use crate::run::Inputs;
use crate::sample::{Copula, Draws, Repair};
use crate::scenario::{Marginal, Scenario};
use crate::stats::fnv1a64;
use crate::stats::sobol::{BasePoints, DesignError, Matrix, SaltelliDesign};
use serde::{Deserialize, Serialize};

/// Where the base matrices' points come from (`--sampler`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Points {
    /// Independent uniforms per row and column (plain Monte Carlo): rows are independent, so
    /// the row bootstrap's intervals have their nominal coverage.
    Random,
    /// An Owen-scrambled Sobol' sequence (randomised quasi-Monte Carlo): more even rows; the
    /// row bootstrap then overstates the error of smooth outcomes.
    Sobol,
}

impl std::fmt::Display for Points {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Points::Random => "random",
            Points::Sobol => "sobol",
        })
    }
}

/// Which run of its design row a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    A,
    B,
    /// A with input group j from B.
    AB(usize),
    /// A's inputs with B's model randomness.
    ABModel,
}

/// A Saltelli design over a scenario's uncertain inputs, grouped.
#[derive(Debug, Clone)]
pub struct Design {
    pub grouping: Grouping,
    pub points: Points,
    /// The input groups, in design order (the model's randomness is not among them).
    pub groups: Vec<Group>,
    /// The scenario input behind each design column.
    columns: Vec<usize>,
    saltelli: SaltelliDesign,
    /// The scenario's copula, when its correlations are kept.
    copula: Option<Copula>,
    /// The change made to inconsistent correlations, if any.
    pub repair: Option<Repair>,
}

impl Design {
    /// The design of `s`'s uncertain inputs, grouped by `grouping`, with base points `points`
    /// derived from `seed`.
    pub fn new(
        s: &Scenario,
        grouping: Grouping,
        points: Points,
        seed: u64,
    ) -> Result<Design, DesignError> {
        let (columns, group_of, groups) = groups(s, grouping);
        let seed = seed ^ fnv1a64(b"sensitivity design");
        let base = match points {
            Points::Random => BasePoints::MonteCarlo { seed },
            Points::Sobol => BasePoints::ScrambledSobol { seed },
        };
        let saltelli = SaltelliDesign::new(group_of, base)?;
        let (copula, repair) = if grouping == Grouping::Inputs || s.correlations.is_empty() {
            (None, None)
        } else {
            let (c, r) = Copula::new(s);
            (Some(c), r)
        };
        Ok(Design {
            grouping,
            points,
            groups,
            columns,
            saltelli,
            copula,
            repair,
        })
    }

    /// Number of input groups k.
    pub fn k(&self) -> usize {
        self.groups.len()
    }

    /// Paths per design row: A, B, AB_j for each input group, AB_ω.
    pub fn runs_per_row(&self) -> u64 {
        self.k() as u64 + 3
    }

    /// Whether the scenario's correlations were dropped (`--groups inputs` with correlations).
    pub fn correlations_dropped(&self, s: &Scenario) -> bool {
        self.grouping == Grouping::Inputs && !s.correlations.is_empty()
    }

    /// The design row and run of design path `path`.
    pub fn locate(&self, path: u64) -> (u64, Run) {
        let per = self.runs_per_row();
        let (row, m) = (path / per, (path % per) as usize);
        let run = match m {
            0 => Run::A,
            1 => Run::B,
            m if m - 2 < self.k() => Run::AB(m - 2),
            _ => Run::ABModel,
        };
        (row, run)
    }

    /// The inputs of design path `path`.
    pub fn draws(&self, s: &Scenario, path: u64) -> Draws {
        let (row, run) = self.locate(path);
        let matrix = match run {
            Run::A | Run::ABModel => Matrix::A,
            Run::B => Matrix::B,
            Run::AB(j) => Matrix::AB(j),
        };
        let mut unit = vec![0.0; self.columns.len()];
        self.saltelli.fill(row, matrix, &mut unit);
        let mut uniforms: Vec<Option<f64>> = vec![None; s.inputs.len()];
        for (c, &i) in self.columns.iter().enumerate() {
            uniforms[i] = Some(unit[c]);
        }
        if let Some(copula) = &self.copula {
            copula.couple(&mut uniforms);
        }
        Draws::from_values(
            s.inputs
                .iter()
                .zip(uniforms)
                .map(|(input, u)| match u {
                    Some(u) => input.dist.quantile(u),
                    None => input.dist.median(),
                })
                .collect(),
        )
    }

    /// The seed and stream index of design path `path`'s model randomness: 2r for A and the
    /// AB_j of row r, 2r + 1 for B and AB_ω.
    pub fn streams(&self, seed: u64, path: u64) -> (u64, u64) {
        let (row, run) = self.locate(path);
        let b = matches!(run, Run::B | Run::ABModel);
        (seed, 2 * row + u64::from(b))
    }
}

/// The paths of a design from design path `first` on, as a runner's source of inputs: the
/// runner's path `i` is design path `first + i` (rounds of rows run as runs of their own).
pub struct DesignPaths<'a> {
    pub design: &'a Design,
    pub first: u64,
}

impl Inputs for DesignPaths<'_> {
    fn draws(&self, s: &Scenario, _seed: u64, path: u64) -> Draws {
        self.design.draws(s, self.first + path)
    }

    fn streams(&self, seed: u64, path: u64) -> (u64, u64) {
        self.design.streams(seed, self.first + path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Options, simulate};

    use crate::scenario::fixture::tiny_with as scenario;

    const CORRELATED: &str = "[[correlation]]\nbetween = [\"segment.enterprise.bass_q\", \"segment.developer.bass_q\"]\nrank = 0.6\n";

    #[test]
    fn ab_paths_take_their_group_from_b_and_everything_else_from_a() {
        let s = scenario(CORRELATED);
        for points in [Points::Random, Points::Sobol] {
            let d = Design::new(&s, Grouping::Auto, points, 5).unwrap();
            let per = d.runs_per_row();
            assert_eq!(per, d.k() as u64 + 3);
            for row in [0u64, 7, 300] {
                let at = |m: u64| d.draws(&s, row * per + m);
                let (a, b) = (at(0), at(1));
                for (j, g) in d.groups.iter().enumerate() {
                    let ab = at(2 + j as u64);
                    for (i, input) in s.inputs.iter().enumerate() {
                        let from = if g.inputs.contains(&input.name) {
                            &b
                        } else {
                            &a
                        };
                        assert_eq!(ab.values()[i], from.values()[i], "{}", input.name);
                    }
                }
                assert_eq!(at(per - 1), a, "AB_ω has A's inputs");
                assert_eq!(d.locate(row * per + per - 1), (row, Run::ABModel));
                assert_eq!(d.streams(9, row * per), (9, 2 * row));
                assert_eq!(d.streams(9, row * per + 1), (9, 2 * row + 1));
                assert_eq!(d.streams(9, row * per + 2), (9, 2 * row));
                assert_eq!(d.streams(9, row * per + per - 1), (9, 2 * row + 1));
            }
        }
    }

    #[test]
    fn marginals_and_the_correlation_hold_in_a_and_b() {
        let s = scenario(CORRELATED);
        let d = Design::new(&s, Grouping::Auto, Points::Random, 1).unwrap();
        let per = d.runs_per_row();
        let (e, v) = (
            s.find_input("segment.enterprise.bass_q").unwrap(),
            s.find_input("segment.developer.bass_q").unwrap(),
        );
        let price = s.find_input("vendor.Challenger.launch_price").unwrap();
        let n = 20_000u64;
        let (mut xe, mut xv, mut p) = (vec![], vec![], vec![]);
        for row in 0..n {
            for m in [0, 1] {
                let draws = d.draws(&s, row * per + m);
                xe.push(draws.get(e));
                xv.push(draws.get(v));
                p.push(draws.get(price));
            }
        }
        let rho = crate::stats::spearman(&xe, &xv);
        assert!((rho - 0.6).abs() < 0.02, "rank correlation {rho}");
        p.sort_by(f64::total_cmp);
        let median = p[p.len() / 2];
        assert!((median / 0.25 - 1.0).abs() < 0.03, "median price {median}");
        // Dropped with --groups inputs: independent.
        let d = Design::new(&s, Grouping::Inputs, Points::Random, 1).unwrap();
        assert!(d.correlations_dropped(&s));
        let (mut xe, mut xv) = (vec![], vec![]);
        for row in 0..n {
            let draws = d.draws(&s, row * d.runs_per_row());
            xe.push(draws.get(e));
            xv.push(draws.get(v));
        }
        assert!(crate::stats::spearman(&xe, &xv).abs() < 0.03);
    }

    #[test]
    fn a_dummy_input_changes_nothing_only_with_the_model_randomness_of_its_row() {
        // A shock that never happens: its factor is never read by the model.
        let s = scenario(
            "[[shock]]\nname = \"never\"\ndate = \"2026-01\"\ntarget = \"cost\"\n\
             factor = { dist = \"uniform\", low = 0.5, high = 2.0 }\nprobability = 0\n",
        );
        let d = Design::new(&s, Grouping::Auto, Points::Random, 3).unwrap();
        let j = d
            .groups
            .iter()
            .position(|g| g.label == "shock.never.factor")
            .unwrap();
        let per = d.runs_per_row();
        let factor = s.find_input("shock.never.factor").unwrap();
        for row in 0..4 {
            let (a, ab) = (row * per, row * per + 2 + j as u64);
            let (da, dab) = (d.draws(&s, a), d.draws(&s, ab));
            assert_ne!(da.get(factor), dab.get(factor));
            let (sa, sab) = (d.streams(3, a), d.streams(3, ab));
            let fa = simulate(&s, &da, sa.1, sa.0, Options::default());
            let fab = simulate(&s, &dab, sab.1, sab.0, Options::default());
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
            assert_eq!(bits(&fa.values), bits(&fab.values), "row {row}");
            // The same inputs with another path's randomness give another path: keyed by the
            // path index, the dummy would seem to matter.
            let other = simulate(&s, &dab, sab.1 + 2, sab.0, Options::default());
            assert_ne!(bits(&fa.values), bits(&other.values), "row {row}");
        }
    }
}
