//! Tornado chart: the inputs that drive an outcome, ranked by their Spearman rank correlation
//! with it (top 12).

use super::{Chart, ChartError, Plot, font, titled};
use crate::analysis::{Sensitivity, Summary};
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Inputs shown.
pub const TOP: usize = 12;

/// Bars: higher input, higher outcome (dark); higher input, lower outcome (light).
const POSITIVE: RGBColor = RGBColor(33, 102, 172);
const NEGATIVE: RGBColor = RGBColor(244, 165, 130);

/// The top inputs of one outcome.
pub struct Tornado<'a> {
    pub inputs: &'a [Sensitivity],
    pub title: String,
}

impl Plot for Tornado<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let k = self.inputs.len();
        let m = self
            .inputs
            .iter()
            .map(|s| s.spearman.abs())
            .fold(0.1, f64::max)
            .min(1.0)
            * 1.2;
        let area = titled(root, &self.title)?;
        let name = |i: usize| -> String { self.inputs[k - 1 - i].input.clone() };
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(50)
            .y_label_area_size(300)
            .build_cartesian_2d(-m..m, (0..k.max(1) - 1).into_segmented())?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc("Spearman rank correlation with the outcome")
            .x_labels(9)
            .y_labels(k.max(1))
            .x_label_formatter(&|v| {
                if v.abs() < 1e-9 {
                    "0".to_owned()
                } else {
                    format!("{v:+.1}")
                }
            })
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < k => name(*i),
                _ => String::new(),
            })
            .draw()?;
        chart.draw_series((0..k).map(|i| {
            let rho = self.inputs[k - 1 - i].spearman;
            let colour = if rho >= 0.0 { POSITIVE } else { NEGATIVE };
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (rho, SegmentValue::Exact(i + 1)),
                ],
                colour.filled(),
            );
            bar.set_margin(5, 5, 0, 0);
            bar
        }))?;
        chart.draw_series((0..k).map(|i| {
            let rho = self.inputs[k - 1 - i].spearman;
            let (anchor, dx) = if rho >= 0.0 {
                (HPos::Left, 0.01)
            } else {
                (HPos::Right, -0.01)
            };
            Text::new(
                format!("{rho:+.2}"),
                (rho + dx * m, SegmentValue::CenterOf(i)),
                font(14).pos(Pos::new(anchor, VPos::Center)),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(k))],
            BLACK.stroke_width(1),
        )))?;
        Ok(())
    }
}

/// The tornado chart of the outcome `label` explains (a key scalar or a target's label).
pub fn chart(s: &Summary, label: &str) -> Result<Chart, ChartError> {
    let list = &s.sensitivity[label];
    let inputs = &list[..list.len().min(TOP)];
    let outcome = s
        .targets
        .iter()
        .find(|t| t.label == label)
        .map_or(label, |t| t.outcome.as_str());
    let what = super::distribution::describe(s, outcome);
    // "Cost collapse …" reads "cost collapse …" mid-sentence; a vendor's name keeps its case.
    let what_lower = if s.vendors.iter().any(|v| what.starts_with(v.as_str())) {
        what.clone()
    } else {
        lower_first(&what)
    };
    let title = format!("What drives {what_lower}?");
    let caption = match inputs.first() {
        Some(top) => format!(
            "The inputs most related to {} (top {} of {} sampled inputs by |Spearman ρ| over {} paths; dark: a higher input goes with a higher outcome). The strongest is {} (ρ = {:+.2}).",
            what_lower,
            inputs.len(),
            list.len(),
            s.paths,
            top.input,
            top.spearman
        ),
        None => format!(
            "No sampled input varies, so nothing explains {}.",
            what_lower
        ),
    };
    super::render(
        &format!("tornado-{}", slug(outcome)),
        &title,
        &caption,
        &Tornado {
            inputs,
            title: title.clone(),
        },
    )
}

/// `Cost collapse` → `cost collapse` (`OpenAI revenue` stays as it is).
pub(super) fn lower_first(text: &str) -> String {
    let mut c = text.chars();
    match (c.next(), c.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => a
            .to_lowercase()
            .chain(std::iter::once(b))
            .chain(c)
            .collect(),
        _ => text.to_owned(),
    }
}

/// A file-name-safe form of an outcome name.
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}
