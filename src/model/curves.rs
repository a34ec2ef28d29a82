//! Closed-form pieces of the model (DESIGN.md §3.2–3.5): ramps, fleet cost, efficiency,
//! logit shares, best-response prices and the Bass curve.

/// Logistic deployment ramp of something available at `a` with ramp length `r` months:
/// `1 / (1 + exp(-(t - a - r/2) / (r/8)))` for `t ≥ a`, 0 before. A ramp of length 0 is a
/// step at `a`.
pub fn ramp(t: f64, a: f64, r: f64) -> f64 {
    if t < a {
        0.0
    } else if r <= 0.0 {
        1.0
    } else {
        1.0 / (1.0 + (-(t - a - r / 2.0) / (r / 8.0)).exp())
    }
}

/// A GPU generation as the fleet model needs it: availability time, ramp, unit cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gen {
    /// Availability time `a_g` in months since start (already ordered).
    pub available: f64,
    /// Ramp length `r_g` in months.
    pub ramp: f64,
    /// `u_g`: $ per million tokens of the start's frontier model on this generation.
    pub unit_cost: f64,
}

/// Fleet hardware cost `C_hw(t) = Σ_g w_g u_g` with monotone deployed fractions
/// `Â_g = min(A_g, Â_{g-1})` (`Â_0 = 1`) and shares `w_g = Â_g - Â_{g+1}`.
/// `gens[0]` is the installed generation (its availability is ignored).
pub fn fleet_cost(t: f64, gens: &[Gen]) -> f64 {
    let mut prev_hat = 1.0;
    let mut prev_cost = gens[0].unit_cost;
    let mut total = 0.0;
    for g in &gens[1..] {
        let hat = ramp(t, g.available, g.ramp).min(prev_hat);
        total += (prev_hat - hat) * prev_cost;
        prev_hat = hat;
        prev_cost = g.unit_cost;
    }
    total + prev_hat * prev_cost
}

/// An efficiency release as `E(t)` needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Release {
    pub available: f64,
    pub ramp: f64,
    pub token_factor: f64,
    pub reach: f64,
}

/// Tokens-per-task factor `E(t) = Π_e (1 - reach_e · R_e(t) · (1 - token_factor_e))`.
pub fn efficiency(t: f64, releases: &[Release]) -> f64 {
    releases
        .iter()
        .map(|e| 1.0 - e.reach * ramp(t, e.available, e.ramp) * (1.0 - e.token_factor))
        .product()
}

/// Multinomial logit shares of options with utilities `U_o = β q_o - α ln p_o`, written into
/// `out`; an option with utility −∞ (closed) gets share 0.
pub fn logit(utilities: &[f64], out: &mut [f64]) {
    let total = logit_weights(utilities, out);
    for o in out.iter_mut() {
        *o /= total;
    }
}

/// The unnormalised logit weights `exp(U_o − max U)` written into `out` (0 for a closed option,
/// utility −∞), and their sum: shares are `out[o] / sum`. Relative to the largest utility, so
/// no exponential overflows.
pub fn logit_weights(utilities: &[f64], out: &mut [f64]) -> f64 {
    let max = utilities.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for (o, u) in out.iter_mut().zip(utilities) {
        *o = if u.is_finite() { (u - max).exp() } else { 0.0 };
        total += *o;
    }
    total
}

/// Own-price elasticity `η = ᾱ (1 - S) + ε̄ S` of a vendor with share `S` of all tokens.
pub fn elasticity(alpha_bar: f64, epsilon_bar: f64, share: f64) -> f64 {
    alpha_bar * (1.0 - share) + epsilon_bar * share
}

/// Best-response price toward which a vendor with serving cost `cost` moves (§3.4):
/// `c·η/(η-1)` if `η > 1`, else `c·(1 + markup_cap)`, clamped to
/// `[c·(1 + margin_floor), c·(1 + markup_cap)]`.
pub fn best_response(cost: f64, eta: f64, markup_cap: f64, margin_floor: f64) -> f64 {
    let p = if eta > 1.0 {
        cost * eta / (eta - 1.0)
    } else {
        cost * (1.0 + markup_cap)
    };
    clamp_price(p, cost, markup_cap, margin_floor)
}

/// The price clamp `[c·(1 + f), c·(1 + m)]` (when `f > m` the cap wins).
pub fn clamp_price(p: f64, cost: f64, markup_cap: f64, margin_floor: f64) -> f64 {
    p.max(cost * (1.0 + margin_floor))
        .min(cost * (1.0 + markup_cap))
}

/// Partial adjustment `p_old^(1-λ) · p*^λ`, then the clamp.
pub fn adjust(
    old: f64,
    target: f64,
    lambda: f64,
    cost: f64,
    markup_cap: f64,
    margin_floor: f64,
) -> f64 {
    let p = (old.ln() * (1.0 - lambda) + target.ln() * lambda).exp();
    clamp_price(p, cost, markup_cap, margin_floor)
}

/// The Bass adoption curve `F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})` (t in the
/// units of `p` and `q`).
pub fn bass(t: f64, p: f64, q: f64) -> f64 {
    let e = (-(p + q) * t).exp();
    (1.0 - e) / (1.0 + (q / p) * e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_is_the_logistic_of_the_design() {
        assert_eq!(ramp(9.9, 10.0, 12.0), 0.0);
        assert!(
            (ramp(16.0, 10.0, 12.0) - 0.5).abs() < 1e-12,
            "half way at a + r/2"
        );
        // At a + r/2 + r/8 the logistic is 1/(1+e^-1).
        assert!((ramp(17.5, 10.0, 12.0) - 1.0 / (1.0 + (-1.0f64).exp())).abs() < 1e-12);
        assert!(ramp(10.0, 10.0, 12.0) < 0.02, "starts near 0: e^-4 ≈ 0.018");
        assert!(ramp(22.0, 10.0, 12.0) > 0.98);
        assert_eq!(ramp(10.0, 10.0, 0.0), 1.0);
    }

    #[test]
    fn fleet_cost_with_one_and_two_generations() {
        let one = [Gen {
            available: 0.0,
            ramp: 0.0,
            unit_cost: 3.0,
        }];
        assert_eq!(fleet_cost(50.0, &one), 3.0);
        let two = [
            one[0],
            Gen {
                available: 10.0,
                ramp: 12.0,
                unit_cost: 1.0,
            },
        ];
        assert_eq!(fleet_cost(5.0, &two), 3.0);
        // Half deployed: (1 - 0.5)·3 + 0.5·1 = 2.
        assert!((fleet_cost(16.0, &two) - 2.0).abs() < 1e-12);
        let a = ramp(13.0, 10.0, 12.0);
        assert!((fleet_cost(13.0, &two) - ((1.0 - a) * 3.0 + a * 1.0)).abs() < 1e-12);
    }

    #[test]
    fn later_generations_never_exceed_earlier_ones() {
        // The third generation ramps faster than the second: its share is capped by it.
        let gens = [
            Gen {
                available: 0.0,
                ramp: 0.0,
                unit_cost: 9.0,
            },
            Gen {
                available: 10.0,
                ramp: 40.0,
                unit_cost: 3.0,
            },
            Gen {
                available: 12.0,
                ramp: 2.0,
                unit_cost: 1.0,
            },
        ];
        let a1 = ramp(20.0, 10.0, 40.0);
        // Â_2 = min(A_2 ≈ 1, Â_1) = Â_1, so generation 1 carries nothing.
        let expected = (1.0 - a1) * 9.0 + a1 * 1.0;
        assert!((fleet_cost(20.0, &gens) - expected).abs() < 1e-9);
    }

    #[test]
    fn efficiency_multiplies_releases() {
        let rs = [
            Release {
                available: 0.0,
                ramp: 0.0,
                token_factor: 0.3,
                reach: 0.5,
            },
            Release {
                available: 0.0,
                ramp: 0.0,
                token_factor: 0.5,
                reach: 1.0,
            },
        ];
        assert!((efficiency(1.0, &rs) - (1.0 - 0.5 * 0.7) * 0.5).abs() < 1e-12);
        assert_eq!(efficiency(1.0, &[]), 1.0);
    }

    #[test]
    fn logit_shares() {
        let mut out = [0.0; 3];
        logit(&[0.0, 0.0, 0.0], &mut out);
        assert!(out.iter().all(|s| (s - 1.0 / 3.0).abs() < 1e-12));
        // Two options, prices 1 and 2, α = 1: shares 2/3 and 1/3.
        let u = [-(1.0f64.ln()), -(2.0f64.ln())];
        let mut out = [0.0; 2];
        logit(&u, &mut out);
        assert!((out[0] - 2.0 / 3.0).abs() < 1e-12);
        logit(&[1e6, 0.0], &mut out);
        assert_eq!(out, [1.0, 0.0]);
    }

    #[test]
    fn best_response_and_clamps() {
        // η = 2: markup η/(η-1) = 2.
        assert!((best_response(1.0, 2.0, 5.0, 0.0) - 2.0).abs() < 1e-12);
        assert!((elasticity(1.5, 1.0, 0.5) - 1.25).abs() < 1e-12);
        // Inelastic: the cap.
        assert_eq!(best_response(2.0, 0.8, 1.5, 0.0), 5.0);
        // Cap binds: η = 1.1 wants markup 11.
        assert_eq!(best_response(1.0, 1.1, 2.0, 0.0), 3.0);
        // Floor binds: η = 100 wants 1.0101 but the floor is 1.2.
        assert!((best_response(1.0, 100.0, 2.0, 0.2) - 1.2).abs() < 1e-12);
        // Partial adjustment: geometric mean at λ = 0.5.
        assert!((adjust(4.0, 1.0, 0.5, 1.0, 5.0, -0.5) - 2.0).abs() < 1e-12);
        assert_eq!(adjust(4.0, 1.0, 1.0, 1.0, 5.0, -0.5), 1.0);
        assert_eq!(
            adjust(100.0, 1.0, 0.5, 1.0, 2.0, 0.0),
            3.0,
            "clamped after adjusting"
        );
    }

    #[test]
    fn bass_curve() {
        assert_eq!(bass(0.0, 0.03, 0.4), 0.0);
        assert!(bass(100.0, 0.03, 0.4) > 0.999);
        // Peak adoption speed at t* = ln(q/p)/(p+q), where F = (1 - p/q)/2.
        let (p, q): (f64, f64) = (0.03, 0.4);
        let t = (q / p).ln() / (p + q);
        assert!((bass(t, p, q) - (1.0 - p / q) / 2.0).abs() < 1e-12);
    }
}
