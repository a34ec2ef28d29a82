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
    assert!(stdout.contains("Paired difference") && stdout.contains("collapse_factor: faster"));
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
