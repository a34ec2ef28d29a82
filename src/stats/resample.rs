//! Counter-based random numbers (SplitMix64): a uniform addressed by a key and counters, the
//! same wherever and whenever it is asked for, and a small seeded generator for resampling.
//! Both are fixed by their definition (Steele, Lea and Flood 2014), so the same on every
//! platform and Rust version.

/// The SplitMix64 finalizer: a bijective 64-bit mix.
pub fn splitmix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// A 64-bit number in (0, 1) with 53 random bits.
fn open(bits: u64) -> f64 {
    ((bits >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A uniform in (0, 1) addressed by `key` and the counters `a`, `b`, `c`: the same for the
/// same arguments, independent-looking for different ones. Whoever asks for `(a, b, c)` gets
/// the same number, in any order: the common random numbers of candidates that visit
/// different subsets of the addresses.
pub fn hashed_uniform(key: u64, a: u64, b: u64, c: u64) -> f64 {
    let mut h = splitmix64(key ^ a.wrapping_mul(GOLDEN));
    h = splitmix64(h ^ b.wrapping_mul(0xd1b5_4a32_d192_ed03));
    h = splitmix64(h ^ c.wrapping_mul(0x8cb9_2ba7_2f3d_8dd7));
    open(h)
}

/// The SplitMix64 generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        splitmix64(self.0)
    }

    /// A uniform in (0, 1).
    pub fn uniform(&mut self) -> f64 {
        open(self.next_u64())
    }

    /// A whole number in `0..n` (n > 0), by Lemire's multiply-shift (bias below 2^-32 for the
    /// sizes resampled here).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_its_reference_sequence() {
        // Reference: SplitMix64 seeded with 0 (Vigna's splitmix64.c) starts 0xe220a8397b1dcdaf.
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(g.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn hashed_uniforms_are_addressed_and_uniform() {
        assert_eq!(hashed_uniform(1, 2, 3, 4), hashed_uniform(1, 2, 3, 4));
        assert_ne!(hashed_uniform(1, 2, 3, 4), hashed_uniform(1, 2, 4, 3));
        let n = 20_000;
        let mean = (0..n).map(|i| hashed_uniform(7, 1, i, 0)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        let mut g = SplitMix64::new(3);
        let mut counts = [0u32; 4];
        (0..4000).for_each(|_| counts[g.below(4)] += 1);
        assert!(counts.iter().all(|c| (900..1100).contains(c)), "{counts:?}");
    }
}
