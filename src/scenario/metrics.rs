//! Names of the outcomes of a path (DESIGN.md §3.8), used by `[[target]]` and the outputs.

/// Scalar outcomes of a path (targets on them take no `year`).
pub const SCALARS: &[&str] = &[
    "collapse_factor",
    "month_100x",
    "month_zero_marginal",
    "volume_growth",
    "price_decline",
    "revenue_stall",
];

/// Scalars whose value is a month (their thresholds are `"YYYY-MM"`).
pub const MONTH_SCALARS: &[&str] = &["month_100x", "month_zero_marginal"];

/// Monthly series of a scenario with these vendors and segments, in output order.
pub fn series<'a>(
    vendors: impl IntoIterator<Item = &'a str> + Clone,
    segments: &[&str],
) -> Vec<String> {
    let per = |prefix: &str, names: &mut dyn Iterator<Item = &str>| -> Vec<String> {
        names.map(|n| format!("{prefix}.{n}")).collect()
    };
    let mut out: Vec<String> = vec![
        "cost_hw".into(),
        "capability".into(),
        "cost_per_task_ref".into(),
    ];
    out.extend(per("cost_per_task", &mut segments.iter().copied()));
    out.extend(["price_blended".into(), "price_frontier".into()]);
    out.extend(per("price", &mut vendors.clone().into_iter()));
    out.extend([
        "tokens_total".into(),
        "tokens_paid".into(),
        "tokens_device".into(),
    ]);
    out.extend(per("tokens", &mut vendors.clone().into_iter()));
    out.push("revenue_total".into());
    out.extend(per("revenue", &mut vendors.clone().into_iter()));
    out.push("revenue.hosts".into());
    out.extend(per("margin", &mut vendors.clone().into_iter()));
    out.extend(per("adoption", &mut segments.iter().copied()));
    out.extend(per("ambient", &mut segments.iter().copied()));
    out.extend(per("commitment_share", &mut vendors.into_iter()));
    out
}
