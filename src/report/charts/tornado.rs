//! Tornado chart: the inputs that drive an outcome, ranked by their Spearman rank correlation
//! with it (top 12 with |ρ| ≥ 0.05; the rest folded into one bar).

use super::{Chart, ChartError, Plot, font, titled};
use crate::analysis::{Sensitivity, Summary};
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Inputs shown, at most.
pub const TOP: usize = 12;

/// Inputs whose |ρ| is below this are folded into one "other" bar.
pub const SMALL: f64 = 0.05;

/// Bars: higher input, higher outcome (dark); higher input, lower outcome (light); the
/// folded small effects (grey).
const POSITIVE: RGBColor = RGBColor(33, 102, 172);
const NEGATIVE: RGBColor = RGBColor(244, 165, 130);
const OTHER: RGBColor = RGBColor(190, 190, 190);

/// One bar of the tornado: an input's ρ (`lo` = 0, `hi` = ρ or the reverse), or the range of
/// the folded inputs' ρ.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub lo: f64,
    pub hi: f64,
    /// The bar of the folded inputs, and how many it holds.
    pub folded: usize,
}

impl Bar {
    /// The ρ a single input's bar shows.
    fn rho(&self) -> f64 {
        if self.lo == 0.0 { self.hi } else { self.lo }
    }

    /// The value label: `+0.51`, or the folded inputs' range.
    fn value(&self) -> String {
        let f = |x: f64| {
            if x < 0.0 {
                format!("−{:.2}", -x)
            } else {
                format!("+{x:.2}")
            }
        };
        if self.folded > 0 {
            format!("{} to {}", f(self.lo), f(self.hi))
        } else {
            f(self.rho())
        }
    }
}

/// The bars of `list` (sorted by |ρ|, largest first): the inputs with |ρ| ≥ [`SMALL`], at most
/// [`TOP`] of them, then one bar for all the others (spanning their ρ from lowest to highest).
pub fn bars(list: &[Sensitivity]) -> Vec<Bar> {
    let shown = list
        .iter()
        .take(TOP)
        .take_while(|s| s.spearman.abs() >= SMALL)
        .count();
    let mut out: Vec<Bar> = list[..shown]
        .iter()
        .map(|s| Bar {
            label: readable(&s.input),
            lo: s.spearman.min(0.0),
            hi: s.spearman.max(0.0),
            folded: 0,
        })
        .collect();
    let rest: Vec<f64> = list[shown..]
        .iter()
        .map(|s| s.spearman)
        .filter(|r| r.is_finite())
        .collect();
    if !rest.is_empty() {
        let lo = rest.iter().copied().fold(0.0, f64::min);
        let hi = rest.iter().copied().fold(0.0, f64::max);
        let n = rest.len();
        let small = rest.iter().all(|r| r.abs() < SMALL);
        out.push(Bar {
            label: format!(
                "{n} other input{}{}",
                if n == 1 { "" } else { "s" },
                if small { " (|ρ| < 0.05)" } else { "" }
            ),
            lo,
            hi,
            folded: n,
        });
    }
    out
}

/// A person's name for an input's dotted name: `hardware.Rubin.delay_months` → "Rubin delay
/// (months)", `software.serving_gain_per_year` → "Software serving gain per year".
pub fn readable(input: &str) -> String {
    let parts: Vec<&str> = input.split('.').collect();
    let (subject, field) = match parts.as_slice() {
        [group, field] => (capitalised(group), *field),
        [_, name, field] => ((*name).to_owned(), *field),
        [_, name, rest @ ..] => ((*name).to_owned(), rest.last().copied().unwrap_or("")),
        _ => return input.to_owned(),
    };
    let mut words: Vec<&str> = field.split('_').filter(|w| !w.is_empty()).collect();
    let unit = match words.last() {
        Some(&"months") if words.len() > 1 => {
            words.pop();
            " (months)"
        }
        Some(&"usd") if words.len() > 1 => {
            words.pop();
            " ($)"
        }
        _ => "",
    };
    format!("{subject} {}{unit}", words.join(" "))
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The bars of one outcome.
pub struct Tornado {
    pub bars: Vec<Bar>,
    pub title: String,
}

impl Plot for Tornado {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        let k = self.bars.len();
        let m = self
            .bars
            .iter()
            .map(|b| b.lo.abs().max(b.hi.abs()))
            .fold(0.1, f64::max)
            .min(1.0)
            * 1.3;
        let area = titled(root, &self.title)?;
        let (w, h) = area.dim_in_pixel();
        let (plot_area, key) = area.split_vertically(h.saturating_sub(34));
        let bar = |i: usize| -> &Bar { &self.bars[k - 1 - i] };
        let mut chart = ChartBuilder::on(&plot_area)
            .x_label_area_size(50)
            .y_label_area_size(320)
            .build_cartesian_2d(-m..m, (0..k.max(1) - 1).into_segmented())?;
        super::house_style(&mut chart.configure_mesh())
            .x_desc("Spearman rank correlation with the outcome")
            .x_labels(9)
            .y_labels(k.max(1))
            .x_label_formatter(&|v| {
                if v.abs() < 1e-9 {
                    "0".to_owned()
                } else if *v < 0.0 {
                    format!("−{:.1}", -v)
                } else {
                    format!("+{v:.1}")
                }
            })
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < k => bar(*i).label.clone(),
                _ => String::new(),
            })
            .draw()?;
        chart.draw_series((0..k).map(|i| {
            let b = bar(i);
            let colour = match (b.folded, b.rho() >= 0.0) {
                (1.., _) => OTHER,
                (0, true) => POSITIVE,
                (0, false) => NEGATIVE,
            };
            let mut r = Rectangle::new(
                [
                    (b.lo, SegmentValue::Exact(i)),
                    (b.hi, SegmentValue::Exact(i + 1)),
                ],
                colour.filled(),
            );
            r.set_margin(5, 5, 0, 0);
            r
        }))?;
        // Value labels a clear gap (3% of the axis) beyond the bar's end, on its outer side.
        chart.draw_series((0..k).map(|i| {
            let b = bar(i);
            let right = b.hi > -b.lo || (b.folded > 0 && b.hi >= -b.lo);
            let (anchor, x) = if right {
                (HPos::Left, b.hi + 0.03 * m)
            } else {
                (HPos::Right, b.lo - 0.03 * m)
            };
            Text::new(
                b.value(),
                (x, SegmentValue::CenterOf(i)),
                font(14).pos(Pos::new(anchor, VPos::Center)),
            )
        }))?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(k))],
            BLACK.stroke_width(1),
        )))?;
        draw_key(&key, w)
    }
}

/// The key under the chart: what each bar colour means.
fn draw_key<DB: DrawingBackend>(key: &DrawingArea<DB, Shift>, w: u32) -> Result<(), ChartError> {
    let entries = [
        (POSITIVE, "higher input, higher outcome"),
        (NEGATIVE, "higher input, lower outcome"),
        (OTHER, "small effects folded together"),
    ];
    let mut x = (w as i32 / 2 - 400).max(10);
    for (colour, text) in entries {
        key.draw(&Rectangle::new([(x, 8), (x + 22, 24)], colour.filled()))?;
        key.draw(&Text::new(
            text,
            (x + 30, 16),
            font(14).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        x += 270;
    }
    Ok(())
}

/// The tornado chart of the outcome `label` explains (a key scalar or a target's label).
pub fn chart(s: &Summary, label: &str) -> Result<Chart, ChartError> {
    let list = &s.sensitivity[label];
    let bars = bars(list);
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
    let shown = bars.iter().filter(|b| b.folded == 0).count();
    let caption = match list.first() {
        Some(top) => format!(
            "The inputs most related to {} ({} of {} sampled inputs by |Spearman ρ| over {} paths, \
             the rest folded into one grey bar; dark: a higher input goes with a higher outcome, \
             light: with a lower one). The strongest is {} (ρ = {}).",
            what_lower,
            shown,
            list.len(),
            s.paths,
            readable(&top.input),
            bars.first().map_or(String::new(), Bar::value)
        ),
        None => format!("No sampled input varies, so nothing explains {what_lower}."),
    };
    super::render(
        &format!("tornado-{}", slug(outcome)),
        &title,
        &caption,
        &Tornado {
            bars,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(list: &[(&str, f64)]) -> Vec<Sensitivity> {
        list.iter()
            .map(|(n, r)| Sensitivity {
                input: (*n).to_owned(),
                spearman: *r,
            })
            .collect()
    }

    #[test]
    fn small_effects_fold_into_one_other_bar() {
        let list = inputs(&[
            ("software.serving_gain_per_year", 0.51),
            ("hardware.Rubin.delay_months", -0.2),
            ("hosts.margin", 0.049),
            ("device.M5.price", -0.03),
            ("capability.pace", 0.01),
        ]);
        let b = bars(&list);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].label, "Software serving gain per year");
        assert_eq!(b[1].label, "Rubin delay (months)");
        assert_eq!(
            (b[1].lo, b[1].hi, b[1].value()),
            (-0.2, 0.0, "−0.20".to_owned())
        );
        assert_eq!(b[2].label, "3 other inputs (|ρ| < 0.05)");
        assert_eq!((b[2].lo, b[2].hi, b[2].folded), (-0.03, 0.049, 3));
        assert_eq!(b[2].value(), "−0.03 to +0.05");
        // Nothing to fold: no other bar; more than TOP large effects: the rest folded.
        assert_eq!(bars(&list[..2]).len(), 2);
        let many: Vec<Sensitivity> = (0..20)
            .map(|i| Sensitivity {
                input: format!("x.in{i}"),
                spearman: 0.9 - 0.01 * f64::from(i),
            })
            .collect();
        let b = bars(&many);
        assert_eq!(b.len(), TOP + 1);
        assert_eq!(b[TOP].folded, 8);
        assert_eq!(b[TOP].label, "8 other inputs");
    }
}
