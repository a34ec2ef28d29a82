//! `stress.html`: each plan's terms, its year-by-year table and its charts, then the run.

use crate::analysis::StressSummary;
use crate::report::charts::Chart;
use crate::report::charts::tornado::slug;
use crate::report::format::{Unit, esc, pct_with_interval};
use crate::report::html;
use std::fmt::Write;

/// `stress.html`.
pub fn page(s: &StressSummary, charts: &[Chart]) -> String {
    let money = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Dollars.format(x));
    let mut w = html::head(&format!("infercast stress: {}", s.scenario));
    let _ = writeln!(w, "<h1>infercast stress test: {}</h1>", esc(&s.scenario));
    let _ = writeln!(
        w,
        "<p class=\"muted\">{} simulated futures of the market, each with {} simulated \
         subscribers per plan billed month by month at the vendor's simulated serving cost.</p>",
        s.paths, s.subscribers_simulated
    );
    for (p, plan_charts) in s.plans.iter().zip(charts.chunks(4)) {
        let _ = writeln!(
            w,
            "<h2 id=\"plan-{}\">{} ({})</h2>",
            esc(&slug(&p.name)),
            esc(&p.name),
            esc(&p.vendor)
        );
        let _ = writeln!(w, "<p>{}</p>", esc(&p.terms));
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
        for c in plan_charts {
            w.push_str(&html::figure(c));
        }
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
