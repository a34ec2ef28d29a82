//! Draws for one path: one value per input, from streams keyed by `(seed, purpose)` with the
//! path index as the ChaCha stream number (DESIGN.md §2).
//!
//! Each input has its own stream keyed by its dotted name, so two scenarios that share an
//! input draw the same value for it on the same path (common random numbers), and a path's
//! result never depends on which other paths run, on threads or on shards.

use crate::scenario::{InputKind, Marginal, ParamId, Scenario, dist::open_unit};
use chacha20::ChaCha8Rng;
use rand::SeedableRng;

/// A generator for one purpose (`"input:vendor.DeepSeek.launch_price"`, `"cohorts:enterprise"`)
/// of path `path` in a run seeded with `seed`. The key is a fixed 64-bit FNV-1a hash of the
/// purpose mixed with the seed (stable across platforms and Rust versions), expanded to a
/// ChaCha key by SplitMix64; the path index is the ChaCha stream.
pub fn stream(seed: u64, purpose: &str, path: u64) -> ChaCha8Rng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in purpose.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut state = h ^ seed.rotate_left(32) ^ 0x9e37_79b9_7f4a_7c15;
    let mut key = [0u8; 32];
    for chunk in key.chunks_mut(8) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(path);
    rng
}

/// One value for every per-path input of a scenario (population inputs hold their median,
/// which nothing reads: populations are drawn by the model from its own streams).
#[derive(Debug, Clone, PartialEq)]
pub struct Draws {
    values: Vec<f64>,
}

impl Draws {
    /// Independent draws for path `path` (plain Monte Carlo).
    pub fn random(scenario: &Scenario, seed: u64, path: u64) -> Self {
        let values = scenario
            .inputs
            .iter()
            .map(|input| match input.kind {
                InputKind::Path if !input.dist.is_fixed() => {
                    let mut rng = stream(seed, &format!("input:{}", input.name), path);
                    input.dist.quantile(open_unit(&mut rng))
                }
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
