//! Sobol' index chart: for one outcome, the input groups that explain most of its variance,
//! each with its total index (alone and through interactions) and its first-order index
//! (alone) side by side, with their 95% bootstrap intervals as whiskers (top 12 by total).

use super::{Chart, ChartError, Plot, font, legend_at, titled};
use crate::analysis::{GroupIndices, Index, OutcomeIndices, SensitivitySummary};
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Groups shown.
pub const TOP: usize = 12;

/// Total index (dark) and first-order index (light): they differ in lightness, so they survive
/// greyscale printing.
const TOTAL: RGBColor = RGBColor(8, 48, 107);
const FIRST: RGBColor = RGBColor(158, 202, 225);

/// The top groups of one outcome.
pub struct SobolBars<'a> {
    pub groups: &'a [&'a GroupIndices],
    pub title: String,
}

/// Pixel rows (from the top of a group's band of height `band`) of its two bars.
fn bars(band: f64) -> [(f64, f64); 2] {
    let pad = (0.12 * band).max(1.0);
    [(pad, band / 2.0 - 1.0), (band / 2.0 + 1.0, band - pad)]
}

impl Plot for SobolBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let k = self.groups.len();
        let lo = self
            .groups
            .iter()
            .flat_map(|g| [g.first.ci95[0], g.first.value, g.total.ci95[0]])
            .filter(|x| x.is_finite())
            .fold(0.0, f64::min);
        let hi = self
            .groups
            .iter()
            .flat_map(|g| [g.first.ci95[1], g.total.ci95[1], g.total.value])
            .filter(|x| x.is_finite())
            .fold(0.1, f64::max);
        let (x0, x1) = (lo - 0.02 * (hi - lo), hi + 0.16 * (hi - lo));
        let area = titled(root, &self.title)?;
        let name = |i: usize| -> String { self.groups[k - 1 - i].group.clone() };
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(330)
            .build_cartesian_2d(x0..x1, (0..k.max(1) - 1).into_segmented())?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc("share of the outcome's variance (Sobol' index)")
            .x_labels(9)
            .y_labels(k.max(1))
            .x_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < k => crate::report::format::cut(&name(*i), 44),
                _ => String::new(),
            })
            .draw()?;
        let (w_px, h_px) = chart.plotting_area().dim_in_pixel();
        let band = h_px as f64 / k.max(1) as f64;
        let dx = (x1 - x0) / w_px.max(1) as f64;
        // A rectangle over group i's band, between pixel rows `top` and `bottom` of the band
        // and from x `a` to `b`.
        let rect = |i: usize, (top, bottom): (f64, f64), a: f64, b: f64, style: ShapeStyle| {
            let mut r = Rectangle::new(
                [(a, SegmentValue::Exact(i)), (b, SegmentValue::Exact(i + 1))],
                style,
            );
            let (t, btm) = (top.round().max(0.0), (band - bottom).round().max(0.0));
            r.set_margin(t as u32, btm as u32, 0, 0);
            r
        };
        let index = |i: usize, which: usize| -> Index {
            let g = self.groups[k - 1 - i];
            if which == 0 { g.total } else { g.first }
        };
        for (which, (colour, label)) in [
            (TOTAL, "total index (alone and with interactions)"),
            (FIRST, "first-order index (alone)"),
        ]
        .into_iter()
        .enumerate()
        {
            let rows = bars(band)[which];
            chart
                .draw_series((0..k).map(|i| {
                    let v = index(i, which).value;
                    rect(i, rows, 0.0, v, colour.filled())
                }))?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 18, y + 6)], colour.filled())
                });
        }
        // Whiskers: the 95% interval of each index, a line with end caps.
        for which in 0..2 {
            let (top, bottom) = bars(band)[which];
            let centre = (top + bottom) / 2.0;
            let cap = ((bottom - top) / 3.0).max(2.0);
            chart.draw_series((0..k).flat_map(|i| {
                let ix = index(i, which);
                let [a, b] = ix.ci95;
                let ok = a.is_finite() && b.is_finite();
                let style = BLACK.filled();
                ok.then(|| {
                    [
                        rect(i, (centre - 1.0, centre + 1.0), a, b, style),
                        rect(i, (centre - cap, centre + cap), a - dx, a + dx, style),
                        rect(i, (centre - cap, centre + cap), b - dx, b + dx, style),
                    ]
                })
                .into_iter()
                .flatten()
            }))?;
        }
        // The total index's value, right of its whisker.
        chart.draw_series((0..k).map(|i| {
            let t = index(i, 0);
            let right = t.ci95[1].max(t.value);
            Text::new(
                format!("{:.2}", t.value),
                (right + 6.0 * dx, SegmentValue::CenterOf(i)),
                font(13).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(k))],
            BLACK.stroke_width(1),
        )))?;
        legend_at(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    }
}

/// A file-name-safe form of a name: lower-case letters and digits, single dashes between.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_owned()
}

/// The chart file name of each outcome of `s`: `sobol-<outcome>`, `sobol-target-<label>` for a
/// target, made unique with a number where two would clash.
pub fn names(s: &SensitivitySummary) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in &s.outcomes {
        let base = if o.target {
            format!("sobol-target-{}", slug(&o.label))
        } else {
            format!("sobol-{}", slug(&o.outcome))
        };
        let mut name = base.clone();
        let mut n = 2;
        while out.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        out.push(name);
    }
    out
}

/// The chart of outcome `o`, named `name`.
pub fn chart(s: &SensitivitySummary, o: &OutcomeIndices, name: &str) -> Result<Chart, ChartError> {
    let ranked = SensitivitySummary::ranked(o);
    let shown = &ranked[..ranked.len().min(TOP)];
    // "Month of …" reads "the month of …" mid-sentence; a vendor's name keeps its case.
    let what = match (o.title.strip_prefix("Month "), o.outcome.as_str()) {
        (Some(rest), _) => format!("the month {rest}"),
        (None, "collapse_factor" | "volume_growth" | "price_decline") if !o.target => {
            format!("the {}", super::tornado::lower_first(&o.title))
        }
        _ => o.title.clone(),
    };
    let title = format!("What drives {what}?");
    let caption = format!(
        "The share of the variance of {} (explained as its {}) that each group explains: total index (dark: \
         alone and through interactions) and first-order index (light: alone), with 95% \
         bootstrap intervals over {} design rows ({} paths); top {} of {} groups by total \
         index. First-order indices sum to {:.2} [{:.2}, {:.2}]: {}.",
        what,
        o.explained_as,
        s.rows,
        s.paths,
        shown.len(),
        o.indices.len(),
        o.first_order_sum.value,
        o.first_order_sum.ci95[0],
        o.first_order_sum.ci95[1],
        additivity(o.first_order_sum.value)
    );
    super::render(
        name,
        &title,
        &caption,
        &SobolBars {
            groups: shown,
            title: title.clone(),
        },
    )
}

/// What a sum of first-order indices says about the model, in words.
pub fn additivity(sum: f64) -> &'static str {
    if sum >= 0.9 {
        "nearly additive, interactions matter little"
    } else if sum >= 0.6 {
        "interactions explain a noticeable share of the variance"
    } else {
        "interactions explain much of the variance"
    }
}

/// Every chart of a sensitivity summary, in outcome order (drawn in parallel).
pub fn charts(s: &SensitivitySummary) -> Result<Vec<Chart>, ChartError> {
    use rayon::prelude::*;
    let names = names(s);
    s.outcomes
        .par_iter()
        .zip(names.par_iter())
        .map(|(o, n)| chart(s, o, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_short_and_safe() {
        assert_eq!(
            slug("OpenAI revenue ≥ $280B in 2030"),
            "openai-revenue-280b-in-2030"
        );
        assert_eq!(slug("revenue.OpenAI.2030"), "revenue-openai-2030");
        assert_eq!(slug("collapse_factor ≥ 100"), "collapse-factor-100");
    }
}
