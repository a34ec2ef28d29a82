//! The signed logarithmic axis: values of both signs spanning decades (a break-even fee far
//! below zero on some paths beside a fee of $20).

use super::{Axis, Unit};

impl Axis {
    /// The axis for `values` of either sign: [`Axis::fit`], unless values below zero and
    /// above it span two decades or more together (a break-even fee that is far negative on
    /// some paths and a fee of $20): then a signed logarithmic scale, on which both the fee and
    /// the negative values stay readable.
    pub fn fit_signed(values: impl IntoIterator<Item = f64>, unit: Unit) -> Axis {
        let values: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        let plain = Axis::fit(values.iter().copied(), unit);
        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                (a.min(*x), b.max(*x))
            });
        let spread = lo.abs().max(hi.abs());
        if plain.log || lo >= 0.0 || spread < 100.0 {
            return plain;
        }
        let signed = Axis {
            log: false,
            signed: true,
            lo: 0.0,
            hi: 0.0,
            unit,
        };
        let (a, b) = (signed.y(lo), signed.y(hi.max(0.0)));
        let pad = 0.04 * (b - a);
        Axis {
            lo: a - pad,
            hi: b + pad,
            ..signed
        }
    }

    /// The value at coordinate `v` of a signed axis.
    pub(super) fn signed_value(v: f64) -> f64 {
        if v.abs() <= 1.0 {
            v
        } else {
            v.signum() * 10f64.powf(v.abs() - 1.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_axis_spans_both_signs_in_decades() {
        // A break-even fee down to −$9,000 with a fee of $20: signed log, the fee readable.
        let s = Axis::fit_signed([-9000.0, -50.0, 20.0], Unit::Dollars);
        assert!(s.signed && s.lo < -4.9 && s.hi > 2.3, "{s:?}");
        assert_eq!(s.y(-1000.0), -4.0);
        assert_eq!(s.label(-4.0), Unit::Dollars.format(-1000.0));
        assert_eq!(s.label(-3.5), "");
        assert!(!Axis::fit_signed([1.0, 20.0], Unit::Dollars).signed);
    }
}
