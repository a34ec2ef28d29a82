//! One plan on one path: its terms and billing, how its subscribers respond, and what it does
//! month by month (see [`super::simulate`]).

use crate::model::PathResult;
use crate::sample::Draws;
use crate::scenario::{Included, Overage, Plan, UsageGrowth};

/// Weeks in a month on average (365.25 / 7 / 12): a weekly cap is applied as this many weeks
/// of it per month.
pub const WEEKS_PER_MONTH: f64 = 365.25 / 84.0;

/// What the fee includes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Allowance {
    /// Million tokens per month.
    Tokens(f64),
    /// $ per month of usage at the vendor's API price: credits / price tokens that month.
    Credits(f64),
    Unlimited,
}

/// The price of usage beyond the allowance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OveragePrice {
    /// $ per million tokens.
    Fixed(f64),
    /// The vendor's API price that month.
    Api,
}

/// A plan's terms on one path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Terms {
    /// $ per month.
    pub fee: f64,
    pub included: Allowance,
    /// Without it, usage beyond the allowance is not served (the plan throttles).
    pub overage: Option<OveragePrice>,
    /// Hard monthly limit, million tokens: usage beyond it is not served.
    pub cap: Option<f64>,
    /// Weekly limit, million tokens, applied as [`WEEKS_PER_MONTH`] times it per month.
    pub weekly_cap: Option<f64>,
}

/// What a month's bill depends on beyond the terms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices {
    /// The vendor's API price, $ per million tokens (finite and positive).
    pub api: f64,
    /// ε: usage beyond the allowance scales by min(1, (overage / api)^(−ε)).
    pub elasticity: f64,
}

impl Prices {
    /// No response to prices, at API price `api`.
    pub fn at(api: f64) -> Self {
        Self {
            api,
            elasticity: 0.0,
        }
    }
}

/// One subscriber's month under a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bill {
    /// Million tokens served (what costs the vendor).
    pub served: f64,
    /// $ billed beyond the fee.
    pub overage: f64,
    /// The subscriber wanted more than the fee covers (the allowance or a cap).
    pub limited: bool,
}

impl Terms {
    /// Million tokens the fee includes at API price `api` (`None`: unlimited).
    pub fn allowance(&self, api: f64) -> Option<f64> {
        match self.included {
            Allowance::Tokens(x) => Some(x),
            Allowance::Credits(c) => Some(c / api),
            Allowance::Unlimited => None,
        }
    }

    /// $ per million tokens beyond the allowance at API price `api`.
    pub fn overage_price(&self, api: f64) -> Option<f64> {
        self.overage.map(|o| match o {
            OveragePrice::Fixed(x) => x,
            OveragePrice::Api => api,
        })
    }

    /// The monthly limit of the caps (`None`: no cap).
    pub fn limit(&self) -> Option<f64> {
        match (self.cap, self.weekly_cap) {
            (Some(c), Some(w)) => Some(c.min(w * WEEKS_PER_MONTH)),
            (Some(c), None) => Some(c),
            (None, Some(w)) => Some(w * WEEKS_PER_MONTH),
            (None, None) => None,
        }
    }

    /// Bills a subscriber who desires `usage` million tokens this month (see
    /// [`MonthTerms::bill`]).
    pub fn bill(&self, usage: f64, prices: Prices) -> Bill {
        self.month(prices).bill(usage)
    }

    /// The terms as they stand in a month of `prices`.
    pub fn month(&self, prices: Prices) -> MonthTerms {
        let included = self.allowance(prices.api);
        let price = self.overage_price(prices.api);
        let mut scale = 1.0;
        if let (Some(_), Some(o)) = (included, price)
            && prices.elasticity > 0.0
        {
            scale = (o / prices.api).powf(-prices.elasticity).min(1.0);
        }
        let limit = self.limit();
        MonthTerms {
            fee: self.fee,
            included,
            price,
            limit,
            covered: match (limit, included) {
                (Some(l), Some(i)) => l.min(i),
                (Some(l), None) => l,
                (None, Some(i)) => i,
                (None, None) => f64::INFINITY,
            },
            scale,
        }
    }

    /// The terms of `plan` on a path.
    pub fn of(plan: &Plan, draws: &Draws) -> Self {
        Terms {
            fee: draws.get(plan.fee),
            included: match plan.included {
                Included::Limited(id) => Allowance::Tokens(draws.get(id)),
                Included::Credits(id) => Allowance::Credits(draws.get(id)),
                Included::Unlimited => Allowance::Unlimited,
            },
            overage: plan.overage.map(|o| match o {
                Overage::Price(id) => OveragePrice::Fixed(draws.get(id)),
                Overage::Api => OveragePrice::Api,
            }),
            cap: plan.cap.map(|id| draws.get(id)),
            weekly_cap: plan.weekly_cap.map(|id| draws.get(id)),
        }
    }
}

/// A plan's terms in one month: the allowance and overage price at that month's API price,
/// and the share of usage beyond the allowance that subscribers keep at that overage price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthTerms {
    pub fee: f64,
    pub included: Option<f64>,
    pub price: Option<f64>,
    pub limit: Option<f64>,
    /// What the fee covers: the allowance or the caps, whichever is lower.
    pub covered: f64,
    /// min(1, (overage / API price)^(−ε)).
    pub scale: f64,
}

impl MonthTerms {
    /// Bills a subscriber who desires `usage` million tokens this month. Beyond the
    /// allowance, with an overage price, the subscriber uses only
    /// `allowance + (usage − allowance) · scale`; the caps then limit what is served, and
    /// without an overage price nothing beyond the allowance is.
    #[inline]
    pub fn bill(&self, usage: f64) -> Bill {
        let mut wanted = usage;
        if self.scale < 1.0
            && let Some(inc) = self.included
            && usage > inc
        {
            wanted = inc + (usage - inc) * self.scale;
        }
        let mut served = self.limit.map_or(wanted, |cap| wanted.min(cap));
        let mut overage = 0.0;
        if let Some(included) = self.included {
            match self.price {
                Some(price) => overage = price * (served - included).max(0.0),
                None => served = served.min(included),
            }
        }
        Bill {
            served,
            overage,
            limited: usage > self.covered,
        }
    }
}

/// How a plan's subscribers respond to its prices on a path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Response {
    /// ε of usage beyond the allowance with respect to the overage price.
    pub elasticity: f64,
    /// $ per month by which a bill may exceed the same usage at the cheapest API price
    /// before the subscriber leaves (`None`: never leaves for price).
    pub switch_threshold: Option<f64>,
    /// Monthly probability of leaving once over the threshold.
    pub switch_rate: f64,
    /// Months over the plan's limit before a move to the next tier.
    pub upgrade_after: u32,
    /// Monthly probability of that move.
    pub upgrade_rate: f64,
}

impl Response {
    /// Subscribers who consume what they desire and never leave or move for price.
    pub const NONE: Response = Response {
        elasticity: 0.0,
        switch_threshold: None,
        switch_rate: 0.0,
        upgrade_after: 1,
        upgrade_rate: 0.0,
    };

    /// The response of `plan`'s subscribers on a path.
    pub fn of(plan: &Plan, draws: &Draws) -> Self {
        let r = &plan.response;
        let get = |id: Option<crate::scenario::ParamId>, default: f64| {
            id.map_or(default, |id| draws.get(id))
        };
        Response {
            elasticity: get(r.overage_elasticity, 0.0),
            switch_threshold: r.switch_threshold.map(|id| draws.get(id)),
            switch_rate: get(r.switch_rate, 1.0),
            upgrade_after: get(r.upgrade_after, 1.0).round().max(1.0) as u32,
            upgrade_rate: get(r.upgrade_rate, 0.0),
        }
    }
}

/// A plan's figures of one calendar year on one path (per simulated subscriber sample; a
/// subscriber moved in from another tier counts in proportion to the subscribers it stands
/// for).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Year {
    /// Fees and overage billed.
    pub revenue: f64,
    /// Overage billed.
    pub overage: f64,
    /// Tokens served × serving cost.
    pub cost: f64,
    /// Subscriber-months billed.
    pub subscriber_months: f64,
    /// Subscribers who left for price.
    pub left_for_price: f64,
    /// Subscribers replaced by base churn.
    pub churned: f64,
    /// Subscribers who moved up to the next tier.
    pub upgraded: f64,
    /// Newcomers who took a place left for price.
    pub joined: f64,
}

impl Year {
    /// The fee at which this year's revenue would equal its cost (overage unchanged).
    pub fn break_even_fee(&self) -> f64 {
        (self.cost - self.overage) / self.subscriber_months
    }
}

/// What one plan does on one path.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanPath {
    /// Gross margin, (revenue − cost) / revenue, per month (NaN without revenue).
    pub margin: Vec<f64>,
    /// Share of subscribers who cost more than they pay, per month.
    pub loss_share: Vec<f64>,
    /// The top 5% subscribers' (by usage) share of the plan's serving cost, per month.
    pub top5_share: Vec<f64>,
    /// Subscribers on the plan at the end of each month, as a share of `subscribers`.
    pub occupancy: Vec<f64>,
    /// Per calendar year of the run.
    pub years: Vec<Year>,
    /// Per usage-growth multiplier of the grid, the final year's figures at fee multiplier 1.
    pub grid: Vec<Year>,
}

impl PlanPath {
    /// Whether the final year loses money with the fee multiplied by `k`, for grid column `j`.
    pub fn loses(&self, k: f64, j: usize) -> bool {
        let y = &self.grid[j];
        k * (y.revenue - y.overage) + y.overage < y.cost
    }
}

/// The cumulative usage growth per month of `plan` on a path: a yearly factor compounded
/// monthly, or (`"model"`) the path's tokens per adopted firm of the plan's segment relative
/// to the first month with adopters.
pub fn growth_path(plan: &Plan, draws: &Draws, r: &PathResult) -> Vec<f64> {
    let months = r.months;
    match plan.usage_growth {
        UsageGrowth::Factor(id) => {
            let g = draws.get(id);
            (0..months).map(|m| g.powf(m as f64 / 12.0)).collect()
        }
        UsageGrowth::Model => {
            let s = plan.segment as usize;
            let per = &r.tokens_per_adopter[s * months..(s + 1) * months];
            let mut first = None;
            let mut last = 1.0;
            per.iter()
                .map(|t| {
                    if t.is_finite() && *t > 0.0 {
                        let t0 = *first.get_or_insert(*t);
                        last = t / t0;
                    }
                    last
                })
                .collect()
        }
    }
}

/// `series` with its gaps (non-finite or non-positive values: a vendor's price before it
/// launches) filled by the nearest value before, else after; `fallback` where it has none.
pub fn filled(series: &[f64], fallback: &[f64]) -> Vec<f64> {
    let ok = |x: &f64| x.is_finite() && *x > 0.0;
    let Some(first) = series.iter().copied().find(ok) else {
        return fallback.to_vec();
    };
    let mut last = first;
    series
        .iter()
        .map(|x| {
            if ok(x) {
                last = *x;
            }
            last
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(fee: f64) -> Terms {
        Terms {
            fee,
            included: Allowance::Unlimited,
            overage: None,
            cap: None,
            weekly_cap: None,
        }
    }

    fn bill(served: f64, overage: f64, limited: bool) -> Bill {
        Bill {
            served,
            overage,
            limited,
        }
    }

    #[test]
    fn billing_by_hand() {
        let p = Prices::at(6.0);
        // $20 with 10M included, $4/M beyond, capped at 100M.
        let t = Terms {
            fee: 20.0,
            included: Allowance::Tokens(10.0),
            overage: Some(OveragePrice::Fixed(4.0)),
            cap: Some(100.0),
            weekly_cap: None,
        };
        assert_eq!(t.bill(6.0, p), bill(6.0, 0.0, false));
        assert_eq!(t.bill(25.0, p), bill(25.0, 60.0, true));
        // Beyond the cap nothing more is served or billed: 90M over the included 10M.
        assert_eq!(t.bill(250.0, p), bill(100.0, 360.0, true));
        // Included without an overage price: the plan stops serving at the included amount.
        let throttled = Terms { overage: None, ..t };
        assert_eq!(throttled.bill(25.0, p), bill(10.0, 0.0, true));
        // Unlimited, uncapped: everything is served for the fee.
        assert_eq!(flat(200.0).bill(1e4, p), bill(1e4, 0.0, false));
        // Unlimited with a cap.
        let capped = Terms {
            cap: Some(50.0),
            ..flat(200.0)
        };
        assert_eq!(capped.bill(80.0, p), bill(50.0, 0.0, true));
        // A weekly cap of 10M is 43.48M a month, below a monthly cap of 50M.
        let weekly = Terms {
            weekly_cap: Some(10.0),
            ..capped
        };
        let w = 10.0 * 365.25 / 84.0;
        assert_eq!(weekly.bill(80.0, p), bill(w, 0.0, true));
        assert_eq!(weekly.bill(40.0, p), bill(40.0, 0.0, false));
        // $30 of credits at $6/M include 5M tokens; beyond them, the API price.
        let credits = Terms {
            included: Allowance::Credits(30.0),
            overage: Some(OveragePrice::Api),
            cap: None,
            ..t
        };
        assert_eq!(credits.bill(8.0, p), bill(8.0, 18.0, true));
    }

    #[test]
    fn elasticity_scales_only_usage_beyond_the_allowance_and_never_raises_it() {
        let t = Terms {
            fee: 20.0,
            included: Allowance::Tokens(10.0),
            overage: Some(OveragePrice::Fixed(8.0)),
            cap: None,
            weekly_cap: None,
        };
        let p = Prices {
            api: 2.0,
            elasticity: 0.5,
        };
        // (8 / 2)^(−0.5) = 1/2: of the 30M beyond the allowance, 15M are used.
        assert_eq!(t.bill(40.0, p), bill(25.0, 120.0, true));
        assert_eq!(t.bill(9.0, p).served, 9.0);
        // An overage below the API price does not raise usage above what is desired.
        let cheap = Prices {
            api: 16.0,
            elasticity: 0.5,
        };
        assert_eq!(t.bill(40.0, cheap).served, 40.0);
    }

    #[test]
    fn gaps_are_filled_from_the_nearest_price() {
        let nan = f64::NAN;
        assert_eq!(
            filled(&[nan, 3.0, nan, 2.0], &[9.0; 4]),
            vec![3.0, 3.0, 3.0, 2.0]
        );
        assert_eq!(filled(&[nan, nan], &[1.0, 2.0]), vec![1.0, 2.0]);
    }
}
