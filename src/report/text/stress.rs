//! The table printed at the end of `stress`.

use crate::analysis::StressSummary;
use crate::report::format::{Unit, pct_with_interval};
use std::fmt::Write;

/// The table printed at the end of `stress` (fits 100 columns).
pub fn stress_table(s: &StressSummary) -> String {
    let money = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Dollars.format(x));
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{}: {} paths × {} subscribers per plan, seed {}",
        s.scenario, s.paths, s.subscribers_simulated, s.seed
    );
    for p in &s.plans {
        let _ = writeln!(w, "\n{} ({}), fee {}", p.name, p.vendor, money(Some(p.fee)));
        let _ = writeln!(
            w,
            "{:6} {:>26} {:>18} {:>22} {:>14}",
            "year", "P(loss) [95% interval]", "break-even fee", "P5 – P95", "gross profit"
        );
        for y in &p.years {
            let _ = writeln!(
                w,
                "{:6} {:>26} {:>18} {:>22} {:>14}",
                y.year,
                pct_with_interval(&y.loss),
                money(y.break_even_fee.p50),
                format!(
                    "{} – {}",
                    money(y.break_even_fee.p5),
                    money(y.break_even_fee.p95)
                ),
                money(y.gross_profit.p50)
            );
        }
    }
    w
}
