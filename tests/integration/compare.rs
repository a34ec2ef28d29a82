//! `infercast compare`: common random numbers, paired differences, files and errors.

use super::*;
use assert_cmd::Command;

/// A copy of the tiny scenario named `name`, with `body` appended.
fn variant(dir: &Path, name: &str, body: &str) -> PathBuf {
    let text = format!(
        "extends = {:?}\nname = {name:?}\n{body}",
        tiny().display().to_string()
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn compare(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::cargo_bin("infercast")
        .unwrap()
        .arg("compare")
        .arg("--quiet")
        .args(args)
        .output()
        .unwrap()
}

/// Every column of a CSV file by header.
fn columns(path: &Path) -> Vec<(String, Vec<f64>)> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); headers.len()];
    for rec in rdr.records() {
        for (c, cell) in rec.unwrap().iter().enumerate() {
            cols[c].push(cell.parse().unwrap_or(f64::NAN));
        }
    }
    headers.into_iter().zip(cols).collect()
}

fn column<'a>(cols: &'a [(String, Vec<f64>)], name: &str) -> &'a [f64] {
    &cols
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn paired_differences_are_path_by_path_on_common_random_numbers() {
    let scenarios = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = tiny();
    // Faster software gains: one input changes, every other input is shared.
    let b = variant(
        scenarios.path(),
        "faster",
        "[software]\nserving_gain_per_year = 6.0\n",
    );
    let run = compare(&[
        a.as_os_str(),
        b.as_os_str(),
        "--paths".as_ref(),
        "256".as_ref(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("What changed (1 settings differ)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("software.serving_gain_per_year"),
        "{stdout}"
    );
    assert!(stdout.contains("Ratio scenario ÷ tiny") && stdout.contains("± half its 95%"));
    assert!(stdout.lines().all(|l| l.chars().count() <= 100), "{stdout}");
    for file in [
        "compare.json",
        "compare.html",
        "tiny/report.html",
        "faster/report.html",
    ] {
        assert!(out.path().join(file).is_file(), "{file}");
    }
    for metric in [
        "cost_per_task_ref",
        "price_blended",
        "tokens_total",
        "revenue_total",
    ] {
        for ext in ["svg", "png"] {
            assert!(out.path().join(format!("compare-{metric}.{ext}")).is_file());
        }
    }
    let html = std::fs::read_to_string(out.path().join("compare.html")).unwrap();
    assert_eq!(html.matches("<svg ").count(), 4);
    assert!(!html.contains("<script") && !html.contains("src="));

    let ca = columns(&out.path().join("tiny/outcomes.csv"));
    let cb = columns(&out.path().join("faster/outcomes.csv"));
    // Common random numbers: every input both scenarios draw has the same value on each path.
    let shared: Vec<&String> = ca
        .iter()
        .map(|(n, _)| n)
        .filter(|n| n.contains('.') && cb.iter().any(|(m, _)| m == *n))
        .filter(|n| !n.starts_with("revenue."))
        .collect();
    assert!(shared.len() >= 5, "{shared:?}");
    for name in shared {
        assert_eq!(column(&ca, name), column(&cb, name), "{name} differs");
    }
    assert!(
        cb.iter()
            .all(|(n, _)| n != "software.serving_gain_per_year")
    );

    // Each difference in compare.json is the mean of b − a over the paths, with its interval.
    let c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("compare.json")).unwrap()).unwrap();
    let diffs = c["differences"].as_array().unwrap();
    assert!(diffs.len() >= 3);
    for d in diffs {
        let name = d["outcome"].as_str().unwrap();
        let pairs: Vec<f64> = column(&ca, name)
            .iter()
            .zip(column(&cb, name))
            .map(|(x, y)| y - x)
            .filter(|d| d.is_finite())
            .collect();
        let n = pairs.len() as f64;
        let mean = pairs.iter().sum::<f64>() / n;
        let sd = (pairs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let got = d["mean"].as_f64().unwrap();
        assert!(
            (got - mean).abs() <= 1e-9 * mean.abs().max(1.0),
            "{name}: {got} vs {mean}"
        );
        let half = 1.96 * sd / n.sqrt();
        let lo = d["ci95"][0].as_f64().unwrap();
        assert!(
            (lo - (mean - half)).abs() <= 1e-9 * mean.abs().max(1.0),
            "{name}"
        );
        assert_eq!(d["pairs"].as_u64().unwrap(), pairs.len() as u64);
    }
    // Faster software gains make the reference task's collapse larger on average.
    let collapse = diffs
        .iter()
        .find(|d| d["outcome"] == "collapse_factor")
        .unwrap();
    assert!(collapse["ci95"][0].as_f64().unwrap() > 0.0, "{collapse}");
    // The target table has one probability per scenario.
    assert_eq!(
        c["targets"][0]["probabilities"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn a_scenario_compared_with_an_identical_copy_differs_by_exactly_zero() {
    let scenarios = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = tiny();
    let b = variant(scenarios.path(), "copy", "");
    let run = compare(&[
        a.as_os_str(),
        b.as_os_str(),
        "--paths".as_ref(),
        "128".as_ref(),
        "--metric".as_ref(),
        "adoption.enterprise".as_ref(),
        "--out".as_ref(),
        out.path().as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.path().join("compare-adoption-enterprise.png").is_file());
    let c: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("compare.json")).unwrap()).unwrap();
    for d in c["differences"].as_array().unwrap() {
        assert_eq!(d["mean"], 0.0, "{d}");
        assert_eq!(d["ci95"], serde_json::json!([0.0, 0.0]), "{d}");
    }
    let row = &c["targets"][0]["probabilities"];
    assert_eq!(row[0], row[1]);
}

#[test]
fn compare_refuses_unknown_metrics_and_clashing_names() {
    let scenarios = tempfile::tempdir().unwrap();
    let a = tiny();
    let b = variant(scenarios.path(), "other", "");
    let bad = compare(&[
        a.as_os_str(),
        b.as_os_str(),
        "--metric".as_ref(),
        "revenue.Frontiers".as_ref(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--metric \"revenue.Frontiers\" is not a monthly series"),
        "{err}"
    );
    assert!(err.contains("did you mean \"revenue.Frontier\""), "{err}");
    let same = compare(&[a.as_os_str(), a.as_os_str()]);
    assert_eq!(same.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&same.stderr).contains("are both called \"tiny\""));
}

/// The tiny scenario conditioned on one loose observation of its collapse factor.
const OBSERVED: &str = "[[observation]]\nname = \"cf\"\nmetric = \"collapse_factor\"\n\
                        value = 10\nsd_log = 0.5\n";

/// A target only the second scenario declares.
const OWN_TARGET: &str =
    "[[target]]\nname = \"collapse ≥ 10\"\nmetric = \"collapse_factor\"\nat_least = 10\n";

/// Runs `compare` on `files` with `extra` arguments into `out`; its standard output.
fn compare_into(files: &[&Path], extra: &[&str], out: &Path) -> String {
    let mut args: Vec<&std::ffi::OsStr> = files.iter().map(|f| f.as_os_str()).collect();
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.extend(["--out".as_ref(), out.as_os_str()]);
    let run = compare(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn every_target_is_evaluated_on_every_scenario_with_its_paired_difference() {
    let scenarios = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let b = variant(
        scenarios.path(),
        "faster",
        &format!("[software]\nserving_gain_per_year = 6.0\n{OWN_TARGET}"),
    );
    let stdout = compare_into(&[&tiny(), &b], &["--paths", "200"], out.path());
    let c = json(&out.path().join("compare.json"));
    let row = c["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "collapse ≥ 10")
        .unwrap();
    assert_eq!(row["declared"], serde_json::json!([false, true]));
    // Evaluated on tiny's paths, which do not declare it: the share of paths at or above 10.
    let ca = columns(&out.path().join("tiny/outcomes.csv"));
    let cb = columns(&out.path().join("faster/outcomes.csv"));
    let hit = |c: &[(String, Vec<f64>)]| -> Vec<f64> {
        column(c, "collapse_factor")
            .iter()
            .map(|x| f64::from(u8::from(*x >= 10.0)))
            .collect()
    };
    let (ha, hb) = (hit(&ca), hit(&cb));
    let n = ha.len() as f64;
    let pa = ha.iter().sum::<f64>() / n;
    assert!((row["probabilities"][0]["probability"].as_f64().unwrap() - pa).abs() < 1e-12);
    // The paired difference: the mean of hb − ha with the paired (n − 1) variance.
    let d: Vec<f64> = ha.iter().zip(&hb).map(|(a, b)| b - a).collect();
    let mean = d.iter().sum::<f64>() / n;
    let se = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    let got = &row["differences"][1];
    assert!(
        (got["mean"].as_f64().unwrap() - mean).abs() < 1e-12,
        "{got}"
    );
    assert!((got["se"].as_f64().unwrap() - se).abs() < 1e-12, "{got}");
    assert!(se > 0.0 && mean > 0.0, "{got}");
    assert!(row["differences"][0].is_null());
    // Every row has a probability in every scenario, and the table marks the evaluated one.
    for r in c["targets"].as_array().unwrap() {
        assert!(
            r["probabilities"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p.is_object()),
            "{r}"
        );
    }
    assert!(
        stdout.contains('*') && stdout.contains("not declared"),
        "{stdout}"
    );
    assert!(!stdout.contains(" — "), "{stdout}");
}

#[test]
fn conditioned_scenarios_pair_with_their_weights_and_say_which_is_conditioned() {
    let scenarios = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = variant(scenarios.path(), "seen", OBSERVED);
    let copy = variant(scenarios.path(), "seen-copy", OBSERVED);
    let b = variant(
        scenarios.path(),
        "seen-faster",
        &format!("{OBSERVED}[software]\nserving_gain_per_year = 6.0\n{OWN_TARGET}"),
    );
    let plain = tiny();
    let stdout = compare_into(&[&a, &copy, &b, &plain], &["--paths", "200"], out.path());
    let c = json(&out.path().join("compare.json"));
    assert_eq!(
        c["pairing"],
        serde_json::json!([
            "same_observations",
            "same_observations",
            "same_observations",
            "unpaired"
        ])
    );
    assert_eq!(c["observations"], serde_json::json!([1, 1, 1, 0]));
    assert!(
        stdout.contains("tiny is not conditioned and seen is conditioned on 1 observation"),
        "{stdout}"
    );
    // The same observations on the same paths: a copy differs by exactly zero.
    for row in c["targets"].as_array().unwrap() {
        assert_eq!(row["differences"][1]["mean"], 0.0, "{row}");
        assert_eq!(row["differences"][1]["se"], 0.0, "{row}");
    }
    for r in c["ratios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scenario"] == "seen-copy")
    {
        assert_eq!(
            (r["median"].as_f64(), r["p25"].as_f64()),
            (Some(1.0), Some(1.0)),
            "{r}"
        );
    }
    // The weighted paired difference by hand, from the rows' normalised weights:
    // D = Σ ŵbᵢ hbᵢ − Σ ŵaᵢ haᵢ, Var = Σ (ŵbᵢ (hbᵢ − pb) − ŵaᵢ (haᵢ − pa))².
    let ca = columns(&out.path().join("seen/outcomes.csv"));
    let cb = columns(&out.path().join("seen-faster/outcomes.csv"));
    let (wa, wb) = (column(&ca, "weight"), column(&cb, "weight"));
    let hit = |c: &[(String, Vec<f64>)]| -> Vec<f64> {
        column(c, "collapse_factor")
            .iter()
            .map(|x| f64::from(u8::from(*x >= 10.0)))
            .collect()
    };
    let (ha, hb) = (hit(&ca), hit(&cb));
    let pa: f64 = ha.iter().zip(wa).map(|(h, w)| h * w).sum();
    let pb: f64 = hb.iter().zip(wb).map(|(h, w)| h * w).sum();
    let var: f64 = (0..ha.len())
        .map(|i| (wb[i] * (hb[i] - pb) - wa[i] * (ha[i] - pa)).powi(2))
        .sum();
    let row = c["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["label"] == "collapse ≥ 10")
        .unwrap();
    let got = &row["differences"][2];
    assert!(
        (got["mean"].as_f64().unwrap() - (pb - pa)).abs() < 1e-9,
        "{got} vs {}",
        pb - pa
    );
    assert!(
        (got["se"].as_f64().unwrap() - var.sqrt()).abs() < 1e-9,
        "{got} vs {}",
        var.sqrt()
    );
    assert!(var > 0.0);
    // Evaluated on the conditioned reference, which does not declare it: its weighted share.
    let p0 = row["probabilities"][0]["probability"].as_f64().unwrap();
    assert!((p0 - pa).abs() < 1e-9, "{p0} vs {pa}");
    assert!(row["probabilities"][0]["ess"].as_f64().unwrap() > 10.0);
}

#[test]
fn compare_is_byte_identical_on_one_and_four_threads() {
    let scenarios = tempfile::tempdir().unwrap();
    let a = variant(scenarios.path(), "seen", OBSERVED);
    let b = variant(
        scenarios.path(),
        "faster",
        &format!("[software]\nserving_gain_per_year = 6.0\n{OWN_TARGET}"),
    );
    let (one, four) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let s1 = compare_into(
        &[&a, &b, &tiny()],
        &["--paths", "200", "--threads", "1"],
        one.path(),
    );
    let s4 = compare_into(
        &[&a, &b, &tiny()],
        &["--paths", "200", "--threads", "4"],
        four.path(),
    );
    let strip = |s: &str, dir: &Path| s.replace(&dir.display().to_string(), "OUT");
    assert_eq!(strip(&s1, one.path()), strip(&s4, four.path()));
    let mut compared = 0;
    for entry in std::fs::read_dir(one.path()).unwrap() {
        let name = entry.unwrap().file_name();
        let p = one.path().join(&name);
        if p.is_file() {
            assert_eq!(
                std::fs::read(&p).unwrap(),
                std::fs::read(four.path().join(&name)).unwrap(),
                "{name:?}"
            );
            compared += 1;
        }
    }
    assert!(compared >= 10, "{compared}");
}
