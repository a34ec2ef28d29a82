//! The HTML pages: `report.html` of a run, `compare.html`, `stress.html`, `sensitivity.html`. Each is one
//! self-contained file, charts inline as SVG, no scripts and no external references, readable
//! in any browser and printable.

pub mod compare;
pub mod conditioning;
pub mod run;
pub mod sensitivity;
pub mod stress;

use crate::analysis::Summary;
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
