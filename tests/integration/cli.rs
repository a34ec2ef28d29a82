//! The binary end to end: exit codes and what it prints.

use super::*;
use assert_cmd::Command;

fn infercast() -> Command {
    Command::cargo_bin("infercast").expect("binary")
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn validate_prints_a_summary_and_exits_zero() {
    let (code, out, err) = output(
        infercast()
            .arg("validate")
            .arg(root().join("scenarios/base.toml")),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("base.toml: valid"));
    assert!(out.contains("2025-01 to 2030-12 (72 months)"));
    assert!(out.contains("vendors    OpenAI (frontier)"));
    assert!(
        out.contains("hardware.Rubin.delay_months"),
        "uncertain inputs are listed"
    );
    assert!(
        out.lines().all(|l| l.chars().count() <= 100),
        "fits 100 columns:\n{out}"
    );
}

#[test]
fn validate_exits_two_on_bad_input_and_still_checks_every_file() {
    let dir = files(&[("bad.toml", "horizon = 2030\n")]);
    let (code, out, err) = output(
        infercast()
            .arg("validate")
            .arg(dir.path().join("bad.toml"))
            .arg(tiny()),
    );
    assert_eq!(code, 2);
    assert!(err.contains("bad.toml: invalid"), "{err}");
    assert!(err.contains("bad.toml:1:11"), "{err}");
    assert!(out.contains("tiny.toml: valid"), "{out}");
}

#[test]
fn validate_set_and_its_errors() {
    let (code, out, _) = output(
        infercast()
            .args(["validate", "--set", "hardware.Rubin.delay_months=6"])
            .arg(tiny()),
    );
    assert_eq!(code, 0);
    assert!(
        !out.contains("hardware.Rubin.delay_months"),
        "a pinned input is no longer uncertain:\n{out}"
    );
    let (code, _, err) = output(
        infercast()
            .args(["validate", "--set", "hardware.Rubin.dely=6"])
            .arg(tiny()),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("closest valid names: hardware.Rubin.delay_months"),
        "{err}"
    );
    let (code, _, err) = output(infercast().args(["validate", "--set", "oops"]).arg(tiny()));
    assert_eq!(code, 2);
    assert!(err.contains("expected NAME=VALUE"), "{err}");
}

#[test]
fn missing_file_is_bad_input() {
    let (code, _, err) = output(infercast().args(["validate", "does-not-exist.toml"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read scenario file does-not-exist.toml"),
        "{err}"
    );
}

#[test]
fn explain_prints_timeline_table_and_decomposition() {
    let (code, out, err) = output(
        infercast()
            .arg("explain")
            .arg(root().join("scenarios/base.toml")),
    );
    assert_eq!(code, 0, "{err}");
    for part in [
        "Timeline",
        "DeepSeek launches",
        "Quarterly",
        "2025-Q1",
        "2030-Q4",
        "Revenue per quarter",
        "hardware     ×",
        "total        ×",
    ] {
        assert!(out.contains(part), "missing {part:?} in:\n{out}");
    }
    assert!(
        out.lines().all(|l| l.chars().count() <= 100),
        "fits 100 columns:\n{out}"
    );
}

#[test]
fn explain_json_multiplies_back_to_the_total() {
    let (code, out, err) = output(
        infercast()
            .args(["explain", "--json"])
            .arg(root().join("scenarios/base.toml")),
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let d = &v["collapse"]["decomposition"];
    let f = |k: &str| d[k].as_f64().unwrap_or_else(|| panic!("{k} in {d}"));
    let product = f("residual") * f("hardware") * f("efficiency") * f("competition") * f("devices");
    assert!((product / f("total") - 1.0).abs() < 1e-9, "{d}");
    assert_eq!(v["quarters"].as_array().unwrap().len(), 24);
    assert!(
        v["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"].as_str().unwrap().contains("Rubin"))
    );
    let (code, _, err) = output(
        infercast()
            .args(["explain", "--set", "capability.pace=-1"])
            .arg(root().join("scenarios/base.toml")),
    );
    assert_eq!(code, 2);
    assert!(err.contains("capability.pace"), "{err}");
}

#[test]
fn inconsistent_correlations_are_repaired_with_a_warning() {
    let body = "[[correlation]]\nbetween = [\"vendor.Challenger.launch_price\", \"hardware.Rubin.cost_factor\"]\nrank = 0.9\n\
                [[correlation]]\nbetween = [\"vendor.Challenger.launch_price\", \"vendor.Challenger.delay_months\"]\nrank = 0.9\n\
                [[correlation]]\nbetween = [\"hardware.Rubin.cost_factor\", \"vendor.Challenger.delay_months\"]\nrank = -0.9\n";
    let text = format!("extends = {:?}\n{body}", tiny().display().to_string());
    let dir = files(&[("c.toml", &text)]);
    let (code, out, err) = output(infercast().arg("validate").arg(dir.path().join("c.toml")));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("warning: the requested correlations are not consistent"),
        "{out}"
    );
    assert!(
        out.contains("vendor.Challenger.launch_price ~ hardware.Rubin.cost_factor: 0.908 ->"),
        "{out}"
    );
}

#[test]
fn the_end_of_run_table_is_aligned_with_units_and_fits_100_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = output(
        infercast()
            .args(["run", "--quiet", "--paths", "200", "--out"])
            .arg(dir.path())
            .arg(tiny()),
    );
    assert_eq!(code, 0, "{err}");
    for part in [
        "tiny: 200 paths, seed 7, random sampling",
        "Probability of",
        "95% interval",
        "collapse_factor ≥ 100",
        "revenue stall",
        "collapse factor, 2025-01 → 2027-01",
        "month of the 100x collapse",
        "report.html",
    ] {
        assert!(out.contains(part), "missing {part:?} in:\n{out}");
    }
    assert!(
        out.lines().all(|l| l.chars().count() <= 100),
        "fits 100 columns:\n{out}"
    );
    // Probabilities are percentages with an interval; factors carry "x"; months are dates.
    let target = out
        .lines()
        .find(|l| l.starts_with("collapse_factor ≥"))
        .unwrap();
    assert_eq!(target.matches('%').count(), 3, "{target}");
    let collapse = out
        .lines()
        .find(|l| l.starts_with("collapse factor"))
        .unwrap();
    assert_eq!(collapse.matches('x').count(), 3, "{collapse}");
    // The numbers of a table end in one column.
    let ends: Vec<usize> = out
        .lines()
        .filter(|l| l.contains('%') && l.contains('–'))
        .map(|l| l.chars().count())
        .collect();
    assert!(
        ends.len() >= 2 && ends.iter().all(|e| *e == ends[0]),
        "{out}"
    );
}

/// `infercast ARGS...` stopped after 20 s (a command that accepts a huge count would run for
/// ages): its exit code and stderr.
fn bounded(args: &[&str]) -> (i32, String) {
    let out = infercast()
        .args(args)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn numeric_arguments_are_bounded_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out").display().to_string();
    let t = tiny().display().to_string();
    let base = root().join("scenarios/base.toml").display().to_string();
    let huge = "1000000000000000000";
    let limit = "1099511627776";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "--paths", huge, &t], limit),
        (vec!["run", "--paths", huge, "--shard", "0/4", &t], limit),
        (
            vec!["run", "--until-se", "0.01", "--max-paths", huge, &t],
            limit,
        ),
        (vec!["stress", "--paths", huge, &t], limit),
        (vec!["compare", "--paths", huge, &t, &base], limit),
        (
            vec!["run", "--paths", "64", "--shard", "0/2000000", &t],
            "1048576",
        ),
        (
            vec!["run", "--paths", "64", "--threads", "100000", &t],
            "1024",
        ),
        (
            vec!["stress", "--paths", "64", "--grid", "fee=1e-300:1:3", &t],
            "0.01",
        ),
        (
            vec![
                "stress",
                "--paths",
                "64",
                "--grid",
                "usage_growth=1:1e300:3",
                &t,
            ],
            "100",
        ),
    ];
    for (mut args, expected) in cases {
        args.extend(["--quiet", "--out", &out]);
        let (code, err) = bounded(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!Path::new(&out).exists(), "{args:?} wrote {out}");
    }
}
