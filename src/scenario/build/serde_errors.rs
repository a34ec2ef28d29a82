//! Type errors: serde's messages turned into located problems, every section and entry
//! checked on its own so that all of them are reported at once.

use crate::scenario::error::{Problem, did_you_mean};
use crate::scenario::raw;
use crate::scenario::source::{Kind, Node};

/// The problems of a tree that does not deserialize: every type error, section by section,
/// or serde's own error when they find none.
pub(super) fn all_type_problems(
    root: &Node,
    err: &serde_path_to_error::Error<toml::de::Error>,
) -> Vec<Problem> {
    let mut problems = type_problems(root);
    if problems.is_empty() {
        problems.push(serde_problem(root, "", err));
    }
    problems
}

/// Turns a serde error met while reading `base` (named `base_name`) into a located problem.
fn serde_problem(
    base: &Node,
    base_name: &str,
    err: &serde_path_to_error::Error<toml::de::Error>,
) -> Problem {
    let (node, rest, at_key) = base.follow(err.path());
    let field = match (
        base_name.is_empty(),
        rest.starts_with('[') || rest.is_empty(),
    ) {
        (true, _) => rest,
        (false, true) => format!("{base_name}{rest}"),
        (false, false) => format!("{base_name}.{rest}"),
    };
    let message = err.inner().message().trim().to_owned();
    let loc = Some(if at_key && message.starts_with("unknown field") {
        node.key_loc.clone()
    } else {
        node.loc.clone()
    });
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    for (prefix, noun) in [("unknown field `", "key"), ("unknown variant `", "value")] {
        let Some(stripped) = message.strip_prefix(prefix) else {
            continue;
        };
        let unknown = stripped.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = quoted.iter().skip(1).copied().collect();
        let p = Problem::at(loc, &field, format!("unknown {noun} `{unknown}`"));
        return match did_you_mean(unknown, expected.iter().copied()) {
            Some(h) => p.with_help(h),
            None => {
                let list: Vec<String> = expected.iter().map(|k| format!("`{k}`")).collect();
                p.with_help(format!("expected one of {}", list.join(", ")))
            }
        };
    }
    let mut message = message
        .replace("f64", "a number")
        .replace("u64", "a whole number ≥ 0")
        .replace("u32", "a whole number ≥ 0");
    if let Some(i) = message.find("struct Raw") {
        message.truncate(i);
        message.push_str("a table");
    }
    Problem::at(loc, &field, message.replace("a sequence", "an array"))
}

/// Deserializes each section of the tree, and each entry of each `[[array]]`, on its own,
/// to report every type error at once (serde stops at the first).
fn type_problems(root: &Node) -> Vec<Problem> {
    fn check<T: for<'de> serde::Deserialize<'de>>(
        root: &Node,
        key: &str,
        entries: bool,
        out: &mut Vec<Problem>,
    ) {
        let Some(node) = root.get(key) else { return };
        match (&node.kind, entries) {
            (Kind::Entries(es), true) => {
                for (i, e) in es.iter().enumerate() {
                    if let Err(err) = raw::from_value::<T>(e.to_value()) {
                        let name = match e.get("name").and_then(Node::str) {
                            Some(n) => format!("{key}.{n}"),
                            None => format!("{key}[{i}]"),
                        };
                        out.push(serde_problem(e, &name, &err));
                    }
                }
            }
            (Kind::Leaf(toml::Value::Array(a)), true) if a.is_empty() => {}
            (_, true) => out.push(Problem::at(
                Some(node.loc.clone()),
                key,
                format!("expected [[{key}]] tables"),
            )),
            (_, false) => {
                if let Err(err) = raw::from_value::<T>(node.to_value()) {
                    out.push(serde_problem(node, key, &err));
                }
            }
        }
    }
    let mut out = Vec::new();
    let Some(table) = root.table() else {
        return out;
    };
    for (key, node) in table {
        if key == "extends" {
            out.push(Problem::at(
                Some(node.key_loc.clone()),
                key,
                "`extends` only works in a scenario file read from disk",
            ));
        } else if !raw::TOP_LEVEL_KEYS.contains(&key.as_str()) {
            let mut p = Problem::at(
                Some(node.key_loc.clone()),
                key,
                format!("unknown key `{key}`"),
            );
            if let Some(h) = did_you_mean(key, raw::TOP_LEVEL_KEYS.iter().copied()) {
                p = p.with_help(h);
            }
            out.push(p);
        }
    }
    for key in [
        "horizon",
        "capability",
        "software",
        "hardware",
        "vendor",
        "segment",
    ] {
        if !table.contains_key(key) {
            out.push(Problem::at(
                Some(root.loc.clone()),
                "",
                format!("missing required key `{key}`"),
            ));
        }
    }
    for key in ["name", "description", "start", "horizon", "collapse_date"] {
        check::<String>(root, key, false, &mut out);
    }
    check::<u64>(root, "paths", false, &mut out);
    check::<u64>(root, "seed", false, &mut out);
    check::<raw::Sampling>(root, "sampling", false, &mut out);
    check::<raw::RawCapability>(root, "capability", false, &mut out);
    check::<raw::RawSoftware>(root, "software", false, &mut out);
    check::<raw::RawReference>(root, "reference", false, &mut out);
    check::<raw::RawHosts>(root, "hosts", false, &mut out);
    check::<raw::RawSegments>(root, "segment", false, &mut out);
    check::<raw::RawHardware>(root, "hardware", true, &mut out);
    check::<raw::RawEfficiency>(root, "efficiency", true, &mut out);
    check::<raw::RawVendor>(root, "vendor", true, &mut out);
    check::<raw::RawDevice>(root, "device", true, &mut out);
    check::<raw::RawShock>(root, "shock", true, &mut out);
    check::<raw::RawTarget>(root, "target", true, &mut out);
    check::<raw::RawCorrelation>(root, "correlation", true, &mut out);
    check::<raw::RawPlan>(root, "plan", true, &mut out);
    check::<raw::RawObservation>(root, "observation", true, &mut out);
    out
}
