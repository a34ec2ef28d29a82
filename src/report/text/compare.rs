//! The table printed at the end of `compare`.

use crate::analysis::Comparison;
use crate::report::format::{cut, signed};
use std::fmt::Write;

/// The table printed at the end of `compare` (fits 100 columns for up to three scenarios).
pub fn comparison_table(c: &Comparison) -> String {
    let n = c.scenarios.len();
    let label = 100usize.saturating_sub(17 * n).max(24);
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{} paths, seed {}, common random numbers\n",
        c.paths, c.seed
    );
    let _ = write!(w, "{:label$}", "Probability of");
    for s in &c.scenarios {
        let _ = write!(w, " {:>16}", cut(s, 16));
    }
    let _ = writeln!(w, "\n{}", "─".repeat(label + 17 * n));
    for row in &c.targets {
        let _ = write!(w, "{:label$}", cut(&row.label, label));
        for p in &row.probabilities {
            let cell = p.map_or("—".to_owned(), |p| {
                format!("{:.1}% ±{:.1}", 100.0 * p.probability, 196.0 * p.se)
            });
            let _ = write!(w, " {cell:>16}");
        }
        w.push('\n');
    }
    let _ = writeln!(
        w,
        "\n{:label2$} {:>16} {:>24}",
        "Paired difference (scenario − first)",
        "mean",
        "95% interval",
        label2 = 100 - 42
    );
    let _ = writeln!(w, "{}", "─".repeat(100 - 1));
    for d in &c.differences {
        let p = &d.difference;
        let _ = writeln!(
            w,
            "{:58} {:>16} {:>24}",
            cut(&format!("{}: {}", d.outcome, d.scenario), 58),
            signed(&d.outcome, p.mean),
            format!(
                "{} to {}",
                signed(&d.outcome, p.ci95[0]),
                signed(&d.outcome, p.ci95[1])
            )
        );
    }
    w
}
