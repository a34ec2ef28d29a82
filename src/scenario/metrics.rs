//! The outcomes of a path (DESIGN.md §3.8), by name: the one table of monthly series kinds and
//! the one table of scalars. The model's series layout, the annual-figure rule, target
//! validation and the units of charts and tables are all derived from these tables.

/// What a monthly series is given for: the whole market, each vendor, or each segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Per {
    Market,
    Vendor,
    Segment,
}

/// How a series' months add up to its figure for a calendar year (DESIGN.md §3.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Annual {
    /// A flow: the sum of the year's months.
    Flow,
    /// A state: the December (last simulated) value.
    State,
    /// A price: the year's revenue over its tokens (both series of the same vendor, or of the
    /// market), per million tokens.
    Price { revenue: Series, tokens: Series },
}

/// What a series' values measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// $ per task.
    DollarsPerTask,
    /// $ per million tokens.
    DollarsPerMTokens,
    /// Tokens per month.
    Tokens,
    /// $ per month.
    Dollars,
    /// A share in [0, 1] (of revenue, or a gross margin: negative is a loss).
    Share,
    /// A share of a segment's firms in [0, 1].
    Firms,
    /// Frontier-years of capability.
    FrontierYears,
}

/// One kind of monthly series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesKind {
    /// The name, or the prefix before `.<vendor>` / `.<segment>`.
    pub name: &'static str,
    pub per: Per,
    pub annual: Annual,
    pub measure: Measure,
    /// What it is, in words ("blended price").
    pub title: &'static str,
}

/// Every kind of monthly series, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    CostHw,
    Capability,
    CostPerTaskRef,
    CostPerTask,
    PriceBlended,
    PriceFrontier,
    Price,
    TokensTotal,
    TokensPaid,
    TokensDevice,
    Tokens,
    RevenueTotal,
    Revenue,
    RevenueHosts,
    Margin,
    Adoption,
    Ambient,
    CommitmentShare,
}

impl Series {
    /// Every kind, in output order.
    pub const ALL: [Series; 18] = [
        Series::CostHw,
        Series::Capability,
        Series::CostPerTaskRef,
        Series::CostPerTask,
        Series::PriceBlended,
        Series::PriceFrontier,
        Series::Price,
        Series::TokensTotal,
        Series::TokensPaid,
        Series::TokensDevice,
        Series::Tokens,
        Series::RevenueTotal,
        Series::Revenue,
        Series::RevenueHosts,
        Series::Margin,
        Series::Adoption,
        Series::Ambient,
        Series::CommitmentShare,
    ];

    /// The table of series kinds.
    pub const fn kind(self) -> SeriesKind {
        use Annual::{Flow, State};
        use Measure::*;
        use Per::*;
        let (name, per, annual, measure, title) = match self {
            Series::CostHw => (
                "cost_hw",
                Market,
                State,
                DollarsPerMTokens,
                "hardware serving cost",
            ),
            Series::Capability => (
                "capability",
                Market,
                State,
                FrontierYears,
                "frontier capability",
            ),
            Series::CostPerTaskRef => (
                "cost_per_task_ref",
                Market,
                State,
                DollarsPerTask,
                "cost of the reference task",
            ),
            Series::CostPerTask => (
                "cost_per_task",
                Segment,
                State,
                DollarsPerTask,
                "cost per task",
            ),
            Series::PriceBlended => (
                "price_blended",
                Market,
                Annual::Price {
                    revenue: Series::RevenueTotal,
                    tokens: Series::TokensPaid,
                },
                DollarsPerMTokens,
                "blended price",
            ),
            // The token-weighted price of the frontier vendors: no revenue series of its own,
            // so its annual figure is December's.
            Series::PriceFrontier => (
                "price_frontier",
                Market,
                State,
                DollarsPerMTokens,
                "frontier price",
            ),
            Series::Price => (
                "price",
                Vendor,
                Annual::Price {
                    revenue: Series::Revenue,
                    tokens: Series::Tokens,
                },
                DollarsPerMTokens,
                "price",
            ),
            Series::TokensTotal => ("tokens_total", Market, Flow, Tokens, "tokens (all)"),
            Series::TokensPaid => ("tokens_paid", Market, Flow, Tokens, "paid tokens"),
            Series::TokensDevice => ("tokens_device", Market, Flow, Tokens, "on-device tokens"),
            Series::Tokens => ("tokens", Vendor, Flow, Tokens, "tokens"),
            Series::RevenueTotal => (
                "revenue_total",
                Market,
                Flow,
                Dollars,
                "revenue (all vendors)",
            ),
            Series::Revenue => ("revenue", Vendor, Flow, Dollars, "revenue"),
            Series::RevenueHosts => ("revenue.hosts", Market, Flow, Dollars, "revenue"),
            Series::Margin => ("margin", Vendor, State, Share, "gross margin"),
            Series::Adoption => ("adoption", Segment, State, Firms, "adoption"),
            Series::Ambient => ("ambient", Segment, State, Firms, "ambient share"),
            Series::CommitmentShare => (
                "commitment_share",
                Vendor,
                State,
                Share,
                "committed share of revenue",
            ),
        };
        SeriesKind {
            name,
            per,
            annual,
            measure,
            title,
        }
    }

    /// The kind of the series called `name` (`revenue.OpenAI` is [`Series::Revenue`]).
    pub fn of(name: &str) -> Option<Series> {
        let exact = Series::ALL
            .iter()
            .find(|s| s.kind().per == Per::Market && s.kind().name == name);
        let prefix = || {
            let (base, _) = name.split_once('.')?;
            Series::ALL
                .iter()
                .find(|s| s.kind().per != Per::Market && s.kind().name == base)
        };
        exact.or_else(prefix).copied()
    }
}

/// What a scalar outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarKind {
    /// A ratio of two figures ("331x").
    Factor,
    /// A month (1-based index; "never" when it does not come).
    Month,
    /// True or false (1 or 0).
    Flag,
}

/// Scalar outcomes of a path (targets on them take no `year`), with their kinds.
pub const SCALAR_KINDS: &[(&str, ScalarKind)] = &[
    ("collapse_factor", ScalarKind::Factor),
    ("month_100x", ScalarKind::Month),
    ("month_zero_marginal", ScalarKind::Month),
    ("volume_growth", ScalarKind::Factor),
    ("price_decline", ScalarKind::Factor),
    ("revenue_stall", ScalarKind::Flag),
];

/// Scalar outcomes of a path, in output order.
pub fn scalars() -> impl Iterator<Item = &'static str> + Clone {
    SCALAR_KINDS.iter().map(|s| s.0)
}

/// The kind of scalar `name`, if it is one.
pub fn scalar_kind(name: &str) -> Option<ScalarKind> {
    SCALAR_KINDS.iter().find(|(n, _)| *n == name).map(|s| s.1)
}

/// Whether outcome `name` is a month scalar (its thresholds are `"YYYY-MM"`).
pub fn is_month(name: &str) -> bool {
    scalar_kind(name) == Some(ScalarKind::Month)
}

/// Monthly series of a scenario with these vendors and segments, in output order.
pub fn series<'a>(
    vendors: impl IntoIterator<Item = &'a str> + Clone,
    segments: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    for s in Series::ALL {
        let k = s.kind();
        match k.per {
            Per::Market => out.push(k.name.to_owned()),
            Per::Vendor => out.extend(
                vendors
                    .clone()
                    .into_iter()
                    .map(|v| format!("{}.{v}", k.name)),
            ),
            Per::Segment => out.extend(segments.iter().map(|g| format!("{}.{g}", k.name))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_scalars_are_the_month_dates() {
        let months: Vec<&str> = scalars().filter(|s| is_month(s)).collect();
        assert_eq!(months, ["month_100x", "month_zero_marginal"]);
        assert_eq!(scalar_kind("revenue_stall"), Some(ScalarKind::Flag));
        assert_eq!(scalar_kind("revenue.OpenAI"), None);
    }

    #[test]
    fn series_names_and_kinds_round_trip() {
        let names = series(["OpenAI", "DeepSeek"], &["enterprise", "developer"]);
        // 10 market series, 5 per vendor, 3 per segment.
        assert_eq!(names.len(), 10 + 5 * 2 + 3 * 2);
        for name in &names {
            let kind = Series::of(name).unwrap_or_else(|| panic!("{name}"));
            assert!(name.starts_with(kind.kind().name), "{name}");
        }
        assert_eq!(Series::of("revenue.hosts"), Some(Series::RevenueHosts));
        assert_eq!(Series::of("revenue.OpenAI"), Some(Series::Revenue));
        assert_eq!(Series::of("price_blended"), Some(Series::PriceBlended));
        assert_eq!(Series::of("price"), None);
        assert_eq!(Series::of("nonsense.x"), None);
    }
}
