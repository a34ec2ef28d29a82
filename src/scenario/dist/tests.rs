//! Tests of the distributions.

use super::*;
use chacha20::ChaCha8Rng;
use rand::SeedableRng;
use statrs::distribution::{ContinuousCDF, Normal as StatNormal};

#[test]
fn normal_quantile_agrees_with_statrs_from_the_centre_to_the_far_tails() {
    let reference = StatNormal::new(0.0, 1.0).unwrap();
    // The centre on a fine grid, then tails down to 1e-300 on a log grid: every branch.
    let centre = (1..1000).map(|k| f64::from(k) / 1000.0);
    let tails = (1..=300).flat_map(|k| {
        let p = 10f64.powf(-f64::from(k));
        [p, 3.0 * p, 1.0 - p.max(1e-16)]
    });
    for p in centre.chain(tails) {
        let (z, want) = (std_normal_quantile(p), reference.inverse_cdf(p));
        assert!(
            (z - want).abs() <= 1e-14 * want.abs().max(1.0),
            "p {p:e}: {z} against {want}"
        );
    }
    assert_eq!(std_normal_quantile(0.5), 0.0);
    assert_eq!(std_normal_quantile(0.0), f64::NEG_INFINITY);
    assert_eq!(std_normal_quantile(1.0), f64::INFINITY);
    assert!(std_normal_quantile(1.5).is_nan() && std_normal_quantile(f64::NAN).is_nan());
}

fn all_shapes() -> Vec<(&'static str, Dist)> {
    let d = |s: Result<Shape, DistError>| Dist::new(s.unwrap(), None, None).unwrap();
    vec![
        ("normal", d(Normal::new(1.0, 2.0).map(Shape::Normal))),
        (
            "lognormal",
            d(LogNormal::from_median_p90(3.0, 10.0).map(Shape::LogNormal)),
        ),
        ("uniform", d(Uniform::new(-1.0, 4.0).map(Shape::Uniform))),
        (
            "triangular",
            d(Triangular::new(0.0, 1.0, 5.0).map(Shape::Triangular)),
        ),
        ("pert", d(Pert::new(2.0, 3.0, 10.0).map(Shape::Pert))),
        ("beta", d(Beta::new(2.0, 5.0).map(Shape::Beta))),
        (
            "truncated normal",
            Dist::new(
                Shape::Normal(Normal::new(0.0, 1.0).unwrap()),
                Some(0.5),
                Some(3.0),
            )
            .unwrap(),
        ),
        (
            "truncated lognormal",
            Dist::new(
                Shape::LogNormal(LogNormal::new(0.0, 1.0).unwrap()),
                None,
                Some(2.0),
            )
            .unwrap(),
        ),
    ]
}

/// Kolmogorov–Smirnov statistic of a sample against the distribution's CDF.
fn ks_statistic(dist: &Dist, sample: &mut [f64]) -> f64 {
    sample.sort_by(f64::total_cmp);
    let n = sample.len() as f64;
    sample
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let f = dist.cdf(*x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

#[test]
fn continuous_samples_pass_kolmogorov_smirnov() {
    // Critical value at the 0.1% level for n = 20,000: 1.95 / sqrt(n) ≈ 0.0138.
    let n = 20_000;
    for (name, dist) in all_shapes() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        let d = ks_statistic(&dist, &mut xs);
        assert!(d < 1.95 / (n as f64).sqrt(), "{name}: KS statistic {d}");
    }
}

#[test]
fn quantile_inverts_cdf() {
    for (name, dist) in all_shapes() {
        for u in [0.001, 0.05, 0.25, 0.5, 0.75, 0.95, 0.999] {
            let x = dist.quantile(u);
            assert!(
                (dist.cdf(x) - u).abs() < 1e-7,
                "{name}: cdf(quantile({u})) = {}",
                dist.cdf(x)
            );
        }
        let m = dist.median();
        assert!((dist.cdf(m) - 0.5).abs() < 1e-7, "{name}: median {m}");
    }
}

#[test]
fn closed_form_medians_and_quantiles() {
    let ln = LogNormal::from_median_p90(3.0, 9.0).unwrap();
    assert!((ln.median() - 3.0).abs() < 1e-12);
    assert!((ln.quantile(0.9) - 9.0).abs() < 1e-9);
    let n = Normal::new(5.0, 2.0).unwrap();
    assert!((n.quantile(0.975) - (5.0 + 2.0 * 1.959_963_984_540_054)).abs() < 1e-9);
    let t = Triangular::new(0.0, 0.0, 1.0).unwrap();
    assert!((t.median() - (1.0 - 0.5f64.sqrt())).abs() < 1e-12);
    let p = Pert::new(0.0, 0.5, 1.0).unwrap(); // symmetric beta(3, 3)
    assert!((p.median() - 0.5).abs() < 1e-9);
    let u = Uniform::new(2.0, 4.0).unwrap();
    assert_eq!(u.quantile(0.25), 2.5);
}

#[test]
fn discrete_and_bernoulli() {
    let d = Dist::new(
        Shape::Discrete(Discrete::new(&[6.0, 0.0, 3.0, 9.0], &[0.2, 0.35, 0.35, 0.1]).unwrap()),
        None,
        None,
    )
    .unwrap();
    assert_eq!(d.quantile(0.2), 0.0);
    assert_eq!(d.quantile(0.5), 3.0);
    assert_eq!(d.quantile(0.71), 6.0);
    assert_eq!(d.quantile(0.95), 9.0);
    assert_eq!(d.median(), 3.0);
    assert!((d.cdf(3.0) - 0.7).abs() < 1e-12);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let n = 100_000;
    let threes = (0..n).filter(|_| d.sample(&mut rng) == 3.0).count() as f64 / n as f64;
    assert!((threes - 0.35).abs() < 0.006, "share of 3s: {threes}");

    let likely_yes = Dist::new(Shape::bernoulli(0.6).unwrap(), None, None).unwrap();
    let likely_no = Dist::new(Shape::bernoulli(0.4).unwrap(), None, None).unwrap();
    assert_eq!(likely_yes.median(), 1.0);
    assert_eq!(likely_no.median(), 0.0);
    assert!(
        Dist::new(Shape::bernoulli(1.0).unwrap(), None, None)
            .unwrap()
            .is_fixed()
    );
}

#[test]
fn beta_quantile_is_monotone_and_inverts_the_cdf_over_the_accepted_shapes() {
    let shapes = [0.01, 0.05, 0.3, 1.0, 3.0, 50.0, 1e4, 1e6];
    let us = [1e-16, 1e-9, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 1.0 - 1e-9];
    for a in shapes {
        for b in shapes {
            let d = Beta::new(a, b).unwrap();
            let mut prev = 0.0;
            for u in us {
                let x = d.quantile(u);
                assert!(
                    (0.0..=1.0).contains(&x) && x >= prev,
                    "beta({a}, {b}) at {u}: {x} after {prev}"
                );
                // The true quantile lies between x's neighbouring doubles (near 0 and 1 a
                // U-shaped beta's quantile is often not representable more closely).
                let below = d.cdf(x.next_down().max(0.0));
                let above = d.cdf(x.next_up().min(1.0));
                let tol = 1e-6 * u.min(1.0 - u) + 1e-15;
                assert!(
                    below <= u + tol && above >= u - tol,
                    "beta({a}, {b}): q({u}) = {x}, cdf around it {below}..{above}"
                );
                prev = x;
            }
        }
    }
    // Closed form: Beta(a, 1) has quantile u^(1/a).
    let d = Beta::new(0.05, 1.0).unwrap();
    assert!((d.quantile(0.9) / 0.9f64.powf(20.0) - 1.0).abs() < 1e-6);
    assert!(Beta::new(1e-9, 1.0).is_err());
}

#[test]
fn too_wide_distributions_are_refused() {
    let l = LogNormal::from_median_p90(1e-300, 1e300).unwrap();
    assert!(Dist::new(Shape::LogNormal(l), Some(1e299), None).is_err());
}

#[test]
fn truncation() {
    let n = Normal::new(0.0, 1.0).unwrap();
    let t = Dist::new(Shape::Normal(n.clone()), Some(0.0), None).unwrap();
    // Half-normal: median = Φ⁻¹(0.75).
    assert!((t.median() - 0.674_489_750_196_081_7).abs() < 1e-9);
    assert_eq!(t.support(), (0.0, f64::INFINITY));
    assert!(Dist::new(Shape::Normal(n.clone()), Some(40.0), None).is_err());
    assert!(Dist::new(Shape::Normal(n), Some(1.0), Some(0.0)).is_err());
    let b = Dist::new(Shape::bernoulli(0.3).unwrap(), Some(0.5), None).unwrap();
    assert!(b.is_fixed());
    assert_eq!(b.median(), 1.0);
    assert!(Dist::new(Shape::Fixed(2.0), Some(3.0), None).is_err());
}

#[test]
fn constructors_refuse_bad_parameters() {
    assert!(Normal::new(0.0, 0.0).is_err());
    assert!(Normal::new(0.0, -1.0).is_err());
    assert!(Normal::new(f64::NAN, 1.0).is_err());
    assert!(LogNormal::from_median_p90(3.0, 2.0).is_err());
    assert!(LogNormal::from_median_p90(0.0, 2.0).is_err());
    assert!(LogNormal::new(0.0, 0.0).is_err());
    assert!(Uniform::new(1.0, 1.0).is_err());
    assert!(Triangular::new(0.0, 2.0, 1.0).is_err());
    assert!(Pert::new(1.0, 1.0, 1.0).is_err());
    assert!(Beta::new(0.0, 1.0).is_err());
    assert!(Shape::bernoulli(1.5).is_err());
    assert!(Discrete::new(&[1.0, 2.0], &[0.0, 0.0]).is_err());
    assert!(Discrete::new(&[1.0, 2.0], &[1.0, -0.5]).is_err());
    assert!(Discrete::new(&[1.0, 2.0], &[1.0]).is_err());
    assert!(Discrete::new(&[], &[]).is_err());
}

#[test]
fn derived_quantities_that_overflow_are_refused() {
    assert!(Uniform::new(-1e308, 1e308).is_err());
    assert!(Uniform::new(-1e307, 1e307).is_ok());
    assert!(Pert::new(-1e308, 0.0, 1e308).is_err());
    assert!(
        Triangular::new(-1e200, 0.0, 1e200).is_err(),
        "width squared"
    );
    assert!(Triangular::new(-1e150, 0.0, 1e150).is_ok());
    assert!(Discrete::new(&[0.0, 3.0], &[1e308, 1e308]).is_err());
    assert!(Discrete::new(&[0.0, 3.0], &[5e-324, 5e-324]).is_err());
    assert!(Discrete::new(&[0.0, 3.0], &[1e300, 3e300]).is_ok());
}

#[test]
fn draws_stay_within_the_quantiles_at_0_and_1() {
    // Whatever uniform a sampler passes (a copula can go far below 1e-16), a continuous
    // draw stays between quantile(0) and quantile(1), the values the limits check.
    let d = Dist::new(
        Shape::LogNormal(LogNormal::from_median_p90(3.0, 30.0).unwrap()),
        None,
        None,
    )
    .unwrap();
    let (lo, hi) = (d.quantile(0.0), d.quantile(1.0));
    assert_eq!(lo, d.quantile(OPEN_UNIT_MIN));
    assert_eq!(hi, d.quantile(1.0 - OPEN_UNIT_MIN));
    for u in [f64::MIN_POSITIVE, 1e-200, 1e-17, 1.0 - 1e-17] {
        let x = d.quantile(u);
        assert!(lo <= x && x <= hi, "{u:e}: {x}");
    }
    assert!(lo > 1e-7 && hi < 1e8, "the 1e-16 tails: {lo} {hi}");
}

#[test]
fn describe_reads_like_the_scenario() {
    let ln = Dist::new(
        Shape::LogNormal(LogNormal::from_median_p90(3.0, 10.0).unwrap()),
        Some(1.0),
        None,
    )
    .unwrap();
    assert_eq!(ln.describe(), "lognormal(median 3, p90 10) ≥ 1");
    assert_eq!(Dist::fixed(0.25).describe(), "0.25");
}
