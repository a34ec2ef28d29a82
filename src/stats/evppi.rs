//! The expected value of (partial) perfect information of a decision among candidates whose
//! net benefit is known path by path: how much the expected benefit would rise if an input
//! were known before choosing.
//!
//! With `nb[d][i]` the benefit of candidate `d` on path `i` (weight `w_i`) and `d*` the
//! candidate of highest weighted mean:
//!
//! * **EVPI** = E[max_d nb_d] − E[nb_{d*}]: the mean of each path's best minus the choice's.
//! * **EVPPI of an input X**, by binning (Strong and Oakley 2013's "partition" estimator):
//!   the paths are cut into B bins of equal weight by X's quantiles (ties kept together);
//!   within bin b the best candidate d_b is chosen, and EVPPI = E[nb_{d_b(i)} − nb_{d*}].
//! * **EVPPI of a group of inputs**, by regression (Strong, Oakley and Brennan 2014, with a
//!   quadratic basis): each candidate's benefit over d*'s is regressed on the group's
//!   standardised values and their squares; path i's informed choice is the candidate of
//!   highest fitted value, and EVPPI = E[nb_{d(i)} − nb_{d*}].
//!
//! Both choose on the same paths they score, so noise alone makes them positive: each is
//! corrected by its **null bias**, the same estimate with the input's values shuffled across
//! paths (so carrying no information), averaged over shuffles from a fixed seed. The
//! standard error combines the paths' spread of the per-path gain (over √ESS) with the
//! spread of the null estimates.

use super::resample::SplitMix64;

/// An EVPPI (or EVPI) estimate.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evppi {
    /// Bias-corrected estimate: `raw − bias`.
    pub value: f64,
    pub se: f64,
    /// The estimate before correction.
    pub raw: f64,
    /// The mean estimate with the input shuffled.
    pub bias: f64,
}

/// Shuffles averaged for the null bias of an input (binning; the regression of a group uses
/// half as many).
pub const SHUFFLES: usize = 20;

/// Kish's effective sample size of `ws`.
pub fn ess(ws: &[f64]) -> f64 {
    let (s, s2) = ws.iter().fold((0.0, 0.0), |(s, s2), w| (s + w, s2 + w * w));
    if s2 > 0.0 { s * s / s2 } else { 0.0 }
}

/// Bins for `ess` effective paths: ⌈√ESS / 2⌉, from 2 to 50 (23 bins of about 87 paths at
/// 2,000 paths). A bin's mean benefit then has a standard error of about √(B/n) ≈ 10% of the
/// paths' spread: enough paths for the choice within a bin to be mostly signal, enough bins
/// for the choice to follow the input; the remaining noise is what the null bias removes.
pub fn bins_for(ess: f64) -> usize {
    ((ess.sqrt() / 2.0).ceil() as usize).clamp(2, 50)
}

/// The weighted mean of `xs`.
fn mean(xs: &[f64], ws: &[f64]) -> f64 {
    let total: f64 = ws.iter().sum();
    xs.iter().zip(ws).map(|(x, w)| x * w).sum::<f64>() / total
}

/// The standard error of the weighted mean of `xs`: weighted sd over √ESS.
fn se_of_mean(xs: &[f64], ws: &[f64]) -> f64 {
    let m = mean(xs, ws);
    let total: f64 = ws.iter().sum();
    let var = xs
        .iter()
        .zip(ws)
        .map(|(x, w)| w * (x - m) * (x - m))
        .sum::<f64>()
        / total;
    (var / ess(ws)).sqrt()
}

/// The candidate of highest weighted mean benefit (the lowest index among ties).
pub fn best(nb: &[Vec<f64>], ws: &[f64]) -> usize {
    let mut out = 0;
    let mut top = f64::NEG_INFINITY;
    for (d, xs) in nb.iter().enumerate() {
        let m = mean(xs, ws);
        if m > top {
            top = m;
            out = d;
        }
    }
    out
}

/// The expected value of perfect information.
pub fn evpi(nb: &[Vec<f64>], ws: &[f64]) -> Evppi {
    let star = best(nb, ws);
    let gain: Vec<f64> = (0..ws.len())
        .map(|i| {
            let top = nb.iter().map(|xs| xs[i]).fold(f64::NEG_INFINITY, f64::max);
            top - nb[star][i]
        })
        .collect();
    let value = mean(&gain, ws);
    Evppi {
        value,
        se: se_of_mean(&gain, ws),
        raw: value,
        bias: 0.0,
    }
}

/// Each path's bin: `bins` bins of about equal weight by `x`'s order, a run of equal values
/// never split (a discrete input gets at most one bin per value). Returns the bin of each
/// path and the number of bins.
pub fn quantile_bins(x: &[f64], ws: &[f64], bins: usize) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|a, b| x[*a].total_cmp(&x[*b]).then(a.cmp(b)));
    let total: f64 = ws.iter().sum();
    let mut bin_of = vec![0; x.len()];
    let (mut bin, mut held, mut k) = (0, 0.0, 0);
    while k < order.len() {
        let mut j = k;
        while j + 1 < order.len() && x[order[j + 1]].total_cmp(&x[order[k]]).is_eq() {
            j += 1;
        }
        // The tie run k..=j goes to the current bin, opening the next one when the current
        // has its share of the weight.
        if held >= total * (bin + 1) as f64 / bins as f64 && bin + 1 < bins {
            bin += 1;
        }
        for &i in &order[k..=j] {
            bin_of[i] = bin;
            held += ws[i];
        }
        k = j + 1;
    }
    (bin_of, bin + 1)
}

/// The per-path gain of choosing the best candidate within each group of paths: path i's
/// benefit under its group's best candidate minus under `star`.
fn gain_by_groups(
    nb: &[Vec<f64>],
    ws: &[f64],
    group_of: &[usize],
    groups: usize,
    star: usize,
) -> Vec<f64> {
    let mut sums = vec![vec![0.0; nb.len()]; groups];
    for (d, xs) in nb.iter().enumerate() {
        for (i, x) in xs.iter().enumerate() {
            sums[group_of[i]][d] += ws[i] * x;
        }
    }
    let chosen: Vec<usize> = sums
        .iter()
        .map(|s| {
            let mut c = star;
            for (d, v) in s.iter().enumerate() {
                if *v > s[c] {
                    c = d;
                }
            }
            c
        })
        .collect();
    (0..ws.len())
        .map(|i| nb[chosen[group_of[i]]][i] - nb[star][i])
        .collect()
}

/// A Fisher–Yates shuffle of `xs` from `rng`.
fn shuffle<T>(xs: &mut [T], rng: &mut SplitMix64) {
    for i in (1..xs.len()).rev() {
        let j = rng.below(i + 1);
        xs.swap(i, j);
    }
}

/// The null bias of binning into the bins `bin_of`: the mean and sd of the estimate with the
/// bins' labels shuffled across paths (the same bin sizes, no information).
pub fn binned_null(
    nb: &[Vec<f64>],
    ws: &[f64],
    bin_of: &[usize],
    bins: usize,
    seed: u64,
) -> (f64, f64) {
    let star = best(nb, ws);
    let mut rng = SplitMix64::new(seed);
    let mut labels = bin_of.to_vec();
    let mut raws = Vec::with_capacity(SHUFFLES);
    for _ in 0..SHUFFLES {
        shuffle(&mut labels, &mut rng);
        raws.push(mean(&gain_by_groups(nb, ws, &labels, bins, star), ws));
    }
    mean_sd(&raws)
}

fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, var.sqrt())
}

/// The EVPPI of the input whose value on each path is `x`, by binning, with the null bias
/// `null` (mean, sd) of [`binned_null`] for its bins (computed once for inputs whose bins
/// have the same sizes).
pub fn evppi_binned(
    nb: &[Vec<f64>],
    ws: &[f64],
    bin_of: &[usize],
    bins: usize,
    null: (f64, f64),
) -> Evppi {
    let star = best(nb, ws);
    let gain = gain_by_groups(nb, ws, bin_of, bins, star);
    let raw = mean(&gain, ws);
    let se = se_of_mean(&gain, ws);
    Evppi {
        value: raw - null.0,
        se: (se * se + null.1 * null.1).sqrt(),
        raw,
        bias: null.0,
    }
}

/// Standardised columns and their squares, with a leading 1: the regression's basis.
fn basis(xs: &[Vec<f64>], ws: &[f64]) -> Vec<Vec<f64>> {
    let n = ws.len();
    let mut cols = vec![vec![1.0; n]];
    for x in xs {
        let m = mean(x, ws);
        let sd = mean(&x.iter().map(|v| (v - m) * (v - m)).collect::<Vec<_>>(), ws).sqrt();
        if sd.is_nan() || sd <= 0.0 {
            continue;
        }
        let z: Vec<f64> = x.iter().map(|v| (v - m) / sd).collect();
        let z2: Vec<f64> = z.iter().map(|v| v * v).collect();
        cols.push(z);
        cols.push(z2);
    }
    cols
}

/// The informed choice on each path: the candidate of highest fitted benefit over `star`
/// from a weighted least-squares fit (ridge 1e-9 of the diagonal) on the basis `cols`.
fn fitted_choice(nb: &[Vec<f64>], ws: &[f64], cols: &[Vec<f64>], star: usize) -> Vec<usize> {
    let (n, p) = (ws.len(), cols.len());
    let mut xtx = nalgebra::DMatrix::<f64>::zeros(p, p);
    for a in 0..p {
        for b in a..p {
            let v: f64 = (0..n).map(|i| ws[i] * cols[a][i] * cols[b][i]).sum();
            xtx[(a, b)] = v;
            xtx[(b, a)] = v;
        }
    }
    let ridge = 1e-9 * (0..p).map(|a| xtx[(a, a)]).fold(0.0, f64::max).max(1e-300);
    for a in 0..p {
        xtx[(a, a)] += ridge;
    }
    let Some(chol) = nalgebra::linalg::Cholesky::new(xtx) else {
        return vec![star; n];
    };
    let mut best_fit = vec![0.0; n];
    let mut choice = vec![star; n];
    for (d, xs) in nb.iter().enumerate() {
        if d == star {
            continue;
        }
        let y: Vec<f64> = xs.iter().zip(&nb[star]).map(|(a, b)| a - b).collect();
        let xty = nalgebra::DVector::from_iterator(
            p,
            cols.iter()
                .map(|c| (0..n).map(|i| ws[i] * c[i] * y[i]).sum::<f64>()),
        );
        let beta = chol.solve(&xty);
        for i in 0..n {
            let fit: f64 = (0..p).map(|a| beta[a] * cols[a][i]).sum();
            if fit > best_fit[i] {
                best_fit[i] = fit;
                choice[i] = d;
            }
        }
    }
    choice
}

/// The EVPPI of the inputs whose values on each path are the columns `xs`, by regression,
/// corrected by its null bias over `SHUFFLES / 2` shuffles of the paths' rows from `seed`.
pub fn evppi_regression(nb: &[Vec<f64>], ws: &[f64], xs: &[Vec<f64>], seed: u64) -> Evppi {
    let star = best(nb, ws);
    let realised = |cols: &[Vec<f64>]| -> Vec<f64> {
        let choice = fitted_choice(nb, ws, cols, star);
        (0..ws.len())
            .map(|i| nb[choice[i]][i] - nb[star][i])
            .collect()
    };
    let cols = basis(xs, ws);
    let gain = realised(&cols);
    let raw = mean(&gain, ws);
    let mut rng = SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..ws.len()).collect();
    let mut raws = Vec::new();
    for _ in 0..SHUFFLES / 2 {
        shuffle(&mut order, &mut rng);
        let shuffled: Vec<Vec<f64>> = cols
            .iter()
            .map(|c| order.iter().map(|i| c[*i]).collect())
            .collect();
        raws.push(mean(&realised(&shuffled), ws));
    }
    let (bias, sd) = mean_sd(&raws);
    let se = se_of_mean(&gain, ws);
    Evppi {
        value: raw - bias,
        se: (se * se + sd * sd).sqrt(),
        raw,
        bias,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Eleven candidates θ_d = d/10 with benefit −10·(x − θ_d)² + e on each path, x uniform
    /// and e a noise common to all candidates (it moves no decision); z is independent of
    /// everything.
    fn design(n: usize) -> (Vec<Vec<f64>>, Vec<f64>, Vec<f64>) {
        let mut rng = SplitMix64::new(11);
        let x: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let z: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let e: Vec<f64> = (0..n).map(|_| 3.0 * (rng.uniform() - 0.5)).collect();
        let nb = (0..11)
            .map(|d| {
                let theta = d as f64 / 10.0;
                (0..n)
                    .map(|i| -10.0 * (x[i] - theta).powi(2) + e[i])
                    .collect()
            })
            .collect();
        (nb, x, z)
    }

    #[test]
    fn the_only_driving_input_has_all_the_value_of_perfect_information() {
        let n = 4000;
        let (nb, x, _) = design(n);
        let ws = vec![1.0; n];
        let full = evpi(&nb, &ws);
        // Closed form: 10·(E[(x − ½)²] − E[min_d (x − θ_d)²]) = 10·(1/12 − 0.1²/12).
        assert!((full.value - 10.0 * (1.0 / 12.0 - 0.01 / 12.0)).abs() < 3.0 * full.se + 0.01);
        let (bin_of, bins) = quantile_bins(&x, &ws, bins_for(ess(&ws)));
        let null = binned_null(&nb, &ws, &bin_of, bins, 5);
        let part = evppi_binned(&nb, &ws, &bin_of, bins, null);
        let se = (part.se * part.se + full.se * full.se).sqrt();
        assert!(
            (part.value - full.value).abs() < 3.0 * se,
            "EVPPI {part:?} vs EVPI {full:?}"
        );
        let group = evppi_regression(&nb, &ws, std::slice::from_ref(&x), 5);
        assert!(
            (group.value - full.value).abs()
                < 3.0 * (group.se * group.se + full.se * full.se).sqrt() + 0.02 * full.value,
            "{group:?} vs {full:?}"
        );
    }

    #[test]
    fn an_input_the_decision_does_not_depend_on_is_worth_nothing() {
        // z is independent of everything: in the design above the choice never changes...
        let n = 2000;
        let ws = vec![1.0; n];
        let (nb, _, z) = design(n);
        let (bin_of, bins) = quantile_bins(&z, &ws, bins_for(ess(&ws)));
        let e = evppi_binned(
            &nb,
            &ws,
            &bin_of,
            bins,
            binned_null(&nb, &ws, &bin_of, bins, 7),
        );
        assert!(e.value.abs() <= 2.5 * e.se, "{e:?}");
        // ...and where candidates are close and noisy, noise alone makes the raw estimate
        // positive, and the null bias takes it back to zero within its standard error.
        let mut rng = SplitMix64::new(3);
        let noisy: Vec<Vec<f64>> = (0..5)
            .map(|d| {
                (0..n)
                    .map(|_| 0.02 * d as f64 + 3.0 * (rng.uniform() - 0.5))
                    .collect()
            })
            .collect();
        let e = evppi_binned(
            &noisy,
            &ws,
            &bin_of,
            bins,
            binned_null(&noisy, &ws, &bin_of, bins, 7),
        );
        assert!(e.raw > 0.02, "{e:?}");
        assert!(e.value.abs() < 2.5 * e.se, "{e:?}");
        let g = evppi_regression(&noisy, &ws, &[z], 7);
        assert!(g.raw > 0.0 && g.value.abs() < 2.5 * g.se, "{g:?}");
    }

    #[test]
    fn bins_keep_ties_together_and_hold_equal_weight() {
        let x = [3.0, 1.0, 2.0, 2.0, 5.0, 4.0];
        let (bins, n) = quantile_bins(&x, &[1.0; 6], 3);
        assert_eq!(n, 3);
        assert_eq!(bins[2], bins[3]);
        assert_eq!(bins, vec![1, 0, 0, 0, 2, 2]);
        let (one, n) = quantile_bins(&[7.0; 5], &[1.0; 5], 4);
        assert_eq!((one, n), (vec![0; 5], 1));
        assert_eq!(bins_for(2000.0), 23);
    }
}
