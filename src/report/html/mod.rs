//! The HTML pages: `report.html` of a run, `compare.html`, `stress.html`, `sensitivity.html`. Each is one
//! self-contained file, charts inline as SVG, no scripts and no external references, readable
//! in any browser and printable.

pub mod compare;
pub mod conditioning;
pub mod run;
pub mod sensitivity;
pub mod stress;

use crate::analysis::Summary;
use crate::analysis::provenance::{Provenance, duration};
use crate::report::charts::Chart;
use crate::report::format::esc;

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
.assumptions { width: 100%; }
.assumptions td:last-child { width: 45%; overflow-wrap: anywhere; }
.assumptions td:nth-child(2) { min-width: 9em; }
.provenance { background: #f3f5f8; padding: 0.4em 0.8em; border-left: 4px solid #08306b; }
.incomplete { background: #fde0dd; border-left-color: #a50f15; font-weight: bold; }
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

/// Where the provenance block of a page starts and ends.
pub const PROVENANCE_BEGIN: &str = "<!-- provenance: differs from run to run -->\n";
pub const PROVENANCE_END: &str = "<!-- /provenance -->\n";

/// `page` with its provenance block after the title (`<h1>`): when the run was made, how
/// long it took and the command; an interrupted run says first that it is incomplete.
pub fn with_provenance(page: &str, p: &Provenance) -> String {
    let mut block = String::from(PROVENANCE_BEGIN);
    if !p.complete {
        block.push_str(
            "<p class=\"provenance incomplete\">Incomplete: this run was interrupted. Its \
             figures come from the paths finished by then (see Paths below), not the paths \
             asked for.</p>\n",
        );
    }
    block.push_str(&format!(
        "<p class=\"provenance\">Run {} (UTC), in {}, by <code>{}</code></p>\n",
        esc(&p.started_utc.replace('T', " ").replace('Z', "")),
        esc(&duration(p.seconds)),
        esc(&p.command)
    ));
    block.push_str(PROVENANCE_END);
    match page.find("</h1>\n") {
        Some(at) => {
            let at = at + "</h1>\n".len();
            format!("{}{block}{}", &page[..at], &page[at..])
        }
        None => format!("{block}{page}"),
    }
}

/// `page` without its provenance block: what stays byte-identical from run to run.
pub fn strip_provenance(page: &str) -> std::borrow::Cow<'_, str> {
    match (page.find(PROVENANCE_BEGIN), page.find(PROVENANCE_END)) {
        (Some(a), Some(b)) if a < b => std::borrow::Cow::Owned(format!(
            "{}{}",
            &page[..a],
            &page[b + PROVENANCE_END.len()..]
        )),
        _ => std::borrow::Cow::Borrowed(page),
    }
}
