//! The grid of fee and usage-growth multipliers that every plan is tried on.

use serde::{Deserialize, Serialize};

/// Multipliers of the fee and of the yearly usage growth factor, crossed into a grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub fee: Vec<f64>,
    pub usage_growth: Vec<f64>,
}

impl Default for Grid {
    fn default() -> Self {
        Self {
            fee: spaced(0.5, 2.0, 7),
            usage_growth: spaced(0.5, 3.0, 6),
        }
    }
}

/// The smallest multiplier of a grid axis.
pub const MIN_MULTIPLIER: f64 = 0.01;
/// The largest multiplier of a grid axis: a usage growth factor of up to 1000 a year (its
/// limit), times 100, compounded over 50 years is 1e250, which leaves room for usage (up to
/// 1e12) and costs before floating point overflows.
pub const MAX_MULTIPLIER: f64 = 100.0;

/// `n` evenly spaced values from `lo` to `hi`.
fn spaced(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![lo];
    }
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

impl Grid {
    /// Sets one axis from `fee=LO:HI:N` or `usage_growth=LO:HI:N`.
    pub fn set(&mut self, text: &str) -> Result<(), String> {
        let (name, spec) = text
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=LO:HI:N (e.g. fee=0.5:2:7), found {text:?}"))?;
        let parts: Vec<&str> = spec.split(':').collect();
        let [lo, hi, n] = parts[..] else {
            return Err(format!("expected LO:HI:N after {name}=, found {spec:?}"));
        };
        let num = |x: &str| {
            x.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| (MIN_MULTIPLIER..=MAX_MULTIPLIER).contains(v))
                .ok_or_else(|| {
                    format!(
                        "expected a multiplier from {MIN_MULTIPLIER} to {MAX_MULTIPLIER}, found {x:?}: the usage growth multiplier compounds over up to 50 years on a yearly factor of up to 1000, and must leave the subscribers' bills finite"
                    )
                })
        };
        let (lo, hi) = (num(lo)?, num(hi)?);
        let n: usize = n
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| format!("expected a number of steps from 1 to 50, found {n:?}"))?;
        if hi < lo {
            return Err(format!("expected LO ≤ HI, found {lo} > {hi}"));
        }
        let axis = spaced(lo, hi, n);
        match name.trim() {
            "fee" => self.fee = axis,
            "usage_growth" => self.usage_growth = axis,
            other => {
                return Err(format!(
                    "expected fee or usage_growth before '=', found {other:?}"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_axes_parse_and_refuse_nonsense() {
        let mut g = Grid::default();
        g.set("fee=0.5:2:4").unwrap();
        assert_eq!(g.fee, vec![0.5, 1.0, 1.5, 2.0]);
        g.set("usage_growth=1:1:1").unwrap();
        assert_eq!(g.usage_growth, vec![1.0]);
        for bad in [
            "fee=2:1:3",
            "fee=0:1:3",
            "price=1:2:3",
            "fee=1:2",
            "fee=1:2:0",
            "fee=1:2:51",
            "fee=1e-300:1:3",
            "usage_growth=1:1e300:3",
            "fee=0.001:1:2",
            "fee=1:101:2",
            "fee=nan:1:2",
            "fee",
        ] {
            assert!(g.set(bad).is_err(), "{bad}");
        }
    }
}
