//! Several series on one time axis, each as a median line with its P25–P75 band: vendors'
//! revenue, segments' adoption, and the same metric across scenarios (`compare`).

use super::{Axis, Chart, ChartError, Plot, Unit, palette, runs, titled};
use crate::analysis::{Quantiles, Summary};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One series of an overlay.
pub struct Line<'a> {
    pub label: String,
    pub months: &'a [String],
    pub series: &'a [Quantiles],
}

/// Several series over time.
pub struct Overlay<'a> {
    pub lines: Vec<Line<'a>>,
    pub title: &'a str,
    pub axis: Axis,
}

impl<'a> Overlay<'a> {
    pub fn new(lines: Vec<Line<'a>>, unit: Unit, title: &'a str) -> Self {
        let values = lines
            .iter()
            .flat_map(|l| l.series.iter().flat_map(|q| [q.p25, q.p75]).flatten());
        let axis = Axis::fit(values, unit);
        Self { lines, title, axis }
    }
}

/// The dash pattern of series `i` (solid first), so lines differ without colour.
fn dashes(i: usize) -> Option<(u32, u32)> {
    [
        None,
        Some((12, 6)),
        Some((4, 4)),
        Some((18, 6)),
        Some((2, 6)),
        Some((8, 3)),
    ][i % 6]
}

/// Pixels at the right of the chart for its key: the legend sits beside the plot, never on
/// the data.
const KEY_WIDTH: u32 = 215;

impl Overlay<'_> {
    /// Each line's name in the key: a line whose median stays within 15% of an earlier line's
    /// in 90% of the months (so the two draw over each other) says so: "Anthropic (≈ OpenAI)".
    pub fn key_labels(&self) -> Vec<String> {
        let median = |l: &Line| -> Vec<Option<f64>> { l.series.iter().map(|q| q.p50).collect() };
        self.lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let mine = median(line);
                let twin = self.lines[..i].iter().find(|other| {
                    let theirs = median(other);
                    let both: Vec<(f64, f64)> = mine
                        .iter()
                        .zip(&theirs)
                        .filter_map(|(a, b)| a.zip(*b))
                        .filter(|(a, b)| *a > 0.0 && *b > 0.0)
                        .collect();
                    let close = both
                        .iter()
                        .filter(|(a, b)| (a / b).ln().abs() < 0.15)
                        .count();
                    both.len() * 2 >= mine.len().max(1) && close * 10 >= both.len() * 9
                });
                match twin {
                    Some(t) => format!("{} (≈ {})", line.label, t.label),
                    None => line.label.clone(),
                }
            })
            .collect()
    }
}

impl Plot for Overlay<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let a = &self.axis;
        let area = titled(root, self.title)?;
        let (w, _) = area.dim_in_pixel();
        let (plot, key) = area.split_horizontally(w.saturating_sub(KEY_WIDTH));
        let mut months: Vec<String> = self.lines.iter().flat_map(|l| l.months.to_vec()).collect();
        months.sort();
        months.dedup();
        let mut chart = super::time_chart(&plot, &months, a)?;
        for (i, line) in self.lines.iter().enumerate() {
            let colour = palette::SERIES[i % palette::SERIES.len()];
            for poly in super::band(line.months, line.series, |q| q.p25, |q| q.p75, a) {
                chart.draw_series(std::iter::once(Polygon::new(
                    poly,
                    colour.mix(0.12).filled(),
                )))?;
            }
        }
        for (i, line) in self.lines.iter().enumerate() {
            let colour = palette::SERIES[i % palette::SERIES.len()];
            let style = colour.stroke_width(3);
            for run in runs(line.months, line.series, |q| q.p50, a) {
                match dashes(i) {
                    None => chart.draw_series(LineSeries::new(run, style))?,
                    Some((on, off)) => {
                        chart.draw_series(DashedLineSeries::new(run, on, off, style))?
                    }
                };
            }
        }
        draw_key(&key, &self.key_labels())
    }
}

/// The key beside the plot: each line's colour and dash with its name, and the band.
fn draw_key<DB: DrawingBackend>(
    key: &DrawingArea<DB, Shift>,
    labels: &[String],
) -> Result<(), ChartError> {
    let row = |i: usize| 30 + 26 * i as i32;
    for (i, label) in labels.iter().enumerate() {
        let colour = palette::SERIES[i % palette::SERIES.len()];
        let style = colour.stroke_width(3);
        let (y, pts) = (row(i), vec![(12, row(i)), (46, row(i))]);
        match dashes(i) {
            None => key.draw(&PathElement::new(pts, style))?,
            Some((on, off)) => key.draw(&DashedPathElement::new(pts, on, off, style))?,
        }
        key.draw(&Text::new(
            label.clone(),
            (54, y),
            super::font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    let y = row(labels.len()) + 6;
    key.draw(&Rectangle::new(
        [(12, y - 8), (46, y + 8)],
        palette::SERIES[0].mix(0.12).filled(),
    ))?;
    key.draw(&Text::new(
        "P25–P75 band",
        (54, y),
        super::font(14).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    key.draw(&Text::new(
        "lines: medians",
        (54, y + 24),
        super::font(14).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    Ok(())
}

/// Revenue per month of each vendor (and the open-weight hosts).
pub fn revenue_by_vendor(s: &Summary) -> Result<Chart, ChartError> {
    let mut lines: Vec<Line> = s
        .vendors
        .iter()
        .filter_map(|v| {
            let q = s.series.get(&format!("revenue.{v}"))?;
            // A vendor that only publishes weights sells nothing itself.
            q.iter()
                .any(|q| q.p75.is_some_and(|x| x > 0.0))
                .then_some(q)?;
            Some(q).map(|q| Line {
                label: v.clone(),
                months: &s.months,
                series: q,
            })
        })
        .collect();
    if let Some(q) = s.series.get("revenue.hosts") {
        lines.push(Line {
            label: "open-weight hosts".to_owned(),
            months: &s.months,
            series: q,
        });
    }
    let title = "Revenue per month by vendor (median, P25–P75 band)";
    let caption = {
        let unit = Unit::Dollars;
        let ends: Vec<String> = lines
            .iter()
            .filter_map(|l| {
                l.series
                    .last()
                    .and_then(|q| q.p50)
                    .map(|x| format!("{} {}", l.label, unit.format(x)))
            })
            .collect();
        format!(
            "Median revenue per month in {}: {}.",
            s.months.last().map_or("", String::as_str),
            ends.join(", ")
        )
    };
    super::render(
        "revenue-by-vendor",
        title,
        &caption,
        &Overlay::new(lines, Unit::Dollars, title),
    )
}

/// One metric in several scenarios: each scenario's median and P25–P75 band.
pub fn compare(summaries: &[Summary], metric: &str) -> Result<Chart, ChartError> {
    let lines: Vec<Line> = summaries
        .iter()
        .filter_map(|s| {
            s.series.get(metric).map(|q| Line {
                label: s.scenario.clone(),
                months: &s.months,
                series: q,
            })
        })
        .collect();
    let unit = Unit::of(metric, false);
    let title = format!(
        "{}: scenarios compared (median, P25–P75)",
        crate::report::format::series_title(metric)
    );
    let ends: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let (m, q) = l
                .months
                .iter()
                .zip(l.series)
                .rev()
                .find(|(_, q)| q.p50.is_some())?;
            Some(format!("{} {} in {m}", l.label, unit.format(q.p50?)))
        })
        .collect();
    super::render(
        &format!("compare-{}", metric.replace('.', "-")),
        &title,
        &format!(
            "{} in each scenario, same paths and seed; median at the end: {}.",
            crate::report::format::series_title(metric),
            ends.join(", ")
        ),
        &Overlay::new(lines, unit, &title),
    )
}
