//! Structured mutations of a valid scenario (the tiny test fixture): changes to its inputs in
//! a child file that `extends` it and as `--set` overrides. Loading never panics, and every
//! scenario that validates samples its inputs and runs one path of the model (libFuzzer's
//! `-timeout` catches a path that does not end: `cargo +nightly fuzz run one_path -- -timeout=5`).

#![no_main]

use arbitrary::Arbitrary;
use infercast::model;
use infercast::sample::Sampler;
use infercast::scenario::{self, Override};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The fixture's text and the names of its inputs.
fn fixture() -> &'static (String, Vec<String>) {
    static FIXTURE: OnceLock<(String, Vec<String>)> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/tiny.toml");
        let text = std::fs::read_to_string(path).expect("tests/fixtures/tiny.toml");
        let s = scenario::load(path.as_ref(), &[]).expect("the fixture is valid");
        (text, s.inputs.iter().map(|i| i.name.clone()).collect())
    })
}

/// A number, drawn from values that stress the checks or from the fuzzer's bits.
#[derive(Debug, Arbitrary)]
enum Number {
    Special(u8),
    Bits(f64),
    Small(u16),
}

impl Number {
    fn text(&self) -> String {
        const SPECIAL: &[&str] = &[
            "0", "1", "-1", "0.5", "3", "12", "1e-300", "5e-308", "1e300", "-0.0", "nan", "inf",
            "-inf", "1e9", "1e-9", "1e-17", "30", "31", "600", "601", "1e6", "1e-6", "1e10",
            "1e12", "100", "101",
        ];
        match self {
            Number::Special(i) => SPECIAL[*i as usize % SPECIAL.len()].to_owned(),
            Number::Bits(x) if x.is_finite() => format!("{x:?}"),
            Number::Bits(x) if x.is_nan() => "nan".to_owned(),
            Number::Bits(x) => if *x > 0.0 { "inf" } else { "-inf" }.to_owned(),
            Number::Small(k) => format!("{}", f64::from(*k) / 1000.0),
        }
    }
}

/// A value: a number or a distribution of such numbers.
#[derive(Debug, Arbitrary)]
enum Value {
    Number(Number),
    Uniform(Number, Number),
    LogNormal(Number, Number),
    Normal(Number, Number, Number),
    Pert(Number, Number, Number),
    Discrete(Vec<(Number, Number)>),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Number(x) => x.text(),
            Value::Uniform(a, b) => format!(
                "{{ dist = \"uniform\", low = {}, high = {} }}",
                a.text(),
                b.text()
            ),
            Value::LogNormal(m, p) => format!(
                "{{ dist = \"lognormal\", median = {}, p90 = {} }}",
                m.text(),
                p.text()
            ),
            Value::Normal(m, s, lo) => format!(
                "{{ dist = \"normal\", mean = {}, sd = {}, min = {} }}",
                m.text(),
                s.text(),
                lo.text()
            ),
            Value::Pert(a, c, b) => format!(
                "{{ dist = \"pert\", low = {}, mode = {}, high = {} }}",
                a.text(),
                c.text(),
                b.text()
            ),
            Value::Discrete(pairs) => {
                let pairs = &pairs[..pairs.len().min(8)];
                let values: Vec<String> = pairs.iter().map(|(v, _)| v.text()).collect();
                let weights: Vec<String> = pairs.iter().map(|(_, w)| w.text()).collect();
                format!(
                    "{{ dist = \"discrete\", values = [{}], weights = [{}] }}",
                    values.join(", "),
                    weights.join(", ")
                )
            }
        }
    }
}

/// One change: input number `input` (of the fixture's inputs) set to `value`.
#[derive(Debug, Arbitrary)]
struct Change {
    input: u16,
    value: Value,
    by_set: bool,
}

#[derive(Debug, Arbitrary)]
struct Case {
    changes: Vec<Change>,
    horizon: Option<(u16, u8)>,
    cohorts: Option<(bool, u32)>,
    seed: u64,
    path: u8,
}

fuzz_target!(|case: Case| {
    let (parent, inputs) = fixture();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("parent.toml"), parent).expect("write parent");
    let mut child = String::from("extends = \"parent.toml\"\n");
    if let Some((year, month)) = case.horizon {
        child.push_str(&format!(
            "horizon = \"{:04}-{:02}\"\n",
            year % 10_000,
            month % 13
        ));
    }
    let mut tables: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    if let Some((enterprise, n)) = case.cohorts {
        let seg = if enterprise {
            "enterprise"
        } else {
            "developer"
        };
        tables
            .entry(format!("[segment.{seg}]"))
            .or_default()
            .push(("cohorts".to_owned(), n.to_string()));
    }
    let mut sets = Vec::new();
    for c in case.changes.iter().take(8) {
        let name = &inputs[c.input as usize % inputs.len()];
        let value = c.value.text();
        if c.by_set {
            if let Ok(o) = format!("{name}={value}").parse::<Override>() {
                sets.push(o);
            }
            continue;
        }
        let parts: Vec<&str> = name.split('.').collect();
        let header = match parts.as_slice() {
            [table, _] => format!("[{table}]"),
            ["segment", seg, _] => format!("[segment.{seg}]"),
            [array, entry, _] => format!("[[{array}]]\nname = \"{entry}\""),
            _ => continue,
        };
        let key = parts[parts.len() - 1].to_owned();
        tables.entry(header).or_default().push((key, value));
    }
    for (header, keys) in tables {
        child.push_str(&format!("{header}\n"));
        for (k, v) in keys {
            child.push_str(&format!("{k} = {v}\n"));
        }
    }
    let path = dir.path().join("child.toml");
    std::fs::write(&path, child).expect("write child");
    let Ok(s) = scenario::load(&path, &sets) else {
        return;
    };
    let (sampler, _) = Sampler::new(&s, s.sampling, 4);
    let draws = sampler.draws(&s, case.seed, u64::from(case.path % 4));
    let _ = model::simulate(&s, &draws, 0, case.seed, model::Options::default());
});
