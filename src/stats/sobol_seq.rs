//! A scrambled Sobol' low-discrepancy sequence for randomized quasi-Monte Carlo (RQMC).
//!
//! Unscrambled points follow Joe & Kuo's `sobol.cc` exactly: direction numbers from their
//! `new-joe-kuo-6.21201` table (S. Joe and F. Y. Kuo, SIAM J. Sci. Comput. 30 (2008)
//! 2635-2654; table in `sobol_seq/joe_kuo.rs` with its licence), points in Gray-code order
//! (Antonov & Saleev), so point `i` is the XOR of the direction numbers picked by the bits of
//! `i ^ (i >> 1)`. The direction numbers are carried to 64 binary digits, so every `u64` index
//! is valid; for indices below 2^32 the leading 32 digits equal `sobol.cc`'s output.
//!
//! Scrambled points apply Owen's nested uniform scramble (A. B. Owen, "Randomly permuted
//! (t,m,s)-nets and (t,s)-sequences", Monte Carlo and Quasi-Monte Carlo Methods in Scientific
//! Computing, Springer 1995, 299-317) with hashed random bits in place of stored permutations,
//! as in Laine & Karras (2011) and B. Burley, "Practical Hash-based Owen Scrambling", JCGT 9(4)
//! (2020): digit k of a coordinate is flipped by one bit of a 64-bit hash of (seed, dimension,
//! digits 1..k-1 of the unscrambled coordinate). Unlike the Laine-Karras single-multiply hash,
//! every digit gets its own hash evaluation, so the flips are those of a full nested uniform
//! scramble up to the quality of the SplitMix64 finalizer. Each scrambled point is uniform on
//! (0,1)^d, and the net structure is kept: any 2^m consecutive points starting at a multiple of
//! 2^m put exactly one point in each interval [j/2^m, (j+1)/2^m) of every coordinate.

mod joe_kuo;

use std::fmt;

/// Dimensions the embedded direction numbers cover (dimension 1 plus Joe & Kuo's rows 2..=1024).
pub const MAX_DIMS: usize = joe_kuo::JOE_KUO.len() + 1;

/// Binary digits of each coordinate that are scrambled and turned into the `f64`: 52, so the
/// output `(x + 1/2) / 2^52` with `x < 2^52` is exactly representable and lies in (0,1).
const DIGITS: u32 = 52;

/// The licence under which Joe & Kuo's direction numbers are redistributed. Builds that ship
/// a binary must reproduce it in their documentation (it is printed by nothing here).
pub const DIRECTION_NUMBERS_LICENCE: &str = "Sobol' direction numbers: Copyright (c) 2008, \
Frances Y. Kuo and Stephen Joe. All rights reserved. Redistribution and use in source and \
binary forms, with or without modification, are permitted provided that the following \
conditions are met: * Redistributions of source code must retain the above copyright notice, \
this list of conditions and the following disclaimer. * Redistributions in binary form must \
reproduce the above copyright notice, this list of conditions and the following disclaimer in \
the documentation and/or other materials provided with the distribution. * Neither the names \
of the copyright holders nor the names of the University of New South Wales and the University \
of Waikato and its contributors may be used to endorse or promote products derived from this \
software without specific prior written permission. THIS SOFTWARE IS PROVIDED BY THE \
COPYRIGHT HOLDERS ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED \
TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE \
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDERS BE LIABLE FOR ANY DIRECT, INDIRECT, \
INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO, \
PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS \
INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT \
LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF \
THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.";

/// Asked for more dimensions than the embedded table has (or for none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DimsOutOfRange {
    /// The number of dimensions asked for.
    pub requested: usize,
}

impl fmt::Display for DimsOutOfRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a Sobol' sequence of {} dimensions was asked for; 1 to {MAX_DIMS} are supported",
            self.requested
        )
    }
}

impl std::error::Error for DimsOutOfRange {}

/// A `dims`-dimensional Sobol' sequence, Owen-scrambled with `seed`.
///
/// Stateless per point: `point(i, j)` depends only on `(seed, i, j)`, so any shard can compute
/// any row, in any order, on any thread, with identical results.
#[derive(Debug, Clone)]
pub struct SobolSeq {
    dims: usize,
    seed: u64,
    /// `v[j * 64 + b]`: direction number V_{b+1} of dimension j, i.e. `m_{b+1} / 2^(b+1)` as
    /// a 64-digit binary fraction (`m_{b+1} << (63 - b)`).
    v: Vec<u64>,
    /// One scramble key per dimension, derived from `seed`.
    keys: Vec<u64>,
}

impl SobolSeq {
    /// The first `dims` dimensions (1 ≤ dims ≤ [`MAX_DIMS`]) scrambled with `seed`.
    pub fn new(dims: usize, seed: u64) -> Result<SobolSeq, DimsOutOfRange> {
        if dims == 0 || dims > MAX_DIMS {
            return Err(DimsOutOfRange { requested: dims });
        }
        let mut v = vec![0u64; dims * 64];
        for j in 0..dims {
            direction_numbers(j, &mut v[j * 64..(j + 1) * 64]);
        }
        let keys = (0..dims as u64)
            .map(|j| mix64(mix64(seed ^ 0x5851_f42d_4c95_7f2d).wrapping_add(mix64(j))))
            .collect();
        Ok(SobolSeq {
            dims,
            seed,
            v,
            keys,
        })
    }

    /// Number of dimensions.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The scrambling seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Coordinate `dim` (0-based, < `dims`) of scrambled point `index`, in the open interval
    /// (0,1): `(x + 1/2) / 2^52` where `x` is the top 52 digits of the Owen-scrambled
    /// coordinate. Panics if `dim >= dims`.
    #[inline]
    pub fn point(&self, index: u64, dim: usize) -> f64 {
        unit_from_bits(owen_scramble(self.bits(index, dim), self.keys[dim]))
    }

    /// All `dims` coordinates of scrambled point `index` into `out[..dims]`.
    /// Panics if `out` is shorter than `dims`.
    pub fn fill_point(&self, index: u64, out: &mut [f64]) {
        for (dim, o) in out[..self.dims].iter_mut().enumerate() {
            *o = self.point(index, dim);
        }
    }

    /// Coordinate `dim` of the unscrambled point `index`, in [0,1): the 64-digit binary
    /// fraction rounded to `f64` (exact for the small dyadic values of the first points).
    /// Point 0 is the origin. For checks against published values; use [`SobolSeq::point`] for
    /// integration.
    pub fn unscrambled(&self, index: u64, dim: usize) -> f64 {
        self.bits(index, dim) as f64 * (-64f64).exp2()
    }

    /// The unscrambled coordinate as 64 binary digits (bit 63 = first digit):
    /// `XOR_{b : bit b of gray(index) set} V_{b+1}` with `gray(i) = i ^ (i >> 1)`.
    #[inline]
    fn bits(&self, index: u64, dim: usize) -> u64 {
        let v = &self.v[dim * 64..(dim + 1) * 64];
        let mut g = index ^ (index >> 1);
        let mut x = 0u64;
        while g != 0 {
            x ^= v[g.trailing_zeros() as usize];
            g &= g - 1;
        }
        x
    }
}

/// Direction numbers V_1..V_64 of 0-based dimension `j` into `v`, by Bratley & Fox's
/// recurrence as in `sobol.cc`: V_k = m_k / 2^k for k ≤ s, then
/// V_k = V_{k-s} ⊕ (V_{k-s} >> s) ⊕ ⊕_{l=1}^{s-1} a_l V_{k-l}. With 64 digits nothing is
/// shifted out for k ≤ 64 (m_k < 2^k).
fn direction_numbers(j: usize, v: &mut [u64]) {
    if j == 0 {
        for (b, vb) in v.iter_mut().enumerate() {
            *vb = 1u64 << (63 - b);
        }
        return;
    }
    let (_, s, a, m) = joe_kuo::JOE_KUO[j - 1];
    let s = s as usize;
    for k in 0..64 {
        v[k] = if k < s {
            (m[k] as u64) << (63 - k)
        } else {
            let mut x = v[k - s] ^ (v[k - s] >> s);
            for l in 1..s {
                if (a >> (s - 1 - l)) & 1 == 1 {
                    x ^= v[k - l];
                }
            }
            x
        };
    }
}

/// Owen's nested uniform scramble of the leading [`DIGITS`] binary digits of `x` (bit 63 is
/// digit 1): digit k is flipped iff the top bit of `mix64(key ^ node)` is set, where `node`
/// identifies the digit's position in the binary tree, `node = 2^(k-1) + (digits 1..k-1 of x)`.
/// Distinct tree nodes give distinct hash inputs, so every node draws its own flip.
#[inline]
fn owen_scramble(x: u64, key: u64) -> u64 {
    let mut out = x;
    for k in 0..DIGITS {
        let prefix = if k == 0 { 0 } else { x >> (64 - k) };
        let node = (1u64 << k) | prefix;
        out ^= (mix64(key ^ node) >> 63) << (63 - k);
    }
    out
}

/// The SplitMix64 finalizer (Steele, Lea & Flood 2014): a bijective 64-bit mix.
#[inline]
pub(super) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `(x + 1/2) / 2^52` for the top 52 bits x of `h`: in the open interval (0,1), exactly.
#[inline]
pub(super) fn unit_from_bits(h: u64) -> f64 {
    ((h >> (64 - DIGITS)) as f64 + 0.5) * (-(DIGITS as f64)).exp2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed() {
        for (row, &(d, s, a, m)) in joe_kuo::JOE_KUO.iter().enumerate() {
            assert_eq!(d as usize, row + 2);
            assert_eq!(m.len(), s as usize, "d = {d}");
            assert!(a < (1 << (s - 1)).max(1), "d = {d}");
            for (k, &mk) in m.iter().enumerate() {
                assert!(
                    mk % 2 == 1 && (mk as u32) < (1 << (k + 1)),
                    "d = {d}, m_{}",
                    k + 1
                );
            }
        }
        // Degrees never decrease, and each polynomial appears once.
        for w in joe_kuo::JOE_KUO.windows(2) {
            assert!(w[0].1 < w[1].1 || (w[0].1 == w[1].1 && w[0].2 < w[1].2));
        }
        assert_eq!(MAX_DIMS, 1024);
        assert!(SobolSeq::new(0, 1).is_err());
        assert!(SobolSeq::new(MAX_DIMS + 1, 1).is_err());
        assert!(SobolSeq::new(MAX_DIMS, 1).is_ok());
    }

    #[test]
    fn unscrambled_points_match_published_values() {
        // The first eight points of Joe & Kuo's sobol.cc in dimensions 1-5, as multiples of
        // 1/8 (dimensions 1-3 are also scipy.stats.qmc.Sobol(scramble=False)'s documented
        // values; 4-5 from sobol.cc's recurrence run over the upstream file).
        let expected: [[u32; 8]; 5] = [
            [0, 4, 6, 2, 3, 7, 5, 1],
            [0, 4, 2, 6, 3, 7, 1, 5],
            [0, 4, 2, 6, 5, 1, 7, 3],
            [0, 4, 2, 6, 7, 3, 5, 1],
            [0, 4, 6, 2, 3, 7, 5, 1],
        ];
        let seq = SobolSeq::new(5, 0).unwrap();
        for (dim, row) in expected.iter().enumerate() {
            for (i, &e) in row.iter().enumerate() {
                assert_eq!(seq.unscrambled(i as u64, dim), e as f64 / 8.0, "{i} {dim}");
            }
        }
        // The whole table: an FNV-1a-style fold of the 32-bit integers sobol.cc prints
        // (point x 2^32) for points 0..4096 of all 1024 dimensions, dimension-major, computed
        // by an independent transcription of sobol.cc reading the upstream text file.
        let seq = SobolSeq::new(MAX_DIMS, 0).unwrap();
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for dim in 0..MAX_DIMS {
            for i in 0..4096 {
                let x = seq.bits(i, dim);
                assert_eq!(x & 0xffff_ffff, 0, "digits beyond 32 before 2^32 points");
                h = (h ^ (x >> 32)).wrapping_mul(0x100_0000_01b3);
            }
        }
        assert_eq!(h, 0x0545_bc7e_bda2_2325);
        assert_eq!(seq.bits(4095, 99) >> 32, 4_134_535_168);
        assert_eq!(seq.bits(3000, 1023) >> 32, 2_553_282_560);
        // 2^32 - 1 and beyond are valid indices: in dimension 1, gray(2^32 - 1) = 2^31 picks
        // V_32 alone, so point 2^32 - 1 is 2^-32.
        let seq = SobolSeq::new(1, 0).unwrap();
        assert_eq!(seq.unscrambled((1 << 32) - 1, 0), (-32f64).exp2());
        assert!(seq.unscrambled(1 << 40, 0) > 0.0);
    }

    #[test]
    fn scrambled_points_are_inside_the_open_cube_and_deterministic() {
        let seq = SobolSeq::new(8, 42).unwrap();
        let again = SobolSeq::new(8, 42).unwrap();
        let other = SobolSeq::new(8, 43).unwrap();
        let mut differ = 0;
        for i in (0..2000u64).chain([1 << 31, (1 << 32) - 1, 1 << 33, u64::MAX]) {
            for d in 0..8 {
                let x = seq.point(i, d);
                assert!(x > 0.0 && x < 1.0, "{x}");
                assert_eq!(x.to_bits(), again.point(i, d).to_bits());
                differ += (x != other.point(i, d)) as usize;
            }
        }
        assert_eq!(differ, 2004 * 8, "different seeds give different points");
        let mut buf = [0.0; 8];
        seq.fill_point(17, &mut buf);
        assert_eq!(buf[5], seq.point(17, 5));
    }

    #[test]
    fn every_dimension_is_stratified() {
        // One point in each 1/2^m interval, for the first 2^m points and for a later aligned
        // block, in all 1024 dimensions (the net property survives Owen scrambling).
        let m = 9;
        let n = 1u64 << m;
        let seq = SobolSeq::new(MAX_DIMS, 7).unwrap();
        for start in [0, 5 * n] {
            for d in 0..MAX_DIMS {
                let mut seen = vec![false; n as usize];
                for i in start..start + n {
                    let cell = (seq.point(i, d) * n as f64) as usize;
                    assert!(!seen[cell], "dimension {d}: two points in cell {cell}");
                    seen[cell] = true;
                }
            }
        }
        // Dimensions 1 and 2 form a (0, m, 2)-net: one point in every elementary box
        // 2^-a × 2^-(m-a), scrambled or not.
        for seed in [1, 2, 3] {
            let seq = SobolSeq::new(2, seed).unwrap();
            for a in 0..=m {
                let mut seen = vec![false; n as usize];
                for i in 0..n {
                    let (x, y) = (seq.point(i, 0), seq.point(i, 1));
                    let cx = (x * (1u64 << a) as f64) as usize;
                    let cy = (y * (1u64 << (m - a)) as f64) as usize;
                    let cell = (cx << (m - a)) | cy;
                    assert!(!seen[cell], "a = {a}: box {cell} twice");
                    seen[cell] = true;
                }
            }
        }
    }

    /// Root mean square error over `reps` scrambles of the n-point estimates of the integral
    /// of f(x) = prod_j (pi/2) sin(pi x_j) over [0,1]^dims (exactly 1), by scrambled Sobol'
    /// and by plain Monte Carlo.
    fn rmse(dims: usize, n: u64, reps: u64) -> (f64, f64) {
        let f = |x: &[f64]| {
            x.iter()
                .map(|&u| std::f64::consts::FRAC_PI_2 * (std::f64::consts::PI * u).sin())
                .product::<f64>()
        };
        let (mut qmc_sq, mut mc_sq) = (0.0, 0.0);
        let mut x = vec![0.0; dims];
        for r in 0..reps {
            let seq = SobolSeq::new(dims, 1000 + r).unwrap();
            let (mut q, mut m) = (0.0, 0.0);
            for i in 0..n {
                seq.fill_point(i, &mut x);
                q += f(&x);
                for (d, xd) in x.iter_mut().enumerate() {
                    *xd = unit_from_bits(mix64(mix64(r ^ (i << 8) ^ d as u64) ^ 0xabcd));
                }
                m += f(&x);
            }
            qmc_sq += (q / n as f64 - 1.0).powi(2);
            mc_sq += (m / n as f64 - 1.0).powi(2);
        }
        ((qmc_sq / reps as f64).sqrt(), (mc_sq / reps as f64).sqrt())
    }

    #[test]
    fn scrambled_sobol_integrates_a_smooth_function_far_better_than_monte_carlo() {
        // Five dimensions, 4096 points, 16 scrambles. Measured: RQMC RMSE 1.181e-3, MC RMSE
        // 2.500e-2 (theory for MC: sd sqrt((pi^2/8)^5 - 1) = 1.36, / 64 = 2.13e-2).
        let (qmc, mc) = rmse(5, 4096, 16);
        println!("d = 5, n = 4096: RMSE RQMC {qmc:.3e}, MC {mc:.3e}");
        assert!(mc > 1e-2 && mc < 4e-2, "MC RMSE {mc}");
        assert!(qmc < mc / 10.0, "RQMC RMSE {qmc} vs MC {mc}");
        // Two dimensions, 1024 -> 16384 points: the RQMC error falls faster than n^-1 (Owen
        // scrambling of a smooth integrand: ~n^-1.5), MC's as n^-1/2. Measured: 1.797e-4 ->
        // 3.584e-6, a factor 50 (n^-1 would be 16, MC's 4).
        let ((q1, _), (q2, _)) = (rmse(2, 1024, 16), rmse(2, 16384, 16));
        println!("d = 2: RQMC RMSE {q1:.3e} at 1024 points, {q2:.3e} at 16384");
        assert!(q1 / q2 > 16.0, "{q1} -> {q2}");
    }
}
