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
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| format!("expected a positive multiplier, found {x:?}"))
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
            "fee",
        ] {
            assert!(g.set(bad).is_err(), "{bad}");
        }
    }
}
