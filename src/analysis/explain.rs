//! The explain summary: the median path's dated timeline (with names), its quarterly figures,
//! and the decomposition of its collapse factor.

use crate::explain::{Decomposition, Explanation};
use crate::model::{Layout, TimelineEvent};
use crate::scenario::{Scenario, ShockTarget};

/// What a shock multiplies, by name.
#[derive(Debug, Clone, PartialEq)]
pub enum ShockOn {
    /// The serving cost from then on.
    Cost,
    /// A segment's demand from then on.
    Demand(String),
    /// A vendor's price, once.
    Price(String),
}

/// A discrete event of the median path, with the names of what it concerns.
#[derive(Debug, Clone, PartialEq)]
pub enum Happening {
    Generation {
        name: String,
        cost_factor: f64,
    },
    Efficiency {
        name: String,
        token_factor: f64,
        reach: f64,
    },
    Launch {
        vendor: String,
        price: f64,
        open_weights: bool,
    },
    Device {
        name: String,
        price: f64,
    },
    Shock {
        name: String,
        on: ShockOn,
        factor: f64,
    },
    CommitmentSwitch {
        vendor: String,
        revenue_growth: f64,
        token_growth: f64,
    },
    ZeroMarginal,
}

/// A happening and the month it happened in (`"YYYY-MM"`).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineItem {
    pub month: String,
    pub what: Happening,
}

/// One quarter of the median path: the figures of its last month, revenue summed over it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quarter {
    /// `2026-Q3`.
    pub label: String,
    pub cost_per_task_ref: f64,
    pub price_blended: f64,
    pub price_frontier: f64,
    pub tokens_total: f64,
    /// Enterprise, developer.
    pub adoption: [f64; 2],
    pub ambient: [f64; 2],
    /// Per vendor, in the scenario's order.
    pub revenue: Vec<f64>,
    pub revenue_hosts: f64,
    pub revenue_total: f64,
}

/// Everything `explain` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct ExplainSummary {
    pub scenario: String,
    pub seed: u64,
    pub vendors: Vec<String>,
    pub events: u64,
    pub cohort_reviews: u64,
    pub timeline: Vec<TimelineItem>,
    pub quarters: Vec<Quarter>,
    /// `[reference]`: tokens of the reference task, and its capability.
    pub reference_tokens: f64,
    pub reference_capability: f64,
    pub start: String,
    pub collapse_date: String,
    pub decomposition: Decomposition,
    pub month_100x: Option<String>,
    pub month_zero_marginal: Option<String>,
    pub volume_growth: f64,
    pub price_decline: f64,
    pub revenue_stall: bool,
}

/// The happening of a timeline event of `s`.
fn happening(s: &Scenario, e: TimelineEvent) -> Happening {
    match e {
        TimelineEvent::Generation {
            generation,
            cost_factor,
        } => Happening::Generation {
            name: s.hardware.generations[generation].name.clone(),
            cost_factor,
        },
        TimelineEvent::Efficiency {
            release,
            token_factor,
            reach,
        } => Happening::Efficiency {
            name: s.efficiency[release].name.clone(),
            token_factor,
            reach,
        },
        TimelineEvent::Launch {
            vendor,
            price,
            open_weights,
        } => Happening::Launch {
            vendor: s.vendors[vendor].name.clone(),
            price,
            open_weights,
        },
        TimelineEvent::Device { device, price } => Happening::Device {
            name: s.devices[device].name.clone(),
            price,
        },
        TimelineEvent::Shock { shock, factor } => {
            let k = &s.shocks[shock];
            let on = match k.target {
                ShockTarget::Cost => ShockOn::Cost,
                ShockTarget::Demand(seg) => ShockOn::Demand(seg.name().to_owned()),
                ShockTarget::Price(v) => ShockOn::Price(s.vendors[v].name.clone()),
            };
            Happening::Shock {
                name: k.name.clone(),
                on,
                factor,
            }
        }
        TimelineEvent::CommitmentSwitch {
            vendor,
            revenue_growth,
            token_growth,
        } => Happening::CommitmentSwitch {
            vendor: s.vendors[vendor].name.clone(),
            revenue_growth,
            token_growth,
        },
        TimelineEvent::ZeroMarginal => Happening::ZeroMarginal,
    }
}

/// The quarters of a path of `months` months: each quarter's last month (and the last month).
fn quarters(s: &Scenario, l: &Layout, e: &Explanation) -> Vec<Quarter> {
    let p = &e.path;
    let sum = |series: usize, month: usize| -> f64 {
        (month.saturating_sub(2).max(1)..=month)
            .map(|m| p.get(series, m))
            .sum()
    };
    (1..=p.months)
        .filter(|m| s.start.plus(*m as i32 - 1).month().is_multiple_of(3) || *m == p.months)
        .map(|m| {
            let date = s.start.plus(m as i32 - 1);
            Quarter {
                label: format!("{}-Q{}", date.year(), date.month().div_ceil(3)),
                cost_per_task_ref: p.get(l.cost_per_task_ref(), m),
                price_blended: p.get(l.price_blended(), m),
                price_frontier: p.get(l.price_frontier(), m),
                tokens_total: p.get(l.tokens_total(), m),
                adoption: [p.get(l.adoption(0), m), p.get(l.adoption(1), m)],
                ambient: [p.get(l.ambient(0), m), p.get(l.ambient(1), m)],
                revenue: (0..s.vendors.len()).map(|v| sum(l.revenue(v), m)).collect(),
                revenue_hosts: sum(l.revenue_hosts(), m),
                revenue_total: sum(l.revenue_total(), m),
            }
        })
        .collect()
}

impl ExplainSummary {
    /// The summary of explanation `e` of `s`.
    pub fn new(s: &Scenario, e: &Explanation) -> Self {
        let p = &e.path;
        let month = |m: Option<u32>| m.map(|m| s.start.plus(m as i32 - 1).to_string());
        Self {
            scenario: s.name.clone(),
            seed: s.seed,
            vendors: s.vendors.iter().map(|v| v.name.clone()).collect(),
            events: p.events,
            cohort_reviews: p.cohort_reviews,
            timeline: p
                .timeline
                .iter()
                .map(|entry| TimelineItem {
                    // The calendar month containing the event's time.
                    month: s.start.plus(entry.time.floor() as i32).to_string(),
                    what: happening(s, entry.event),
                })
                .collect(),
            quarters: quarters(s, &Layout::new(s), e),
            reference_tokens: s.reference.tokens,
            reference_capability: s.reference.capability,
            start: s.start.to_string(),
            collapse_date: s.collapse_date.to_string(),
            decomposition: e.decomposition,
            month_100x: month(p.scalars.month_100x),
            month_zero_marginal: month(p.scalars.month_zero_marginal),
            volume_growth: p.scalars.volume_growth,
            price_decline: p.scalars.price_decline,
            revenue_stall: p.scalars.revenue_stall,
        }
    }
}
