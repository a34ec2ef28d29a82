//! What one path produces: monthly series, annual figures and scalars (DESIGN.md §3.8).

use crate::scenario::metrics::{self, Annual, Per, Series};
use crate::scenario::{Scenario, SegmentKind};

/// Positions of the monthly series in a [`PathResult`], in the order of the table of series
/// kinds ([`Series::ALL`]): market series once, vendor series once per vendor, segment series
/// once per segment (2 segments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Position of the first series of each kind, indexed by `Series as usize`.
    starts: [usize; Series::ALL.len()],
    names: Vec<String>,
}

impl Layout {
    /// The layout of `scenario`'s series.
    pub fn new(scenario: &Scenario) -> Self {
        let vendors: Vec<&str> = scenario.vendors.iter().map(|v| v.name.as_str()).collect();
        let segments: Vec<&str> = SegmentKind::ALL.iter().map(|s| s.name()).collect();
        let mut starts = [0; Series::ALL.len()];
        let mut at = 0;
        for s in Series::ALL {
            starts[s as usize] = at;
            at += match s.kind().per {
                Per::Market => 1,
                Per::Vendor => vendors.len(),
                Per::Segment => segments.len(),
            };
        }
        Self {
            starts,
            names: metrics::series(vendors.iter().copied(), &segments),
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

    /// Position of series `kind` of vendor or segment `who` (0 for a market series).
    pub fn at(&self, kind: Series, who: usize) -> usize {
        self.starts[kind as usize] + who
    }

    pub fn cost_hw(&self) -> usize {
        self.at(Series::CostHw, 0)
    }
    pub fn capability(&self) -> usize {
        self.at(Series::Capability, 0)
    }
    pub fn cost_per_task_ref(&self) -> usize {
        self.at(Series::CostPerTaskRef, 0)
    }
    pub fn cost_per_task(&self, s: usize) -> usize {
        self.at(Series::CostPerTask, s)
    }
    pub fn price_blended(&self) -> usize {
        self.at(Series::PriceBlended, 0)
    }
    pub fn price_frontier(&self) -> usize {
        self.at(Series::PriceFrontier, 0)
    }
    pub fn price(&self, v: usize) -> usize {
        self.at(Series::Price, v)
    }
    pub fn tokens_total(&self) -> usize {
        self.at(Series::TokensTotal, 0)
    }
    pub fn tokens_paid(&self) -> usize {
        self.at(Series::TokensPaid, 0)
    }
    pub fn tokens_device(&self) -> usize {
        self.at(Series::TokensDevice, 0)
    }
    pub fn tokens(&self, v: usize) -> usize {
        self.at(Series::Tokens, v)
    }
    pub fn revenue_total(&self) -> usize {
        self.at(Series::RevenueTotal, 0)
    }
    pub fn revenue(&self, v: usize) -> usize {
        self.at(Series::Revenue, v)
    }
    pub fn revenue_hosts(&self) -> usize {
        self.at(Series::RevenueHosts, 0)
    }
    pub fn margin(&self, v: usize) -> usize {
        self.at(Series::Margin, v)
    }
    pub fn adoption(&self, s: usize) -> usize {
        self.at(Series::Adoption, s)
    }
    pub fn ambient(&self, s: usize) -> usize {
        self.at(Series::Ambient, s)
    }
    pub fn commitment_share(&self, v: usize) -> usize {
        self.at(Series::CommitmentShare, v)
    }
    /// Number of series.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// Never true: there are always the market-wide series.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The annual figure of the series at `position` in calendar year `year` (DESIGN.md §3.6),
    /// by its kind's rule: the sum for a flow, revenue over tokens for a price, the December
    /// (last simulated) value for a state. `(first_year, first_month)` is the calendar month
    /// of month 1.
    pub fn annual(
        &self,
        r: &PathResult,
        position: usize,
        (first_year, first_month): (i32, u32),
        year: i32,
    ) -> f64 {
        let kind = Series::ALL
            .iter()
            .rev()
            .find(|s| self.starts[**s as usize] <= position)
            .copied()
            .expect("the first kind starts at 0");
        let who = position - self.starts[kind as usize];
        let sum = |i: usize| r.annual_sum(i, first_year, first_month, year);
        match kind.kind().annual {
            Annual::Flow => sum(position),
            Annual::Price { revenue, tokens } => {
                let who = if kind.kind().per == Per::Market {
                    0
                } else {
                    who
                };
                sum(self.at(revenue, who)) / sum(self.at(tokens, who)) * 1e6
            }
            Annual::State => r.annual_last(position, first_year, first_month, year),
        }
    }
}

/// A discrete event of a path, as `explain`'s timeline shows it (indices refer to the
/// scenario's lists).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimelineEvent {
    /// Hardware generation `generation` (of `Hardware::generations`) becomes available; its
    /// cost per token is `cost_factor` times the previous generation's.
    Generation { generation: usize, cost_factor: f64 },
    /// Efficiency release `release` starts its ramp.
    Efficiency {
        release: usize,
        token_factor: f64,
        reach: f64,
    },
    /// Vendor `vendor` launches at `price` ($ per million tokens).
    Launch {
        vendor: usize,
        price: f64,
        open_weights: bool,
    },
    /// Device `device` is released at `price` (amortized $ per million tokens).
    Device { device: usize, price: f64 },
    /// Shock `shock` multiplies its target by `factor`.
    Shock { shock: usize, factor: f64 },
    /// Vendor `vendor` switches to committed spend after a year of this revenue and token
    /// growth (fractions: 0.1 = +10%).
    CommitmentSwitch {
        vendor: usize,
        revenue_growth: f64,
        token_growth: f64,
    },
    /// Half the enterprise firms (weighted) would rather run AI than decide whether to.
    ZeroMarginal,
}

/// A timeline event and when it happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelineEntry {
    /// Months since start.
    pub time: f64,
    pub event: TimelineEvent,
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
    pub timeline: Vec<TimelineEntry>,
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
