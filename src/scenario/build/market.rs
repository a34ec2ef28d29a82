//! The market: hardware generations, efficiency gains, vendors, on-device models and shocks.

use super::{Builder, REQUIRED, default, outcome};
use crate::scenario::dist::Marginal;
use crate::scenario::error::{Problem, did_you_mean};
use crate::scenario::month::Month;
use crate::scenario::raw::RawScenario;
use crate::scenario::types::*;

pub(super) fn build_hardware(b: &mut Builder, raw: &RawScenario) -> Hardware {
    b.names("hardware", raw.hardware.iter().map(|h| h.name.as_str()));
    let Some(first) = raw.hardware.first() else {
        let loc = b.root.get("hardware").map(|n| n.loc.clone());
        b.problem(
            loc.as_ref(),
            "hardware",
            "expected at least one [[hardware]] generation (the one installed at start)",
        );
        return Hardware {
            installed: String::new(),
            unit_cost: ParamId(0),
            generations: Vec::new(),
        };
    };
    let node = b.entry("hardware", 0);
    let prefix = format!("hardware.{}", first.name);
    for (key, set) in [
        ("date", first.date.is_some()),
        ("delay_months", first.delay_months.is_some()),
        ("ramp_months", first.ramp_months.is_some()),
        ("cost_factor", first.cost_factor.is_some()),
    ] {
        if set {
            let loc = node.and_then(|n| n.get(key)).map(|n| n.key_loc.clone());
            b.problems.push(
                Problem::at(loc, format!("{prefix}.{key}"), format!("the first generation is installed at start and takes no `{key}`"))
                    .with_help("the first [[hardware]] entry takes `name` and `unit_cost`; later generations take date, delay_months, ramp_months and cost_factor"),
            );
        }
    }
    let unit_cost = match &first.unit_cost {
        Some(u) => b.param(node, &prefix, "unit_cost", Some(u), REQUIRED),
        None => {
            b.problem(node.map(|n| &n.loc), &format!("{prefix}.unit_cost"), "missing `unit_cost` ($ per million tokens of the start's frontier model on this generation)");
            ParamId(0)
        }
    };
    let mut generations = Vec::new();
    let mut last_date: Option<Month> = None;
    for (i, h) in raw.hardware.iter().enumerate().skip(1) {
        let node = b.entry("hardware", i);
        let prefix = format!("hardware.{}", h.name);
        let loc = node.map(|n| n.loc.clone());
        if h.unit_cost.is_some() {
            let l = node
                .and_then(|n| n.get("unit_cost"))
                .map(|n| n.key_loc.clone());
            b.problems.push(
                Problem::at(l, format!("{prefix}.unit_cost"), "only the first generation takes `unit_cost`")
                    .with_help("a later generation states its cost relative to the previous one with `cost_factor`"),
            );
        }
        let date = match &h.date {
            Some(d) => b.month(node, &format!("{prefix}.date"), "date", d),
            None => {
                b.problem(
                    loc.as_ref(),
                    &format!("{prefix}.date"),
                    "missing `date` (nominal availability, \"YYYY-MM\")",
                );
                b.start
            }
        };
        if let Some(prev) = last_date
            && date < prev
        {
            let l = node.and_then(|n| n.get("date")).map(|n| n.loc.clone());
            b.problem(
                l.as_ref(),
                &format!("{prefix}.date"),
                format!("generations must be in order of date: {date} is before the previous generation's {prev}"),
            );
        }
        last_date = Some(date);
        let missing = |b: &mut Builder, key: &str, what: &str| {
            b.problem(
                loc.as_ref(),
                &format!("{prefix}.{key}"),
                format!("missing `{key}` ({what})"),
            );
        };
        if h.ramp_months.is_none() {
            missing(
                b,
                "ramp_months",
                "months from availability to full deployment",
            );
        }
        if h.cost_factor.is_none() {
            missing(
                b,
                "cost_factor",
                "cost per token relative to the previous generation",
            );
        }
        generations.push(Generation {
            name: h.name.clone(),
            date,
            delay_months: b.param(
                node,
                &prefix,
                "delay_months",
                h.delay_months.as_ref(),
                default(0.0),
            ),
            ramp_months: b.param(
                node,
                &prefix,
                "ramp_months",
                h.ramp_months.as_ref(),
                default(12.0),
            ),
            cost_factor: b.param(
                node,
                &prefix,
                "cost_factor",
                h.cost_factor.as_ref(),
                default(1.0),
            ),
        });
    }
    Hardware {
        installed: first.name.clone(),
        unit_cost,
        generations,
    }
}

pub(super) fn build_efficiency(b: &mut Builder, raw: &RawScenario) -> Vec<Efficiency> {
    b.names("efficiency", raw.efficiency.iter().map(|e| e.name.as_str()));
    raw.efficiency
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let node = b.entry("efficiency", i);
            let prefix = format!("efficiency.{}", e.name);
            Efficiency {
                name: e.name.clone(),
                date: b.month(node, &format!("{prefix}.date"), "date", &e.date),
                delay_months: b.param(
                    node,
                    &prefix,
                    "delay_months",
                    e.delay_months.as_ref(),
                    default(0.0),
                ),
                ramp_months: b.param(node, &prefix, "ramp_months", Some(&e.ramp_months), REQUIRED),
                token_factor: b.param(
                    node,
                    &prefix,
                    "token_factor",
                    Some(&e.token_factor),
                    REQUIRED,
                ),
                reach: b.param(node, &prefix, "reach", e.reach.as_ref(), default(1.0)),
            }
        })
        .collect()
}

pub(super) fn build_vendors(b: &mut Builder, raw: &RawScenario) -> Vec<Vendor> {
    b.names("vendor", raw.vendor.iter().map(|v| v.name.as_str()));
    if raw.vendor.is_empty() {
        let loc = b.root.get("vendor").map(|n| n.loc.clone());
        b.problem(loc.as_ref(), "vendor", "expected at least one [[vendor]]");
    } else if !raw.vendor.iter().any(|v| v.frontier == Some(true)) {
        let loc = b.entry("vendor", 0).map(|n| n.loc.clone());
        b.problems.push(
            Problem::at(loc, "vendor", "no vendor is marked `frontier = true`").with_help(
                "mark the frontier labs, whose token-weighted price is `price_frontier`",
            ),
        );
    }
    let mut out = Vec::new();
    for (i, v) in raw.vendor.iter().enumerate() {
        let node = b.entry("vendor", i);
        let prefix = format!("vendor.{}", v.name);
        if v.name == "hosts" {
            let loc = node.and_then(|n| n.get("name")).map(|n| n.loc.clone());
            b.problem(
                loc.as_ref(),
                &format!("{prefix}.name"),
                "`hosts` is reserved for the open-weight hosts option (`revenue.hosts`)",
            );
        }
        let launch = match &v.launch {
            Some(d) => {
                let date = b.month(node, &format!("{prefix}.launch"), "launch", d);
                if date < b.start {
                    let loc = node.and_then(|n| n.get("launch")).map(|n| n.loc.clone());
                    b.problems.push(
                        Problem::at(
                            loc,
                            format!("{prefix}.launch"),
                            format!(
                                "expected a launch at or after start ({}), found {date}",
                                b.start
                            ),
                        )
                        .with_help("omit `launch` for a vendor that is already selling at start"),
                    );
                }
                Some(Launch {
                    date,
                    delay_months: b.param(
                        node,
                        &prefix,
                        "delay_months",
                        v.delay_months.as_ref(),
                        default(0.0),
                    ),
                })
            }
            None => {
                if v.delay_months.is_some() {
                    let loc = node
                        .and_then(|n| n.get("delay_months"))
                        .map(|n| n.key_loc.clone());
                    b.problems.push(
                        Problem::at(
                            loc,
                            format!("{prefix}.delay_months"),
                            "`delay_months` needs a `launch` date",
                        )
                        .with_help("a vendor without `launch` is live at start"),
                    );
                }
                None
            }
        };
        let commitments = v.commitments.as_ref().map(|c| {
            let cnode = node.and_then(|n| n.get("commitments"));
            let cp = format!("{prefix}.commitments");
            Commitments {
                trigger_growth: b.param(
                    cnode,
                    &cp,
                    "trigger_growth",
                    Some(&c.trigger_growth),
                    REQUIRED,
                ),
                share: b.param(cnode, &cp, "share", Some(&c.share), REQUIRED),
                ramp_months: b.param(cnode, &cp, "ramp_months", Some(&c.ramp_months), REQUIRED),
                discount: b.param(cnode, &cp, "discount", c.discount.as_ref(), default(0.0)),
                term_months: b.param(cnode, &cp, "term_months", Some(&c.term_months), REQUIRED),
            }
        });
        let vendor = Vendor {
            name: v.name.clone(),
            frontier: v.frontier.unwrap_or(false),
            lag: b.param(node, &prefix, "lag", Some(&v.lag), REQUIRED),
            cost_multiplier: b.param(
                node,
                &prefix,
                "cost_multiplier",
                v.cost_multiplier.as_ref(),
                default(1.0),
            ),
            launch,
            launch_price: b.param(
                node,
                &prefix,
                "launch_price",
                Some(&v.launch_price),
                REQUIRED,
            ),
            adjustment: b.param(node, &prefix, "adjustment", Some(&v.adjustment), REQUIRED),
            markup_cap: b.param(node, &prefix, "markup_cap", Some(&v.markup_cap), REQUIRED),
            margin_floor: b.param(
                node,
                &prefix,
                "margin_floor",
                Some(&v.margin_floor),
                REQUIRED,
            ),
            entry_months: b.param(
                node,
                &prefix,
                "entry_months",
                v.entry_months.as_ref(),
                default(0.0),
            ),
            review_months: b.param(
                node,
                &prefix,
                "review_months",
                Some(&v.review_months),
                REQUIRED,
            ),
            open_weights: b.param(
                node,
                &prefix,
                "open_weights",
                v.open_weights.as_ref(),
                outcome(0.0),
            ),
            commitments,
        };
        let (floor, cap) = (
            b.inputs[vendor.margin_floor.0 as usize].dist.median(),
            b.inputs[vendor.markup_cap.0 as usize].dist.median(),
        );
        if floor > cap {
            let loc = node
                .and_then(|n| n.get("margin_floor"))
                .map(|n| n.loc.clone());
            b.problem(loc.as_ref(), &format!("{prefix}.margin_floor"), format!("the margin floor (median {floor}) is above the markup cap (median {cap}); prices are clamped to cost × [1 + floor, 1 + cap]"));
        }
        out.push(vendor);
    }
    out
}

pub(super) fn build_devices(b: &mut Builder, raw: &RawScenario) -> Vec<Device> {
    b.names("device", raw.device.iter().map(|d| d.name.as_str()));
    raw.device
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let node = b.entry("device", i);
            let prefix = format!("device.{}", d.name);
            let lag = b.param(node, &prefix, "lag", Some(&d.lag), REQUIRED);
            let lag_open = match &d.lag_open {
                Some(r) => b.param(node, &prefix, "lag_open", Some(r), REQUIRED),
                None => {
                    // Without an open-weights lag the device keeps its own.
                    let dist = b.inputs[lag.0 as usize].dist.clone();
                    let id = ParamId(b.inputs.len() as u32);
                    b.inputs.push(Input {
                        name: format!("{prefix}.lag_open"),
                        dist,
                        kind: InputKind::Path,
                        source: Some(format!("default: same as {prefix}.lag")),
                        loc: None,
                    });
                    id
                }
            };
            Device {
                name: d.name.clone(),
                date: b.month(node, &format!("{prefix}.date"), "date", &d.date),
                delay_months: b.param(
                    node,
                    &prefix,
                    "delay_months",
                    d.delay_months.as_ref(),
                    default(0.0),
                ),
                ramp_months: b.param(node, &prefix, "ramp_months", Some(&d.ramp_months), REQUIRED),
                lag,
                lag_open,
                price: b.param(node, &prefix, "price", Some(&d.price), REQUIRED),
            }
        })
        .collect()
}

pub(super) fn build_shocks(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Vec<Shock> {
    b.names("shock", raw.shock.iter().map(|s| s.name.as_str()));
    raw.shock
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let node = b.entry("shock", i);
            let prefix = format!("shock.{}", s.name);
            let target = match s.target.split_once('.') {
                None if s.target == "cost" => Some(ShockTarget::Cost),
                Some(("demand", seg)) => SegmentKind::from_name(seg).map(ShockTarget::Demand),
                Some(("price", v)) => vendors
                    .iter()
                    .position(|x| x.name == v)
                    .map(ShockTarget::Price),
                _ => None,
            };
            let target = target.unwrap_or_else(|| {
                let mut valid = vec!["cost".to_owned()];
                valid.extend(
                    SegmentKind::ALL
                        .iter()
                        .map(|s| format!("demand.{}", s.name())),
                );
                valid.extend(vendors.iter().map(|v| format!("price.{}", v.name)));
                let loc = node.and_then(|n| n.get("target")).map(|n| n.loc.clone());
                let mut p = Problem::at(
                    loc,
                    format!("{prefix}.target"),
                    format!(
                        "expected `cost`, `demand.<segment>` or `price.<vendor>`, found {:?}",
                        s.target
                    ),
                );
                if let Some(h) = did_you_mean(&s.target, valid.iter().map(String::as_str)) {
                    p = p.with_help(h);
                }
                b.problems.push(p);
                ShockTarget::Cost
            });
            Shock {
                name: s.name.clone(),
                date: b.month_within(node, &format!("{prefix}.date"), "date", &s.date),
                delay_months: b.param(
                    node,
                    &prefix,
                    "delay_months",
                    s.delay_months.as_ref(),
                    default(0.0),
                ),
                target,
                factor: b.param(node, &prefix, "factor", Some(&s.factor), REQUIRED),
                occurs: b.param(
                    node,
                    &prefix,
                    "probability",
                    s.probability.as_ref(),
                    outcome(1.0),
                ),
            }
        })
        .collect()
}
