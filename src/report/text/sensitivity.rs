//! The table printed at the end of `sensitivity`: per explained outcome, the top five groups by
//! total index with their intervals. Fits 100 columns.

use crate::analysis::{Index, SensitivitySummary};
use crate::report::format::cut;
use std::fmt::Write;

/// Width of the group column.
const LABEL: usize = 46;

/// Groups listed per outcome.
pub const TOP: usize = 5;

/// `0.412 [0.380, 0.445]`.
fn index(i: &Index) -> String {
    format!("{:.3} [{:.3}, {:.3}]", i.value, i.ci95[0], i.ci95[1])
}

/// The end-of-run table of `s`.
pub fn sensitivity_table(s: &SensitivitySummary) -> String {
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{}: Sobol' indices from {} design rows × {} runs = {} paths, seed {}",
        s.scenario, s.rows, s.runs_per_row, s.paths, s.seed
    );
    let _ = writeln!(
        w,
        "{} base points, groups {}, 95% intervals from {} bootstrap resamples of the rows",
        s.sampler, s.grouping, s.bootstrap.resamples
    );
    if let (Some(se), Some(met)) = (s.until_se, s.until_se_met) {
        let _ = writeln!(
            w,
            "--until-se {se}: {} (largest SE of a total index {:.4})",
            if met {
                "every total index's SE is at most that"
            } else {
                "NOT met: the most rows were reached"
            },
            s.max_total_se()
        );
    }
    for o in &s.outcomes {
        let _ = writeln!(w, "\n{}", o.title);
        let _ = writeln!(
            w,
            "  explained as its {}\n  mean {:.4}, variance {:.4}; Σ first order {}",
            o.explained_as,
            o.mean,
            o.variance,
            index(&o.first_order_sum)
        );
        for warning in &o.warnings {
            for (i, line) in crate::report::format::wrap(warning, 88).iter().enumerate() {
                let _ = writeln!(w, "  {} {line}", if i == 0 { "!" } else { " " });
            }
        }
        let _ = writeln!(
            w,
            "  {:LABEL$} {:>22}   {:>22}",
            "group", "total [95% interval]", "first order [95% int.]"
        );
        let _ = writeln!(w, "  {}", "─".repeat(LABEL + 48));
        for g in SensitivitySummary::ranked(o).into_iter().take(TOP) {
            let _ = writeln!(
                w,
                "  {:LABEL$} {:>22}   {:>22}",
                cut(&g.group, LABEL),
                index(&g.total),
                index(&g.first)
            );
        }
    }
    w
}
