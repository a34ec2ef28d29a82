//! What `stress` prints: the recommendation and what to find out first (with `--optimize`),
//! one table across plans, tier groups, then each plan's terms and year-by-year table.

use crate::analysis::{Optimization, PlanSummary, SAFE_LOSS, StressSummary};
use crate::report::charts::stress::negative_break_even;
use crate::report::format::{Unit, cut, pct_with_interval, terms, wrap};
use std::fmt::Write;

/// Columns the terminal output fits in.
const WIDTH: usize = 100;

fn money(x: Option<f64>) -> String {
    x.map_or("n/a".to_owned(), |x| Unit::Dollars.format(x))
}

/// `text` wrapped to the terminal's width, each line after the first indented by `indent`.
fn para(w: &mut String, text: &str, first: &str, indent: &str) {
    for (k, line) in wrap(text, WIDTH - indent.len()).iter().enumerate() {
        let _ = writeln!(w, "{}{line}", if k == 0 { first } else { indent });
    }
}

/// An estimate with its 95% interval: `$1.2B ($1.1B – $1.3B)`.
fn money_interval(e: &crate::analysis::Estimate) -> String {
    format!(
        "{} ({} – {})",
        Unit::DollarsYear.format(e.value),
        Unit::DollarsYear.format(e.ci95[0]),
        Unit::DollarsYear.format(e.ci95[1])
    )
}

/// A margin in %, with its interval.
fn margin_interval(e: &crate::analysis::Estimate) -> String {
    format!(
        "{} ({} – {})",
        Unit::Margin.format(e.value),
        Unit::Margin.format(e.ci95[0]),
        Unit::Margin.format(e.ci95[1])
    )
}

/// The recommendation for one optimised plan, in sentences.
pub fn recommendation(o: &Optimization) -> String {
    let c = &o.choice;
    let own = &o.candidates[0];
    let when = o
        .year
        .map_or("the sum of years".to_owned(), |y| y.to_string());
    let meets = if c.meets_constraint {
        String::new()
    } else {
        format!(" No candidate meets {}; these come closest.", o.constraint)
    };
    let runner = c.runner_up.map_or(String::new(), |r| {
        format!(
            "; next most often {} ({:.0}%)",
            terms(&o.candidates[r].terms),
            100.0 * c.runner_up_share
        )
    });
    format!(
        "{}: {}; {} {}, P(loss {when}) {}, CVaR₉₀ of the margin {}. Chosen in {:.0}% of {} \
         bootstrap resamples of the paths{runner}. Against the plan as written ({}, P(loss) \
         {:.1}%): {} (± {}).{meets}{}",
        o.plan,
        terms(&c.terms),
        o.objective,
        money_interval(&c.expected_profit),
        pct_with_interval(&c.loss),
        margin_interval(&c.cvar90_margin),
        100.0 * c.win_share,
        o.resamples,
        Unit::DollarsYear.format(own.expected_profit.value),
        100.0 * own.loss.probability,
        signed_money(c.gain_over_own.value),
        Unit::DollarsYear.format(1.96 * c.gain_over_own.se.unwrap_or(f64::NAN)),
        at_edges(o),
    )
}

/// Which chosen terms sit at an end of their range searched, where the best terms may lie
/// beyond it.
fn at_edges(o: &Optimization) -> String {
    let edges: Vec<String> = o
        .choice
        .terms
        .iter()
        .zip(&o.ranges)
        .filter_map(|(t, r)| {
            let near = |x: f64| (t.value - x).abs() <= 1e-9 * x.abs().max(1.0);
            if r.lo < r.hi && near(r.lo) {
                Some(format!("{} at the low end", t.variable))
            } else if r.lo < r.hi && near(r.hi) {
                Some(format!("{} at the high end", t.variable))
            } else {
                None
            }
        })
        .collect();
    if edges.is_empty() {
        String::new()
    } else {
        format!(
            " At the edge of the range searched ({}): better terms may lie beyond it; widen \
             the range to know.",
            edges.join(", ")
        )
    }
}

fn signed_money(x: f64) -> String {
    if x < 0.0 {
        format!("−{}", Unit::DollarsYear.format(-x))
    } else {
        format!("+{}", Unit::DollarsYear.format(x))
    }
}

/// The optimiser's findings: recommendation, then EVPPI ranking.
fn optimization(w: &mut String, o: &Optimization) {
    para(w, &recommendation(o), "", "  ");
    let _ = writeln!(
        w,
        "  What to find out first: EVPPI, $ of {} (EVPI {} ± {}):",
        o.objective,
        Unit::DollarsYear.format(o.evpi.value),
        Unit::DollarsYear.format(1.96 * o.evpi.se)
    );
    if o.evpi.value.is_nan() || o.evpi.value <= 0.0 {
        let _ = writeln!(
            w,
            "  The same terms are best on every path: knowing any input first would not change \
             the choice."
        );
        return;
    }
    for (k, r) in o.evppi.iter().take(5).enumerate() {
        let _ = writeln!(
            w,
            "  {:>2}. {:<46} {:>10} ± {:<9} {:>5.0}% of EVPI  ({})",
            k + 1,
            cut(&r.name, 46),
            Unit::DollarsYear.format(r.value),
            Unit::DollarsYear.format(1.96 * r.se),
            100.0 * r.share_of_evpi,
            r.group
        );
    }
    let groups: Vec<String> = o
        .evppi_groups
        .iter()
        .map(|g| format!("{} {}", g.name, Unit::DollarsYear.format(g.value)))
        .collect();
    para(
        w,
        &format!("groups: {}", groups.join(", ")),
        "      ",
        "      ",
    );
}

/// The table across plans: P(loss) in the first and final year, break-even fee, lowest safe
/// fee on the grid.
fn overview(w: &mut String, s: &StressSummary) {
    let Some(first) = s.overview.first() else {
        return;
    };
    let _ = writeln!(
        w,
        "{:<12} {:>20} {:>20} {:>18} {:>24}",
        "plan",
        format!("P(loss) {}", first.first_year),
        format!("P(loss) {}", first.final_year),
        format!("break-even {}", first.final_year),
        format!("lowest fee P(loss)<{:.0}%", 100.0 * SAFE_LOSS)
    );
    for o in &s.overview {
        let _ = writeln!(
            w,
            "{:<12} {:>20} {:>20} {:>18} {:>24}",
            cut(&o.plan, 12),
            pct_with_interval(&o.loss_first_year),
            pct_with_interval(&o.loss_final_year),
            money(o.break_even_fee),
            o.lowest_safe_fee
                .map_or("none on the grid".to_owned(), |f| money(Some(f)))
        );
    }
    for p in &s.plans {
        let why = negative_break_even(p);
        if !why.is_empty() {
            para(w, why.trim(), "  ", "  ");
        }
    }
}

/// A plan's header, terms and year-by-year table.
fn plan(w: &mut String, p: &PlanSummary) {
    let _ = writeln!(w, "\n{} ({}), fee {}", p.name, p.vendor, money(Some(p.fee)));
    for t in &p.term_lines {
        let source = if t.source.is_empty() {
            String::new()
        } else {
            format!(" [{}]", t.source)
        };
        para(w, &format!("{}: {}{source}", t.term, t.value), "  ", "    ");
    }
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
    if p.years.iter().any(|y| y.responses.is_some()) {
        let _ = writeln!(
            w,
            "{:6} {:>22} {:>16} {:>16} {:>26}",
            "year",
            "left for price/month",
            "churned/month",
            "moved up/month",
            "on the plan at year end"
        );
        let share = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Share.format(x));
        for y in &p.years {
            let Some(r) = &y.responses else { continue };
            let _ = writeln!(
                w,
                "{:6} {:>22} {:>16} {:>16} {:>26}",
                y.year,
                share(r.left_for_price.p50),
                share(r.churned.p50),
                share(r.upgraded.p50),
                share(r.on_plan.p50)
            );
        }
    }
}

/// The text printed at the end of `stress` (fits 100 columns).
pub fn stress_table(s: &StressSummary) -> String {
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{}: {} paths × {} subscribers per plan, seed {}",
        s.scenario, s.paths, s.subscribers_simulated, s.seed
    );
    if !s.optimization.is_empty() {
        let _ = writeln!(
            w,
            "\nRecommendation: each plan's terms of highest expected gross profit within its risk limit"
        );
        for o in &s.optimization {
            w.push('\n');
            optimization(&mut w, o);
        }
    }
    let _ = writeln!(
        w,
        "\nPlans (P(loss) with 95% intervals; median break-even fee; lowest fee on the grid)"
    );
    overview(&mut w, s);
    for g in &s.groups {
        let _ = writeln!(
            w,
            "\nTier group {} ({}), revenue and cost together",
            g.name,
            g.plans.join(", ")
        );
        let _ = writeln!(
            w,
            "{:6} {:>26} {:>14}",
            "year", "P(loss) [95% interval]", "gross profit"
        );
        for y in &g.years {
            let _ = writeln!(
                w,
                "{:6} {:>26} {:>14}",
                y.year,
                pct_with_interval(&y.loss),
                money(y.gross_profit.p50)
            );
        }
    }
    for p in &s.plans {
        plan(&mut w, p);
    }
    w
}
