//! `report.html` of a run.

use super::{FOOT, figure, head, metadata};
use crate::analysis::Summary;
use crate::report::charts::Chart;
use crate::report::format::{Unit, esc, human, interval, pct};
use std::fmt::Write;

/// The headline answers: targets, collapse, stall, threshold months.
fn answers(s: &Summary) -> String {
    let mut w = String::new();
    let _ = writeln!(
        w,
        "<table class=\"answers\">\n<tr><th>Question</th><th class=\"num\">Answer</th>\
         <th class=\"num\">95% interval</th></tr>"
    );
    for t in &s.targets {
        let _ = writeln!(
            w,
            "<tr><td>Probability: {}</td><td class=\"num big\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&t.label),
            pct(t.result.probability),
            interval(&t.result)
        );
    }
    if let Some(q) = s.outcomes.get("collapse_factor") {
        let f = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Factor.format(x));
        let _ = writeln!(
            w,
            "<tr><td>How much cheaper the reference task gets, {} to {} (median)</td>\
             <td class=\"num big\">{}</td><td class=\"num\">P5–P95: {} – {}</td></tr>",
            esc(s.months.first().map_or("", String::as_str)),
            esc(&s.collapse_date),
            f(q.p50),
            f(q.p5),
            f(q.p95)
        );
    }
    let _ = writeln!(
        w,
        "<tr><td>Probability that vendor revenue stalls (paid volume grows less than the \
         price falls)</td><td class=\"num big\">{}</td><td class=\"num\">{}</td></tr>",
        pct(s.revenue_stall.probability),
        interval(&s.revenue_stall)
    );
    for (outcome, what) in [
        ("month_100x", "the reference task is 100x cheaper"),
        (
            "month_zero_marginal",
            "zero marginal intelligence arrives (half of enterprise firms)",
        ),
    ] {
        if let Some(q) = s.outcomes.get(outcome) {
            let _ = writeln!(
                w,
                "<tr><td>Median month in which {what}</td><td class=\"num big\">{}</td>\
                 <td class=\"num\">P5–P95: {} – {}</td></tr>",
                s.month_label(q.p50),
                s.month_label(q.p5),
                s.month_label(q.p95)
            );
        }
    }
    w.push_str("</table>\n");
    w
}

/// Every uncertain input: distribution, median, P5–P95 and its source comment.
fn assumptions(s: &Summary) -> String {
    let mut w = String::from(
        "<table>\n<tr><th>Input</th><th>Distribution</th><th class=\"num\">Median</th>\
         <th class=\"num\">P5 – P95</th><th>Source</th></tr>\n",
    );
    let h = human;
    for a in &s.assumptions {
        let _ = writeln!(
            w,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{} – {}</td><td>{}</td></tr>",
            esc(&a.input),
            esc(&a.distribution),
            h(a.median),
            h(a.p5),
            h(a.p95),
            esc(a.source.as_deref().unwrap_or("(no source comment)"))
        );
    }
    w.push_str("</table>\n");
    w
}

/// `report.html` of a run.
pub fn report(s: &Summary, charts: &[Chart]) -> String {
    let mut w = head(&format!("infercast: {}", s.scenario));
    let _ = writeln!(w, "<h1>infercast: {}</h1>", esc(&s.scenario));
    if !s.description.is_empty() {
        let _ = writeln!(w, "<p>{}</p>", esc(&s.description));
    }
    let _ = writeln!(
        w,
        "<p class=\"muted\">{} simulated futures, {} to {}. Probabilities come with their \
         95% Wilson interval; ranges are the 5th to 95th percentile over paths.</p>",
        s.paths,
        esc(s.months.first().map_or("", String::as_str)),
        esc(s.months.last().map_or("", String::as_str))
    );
    w.push_str(&super::conditioning::evidence(s));
    w.push_str("<h2 id=\"answers\">Headline answers</h2>\n");
    w.push_str(&answers(s));
    w.push_str(&super::conditioning::sections(s));
    w.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for c in charts {
        w.push_str(&figure(c));
    }
    w.push_str(
        "<h2 id=\"assumptions\">Assumptions</h2>\n<p class=\"muted\">Every uncertain input of \
         the scenario: its distribution as written, the median and 5th–95th percentile of that \
         distribution, and the comment the scenario file gives as its source.</p>\n",
    );
    w.push_str(&assumptions(s));
    w.push_str("<h2 id=\"run\">Run</h2>\n");
    w.push_str(&metadata(s));
    w.push_str(FOOT);
    w
}
