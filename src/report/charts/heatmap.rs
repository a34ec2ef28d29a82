//! Heat map: a probability over a grid of two multipliers (the stress test's P(loss) over fee
//! × usage growth), each cell shaded by its value and labelled with it, with a colour scale
//! beside it.

use super::{ChartError, Plot, font, titled};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Probabilities `cells[i][j]` at `x[i]`, `y[j]`.
pub struct HeatMap<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub cells: Vec<Vec<f64>>,
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    /// Labels of the x values (e.g. "×1.5 ($30)").
    pub x_labels: Vec<String>,
}

/// The shade of probability `p`: white to dark blue, lightness falling with `p`, so the
/// order survives greyscale printing.
pub fn shade(p: f64) -> RGBColor {
    let t = p.clamp(0.0, 1.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

impl Plot for HeatMap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let (nx, ny) = (self.x.len(), self.y.len());
        let area = titled(root, &self.title)?;
        let (w, _) = area.dim_in_pixel();
        let (area, scale) = area.split_horizontally(w.saturating_sub(110));
        colour_scale(&scale)?;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(100)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(self.x_desc.clone())
            .y_desc(self.y_desc.clone())
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&|v| {
                let i = (v - 0.5).round();
                if (v - 0.5 - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < nx {
                    self.x_labels[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| {
                let j = (v - 0.5).round();
                if (v - 0.5 - j).abs() < 1e-6 && j >= 0.0 && (j as usize) < ny {
                    format!("×{}", crate::report::format::number(self.y[j as usize]))
                } else {
                    String::new()
                }
            })
            .label_style(font(15))
            .axis_desc_style(font(16))
            .draw()?;
        for (i, column) in self.cells.iter().enumerate() {
            for (j, p) in column.iter().enumerate() {
                let (x, y) = (i as f64, j as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    shade(*p).filled(),
                )))?;
                let ink = if *p > 0.45 { WHITE } else { BLACK };
                chart.draw_series(std::iter::once(Text::new(
                    format!("{:.0}%", 100.0 * p),
                    (x + 0.5, y + 0.5),
                    font(16)
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))?;
            }
        }
        Ok(())
    }
}

/// The colour scale: the shades from 0% to 100%, labelled every 25%.
fn colour_scale<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
    let mut chart = ChartBuilder::on(area)
        .margin_top(30)
        .margin_bottom(60)
        .margin_right(20)
        .x_label_area_size(0)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
        .label_style(font(14))
        .draw()?;
    let steps = 50;
    chart.draw_series((0..steps).map(|k| {
        let (a, b) = (k as f64 / steps as f64, (k + 1) as f64 / steps as f64);
        Rectangle::new([(0.0, a), (1.0, b)], shade((a + b) / 2.0).filled())
    }))?;
    chart.draw_series(std::iter::once(Rectangle::new(
        [(0.0, 0.0), (1.0, 1.0)],
        BLACK.stroke_width(1),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        "P(loss)",
        (0.0, 1.0),
        font(14).pos(Pos::new(HPos::Left, VPos::Bottom)),
    )))?;
    Ok(())
}
