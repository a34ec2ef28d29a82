//! Subscription plans, billed over simulated subscribers by `infercast stress`.

use super::{Builder, POPULATION, REQUIRED, default};
use crate::scenario::error::{Problem, did_you_mean};
use crate::scenario::limits;
use crate::scenario::raw::{PLAN_OPTIONAL, RawOptimize, RawParam, RawPlan, RawScenario};
use crate::scenario::source::Node;
use crate::scenario::types::*;

pub(super) fn build_plans(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Plan> {
    b.names("plan", raw.plan.iter().map(|p| p.name.as_str()));
    let mut out = Vec::new();
    for (i, p) in raw.plan.iter().enumerate() {
        let node = b.entry("plan", i);
        let prefix = format!("plan.{}", p.name);
        let vendor = vendor_of(b, node, &prefix, "vendor", &p.vendor, vendors).unwrap_or(0);
        let segment = match &p.segment {
            None => SegmentKind::Developer,
            Some(s) => SegmentKind::from_name(s).unwrap_or_else(|| {
                b.problem(
                    at(node, "segment").as_ref(),
                    &format!("{prefix}.segment"),
                    format!("expected `enterprise` or `developer`, found {s:?}"),
                );
                SegmentKind::Developer
            }),
        };
        // Inputs are registered in the order earlier versions did (ids follow it).
        let included = included(b, node, &prefix, p);
        let usage_growth = match &p.usage_growth {
            RawParam::Word(w) if w == "model" => UsageGrowth::Model,
            r => UsageGrowth::Factor(b.param(node, &prefix, "usage_growth", Some(r), REQUIRED)),
        };
        let fee = b.param(node, &prefix, "fee", Some(&p.fee), REQUIRED);
        let overage = match &p.overage {
            None => None,
            Some(RawParam::Word(w)) if w == "api" => Some(Overage::Api),
            Some(r) => Some(Overage::Price(b.param(
                node,
                &prefix,
                "overage",
                Some(r),
                REQUIRED,
            ))),
        };
        let optional = |b: &mut Builder, key: &str, r: &Option<RawParam>| {
            r.as_ref()
                .map(|r| b.param(node, &prefix, key, Some(r), REQUIRED))
        };
        let cap = optional(b, "cap", &p.cap);
        let weekly_cap = optional(b, "weekly_cap", &p.weekly_cap);
        let subscribers = b.param(node, &prefix, "subscribers", Some(&p.subscribers), REQUIRED);
        let usage = b.param(node, &prefix, "usage", Some(&p.usage), POPULATION);
        let churn = b.param(node, &prefix, "churn", p.churn.as_ref(), default(0.0));
        let response = response(b, node, &prefix, p, vendors);
        out.push(Plan {
            name: p.name.clone(),
            vendor,
            segment,
            fee,
            included,
            overage,
            cap,
            weekly_cap,
            subscribers,
            usage,
            usage_growth,
            churn,
            response,
            group: p.group.clone(),
            optimize: optimize_ranges(b, node, &prefix, p.optimize.as_ref()),
        });
    }
    check_groups(b, raw, &out);
    out
}

/// Where `key` of `node` was written.
fn at(node: Option<&Node>, key: &str) -> Option<crate::scenario::Loc> {
    node.and_then(|n| n.get(key)).map(|n| n.loc.clone())
}

/// The index of the vendor called `name`, or a problem at `key`.
fn vendor_of(
    b: &mut Builder,
    node: Option<&Node>,
    prefix: &str,
    key: &str,
    name: &str,
    vendors: &[Vendor],
) -> Option<usize> {
    let found = vendors.iter().position(|v| v.name == name);
    if found.is_none() {
        let mut pr = Problem::at(
            at(node, key),
            format!("{prefix}.{key}"),
            format!("no [[vendor]] is named {name:?}"),
        );
        if let Some(h) = did_you_mean(name, vendors.iter().map(|v| v.name.as_str())) {
            pr = pr.with_help(h);
        }
        b.problems.push(pr);
    }
    found
}

/// `included` (M tokens or `"unlimited"`) or `credits` ($ of API-priced usage): exactly one.
fn included(b: &mut Builder, node: Option<&Node>, prefix: &str, p: &RawPlan) -> Included {
    match (&p.included, &p.credits) {
        (Some(_), Some(_)) => {
            b.problem(
                at(node, "credits").as_ref(),
                &format!("{prefix}.credits"),
                "expected either `included` (million tokens) or `credits` ($ of usage at API \
                 prices), found both",
            );
            Included::Unlimited
        }
        (None, None) => {
            b.problem(
                node.map(|n| n.loc.clone()).as_ref(),
                &format!("{prefix}.included"),
                "expected `included` (million tokens a month, or \"unlimited\") or `credits` \
                 ($ of usage at API prices a month)",
            );
            Included::Unlimited
        }
        (None, Some(c)) => Included::Credits(b.param(node, prefix, "credits", Some(c), REQUIRED)),
        (Some(RawParam::Word(w)), None) if w == "unlimited" => Included::Unlimited,
        (Some(r), None) => Included::Limited(b.param(node, prefix, "included", Some(r), REQUIRED)),
    }
}

/// How subscribers respond: elasticity of overage use, switching, upgrades.
fn response(
    b: &mut Builder,
    node: Option<&Node>,
    prefix: &str,
    p: &RawPlan,
    vendors: &[Vendor],
) -> PlanResponse {
    let mut optional = |key: &str, r: &Option<RawParam>| {
        r.as_ref()
            .map(|r| b.param(node, prefix, key, Some(r), REQUIRED))
    };
    let mut out = PlanResponse {
        overage_elasticity: optional("overage_elasticity", &p.overage_elasticity),
        switch_threshold: optional("switch_threshold", &p.switch_threshold),
        switch_rate: optional("switch_rate", &p.switch_rate),
        alternatives: Vec::new(),
        upgrade_after: optional("upgrade_after", &p.upgrade_after),
        upgrade_rate: optional("upgrade_rate", &p.upgrade_rate),
    };
    for name in p.alternatives.iter().flatten() {
        if let Some(v) = vendor_of(b, node, prefix, "alternatives", name, vendors) {
            out.alternatives.push(v);
        }
    }
    let need = |b: &mut Builder, key: &str, given: bool, what: &str| {
        if given {
            b.problem(at(node, key).as_ref(), &format!("{prefix}.{key}"), what);
        }
    };
    let no_threshold = out.switch_threshold.is_none();
    need(
        b,
        "switch_rate",
        no_threshold && out.switch_rate.is_some(),
        "a `switch_rate` needs a `switch_threshold` (without one, subscribers never leave for price)",
    );
    need(
        b,
        "alternatives",
        no_threshold && !out.alternatives.is_empty(),
        "`alternatives` need a `switch_threshold` (without one, subscribers never compare prices)",
    );
    let no_group = p.group.is_none();
    for key in ["upgrade_after", "upgrade_rate"] {
        let given = if key == "upgrade_after" {
            out.upgrade_after.is_some()
        } else {
            out.upgrade_rate.is_some()
        };
        need(
            b,
            key,
            no_group && given,
            "upgrades move subscribers to the next plan of a tier `group`; this plan has no `group`",
        );
    }
    out
}

/// The `[plan.optimize]` ranges, checked against the fields' own limits.
fn optimize_ranges(
    b: &mut Builder,
    node: Option<&Node>,
    prefix: &str,
    raw: Option<&RawOptimize>,
) -> OptimizeRanges {
    let Some(raw) = raw else {
        return OptimizeRanges::default();
    };
    let opt = node.and_then(|n| n.get("optimize"));
    let mut check = |key: &str, r: Option<[f64; 2]>| {
        let [lo, hi] = r?;
        let field = format!("{prefix}.optimize.{key}");
        let loc = opt.and_then(|n| n.get(key)).map(|n| n.loc.clone());
        let problem = check_range(&format!("{prefix}.{key}"), lo, hi);
        match problem {
            Some(msg) => {
                b.problem(loc.as_ref(), &field, msg);
                None
            }
            None => Some((lo, hi)),
        }
    };
    OptimizeRanges {
        fee: check("fee", raw.fee),
        included: check("included", raw.included),
        credits: check("credits", raw.credits),
        cap: check("cap", raw.cap),
        weekly_cap: check("weekly_cap", raw.weekly_cap),
        overage: check("overage", raw.overage),
    }
}

/// Why `[lo, hi]` is not a range the optimiser can search for the number `name`, if it is not.
pub(crate) fn check_range(name: &str, lo: f64, hi: f64) -> Option<String> {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return Some(format!(
            "expected [LO, HI] with LO ≤ HI, found [{lo}, {hi}]"
        ));
    }
    let limit = limits::find(name)?;
    for x in [lo, hi] {
        if let Err(msg) = limit.admits(&crate::scenario::Dist::fixed(x)) {
            return Some(format!("{x} is out of range: {msg}"));
        }
    }
    None
}

/// A tier group: plans of one vendor, at least two.
fn check_groups(b: &mut Builder, raw: &RawScenario, plans: &[Plan]) {
    for (i, p) in plans.iter().enumerate() {
        let Some(g) = &p.group else { continue };
        let node = b.entry("plan", i);
        let field = format!("plan.{}.group", p.name);
        let members: Vec<&Plan> = plans
            .iter()
            .filter(|q| q.group.as_ref() == Some(g))
            .collect();
        if g.trim().is_empty() {
            b.problem(at(node, "group").as_ref(), &field, "expected a group name");
        } else if members.len() < 2 {
            b.problem(
                at(node, "group").as_ref(),
                &field,
                format!(
                    "a tier group needs two plans or more; only {:?} is in {g:?}",
                    p.name
                ),
            );
        } else if members.iter().any(|q| q.vendor != p.vendor) {
            b.problem(
                at(node, "group").as_ref(),
                &field,
                format!(
                    "the plans of tier group {g:?} must share a vendor: {:?} is {:?}'s",
                    p.name, raw.plan[i].vendor
                ),
            );
        }
    }
}

/// The plans' numbers that `--set` may name though the file leaves them out.
pub(super) fn settable(raw: &RawScenario) -> Vec<String> {
    raw.plan
        .iter()
        .flat_map(|p| {
            PLAN_OPTIONAL
                .iter()
                .map(move |k| format!("plan.{}.{k}", p.name))
        })
        .collect()
}
