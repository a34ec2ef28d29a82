//! A stress-tested plan's charts: margin fan, loss-making share, subscribers on the plan (when
//! they respond to prices), break-even fee by year, and the P(loss) heat map; no chart is
//! drawn empty (a plan no path loses money on gets a sentence instead, see
//! [`missing`]). Then each optimised plan's frontier and EVPPI charts.

use super::annual::{Annual, Level};
use super::fan::{self, Fan};
use super::heatmap::HeatMap;
use super::{Chart, ChartError};
use crate::analysis::{PlanSummary, Quantiles, StressSummary};

/// Why a break-even fee below zero, in words (empty when the median is not below zero).
pub fn negative_break_even(p: &PlanSummary) -> String {
    match p.years.last().and_then(|y| y.break_even_fee.p50) {
        Some(x) if x < 0.0 => format!(
            " A break-even fee below zero means {} earns more from overage than its \
             subscribers cost to serve: it would cover its cost at any fee, even with none.",
            p.name
        ),
        _ => String::new(),
    }
}
use crate::report::format::{Unit, number};

/// Every chart of a stress test: each plan's, then each optimisation's (drawn in parallel).
pub fn charts(s: &StressSummary) -> Result<Vec<Chart>, ChartError> {
    use rayon::prelude::*;
    let plans: Vec<Vec<Chart>> = s
        .plans
        .par_iter()
        .map(|p| plan_charts(s, p))
        .collect::<Result<_, _>>()?;
    let optimized: Vec<Vec<Chart>> = s
        .optimization
        .par_iter()
        .map(super::optimize::charts)
        .collect::<Result<_, _>>()?;
    Ok(plans.into_iter().chain(optimized).flatten().collect())
}

/// Whether every value of a fan is zero (or absent): nothing to draw.
fn all_zero(qs: &[Quantiles]) -> bool {
    qs.iter().all(|q| {
        [q.p5, q.p50, q.p95]
            .iter()
            .all(|x| x.is_none_or(|x| x == 0.0))
    })
}

/// The charts a plan does not get, and why: `(chart, sentence)`. A chart with nothing to
/// show is left out and the page says this instead.
pub fn missing(s: &StressSummary, p: &PlanSummary) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if all_zero(&p.loss_share) {
        out.push((
            "loss-makers",
            format!(
                "No subscriber of {} costs more than it pays, in any month of any path.",
                p.name
            ),
        ));
    }
    if p.grid.iter().all(|c| c.loss.probability == 0.0) {
        out.push((
            "heatmap",
            format!(
                "{} loses money on no path in {} in any cell of the fee × usage-growth grid.",
                p.name, s.final_year
            ),
        ));
    }
    out
}

/// A plan's charts: margin fan, loss-making share, subscribers on the plan, break-even fee by
/// year, P(loss) heat map (those with something to show).
pub fn plan_charts(s: &StressSummary, p: &PlanSummary) -> Result<Vec<Chart>, ChartError> {
    let missing: Vec<&str> = missing(s, p).into_iter().map(|m| m.0).collect();
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
    if !missing.contains(&"loss-makers") {
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
    }
    if p.responds {
        let title = format!("{}: subscribers on the plan", p.name);
        out.push(super::render(
            &format!("stress-{slug}-subscribers"),
            &title,
            &format!(
                "{} Subscribers leave when their bill exceeds the API cost of their usage by \
                 more than their threshold, newcomers take their place only if it does not, and \
                 in a tier group subscribers move up.",
                fan::caption(
                    &s.months,
                    s.paths,
                    &p.occupancy,
                    Unit::Subscribers,
                    &format!(
                        "{} subscribers, as a share of its subscribers at start",
                        p.name
                    ),
                )
            ),
            &Fan::new(&s.months, &p.occupancy, Unit::Subscribers, &title),
        )?);
    }
    out.push(break_even(p, &slug)?);
    if !missing.contains(&"heatmap") {
        out.push(heatmap(s, p, &slug)?);
    }
    Ok(out)
}

/// The chart of a plan's break-even fee per year, with the fee drawn across it.
fn break_even(p: &PlanSummary, slug: &str) -> Result<Chart, ChartError> {
    let title = format!("{}: break-even fee per year ($ per month)", p.name);
    let years: Vec<(i32, Quantiles)> = p.years.iter().map(|y| (y.year, y.break_even_fee)).collect();
    let fee = Level {
        value: p.fee,
        label: format!("fee {}", Unit::Dollars.format(p.fee)),
        year: None,
        legend: "fee",
    };
    let last = p.years.last();
    super::render(
        &format!("stress-{slug}-break-even"),
        &title,
        &(format!(
            "The monthly fee at which {}'s revenue would cover its serving cost, per year; the plan charges {}. In {} the median break-even fee is {} and the plan loses money on {:.1}% of paths.",
            p.name,
            Unit::Dollars.format(p.fee),
            last.map_or(0, |y| y.year),
            last.and_then(|y| y.break_even_fee.p50)
                .map_or("n/a".to_owned(), |x| Unit::Dollars.format(x)),
            100.0 * last.map_or(f64::NAN, |y| y.loss.probability)
        ) + &negative_break_even(p)),
        &Annual::signed(years, vec![fee], title.clone(), Unit::Dollars),
    )
}

/// The heat map of a plan's probability of a loss in the final year over the grid.
fn heatmap(s: &StressSummary, p: &PlanSummary, slug: &str) -> Result<Chart, ChartError> {
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
    super::render(
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
    )
}
