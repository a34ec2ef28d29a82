//! `report.html` of a run.

use super::{FOOT, figure, head, metadata};
use crate::analysis::{Assumption, Summary};
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

/// A source cell: the scenario's comment, then each cited entry of `docs/sources.toml` in its
/// own words (figure, publisher, date) with its address.
fn source_cell(a: &Assumption) -> String {
    let mut w = esc(a.source.as_deref().unwrap_or("(no source comment)"));
    for c in &a.sources {
        let address = if c.address.is_empty() {
            "no public address; see docs/sources.md".to_owned()
        } else {
            format!("<a href=\"{0}\">{0}</a>", esc(&c.address))
        };
        let _ = write!(
            w,
            "<br><span class=\"muted\"><b>{}</b>: {} ({}, {}; reliability {}). {address}</span>",
            esc(&c.id),
            esc(&c.figure),
            esc(&c.publisher),
            esc(&c.date),
            esc(&c.reliability)
        );
    }
    w
}

/// Every input, uncertain, fixed or drawn per firm, and every date the scenario states: its
/// distribution or value, median and P5–P95, and its sources.
fn assumptions(s: &Summary) -> String {
    let mut w = String::new();
    for (kind, title) in [
        ("uncertain", "Uncertain inputs (drawn once per path)"),
        ("fixed", "Fixed inputs"),
        ("date", "Dates"),
        (
            "population",
            "Populations (drawn per firm or subscriber within a path)",
        ),
    ] {
        let rows: Vec<&Assumption> = s.assumptions.iter().filter(|a| a.kind == kind).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(w, "<h3>{title}</h3>");
        let spread = kind == "uncertain" || kind == "population";
        w.push_str("<table class=\"assumptions\">\n<tr><th>Input</th><th>");
        w.push_str(if spread { "Distribution" } else { "Value" });
        if spread {
            w.push_str("</th><th class=\"num\">Median</th><th class=\"num\">P5 – P95");
        }
        w.push_str("</th><th>Source</th></tr>\n");
        for a in rows {
            let value = if kind == "fixed" {
                human(a.median)
            } else {
                esc(&a.distribution)
            };
            let _ = write!(
                w,
                "<tr><td>{}<br><span class=\"muted\"><code>{}</code></span></td><td>{value}</td>",
                esc(&a.label),
                esc(&a.input)
            );
            if spread {
                let note = if a.truncated {
                    "<br><span class=\"muted\">after truncation</span>"
                } else {
                    ""
                };
                let _ = write!(
                    w,
                    "<td class=\"num\">{}{note}</td><td class=\"num\">{} – {}</td>",
                    human(a.median),
                    human(a.p5),
                    human(a.p95)
                );
            }
            let _ = writeln!(w, "<td>{}</td></tr>", source_cell(a));
        }
        w.push_str("</table>\n");
    }
    w
}

/// The words the report uses, in a sentence each.
const GLOSSARY: &str = "<h2 id=\"glossary\">Glossary</h2>\n<dl>\n\
<dt>Reference task</dt><dd>A fixed piece of work (by default a batch of one million tokens at \
the capability of the frontier model at the start) whose cost the model follows month by \
month.</dd>\n\
<dt>Collapse factor</dt><dd>How many times cheaper the reference task is at the collapse date \
than in the first month: 100x means it costs a hundredth.</dd>\n\
<dt>Ambient</dt><dd>A firm uses AI ambiently once running adequate AI on its whole process \
costs less than one decision whether to use it: it stops rationing AI use.</dd>\n\
<dt>Zero marginal intelligence</dt><dd>The first month at whose end at least half of \
enterprise firms would find AI ambient (whatever they have adopted so far).</dd>\n\
<dt>Blended price</dt><dd>What paid tokens cost on average: all vendors' and hosts' revenue \
over the paid tokens, in $ per million tokens; a list price is blended as \
(3 × input + output) / 4.</dd>\n\
<dt>Frontier price</dt><dd>The blended price of the frontier vendors' models, weighted by \
their tokens sold.</dd>\n\
<dt>Revenue stall</dt><dd>Paid token volume grows, from the first full year to the last, by \
less than the blended price falls: vendors' revenue per year shrinks.</dd>\n</dl>\n";

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
        "<h2 id=\"assumptions\">Assumptions</h2>\n<p class=\"muted\">Every input of the \
         scenario, uncertain or fixed, and every date it states: the distribution or value as \
         written, the median and 5th–95th percentile of a distribution (of the truncated \
         distribution where it is cut to a range), the comment the scenario file gives as its \
         source, and each source it cites (ids CAL-n, listed in the project's docs/sources.md) \
         in the source's own words with its address.</p>\n",
    );
    w.push_str(&assumptions(s));
    w.push_str(GLOSSARY);
    w.push_str("<h2 id=\"run\">Run</h2>\n");
    w.push_str(&metadata(s));
    w.push_str(FOOT);
    w
}
