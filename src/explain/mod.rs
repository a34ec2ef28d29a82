//! `explain`: one path at the medians, and the collapse factor split into its four vectors
//! by a Shapley decomposition of its logarithm (DESIGN.md §6).

use crate::model::{self, Options, PathResult, Switches};
use crate::sample::Draws;
use crate::scenario::Scenario;

/// The collapse factor at `collapse_date` as a product: residual (every vector off) times one
/// multiplier per vector. `residual × hardware × efficiency × competition × devices = total`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Decomposition {
    pub hardware: f64,
    pub efficiency: f64,
    pub competition: f64,
    pub devices: f64,
    pub residual: f64,
    pub total: f64,
}

/// The median path with its timeline, and the decomposition of its collapse factor.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub path: PathResult,
    pub decomposition: Decomposition,
}

fn switches(mask: usize) -> Switches {
    Switches {
        hardware: mask & 1 != 0,
        efficiency: mask & 2 != 0,
        competition: mask & 4 != 0,
        devices: mask & 8 != 0,
    }
}

/// Shapley values of a game on 4 players given `v(mask)` for all 16 coalitions.
pub fn shapley4(v: &[f64; 16]) -> [f64; 4] {
    // Weight |S|! (n - |S| - 1)! / n! for n = 4.
    const W: [f64; 4] = [1.0 / 4.0, 1.0 / 12.0, 1.0 / 12.0, 1.0 / 4.0];
    let mut phi = [0.0; 4];
    for (k, p) in phi.iter_mut().enumerate() {
        for s in 0..16usize {
            if s & (1 << k) == 0 {
                *p += W[s.count_ones() as usize] * (v[s | (1 << k)] - v[s]);
            }
        }
    }
    phi
}

/// Runs the scenario at its medians (path 0 of its seed) with every vector on, and the 15
/// other on/off combinations for the decomposition. Every combination shares every draw.
pub fn explain(scenario: &Scenario) -> Explanation {
    let draws = Draws::medians(scenario);
    let run = |mask: usize, record_events: bool| {
        model::simulate(
            scenario,
            &draws,
            0,
            scenario.seed,
            Options {
                switches: switches(mask),
                record_events,
            },
        )
    };
    let path = run(15, true);
    let mut v = [0.0; 16];
    for (mask, value) in v.iter_mut().enumerate() {
        let collapse = if mask == 15 {
            path.scalars.collapse_factor
        } else {
            run(mask, false).scalars.collapse_factor
        };
        *value = collapse.ln();
    }
    let phi = shapley4(&v);
    let decomposition = Decomposition {
        hardware: phi[0].exp(),
        efficiency: phi[1].exp(),
        competition: phi[2].exp(),
        devices: phi[3].exp(),
        residual: v[0].exp(),
        total: v[15].exp(),
    };
    Explanation {
        path,
        decomposition,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_of_an_additive_game_is_its_parts() {
        let parts = [1.0, -2.0, 0.5, 3.0];
        let mut v = [0.0; 16];
        for (s, x) in v.iter_mut().enumerate() {
            *x = 7.0
                + (0..4)
                    .filter(|k| s & (1 << k) != 0)
                    .map(|k| parts[k])
                    .sum::<f64>();
        }
        let phi = shapley4(&v);
        for k in 0..4 {
            assert!((phi[k] - parts[k]).abs() < 1e-12);
        }
    }

    #[test]
    fn shapley_splits_an_interaction_evenly_and_sums_to_the_total() {
        // v = 1 only when players 0 and 1 are both in.
        let mut v = [0.0; 16];
        for (s, x) in v.iter_mut().enumerate() {
            *x = if s & 3 == 3 { 1.0 } else { 0.0 };
        }
        let phi = shapley4(&v);
        assert!((phi[0] - 0.5).abs() < 1e-12 && (phi[1] - 0.5).abs() < 1e-12);
        assert_eq!(phi[2], 0.0);
        assert!((phi.iter().sum::<f64>() - (v[15] - v[0])).abs() < 1e-12);
    }
}
