//! The distribution of one outcome over paths: a histogram (share of paths per bin) with its
//! cumulative curve, and the target threshold with the probability of meeting it.

use super::{Axis, Chart, ChartError, Plot, Unit, font, palette, titled};
use crate::analysis::{Distribution, Summary, TargetResult};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A histogram and CDF of one outcome.
pub struct Histogram<'a> {
    pub dist: &'a Distribution,
    pub targets: Vec<&'a TargetResult>,
    pub title: String,
    pub axis: Axis,
    pub paths: u64,
}

impl Plot for Histogram<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let (d, a) = (self.dist, &self.axis);
        let n = self.paths.max(1) as f64;
        let share: Vec<f64> = d.counts.iter().map(|c| 100.0 * *c as f64 / n).collect();
        let top = share.iter().copied().fold(0.0, f64::max).max(1.0) * 1.15;
        let area = titled(root, &self.title)?;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .right_y_label_area_size(80)
            .build_cartesian_2d(a.lo..a.hi, 0.0..top)?
            .set_secondary_coord(a.lo..a.hi, 0.0..100.0);
        super::house_style(&mut chart.configure_mesh())
            .x_desc(a.desc())
            .y_desc("share of paths in bin (%)")
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&|v| a.label(*v))
            .y_label_formatter(&|v| format!("{v:.1}%"))
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_desc("cumulative share of paths (%)")
            .y_labels(6)
            .y_label_formatter(&|v| format!("{v:.0}%"))
            .label_style(font(15))
            .axis_desc_style(font(16))
            .draw()?;
        let x = |e: f64| a.y(e);
        chart
            .draw_series(d.counts.iter().enumerate().map(|(i, _)| {
                Rectangle::new(
                    [(x(d.edges[i]), 0.0), (x(d.edges[i + 1]), share[i])],
                    palette::INNER.filled(),
                )
            }))?
            .label("share of paths per bin")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 6), (x + 24, y + 6)], palette::INNER.filled())
            });
        let mut cum = 0.0;
        let mut cdf = vec![(x(d.edges[0]), 0.0)];
        for (i, s) in share.iter().enumerate() {
            cum += s;
            cdf.push((x(d.edges[i + 1]), cum));
        }
        let style = palette::MEDIAN.stroke_width(3);
        chart
            .draw_secondary_series(LineSeries::new(cdf, style))?
            .label("cumulative (right axis)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        let target = palette::TARGET.stroke_width(2);
        let lines: Vec<f64> = self.targets.iter().map(|t| a.y(t.threshold(&[]))).collect();
        // Labels go beside the group of lines, on the side with more room.
        let right_half =
            lines.iter().sum::<f64>() / (lines.len().max(1) as f64) > (a.lo + a.hi) / 2.0;
        let at = if right_half {
            lines.iter().copied().fold(f64::INFINITY, f64::min)
        } else {
            lines.iter().copied().fold(f64::NEG_INFINITY, f64::max)
        };
        for (k, t) in self.targets.iter().enumerate() {
            let v = lines[k];
            chart.draw_series(DashedLineSeries::new(
                vec![(v, 0.0), (v, top)],
                8,
                6,
                target,
            ))?;
            let text = format!(
                "P({} {}) = {:.1}% ({:.1}–{:.1}%)",
                if t.at_least() { "≥" } else { "≤" },
                a.unit.format(t.threshold(&[])),
                100.0 * t.result.probability,
                100.0 * t.result.wilson95[0],
                100.0 * t.result.wilson95[1]
            );
            let anchor = if right_half { HPos::Right } else { HPos::Left };
            let dx = (a.hi - a.lo) * if right_half { -0.01 } else { 0.01 };
            let y = top * (0.97 - 0.08 * k as f64);
            chart.draw_series(std::iter::once(Text::new(
                text,
                (at + dx, y),
                font(16).pos(Pos::new(anchor, VPos::Top)),
            )))?;
            // A leader from the label to its own line, so each label points at its threshold.
            let mid = y - top * 0.025;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(at + dx / 2.0, mid), (v, mid)],
                target,
            )))?;
            chart.draw_series(std::iter::once(Circle::new((v, mid), 4, target.filled())))?;
        }
        // Upper left, where the cumulative curve is still low, unless threshold labels are there.
        super::legend_at(
            &mut chart,
            if right_half || lines.is_empty() {
                SeriesLabelPosition::UpperLeft
            } else {
                SeriesLabelPosition::UpperRight
            },
        )
    }
}

/// Chart title of an outcome.
pub fn describe(s: &Summary, outcome: &str) -> String {
    match outcome {
        "collapse_factor" => format!(
            "Cost collapse of the reference task, {} to {}",
            s.months.first().map_or("", String::as_str),
            s.collapse_date
        ),
        "volume_growth" => "Growth of paid token volume, first to last full year".to_owned(),
        "price_decline" => "Fall of the blended price, first to last full year".to_owned(),
        "month_100x" => "The month of the 100x collapse".to_owned(),
        "month_zero_marginal" => "The month of zero marginal intelligence".to_owned(),
        other => match other.rsplit_once('.') {
            Some((series, year)) if year.parse::<i32>().is_ok() => {
                format!("{} in {year}", crate::report::format::series_title(series))
            }
            _ => crate::report::format::series_title(other),
        },
    }
}

/// The distribution chart of outcome `name`.
pub fn chart(s: &Summary, name: &str) -> Result<Chart, ChartError> {
    let d = &s.distributions[name];
    let targets: Vec<&TargetResult> = s.targets.iter().filter(|t| t.outcome == name).collect();
    let unit = Unit::of_outcome(name);
    // The bins decide the scale; the axis also reaches any threshold.
    let log = d.log;
    let xs: Vec<f64> = [d.edges[0], d.edges[d.edges.len() - 1]]
        .into_iter()
        .chain(targets.iter().map(|t| t.threshold(&[])))
        .filter(|x| x.is_finite() && (!log || *x > 0.0))
        .map(|x| if log { x.log10() } else { x })
        .collect();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = 0.03 * (hi - lo);
    let axis = Axis {
        log,
        signed: false,
        lo: lo - pad,
        hi: hi + pad,
        unit,
    };
    let title = describe(s, name);
    let q = s.outcomes.get(name);
    let f = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| unit.format(x));
    let mut caption = format!(
        "{title}: median {}, P5–P95 {} to {}",
        f(q.and_then(|q| q.p50)),
        f(q.and_then(|q| q.p5)),
        f(q.and_then(|q| q.p95))
    );
    for t in &targets {
        caption.push_str(&format!(
            "; {}: {:.1}% of paths",
            t.label,
            100.0 * t.result.probability
        ));
    }
    caption.push_str(". The end bins also hold the 0.5% of paths beyond them.");
    super::render(
        &format!("distribution-{}", name.replace('.', "-")),
        &title,
        &caption,
        &Histogram {
            dist: d,
            targets,
            title: title.clone(),
            axis,
            paths: s.paths,
        },
    )
}
