//! A series' annual figure year by year (P5–P95, P25–P75, median), with the `[[target]]`s set
//! on it drawn where they apply: a line at the threshold and a mark on the target's year.

use super::{Axis, Chart, ChartError, Plot, Unit, font, palette, titled};
use crate::analysis::{Quantiles, Summary, TargetResult};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A horizontal line across an annual chart: a target, or a plan's fee.
pub struct Level {
    pub value: f64,
    /// Written above the line (below it when another line is higher).
    pub label: String,
    /// The year a target applies to, marked with a cross.
    pub year: Option<i32>,
    /// The legend entry of the first line.
    pub legend: &'static str,
}

/// The annual figures of one series and the levels to compare them with.
pub struct Annual {
    pub years: Vec<(i32, Quantiles)>,
    pub levels: Vec<Level>,
    pub title: String,
    pub axis: Axis,
    /// In a conditioned run: the prior's figures, drawn faintly behind.
    pub prior: Vec<(i32, Quantiles)>,
    /// Observed values of the annual figure.
    pub marks: Vec<super::Mark>,
}

impl Plot for Annual {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        // Room under the data for the legend (lower right): it never covers a band.
        let entries = 3
            + usize::from(!self.levels.is_empty())
            + usize::from(!self.prior.is_empty())
            + usize::from(!self.marks.is_empty());
        let a = &self.axis.with_room(entries, false);
        let area = titled(root, &self.title)?;
        let (y0, y1) = (
            self.years.first().map_or(0, |y| y.0),
            self.years.last().map_or(1, |y| y.0),
        );
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(f64::from(y0) - 0.3..f64::from(y1) + 0.3, a.lo..a.hi)?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc("calendar year")
            .y_desc(a.desc())
            .x_labels((y1 - y0 + 1) as usize)
            .y_labels(10)
            .x_label_formatter(&super::year_label)
            .y_label_formatter(&|v| a.label(*v))
            .draw()?;
        let points_of = |years: &[(i32, Quantiles)], f: fn(&Quantiles) -> Option<f64>| {
            years
                .iter()
                .filter_map(|(y, q)| {
                    f(q).filter(|v| !a.log || *v > 0.0)
                        .map(|v| (f64::from(*y), a.y(v)))
                })
                .collect::<Vec<(f64, f64)>>()
        };
        if !self.prior.is_empty() {
            let mut poly = points_of(&self.prior, |q| q.p5);
            poly.extend(points_of(&self.prior, |q| q.p95).into_iter().rev());
            chart
                .draw_series(std::iter::once(Polygon::new(poly, palette::PRIOR.filled())))?
                .label("prior P5–P95")
                .legend(|(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 24, y + 6)], palette::PRIOR.filled())
                });
        }
        let points = |f: fn(&Quantiles) -> Option<f64>| points_of(&self.years, f);
        for (lo, hi, colour, label) in super::FAN_BANDS {
            let mut poly = points(lo);
            poly.extend(points(hi).into_iter().rev());
            chart
                .draw_series(std::iter::once(Polygon::new(poly, colour.filled())))?
                .label(label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 24, y + 6)], colour.filled())
                });
        }
        let median = points(|q| q.p50);
        let style = palette::MEDIAN.stroke_width(3);
        chart
            .draw_series(LineSeries::new(median.clone(), style))?
            .label("median")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        chart.draw_series(
            median
                .iter()
                .map(|p| Circle::new(*p, 4, palette::MEDIAN.filled())),
        )?;
        let target = palette::TARGET.stroke_width(2);
        for (k, level) in self.levels.iter().enumerate() {
            let v = a.y(level.value);
            let line = chart.draw_series(DashedLineSeries::new(
                vec![(f64::from(y0) - 0.3, v), (f64::from(y1) + 0.3, v)],
                10,
                6,
                target,
            ))?;
            if k == 0 {
                line.label(level.legend)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], target));
            }
            if let Some(year) = level.year {
                chart.draw_series(std::iter::once(Cross::new((f64::from(year), v), 8, target)))?;
            }
            // Labels sit at the left, where annual figures are still small: the highest line's
            // above it, the others below theirs, so close lines do not collide.
            let highest = self.levels.iter().all(|u| u.value <= level.value);
            use plotters::style::text_anchor::{HPos, Pos, VPos};
            let v_pos = if highest { VPos::Bottom } else { VPos::Top };
            // A few pixels clear of the line (the plot is about 440 pixels high).
            let gap = (a.hi - a.lo) * 5.0 / 440.0 * if highest { 1.0 } else { -1.0 };
            chart.draw_series(std::iter::once(Text::new(
                level.label.clone(),
                (f64::from(y0) - 0.2, v + gap),
                font(15).pos(Pos::new(HPos::Left, v_pos)),
            )))?;
        }
        super::draw_marks(&mut chart, &self.marks, a)?;
        super::legend_at(&mut chart, SeriesLabelPosition::LowerRight)
    }
}

/// The chart of `metric`'s annual figures with every yearly target on it.
pub fn chart(s: &Summary, metric: &str) -> Result<Chart, ChartError> {
    let years: Vec<(i32, Quantiles)> = s
        .years()
        .into_iter()
        .filter_map(|y| s.outcomes.get(&format!("{metric}.{y}")).map(|q| (y, *q)))
        .collect();
    let targets: Vec<&TargetResult> = s
        .targets
        .iter()
        .filter(|t| t.year.is_some() && t.metric == metric)
        .collect();
    let unit = Unit::of(metric, true);
    let levels: Vec<Level> = targets
        .iter()
        .map(|t| Level {
            value: t.threshold(&[]),
            label: format!(
                "{} {} in {}: P = {:.1}% ({:.1}–{:.1}%)",
                if t.at_least() { "≥" } else { "≤" },
                unit.format(t.threshold(&[])),
                t.year.unwrap_or_default(),
                100.0 * t.result.probability,
                100.0 * t.result.wilson95[0],
                100.0 * t.result.wilson95[1],
            ),
            year: t.year,
            legend: "target",
        })
        .collect();
    let title = format!(
        "{} per year, with targets",
        crate::report::format::series_title(metric)
    );
    let caption = {
        let parts: Vec<String> = targets
            .iter()
            .map(|t| format!("{}: {:.1}% of paths", t.label, 100.0 * t.result.probability))
            .collect();
        let last = years.last();
        format!(
            "{} per calendar year; median {} in {}. {}.",
            crate::report::format::series_title(metric),
            last.and_then(|(_, q)| q.p50)
                .map_or("n/a".into(), |x| unit.format(x)),
            last.map_or(0, |y| y.0),
            parts.join("; ")
        )
    };
    let prior: Vec<(i32, Quantiles)> = s.prior.as_ref().map_or_else(Vec::new, |p| {
        s.years()
            .into_iter()
            .filter_map(|y| p.outcomes.get(&format!("{metric}.{y}")).map(|q| (y, *q)))
            .collect()
    });
    let marks = super::Mark::of(s, metric, true);
    let caption = if marks.is_empty() {
        caption
    } else {
        format!(
            "{caption} Triangles: the observed values with their 95% ranges; grey: the band before the observations."
        )
    };
    super::render(
        &format!("annual-{}", metric.replace('.', "-")),
        &title,
        &caption,
        &Annual::new(years, levels, title.clone(), unit).conditioned(prior, marks),
    )
}

impl Annual {
    /// The chart of `years` with `levels`, on a signed logarithmic axis where values of both
    /// signs span decades (see [`Axis::fit_signed`]).
    pub fn signed(
        years: Vec<(i32, Quantiles)>,
        levels: Vec<Level>,
        title: String,
        unit: Unit,
    ) -> Self {
        let values = years
            .iter()
            .flat_map(|(_, q)| [q.p5, q.p95, q.p50])
            .flatten()
            .chain(levels.iter().map(|l| l.value));
        let axis = Axis::fit_signed(values, unit);
        Self {
            years,
            levels,
            title,
            axis,
            prior: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// The chart of `years` with `levels`, its value axis fitted to both.
    pub fn new(
        years: Vec<(i32, Quantiles)>,
        levels: Vec<Level>,
        title: String,
        unit: Unit,
    ) -> Self {
        let values = years
            .iter()
            .flat_map(|(_, q)| [q.p5, q.p95])
            .flatten()
            .chain(levels.iter().map(|l| l.value));
        let axis = Axis::fit(values, unit);
        Self {
            years,
            levels,
            title,
            axis,
            prior: Vec::new(),
            marks: Vec::new(),
        }
    }

    /// With the prior's band behind and the observed values on top, refitting the axis to
    /// show them.
    pub fn conditioned(mut self, prior: Vec<(i32, Quantiles)>, marks: Vec<super::Mark>) -> Self {
        if prior.is_empty() && marks.is_empty() {
            return self;
        }
        let unit = self.axis.unit;
        let values = self
            .years
            .iter()
            .chain(&prior)
            .flat_map(|(_, q)| [q.p5, q.p95])
            .flatten()
            .chain(self.levels.iter().map(|l| l.value))
            .chain(marks.iter().map(|m| m.value));
        self.axis = Axis::fit(values, unit);
        self.prior = prior;
        self.marks = marks;
        self
    }
}
