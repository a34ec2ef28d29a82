//! The market: hardware generations, efficiency gains, vendors, on-device models and shocks.

use super::{Builder, REQUIRED, default, outcome};
use crate::scenario::dist::Marginal;
use crate::scenario::error::{Problem, did_you_mean};
use crate::scenario::month::Month;
use crate::scenario::raw::{RawCommitments, RawHardware, RawScenario, RawVendor};
use crate::scenario::source::Node;
use crate::scenario::types::*;

/// The hardware generations: the one installed at start, with its `unit_cost`, and the
/// later ones in order of date, each with its cost relative to the previous one.
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
    let unit_cost = installed_generation(b, first);
    let mut generations = Vec::new();
    let mut last_date: Option<Month> = None;
    for (i, h) in raw.hardware.iter().enumerate().skip(1) {
        let generation = later_generation(b, i, h, last_date);
        last_date = Some(generation.date);
        generations.push(generation);
    }
    Hardware {
        installed: first.name.clone(),
        unit_cost,
        generations,
    }
}

/// The first generation's `unit_cost`; it is installed at start and takes none of the
/// fields of a later generation.
fn installed_generation(b: &mut Builder, first: &RawHardware) -> ParamId {
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
    match &first.unit_cost {
        Some(u) => b.param(node, &prefix, "unit_cost", Some(u), REQUIRED),
        None => {
            b.problem(node.map(|n| &n.loc), &format!("{prefix}.unit_cost"), "missing `unit_cost` ($ per million tokens of the start's frontier model on this generation)");
            ParamId(0)
        }
    }
}

/// Generation `i` after the first: its date (not before `last_date`, the previous
/// generation's), its delay, ramp and cost factor.
fn later_generation(
    b: &mut Builder,
    i: usize,
    h: &RawHardware,
    last_date: Option<Month>,
) -> Generation {
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
    Generation {
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

/// The vendors: at least one, and at least one of them at the frontier.
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
    raw.vendor
        .iter()
        .enumerate()
        .map(|(i, v)| build_vendor(b, i, v))
        .collect()
}

/// Vendor `i`: its fields, its launch and commitments, and a margin floor that does not
/// exceed its markup cap.
fn build_vendor(b: &mut Builder, i: usize, v: &RawVendor) -> Vendor {
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
    let launch = vendor_launch(b, node, &prefix, v);
    let commitments = v
        .commitments
        .as_ref()
        .map(|c| vendor_commitments(b, node, &prefix, c));
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
    vendor
}

/// A later entrant's launch (at or after start, with its delay), or `None` for a vendor
/// selling at start.
fn vendor_launch(
    b: &mut Builder,
    node: Option<&Node>,
    prefix: &str,
    v: &RawVendor,
) -> Option<Launch> {
    match &v.launch {
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
                    prefix,
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
    }
}

/// A vendor's `[vendor.commitments]`: its move from per-token pricing to committed spend.
fn vendor_commitments(
    b: &mut Builder,
    node: Option<&Node>,
    prefix: &str,
    c: &RawCommitments,
) -> Commitments {
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
}

/// The open-weight hosts, which a scenario needs as soon as a vendor may publish its
/// weights.
pub(super) fn build_hosts(b: &mut Builder, raw: &RawScenario, vendors: &[Vendor]) -> Option<Hosts> {
    let hosts = raw.hosts.as_ref().map(|h| {
        let node = b.root.get("hosts");
        Hosts {
            cost_factor: b.param(node, "hosts", "cost_factor", Some(&h.cost_factor), REQUIRED),
            margin: b.param(node, "hosts", "margin", Some(&h.margin), REQUIRED),
        }
    });
    if hosts.is_none()
        && let Some((i, v)) = vendors
            .iter()
            .enumerate()
            .find(|(_, v)| b.inputs[v.open_weights.0 as usize].dist.support().1 > 0.0)
    {
        let loc = b
            .entry("vendor", i)
            .and_then(|n| n.get("open_weights"))
            .map(|n| n.loc.clone());
        b.problems.push(
            Problem::at(
                loc,
                format!("vendor.{}.open_weights", v.name),
                "this vendor may publish its weights, but the scenario has no `[hosts]` section",
            )
            .with_help(
                "add [hosts] with `cost_factor` and `margin` for the open-weight hosts option",
            ),
        );
    }
    hosts
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
