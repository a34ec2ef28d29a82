//! The files of `infercast compare`: overlay charts, `compare.json`, `compare.html`, and the
//! table printed at the end.

use super::charts::{self, Chart, Unit};
use super::html::{self, esc};
use super::summary::Summary;
use crate::compare::Comparison;
use std::fmt::Write;
use std::io;
use std::path::{Path, PathBuf};

/// Compares the runs whose summaries are `summaries` and whose files are in `folders` (the
/// first is the reference), writing the comparison into `dir`.
pub fn write_comparison(
    dir: &Path,
    folders: &[PathBuf],
    summaries: &[Summary],
    metrics: &[String],
) -> io::Result<Comparison> {
    let mut column = |k: usize, name: &str| {
        super::output::read_named_column(&folders[k].join("outcomes.csv"), name)
    };
    let c = Comparison::new(summaries, metrics, &mut column)?;
    let charts: Vec<Chart> = metrics
        .iter()
        .map(|m| charts::overlay::compare(summaries, m))
        .collect::<Result<_, _>>()?;
    charts::write_all(dir, &charts)?;
    super::write_atomic(&dir.join("compare.json"), &super::pretty(&c)?)?;
    let names: Vec<String> = folders
        .iter()
        .map(|f| {
            f.strip_prefix(dir)
                .unwrap_or(f)
                .join("report.html")
                .display()
                .to_string()
        })
        .collect();
    super::write_atomic(
        &dir.join("compare.html"),
        page(&c, summaries, &charts, &names).as_bytes(),
    )?;
    Ok(c)
}

fn pct(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

/// A difference in an outcome's unit, with its sign.
fn signed(outcome: &str, x: f64) -> String {
    let unit = match outcome.rsplit_once('.') {
        Some((series, y)) if y.parse::<i32>().is_ok() => Unit::of(series, true),
        _ => Unit::of(outcome, false),
    };
    if x < 0.0 {
        format!("−{}", unit.format(-x))
    } else {
        format!("+{}", unit.format(x))
    }
}

/// `compare.html`.
fn page(c: &Comparison, summaries: &[Summary], charts: &[Chart], reports: &[String]) -> String {
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

/// The table printed at the end of `compare` (fits 100 columns for up to three scenarios).
pub fn comparison_table(c: &Comparison) -> String {
    let n = c.scenarios.len();
    let label = 100usize.saturating_sub(17 * n).max(24);
    let cut = |t: &str, w: usize| -> String {
        if t.chars().count() <= w {
            t.to_owned()
        } else {
            t.chars().take(w - 1).chain(std::iter::once('…')).collect()
        }
    };
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{} paths, seed {}, common random numbers\n",
        c.paths, c.seed
    );
    let _ = write!(w, "{:label$}", "Probability of");
    for s in &c.scenarios {
        let _ = write!(w, " {:>16}", cut(s, 16));
    }
    let _ = writeln!(w, "\n{}", "─".repeat(label + 17 * n));
    for row in &c.targets {
        let _ = write!(w, "{:label$}", cut(&row.label, label));
        for p in &row.probabilities {
            let cell = p.map_or("—".to_owned(), |p| {
                format!("{:.1}% ±{:.1}", 100.0 * p.probability, 196.0 * p.se)
            });
            let _ = write!(w, " {cell:>16}");
        }
        w.push('\n');
    }
    let _ = writeln!(
        w,
        "\n{:label2$} {:>16} {:>24}",
        "Paired difference (scenario − first)",
        "mean",
        "95% interval",
        label2 = 100 - 42
    );
    let _ = writeln!(w, "{}", "─".repeat(100 - 1));
    for d in &c.differences {
        let p = &d.difference;
        let _ = writeln!(
            w,
            "{:58} {:>16} {:>24}",
            cut(&format!("{}: {}", d.outcome, d.scenario), 58),
            signed(&d.outcome, p.mean),
            format!(
                "{} to {}",
                signed(&d.outcome, p.ci95[0]),
                signed(&d.outcome, p.ci95[1])
            )
        );
    }
    w
}
