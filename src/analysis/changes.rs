//! What differs between scenarios, read from their resolved scenario text: every input,
//! observation, target and plan setting, flattened to a dotted key (`hardware[Rubin].delay_months`)
//! with its value as written, so `compare` can list every difference with both values.

use serde::{Deserialize, Serialize};
use toml::Value;

/// One setting that is not the same in every scenario: its key and its value in each (`None`
/// where a scenario does not have it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub key: String,
    pub values: Vec<Option<String>>,
}

/// Keys that name a scenario rather than set anything.
const NAMING: [&str; 3] = ["name", "description", "extends"];

/// Every setting whose value differs between the resolved scenario texts `resolved` (in the
/// order the first scenario that has it lists it). A text that does not parse has no settings.
pub fn changes(resolved: &[&str]) -> Vec<Change> {
    let flat: Vec<Vec<(String, String)>> = resolved
        .iter()
        .map(|t| {
            let mut out = Vec::new();
            if let Ok(v) = t.parse::<toml::Table>() {
                flatten("", &Value::Table(v), &mut out);
            }
            out
        })
        .collect();
    let mut keys: Vec<&str> = Vec::new();
    for f in &flat {
        for (k, _) in f {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
    }
    keys.into_iter()
        .filter(|k| !NAMING.contains(k))
        .filter_map(|k| {
            let values: Vec<Option<String>> = flat
                .iter()
                .map(|f| f.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone()))
                .collect();
            let same = values.windows(2).all(|w| w[0] == w[1]);
            (!same).then(|| Change {
                key: k.to_owned(),
                values,
            })
        })
        .collect()
}

/// The observations of a resolved scenario text (`None` when it has none): two scenarios
/// weigh their paths alike only when these are equal.
pub fn observations(resolved: &str) -> Option<Value> {
    resolved
        .parse::<toml::Table>()
        .ok()?
        .get("observation")
        .cloned()
}

/// Flattens `v` under `prefix` into `(key, value)` pairs: tables by dotted keys, arrays of
/// tables by each element's `name` (or `between`, or position), and a distribution (a table
/// with `dist`) or any other array as one value.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Table(t) if !t.contains_key("dist") => {
            for (k, x) in t {
                flatten(&key(k), x, out);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_table) => {
            for (i, item) in items.iter().enumerate() {
                // A correlation is named by the inputs it joins (`a ~ b`).
                let between = item
                    .get("between")
                    .and_then(Value::as_array)
                    .map(|b| b.iter().map(plain).collect::<Vec<_>>().join(" ~ "));
                let id = item
                    .get("name")
                    .map(plain)
                    .or(between)
                    .unwrap_or_else(|| (i + 1).to_string());
                // The key names the element: its name (or inputs) is not a setting of its own.
                let mut item = item.clone();
                if let Some(t) = item.as_table_mut()
                    && t.remove("name").is_none()
                {
                    t.remove("between");
                }
                flatten(&format!("{prefix}[{id}]"), &item, out);
            }
        }
        _ => out.push((prefix.to_owned(), plain(v))),
    }
}

/// A value as a person reads it: strings without quotes, whole numbers without a decimal
/// point or exponent, other numbers in full (never in scientific notation).
pub fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(x) => plain_number(*x),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(plain).collect::<Vec<_>>().join(", ")
        ),
        Value::Table(t) => format!(
            "{{ {} }}",
            t.iter()
                .map(|(k, x)| format!("{k} = {}", plain(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A number in full decimal notation: `13.1e9` → "13100000000", `3e-6` → "0.000003".
fn plain_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    // Rust's Display for f64 never uses an exponent and prints the shortest round-trip digits.
    let s = format!("{x}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_differing_setting_with_both_values() {
        let a = "name = \"a\"\n[software]\ngain = 2.0\nkeep = 1\n\
                 [[hardware]]\nname = \"Rubin\"\ndelay_months = 0\n\
                 [[target]]\nname = \"t\"\nat_least = 280e9\n";
        let b = "name = \"b\"\n[software]\ngain = 6.0\nkeep = 1\n\
                 [[hardware]]\nname = \"Rubin\"\ndelay_months = { dist = \"discrete\", values = [0, 12] }\n\
                 [[observation]]\nname = \"o\"\nvalue = 3e-6\n";
        let c = changes(&[a, b]);
        let keys: Vec<&str> = c.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "software.gain",
                "hardware[Rubin].delay_months",
                "target[t].at_least",
                "observation[o].value"
            ]
        );
        assert_eq!(c[0].values, [Some("2".into()), Some("6".into())]);
        assert_eq!(
            c[1].values[1].as_deref(),
            Some("{ dist = discrete, values = [0, 12] }")
        );
        assert_eq!(c[2].values, [Some("280000000000".into()), None]);
        assert_eq!(c[3].values, [None, Some("0.000003".into())]);
        assert!(changes(&[a, a]).is_empty());
    }
}
