//! The outcome table: one row per path (its sampled inputs, scalar outcomes, annual figures and
//! observed values; in a conditioned run its log-weight and weight), whether a path meets each
//! target, and how well it reproduces the observations.

use crate::model::{Layout, PathResult};
use crate::sample::Draws;
use crate::scenario::{
    Direction, InputKind, Month, ObservedAt, ParamId, Scenario, Target, Threshold, metrics,
};
use crate::stats::weights;

/// A column of `outcomes.csv`: what it holds.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Input(ParamId),
    Scalar(&'static str),
    /// The annual figure of a series in a calendar year.
    Annual {
        series: usize,
        year: i32,
    },
    /// A series' value in one month (1-based).
    Monthly {
        series: usize,
        month: usize,
    },
    /// A conditioned path's log-weight: the log-likelihood of the observations (plus, when
    /// drawn from a proposal, the log of its prior-to-proposal ratio), ≤ 0.
    LogWeight,
    /// A conditioned path's weight, in units of [`weights::ONE`] until it is exported
    /// (normalised over the run).
    Weight,
}

/// The outcome table's layout and how to fill a row from a path.
pub struct Outcomes {
    names: Vec<String>,
    columns: Vec<Column>,
    /// Column of each target's value.
    target_columns: Vec<usize>,
    /// Column of each observation's value.
    observation_columns: Vec<usize>,
}

impl Outcomes {
    pub fn new(s: &Scenario, layout: &Layout) -> Self {
        let mut names = vec!["path".to_owned()];
        let mut columns = Vec::new();
        for (i, input) in s.inputs.iter().enumerate() {
            if input.kind == InputKind::Path && input.is_uncertain() {
                names.push(input.name.clone());
                columns.push(Column::Input(ParamId(i as u32)));
            }
        }
        for name in metrics::scalars() {
            names.push(name.to_owned());
            columns.push(Column::Scalar(name));
        }
        for (v, vendor) in s.vendors.iter().enumerate() {
            for year in s.start.year()..=s.horizon.year() {
                names.push(format!("revenue.{}.{year}", vendor.name));
                columns.push(Column::Annual {
                    series: layout.revenue(v),
                    year,
                });
            }
        }
        // A target on a series' annual figure: that series' figure for every year (the report
        // charts it over the years).
        for t in s.targets.iter().filter(|t| t.year.is_some()) {
            let series = layout.find(&t.metric).expect("validated metric");
            for year in s.start.year()..=s.horizon.year() {
                let col = Column::Annual { series, year };
                if !columns.contains(&col) {
                    names.push(format!("{}.{year}", t.metric));
                    columns.push(col);
                }
            }
        }
        let mut target_columns = Vec::new();
        for t in &s.targets {
            let col = match t.year {
                None => Column::Scalar(
                    metrics::scalars()
                        .find(|m| *m == t.metric)
                        .expect("validated metric"),
                ),
                Some(year) => Column::Annual {
                    series: layout.find(&t.metric).expect("validated metric"),
                    year,
                },
            };
            let at = columns.iter().position(|c| *c == col).unwrap_or_else(|| {
                names.push(format!("{}.{}", t.metric, t.year.unwrap_or_default()));
                columns.push(col);
                columns.len() - 1
            });
            target_columns.push(at);
        }
        let mut observation_columns = Vec::new();
        for o in &s.observations {
            let col = match o.at {
                ObservedAt::Path => Column::Scalar(
                    metrics::scalars()
                        .find(|m| *m == o.metric)
                        .expect("validated metric"),
                ),
                ObservedAt::Year(year) => Column::Annual {
                    series: layout.find(&o.metric).expect("validated metric"),
                    year,
                },
                ObservedAt::Month(m) => Column::Monthly {
                    series: layout.find(&o.metric).expect("validated metric"),
                    month: (m - s.start) as usize + 1,
                },
            };
            let at = columns.iter().position(|c| *c == col).unwrap_or_else(|| {
                names.push(o.column());
                columns.push(col);
                columns.len() - 1
            });
            observation_columns.push(at);
        }
        if !s.observations.is_empty() {
            names.extend(["log_weight".to_owned(), "weight".to_owned()]);
            columns.extend([Column::LogWeight, Column::Weight]);
        }
        Self {
            names,
            columns,
            target_columns,
            observation_columns,
        }
    }

    /// Whether paths are weighted by observations.
    pub fn weighted(&self) -> bool {
        self.columns.last() == Some(&Column::Weight)
    }

    /// The columns of the path's log-weight and weight, in a conditioned run.
    pub fn weight_columns(&self) -> Option<(usize, usize)> {
        self.weighted()
            .then(|| (self.columns.len() - 2, self.columns.len() - 1))
    }

    /// Weighs a conditioned path whose row is `row` (its observed values filled in) and whose
    /// inputs' log prior-to-sampling density ratio is `log_prior` (0 when drawn from the
    /// prior): fills its log-weight and weight (in units) and returns its units under the
    /// posterior and under the prior. An unconditioned path counts 1 in both.
    pub fn weigh(&self, s: &Scenario, row: &mut [f64], log_prior: f64) -> (u64, u64) {
        let Some((lw, w)) = self.weight_columns() else {
            return (1, 1);
        };
        let log_likelihood: f64 = s
            .observations
            .iter()
            .zip(&self.observation_columns)
            .map(|(o, c)| o.log_likelihood(row[*c]))
            .sum();
        let log_weight = log_likelihood + log_prior;
        let units = weights::units(log_weight);
        row[lw] = log_weight;
        row[w] = units as f64;
        (units, weights::units(log_prior))
    }

    /// Number of outcome columns (after `path`).
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The column of each observation's value, in the order of the scenario's observations.
    pub fn observation_columns(&self) -> &[usize] {
        &self.observation_columns
    }

    /// The column of each target's value, in the order of the scenario's targets.
    pub fn target_columns(&self) -> &[usize] {
        &self.target_columns
    }

    /// Column names, `path` first.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn row(&self, s: &Scenario, layout: &Layout, draws: &Draws, r: &PathResult) -> Vec<f64> {
        let (fy, fm) = (s.start.year(), s.start.month());
        self.columns
            .iter()
            .map(|c| match c {
                Column::Input(id) => draws.get(*id),
                Column::Scalar(name) => scalar(r, name),
                Column::Annual { series, year } => layout.annual(r, *series, (fy, fm), *year),
                Column::Monthly { series, month } => r.get(*series, *month),
                Column::LogWeight | Column::Weight => f64::NAN,
            })
            .collect()
    }
}

/// A scalar outcome by name; months as 1-based indices, "never" as +∞, booleans as 0/1.
fn scalar(r: &PathResult, name: &str) -> f64 {
    let month = |m: Option<u32>| m.map_or(f64::INFINITY, f64::from);
    let s = &r.scalars;
    match name {
        "collapse_factor" => s.collapse_factor,
        "month_100x" => month(s.month_100x),
        "month_zero_marginal" => month(s.month_zero_marginal),
        "volume_growth" => s.volume_growth,
        "price_decline" => s.price_decline,
        "revenue_stall" => f64::from(u8::from(s.revenue_stall)),
        _ => unreachable!("every scalar is listed in metrics::SCALAR_KINDS"),
    }
}

/// Whether path value `x` meets a target.
pub(super) fn meets(s: &Scenario, t: &Target, x: f64) -> bool {
    let threshold = match t.threshold {
        Threshold::Number(v) => v,
        Threshold::Month(m) => month_index(s, m),
    };
    match t.direction {
        Direction::AtLeast => x >= threshold,
        Direction::AtMost => x <= threshold,
    }
}

/// The 1-based month index of calendar month `m`.
pub fn month_index(s: &Scenario, m: Month) -> f64 {
    f64::from(m - s.start + 1)
}

/// The header of `outcomes.csv` for `s`: `path`, then the outcome columns.
pub fn outcome_names(s: &Scenario) -> Vec<String> {
    Outcomes::new(s, &Layout::new(s)).names
}
