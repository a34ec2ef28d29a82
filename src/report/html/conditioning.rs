//! The sections of a conditioned run's `report.html`: the evidence, what the observations
//! changed, where each observation falls in the prior predictive, and the inputs they moved.

use crate::analysis::{Quantiles, Summary};
use crate::report::format::{Unit, esc, pct};
use crate::report::text::conditioning::{SURPRISE, evidence_line, observed};
use crate::report::text::run::{headline_rows, value};
use std::fmt::Write;

/// The line on the evidence under the title (empty for an unconditioned run).
pub fn evidence(s: &Summary) -> String {
    s.conditioning.as_ref().map_or(String::new(), |c| {
        format!(
            "<p><b>Conditioned on what has been observed</b>: {}. Every figure below is \
             weighted by how well each path reproduces the observations; probabilities' \
             intervals come from the effective sample size (ESS).</p>\n",
            esc(&evidence_line(c))
        )
    })
}

/// A median with its P5–P95, in an outcome's unit.
fn range(s: &Summary, outcome: &str, q: &Quantiles) -> String {
    format!(
        "{}<br><span class=\"muted\">{} – {}</span>",
        esc(&value(s, outcome, q.p50)),
        esc(&value(s, outcome, q.p5)),
        esc(&value(s, outcome, q.p95))
    )
}

/// What changed, the observations, and the inputs they moved (empty when unconditioned).
pub fn sections(s: &Summary) -> String {
    let mut w = String::new();
    let Some(prior) = &s.prior else {
        return w;
    };
    w.push_str(
        "<h2 id=\"changed\">What the observations changed</h2>\n<table>\n<tr><th>Figure</th>\
         <th class=\"num\">Before (prior)</th><th class=\"num\">After (posterior)</th></tr>\n",
    );
    for (t, p) in s.targets.iter().zip(&prior.targets) {
        let _ = writeln!(
            w,
            "<tr><td>Probability: {}</td><td class=\"num\">{}</td><td class=\"num\"><b>{}</b></td></tr>",
            esc(&t.label),
            pct(p.probability),
            pct(t.result.probability)
        );
    }
    for (label, outcome) in headline_rows(s) {
        let (Some(before), Some(after)) = (prior.outcomes.get(&outcome), s.outcomes.get(&outcome))
        else {
            continue;
        };
        let _ = writeln!(
            w,
            "<tr><td>{} (median, P5–P95)</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&label),
            range(s, &outcome, before),
            range(s, &outcome, after)
        );
    }
    w.push_str("</table>\n");
    w.push_str(
        "<h2 id=\"observations\">Observations against the model</h2>\n<p class=\"muted\">Each \
         observation beside what the paths gave before conditioning (the prior predictive), and \
         where it falls in it. An observation outside the prior's P0.5–P99.5 is flagged: the \
         model rarely produces it.</p>\n<table>\n<tr><th>Observation</th><th>Figure</th>\
         <th class=\"num\">Observed</th><th class=\"num\">Prior predictive</th>\
         <th class=\"num\">At prior</th><th class=\"num\">Posterior</th><th>Source</th></tr>\n",
    );
    for o in &s.observations {
        let flag = if o.surprising {
            format!("<br><b>{}</b>", esc(SURPRISE))
        } else {
            String::new()
        };
        let when = o
            .year
            .map_or_else(|| o.month.clone().unwrap_or_default(), |y| y.to_string());
        let _ = writeln!(
            w,
            "<tr><td>{}{flag}</td><td><code>{}</code> {}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">P{:.0}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&o.name),
            esc(&o.metric),
            esc(&when),
            esc(&observed(o, s)),
            range(s, &o.column, &o.prior),
            100.0 * o.percentile,
            range(s, &o.column, &o.posterior),
            esc(o.source.as_deref().unwrap_or("(no source comment)"))
        );
    }
    w.push_str("</table>\n");
    w.push_str(
        "<h2 id=\"inputs-moved\">Inputs the observations moved</h2>\n<p class=\"muted\">Every \
         uncertain input before and after conditioning, the most moved first (by the largest \
         gap between the two cumulative distributions at either one's P5, P50 and P95).</p>\n\
         <table>\n<tr><th>Input</th><th class=\"num\">Prior median (P5–P95)</th>\
         <th class=\"num\">Posterior median (P5–P95)</th><th class=\"num\">Moved</th></tr>\n",
    );
    let q = |q: &Quantiles| {
        let f = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Number.format(x));
        format!("{} ({} – {})", f(q.p50), f(q.p5), f(q.p95))
    };
    for i in &s.input_shifts {
        let _ = writeln!(
            w,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td></tr>",
            esc(&i.input),
            esc(&q(&i.prior)),
            esc(&q(&i.posterior)),
            pct(i.shift)
        );
    }
    w.push_str("</table>\n");
    w
}
