//! Random and mutated scenario text never panics the reader, and every mutated scenario that
//! validates runs one path of the model in bounded time.

use infercast::model;
use infercast::sample::Sampler;
use infercast::scenario::{self, Override};
use proptest::prelude::*;

fn base_text() -> String {
    std::fs::read_to_string(super::root().join("scenarios/base.toml")).unwrap()
}

/// Replacement tokens that stress the reader: wrong types, extreme numbers, broken syntax.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("nan".to_owned()),
        Just("inf".to_owned()),
        Just("-inf".to_owned()),
        Just("1e308".to_owned()),
        Just("-0.0".to_owned()),
        Just("\"2026-13\"".to_owned()),
        Just("{ dist = \"normal\", mean = 0, sd = 0 }".to_owned()),
        Just("{ dist = \"discrete\", values = [], weights = [] }".to_owned()),
        Just("{ dist = \"lognormal\", median = 1e-300, p90 = 1e300, min = 1e299 }".to_owned()),
        Just("{ dist = \"beta\", alpha = 1e-9, beta = 1e9, max = 1e-300 }".to_owned()),
        Just("[1, 2".to_owned()),
        Just("true".to_owned()),
        Just("".to_owned()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        any::<i64>().prop_map(|x| x.to_string()),
        "[a-z_.\\[\\]={}\" 0-9-]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
        let _ = scenario::from_str("fuzz.toml", &text);
    }

    #[test]
    fn mutated_base_never_panics(line in 0usize..400, col in 0usize..80, tok in token(), mode in 0u8..4) {
        let text = base_text();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let i = line % lines.len();
        match mode {
            0 => { lines.remove(i); }
            1 => { let l = lines[i].clone(); lines.insert(i, l); }
            2 => {
                // Replace the value after the first `=` on the line.
                if let Some(eq) = lines[i].find('=') { lines[i] = format!("{}= {tok}", &lines[i][..eq]); }
            }
            _ => {
                let l = &lines[i];
                let cut = l.char_indices().map(|(j, _)| j).nth(col % (l.chars().count() + 1)).unwrap_or(l.len());
                lines[i] = format!("{}{tok}{}", &l[..cut], &l[cut..]);
            }
        }
        let _ = scenario::from_str("fuzz.toml", &lines.join("\n"));
    }
}

/// The names of every input of the tiny fixture (`vendor.Frontier.lag`, ...).
fn tiny_inputs() -> &'static [String] {
    static NAMES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let s = scenario::load(&super::tiny(), &[]).expect("tiny is valid");
        s.inputs.iter().map(|i| i.name.clone()).collect()
    })
}

/// Numbers that stress the checks: tiny and huge, signed zero, NaN and infinities, and the
/// values just inside and outside the limits.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            "0", "1", "-1", "0.5", "2", "3", "12", "1e-300", "5e-308", "1e300", "-0.0", "nan",
            "inf", "-inf", "1e9", "1e-9", "1e-17", "30", "31", "600", "601", "1e6", "1e-6",
            "1e10", "1e12", "0.0333", "100", "101",
        ])
        .prop_map(str::to_owned),
        6 => (0.0f64..5.0).prop_map(|x| format!("{x}")),
        1 => any::<f64>().prop_map(|x| format!("{x:?}")),
    ]
}

/// A value for a field: a number or a distribution built from such numbers.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        5 => number(),
        1 => (number(), number()).prop_map(|(a, b)| format!("{{ dist = \"uniform\", low = {a}, high = {b} }}")),
        1 => (0.01f64..10.0, 1.0f64..4.0).prop_map(|(m, k)| format!("{{ dist = \"lognormal\", median = {m}, p90 = {} }}", m * k)),
        1 => (number(), number()).prop_map(|(m, p)| format!("{{ dist = \"lognormal\", median = {m}, p90 = {p} }}")),
        1 => (number(), number()).prop_map(|(m, s)| format!("{{ dist = \"normal\", mean = {m}, sd = {s}, min = 0 }}")),
        1 => (number(), number(), number()).prop_map(|(a, c, b)| format!("{{ dist = \"pert\", low = {a}, mode = {c}, high = {b} }}")),
        1 => (number(), number(), number(), number()).prop_map(|(a, b, w, x)| format!("{{ dist = \"discrete\", values = [{a}, {b}], weights = [{w}, {x}] }}")),
    ]
}

/// One change to the tiny scenario: an input (or a random name) set to a value, in the child
/// file or by `--set`.
#[derive(Debug, Clone)]
struct Change {
    name: String,
    value: String,
    by_set: bool,
}

fn change() -> impl Strategy<Value = Change> {
    let name = prop_oneof![
        9 => prop::sample::select(tiny_inputs().to_vec()),
        1 => "[a-z_.]{1,24}",
    ];
    (name, value(), any::<bool>()).prop_map(|(name, value, by_set)| Change {
        name,
        value,
        by_set,
    })
}

/// A child of the tiny fixture (`extends = "parent.toml"`) holding the changes not made by
/// `--set`, with one table per section so that changes to the same section merge.
fn child_text(top: &[(String, String)], changes: &[Change]) -> String {
    let mut text = String::from("extends = \"parent.toml\"\n");
    for (k, v) in top {
        text.push_str(&format!("{k} = {v}\n"));
    }
    let mut tables: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for c in changes.iter().filter(|c| !c.by_set) {
        let parts: Vec<&str> = c.name.split('.').collect();
        let header = match parts.as_slice() {
            [table, _] => format!("[{table}]"),
            ["segment", seg, _] => format!("[segment.{seg}]"),
            [array, entry, _] => format!("[[{array}]]\nname = \"{entry}\""),
            _ => continue,
        };
        let key = parts.last().expect("non-empty").to_string();
        tables
            .entry(header)
            .or_default()
            .push((key, c.value.clone()));
    }
    for (header, keys) in tables {
        text.push_str(&format!("{header}\n"));
        for (k, v) in keys {
            text.push_str(&format!("{k} = {v}\n"));
        }
    }
    text
}

/// Runs `f` on another thread; `None` if it takes longer than `limit`.
fn bounded<T: Send + 'static>(
    limit: std::time::Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Structured mutations of the tiny fixture, through `extends` and `--set`: loading never
    /// panics, and every scenario that validates samples its inputs and runs one path of the
    /// model within 5 s.
    #[test]
    fn loaded_mutations_validate_or_run_one_path_in_bounded_time(
        changes in prop::collection::vec(change(), 0..4),
        horizon in prop_oneof![
            6 => Just(None),
            1 => prop::sample::select(vec![
                "\"2025-02\"", "\"2026-06\"", "\"2030-12\"", "\"2074-12\"", "\"2075-01\"", "\"9999-12\"",
            ]).prop_map(Some),
        ],
        cohorts in prop_oneof![
            3 => Just(None),
            1 => (any::<bool>(), prop::sample::select(vec![0u64, 1, 2, 50, 2000, 20_000, 20_001, 1_000_000_000])).prop_map(Some),
        ],
        parent_edit in prop_oneof![7 => Just(None), 1 => (0usize..120, number()).prop_map(Some)],
        seed in any::<u64>(),
        path in 0u64..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut parent = std::fs::read_to_string(super::tiny()).unwrap();
        if let Some((line, tok)) = &parent_edit {
            let mut lines: Vec<String> = parent.lines().map(str::to_owned).collect();
            let i = line % lines.len();
            if let Some(eq) = lines[i].find('=') {
                lines[i] = format!("{}= {tok}", &lines[i][..eq]);
            }
            parent = lines.join("\n");
        }
        std::fs::write(dir.path().join("parent.toml"), &parent).unwrap();
        let mut top = Vec::new();
        if let Some(h) = horizon {
            top.push(("horizon".to_owned(), h.to_owned()));
        }
        let mut changes = changes;
        if let Some((enterprise, n)) = cohorts {
            let seg = if enterprise { "enterprise" } else { "developer" };
            changes.push(Change { name: format!("segment.{seg}.cohorts"), value: n.to_string(), by_set: false });
        }
        let child = dir.path().join("child.toml");
        std::fs::write(&child, child_text(&top, &changes)).unwrap();
        let sets: Vec<Override> = changes
            .iter()
            .filter(|c| c.by_set)
            .filter_map(|c| format!("{}={}", c.name, c.value).parse().ok())
            .collect();
        let Ok(s) = scenario::load(&child, &sets) else {
            return Ok(());
        };
        let case = format!("{changes:?} horizon {horizon:?} parent edit {parent_edit:?}");
        let limit = std::time::Duration::from_secs(5);
        let ran = bounded(limit, move || {
            let (sampler, _) = Sampler::new(&s, s.sampling, 4);
            let draws = sampler.draws(&s, seed, path);
            model::simulate(&s, &draws, 0, seed, model::Options::default()).months
        });
        prop_assert!(ran.is_some(), "one path took over 5 s: {case}");
    }
}
