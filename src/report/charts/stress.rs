//! A stress-tested plan's charts: margin fan, loss-making share, break-even fee by year, and
//! the P(loss) heat map.

use super::annual::{Annual, Level};
use super::fan::{self, Fan};
use super::heatmap::HeatMap;
use super::{Chart, ChartError};
use crate::analysis::{PlanSummary, Quantiles, StressSummary};
use crate::report::format::{Unit, number};

/// A plan's charts: margin fan, loss-making share, break-even fee by year, P(loss) heat map.
pub fn plan_charts(s: &StressSummary, p: &PlanSummary) -> Result<Vec<Chart>, ChartError> {
    let slug = super::tornado::slug(&p.name);
    let mut out = Vec::new();
    let title = format!("{}: gross margin per month", p.name);
    out.push(super::render(
        &format!("stress-{slug}-margin"),
        &title,
        &format!(
            "{} Axis clipped at {}.",
            fan::caption(
                &s.months,
                s.paths,
                &p.margin,
                Unit::Margin,
                &format!("{} gross margin (revenue − serving cost) / revenue", p.name)
            ),
            Unit::Margin.format(super::MARGIN_FLOOR)
        ),
        &Fan::new(&s.months, &p.margin, Unit::Margin, &title),
    )?);
    let title = format!(
        "{}: share of subscribers who cost more than they pay",
        p.name
    );
    out.push(super::render(
        &format!("stress-{slug}-loss-makers"),
        &title,
        &fan::caption(
            &s.months,
            s.paths,
            &p.loss_share,
            Unit::Subscribers,
            &format!("{} loss-making subscribers", p.name),
        ),
        &Fan::new(&s.months, &p.loss_share, Unit::Subscribers, &title),
    )?);
    let title = format!("{}: break-even fee per year ($ per month)", p.name);
    let years: Vec<(i32, Quantiles)> = p.years.iter().map(|y| (y.year, y.break_even_fee)).collect();
    let fee = Level {
        value: p.fee,
        label: format!("fee {}", Unit::Dollars.format(p.fee)),
        year: None,
        legend: "fee",
    };
    let last = p.years.last();
    out.push(super::render(
        &format!("stress-{slug}-break-even"),
        &title,
        &format!(
            "The monthly fee at which {}'s revenue would cover its serving cost, per year; the plan charges {}. In {} the median break-even fee is {} and the plan loses money on {:.1}% of paths.",
            p.name,
            Unit::Dollars.format(p.fee),
            last.map_or(0, |y| y.year),
            last.and_then(|y| y.break_even_fee.p50).map_or("n/a".to_owned(), |x| Unit::Dollars.format(x)),
            100.0 * last.map_or(f64::NAN, |y| y.loss.probability)
        ),
        &Annual::new(years, vec![fee], title.clone(), Unit::Dollars),
    )?);
    let title = format!("{}: probability of a loss in {}", p.name, s.final_year);
    let n_growth = s.grid.usage_growth.len();
    let cells: Vec<Vec<f64>> = (0..s.grid.fee.len())
        .map(|i| {
            (0..n_growth)
                .map(|j| p.grid[i * n_growth + j].loss.probability)
                .collect()
        })
        .collect();
    let x_labels = s
        .grid
        .fee
        .iter()
        .map(|k| format!("×{} ({})", number(*k), Unit::Dollars.format(k * p.fee)))
        .collect();
    out.push(super::render(
        &format!("stress-{slug}-heatmap"),
        &title,
        &format!(
            "Probability that {} loses money in {} if its fee (columns) and the yearly growth of usage per subscriber (rows) are multiplied, all cells on the same paths and subscribers.",
            p.name, s.final_year
        ),
        &HeatMap {
            x: &s.grid.fee,
            y: &s.grid.usage_growth,
            cells,
            title: title.clone(),
            x_desc: "fee multiplier (fee per month)".to_owned(),
            y_desc: "usage growth multiplier".to_owned(),
            x_labels,
        },
    )?);
    Ok(out)
}
