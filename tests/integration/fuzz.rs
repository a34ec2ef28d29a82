//! Random and mutated scenario text never panics the reader.

use infercast::scenario;
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
