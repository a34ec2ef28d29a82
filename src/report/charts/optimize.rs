//! The optimiser's charts: the frontier of candidates (expected gross profit against
//! P(loss)) with the choice and the plan's own terms marked, and the EVPPI of the inputs and
//! groups ranked, as bars with 95% whiskers.

use super::{Axis, Chart, ChartError, Plot, Unit, font, legend_at, palette, titled};
use crate::analysis::{EvppiRow, Optimization};
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Inputs shown in the EVPPI chart.
pub const TOP: usize = 12;

/// Expected profit against P(loss), every candidate.
pub struct Frontier<'a> {
    pub o: &'a Optimization,
    pub title: String,
}

impl Plot for Frontier<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let o = self.o;
        let area = titled(root, &self.title)?;
        let profit = Axis::fit(
            o.candidates
                .iter()
                .map(|c| c.expected_profit.value)
                .chain([0.0]),
            Unit::DollarsYear,
        );
        let max_loss = o
            .candidates
            .iter()
            .map(|c| c.loss.probability)
            .chain(o.max_loss)
            .fold(0.0, f64::max);
        let x_hi = (max_loss * 1.08).clamp(0.02, 1.0);
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(0.0..x_hi, profit.lo..profit.hi)?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc(format!("P(loss) of the objective ({})", o.constraint))
            .y_desc(format!("expected gross profit, {}", profit.unit.axis()))
            .x_labels(10)
            .y_labels(10)
            .x_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .y_label_formatter(&|v| profit.label(*v))
            .draw()?;
        let point = |c: &crate::analysis::CandidateResult| {
            (c.loss.probability, profit.y(c.expected_profit.value))
        };
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(
                o.candidates
                    .iter()
                    .filter(|c| !c.own)
                    .map(|c| Circle::new(point(c), 3, grey.filled())),
            )?
            .label("candidate")
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, grey.filled()));
        let mut front: Vec<(f64, f64)> = o
            .candidates
            .iter()
            .filter(|c| c.frontier)
            .map(point)
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let line = palette::MEDIAN.stroke_width(2);
        chart
            .draw_series(LineSeries::new(front, line))?
            .label("frontier")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], line));
        if let Some(alpha) = o.max_loss {
            let style = palette::TARGET.stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(alpha, profit.lo), (alpha, profit.hi)],
                    10,
                    6,
                    style,
                ))?
                .label(format!("P(loss) ≤ {}%", 100.0 * alpha))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], style));
        }
        let own = &o.candidates[0];
        chart
            .draw_series(std::iter::once(Cross::new(
                point(own),
                8,
                BLACK.stroke_width(3),
            )))?
            .label("the plan as written")
            .legend(|(x, y)| Cross::new((x + 10, y), 6, BLACK.stroke_width(2)));
        let chosen = &o.candidates[o.choice.candidate];
        let red = palette::TARGET;
        chart
            .draw_series(std::iter::once(Circle::new(point(chosen), 8, red.filled())))?
            .label("chosen")
            .legend(move |(x, y)| Circle::new((x + 10, y), 6, red.filled()));
        // The legend where the plan as written is not: a plan far below the candidates sits
        // in the lower right corner.
        let low = profit.y(own.expected_profit.value) < 0.5 * (profit.lo + profit.hi);
        let corner = if low {
            SeriesLabelPosition::UpperRight
        } else {
            SeriesLabelPosition::LowerRight
        };
        legend_at(&mut chart, corner)
    }
}

/// EVPPI bars, highest first, with 95% whiskers.
pub struct EvppiBars<'a> {
    pub rows: &'a [EvppiRow],
    pub title: String,
}

impl Plot for EvppiBars<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let k = self.rows.len().max(1);
        let hi = self
            .rows
            .iter()
            .map(|r| r.value + 1.96 * r.se)
            .filter(|x| x.is_finite())
            .fold(1.0, f64::max);
        let lo = self
            .rows
            .iter()
            .map(|r| r.value - 1.96 * r.se)
            .filter(|x| x.is_finite())
            .fold(0.0, f64::min);
        let (x0, x1) = (lo - 0.02 * (hi - lo), hi + 0.2 * (hi - lo));
        let area = titled(root, &self.title)?;
        let row = |i: usize| &self.rows[k - 1 - i];
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(330)
            .build_cartesian_2d(x0..x1, (0..k - 1).into_segmented())?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc("expected value of knowing it before choosing ($ of expected gross profit)")
            .x_labels(8)
            .y_labels(k)
            .x_label_formatter(&|v| Unit::DollarsYear.format(*v))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < self.rows.len() => {
                    crate::report::format::cut(&row(*i).name, 44)
                }
                _ => String::new(),
            })
            .draw()?;
        let bar = RGBColor(8, 48, 107);
        chart.draw_series((0..self.rows.len()).map(|i| {
            let mut r = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (row(i).value.max(0.0), SegmentValue::Exact(i + 1)),
                ],
                bar.filled(),
            );
            r.set_margin(6, 6, 0, 0);
            r
        }))?;
        chart.draw_series((0..self.rows.len()).map(|i| {
            let r = row(i);
            PathElement::new(
                vec![
                    (r.value - 1.96 * r.se, SegmentValue::CenterOf(i)),
                    (r.value + 1.96 * r.se, SegmentValue::CenterOf(i)),
                ],
                BLACK.stroke_width(2),
            )
        }))?;
        let dx = (x1 - x0) / 100.0;
        chart.draw_series((0..self.rows.len()).map(|i| {
            let r = row(i);
            Text::new(
                Unit::DollarsYear.format(r.value),
                (
                    (r.value + 1.96 * r.se).max(r.value) + dx,
                    SegmentValue::CenterOf(i),
                ),
                font(13).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(k))],
            BLACK.stroke_width(1),
        )))?;
        Ok(())
    }
}

/// An optimised plan's charts: frontier, EVPPI of inputs, EVPPI of groups.
pub fn charts(o: &Optimization) -> Result<Vec<Chart>, ChartError> {
    let slug = super::tornado::slug(&o.plan);
    let chosen = &o.candidates[o.choice.candidate];
    let title = format!(
        "{}: expected gross profit against the risk of a loss",
        o.plan
    );
    let frontier = super::render(
        &format!("stress-{slug}-frontier"),
        &title,
        &format!(
            "Every candidate set of terms tried for {} ({} in all, over {} passes), each on the \
             same {} paths and subscribers: its {} against its P(loss). The frontier joins \
             those no other candidate beats on both; the chosen terms (red) have the highest \
             expected profit with {}; the cross is the plan as written. Chosen: expected \
             profit {}, P(loss) {:.1}%.",
            o.plan,
            o.candidates.len(),
            o.passes,
            o.paths,
            o.objective,
            o.constraint,
            Unit::DollarsYear.format(chosen.expected_profit.value),
            100.0 * chosen.loss.probability
        ),
        &Frontier {
            o,
            title: title.clone(),
        },
    )?;
    let shown = &o.evppi[..o.evppi.len().min(TOP)];
    let title = format!("{}: what to find out first", o.plan);
    let inputs = super::render(
        &format!("stress-{slug}-evppi"),
        &title,
        &format!(
            "Expected value of partial perfect information of each uncertain input (top {} of \
             {}): how much the {} would rise if the input were known before choosing among \
             the candidates that meet the constraint, with 95% whiskers (binning, {} bins, \
             less its null bias). Knowing every input (EVPI) is worth {}.",
            shown.len(),
            o.evppi.len(),
            o.objective,
            o.evppi_bins,
            Unit::DollarsYear.format(o.evpi.value)
        ),
        &EvppiBars {
            rows: shown,
            title: title.clone(),
        },
    )?;
    let title = format!("{}: what to find out first, by group of inputs", o.plan);
    let groups = super::render(
        &format!("stress-{slug}-evppi-groups"),
        &title,
        &format!(
            "EVPPI of each group of inputs (regression on the group's inputs and their \
             squares, less its null bias), with 95% whiskers. Knowing every input (EVPI) is \
             worth {}.",
            Unit::DollarsYear.format(o.evpi.value)
        ),
        &EvppiBars {
            rows: &o.evppi_groups,
            title: title.clone(),
        },
    )?;
    Ok(vec![frontier, inputs, groups])
}
