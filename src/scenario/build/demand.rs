//! Demand: the two segments, and the bounds on a path's work and on compounding.

use super::{Builder, POPULATION, REQUIRED, Spec, default};
use crate::scenario::dist::Marginal;
use crate::scenario::limits;
use crate::scenario::raw::{self, RawParam, RawScenario};
use crate::scenario::types::*;

pub(super) fn build_segments(b: &mut Builder, raw: &RawScenario) -> [Segment; 2] {
    let seg_node = b.root.get("segment");
    let build = |b: &mut Builder, kind: SegmentKind, s: &raw::RawSegment| {
        let node = seg_node.and_then(|n| n.get(kind.name()));
        let prefix = format!("segment.{}", kind.name());
        if s.cohorts == 0 || s.cohorts > limits::MAX_COHORTS {
            let loc = node.and_then(|n| n.get("cohorts")).map(|n| n.loc.clone());
            b.problem(
                loc.as_ref(),
                &format!("{prefix}.cohorts"),
                format!(
                    "expected from 1 to {} cohorts, found {} (memory and cohort reviews per path grow with the cohorts)",
                    limits::MAX_COHORTS,
                    s.cohorts
                ),
            );
        }
        let mut p =
            |key: &str, raw: Option<&RawParam>, spec: Spec| b.param(node, &prefix, key, raw, spec);
        Segment {
            kind,
            cohorts: s.cohorts,
            population: p("population", Some(&s.population), REQUIRED),
            adopted_at_start: p(
                "adopted_at_start",
                s.adopted_at_start.as_ref(),
                default(0.0),
            ),
            bass_p: p("bass_p", Some(&s.bass_p), REQUIRED),
            bass_q: p("bass_q", Some(&s.bass_q), REQUIRED),
            review_rate: p("review_rate", Some(&s.review_rate), REQUIRED),
            price_sensitivity: p("price_sensitivity", Some(&s.price_sensitivity), REQUIRED),
            quality_preference: p("quality_preference", Some(&s.quality_preference), REQUIRED),
            elasticity: p("elasticity", Some(&s.elasticity), REQUIRED),
            usage_cap: p("usage_cap", Some(&s.usage_cap), REQUIRED),
            tokens_per_task: p("tokens_per_task", Some(&s.tokens_per_task), REQUIRED),
            tokens_per_capability: p(
                "tokens_per_capability",
                s.tokens_per_capability.as_ref(),
                default(1.0),
            ),
            tasks_per_capability: p(
                "tasks_per_capability",
                s.tasks_per_capability.as_ref(),
                default(1.0),
            ),
            ambient_multiplier: p(
                "ambient_multiplier",
                s.ambient_multiplier.as_ref(),
                default(1.0),
            ),
            device_eligible: p("device_eligible", s.device_eligible.as_ref(), default(0.0)),
            tasks: p("tasks", Some(&s.tasks), POPULATION),
            value: p("value", Some(&s.value), POPULATION),
            attention_cost: p("attention_cost", Some(&s.attention_cost), POPULATION),
            tasks_per_decision: p(
                "tasks_per_decision",
                Some(&s.tasks_per_decision),
                POPULATION,
            ),
        }
    };
    let enterprise = build(b, SegmentKind::Enterprise, &raw.segment.enterprise);
    let developer = build(b, SegmentKind::Developer, &raw.segment.developer);
    [enterprise, developer]
}

/// Refuses a scenario whose compounded multipliers leave floating point: serving cost grows
/// as κ^q, tokens per task as ρ^q and tasks as θ^q with the capability `q` (up to the
/// highest pace times the simulated years, and down to minus the largest lag), and serving
/// cost changes by g_sw each year. Each is bounded on its own; together they must stay
/// below [`limits::MAX_COMPOUNDING`] (1e250), which leaves room for the other factors.
pub(super) fn check_compounding(
    b: &mut Builder,
    capability: &Capability,
    segments: &[Segment; 2],
    vendors: &[Vendor],
    devices: &[Device],
    reference: &Reference,
    g: ParamId,
) {
    let hi = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(1.0);
    let lo = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(0.0);
    let years = f64::from(b.horizon - b.start + 1) / 12.0;
    let pace = hi(capability.pace);
    let lag = vendors
        .iter()
        .map(|v| hi(v.lag))
        .chain(devices.iter().flat_map(|d| [hi(d.lag), hi(d.lag_open)]))
        .fold(0.0, f64::max);
    let span = pace * years + lag + reference.capability.abs();
    let kappa = hi(capability.cost_per_unit);
    let rho = segments
        .iter()
        .map(|s| hi(s.tokens_per_capability))
        .fold(1.0, f64::max);
    let theta = segments
        .iter()
        .map(|s| hi(s.tasks_per_capability))
        .fold(1.0, f64::max);
    let g_ln = hi(g).ln().abs().max(lo(g).ln().abs());
    let digits = (span * (kappa.ln() + rho.ln() + theta.ln()) + years * g_ln) / 10f64.ln();
    if digits <= limits::MAX_COMPOUNDING.log10() {
        return;
    }
    let loc = b
        .root
        .get("capability")
        .and_then(|c| c.get("pace"))
        .map(|n| n.loc.clone());
    b.problem(
        loc.as_ref(),
        "capability.pace",
        format!(
            "the model would compound κ·ρ·θ (up to {}·{}·{}) over {} frontier-years of capability (pace up to {} for {} years, lags up to {}) and software gains up to {}x a year: about 1e{:.0}, beyond the 1e250 that serving costs and token counts can hold; lower the pace, the horizon, the lags, κ, ρ, θ or the software gains",
            limits::num(kappa),
            limits::num(rho),
            limits::num(theta),
            limits::num(span.round()),
            limits::num(pace),
            limits::num(years),
            limits::num(lag),
            limits::num(hi(g)),
            digits
        ),
    );
}

/// Refuses a scenario whose paths would each take more than [`limits::MAX_WORK`] steps:
/// cohort reviews (cohorts × review rate × months per segment), price reviews, each of which
/// recomputes every option's share in both segments, and month ends, which add up every
/// option and, for vendors with commitments, every enterprise cohort. Each factor is bounded
/// on its own; their product is bounded here.
pub(super) fn check_work(
    b: &mut Builder,
    segments: &[Segment; 2],
    vendors: &[Vendor],
    devices: usize,
) {
    let hi = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(1.0);
    let lo = |id: ParamId| b.inputs[id.0 as usize].dist.quantile(0.0);
    let months = f64::from(b.horizon - b.start + 1);
    let options = (2 * vendors.len() + devices) as f64;
    let reviews: f64 = segments
        .iter()
        .map(|s| f64::from(s.cohorts) * hi(s.review_rate) * months)
        .sum();
    let price_reviews: f64 = vendors.iter().map(|v| months / lo(v.review_months)).sum();
    let committed = vendors.iter().filter(|v| v.commitments.is_some()).count() as f64;
    let month_ends = months * (4.0 * options + committed * f64::from(segments[0].cohorts));
    let work = reviews + price_reviews * 4.0 * options + month_ends;
    if work <= limits::MAX_WORK {
        return;
    }
    let loc = b.root.get("segment").map(|n| n.loc.clone());
    b.problem(
        loc.as_ref(),
        "segment",
        format!(
            "a path would take about {} steps, more than the {} a path may take ({} cohort reviews: cohorts × review_rate × {} months; {} price reviews of {} options; {} at month ends); lower the cohorts, the review rates, the number of vendors, their review frequency or the horizon",
            limits::num(work.round()),
            limits::num(limits::MAX_WORK),
            limits::num(reviews.round()),
            months,
            limits::num(price_reviews.round()),
            options,
            limits::num(month_ends.round())
        ),
    );
}
