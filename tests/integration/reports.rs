//! What a reader of the reports relies on: headline months that the date curves confirm, no
//! scientific notation in any page, terminal table or caption of the shipped scenarios' runs,
//! README links that resolve inside the repository, and flat CSV tables that load without
//! options.

use super::*;
use std::sync::OnceLock;

/// A shipped scenario's run: its file stem, output folder and terminal output.
type Run = (String, PathBuf, String);

/// Every shipped scenario run once at 96 paths. Shared by the tests of this module.
fn shipped_runs() -> &'static [Run] {
    static RUNS: OnceLock<(tempfile::TempDir, Vec<Run>)> = OnceLock::new();
    let (_, runs) = RUNS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        let runs = files
            .iter()
            .map(|f| {
                let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
                let out = dir.path().join(&stem);
                let o = assert_cmd::Command::cargo_bin("infercast")
                    .unwrap()
                    .args(["run", "--paths", "96", "--out"])
                    .arg(&out)
                    .arg(f)
                    .output()
                    .unwrap();
                assert!(
                    o.status.success(),
                    "{stem}: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                (stem, out, String::from_utf8_lossy(&o.stdout).into_owned())
            })
            .collect();
        (dir, runs)
    });
    runs
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// For every month outcome of every shipped scenario's run, each reported quantile is the first
/// month at which the run's cumulative date curve reaches it (or "never", null, when the curve
/// never does), and the terminal table prints the median's month.
#[test]
fn month_quantiles_are_the_months_the_date_curves_confirm() {
    let mut checked = 0;
    for (stem, out, stdout) in shipped_runs() {
        let s = json(&out.join("summary.json"));
        let months: Vec<&str> = s["months"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        for (outcome, row) in [
            ("month_100x", "month of the 100x collapse"),
            ("month_zero_marginal", "month of zero marginal intelligence"),
        ] {
            let curve: Vec<f64> = s["date_curves"][outcome]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["probability"].as_f64().unwrap())
                .collect();
            let q = &s["outcomes"][outcome];
            for (key, p) in [
                ("p5", 0.05),
                ("p25", 0.25),
                ("p50", 0.5),
                ("p75", 0.75),
                ("p95", 0.95),
            ] {
                let want = curve.iter().position(|c| *c >= p - 1e-12);
                match (q[key].as_f64(), want) {
                    (Some(x), Some(i)) => {
                        assert_eq!(x, (i + 1) as f64, "{stem} {outcome} {key}: curve {curve:?}");
                        assert!(i == 0 || curve[i - 1] < p, "{stem} {outcome} {key}");
                    }
                    (None, None) => {}
                    (got, want) => panic!("{stem} {outcome} {key}: {got:?} against {want:?}"),
                }
                checked += 1;
            }
            let median = want_label(&curve, &months, 0.5);
            let line = stdout
                .lines()
                .find(|l| l.starts_with(row))
                .unwrap_or_else(|| panic!("{stem}: no row {row:?} in\n{stdout}"));
            let cells: Vec<&str> = line[row.len()..].split_whitespace().collect();
            assert_eq!(
                cells.first().copied(),
                Some(median.as_str()),
                "{stem}: {line}"
            );
        }
    }
    assert!(checked >= 90, "{checked}");
}

/// The month at which `curve` first reaches `p`, or "never".
fn want_label(curve: &[f64], months: &[&str], p: f64) -> String {
    curve
        .iter()
        .position(|c| *c >= p - 1e-12)
        .map_or("never".to_owned(), |i| months[i].to_owned())
}

/// The text of `page` that people read: tags, the style sheet and inline SVG's markup left
/// out (the SVG's own text elements stay), entities as characters.
fn visible_text(page: &str) -> String {
    let page = match (page.find("<style>"), page.find("</style>")) {
        (Some(a), Some(b)) => format!("{}{}", &page[..a], &page[b..]),
        _ => page.to_owned(),
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Numbers in scientific notation (`1e18`, `3e-6`, `1.5E+9`) within `text`.
fn scientific(text: &str) -> Vec<String> {
    let c: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    for i in 1..c.len().saturating_sub(1) {
        if !matches!(c[i], 'e' | 'E') || !c[i - 1].is_ascii_digit() {
            continue;
        }
        // The mantissa: digits and a point, not part of a word or name (`GPT-4e`, `b3e1`).
        let mut a = i;
        while a > 0 && (c[a - 1].is_ascii_digit() || c[a - 1] == '.') {
            a -= 1;
        }
        let in_name = a > 0
            && (c[a - 1].is_alphanumeric()
                || c[a - 1] == '_'
                || (c[a - 1] == '-' && a > 1 && c[a - 2].is_alphanumeric()));
        if in_name {
            continue;
        }
        let mut j = i + 1;
        if j < c.len() && matches!(c[j], '-' | '+' | '−') {
            j += 1;
        }
        let digits = c[j..].iter().take_while(|d| d.is_ascii_digit()).count();
        let after = c.get(j + digits).copied().unwrap_or(' ');
        if digits > 0 && !after.is_alphanumeric() {
            found.push(
                c[a.saturating_sub(10)..(j + digits + 10).min(c.len())]
                    .iter()
                    .collect(),
            );
        }
    }
    found
}

#[test]
fn the_detector_finds_scientific_notation() {
    assert_eq!(scientific("cost $3e-6 per task").len(), 1);
    assert_eq!(scientific("tokens 1e18.").len(), 1);
    assert_eq!(scientific("-1e-14%").len(), 1);
    assert!(scientific("GPT-4e model, 2026-05, CAL-12, 1,000T, 0.000003").is_empty());
}

/// No page, caption or terminal table of any shipped scenario's run writes a number in
/// scientific notation (the inline charts' axis labels included).
#[test]
fn shipped_reports_never_use_scientific_notation() {
    for (stem, out, stdout) in shipped_runs() {
        let page = std::fs::read_to_string(out.join("report.html")).unwrap();
        let text = visible_text(&page);
        assert!(text.contains("Assumptions"), "{stem}");
        let found = scientific(&text);
        assert!(found.is_empty(), "{stem}: report.html shows {found:?}");
        let found = scientific(stdout);
        assert!(found.is_empty(), "{stem}: the terminal shows {found:?}");
    }
}

/// The report shows when it was run, how long it took and the command, inside the
/// provenance block, and `provenance.json` holds the same; the manifest does not list it.
#[test]
fn every_report_shows_its_provenance() {
    let (_, out, _) = &shipped_runs()[0];
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let stripped = infercast::report::html::strip_provenance(&page);
    assert!(page.contains("(UTC), in ") && page.contains("infercast run --paths 96"));
    assert!(!stripped.contains("(UTC), in ") && stripped.len() < page.len());
    let p = json(&out.join("provenance.json"));
    assert!(
        p["command"]
            .as_str()
            .unwrap()
            .starts_with("infercast run --paths 96")
    );
    assert_eq!(p["complete"], true);
    assert!(p["seconds"].as_f64().unwrap() > 0.0);
    let m = json(&out.join("manifest.json"));
    assert!(m["files"].get("provenance.json").is_none());
    assert_eq!(
        m["files"]["report.html"]["bytes"].as_u64(),
        Some(stripped.len() as u64)
    );
}

/// `targets.csv`, `assumptions.csv` and `columns.csv` are flat: one header of distinct
/// names, the same number of cells on every row, numeric columns all numbers (or empty), no
/// scientific notation; and the data dictionary covers every column of `outcomes.csv`.
#[test]
fn flat_tables_load_without_options() {
    for (stem, out, _) in shipped_runs() {
        for (file, numeric) in [
            (
                "targets.csv",
                &["probability", "se", "wilson95_low", "successes"][..],
            ),
            ("assumptions.csv", &["median", "p5", "p95"][..]),
            ("columns.csv", &[][..]),
        ] {
            let mut r = csv::Reader::from_path(out.join(file)).unwrap();
            let header: Vec<String> = r.headers().unwrap().iter().map(str::to_owned).collect();
            let mut names = header.clone();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), header.len(), "{stem} {file}");
            for rec in r.records() {
                let rec = rec.unwrap_or_else(|e| panic!("{stem} {file}: {e}"));
                assert_eq!(rec.len(), header.len(), "{stem} {file}");
                for col in numeric {
                    let i = header.iter().position(|h| h == col).unwrap();
                    let cell = &rec[i];
                    assert!(
                        cell.is_empty() || (cell.parse::<f64>().is_ok() && !cell.contains('e')),
                        "{stem} {file} {col}: {cell:?}"
                    );
                }
            }
        }
        let outcomes = csv::Reader::from_path(out.join("outcomes.csv"))
            .unwrap()
            .headers()
            .unwrap()
            .clone();
        let dictionary = std::fs::read_to_string(out.join("columns.csv")).unwrap();
        for c in outcomes.iter() {
            assert!(
                dictionary.contains(&format!("outcomes.csv,{c},")),
                "{stem}: columns.csv lacks {c}"
            );
        }
    }
}

/// The assumptions table shows fixed inputs and dates too, with the cited source's words and
/// address.
#[test]
fn assumptions_show_fixed_inputs_dates_and_sources_in_words() {
    let (_, out, _) = shipped_runs()
        .iter()
        .find(|(stem, ..)| stem == "base")
        .unwrap();
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    for want in [
        "Fixed inputs",
        "Dates",
        "Rubin delay (months)",
        "hardware.Rubin.date",
        "https://openai.com/api/pricing/",
        "Glossary",
        "Zero marginal intelligence",
    ] {
        assert!(page.contains(want), "report.html lacks {want:?}");
    }
    let s = json(&out.join("summary.json"));
    let rubin = s["assumptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["input"] == "hardware.Rubin.delay_months")
        .unwrap();
    assert_eq!(rubin["sources"][0]["id"], "CAL-45");
    assert!(!rubin["sources"][0]["figure"].as_str().unwrap().is_empty());
}

/// GitHub's anchor of a heading: lower case, punctuation but `-` and `_` dropped, spaces as
/// `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of the headings of Markdown `text` (code blocks skipped).
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// Every relative link of README.md (`[text](target)`) names a file of the repository, and
/// its `#anchor` a heading of that file; and the README sends nobody outside the repository
/// for the model or the sources.
#[test]
fn readme_links_resolve_inside_the_repository() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        !readme.contains("../shared/"),
        "README points outside the repository"
    );
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = &rest[..end];
        if target.contains("://") || target.starts_with("mailto:") || target.contains(' ') {
            continue;
        }
        let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
        let path = if file.is_empty() {
            root().join("README.md")
        } else {
            root().join(file)
        };
        assert!(path.exists(), "README links to {target}: no such file");
        if !anchor.is_empty() {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                anchors(&text).iter().any(|a| a == anchor),
                "README links to {target}: no such heading"
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked} links");
    for doc in ["docs/model.md", "docs/sources.md"] {
        assert!(
            readme.contains(&format!("]({doc}")),
            "README does not link {doc}"
        );
    }
}

fn infercast_out(args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("infercast")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

/// The `--set` example of `stress --help` is valid on the shipped subscription scenario, and
/// no `--threads` help says "default: 0" beside "one per core".
#[test]
fn help_examples_run_and_defaults_read_right() {
    let help = String::from_utf8(infercast_out(&["stress", "--help"]).stdout).unwrap();
    let example = help
        .split("--set ")
        .nth(2)
        .and_then(|t| t.split_whitespace().next())
        .unwrap_or_else(|| panic!("no --set example in\n{help}"));
    let file = root().join("scenarios/subscription-stress.toml");
    let o = infercast_out(&["validate", file.to_str().unwrap(), "--set", example]);
    assert!(
        o.status.success(),
        "{example}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    for command in ["run", "compare", "stress", "sensitivity"] {
        let help = String::from_utf8(infercast_out(&[command, "--help"]).stdout).unwrap();
        assert!(!help.contains("[default: 0]"), "{command} --help:\n{help}");
    }
}

/// `validate` shows a pinned delay's effective date and warns that pinning an input drops the
/// correlation naming it; counts read "1 correlation", not "1 correlations".
#[test]
fn validate_shows_effective_dates_and_dropped_correlations() {
    let base = root().join("scenarios/base.toml");
    let o = infercast_out(&[
        "validate",
        base.to_str().unwrap(),
        "--set",
        "hardware.Rubin.delay_months=6",
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("Rubin 2026-07 + 6 months = 2027-01"), "{out}");
    assert!(!out.contains(" 1 correlations"), "{out}");
    let s = load(&base, &[]).unwrap();
    if let Some(c) = s.correlations.first() {
        let name = s.input(c.a).name.clone();
        let o = infercast_out(&[
            "validate",
            base.to_str().unwrap(),
            "--set",
            &format!("{name}=1"),
        ]);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("warning: the correlation"), "{name}: {out}");
    }
}

/// A wrong `--set` is blamed, not the file it overrides.
#[test]
fn a_wrong_set_is_blamed_not_the_file() {
    let base = root().join("scenarios/base.toml");
    let o = infercast_out(&[
        "validate",
        base.to_str().unwrap(),
        "--set",
        "hardware.Rubin.delay_months=abc",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the file is valid; a --set override is not"),
        "{err}"
    );
    assert!(err.contains("--set:1:"), "{err}");
    let dir = files(&[("bad.toml", "horizon = 2030\n")]);
    let o = infercast_out(&["validate", dir.path().join("bad.toml").to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("bad.toml: invalid"));
}
