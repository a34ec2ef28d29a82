//! What one path produces: monthly series, annual figures and scalars (DESIGN.md §3.8).

use crate::scenario::{Scenario, metrics};

/// Positions of the monthly series in a [`PathResult`], in the order of
/// [`metrics::series`]. Built from the scenario's vendor count (2 segments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    vendors: usize,
    names: Vec<String>,
}

const SEGMENTS: usize = 2;

impl Layout {
    /// The layout of `scenario`'s series.
    pub fn new(scenario: &Scenario) -> Self {
        let vendors: Vec<&str> = scenario.vendors.iter().map(|v| v.name.as_str()).collect();
        let segs = ["enterprise", "developer"];
        Self {
            vendors: vendors.len(),
            names: metrics::series(vendors.iter().copied(), &segs),
        }
    }

    /// Series names, by position.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Position of the series called `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn cost_hw(&self) -> usize {
        0
    }
    pub fn capability(&self) -> usize {
        1
    }
    pub fn cost_per_task_ref(&self) -> usize {
        2
    }
    pub fn cost_per_task(&self, s: usize) -> usize {
        3 + s
    }
    pub fn price_blended(&self) -> usize {
        3 + SEGMENTS
    }
    pub fn price_frontier(&self) -> usize {
        4 + SEGMENTS
    }
    pub fn price(&self, v: usize) -> usize {
        5 + SEGMENTS + v
    }
    pub fn tokens_total(&self) -> usize {
        5 + SEGMENTS + self.vendors
    }
    pub fn tokens_paid(&self) -> usize {
        self.tokens_total() + 1
    }
    pub fn tokens_device(&self) -> usize {
        self.tokens_total() + 2
    }
    pub fn tokens(&self, v: usize) -> usize {
        self.tokens_total() + 3 + v
    }
    pub fn revenue_total(&self) -> usize {
        self.tokens_total() + 3 + self.vendors
    }
    pub fn revenue(&self, v: usize) -> usize {
        self.revenue_total() + 1 + v
    }
    pub fn revenue_hosts(&self) -> usize {
        self.revenue_total() + 1 + self.vendors
    }
    pub fn margin(&self, v: usize) -> usize {
        self.revenue_hosts() + 1 + v
    }
    pub fn adoption(&self, s: usize) -> usize {
        self.revenue_hosts() + 1 + self.vendors + s
    }
    pub fn ambient(&self, s: usize) -> usize {
        self.adoption(0) + SEGMENTS + s
    }
    pub fn commitment_share(&self, v: usize) -> usize {
        self.ambient(0) + SEGMENTS + v
    }
    /// Number of series.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// Never true: there are always the market-wide series.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The scalar outcomes of a path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scalars {
    /// `cost_per_task_ref` of the first month / that of the `collapse_date` month.
    pub collapse_factor: f64,
    /// First month (1-based index) whose reference cost is ≤ 1/100 of the first month's.
    pub month_100x: Option<u32>,
    /// First month in which at least half the enterprise firms (weighted) have `K·c_fix ≤ D`.
    pub month_zero_marginal: Option<u32>,
    /// Paid tokens of the last full calendar year / those of the first.
    pub volume_growth: f64,
    /// Annual blended price of the first full year / that of the last.
    pub price_decline: f64,
    /// Volume growth below the price decline: paid revenue fell.
    pub revenue_stall: bool,
}

/// A dated event of the timeline `explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedEvent {
    /// Months since start.
    pub time: f64,
    pub what: String,
}

/// Everything one path produces.
#[derive(Debug, Clone, PartialEq)]
pub struct PathResult {
    /// Number of months.
    pub months: usize,
    /// `values[series * months + (month - 1)]`, series positions from [`Layout`].
    /// A vendor's price before it launches, and margins without revenue, are NaN.
    pub values: Vec<f64>,
    pub scalars: Scalars,
    /// Events processed, cohort reviews counted one by one.
    pub events: u64,
    /// Cohort reviews among them.
    pub cohort_reviews: u64,
    /// The dated timeline (only with `record_events`).
    pub timeline: Vec<LoggedEvent>,
    /// Each vendor's serving cost `c_v` per month ($ per million tokens), `v * months + m - 1`:
    /// what a subscription plan's tokens cost (DESIGN.md §5).
    pub vendor_cost: Vec<f64>,
    /// Tokens per adopted firm of each segment per month (enterprise, developer),
    /// `s * months + m - 1`; NaN while no firm has adopted. A plan's `usage_growth = "model"`.
    pub tokens_per_adopter: Vec<f64>,
}

impl PathResult {
    /// The value of `series` in month `month` (1-based).
    pub fn get(&self, series: usize, month: usize) -> f64 {
        self.values[series * self.months + month - 1]
    }

    /// The whole monthly series.
    pub fn series(&self, series: usize) -> &[f64] {
        &self.values[series * self.months..(series + 1) * self.months]
    }

    /// Sum of a flow series over the months of calendar year `year` that were simulated
    /// (`first_year` is the calendar year of month 1, `first_month` its month of the year).
    pub fn annual_sum(&self, series: usize, first_year: i32, first_month: u32, year: i32) -> f64 {
        self.year_months(first_year, first_month, year)
            .map(|m| self.get(series, m))
            .sum()
    }

    /// The December (or last simulated) value of a state series in `year`.
    pub fn annual_last(&self, series: usize, first_year: i32, first_month: u32, year: i32) -> f64 {
        self.year_months(first_year, first_month, year)
            .last()
            .map_or(f64::NAN, |m| self.get(series, m))
    }

    /// The 1-based months of calendar year `year`.
    fn year_months(
        &self,
        first_year: i32,
        first_month: u32,
        year: i32,
    ) -> impl Iterator<Item = usize> + use<> {
        let offset = (year - first_year) * 12 - (first_month as i32 - 1);
        let months = self.months as i32;
        (offset + 1..=offset + 12)
            .filter(move |m| *m >= 1 && *m <= months)
            .map(|m| m as usize)
    }
}
