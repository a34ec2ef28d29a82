//! `stress.html`: the recommendation and what to find out first (with `--optimize`), one
//! table across plans, tier groups, then each plan's terms, year-by-year tables and charts,
//! then the run.

use crate::analysis::{EvppiRow, Optimization, PlanSummary, SAFE_LOSS, StressSummary};
use crate::report::charts::Chart;
use crate::report::charts::stress::{missing, negative_break_even};
use crate::report::charts::tornado::slug;
use crate::report::format::{Unit, esc, pct_with_interval, terms};
use crate::report::html;
use crate::report::text::stress::recommendation;
use std::fmt::Write;

fn money(x: Option<f64>) -> String {
    x.map_or("n/a".to_owned(), |x| Unit::Dollars.format(x))
}

fn year_money(x: f64) -> String {
    Unit::DollarsYear.format(x)
}

/// The chart called `name`, as a figure (nothing if it was not drawn).
fn figure(charts: &[Chart], name: &str) -> String {
    charts
        .iter()
        .find(|c| c.name == name)
        .map_or(String::new(), html::figure)
}

/// An EVPPI table.
fn evppi_table(w: &mut String, rows: &[EvppiRow], what: &str) {
    let _ = writeln!(
        w,
        "<table>\n<tr><th>{what}</th><th>Group</th><th class=\"num\">EVPPI</th>\
         <th class=\"num\">± 1.96 se</th><th class=\"num\">Share of EVPI</th>\
         <th class=\"num\">Before correction</th><th class=\"num\">Null bias</th></tr>"
    );
    for r in rows {
        let _ = writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&r.name),
            esc(&r.group),
            year_money(r.value),
            year_money(1.96 * r.se),
            if r.share_of_evpi.is_finite() {
                format!("{:.0}%", 100.0 * r.share_of_evpi)
            } else {
                "—".to_owned()
            },
            year_money(r.raw),
            year_money(r.bias)
        );
    }
    w.push_str("</table>\n");
}

/// One optimised plan: the recommendation, chosen against as written, frontier, EVPPI.
fn optimization(w: &mut String, o: &Optimization, charts: &[Chart]) {
    let slug = slug(&o.plan);
    let _ = writeln!(w, "<h3 id=\"optimum-{}\">{}</h3>", esc(&slug), esc(&o.plan));
    let _ = writeln!(w, "<p><strong>{}</strong></p>", esc(&recommendation(o)));
    let ranges: Vec<String> = o
        .ranges
        .iter()
        .map(|r| {
            format!(
                "{} from {} to {} ({} spacing)",
                r.variable, r.lo, r.hi, r.spacing
            )
        })
        .collect();
    let _ = writeln!(
        w,
        "<p class=\"muted\">Searched: {}; a grid with successive refinement ({} passes, {} \
         candidates), every candidate on the same {} paths and subscribers. Objective: {}; \
         constraint: {}.</p>",
        esc(&ranges.join("; ")),
        o.passes,
        o.candidates.len(),
        o.paths,
        esc(&o.objective),
        esc(&o.constraint)
    );
    w.push_str(
        "<table>\n<tr><th>Terms</th><th class=\"num\">Expected gross profit (95%)</th>\
         <th class=\"num\">P(loss) (95%)</th><th class=\"num\">CVaR₉₀ of the margin</th></tr>\n",
    );
    let chosen = &o.candidates[o.choice.candidate];
    let own = &o.candidates[0];
    for (label, c, cvar) in [
        (
            format!("chosen: {}", terms(&chosen.terms)),
            chosen,
            format!(
                "{} ({} – {})",
                Unit::Margin.format(o.choice.cvar90_margin.value),
                Unit::Margin.format(o.choice.cvar90_margin.ci95[0]),
                Unit::Margin.format(o.choice.cvar90_margin.ci95[1])
            ),
        ),
        (
            "the plan as written".to_owned(),
            own,
            Unit::Margin.format(own.cvar90_margin),
        ),
    ] {
        let _ = writeln!(
            w,
            "<tr><td>{}</td><td class=\"num\">{} ({} – {})</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            esc(&label),
            year_money(c.expected_profit.value),
            year_money(c.expected_profit.ci95[0]),
            year_money(c.expected_profit.ci95[1]),
            pct_with_interval(&c.loss),
            cvar
        );
    }
    w.push_str("</table>\n");
    w.push_str(&figure(charts, &format!("stress-{slug}-frontier")));
    let _ = writeln!(
        w,
        "<h4>What to find out first</h4>\n<p>Knowing every uncertain input before choosing \
         (EVPI) would raise the {} by {} (± {}). Each input's share of that:</p>",
        esc(&o.objective),
        year_money(o.evpi.value),
        year_money(1.96 * o.evpi.se)
    );
    evppi_table(w, &o.evppi[..o.evppi.len().min(15)], "Input");
    w.push_str(&figure(charts, &format!("stress-{slug}-evppi")));
    evppi_table(w, &o.evppi_groups, "Group of inputs");
    w.push_str(&figure(charts, &format!("stress-{slug}-evppi-groups")));
    let _ = writeln!(w, "<p class=\"muted\">{}</p>", esc(&o.evppi_method));
}

/// The table across plans.
fn overview(w: &mut String, s: &StressSummary) {
    let Some(first) = s.overview.first() else {
        return;
    };
    let _ = writeln!(
        w,
        "<h2 id=\"plans\">Plans at a glance</h2>\n<table>\n<tr><th>Plan</th>\
         <th class=\"num\">P(loss) {}</th><th class=\"num\">P(loss) {}</th>\
         <th class=\"num\">Break-even fee {} (median)</th>\
         <th class=\"num\">Lowest fee on the grid with P(loss) &lt; {:.0}%</th></tr>",
        first.first_year,
        first.final_year,
        first.final_year,
        100.0 * SAFE_LOSS
    );
    for o in &s.overview {
        let _ = writeln!(
            w,
            "<tr><td><a href=\"#plan-{}\">{}</a></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&slug(&o.plan)),
            esc(&o.plan),
            pct_with_interval(&o.loss_first_year),
            pct_with_interval(&o.loss_final_year),
            money(o.break_even_fee),
            o.lowest_safe_fee
                .map_or("none on the grid".to_owned(), |f| money(Some(f)))
        );
    }
    w.push_str("</table>\n");
    for p in &s.plans {
        let why = negative_break_even(p);
        if !why.is_empty() {
            let _ = writeln!(w, "<p>{}</p>", esc(why.trim()));
        }
    }
}

/// A plan's section.
fn plan(w: &mut String, s: &StressSummary, p: &PlanSummary, charts: &[Chart]) {
    let slug = slug(&p.name);
    let _ = writeln!(
        w,
        "<h2 id=\"plan-{}\">{} ({})</h2>",
        esc(&slug),
        esc(&p.name),
        esc(&p.vendor)
    );
    w.push_str("<table>\n<tr><th>Term</th><th>Value</th><th>Source</th></tr>\n");
    for t in &p.term_lines {
        let _ = writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
            esc(&t.term),
            esc(&t.value),
            esc(&t.source)
        );
    }
    w.push_str("</table>\n");
    w.push_str(
        "<table>\n<tr><th>Year</th><th class=\"num\">P(loss)</th>\
         <th class=\"num\">Break-even fee (median)</th><th class=\"num\">P5 – P95</th>\
         <th class=\"num\">Gross profit (median)</th></tr>\n",
    );
    for y in &p.years {
        let _ = writeln!(
            w,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} – {}</td><td class=\"num\">{}</td></tr>",
            y.year,
            pct_with_interval(&y.loss),
            money(y.break_even_fee.p50),
            money(y.break_even_fee.p5),
            money(y.break_even_fee.p95),
            money(y.gross_profit.p50)
        );
    }
    w.push_str("</table>\n");
    if p.years.iter().any(|y| y.responses.is_some()) {
        w.push_str(
            "<table>\n<tr><th>Year</th><th class=\"num\">Left for price (a month)</th>\
             <th class=\"num\">Replaced by churn (a month)</th>\
             <th class=\"num\">Moved up a tier (a month)</th>\
             <th class=\"num\">On the plan at year end</th></tr>\n",
        );
        let share = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Share.format(x));
        for y in &p.years {
            let Some(r) = &y.responses else { continue };
            let _ = writeln!(
                w,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                y.year,
                share(r.left_for_price.p50),
                share(r.churned.p50),
                share(r.upgraded.p50),
                share(r.on_plan.p50)
            );
        }
        w.push_str("</table>\n<p class=\"muted\">Medians over paths.</p>\n");
    }
    for kind in [
        "margin",
        "loss-makers",
        "subscribers",
        "break-even",
        "heatmap",
    ] {
        w.push_str(&figure(charts, &format!("stress-{slug}-{kind}")));
    }
    for (_, why) in missing(s, p) {
        let _ = writeln!(w, "<p>{}</p>", esc(&why));
    }
}

/// `stress.html`.
pub fn page(s: &StressSummary, charts: &[Chart]) -> String {
    let mut w = html::head(&format!("infercast stress: {}", s.scenario));
    let _ = writeln!(w, "<h1>infercast stress test: {}</h1>", esc(&s.scenario));
    let _ = writeln!(
        w,
        "<p class=\"muted\">{} simulated futures of the market, each with {} simulated \
         subscribers per plan billed month by month at the vendor's simulated serving cost.</p>",
        s.paths, s.subscribers_simulated
    );
    if !s.optimization.is_empty() {
        w.push_str("<h2 id=\"recommendation\">Recommendation</h2>\n");
        for o in &s.optimization {
            optimization(&mut w, o, charts);
        }
    }
    overview(&mut w, s);
    for g in &s.groups {
        let _ = writeln!(
            w,
            "<h2 id=\"group-{}\">Tier group {}: {}, revenue and cost together</h2>\n<table>\n\
             <tr><th>Year</th><th class=\"num\">P(loss)</th><th class=\"num\">Gross profit (median)</th>\
             <th class=\"num\">P5 – P95</th></tr>",
            esc(&slug(&g.name)),
            esc(&g.name),
            esc(&g.plans.join(", "))
        );
        for y in &g.years {
            let _ = writeln!(
                w,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{} – {}</td></tr>",
                y.year,
                pct_with_interval(&y.loss),
                money(y.gross_profit.p50),
                money(y.gross_profit.p5),
                money(y.gross_profit.p95)
            );
        }
        w.push_str("</table>\n");
    }
    for p in &s.plans {
        plan(&mut w, s, p, charts);
    }
    w.push_str("<h2 id=\"run\">Run</h2>\n");
    let _ = writeln!(
        w,
        "<table>\n<tr><td>Tool</td><td>infercast {}</td></tr>\n\
         <tr><td>Scenario</td><td>{} (hash <code>{}</code>)</td></tr>\n\
         <tr><td>Paths</td><td>{}</td></tr>\n<tr><td>Seed</td><td>{}</td></tr>\n\
         <tr><td>Sampling</td><td>{}</td></tr>\n</table>",
        esc(&s.version),
        esc(&s.scenario),
        esc(&s.scenario_hash),
        s.paths,
        s.seed,
        esc(&s.sampling)
    );
    w.push_str(html::FOOT);
    w
}
