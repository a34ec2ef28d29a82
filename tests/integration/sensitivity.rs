//! `infercast sensitivity` end to end: the dummy input, total ≥ first order, determinism
//! across threads and shards, `--until-se`, `--into`, and what is refused.

use super::*;
use assert_cmd::Command;
use serde_json::Value;

/// The sensitivity fixture: tiny, plus a dummy input, a correlation and a common target.
fn fixture() -> PathBuf {
    root().join("tests/fixtures/sensitivity.toml")
}

fn infercast(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("infercast")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

/// `infercast sensitivity --quiet <args> --out dir fixture`, which must succeed; its stdout.
fn sensitivity(dir: &Path, args: &[&str]) -> String {
    let file = fixture();
    let mut all = vec!["sensitivity", "--quiet"];
    all.extend(args);
    all.extend(["--out", dir.to_str().unwrap(), file.to_str().unwrap()]);
    let out = infercast(&all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("sensitivity.json")).unwrap()).unwrap()
}

/// Every file of `dir`, by name.
fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn assert_same_files(a: &Path, b: &Path) {
    let (fa, fb) = (files_of(a), files_of(b));
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&fa), names(&fb));
    for ((name, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(x == y, "{name} differs");
    }
}

/// (value, lo, hi) of an index.
fn est(i: &Value) -> (f64, f64, f64) {
    let f = |v: &Value| v.as_f64().unwrap();
    (f(&i["value"]), f(&i["ci95"][0]), f(&i["ci95"][1]))
}

#[test]
fn a_dummy_input_gets_total_index_zero_and_totals_are_at_least_first_orders() {
    let out = tempfile::tempdir().unwrap();
    let stdout = sensitivity(out.path(), &["--base", "256"]);
    assert!(stdout.contains("P(Collapse ≥ 10x by 2027-01)"), "{stdout}");
    assert!(stdout.lines().all(|l| l.chars().count() <= 100), "{stdout}");
    let dir = out.path();
    for file in [
        "sensitivity.json",
        "sensitivity.csv",
        "sensitivity-rows.csv",
        "sensitivity.html",
        "manifest.json",
        "sobol-target-collapse-10x-by-2027-01.svg",
        "sobol-collapse-factor.png",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let s = json(dir);
    // 9 inputs (the plan's is left out), the two imitation rates one group: 8 groups, the
    // model's randomness a ninth; 11 runs per row.
    let groups = s["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 9);
    let pair = groups
        .iter()
        .find(|g| g["kind"] == "correlated")
        .expect("a correlated group");
    assert_eq!(
        pair["label"],
        "segment.enterprise.bass_q + segment.developer.bass_q"
    );
    assert_eq!(groups[8]["kind"], "model");
    assert!(groups.iter().any(|g| g["label"] == "shock.never.factor"));
    assert_eq!(s["runs_per_row"], 11);
    assert_eq!(
        (s["rows"].as_u64(), s["paths"].as_u64()),
        (Some(256), Some(2816))
    );
    let notes = s["notes"].to_string();
    assert!(
        notes.contains("sampled jointly through the copula"),
        "{notes}"
    );
    assert!(notes.contains("plan"), "{notes}");
    let outcomes = s["outcomes"].as_array().unwrap();
    assert_eq!(outcomes.len(), 7, "2 targets and 5 headline outcomes");
    for o in outcomes {
        let label = o["label"].as_str().unwrap();
        for g in o["indices"].as_array().unwrap() {
            let (t, t_lo, t_hi) = est(&g["total"]);
            let (f, f_lo, f_hi) = est(&g["first"]);
            // Total ≥ first order within their intervals.
            assert!(t_hi >= f_lo, "{label} {}: total {t} first {f}", g["group"]);
            assert!(t_lo <= t && t <= t_hi && f_lo <= f && f <= f_hi);
            if g["group"] == "shock.never.factor" {
                // The model never reads it: f(AB_dummy) = f(A) on every row, exactly.
                assert_eq!((t, t_lo, t_hi), (0.0, 0.0, 0.0), "{label}");
                assert_eq!(g["total"]["se"], 0.0);
                assert!(f_lo <= 0.0 && 0.0 <= f_hi, "{label}: first order {f}");
            }
        }
    }
    // The common target is explained: the serving gain matters, with interactions.
    let common = &outcomes[1];
    assert_eq!(common["label"], "Collapse ≥ 10x by 2027-01");
    let top = common["indices"]
        .as_array()
        .unwrap()
        .iter()
        .max_by(|a, b| est(&a["total"]).0.total_cmp(&est(&b["total"]).0))
        .unwrap();
    assert_eq!(top["group"], "software.serving_gain_per_year");
    assert!(est(&top["total"]).1 > 0.3);
    // The rare target is flagged.
    assert!(
        outcomes[0]["warnings"].to_string().contains("too few"),
        "{}",
        outcomes[0]
    );
    // The CSV has a row per outcome and group.
    let csv = std::fs::read_to_string(dir.join("sensitivity.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 7 * 9);
    // The manifest says what the folder is.
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["kind"], "sensitivity");
    assert_eq!(m["sensitivity"]["runs_per_row"], 11);
    assert_eq!(m["complete"], true);
    let html = std::fs::read_to_string(dir.join("sensitivity.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), 7);
}

#[test]
fn threads_and_merged_shards_give_byte_identical_files() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    sensitivity(one.path(), &["--base", "128", "--threads", "1"]);
    sensitivity(two.path(), &["--base", "128", "--threads", "2"]);
    assert_same_files(one.path(), two.path());
    // 128 rows × 11 runs = 1408 paths = 22 blocks; 3 shards of 7, 7 and 8 blocks split rows.
    let shards = tempfile::tempdir().unwrap();
    let mut dirs = Vec::new();
    for k in 0..3 {
        let d = shards.path().join(k.to_string());
        let shard = format!("{k}/3");
        sensitivity(&d, &["--base", "128", "--shard", &shard]);
        dirs.push(d);
    }
    let merged = tempfile::tempdir().unwrap();
    let mut args = vec!["merge".to_owned()];
    // In another order than the blocks': merge sorts them.
    for d in [&dirs[2], &dirs[0], &dirs[1]] {
        args.push(d.display().to_string());
    }
    args.extend(["--out".to_owned(), merged.path().display().to_string()]);
    let out = Command::cargo_bin("infercast")
        .unwrap()
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Sobol' indices from 128 design rows"));
    assert_same_files(one.path(), merged.path());
    // A missing shard, or a run's shard among a design's, is refused.
    let out = infercast(&[
        "merge",
        dirs[0].to_str().unwrap(),
        dirs[1].to_str().unwrap(),
        "--out",
        merged.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
    let run_shard = shards.path().join("run");
    let out = infercast(&[
        "run",
        "--quiet",
        "--paths",
        "1408",
        "--shard",
        "2/3",
        "--out",
        run_shard.to_str().unwrap(),
        fixture().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let out = infercast(&[
        "merge",
        dirs[0].to_str().unwrap(),
        dirs[1].to_str().unwrap(),
        run_shard.to_str().unwrap(),
        "--out",
        merged.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not shards of the same run: kind"), "{err}");
}

#[test]
fn until_se_adds_rounds_until_every_total_index_is_precise_enough() {
    // The largest SE of a total index at 64 and at 128 rows (rows are the same in any run).
    let at = |rows: &str| {
        let d = tempfile::tempdir().unwrap();
        sensitivity(d.path(), &["--base", rows]);
        let s = json(d.path());
        let se = s["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|o| o["indices"].as_array().unwrap().clone())
            .map(|g| g["total"]["se"].as_f64().unwrap())
            .fold(0.0, f64::max);
        (d, s, se)
    };
    let (_d64, _, se64) = at("64");
    let (_d128, s128, se128) = at("128");
    assert!(se128 < se64, "{se128} {se64}");
    let x = (se64 + se128) / 2.0;
    let d = tempfile::tempdir().unwrap();
    let stdout = sensitivity(
        d.path(),
        &[
            "--base",
            "64",
            "--until-se",
            &x.to_string(),
            "--max-base",
            "640",
        ],
    );
    assert!(
        stdout.contains("every total index's SE is at most"),
        "{stdout}"
    );
    let s = json(d.path());
    assert_eq!(s["rows"], 128, "the first round that meets it: the second");
    assert_eq!(s["until_se_met"], true);
    assert_eq!(
        s["outcomes"], s128["outcomes"],
        "the same rows, the same indices"
    );
    // A target that cannot be met stops at --max-base, and says so.
    let d = tempfile::tempdir().unwrap();
    let stdout = sensitivity(
        d.path(),
        &[
            "--base",
            "64",
            "--until-se",
            "0.000001",
            "--max-base",
            "192",
        ],
    );
    assert!(stdout.contains("NOT met"), "{stdout}");
    let s = json(d.path());
    assert_eq!(
        (s["rows"].as_u64(), s["until_se_met"].as_bool()),
        (Some(192), Some(false))
    );
}

#[test]
fn into_puts_the_section_into_a_run_report_once() {
    let run = tempfile::tempdir().unwrap();
    let out = infercast(&[
        "run",
        "--quiet",
        "--paths",
        "128",
        "--out",
        run.path().to_str().unwrap(),
        fixture().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let into = run.path().to_str().unwrap();
    for _ in 0..2 {
        let d = tempfile::tempdir().unwrap();
        sensitivity(d.path(), &["--base", "64", "--into", into]);
    }
    let report = std::fs::read_to_string(run.path().join("report.html")).unwrap();
    assert_eq!(report.matches("<section id=\"sensitivity\">").count(), 1);
    let (section, assumptions) = (
        report.find("<section id=\"sensitivity\">").unwrap(),
        report.find("<h2 id=\"assumptions\">").unwrap(),
    );
    assert!(section < assumptions);
    // Another scenario's run folder (here: another --set) is refused before anything runs.
    let d = tempfile::tempdir().unwrap();
    let out = infercast(&[
        "sensitivity",
        "--quiet",
        "--base",
        "64",
        "--set",
        "capability.pace=1.2",
        "--into",
        into,
        "--out",
        d.path().to_str().unwrap(),
        fixture().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another scenario"));
    assert!(!d.path().join("manifest.json").exists());
}

#[test]
fn bad_settings_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path().to_str().unwrap();
    let f = fixture();
    let file = f.to_str().unwrap();
    for (args, expect) in [
        (vec!["--base", "100"], "multiple of 64"),
        (vec!["--until-se", "0.01", "--shard", "0/2"], "--shard"),
        (vec!["--max-base", "128"], "--until-se"),
        (vec!["--until-se", "2"], "between 0 and 1"),
        (vec!["--shard", "3/3"], "K from 0 to N-1"),
    ] {
        let mut all = vec!["sensitivity", "--quiet", "--out", dir, file];
        all.extend(&args);
        let out = infercast(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{args:?}: {err}");
    }
}
