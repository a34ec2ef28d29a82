//! `compare.html`: the scenarios' target probabilities side by side, paired differences, the
//! overlay charts and each run's metadata.

use crate::analysis::{Comparison, Summary};
use crate::report::charts::Chart;
use crate::report::format::{esc, pct, signed};
use crate::report::html;
use std::fmt::Write;

/// `compare.html`.
pub fn page(c: &Comparison, summaries: &[Summary], charts: &[Chart], reports: &[String]) -> String {
    let mut w = html::head(&format!("infercast: {}", c.scenarios.join(" vs ")));
    let _ = writeln!(w, "<h1>infercast: {}</h1>", esc(&c.scenarios.join(" vs ")));
    let _ = writeln!(
        w,
        "<p class=\"muted\">Every scenario ran {} paths with seed {} on common random numbers: \
         path i draws the same value for every input the scenarios share, so differences are \
         measured path by path. Each scenario's own report: {}.</p>",
        c.paths,
        c.seed,
        reports
            .iter()
            .map(|r| format!("<code>{}</code>", esc(r)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    w.push_str("<h2 id=\"targets\">Targets</h2>\n<table>\n<tr><th>Probability of</th>");
    for s in &c.scenarios {
        let _ = write!(w, "<th class=\"num\">{}</th>", esc(s));
    }
    w.push_str("</tr>\n");
    for row in &c.targets {
        let _ = write!(w, "<tr><td>{}</td>", esc(&row.label));
        for p in &row.probabilities {
            match p {
                Some(p) => {
                    let _ = write!(
                        w,
                        "<td class=\"num\"><b>{}</b><br><span class=\"muted\">{} – {}</span></td>",
                        pct(p.probability),
                        pct(p.wilson95[0]),
                        pct(p.wilson95[1])
                    );
                }
                None => w.push_str("<td class=\"num\">—</td>"),
            }
        }
        w.push_str("</tr>\n");
    }
    w.push_str("<tr><td>revenue stall</td>");
    for s in summaries {
        let _ = write!(
            w,
            "<td class=\"num\"><b>{}</b><br><span class=\"muted\">{} – {}</span></td>",
            pct(s.revenue_stall.probability),
            pct(s.revenue_stall.wilson95[0]),
            pct(s.revenue_stall.wilson95[1])
        );
    }
    w.push_str("</tr>\n</table>\n");
    w.push_str(
        "<h2 id=\"differences\">Paired differences</h2>\n<p class=\"muted\">Mean over paths of \
         (scenario − reference), with its 95% interval (± 1.96 standard errors of the mean).</p>\n\
         <table>\n<tr><th>Outcome</th><th>Scenario</th><th>Reference</th>\
         <th class=\"num\">Mean difference</th><th class=\"num\">95% interval</th>\
         <th class=\"num\">Paths</th></tr>\n",
    );
    for d in &c.differences {
        let p = &d.difference;
        let _ = writeln!(
            w,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} to {}</td><td class=\"num\">{}</td></tr>",
            esc(&d.outcome),
            esc(&d.scenario),
            esc(&d.versus),
            signed(&d.outcome, p.mean),
            signed(&d.outcome, p.ci95[0]),
            signed(&d.outcome, p.ci95[1]),
            p.pairs
        );
    }
    w.push_str("</table>\n<h2 id=\"charts\">Charts</h2>\n");
    for chart in charts {
        w.push_str(&html::figure(chart));
    }
    w.push_str("<h2 id=\"run\">Runs</h2>\n");
    for s in summaries {
        let _ = writeln!(w, "<h3>{}</h3>", esc(&s.scenario));
        w.push_str(&html::metadata(s));
    }
    w.push_str(html::FOOT);
    w
}
