//! The files of `infercast stress`: `stress.json`, `stress-grid.csv`, `stress-series.csv`,
//! each plan's charts, `stress.html` and `manifest.json`, and the table printed at the end.

use super::charts::annual::{Annual, Level};
use super::charts::fan::{self, Fan};
use super::charts::heatmap::HeatMap;
use super::charts::{self, Chart, ChartError, Unit};
use super::html::{self, esc};
use super::summary::{Probability, Quantiles};
use crate::run::{RunResult, Settings};
use crate::scenario::{Included, Marginal, Scenario, UsageGrowth};
use crate::stats::Proportion;
use crate::stress::{Grid, PlanTally, SUBSCRIBERS};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::io;
use std::path::Path;

/// One calendar year of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanYear {
    pub year: i32,
    /// The probability that the plan loses money that year (revenue below serving cost).
    pub loss: Probability,
    /// The fee ($ per month) at which the year's revenue would equal its cost.
    pub break_even_fee: Quantiles,
    /// Gross profit of the whole plan that year ($, all subscribers).
    pub gross_profit: Quantiles,
}

/// One cell of the fee × usage-growth grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GridCell {
    pub fee_multiplier: f64,
    pub usage_growth_multiplier: f64,
    /// The probability of a loss in the final year.
    pub loss: Probability,
}

/// A plan's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSummary {
    pub name: String,
    pub vendor: String,
    /// The plan's terms as written.
    pub terms: String,
    /// The median fee over paths ($ per month).
    pub fee: f64,
    pub years: Vec<PlanYear>,
    pub grid: Vec<GridCell>,
    /// Per month: gross margin, share of loss-making subscribers, top 5%'s share of cost.
    #[serde(skip)]
    pub margin: Vec<Quantiles>,
    #[serde(skip)]
    pub loss_share: Vec<Quantiles>,
    #[serde(skip)]
    pub top5_share: Vec<Quantiles>,
}

/// The stress test's results (`stress.json`; monthly series in `stress-series.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StressSummary {
    pub scenario: String,
    pub version: String,
    pub scenario_hash: String,
    pub paths: u64,
    pub seed: u64,
    pub sampling: String,
    /// Simulated subscribers per plan and path.
    pub subscribers_simulated: usize,
    pub months: Vec<String>,
    /// The year the grid's P(loss) refers to.
    pub final_year: i32,
    pub grid: Grid,
    pub plans: Vec<PlanSummary>,
}

fn quantiles(hs: &[crate::stats::Histogram]) -> Vec<Quantiles> {
    hs.iter().map(Quantiles::of).collect()
}

/// A plan's terms in words: "fee 20 $/month, 10M tokens included, overage 4 $/M, cap 100M, …".
fn terms(s: &Scenario, plan: &crate::scenario::Plan) -> String {
    let show = |id| s.input(id).dist.to_string();
    let mut parts = vec![format!("fee {} $/month", show(plan.fee))];
    match plan.included {
        Included::Unlimited => parts.push("unlimited".to_owned()),
        Included::Limited(id) => parts.push(format!("{}M tokens included", show(id))),
    }
    if let Some(id) = plan.overage {
        parts.push(format!("overage {} $/M", show(id)));
    }
    if let Some(id) = plan.cap {
        parts.push(format!("cap {}M", show(id)));
    }
    parts.push(format!("usage {}M/month", show(plan.usage)));
    parts.push(match plan.usage_growth {
        UsageGrowth::Model => "usage growth from the model".to_owned(),
        UsageGrowth::Factor(id) => format!("usage growth ×{}/year", show(id)),
    });
    parts.join(", ")
}

impl StressSummary {
    pub fn new(s: &Scenario, settings: &Settings, grid: &Grid, tallies: &[PlanTally]) -> Self {
        let months: Vec<String> = (0..s.months())
            .map(|m| s.start.plus(m as i32).to_string())
            .collect();
        let years: Vec<i32> = (s.start.year()..=s.horizon.year()).collect();
        let plans = s
            .plans
            .iter()
            .zip(tallies)
            .map(|(plan, t)| {
                let n = t.paths;
                let prob = |successes| Probability::from(Proportion { successes, n });
                let n_growth = grid.usage_growth.len();
                PlanSummary {
                    name: plan.name.clone(),
                    vendor: s.vendors[plan.vendor].name.clone(),
                    terms: terms(s, plan),
                    fee: s.input(plan.fee).dist.median(),
                    years: years
                        .iter()
                        .enumerate()
                        .map(|(k, year)| PlanYear {
                            year: *year,
                            loss: prob(t.loss_years[k]),
                            break_even_fee: Quantiles::of(&t.break_even[k]),
                            gross_profit: Quantiles::of(&t.profit[k]),
                        })
                        .collect(),
                    grid: t
                        .grid_losses
                        .iter()
                        .enumerate()
                        .map(|(c, losses)| GridCell {
                            fee_multiplier: grid.fee[c / n_growth],
                            usage_growth_multiplier: grid.usage_growth[c % n_growth],
                            loss: prob(*losses),
                        })
                        .collect(),
                    margin: quantiles(&t.margin),
                    loss_share: quantiles(&t.loss_share),
                    top5_share: quantiles(&t.top5_share),
                }
            })
            .collect();
        Self {
            scenario: s.name.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario_hash: super::scenario_hash(s),
            paths: tallies.first().map_or(0, |t| t.paths),
            seed: settings.seed,
            sampling: format!("{:?}", settings.sampling).to_lowercase(),
            subscribers_simulated: SUBSCRIBERS,
            months,
            final_year: s.horizon.year(),
            grid: grid.clone(),
            plans,
        }
    }
}

/// `stress-grid.csv`: one row per plan and grid cell.
fn grid_csv(s: &StressSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "plan",
        "fee_multiplier",
        "usage_growth_multiplier",
        "fee",
        "p_loss_final_year",
        "se",
        "wilson95_low",
        "wilson95_high",
        "paths",
    ])?;
    for p in &s.plans {
        for c in &p.grid {
            w.write_record([
                p.name.clone(),
                c.fee_multiplier.to_string(),
                c.usage_growth_multiplier.to_string(),
                (p.fee * c.fee_multiplier).to_string(),
                c.loss.probability.to_string(),
                c.loss.se.to_string(),
                c.loss.wilson95[0].to_string(),
                c.loss.wilson95[1].to_string(),
                c.loss.paths.to_string(),
            ])?;
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// `stress-series.csv`, tidy: plan, month, metric, statistic, value.
fn series_csv(s: &StressSummary) -> io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["plan", "month", "metric", "statistic", "value"])?;
    for p in &s.plans {
        for (metric, series) in [
            ("gross_margin", &p.margin),
            ("loss_making_share", &p.loss_share),
            ("top5_cost_share", &p.top5_share),
        ] {
            for (month, q) in s.months.iter().zip(series.iter()) {
                for (stat, x) in [
                    ("p5", q.p5),
                    ("p10", q.p10),
                    ("p25", q.p25),
                    ("p50", q.p50),
                    ("p75", q.p75),
                    ("p90", q.p90),
                    ("p95", q.p95),
                    ("mean", q.mean),
                ] {
                    let value = x.map_or(String::new(), |x| x.to_string());
                    w.write_record([p.name.as_str(), month, metric, stat, &value])?;
                }
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// A plan's charts: margin fan, loss-making share, break-even fee by year, P(loss) heat map.
fn plan_charts(s: &StressSummary, p: &PlanSummary) -> Result<Vec<Chart>, ChartError> {
    let slug = charts::tornado::slug(&p.name);
    let mut out = Vec::new();
    let title = format!("{}: gross margin per month", p.name);
    out.push(charts::render(
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
            Unit::Margin.format(charts::MARGIN_FLOOR)
        ),
        &Fan::new(&s.months, &p.margin, Unit::Margin, &title),
    )?);
    let title = format!(
        "{}: share of subscribers who cost more than they pay",
        p.name
    );
    out.push(charts::render(
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
    out.push(charts::render(
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
        .map(|k| {
            format!(
                "×{} ({})",
                charts::number(*k),
                Unit::Dollars.format(k * p.fee)
            )
        })
        .collect();
    out.push(charts::render(
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

/// Writes every file of a stress test into `dir` (`manifest.json` last) and returns its
/// summary.
pub fn write_stress(
    dir: &Path,
    s: &Scenario,
    settings: &Settings,
    grid: &Grid,
    r: &RunResult,
    tallies: &[PlanTally],
) -> io::Result<StressSummary> {
    std::fs::create_dir_all(dir)?;
    let summary = StressSummary::new(s, settings, grid, tallies);
    super::write_atomic(&dir.join("stress.json"), &super::pretty(&summary)?)?;
    super::write_atomic(&dir.join("stress-grid.csv"), &grid_csv(&summary)?)?;
    super::write_atomic(&dir.join("stress-series.csv"), &series_csv(&summary)?)?;
    let mut all = Vec::new();
    for p in &summary.plans {
        all.extend(plan_charts(&summary, p)?);
    }
    charts::write_all(dir, &all)?;
    super::write_atomic(&dir.join("stress.html"), page(&summary, &all).as_bytes())?;
    let mut manifest = super::output::manifest_json(s, settings, r);
    manifest["grid"] = serde_json::to_value(grid).map_err(io::Error::other)?;
    manifest["subscribers_simulated"] = SUBSCRIBERS.into();
    super::write_atomic(&dir.join("manifest.json"), &super::pretty(&manifest)?)?;
    Ok(summary)
}

fn pct(p: &Probability) -> String {
    format!(
        "{:.1}% ({:.1}–{:.1}%)",
        100.0 * p.probability,
        100.0 * p.wilson95[0],
        100.0 * p.wilson95[1]
    )
}

/// `stress.html`.
fn page(s: &StressSummary, charts: &[Chart]) -> String {
    let money = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Dollars.format(x));
    let mut w = html::head(&format!("infercast stress: {}", s.scenario));
    let _ = writeln!(w, "<h1>infercast stress test: {}</h1>", esc(&s.scenario));
    let _ = writeln!(
        w,
        "<p class=\"muted\">{} simulated futures of the market, each with {} simulated \
         subscribers per plan billed month by month at the vendor's simulated serving cost.</p>",
        s.paths, s.subscribers_simulated
    );
    for (p, plan_charts) in s.plans.iter().zip(charts.chunks(4)) {
        let _ = writeln!(
            w,
            "<h2 id=\"plan-{}\">{} ({})</h2>",
            esc(&charts::tornado::slug(&p.name)),
            esc(&p.name),
            esc(&p.vendor)
        );
        let _ = writeln!(w, "<p>{}</p>", esc(&p.terms));
        w.push_str(
            "<table>\n<tr><th>Year</th><th class=\"num\">P(loss)</th>\
             <th class=\"num\">Break-even fee (median)</th><th class=\"num\">P5 – P95</th>\
             <th class=\"num\">Gross profit (median)</th></tr>\n",
        );
        for y in &p.years {
            let _ = writeln!(
                w,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{} – {}</td><td class=\"num\">{}</td></tr>",
                y.year,
                pct(&y.loss),
                money(y.break_even_fee.p50),
                money(y.break_even_fee.p5),
                money(y.break_even_fee.p95),
                money(y.gross_profit.p50)
            );
        }
        w.push_str("</table>\n");
        for c in plan_charts {
            w.push_str(&html::figure(c));
        }
    }
    w.push_str("<h2 id=\"run\">Run</h2>\n");
    let _ = writeln!(
        w,
        "<table>\n<tr><td>Tool</td><td>infercast {}</td></tr>\n\
         <tr><td>Scenario</td><td>{} (hash <code>{}</code>)</td></tr>\n\
         <tr><td>Paths</td><td>{}</td></tr>\n<tr><td>Seed</td><td>{}</td></tr>\n\
         <tr><td>Sampling</td><td>{}</td></tr>\n</table>",
        esc(&s.version),
        esc(&s.scenario),
        esc(&s.scenario_hash),
        s.paths,
        s.seed,
        esc(&s.sampling)
    );
    w.push_str(html::FOOT);
    w
}

/// The table printed at the end of `stress` (fits 100 columns).
pub fn stress_table(s: &StressSummary) -> String {
    let money = |x: Option<f64>| x.map_or("n/a".to_owned(), |x| Unit::Dollars.format(x));
    let mut w = String::new();
    let _ = writeln!(
        w,
        "{}: {} paths × {} subscribers per plan, seed {}",
        s.scenario, s.paths, s.subscribers_simulated, s.seed
    );
    for p in &s.plans {
        let _ = writeln!(w, "\n{} ({}), fee {}", p.name, p.vendor, money(Some(p.fee)));
        let _ = writeln!(
            w,
            "{:6} {:>26} {:>18} {:>22} {:>14}",
            "year", "P(loss) [95% interval]", "break-even fee", "P5 – P95", "gross profit"
        );
        for y in &p.years {
            let _ = writeln!(
                w,
                "{:6} {:>26} {:>18} {:>22} {:>14}",
                y.year,
                pct(&y.loss),
                money(y.break_even_fee.p50),
                format!(
                    "{} – {}",
                    money(y.break_even_fee.p5),
                    money(y.break_even_fee.p95)
                ),
                money(y.gross_profit.p50)
            );
        }
    }
    w
}
