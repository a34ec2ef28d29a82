//! Event-date curves: the probability that the 100x collapse, and zero marginal intelligence,
//! have happened by each month; month targets drawn as vertical lines.

use super::{Chart, ChartError, Plot, font, month_x, palette, titled};
use crate::analysis::{MonthProbability, Summary};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The curves and the month targets.
pub struct Dates<'a> {
    pub summary: &'a Summary,
}

/// The curves: (label, points, outcome name).
fn curves(s: &Summary) -> [(&'static str, &[MonthProbability], &'static str); 2] {
    [
        (
            "100x cheaper reference task",
            &s.date_curves.month_100x,
            "month_100x",
        ),
        (
            "zero marginal intelligence",
            &s.date_curves.month_zero_marginal,
            "month_zero_marginal",
        ),
    ]
}

impl Plot for Dates<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let s = self.summary;
        let area = titled(root, TITLE)?;
        // The key goes under the plot, where it covers nothing.
        let (_, h) = area.dim_in_pixel();
        let (area, key) = area.split_vertically(h.saturating_sub(30));
        let range = super::time_range(&s.months[..shown(s)]);
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(range.clone(), 0.0..100.0)?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc("month (ticks: January)")
            .y_desc("probability it has happened (%)")
            .x_labels(12)
            .y_labels(11)
            .x_label_formatter(&super::year_label)
            .y_label_formatter(&|v| format!("{v:.0}%"))
            .draw()?;
        for (i, (label, curve, _)) in curves(s).into_iter().enumerate() {
            let colour = palette::SERIES[i];
            let style = colour.stroke_width(3);
            // A step curve: the probability holds from the start of a month to the next.
            let mut pts = Vec::new();
            for p in &curve[..shown(s).min(curve.len())] {
                let x = month_x(&p.month);
                let y = 100.0 * p.probability;
                if let Some(&(_, prev)) = pts.last() {
                    pts.push((x, prev));
                }
                pts.push((x, y));
            }
            if let Some(&(x, y)) = pts.last() {
                pts.push((x + 1.0 / 12.0, y));
            }
            if i == 0 {
                chart.draw_series(LineSeries::new(pts, style))?;
            } else {
                chart.draw_series(DashedLineSeries::new(pts, 12, 6, style))?;
            }
            let x = 120 + 330 * i as i32;
            let pts = vec![(x, 15), (x + 30, 15)];
            if i == 0 {
                key.draw(&PathElement::new(pts, style))?;
            } else {
                key.draw(&DashedPathElement::new(pts, 12, 6, style))?;
            }
            key.draw(&Text::new(
                label,
                (x + 38, 15),
                font(15).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        let target = palette::TARGET.stroke_width(2);
        for t in s.targets.iter().filter(|t| t.year.is_none()) {
            let Some((_, curve, _)) = curves(s).into_iter().find(|c| c.2 == t.metric) else {
                continue;
            };
            let m = t.threshold(&s.months);
            let Some(p) = curve.get(m as usize - 1) else {
                continue;
            };
            let x = month_x(&p.month) + 1.0 / 12.0;
            chart.draw_series(DashedLineSeries::new(
                vec![(x, 0.0), (x, 100.0)],
                8,
                6,
                target,
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                format!(
                    "{} by {}: {:.1}% ({:.1}–{:.1}%)",
                    curves(s)
                        .iter()
                        .find(|c| c.2 == t.metric)
                        .map_or("", |c| c.0),
                    p.month,
                    100.0 * t.result.probability,
                    100.0 * t.result.wilson95[0],
                    100.0 * t.result.wilson95[1]
                ),
                label_at(s, x, &range),
                font(15).pos(Pos::new(
                    if x > (range.start + range.end) / 2.0 {
                        HPos::Right
                    } else {
                        HPos::Left
                    },
                    VPos::Center,
                )),
            )))?;
        }
        Ok(())
    }
}

/// Where a month target's label goes, beside its line at `x` on the side with more room: low
/// where the curves beside it have already risen past 25%, high where they stay under 75%,
/// else half way up.
fn label_at(s: &Summary, x: f64, range: &std::ops::Range<f64>) -> (f64, f64) {
    let right = x > (range.start + range.end) / 2.0;
    let (from, to) = if right { (x - 1.8, x) } else { (x, x + 1.8) };
    let beside: Vec<f64> = curves(s)
        .iter()
        .flat_map(|c| c.1.iter())
        .filter(|p| (from..to).contains(&month_x(&p.month)))
        .map(|p| 100.0 * p.probability)
        .collect();
    let y = if beside.iter().all(|p| *p > 25.0) {
        12.0
    } else if beside.iter().all(|p| *p < 75.0) {
        88.0
    } else {
        55.0
    };
    (if right { x - 0.04 } else { x + 0.04 }, y)
}

const TITLE: &str = "When do the thresholds arrive? Probability by month";

/// The months the chart shows: up to six months after the last month in which a curve is
/// still more than half a percentage point short of its final value (a flat tail at its final
/// value, often 100%, says nothing) and three months past every month target, at most the
/// horizon.
pub fn shown(s: &Summary) -> usize {
    let n = s.months.len();
    let mut last = 0;
    for (_, curve, _) in curves(s) {
        let end = curve.last().map_or(0.0, |p| p.probability);
        // The last month still more than half a percentage point short of the final value.
        if let Some(i) = curve.iter().rposition(|p| p.probability < end - 0.005) {
            last = last.max(i + 2);
        }
    }
    let month_targets = s
        .targets
        .iter()
        .filter(|t| curves(s).iter().any(|c| c.2 == t.metric));
    for t in month_targets {
        let m = t.threshold(&s.months);
        if m.is_finite() && m >= 1.0 {
            last = last.max(m as usize + 3);
        }
    }
    (last + 6).clamp(1, n.max(1)).min(n)
}

/// The event-date chart, captioned with each event's median month.
pub fn chart(s: &Summary) -> Result<Chart, ChartError> {
    let parts: Vec<String> = curves(s)
        .iter()
        .map(|(label, _, outcome)| {
            let q = s.outcomes.get(*outcome);
            let never = curves(s)
                .iter()
                .find(|c| c.2 == *outcome)
                .and_then(|c| c.1.last())
                .map_or(1.0, |p| 1.0 - p.probability);
            format!(
                "{label}: median month {} ({:.0}% of paths never get there by {})",
                s.month_label(q.and_then(|q| q.p50)),
                100.0 * never,
                s.months.last().map_or("", String::as_str)
            )
        })
        .collect();
    let n = shown(s);
    let tail = if n < s.months.len() {
        format!(
            " The axis ends at {}: after it, every curve stays within half a percentage point \
             of its value at the horizon, {}.",
            s.months[n - 1],
            s.months.last().map_or("", String::as_str)
        )
    } else {
        String::new()
    };
    super::render(
        "event-dates",
        TITLE,
        &format!("{}.{tail}", parts.join("; ")),
        &Dates { summary: s },
    )
}
