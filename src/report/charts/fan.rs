//! Fan chart of one monthly series: P5–P95 and P25–P75 bands around the median line.

use super::{Axis, Chart, ChartError, Plot, Unit, palette, runs, titled};
use crate::analysis::{Quantiles, Summary};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The series every run charts, with the chart titles.
pub const KEY_SERIES: &[(&str, &str)] = &[
    (
        "cost_per_task_ref",
        "Cost of the reference task ($ per task)",
    ),
    ("price_blended", "Blended price paid ($ per million tokens)"),
    (
        "price_frontier",
        "Price of frontier models ($ per million tokens)",
    ),
    ("tokens_total", "Tokens processed per month, all uses"),
    ("revenue_total", "Revenue per month, all vendors and hosts"),
];

/// A fan over the months of one series.
pub struct Fan<'a> {
    pub months: &'a [String],
    pub series: &'a [Quantiles],
    pub title: &'a str,
    pub axis: Axis,
    /// In a conditioned run: the prior's quantiles, drawn faintly behind.
    pub prior: Option<&'a [Quantiles]>,
    /// Observed values of the series.
    pub marks: Vec<super::Mark>,
}

impl<'a> Fan<'a> {
    pub fn new(months: &'a [String], series: &'a [Quantiles], unit: Unit, title: &'a str) -> Self {
        let axis = Axis::fit(series.iter().flat_map(|q| [q.p5, q.p95]).flatten(), unit);
        Self {
            months,
            series,
            title,
            axis,
            prior: None,
            marks: Vec::new(),
        }
    }

    /// With the prior's band behind and the observed values on top, refitting the axis to
    /// show them.
    pub fn conditioned(mut self, prior: Option<&'a [Quantiles]>, marks: Vec<super::Mark>) -> Self {
        if prior.is_none() && marks.is_empty() {
            return self;
        }
        let unit = self.axis.unit;
        let values = self
            .series
            .iter()
            .chain(prior.unwrap_or_default())
            .flat_map(|q| [q.p5, q.p95])
            .flatten()
            .chain(marks.iter().map(|m| m.value));
        self.axis = Axis::fit(values, unit);
        self.prior = prior;
        self.marks = marks;
        self
    }
}

impl Plot for Fan<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        // Room above the data for the legend: it never covers a band.
        let entries = 3 + usize::from(self.prior.is_some()) + usize::from(!self.marks.is_empty());
        let (months, a) = (self.months, &self.axis.with_room(entries, true));
        let area = titled(root, self.title)?;
        let mut chart = super::time_chart(&area, months, a)?;
        if let Some(prior) = self.prior {
            super::draw_prior_band(&mut chart, months, prior, a)?;
        }
        let q = self.series;
        for (lo, hi, colour, label) in super::FAN_BANDS {
            let polys = super::band(months, q, lo, hi, a);
            let mut first = true;
            for poly in polys {
                let drawn =
                    chart.draw_series(std::iter::once(Polygon::new(poly, colour.filled())))?;
                if std::mem::take(&mut first) {
                    drawn.label(label).legend(move |(x, y)| {
                        Rectangle::new([(x, y - 6), (x + 24, y + 6)], colour.filled())
                    });
                }
            }
        }
        let mut first = true;
        for run in runs(months, q, |q| q.p50, a) {
            let drawn = chart.draw_series(LineSeries::new(run, palette::MEDIAN.stroke_width(3)))?;
            if std::mem::take(&mut first) {
                drawn.label("median").legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], palette::MEDIAN.stroke_width(3))
                });
            }
        }
        super::draw_marks(&mut chart, &self.marks, a)?;
        super::legend(&mut chart, super::falling(q))?;
        Ok(())
    }
}

/// The caption of a fan over `months` from `paths` paths: where the median starts and ends,
/// and the band at the end.
pub fn caption(
    months: &[String],
    paths: u64,
    series: &[Quantiles],
    unit: Unit,
    what: &str,
) -> String {
    let f = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| unit.format(x));
    let first = series.iter().position(|q| q.p50.is_some()).unwrap_or(0);
    let (a, b) = (&series[first], series.last().expect("months"));
    format!(
        "{what}: the median goes from {} in {} to {} in {} (P5–P95 then: {} to {}); bands over {} paths.",
        f(a.p50),
        months[first],
        f(b.p50),
        months.last().expect("months"),
        f(b.p5),
        f(b.p95),
        paths
    )
}

/// The fan chart of a key series.
pub fn chart(s: &Summary, series: &str, title: &str) -> Result<Chart, ChartError> {
    let q = &s.series[series];
    let unit = Unit::of(series, false);
    super::render(
        &format!("fan-{}", series.replace('.', "-")),
        title,
        &caption(
            &s.months,
            s.paths,
            q,
            unit,
            &crate::report::format::series_title(series),
        ),
        &Fan::new(&s.months, q, unit, title).conditioned(
            s.series_prior.get(series).map(Vec::as_slice),
            super::Mark::of(s, series, false),
        ),
    )
}
