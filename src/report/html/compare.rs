//! `compare.html`: what changed between the scenarios, every target's probability in every
//! scenario with its paired difference, the paired ratios of heavy-tailed outcomes, the overlay
//! charts and each run's metadata.

use crate::analysis::{Comparison, Summary};
use crate::report::charts::Chart;
use crate::report::format::{esc, pct};
use crate::report::{html, text};
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
    for note in text::compare::pairing_notes(c) {
        let _ = writeln!(w, "<p class=\"muted\">{}</p>", esc(&note));
    }
    changes(&mut w, c);
    targets(&mut w, c, summaries);
    ratios(&mut w, c);
    w.push_str("<h2 id=\"charts\">Charts</h2>\n");
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

/// "What changed": every setting that differs, with each scenario's value.
fn changes(w: &mut String, c: &Comparison) {
    let _ = write!(
        w,
        "<h2 id=\"changes\">What changed</h2>\n<p class=\"muted\">Every input, observation, \
         target and plan setting that is not the same in every scenario ({}), as the scenario \
         sets it after <code>extends</code> and <code>--set</code>.</p>\n<table>\n\
         <tr><th>Setting</th>",
        c.changes.len()
    );
    for s in &c.scenarios {
        let _ = write!(w, "<th class=\"num\">{}</th>", esc(s));
    }
    w.push_str("</tr>\n");
    for ch in &c.changes {
        let _ = write!(w, "<tr><td><code>{}</code></td>", esc(&ch.key));
        for v in &ch.values {
            let v = v
                .as_deref()
                .map_or("(not set)".to_owned(), text::compare::setting);
            let _ = write!(w, "<td>{}</td>", esc(&v));
        }
        w.push_str("</tr>\n");
    }
    w.push_str("</table>\n");
}

/// Every target in every scenario with its paired difference from the first, and the
/// revenue stall.
fn targets(w: &mut String, c: &Comparison, summaries: &[Summary]) {
    let _ = write!(
        w,
        "<h2 id=\"targets\">Targets</h2>\n<p class=\"muted\">Each target of every scenario, \
         evaluated on every scenario's paths (* where the scenario does not declare it): the \
         probability with its 95% interval, and Δ, the difference from {} in percentage \
         points ± half its 95% interval, from the paired variance of the paths' outcomes.</p>\n\
         <table>\n<tr><th>Probability of</th>",
        esc(&c.scenarios[0])
    );
    for s in &c.scenarios {
        let _ = write!(w, "<th class=\"num\">{}</th>", esc(s));
    }
    w.push_str("</tr>\n");
    for row in &c.targets {
        let _ = write!(w, "<tr><td>{}</td>", esc(&row.label));
        for ((p, declared), d) in row
            .probabilities
            .iter()
            .zip(&row.declared)
            .zip(&row.differences)
        {
            let Some(p) = p else {
                w.push_str("<td class=\"num\">—</td>");
                continue;
            };
            let delta = d.map_or(String::new(), |d| {
                format!("<br>Δ {}", esc(&text::compare::points(d.mean, d.se)))
            });
            let _ = write!(
                w,
                "<td class=\"num\"><b>{}</b>{}<br><span class=\"muted\">{} – {}{delta}</span></td>",
                pct(p.probability),
                if *declared { "" } else { "*" },
                pct(p.wilson95[0]),
                pct(p.wilson95[1])
            );
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
}

/// The paired ratios of the heavy-tailed outcomes.
fn ratios(w: &mut String, c: &Comparison) {
    let _ = write!(
        w,
        "<h2 id=\"ratios\">How much: paired ratios</h2>\n<p class=\"muted\">Factors and \
         revenues are heavy-tailed, so a mean difference says little: for each path, the \
         scenario's value divided by {}'s on the same path; the median of that ratio and its \
         P25–P75 over the paths where both values are positive.</p>\n<table>\n\
         <tr><th>Outcome</th><th>Scenario</th><th class=\"num\">Median ratio</th>\
         <th class=\"num\">P25 – P75</th><th class=\"num\">Paths</th></tr>\n",
        esc(&c.scenarios[0])
    );
    for r in &c.ratios {
        let range = match (r.p25, r.p75) {
            (Some(a), Some(b)) => {
                format!("{} – {}", text::compare::times(a), text::compare::times(b))
            }
            _ => "not paired".to_owned(),
        };
        let _ = writeln!(
            w,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&r.outcome),
            esc(&r.scenario),
            r.median.map_or("—".to_owned(), text::compare::times),
            esc(&range),
            r.pairs
        );
    }
    w.push_str("</table>\n");
}
