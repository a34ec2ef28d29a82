//! The README's table of limits, and checks of the table against the README and the
//! shipped scenarios.

use super::*;

/// The README's table of limits (between its `limits-table` markers).
pub(crate) fn readme_table() -> String {
    let draws = |(lo, hi): (f64, f64)| match (lo.is_finite(), hi.is_finite()) {
        (false, false) => String::new(),
        (false, true) => format!("≤ {}", num(hi)),
        (true, false) => format!("≥ {}", num(lo)),
        (true, true) => format!("[{}, {}]", num(lo), num(hi)),
    };
    let mut out = String::from(
        "| field | range (whole distribution) | every draw within | why |\n|---|---|---|---|\n",
    );
    let other: [(&str, String, &str, String); 7] = [
        (
            "`horizon`",
            format!("at most {MAX_MONTHS} months from `start` (50 years)"),
            "",
            "every series holds a value per month".to_owned(),
        ),
        (
            "`segment.*.cohorts`",
            format!("1 to {MAX_COHORTS}"),
            "",
            "memory and cohort reviews per path grow with it".to_owned(),
        ),
        (
            "`[[...]]` entries",
            format!("at most {MAX_ENTRIES} of each kind"),
            "",
            "every price review recomputes every option's share".to_owned(),
        ),
        (
            "steps of a path",
            format!("at most {}", num(MAX_WORK)),
            "",
            "cohorts × review_rate × months per segment, plus price reviews × options, plus month ends: about 2 s of one core".to_owned(),
        ),
        (
            "`reference.capability`",
            "[-100, 100]".to_owned(),
            "",
            "frontier-years, compounded by κ".to_owned(),
        ),
        (
            "`reference.tokens`",
            "(0, 1e12]".to_owned(),
            "",
            "tokens of the reference workload".to_owned(),
        ),
        (
            "κ^Q · ρ^Q · θ^Q · g^years",
            format!("≤ {}", num(MAX_COMPOUNDING)),
            "",
            "Q: the highest pace times the simulated years plus the largest lag; serving costs and token counts compound these".to_owned(),
        ),
    ];
    for (field, range, d, why) in other {
        out.push_str(&format!("| {field} | {range} | {d} | {why} |\n"));
    }
    for l in LIMITS {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            l.field,
            l.range.text(),
            draws(l.draws),
            l.reason
        ));
    }
    out
}

#[test]
fn the_readme_shows_the_table_of_limits() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let (start, end) = ("<!-- limits-table -->\n", "<!-- /limits-table -->");
    let table = readme
        .split_once(start)
        .and_then(|(_, rest)| rest.split_once(end))
        .map(|(t, _)| t);
    assert_eq!(
        table,
        Some(readme_table().as_str()),
        "README.md's table of limits differs from src/scenario/limits.rs; put this between its markers:\n{}",
        readme_table()
    );
}

#[test]
fn every_input_of_the_shipped_scenarios_has_a_limit_and_every_limit_an_input() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut used = std::collections::HashSet::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let s = super::super::load(&path, &[]).unwrap();
        for input in &s.inputs {
            let limit = find(&input.name).unwrap_or_else(|| panic!("no limit for {}", input.name));
            used.insert(limit.field);
        }
    }
    let unused: Vec<&str> = LIMITS
        .iter()
        .map(|l| l.field)
        .filter(|f| !used.contains(f))
        .collect();
    assert!(unused.is_empty(), "limits without an input: {unused:?}");
}

#[test]
fn numbers_read_like_the_readme() {
    assert_eq!(num(1e6), "1e6");
    assert_eq!(num(1e-6), "1e-6");
    assert_eq!(num(600.0), "600");
    assert_eq!(num(0.01), "0.01");
    assert_eq!(num(1.0 / 30.0), "1/30");
    assert_eq!(num(1e300), "1e300");
    assert_eq!(num(significant(2.5464496674231665e11)), "2.546e11");
    assert_eq!(num(significant(0.012345678)), "0.01235");
}
