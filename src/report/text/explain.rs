//! What `infercast explain` prints: the dated timeline, a quarterly table and the
//! decomposition of the collapse factor, as text or as one JSON document.

use crate::analysis::explain::{ExplainSummary, Happening, ShockOn};
use crate::report::format::human;
use std::fmt::Write;

/// A happening in words.
pub fn words(h: &Happening) -> String {
    match h {
        Happening::Generation { name, cost_factor } => {
            format!(
                "{name} available: cost per token × {cost_factor:.3} of the previous generation"
            )
        }
        Happening::Efficiency {
            name,
            token_factor,
            reach,
        } => format!(
            "{name} released: {:.0}% fewer tokens per task on {:.0}% of tasks once adopted",
            (1.0 - token_factor) * 100.0,
            reach * 100.0
        ),
        Happening::Launch {
            vendor,
            price,
            open_weights,
        } => {
            let weights = if *open_weights {
                " with open weights (hosts appear)"
            } else {
                " (closed weights)"
            };
            format!("{vendor} launches at ${price:.3}/M{weights}")
        }
        Happening::Device { name, price } => {
            format!("{name} on-device option released at ${price:.2}/M (amortized hardware)")
        }
        Happening::Shock { name, on, factor } => {
            let on = match on {
                ShockOn::Cost => "serving cost".to_owned(),
                ShockOn::Demand(segment) => format!("{segment} demand"),
                ShockOn::Price(vendor) => format!("{vendor} price"),
            };
            format!("shock {name}: {on} × {factor:.3}")
        }
        Happening::CommitmentSwitch {
            vendor,
            revenue_growth,
            token_growth,
        } => format!(
            "{vendor} moves to committed spend: revenue {:+.0}%, tokens {:+.0}% over the last year",
            revenue_growth * 100.0,
            token_growth * 100.0
        ),
        Happening::ZeroMarginal => {
            "zero marginal intelligence: half the enterprise firms would run AI rather than decide"
                .to_owned()
        }
    }
}

/// The quarterly table of market figures.
fn quarterly(w: &mut String, e: &ExplainSummary) {
    let _ = writeln!(
        w,
        "\nQuarterly (each quarter's last month; revenue summed over the quarter)"
    );
    let _ = writeln!(
        w,
        "{:8} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}",
        "quarter",
        "ref $/job",
        "blend $",
        "front $",
        "tok/mo",
        "adopt E",
        "adopt D",
        "ambnt E",
        "ambnt D"
    );
    for q in &e.quarters {
        let _ = writeln!(
            w,
            "{:8} {:>9} {:>8} {:>8} {:>8} {:>7.1}% {:>7.1}% {:>7.1}% {:>7.1}%",
            q.label,
            human(q.cost_per_task_ref),
            human(q.price_blended),
            human(q.price_frontier),
            human(q.tokens_total),
            100.0 * q.adoption[0],
            100.0 * q.adoption[1],
            100.0 * q.ambient[0],
            100.0 * q.ambient[1],
        );
    }
    let _ = writeln!(w, "\nRevenue per quarter, $");
    let mut header = format!("{:8}", "quarter");
    for v in &e.vendors {
        let name: String = v.chars().take(10).collect();
        let _ = write!(header, " {name:>10}");
    }
    let _ = write!(header, " {:>10} {:>10}", "hosts", "total");
    let _ = writeln!(w, "{header}");
    for q in &e.quarters {
        let mut row = format!("{:8}", q.label);
        for r in &q.revenue {
            let _ = write!(row, " {:>10}", human(*r));
        }
        let _ = write!(row, " {:>10}", human(q.revenue_hosts));
        let _ = write!(row, " {:>10}", human(q.revenue_total));
        let _ = writeln!(w, "{row}");
    }
}

/// The explanation as text for a terminal (fits 100 columns for up to 5 vendors).
pub fn explain_text(e: &ExplainSummary) -> String {
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "{}: one path with every input at its median (seed {}, path 0)",
        e.scenario, e.seed
    );
    let _ = writeln!(
        w,
        "{} events processed ({} cohort reviews)\n",
        e.events, e.cohort_reviews
    );
    let _ = writeln!(w, "Timeline");
    for item in &e.timeline {
        let _ = writeln!(w, "  {}  {}", item.month, words(&item.what));
    }
    quarterly(w, e);
    let d = &e.decomposition;
    let _ = writeln!(
        w,
        "\nCollapse of the reference cost per task ({} tokens at capability {}), {} to {}: {}x",
        human(e.reference_tokens),
        e.reference_capability,
        e.start,
        e.collapse_date,
        human(d.total)
    );
    let _ = writeln!(
        w,
        "split by a Shapley decomposition of its logarithm over the 16 on/off combinations:"
    );
    for (name, x, what) in [
        ("hardware", d.hardware, "new GPU generations"),
        (
            "efficiency",
            d.efficiency,
            "fewer tokens per task and software serving gains",
        ),
        (
            "competition",
            d.competition,
            "entrants and open-weight hosts",
        ),
        ("on-device", d.devices, "on-device options"),
        (
            "residual",
            d.residual,
            "every vector off: cheaper incumbents reach the reference",
        ),
    ] {
        let _ = writeln!(w, "  {name:12} × {:>8}   {what}", human(x));
    }
    let _ = writeln!(
        w,
        "  {:12} × {:>8}   = residual × the four multipliers",
        "total",
        human(d.total)
    );
    let never = |m: &Option<String>| m.clone().unwrap_or_else(|| "never".to_owned());
    let _ = writeln!(
        w,
        "\n100x collapse: {}; zero marginal intelligence: {}",
        never(&e.month_100x),
        never(&e.month_zero_marginal)
    );
    let stall = if e.revenue_stall {
        "revenue stalls"
    } else {
        "revenue grows"
    };
    let _ = writeln!(
        w,
        "paid tokens ×{} from the first to the last full year, blended price ÷{}: {stall}",
        human(e.volume_growth),
        human(e.price_decline)
    );
    out
}

/// The explanation as one JSON document.
pub fn explain_json(e: &ExplainSummary) -> serde_json::Value {
    use serde_json::json;
    let timeline: Vec<_> = e
        .timeline
        .iter()
        .map(|item| json!({"date": item.month, "event": words(&item.what)}))
        .collect();
    let quarters: Vec<_> = e
        .quarters
        .iter()
        .map(|q| {
            let revenue: serde_json::Map<String, serde_json::Value> = e
                .vendors
                .iter()
                .zip(&q.revenue)
                .map(|(v, r)| (v.clone(), json!(r)))
                .chain([("hosts".to_owned(), json!(q.revenue_hosts))])
                .collect();
            json!({
                "quarter": q.label,
                "cost_per_task_ref": q.cost_per_task_ref,
                "price_blended": q.price_blended,
                "price_frontier": q.price_frontier,
                "tokens_total": q.tokens_total,
                "adoption": {"enterprise": q.adoption[0], "developer": q.adoption[1]},
                "ambient": {"enterprise": q.ambient[0], "developer": q.ambient[1]},
                "revenue": revenue,
            })
        })
        .collect();
    json!({
        "scenario": e.scenario,
        "seed": e.seed,
        "events": e.events,
        "cohort_reviews": e.cohort_reviews,
        "timeline": timeline,
        "quarters": quarters,
        "collapse": {
            "from": e.start,
            "to": e.collapse_date,
            "decomposition": e.decomposition,
        },
        "month_100x": e.month_100x,
        "month_zero_marginal": e.month_zero_marginal,
        "volume_growth": e.volume_growth,
        "price_decline": e.price_decline,
        "revenue_stall": e.revenue_stall,
    })
}
