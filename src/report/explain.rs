//! What `infercast explain` prints: the dated timeline, a quarterly table and the
//! decomposition of the collapse factor, as text or as one JSON document.

use super::validate::human;
use crate::explain::Explanation;
use crate::model::{Layout, TimelineEvent};
use crate::scenario::{Month, Scenario};
use std::fmt::Write;

/// The calendar month containing time `t` (months since start).
fn month_at(s: &Scenario, t: f64) -> Month {
    s.start.plus(t.floor() as i32)
}

/// A timeline event in words.
fn words(s: &Scenario, e: &TimelineEvent) -> String {
    match *e {
        TimelineEvent::Generation {
            generation,
            cost_factor,
        } => format!(
            "{} available: cost per token × {cost_factor:.3} of the previous generation",
            s.hardware.generations[generation].name
        ),
        TimelineEvent::Efficiency {
            release,
            token_factor,
            reach,
        } => format!(
            "{} released: {:.0}% fewer tokens per task on {:.0}% of tasks once adopted",
            s.efficiency[release].name,
            (1.0 - token_factor) * 100.0,
            reach * 100.0
        ),
        TimelineEvent::Launch {
            vendor,
            price,
            open_weights,
        } => format!(
            "{} launches at ${price:.3}/M{}",
            s.vendors[vendor].name,
            if open_weights {
                " with open weights (hosts appear)"
            } else {
                " (closed weights)"
            }
        ),
        TimelineEvent::Device { device, price } => format!(
            "{} on-device option released at ${price:.2}/M (amortized hardware)",
            s.devices[device].name
        ),
        TimelineEvent::Shock { shock, factor } => {
            let k = &s.shocks[shock];
            format!("shock {}: {:?} × {factor:.3}", k.name, k.target)
        }
        TimelineEvent::CommitmentSwitch {
            vendor,
            revenue_growth,
            token_growth,
        } => format!(
            "{} moves to committed spend: revenue {:+.0}%, tokens {:+.0}% over the last year",
            s.vendors[vendor].name,
            revenue_growth * 100.0,
            token_growth * 100.0
        ),
        TimelineEvent::ZeroMarginal => {
            "zero marginal intelligence: half the enterprise firms would run AI rather than decide"
                .to_owned()
        }
    }
}

/// One row per quarter: the figures of the quarter's last month, revenue summed over it.
struct Quarter {
    label: String,
    month: usize,
}

fn quarters(s: &Scenario, months: usize) -> Vec<Quarter> {
    (1..=months)
        .filter(|m| s.start.plus(*m as i32 - 1).month().is_multiple_of(3) || *m == months)
        .map(|m| {
            let date = s.start.plus(m as i32 - 1);
            Quarter {
                label: format!("{}-Q{}", date.year(), date.month().div_ceil(3)),
                month: m,
            }
        })
        .collect()
}

fn quarter_sum(e: &Explanation, series: usize, month: usize) -> f64 {
    (month.saturating_sub(2).max(1)..=month)
        .map(|m| e.path.get(series, m))
        .sum()
}

/// The explanation as text for a terminal (fits 100 columns for up to 5 vendors).
pub fn explain_text(s: &Scenario, e: &Explanation) -> String {
    let l = Layout::new(s);
    let p = &e.path;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(
        w,
        "{}: one path with every input at its median (seed {}, path 0)",
        s.name, s.seed
    );
    let _ = writeln!(
        w,
        "{} events processed ({} cohort reviews)\n",
        p.events, p.cohort_reviews
    );
    let _ = writeln!(w, "Timeline");
    for ev in &p.timeline {
        let _ = writeln!(w, "  {}  {}", month_at(s, ev.time), words(s, &ev.event));
    }
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
    let qs = quarters(s, p.months);
    for q in &qs {
        let m = q.month;
        let _ = writeln!(
            w,
            "{:8} {:>9} {:>8} {:>8} {:>8} {:>7.1}% {:>7.1}% {:>7.1}% {:>7.1}%",
            q.label,
            human(p.get(l.cost_per_task_ref(), m)),
            human(p.get(l.price_blended(), m)),
            human(p.get(l.price_frontier(), m)),
            human(p.get(l.tokens_total(), m)),
            100.0 * p.get(l.adoption(0), m),
            100.0 * p.get(l.adoption(1), m),
            100.0 * p.get(l.ambient(0), m),
            100.0 * p.get(l.ambient(1), m),
        );
    }
    let _ = writeln!(w, "\nRevenue per quarter, $");
    let mut header = format!("{:8}", "quarter");
    for v in &s.vendors {
        let _ = write!(header, " {:>10}", truncate(&v.name, 10));
    }
    let _ = write!(header, " {:>10} {:>10}", "hosts", "total");
    let _ = writeln!(w, "{header}");
    for q in &qs {
        let mut row = format!("{:8}", q.label);
        for v in 0..s.vendors.len() {
            let _ = write!(row, " {:>10}", human(quarter_sum(e, l.revenue(v), q.month)));
        }
        let _ = write!(
            row,
            " {:>10}",
            human(quarter_sum(e, l.revenue_hosts(), q.month))
        );
        let _ = write!(
            row,
            " {:>10}",
            human(quarter_sum(e, l.revenue_total(), q.month))
        );
        let _ = writeln!(w, "{row}");
    }
    let d = &e.decomposition;
    let _ = writeln!(
        w,
        "\nCollapse of the reference cost per task ({} tokens at capability {}), {} to {}: {}x",
        human(s.reference.tokens),
        s.reference.capability,
        s.start,
        s.collapse_date,
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
    let sc = &p.scalars;
    let month = |m: Option<u32>| {
        m.map_or("never".to_owned(), |m| {
            s.start.plus(m as i32 - 1).to_string()
        })
    };
    let _ = writeln!(
        w,
        "\n100x collapse: {}; zero marginal intelligence: {}",
        month(sc.month_100x),
        month(sc.month_zero_marginal)
    );
    let stall = if sc.revenue_stall {
        "revenue stalls"
    } else {
        "revenue grows"
    };
    let _ = writeln!(
        w,
        "paid tokens ×{} from the first to the last full year, blended price ÷{}: {stall}",
        human(sc.volume_growth),
        human(sc.price_decline)
    );
    out
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The explanation as one JSON document.
pub fn explain_json(s: &Scenario, e: &Explanation) -> serde_json::Value {
    use serde_json::json;
    let l = Layout::new(s);
    let p = &e.path;
    let timeline: Vec<_> = p
        .timeline
        .iter()
        .map(|ev| json!({"date": month_at(s, ev.time).to_string(), "event": words(s, &ev.event)}))
        .collect();
    let quarters: Vec<_> = quarters(s, p.months)
        .iter()
        .map(|q| {
            let m = q.month;
            let revenue: serde_json::Map<String, serde_json::Value> = s
                .vendors
                .iter()
                .enumerate()
                .map(|(v, vendor)| (vendor.name.clone(), json!(quarter_sum(e, l.revenue(v), m))))
                .chain([("hosts".to_owned(), json!(quarter_sum(e, l.revenue_hosts(), m)))])
                .collect();
            json!({
                "quarter": q.label,
                "cost_per_task_ref": p.get(l.cost_per_task_ref(), m),
                "price_blended": p.get(l.price_blended(), m),
                "price_frontier": p.get(l.price_frontier(), m),
                "tokens_total": p.get(l.tokens_total(), m),
                "adoption": {"enterprise": p.get(l.adoption(0), m), "developer": p.get(l.adoption(1), m)},
                "ambient": {"enterprise": p.get(l.ambient(0), m), "developer": p.get(l.ambient(1), m)},
                "revenue": revenue,
            })
        })
        .collect();
    let month = |m: Option<u32>| m.map(|m| s.start.plus(m as i32 - 1).to_string());
    json!({
        "scenario": s.name,
        "seed": s.seed,
        "events": p.events,
        "cohort_reviews": p.cohort_reviews,
        "timeline": timeline,
        "quarters": quarters,
        "collapse": {
            "from": s.start.to_string(),
            "to": s.collapse_date.to_string(),
            "decomposition": e.decomposition,
        },
        "month_100x": month(p.scalars.month_100x),
        "month_zero_marginal": month(p.scalars.month_zero_marginal),
        "volume_growth": p.scalars.volume_growth,
        "price_decline": p.scalars.price_decline,
        "revenue_stall": p.scalars.revenue_stall,
    })
}
