//! `sensitivity.html`, and the same section put into a run's `report.html` (`--into`).

use crate::analysis::{Index, SensitivitySummary};
use crate::report::charts::Chart;
use crate::report::charts::sobol::{TOP, additivity};
use crate::report::format::esc;
use crate::report::html;
use std::fmt::Write;

/// Where the section starts and ends, so that it can be found and replaced.
const OPEN: &str = "<section id=\"sensitivity\">";
const CLOSE: &str = "</section><!-- sensitivity -->\n";

/// A run report's heading that the section is put before.
const BEFORE: &str = "<h2 id=\"assumptions\">";

fn index(i: &Index) -> String {
    format!(
        "{:.3} <span class=\"muted\">[{:.3}, {:.3}]</span>",
        i.value, i.ci95[0], i.ci95[1]
    )
}

/// The sensitivity section: how to read it, then per outcome its chart and a table.
pub fn section(s: &SensitivitySummary, charts: &[Chart]) -> String {
    let mut w = String::from(OPEN);
    w.push('\n');
    w.push_str("<h2 id=\"sobol\">What drives the answer: Sobol' indices</h2>\n");
    let _ = writeln!(
        w,
        "<p>How much of each outcome's variance each input (or group of inputs) explains, from \
         a Saltelli design of {} rows × {} runs ({} simulated paths; seed {}, {} base points, \
         groups <code>{}</code>). The <b>total index</b> is the share of the variance that \
         would go if the group were known exactly: what it explains alone and through its \
         interactions with the others. The <b>first-order index</b> is what it explains alone. \
         A total well above the first order means the group matters through interactions; a \
         total near 0 means the group can be fixed at any value without changing the answer. \
         Unlike the tornado's rank correlations, these hold for thresholds, interactions and \
         (grouped) correlated inputs. Whiskers and brackets are 95% bootstrap intervals over \
         the design's rows.</p>",
        s.rows,
        s.runs_per_row,
        s.paths,
        s.seed,
        esc(&s.sampler.to_string()),
        esc(&s.grouping.to_string())
    );
    if !s.complete {
        w.push_str(
            "<p><b>Incomplete:</b> the run was interrupted; these are the indices of the \
             design rows that finished.</p>\n",
        );
    }
    if let (Some(se), Some(met)) = (s.until_se, s.until_se_met) {
        let _ = writeln!(
            w,
            "<p class=\"muted\">Rows were added until every total index's standard error was \
             at most {se}: {} (largest: {:.4}).</p>",
            if met {
                "met"
            } else {
                "not met, the most rows were reached"
            },
            s.max_total_se()
        );
    }
    w.push_str("<ul class=\"muted\">\n");
    for n in &s.notes {
        let _ = writeln!(w, "<li>{}</li>", esc(n));
    }
    w.push_str("</ul>\n");
    for (o, c) in s.outcomes.iter().zip(charts) {
        let _ = writeln!(w, "<h3>{}</h3>", esc(&o.title));
        let _ = writeln!(
            w,
            "<p class=\"muted\">Explained as its {}; mean {:.4}, variance {:.4}; {} rows. \
             First-order indices sum to {}: {}.</p>",
            esc(&o.explained_as),
            o.mean,
            o.variance,
            o.rows_used,
            index(&o.first_order_sum),
            additivity(o.first_order_sum.value)
        );
        for warning in &o.warnings {
            let _ = writeln!(w, "<p><b>Note:</b> {}.</p>", esc(warning));
        }
        w.push_str(&html::figure(c));
        w.push_str(
            "<table>\n<tr><th>Group</th><th class=\"num\">Total index [95%]</th>\
             <th class=\"num\">First order [95%]</th></tr>\n",
        );
        for g in SensitivitySummary::ranked(o).into_iter().take(TOP) {
            let _ = writeln!(
                w,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&g.group),
                index(&g.total),
                index(&g.first)
            );
        }
        w.push_str("</table>\n");
    }
    w.push_str("<h3>Groups</h3>\n<table>\n<tr><th>Group</th><th>Inputs</th></tr>\n");
    for g in s.groups.iter().filter(|g| g.inputs.len() != 1) {
        let inputs = if g.inputs.is_empty() {
            "(not an input: what the model draws within a path)".to_owned()
        } else {
            g.inputs
                .iter()
                .map(|i| format!("<code>{}</code>", esc(i)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(w, "<tr><td>{}</td><td>{inputs}</td></tr>", esc(&g.label));
    }
    w.push_str(
        "</table>\n<p class=\"muted\">Every other group is the one input it is named after. \
         All indices of every group are in <code>sensitivity.csv</code> and \
         <code>sensitivity.json</code>.</p>\n",
    );
    w.push_str(CLOSE);
    w
}

/// `sensitivity.html`.
pub fn page(s: &SensitivitySummary, charts: &[Chart]) -> String {
    let mut w = html::head(&format!("infercast sensitivity: {}", s.scenario));
    let _ = writeln!(w, "<h1>infercast sensitivity: {}</h1>", esc(&s.scenario));
    if !s.description.is_empty() {
        let _ = writeln!(w, "<p>{}</p>", esc(&s.description));
    }
    w.push_str(&section(s, charts));
    w.push_str("<h2 id=\"run\">Run</h2>\n");
    let _ = writeln!(
        w,
        "<table>\n<tr><td>Tool</td><td>infercast {}</td></tr>\n\
         <tr><td>Scenario</td><td>{} (hash <code>{}</code>)</td></tr>\n\
         <tr><td>Method</td><td>{}</td></tr>\n\
         <tr><td>Design</td><td>{} rows × {} runs = {} paths</td></tr>\n\
         <tr><td>Seed</td><td>{}</td></tr>\n\
         <tr><td>Base points</td><td>{}</td></tr>\n\
         <tr><td>Groups</td><td>{}</td></tr>\n\
         <tr><td>Bootstrap</td><td>{} resamples of the rows, {:.0}% percentile intervals</td></tr>\n\
         </table>",
        esc(&s.version),
        esc(&s.scenario),
        esc(&s.scenario_hash),
        esc(&s.method),
        s.rows,
        s.runs_per_row,
        s.paths,
        s.seed,
        esc(&s.sampler.to_string()),
        esc(&s.grouping.to_string()),
        s.bootstrap.resamples,
        100.0 * s.bootstrap.confidence
    );
    w.push_str(html::FOOT);
    w
}

/// `report` (a run's `report.html`) with `section` in it, before its assumptions, in place of
/// any sensitivity section it had; `None` if it is not a run's report.
pub fn splice(report: &str, section: &str) -> Option<String> {
    let mut page = report.to_owned();
    if let Some(start) = page.find(OPEN) {
        let end = page[start..].find(CLOSE)? + start + CLOSE.len();
        page.replace_range(start..end, "");
    }
    let at = page.find(BEFORE)?;
    page.insert_str(at, section);
    Some(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_goes_before_the_assumptions_once() {
        let report = "<h1>x</h1>\n<h2 id=\"charts\">Charts</h2>\n<h2 id=\"assumptions\">A</h2>\n";
        let one = format!("{OPEN}\n<p>one</p>\n{CLOSE}");
        let two = format!("{OPEN}\n<p>two</p>\n{CLOSE}");
        let a = splice(report, &one).unwrap();
        assert_eq!(
            a,
            format!(
                "<h1>x</h1>\n<h2 id=\"charts\">Charts</h2>\n{one}<h2 id=\"assumptions\">A</h2>\n"
            )
        );
        let b = splice(&a, &two).unwrap();
        assert_eq!(b, splice(report, &two).unwrap(), "replaced, not added");
        assert!(splice("<h1>not a report</h1>", &one).is_none());
    }
}
