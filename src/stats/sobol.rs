//! Variance-based sensitivity: Sobol' first-order and total indices of k input groups, from
//! the standard two-base-matrix design, with bootstrap intervals.
//!
//! The design (Saltelli et al. 2010, Comput. Phys. Commun. 181:259-270): two independent
//! base matrices A and B of N rows over all inputs, and for each group i the mixed matrix
//! AB_i — A with group i's columns taken from B. The model is run on every row of A, B and
//! each AB_i: N (k + 2) runs. [`SaltelliDesign`] hands out those rows as points of the unit
//! cube (the caller maps them to its inputs' distributions); [`SobolRows`] collects the
//! outputs row by row and [`SobolRows::analyze`] turns them into [`SobolIndices`].
//!
//! Estimators, with f_A, f_B, f_ABi the outputs of row j, m the pooled mean of A and B:
//! - Var(Y) = (1/(2N)) Σ_j [(f_A − m)² + (f_B − m)²], m = (1/(2N)) Σ_j (f_A + f_B): the
//!   population (divide-by-2N) variance of the 2N pooled values of A and B.
//! - First order, Saltelli et al. (2010) Table 2 (b): V_i = (1/N) Σ_j (f_B − m)(f_ABi − f_A),
//!   S_i = V_i / Var(Y). The formula is applied to Y − m (SALib does the same): centring does
//!   not change its expectation but removes the (mean²)-sized noise the raw product carries
//!   when |E Y| ≫ sd Y, as with money-valued outputs.
//! - Total, Jansen (1999), Comput. Phys. Commun. 117:35-43:
//!   VT_i = (1/(2N)) Σ_j (f_A − f_ABi)², ST_i = VT_i / Var(Y).
//!
//! Bootstrap (B resamples, default 1000): rows j are drawn with replacement — the same rows
//! for A, B and every AB_i — and m, Var(Y), every S_i, ST_i and Σ S_i are recomputed from each
//! resample; the standard error is the resamples' standard deviation and the interval their
//! percentiles.
//!
//! Degenerate input: a row with any NaN or infinite output is dropped from all matrices
//! (counted, not silently); if every f(A) and f(B) is equal, Var(Y) = 0 and the indices,
//! 0/0, are reported as 0 with se 0 and interval [0, 0] and [`SobolIndices::constant_output`]
//! set; no finite row at all is an error. Nothing panics on data.
//!
//! Everything is a deterministic function of the rows in row order: sums run over rows in
//! that order on one thread, so shards that each collect a contiguous block of rows and are
//! [`SobolRows::append`]ed in row order give bit-identical results to one collector. The
//! bootstrap draws from a SplitMix64 stream per resample derived from the caller's seed.

use std::fmt;

use super::sobol_seq::{DimsOutOfRange, SobolSeq, mix64, unit_from_bits};

/// Where the base matrices A and B come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BasePoints {
    /// A = the first `inputs` coordinates and B = the next `inputs` coordinates of one
    /// Owen-scrambled Sobol' sequence of 2 × `inputs` dimensions (row j = point j), the
    /// randomized-QMC choice Saltelli et al. (2010) recommend. Best with N a power of two.
    /// The estimates are then usually far more accurate than with Monte Carlo rows, but the
    /// row bootstrap of [`SobolRows::analyze`] assumes independent rows and so overstates
    /// their error (conservative intervals: Ishigami, N = 1024, covered 600 of 600).
    ScrambledSobol { seed: u64 },
    /// Independent uniforms, hashed from (seed, row, column): plain Monte Carlo.
    MonteCarlo { seed: u64 },
}

/// Which matrix of the design a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Matrix {
    /// Base matrix A.
    A,
    /// Base matrix B.
    B,
    /// AB_i: A with the columns of group i (0-based) taken from B.
    AB(usize),
}

/// The design is impossible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DesignError {
    /// No input columns were given.
    NoInputs,
    /// Group labels must be 0..k with every group having a column; this one has none.
    EmptyGroup(usize),
    /// The Sobol' sequence has too few dimensions for 2 × inputs.
    TooManyInputs(DimsOutOfRange),
}

impl fmt::Display for DesignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DesignError::NoInputs => write!(f, "a sensitivity design needs at least one input"),
            DesignError::EmptyGroup(g) => write!(f, "input group {g} has no input"),
            DesignError::TooManyInputs(e) => write!(
                f,
                "too many inputs for the Sobol' base points (A and B need twice as many): {e}"
            ),
        }
    }
}

impl std::error::Error for DesignError {}

#[derive(Debug, Clone)]
enum Base {
    Sobol(SobolSeq),
    MonteCarlo(u64),
}

/// The Saltelli design over `inputs` unit-cube columns partitioned into k groups.
///
/// Row j of A is `(a_j1, .., a_jd)`, of B `(b_j1, .., b_jd)`, and of AB_i the row of A with
/// every column c of group i replaced by b_jc. Stateless per row: any shard can fill any row.
#[derive(Debug, Clone)]
pub struct SaltelliDesign {
    group_of: Vec<usize>,
    groups: usize,
    base: Base,
}

impl SaltelliDesign {
    /// `group_of[c]` is the group (0-based) of input column c; the groups must be exactly
    /// 0..k with none empty. With [`BasePoints::ScrambledSobol`], 2 × inputs must not exceed
    /// [`super::sobol_seq::MAX_DIMS`].
    pub fn new(group_of: Vec<usize>, base: BasePoints) -> Result<SaltelliDesign, DesignError> {
        if group_of.is_empty() {
            return Err(DesignError::NoInputs);
        }
        let groups = group_of.iter().max().unwrap() + 1;
        let mut has = vec![false; groups];
        for &g in &group_of {
            has[g] = true;
        }
        if let Some(g) = has.iter().position(|h| !h) {
            return Err(DesignError::EmptyGroup(g));
        }
        let base = match base {
            BasePoints::ScrambledSobol { seed } => Base::Sobol(
                SobolSeq::new(2 * group_of.len(), seed).map_err(DesignError::TooManyInputs)?,
            ),
            BasePoints::MonteCarlo { seed } => Base::MonteCarlo(seed),
        };
        Ok(SaltelliDesign {
            group_of,
            groups,
            base,
        })
    }

    /// One group per input column (group i = column i).
    pub fn ungrouped(inputs: usize, base: BasePoints) -> Result<SaltelliDesign, DesignError> {
        SaltelliDesign::new((0..inputs).collect(), base)
    }

    /// Number of input columns d.
    pub fn inputs(&self) -> usize {
        self.group_of.len()
    }

    /// Number of groups k.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// The group of each input column.
    pub fn group_of(&self) -> &[usize] {
        &self.group_of
    }

    /// Model runs per design row: k + 2 (A, B and each AB_i).
    pub fn runs_per_row(&self) -> usize {
        self.groups + 2
    }

    /// Column `input` of row `row` of A, in (0,1).
    #[inline]
    pub fn a(&self, row: u64, input: usize) -> f64 {
        self.base_point(row, input)
    }

    /// Column `input` of row `row` of B, in (0,1).
    #[inline]
    pub fn b(&self, row: u64, input: usize) -> f64 {
        self.base_point(row, self.group_of.len() + input)
    }

    #[inline]
    fn base_point(&self, row: u64, column: usize) -> f64 {
        match &self.base {
            Base::Sobol(seq) => seq.point(row, column),
            Base::MonteCarlo(seed) => unit_from_bits(hash3(*seed, row, column as u64)),
        }
    }

    /// Row `row` of `matrix` into `out[..inputs]` (unit-cube coordinates).
    /// Panics if `out` is too short or the group of `Matrix::AB` is out of range.
    pub fn fill(&self, row: u64, matrix: Matrix, out: &mut [f64]) {
        let out = &mut out[..self.group_of.len()];
        match matrix {
            Matrix::A => out
                .iter_mut()
                .enumerate()
                .for_each(|(c, o)| *o = self.a(row, c)),
            Matrix::B => out
                .iter_mut()
                .enumerate()
                .for_each(|(c, o)| *o = self.b(row, c)),
            Matrix::AB(i) => {
                assert!(i < self.groups, "group {i} of {}", self.groups);
                for (c, o) in out.iter_mut().enumerate() {
                    *o = if self.group_of[c] == i {
                        self.b(row, c)
                    } else {
                        self.a(row, c)
                    };
                }
            }
        }
    }
}

/// Three 64-bit words hashed to one (chained SplitMix64 finalizers; injective in the last word
/// for fixed first two).
fn hash3(a: u64, b: u64, c: u64) -> u64 {
    const G: u64 = 0x9e37_79b9_7f4a_7c15;
    let h = mix64(a.wrapping_add(G));
    let h = mix64(h ^ b.wrapping_add(G.wrapping_mul(2)));
    mix64(h ^ c.wrapping_add(G.wrapping_mul(3)))
}

/// The SplitMix64 generator (Steele, Lea & Flood 2014): a small, self-contained stream.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }

    /// Uniform in 0..n (n ≥ 1), without bias: Lemire's multiply-shift with rejection
    /// (ACM TOMACS 29(1), 2019).
    fn below(&mut self, n: u64, threshold: u64) -> usize {
        loop {
            let m = self.next_u64() as u128 * n as u128;
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bootstrap {
    /// Number of resamples B (0: no intervals; se, lo and hi are then NaN).
    pub resamples: usize,
    /// Seed of the resampling streams; results are a deterministic function of it.
    pub seed: u64,
    /// Coverage c of the percentile intervals, in (0, 1): bounds at the (1 − c)/2 and
    /// (1 + c)/2 quantiles of the resampled estimates.
    pub confidence: f64,
}

impl Default for Bootstrap {
    /// 1000 resamples, seed 0, 95% intervals.
    fn default() -> Self {
        Bootstrap {
            resamples: 1000,
            seed: 0,
            confidence: 0.95,
        }
    }
}

impl Bootstrap {
    /// The defaults with another seed.
    pub fn with_seed(seed: u64) -> Self {
        Bootstrap {
            seed,
            ..Bootstrap::default()
        }
    }
}

/// A point estimate with its bootstrap standard error and percentile interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The estimate from all retained rows.
    pub value: f64,
    /// Bootstrap standard error: the sample standard deviation (divide by B − 1) of the B
    /// resampled estimates.
    pub se: f64,
    /// Lower bootstrap percentile bound: the (1 − c)/2 quantile of the resampled estimates
    /// (linear interpolation between order statistics, Hyndman & Fan type 7).
    pub lo: f64,
    /// Upper bootstrap percentile bound: the (1 + c)/2 quantile, likewise.
    pub hi: f64,
}

impl Estimate {
    /// Whether `x` lies in [lo, hi].
    pub fn contains(&self, x: f64) -> bool {
        self.lo <= x && x <= self.hi
    }
}

/// Sobol' indices of k groups.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolIndices {
    /// First-order indices S_i = V_i / Var(Y), V_i = (1/N) Σ_j (f_B − m)(f_ABi − f_A)
    /// (Saltelli et al. 2010), one per group.
    pub first: Vec<Estimate>,
    /// Total indices ST_i = VT_i / Var(Y), VT_i = (1/(2N)) Σ_j (f_A − f_ABi)² (Jansen 1999),
    /// one per group.
    pub total: Vec<Estimate>,
    /// Σ_i S_i, with its own bootstrap interval (each resample sums its own S_i). Near 1 for
    /// an additive model; 1 − Σ S_i is the share of variance due to interactions.
    pub first_sum: Estimate,
    /// Pooled mean m of f(A) and f(B).
    pub mean: f64,
    /// Var(Y) = (1/(2N)) Σ_j [(f_A − m)² + (f_B − m)²]: the divide-by-2N variance of the
    /// pooled f(A) and f(B).
    pub variance: f64,
    /// Rows used (all outputs finite).
    pub rows_used: usize,
    /// Rows dropped because some output of the row (A, B or any AB_i) was NaN or infinite.
    pub rows_dropped: usize,
    /// All f(A) and f(B) were equal, so Var(Y) = 0 and the indices (0/0) are reported as 0,
    /// with se 0 and intervals [0, 0].
    pub constant_output: bool,
    /// The bootstrap settings used.
    pub bootstrap: Bootstrap,
}

/// The outputs cannot be analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SobolError {
    /// No row had all its outputs finite (`rows` rows were given).
    NoFiniteRows { rows: usize },
    /// f(A), f(B) and the f(AB_i) columns differ in length, or there are no AB columns.
    Shape(String),
    /// Appended rows do not continue the rows collected so far: they start at design row
    /// `got_first_row` where `expected_first_row` was next.
    NotContiguous {
        expected_first_row: u64,
        got_first_row: u64,
    },
}

impl fmt::Display for SobolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SobolError::NoFiniteRows { rows } => write!(
                f,
                "none of the {rows} design rows has finite outputs in every matrix"
            ),
            SobolError::Shape(s) => write!(f, "{s}"),
            SobolError::NotContiguous {
                expected_first_row,
                got_first_row,
            } => write!(
                f,
                "rows starting at {got_first_row} appended where row {expected_first_row} was expected"
            ),
        }
    }
}

impl std::error::Error for SobolError {}

/// Model outputs of consecutive design rows: for each row j, f(A)_j, f(B)_j and f(AB_i)_j
/// for every group i.
///
/// Mergeable: shards collect contiguous blocks of rows (each started with
/// [`SobolRows::starting_at`]) and are [`SobolRows::append`]ed in row order; the analysis of
/// the whole is bit-identical however the rows were split or which thread computed them.
///
/// Rows with any NaN or infinite output are kept as given but dropped from all matrices at
/// analysis (counted in [`SobolIndices::rows_dropped`]): a row is only usable whole, since
/// every estimator pairs A, B and AB_i of the same row.
#[derive(Debug, Clone, PartialEq)]
pub struct SobolRows {
    groups: usize,
    first_row: u64,
    /// Row-major, stride k + 2: f_A, f_B, f_AB0, .., f_AB(k-1).
    data: Vec<f64>,
}

impl SobolRows {
    /// Empty, for `groups` ≥ 1 groups, starting at design row 0.
    pub fn new(groups: usize) -> SobolRows {
        SobolRows::starting_at(groups, 0)
    }

    /// Empty, for a shard whose first design row is `first_row`.
    pub fn starting_at(groups: usize, first_row: u64) -> SobolRows {
        assert!(groups >= 1, "Sobol' indices need at least one group");
        SobolRows {
            groups,
            first_row,
            data: Vec::new(),
        }
    }

    /// From whole columns: `f_a` and `f_b` of length N and `f_ab[i]` (length N) for each
    /// group i.
    pub fn from_columns<C: AsRef<[f64]>>(
        f_a: &[f64],
        f_b: &[f64],
        f_ab: &[C],
    ) -> Result<SobolRows, SobolError> {
        let n = f_a.len();
        if f_ab.is_empty() {
            return Err(SobolError::Shape("no f(AB_i) columns".into()));
        }
        if f_b.len() != n || f_ab.iter().any(|c| c.as_ref().len() != n) {
            return Err(SobolError::Shape(format!(
                "f(A) has {n} rows, f(B) {}, f(AB_i) {:?}",
                f_b.len(),
                f_ab.iter().map(|c| c.as_ref().len()).collect::<Vec<_>>()
            )));
        }
        let mut rows = SobolRows::new(f_ab.len());
        rows.data.reserve(n * (f_ab.len() + 2));
        let mut ab = vec![0.0; f_ab.len()];
        for j in 0..n {
            for (x, c) in ab.iter_mut().zip(f_ab) {
                *x = c.as_ref()[j];
            }
            rows.push_row(f_a[j], f_b[j], &ab);
        }
        Ok(rows)
    }

    /// Appends the next design row. Panics unless `f_ab.len()` is the number of groups.
    pub fn push_row(&mut self, f_a: f64, f_b: f64, f_ab: &[f64]) {
        assert_eq!(f_ab.len(), self.groups, "one f(AB_i) per group");
        self.data.push(f_a);
        self.data.push(f_b);
        self.data.extend_from_slice(f_ab);
    }

    /// Appends `other`, which must start at the row after this one's last.
    pub fn append(&mut self, other: &SobolRows) -> Result<(), SobolError> {
        if other.groups != self.groups {
            return Err(SobolError::Shape(format!(
                "appending rows of {} groups to rows of {}",
                other.groups, self.groups
            )));
        }
        let expected = self.first_row + self.len() as u64;
        if other.first_row != expected {
            return Err(SobolError::NotContiguous {
                expected_first_row: expected,
                got_first_row: other.first_row,
            });
        }
        self.data.extend_from_slice(&other.data);
        Ok(())
    }

    /// Number of groups k.
    pub fn groups(&self) -> usize {
        self.groups
    }

    /// Design row of the first collected row.
    pub fn first_row(&self) -> u64 {
        self.first_row
    }

    /// Number of rows collected.
    pub fn len(&self) -> usize {
        self.data.len() / (self.groups + 2)
    }

    /// Whether no row was collected.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// First-order and total indices with bootstrap intervals, from the N rows whose outputs
    /// are all finite, in row order:
    /// - m = (1/(2N)) Σ_j (f_A + f_B), Var(Y) = (1/(2N)) Σ_j [(f_A − m)² + (f_B − m)²];
    /// - S_i = V_i / Var(Y), V_i = (1/N) Σ_j (f_B − m)(f_ABi − f_A) (Saltelli et al. 2010,
    ///   Comput. Phys. Commun. 181:259-270, applied to Y − m);
    /// - ST_i = VT_i / Var(Y), VT_i = (1/(2N)) Σ_j (f_A − f_ABi)² (Jansen 1999, Comput. Phys.
    ///   Commun. 117:35-43).
    ///
    /// The bootstrap resamples those rows with replacement — the same rows for A, B and
    /// every AB_i — and recomputes m, Var(Y), every S_i, ST_i and Σ S_i from each resample.
    /// Resample r draws from SplitMix64 seeded with a hash of (seed, r), so results depend on
    /// nothing but the rows, their order and `bootstrap`. Cost: O(B N (k + 2)).
    pub fn analyze(&self, bootstrap: &Bootstrap) -> Result<SobolIndices, SobolError> {
        let (k, stride) = (self.groups, self.groups + 2);
        let rows = self.len();
        // Keep whole finite rows, in row order.
        let mut kept: Vec<f64> = Vec::with_capacity(self.data.len());
        for row in self.data.chunks_exact(stride) {
            if row.iter().all(|x| x.is_finite()) {
                kept.extend_from_slice(row);
            }
        }
        let n = kept.len() / stride;
        if n == 0 {
            return Err(SobolError::NoFiniteRows { rows });
        }
        let pooled = || kept.chunks_exact(stride).flat_map(|r| [r[0], r[1]]);
        let constant_output = pooled().all(|y| y == kept[0]);
        let (mean, variance) = if constant_output {
            (kept[0], 0.0)
        } else {
            let mean = pooled().sum::<f64>() / (2 * n) as f64;
            let ss = pooled().map(|y| (y - mean) * (y - mean)).sum::<f64>();
            (mean, ss / (2 * n) as f64)
        };
        // Centre every output by the pooled mean: the estimates are shift invariant (the first
        // order one because m is recomputed from each resample), and the one-pass sums below
        // then lose no precision to a large mean.
        for x in kept.iter_mut() {
            *x -= mean;
        }

        let mut sums = Sums::new(k);
        let mut first = vec![0.0; k];
        let mut total = vec![0.0; k];
        if !constant_output {
            for row in kept.chunks_exact(stride) {
                sums.add(row);
            }
            sums.indices(n, &mut first, &mut total);
        }
        let first_sum: f64 = first.iter().sum();

        let b = bootstrap.resamples;
        let mut rep_first = vec![0.0; b * k];
        let mut rep_total = vec![0.0; b * k];
        let mut rep_sum = vec![0.0; b];
        if !constant_output {
            let threshold = (n as u64).wrapping_neg() % n as u64;
            for r in 0..b {
                let mut rng = SplitMix64(mix64(bootstrap.seed ^ mix64(r as u64 + 1)));
                sums.clear();
                for _ in 0..n {
                    let j = rng.below(n as u64, threshold);
                    sums.add(&kept[j * stride..(j + 1) * stride]);
                }
                let (f, t) = (
                    &mut rep_first[r * k..(r + 1) * k],
                    &mut rep_total[r * k..(r + 1) * k],
                );
                sums.indices(n, f, t);
                rep_sum[r] = f.iter().sum();
            }
        }
        let alpha = (1.0 - bootstrap.confidence) / 2.0;
        let summarize = |value: f64, reps: &mut Vec<f64>| -> Estimate {
            if constant_output {
                return Estimate {
                    value,
                    se: 0.0,
                    lo: 0.0,
                    hi: 0.0,
                };
            }
            if reps.is_empty() {
                return Estimate {
                    value,
                    se: f64::NAN,
                    lo: f64::NAN,
                    hi: f64::NAN,
                };
            }
            let m = reps.iter().sum::<f64>() / reps.len() as f64;
            let ss = reps.iter().map(|x| (x - m) * (x - m)).sum::<f64>();
            let se = if reps.len() > 1 {
                (ss / (reps.len() - 1) as f64).sqrt()
            } else {
                0.0
            };
            reps.sort_by(f64::total_cmp);
            Estimate {
                value,
                se,
                lo: quantile_sorted(reps, alpha),
                hi: quantile_sorted(reps, 1.0 - alpha),
            }
        };
        let column =
            |reps: &[f64], i: usize| -> Vec<f64> { reps.chunks_exact(k).map(|r| r[i]).collect() };
        let first_est = (0..k)
            .map(|i| summarize(first[i], &mut column(&rep_first, i)))
            .collect();
        let total_est = (0..k)
            .map(|i| summarize(total[i], &mut column(&rep_total, i)))
            .collect();
        let first_sum = summarize(first_sum, &mut rep_sum);
        Ok(SobolIndices {
            first: first_est,
            total: total_est,
            first_sum,
            mean,
            variance,
            rows_used: n,
            rows_dropped: rows - n,
            constant_output,
            bootstrap: *bootstrap,
        })
    }
}

/// [`SobolRows::from_columns`] then [`SobolRows::analyze`]: Sobol' indices of the groups
/// whose AB outputs are `f_ab[i]`, from the outputs on A and B.
pub fn sobol_indices<C: AsRef<[f64]>>(
    f_a: &[f64],
    f_b: &[f64],
    f_ab: &[C],
    bootstrap: &Bootstrap,
) -> Result<SobolIndices, SobolError> {
    SobolRows::from_columns(f_a, f_b, f_ab)?.analyze(bootstrap)
}

/// Running sums over (centred) rows, enough for m, Var(Y), V_i and VT_i in one pass.
struct Sums {
    y: f64,
    yy: f64,
    /// Σ f_B d_i, Σ d_i and Σ d_i² with d_i = f_ABi − f_A.
    bd: Vec<f64>,
    d: Vec<f64>,
    dd: Vec<f64>,
}

impl Sums {
    fn new(k: usize) -> Sums {
        Sums {
            y: 0.0,
            yy: 0.0,
            bd: vec![0.0; k],
            d: vec![0.0; k],
            dd: vec![0.0; k],
        }
    }

    fn clear(&mut self) {
        self.y = 0.0;
        self.yy = 0.0;
        self.bd.fill(0.0);
        self.d.fill(0.0);
        self.dd.fill(0.0);
    }

    #[inline]
    fn add(&mut self, row: &[f64]) {
        let (a, b) = (row[0], row[1]);
        self.y += a + b;
        self.yy += a * a + b * b;
        for (i, &ab) in row[2..].iter().enumerate() {
            let d = ab - a;
            self.bd[i] += b * d;
            self.d[i] += d;
            self.dd[i] += d * d;
        }
    }

    /// S_i and ST_i from sums over n rows: m = Σy/(2n), Var = Σy²/(2n) − m²,
    /// V_i = (Σ f_B d_i − m Σ d_i)/n = (1/n) Σ (f_B − m) d_i, VT_i = Σ d_i²/(2n).
    /// A resample with (numerically) zero variance gets indices 0, as the whole sample does.
    fn indices(&self, n: usize, first: &mut [f64], total: &mut [f64]) {
        let (n, two_n) = (n as f64, 2.0 * n as f64);
        let m = self.y / two_n;
        let second = self.yy / two_n;
        let var = second - m * m;
        if var <= 4.0 * f64::EPSILON * second {
            first.fill(0.0);
            total.fill(0.0);
            return;
        }
        for i in 0..first.len() {
            first[i] = (self.bd[i] - m * self.d[i]) / n / var;
            total[i] = self.dd[i] / two_n / var;
        }
    }
}

/// The p-quantile of sorted, non-empty `xs` by linear interpolation between order statistics
/// (Hyndman & Fan type 7): h = (len − 1) p, xs[⌊h⌋] + (h − ⌊h⌋)(xs[⌊h⌋ + 1] − xs[⌊h⌋]).
fn quantile_sorted(xs: &[f64], p: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * p.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(xs.len() - 1);
    xs[lo] + (h - lo as f64) * (xs[hi] - xs[lo])
}

#[cfg(test)]
mod tests;
