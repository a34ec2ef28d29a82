//! The inputs the observations moved most: each one's prior and posterior distribution over
//! the paths, overlaid, in small panels.

use super::{Chart, ChartError, Plot, font, house_style, palette};
use crate::analysis::conditioning::InputShift;
use crate::analysis::{Distribution, Summary};
use crate::report::format::{Unit, cut};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Panels of prior and posterior densities.
pub struct Shifts<'a> {
    pub shifts: Vec<&'a InputShift>,
    pub title: String,
}

/// A distribution's bars as a step outline: (x, share of paths per bin).
fn steps(d: &Distribution) -> Vec<(f64, f64)> {
    let total: u64 = d.counts.iter().sum::<u64>().max(1);
    let x = |e: f64| if d.log { e.log10() } else { e };
    let mut out = vec![(x(d.edges[0]), 0.0)];
    for (i, c) in d.counts.iter().enumerate() {
        let share = *c as f64 / total as f64;
        out.push((x(d.edges[i]), share));
        out.push((x(d.edges[i + 1]), share));
    }
    out.push((x(*d.edges.last().expect("edges")), 0.0));
    out
}

impl Plot for Shifts<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let area = super::titled(root, &self.title)?;
        let panels = area.split_evenly((2, 3));
        for (panel, shift) in panels.iter().zip(&self.shifts) {
            let Some([prior, post]) = &shift.densities else {
                continue;
            };
            let (a, b) = (steps(prior), steps(post));
            let x0 = a.first().map_or(0.0, |p| p.0);
            let x1 = a.last().map_or(1.0, |p| p.0);
            let top = a.iter().chain(&b).map(|p| p.1).fold(0.0, f64::max) * 1.1;
            let log = prior.log;
            let mut chart = ChartBuilder::on(panel)
                .caption(cut(&shift.input, 34), font(14))
                .margin(6)
                .x_label_area_size(28)
                .y_label_area_size(8)
                .build_cartesian_2d(x0..x1, 0.0..top.max(1e-9))?;
            house_style(&mut chart.configure_mesh())
                .disable_y_mesh()
                .y_labels(0)
                .x_labels(4)
                .x_label_formatter(&|v| Unit::Number.format(if log { 10f64.powf(*v) } else { *v }))
                .label_style(font(12))
                .draw()?;
            chart.draw_series(std::iter::once(Polygon::new(
                a.clone(),
                palette::PRIOR.filled(),
            )))?;
            chart.draw_series(LineSeries::new(b, palette::MEDIAN.stroke_width(2)))?;
        }
        if let Some(last) = panels.get(5) {
            let style = font(15);
            last.draw(&Rectangle::new(
                [(20, 60), (50, 80)],
                palette::PRIOR.filled(),
            ))?;
            last.draw(&Text::new("prior", (60, 62), style.clone()))?;
            last.draw(&PathElement::new(
                vec![(20, 110), (50, 110)],
                palette::MEDIAN.stroke_width(2),
            ))?;
            last.draw(&Text::new("posterior", (60, 102), style))?;
        }
        Ok(())
    }
}

/// The chart of the most moved inputs of a conditioned run.
pub fn chart(s: &Summary) -> Result<Chart, ChartError> {
    let shifts: Vec<&InputShift> = s
        .input_shifts
        .iter()
        .filter(|i| i.densities.is_some())
        .collect();
    let title = "The inputs the observations moved most".to_owned();
    let names: Vec<&str> = shifts.iter().map(|i| i.input.as_str()).collect();
    let caption = format!(
        "Each input's distribution over the paths before the observations (grey) and after \
         them (line): {}.",
        names.join(", ")
    );
    super::render(
        "inputs-moved",
        &title,
        &caption,
        &Shifts {
            shifts,
            title: title.clone(),
        },
    )
}
