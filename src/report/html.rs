//! `report.html` (and `compare.html`): one self-contained file, charts inline as SVG, no
//! scripts and no external references, readable in any browser and printable.

use super::charts::{Chart, Unit};
use super::summary::{Probability, Summary};
use std::fmt::Write;

/// Escapes text for HTML.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body { font-family: 'DejaVu Sans', Verdana, sans-serif; color: #111; margin: 2em auto;
       max-width: 1060px; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #08306b; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { padding: 0.3em 0.8em; border-bottom: 1px solid #ccc; text-align: left;
         vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.answers td.big { font-size: 1.25em; font-weight: bold; }
figure { margin: 1.5em 0; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; max-width: 1000px; display: block; }
figcaption { color: #333; margin-top: 0.3em; }
.muted { color: #555; font-size: 0.9em; }
code { font-size: 0.95em; }
";

/// Opens a report page.
pub fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

/// Closes a report page.
pub const FOOT: &str = "</body>\n</html>\n";

fn pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

fn interval(p: &Probability) -> String {
    format!("{} – {}", pct(p.wilson95[0]), pct(p.wilson95[1]))
}

/// A chart inline, with its caption.
pub fn figure(c: &Chart) -> String {
    let svg = c
        .svg
        .trim_start_matches(|ch: char| ch != '<')
        .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .trim();
    format!(
        "<figure id=\"{}\">\n{svg}\n<figcaption>{}</figcaption>\n</figure>\n",
        esc(&c.name),
        esc(&c.caption)
    )
}

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
    let h = super::human;
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

/// Version, seed, paths, sampling and scenario hash.
pub fn metadata(s: &Summary) -> String {
    format!(
        "<table>\n<tr><td>Tool</td><td>infercast {}</td></tr>\n\
         <tr><td>Scenario</td><td>{} (hash <code>{}</code>)</td></tr>\n\
         <tr><td>Paths</td><td>{}</td></tr>\n<tr><td>Seed</td><td>{}</td></tr>\n\
         <tr><td>Sampling</td><td>{}</td></tr>\n<tr><td>Months</td><td>{} to {}</td></tr>\n\
         </table>\n",
        esc(&s.version),
        esc(&s.scenario),
        esc(&s.scenario_hash),
        s.paths,
        s.seed,
        esc(&s.sampling),
        esc(s.months.first().map_or("", String::as_str)),
        esc(s.months.last().map_or("", String::as_str)),
    )
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
    w.push_str("<h2 id=\"answers\">Headline answers</h2>\n");
    w.push_str(&answers(s));
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
