//! The accepted range of every number of a scenario, and why: one table that the checks of
//! `build/` read and the README's "Limits of accepted input" shows (a test keeps the README
//! table equal to `tests::readme_table`).
//!
//! Each number has two requirements:
//! * its **range** (a price > 0, a share in [0, 1], a review at most daily), required of the
//!   distribution's whole support, so that `{ dist = "normal", ... }` for a price is refused
//!   with a hint to truncate it with `min`;
//! * its **draws** (at most 1e6 $ per million tokens, ...), required of the most extreme
//!   values a draw can produce, `quantile(0)` and `quantile(1)` (the 1e-16 tails, see
//!   [`Dist::quantile`](super::Dist)): a long-tailed distribution such as a lognormal passes
//!   without `max` when even its far tail stays within the bound.
//!
//! The draws' bounds are there so that every accepted scenario runs in bounded time and
//! memory and computes numbers, not infinities: a review every 1e-17 months never ends,
//! a price of 1e308 overflows when marked up.

use super::dist::{Dist, Marginal};

/// The allowed range of a number, checked against a distribution's whole support.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Range {
    pub lo: f64,
    pub lo_open: bool,
    pub hi: f64,
    pub hi_open: bool,
    /// "a number > 0": what the messages say was expected.
    pub what: &'static str,
}

pub(crate) const ANY: Range = Range {
    lo: f64::NEG_INFINITY,
    lo_open: false,
    hi: f64::INFINITY,
    hi_open: false,
    what: "a number",
};
pub(crate) const POSITIVE: Range = Range {
    lo: 0.0,
    lo_open: true,
    what: "a number > 0",
    ..ANY
};
pub(crate) const NON_NEG: Range = Range {
    lo: 0.0,
    what: "a number ≥ 0",
    ..ANY
};
pub(crate) const SHARE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    what: "a share in [0, 1]",
    ..ANY
};
pub(crate) const AT_LEAST_ONE: Range = Range {
    lo: 1.0,
    what: "a number ≥ 1",
    ..ANY
};
const ADJUSTMENT: Range = Range {
    lo: 0.0,
    lo_open: true,
    hi: 1.0,
    what: "a number in (0, 1]",
    ..ANY
};
const DISCOUNT: Range = Range {
    lo: 0.0,
    hi: 1.0,
    hi_open: true,
    what: "a share in [0, 1)",
    ..ANY
};
const ABOVE_MINUS_ONE: Range = Range {
    lo: -1.0,
    lo_open: true,
    what: "a number > -1 (a price above zero)",
    ..ANY
};
const GROWTH: Range = Range {
    lo: -1.0,
    what: "a growth rate ≥ -1",
    ..ANY
};
const TERM: Range = Range {
    lo: 1.0,
    what: "a term of at least 1 month",
    ..ANY
};
/// A price review at most daily.
const REVIEW_INTERVAL: Range = Range {
    lo: 1.0 / 30.0,
    what: "an interval of at least 1/30 month (a price review at most daily: a path reviews every vendor's price that often, and a shorter interval makes its work unbounded)",
    ..ANY
};
const KAPPA: Range = Range {
    lo: 1.0,
    what: "a number ≥ 1 (a model one frontier-year ahead costs κ times as much to serve; below 1 better models would be cheaper)",
    ..ANY
};

impl Range {
    /// Whether `dist` stays in range. An open bound may be touched by a continuous
    /// distribution (it has no mass there) but not by a discrete one.
    pub fn admits(&self, dist: &Dist) -> Result<(), String> {
        let (lo, hi) = dist.support();
        let continuous = !dist.is_discrete();
        let lo_ok = lo > self.lo || (lo == self.lo && (!self.lo_open || continuous));
        let hi_ok = hi < self.hi || (hi == self.hi && (!self.hi_open || continuous));
        if lo_ok && hi_ok {
            return Ok(());
        }
        if dist.is_fixed() {
            return Err(format!(
                "expected {}, found {}",
                self.what,
                num(dist.median())
            ));
        }
        let (side, bound, key) = if lo_ok {
            ("up to", hi, "max")
        } else {
            ("down to", lo, "min")
        };
        Err(format!(
            "expected {}, but {} takes values {side} {}; truncate it with `{key}`",
            self.what,
            dist,
            num(bound)
        ))
    }

    /// The range as the README's table shows it: `> 0`, `[0, 1]`, `any`.
    #[cfg(test)]
    fn text(&self) -> String {
        match (self.lo.is_finite(), self.hi.is_finite()) {
            (false, false) => "any".to_owned(),
            (true, false) => format!("{} {}", if self.lo_open { ">" } else { "≥" }, num(self.lo)),
            (false, true) => format!("{} {}", if self.hi_open { "<" } else { "≤" }, num(self.hi)),
            (true, true) => format!(
                "{}{}, {}{}",
                if self.lo_open { "(" } else { "[" },
                num(self.lo),
                num(self.hi),
                if self.hi_open { ")" } else { "]" }
            ),
        }
    }
}

/// The limits of one number of the scenario.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    /// The dotted name with `*` for an entry's or a segment's name: `vendor.*.review_months`.
    pub field: &'static str,
    /// Required of the distribution's whole support.
    pub range: Range,
    /// Required of every value a draw can produce: `[lo, hi]`.
    pub draws: (f64, f64),
    /// Why the draws are bounded (empty when they are not).
    pub reason: &'static str,
}

const UNBOUNDED: (f64, f64) = (f64::NEG_INFINITY, f64::INFINITY);

const fn at_most(hi: f64) -> (f64, f64) {
    (f64::NEG_INFINITY, hi)
}

/// The longest horizon: months simulated from `start` to `horizon`, both included.
pub(crate) const MAX_MONTHS: i32 = 600;
/// The most cohorts per segment.
pub(crate) const MAX_COHORTS: u32 = 20_000;
/// The most entries of each `[[...]]` array.
pub(crate) const MAX_ENTRIES: usize = 200;
/// The most steps a path may take (see `build::demand::check_work`): about 2 s of one core.
pub(crate) const MAX_WORK: f64 = 1e8;
/// How large `κ^Q · ρ^Q · θ^Q · g^years` may grow (see `build::demand::check_compounding`).
pub(crate) const MAX_COMPOUNDING: f64 = 1e250;

const MONTHS: (f64, f64) = (-600.0, 600.0);
const MONTHS_WHY: &str = "months: within the longest horizon (600 months); beyond it a date is never reached or always passed";
const DOLLARS_PER_M: (f64, f64) = (1e-9, 1e6);
const DOLLARS_PER_M_WHY: &str = "$ per million tokens: from a billionth of a dollar to a million dollars; beyond that, markups and sums overflow";
const FACTOR: (f64, f64) = (1e-6, 1e6);
const FACTOR_WHY: &str = "a multiplier: a million-fold change either way is the widest that keeps products of factors in floating point";
const MARKUP_WHY: &str = "a price at most 1,000 times its cost";
const LAG_WHY: &str = "frontier-years behind the frontier: 100 is beyond any model's history; capability gaps are compounded by κ, ρ and θ";
const POPULATION_WHY: &str = "a population distribution: values beyond 1e12 overflow the segment's sums of tasks, tokens and dollars";

/// Every number of a scenario with its range and the bounds of its draws.
pub(crate) const LIMITS: &[Limit] = &[
    Limit {
        field: "capability.pace",
        range: NON_NEG,
        draws: at_most(10.0),
        reason: "frontier-years per calendar year: ten times the historical pace",
    },
    Limit {
        field: "capability.cost_per_unit",
        range: KAPPA,
        draws: at_most(100.0),
        reason: "κ: serving cost multiplier per frontier-year (historically 2–3)",
    },
    Limit {
        field: "software.serving_gain_per_year",
        range: POSITIVE,
        draws: (0.01, 1000.0),
        reason: "a yearly factor: software alone cuts serving cost at most 1000x a year or raises it at most 100x, so that it compounds to a number over 50 years",
    },
    Limit {
        field: "hosts.cost_factor",
        range: POSITIVE,
        draws: FACTOR,
        reason: FACTOR_WHY,
    },
    Limit {
        field: "hosts.margin",
        range: ABOVE_MINUS_ONE,
        draws: at_most(1000.0),
        reason: MARKUP_WHY,
    },
    Limit {
        field: "hardware.*.unit_cost",
        range: POSITIVE,
        draws: DOLLARS_PER_M,
        reason: DOLLARS_PER_M_WHY,
    },
    Limit {
        field: "hardware.*.delay_months",
        range: ANY,
        draws: MONTHS,
        reason: MONTHS_WHY,
    },
    Limit {
        field: "hardware.*.ramp_months",
        range: NON_NEG,
        draws: at_most(600.0),
        reason: MONTHS_WHY,
    },
    Limit {
        field: "hardware.*.cost_factor",
        range: POSITIVE,
        draws: FACTOR,
        reason: FACTOR_WHY,
    },
    Limit {
        field: "efficiency.*.delay_months",
        range: ANY,
        draws: MONTHS,
        reason: MONTHS_WHY,
    },
    Limit {
        field: "efficiency.*.ramp_months",
        range: NON_NEG,
        draws: at_most(600.0),
        reason: MONTHS_WHY,
    },
    Limit {
        field: "efficiency.*.token_factor",
        range: POSITIVE,
        draws: FACTOR,
        reason: FACTOR_WHY,
    },
    Limit {
        field: "efficiency.*.reach",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "vendor.*.lag",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: LAG_WHY,
    },
    Limit {
        field: "vendor.*.cost_multiplier",
        range: POSITIVE,
        draws: FACTOR,
        reason: FACTOR_WHY,
    },
    Limit {
        field: "vendor.*.delay_months",
        range: ANY,
        draws: MONTHS,
        reason: MONTHS_WHY,
    },
    Limit {
        field: "vendor.*.launch_price",
        range: POSITIVE,
        draws: DOLLARS_PER_M,
        reason: DOLLARS_PER_M_WHY,
    },
    Limit {
        field: "vendor.*.adjustment",
        range: ADJUSTMENT,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "vendor.*.markup_cap",
        range: ABOVE_MINUS_ONE,
        draws: at_most(1000.0),
        reason: MARKUP_WHY,
    },
    Limit {
        field: "vendor.*.margin_floor",
        range: ABOVE_MINUS_ONE,
        draws: at_most(1000.0),
        reason: MARKUP_WHY,
    },
    Limit {
        field: "vendor.*.entry_months",
        range: NON_NEG,
        draws: at_most(600.0),
        reason: MONTHS_WHY,
    },
    Limit {
        field: "vendor.*.review_months",
        range: REVIEW_INTERVAL,
        draws: at_most(600.0),
        reason: "a price review at most daily, since a path reviews every vendor's price that often, and at least once in 50 years",
    },
    Limit {
        field: "vendor.*.open_weights",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "vendor.*.commitments.trigger_growth",
        range: GROWTH,
        draws: at_most(1e6),
        reason: "a yearly growth rate: a million-fold is beyond any revenue",
    },
    Limit {
        field: "vendor.*.commitments.share",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "vendor.*.commitments.ramp_months",
        range: NON_NEG,
        draws: at_most(600.0),
        reason: MONTHS_WHY,
    },
    Limit {
        field: "vendor.*.commitments.discount",
        range: DISCOUNT,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "vendor.*.commitments.term_months",
        range: TERM,
        draws: at_most(600.0),
        reason: MONTHS_WHY,
    },
    Limit {
        field: "device.*.delay_months",
        range: ANY,
        draws: MONTHS,
        reason: MONTHS_WHY,
    },
    Limit {
        field: "device.*.ramp_months",
        range: NON_NEG,
        draws: at_most(600.0),
        reason: MONTHS_WHY,
    },
    Limit {
        field: "device.*.lag",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: LAG_WHY,
    },
    Limit {
        field: "device.*.lag_open",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: LAG_WHY,
    },
    Limit {
        field: "device.*.price",
        range: POSITIVE,
        draws: DOLLARS_PER_M,
        reason: DOLLARS_PER_M_WHY,
    },
    Limit {
        field: "segment.*.population",
        range: POSITIVE,
        draws: at_most(1e10),
        reason: "firms or developers: more than the world's people is a typo, and sums over them overflow",
    },
    Limit {
        field: "segment.*.adopted_at_start",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "segment.*.bass_p",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: "per year: 100 adopts everyone within days",
    },
    Limit {
        field: "segment.*.bass_q",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: "per year: 100 adopts everyone within days",
    },
    Limit {
        field: "segment.*.review_rate",
        range: POSITIVE,
        draws: at_most(30.0),
        reason: "reviews per cohort per month: a cohort reviewed at most daily; a path's work grows with cohorts × rate × months",
    },
    Limit {
        field: "segment.*.price_sensitivity",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: "a logit weight: beyond 100 shares are all-or-nothing, and far beyond it utilities overflow",
    },
    Limit {
        field: "segment.*.quality_preference",
        range: ANY,
        draws: (-100.0, 100.0),
        reason: "a logit weight: beyond 100 shares are all-or-nothing, and far beyond it utilities overflow",
    },
    Limit {
        field: "segment.*.elasticity",
        range: NON_NEG,
        draws: at_most(100.0),
        reason: "an elasticity of usage to cost: 100 is far beyond any measured one",
    },
    Limit {
        field: "segment.*.usage_cap",
        range: AT_LEAST_ONE,
        draws: at_most(1e6),
        reason: "a usage multiplier: a million-fold use from cheaper tasks",
    },
    Limit {
        field: "segment.*.tokens_per_task",
        range: POSITIVE,
        draws: at_most(1e9),
        reason: "tokens per task: a billion is a thousand books",
    },
    Limit {
        field: "segment.*.tokens_per_capability",
        range: AT_LEAST_ONE,
        draws: at_most(100.0),
        reason: "ρ: multiplier per frontier-year, compounded over the horizon",
    },
    Limit {
        field: "segment.*.tasks_per_capability",
        range: AT_LEAST_ONE,
        draws: at_most(100.0),
        reason: "θ: multiplier per frontier-year, compounded over the horizon",
    },
    Limit {
        field: "segment.*.ambient_multiplier",
        range: AT_LEAST_ONE,
        draws: at_most(1e4),
        reason: "an ambient cohort runs at most 10,000 times the tasks of an adopted one",
    },
    Limit {
        field: "segment.*.device_eligible",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "segment.*.tasks",
        range: POSITIVE,
        draws: at_most(1e12),
        reason: POPULATION_WHY,
    },
    Limit {
        field: "segment.*.value",
        range: POSITIVE,
        draws: at_most(1e12),
        reason: POPULATION_WHY,
    },
    Limit {
        field: "segment.*.attention_cost",
        range: POSITIVE,
        draws: at_most(1e12),
        reason: POPULATION_WHY,
    },
    Limit {
        field: "segment.*.tasks_per_decision",
        range: POSITIVE,
        draws: at_most(1e12),
        reason: POPULATION_WHY,
    },
    Limit {
        field: "shock.*.delay_months",
        range: ANY,
        draws: MONTHS,
        reason: MONTHS_WHY,
    },
    Limit {
        field: "shock.*.factor",
        range: POSITIVE,
        draws: FACTOR,
        reason: FACTOR_WHY,
    },
    Limit {
        field: "shock.*.probability",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "plan.*.fee",
        range: NON_NEG,
        draws: at_most(1e6),
        reason: "$ per month",
    },
    Limit {
        field: "plan.*.included",
        range: NON_NEG,
        draws: at_most(1e9),
        reason: "million tokens per month",
    },
    Limit {
        field: "plan.*.overage",
        range: NON_NEG,
        draws: at_most(1e6),
        reason: DOLLARS_PER_M_WHY,
    },
    Limit {
        field: "plan.*.cap",
        range: POSITIVE,
        draws: at_most(1e9),
        reason: "million tokens per month",
    },
    Limit {
        field: "plan.*.subscribers",
        range: POSITIVE,
        draws: at_most(1e10),
        reason: "more subscribers than the world's people is a typo",
    },
    Limit {
        field: "plan.*.usage",
        range: NON_NEG,
        draws: at_most(1e12),
        reason: POPULATION_WHY,
    },
    Limit {
        field: "plan.*.usage_growth",
        range: POSITIVE,
        draws: (1e-3, 1e3),
        reason: "a yearly factor, compounded over the horizon",
    },
    Limit {
        field: "plan.*.churn",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "plan.*.credits",
        range: NON_NEG,
        draws: at_most(1e6),
        reason: "$ per month of usage at API prices",
    },
    Limit {
        field: "plan.*.weekly_cap",
        range: POSITIVE,
        draws: at_most(1e9),
        reason: "million tokens per week",
    },
    Limit {
        field: "plan.*.overage_elasticity",
        range: NON_NEG,
        draws: at_most(10.0),
        reason: "a price elasticity: at 10 a price 1% above the API price cuts usage beyond the included amount by 10%, beyond any measured response",
    },
    Limit {
        field: "plan.*.switch_threshold",
        range: ANY,
        draws: (-1e6, 1e6),
        reason: "$ per month by which the bill may exceed the same usage at API prices",
    },
    Limit {
        field: "plan.*.switch_rate",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
    Limit {
        field: "plan.*.upgrade_after",
        range: AT_LEAST_ONE,
        draws: at_most(600.0),
        reason: "months (rounded): within the longest horizon",
    },
    Limit {
        field: "plan.*.upgrade_rate",
        range: SHARE,
        draws: UNBOUNDED,
        reason: "",
    },
];

/// The table's name of the input `name`: an entry's or a segment's name becomes `*`.
fn pattern(name: &str) -> String {
    let mut parts: Vec<&str> = name.split('.').collect();
    let arrays = [
        "hardware",
        "efficiency",
        "vendor",
        "device",
        "shock",
        "plan",
        "segment",
    ];
    if parts.len() >= 3 && arrays.contains(&parts[0]) {
        parts[1] = "*";
    }
    parts.join(".")
}

/// The limits of the input `name` (`vendor.DeepSeek.launch_price`), if the table has it
/// (an entry name with a `.`, itself refused, leaves it unknown).
pub(crate) fn find(name: &str) -> Option<&'static Limit> {
    let pattern = pattern(name);
    LIMITS.iter().find(|l| l.field == pattern)
}

impl Limit {
    /// Whether `dist` meets the range over its support and the bounds over its draws.
    pub fn admits(&self, dist: &Dist) -> Result<(), String> {
        self.range.admits(dist)?;
        let (lo, hi) = self.draws;
        let (min, max) = (dist.quantile(0.0), dist.quantile(1.0));
        let why = if self.reason.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.reason)
        };
        let (bound, side, x, key) = if max > hi {
            (hi, "at most", max, "max")
        } else if min < lo {
            (lo, "at least", min, "min")
        } else {
            return Ok(());
        };
        if dist.is_fixed() {
            return Err(format!(
                "expected {side} {}, found {}{why}",
                num(bound),
                num(x)
            ));
        }
        Err(format!(
            "expected {side} {}, but {dist} can draw {}; truncate it with `{key}`{why}",
            num(bound),
            num(significant(x))
        ))
    }
}

/// `x` rounded to 4 significant digits, for a computed number in a message.
fn significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 3 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    if scale.is_finite() && scale > 0.0 {
        (x * scale).round() / scale
    } else {
        x
    }
}

/// A number as the messages and the README show it: `1e6`, `0.01`, `1/30`, `600`.
pub(crate) fn num(x: f64) -> String {
    if x == 1.0 / 30.0 {
        return "1/30".to_owned();
    }
    if x.is_finite() && x != 0.0 && (x.abs() >= 1e4 || x.abs() < 1e-3) {
        format!("{x:e}")
    } else {
        let s = format!("{x}");
        s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
    }
}

#[cfg(test)]
mod tests;
