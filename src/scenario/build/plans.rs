//! Subscription plans, billed over simulated subscribers by `infercast stress`.

use super::{Builder, POPULATION, REQUIRED, default};
use crate::scenario::error::{Problem, did_you_mean};
use crate::scenario::raw::{RawParam, RawScenario};
use crate::scenario::types::*;

pub(super) fn build_plans(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Plan> {
    b.names("plan", raw.plan.iter().map(|p| p.name.as_str()));
    let mut out = Vec::new();
    for (i, p) in raw.plan.iter().enumerate() {
        let node = b.entry("plan", i);
        let prefix = format!("plan.{}", p.name);
        let at = |key: &str| node.and_then(|n| n.get(key)).map(|n| n.loc.clone());
        let vendor = vendors
            .iter()
            .position(|v| v.name == p.vendor)
            .unwrap_or_else(|| {
                let mut pr = Problem::at(
                    at("vendor"),
                    format!("{prefix}.vendor"),
                    format!("no [[vendor]] is named {:?}", p.vendor),
                );
                if let Some(h) = did_you_mean(&p.vendor, vendors.iter().map(|v| v.name.as_str())) {
                    pr = pr.with_help(h);
                }
                b.problems.push(pr);
                0
            });
        let segment = match &p.segment {
            None => SegmentKind::Developer,
            Some(s) => SegmentKind::from_name(s).unwrap_or_else(|| {
                b.problem(
                    at("segment").as_ref(),
                    &format!("{prefix}.segment"),
                    format!("expected `enterprise` or `developer`, found {s:?}"),
                );
                SegmentKind::Developer
            }),
        };
        let included = match &p.included {
            RawParam::Word(w) if w == "unlimited" => Included::Unlimited,
            r => Included::Limited(b.param(node, &prefix, "included", Some(r), REQUIRED)),
        };
        let usage_growth = match &p.usage_growth {
            RawParam::Word(w) if w == "model" => UsageGrowth::Model,
            r => UsageGrowth::Factor(b.param(node, &prefix, "usage_growth", Some(r), REQUIRED)),
        };
        out.push(Plan {
            name: p.name.clone(),
            vendor,
            segment,
            fee: b.param(node, &prefix, "fee", Some(&p.fee), REQUIRED),
            included,
            overage: p
                .overage
                .as_ref()
                .map(|r| b.param(node, &prefix, "overage", Some(r), REQUIRED)),
            cap: p
                .cap
                .as_ref()
                .map(|r| b.param(node, &prefix, "cap", Some(r), REQUIRED)),
            subscribers: b.param(node, &prefix, "subscribers", Some(&p.subscribers), REQUIRED),
            usage: b.param(node, &prefix, "usage", Some(&p.usage), POPULATION),
            usage_growth,
            churn: b.param(node, &prefix, "churn", p.churn.as_ref(), default(0.0)),
        });
    }
    out
}
