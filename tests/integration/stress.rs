//! `infercast stress` end to end: files, the grid's monotonicity and reproducibility.

use super::*;
use assert_cmd::Command;

fn stress(args: &[&str], out: &Path) -> std::process::Output {
    Command::cargo_bin("infercast")
        .unwrap()
        .args(["stress", "--quiet"])
        .args(args)
        .arg("--out")
        .arg(out)
        .arg(tiny())
        .output()
        .unwrap()
}

fn json(dir: &Path, file: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(file)).unwrap()).unwrap()
}

/// The grid cells of `stress.json` as (plan, fee multiplier, growth multiplier, P(loss)).
fn cells(dir: &Path) -> Vec<(String, f64, f64, f64)> {
    let s = json(dir, "stress.json");
    let mut out = Vec::new();
    for p in s["plans"].as_array().unwrap() {
        for c in p["grid"].as_array().unwrap() {
            out.push((
                p["name"].as_str().unwrap().to_owned(),
                c["fee_multiplier"].as_f64().unwrap(),
                c["usage_growth_multiplier"].as_f64().unwrap(),
                c["loss"]["probability"].as_f64().unwrap(),
            ));
        }
    }
    out
}

const GRID: [&str; 4] = ["--grid", "fee=0.5:2:4", "--grid", "usage_growth=1:2:2"];

#[test]
fn stress_writes_its_files_and_a_higher_fee_never_raises_the_loss_probability() {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["--paths", "128"];
    args.extend(GRID);
    let run = stress(&args, out.path());
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("Pro (Frontier), fee $200") && stdout.contains("P(loss)"),
        "{stdout}"
    );
    assert!(stdout.lines().all(|l| l.chars().count() <= 100), "{stdout}");
    let dir = out.path();
    for file in [
        "manifest.json",
        "stress.json",
        "stress-grid.csv",
        "stress-series.csv",
        "stress.html",
    ] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    for plan in ["pro", "plus"] {
        for chart in ["margin", "loss-makers", "break-even", "heatmap"] {
            for ext in ["svg", "png"] {
                let f = dir.join(format!("stress-{plan}-{chart}.{ext}"));
                assert!(
                    std::fs::metadata(&f)
                        .map(|m| m.len() > 1000)
                        .unwrap_or(false),
                    "{f:?}"
                );
            }
        }
    }
    let manifest = json(dir, "manifest.json");
    assert_eq!(manifest["complete"], true);
    assert_eq!(
        manifest["grid"]["fee"],
        serde_json::json!([0.5, 1.0, 1.5, 2.0])
    );
    let html = std::fs::read_to_string(dir.join("stress.html")).unwrap();
    assert_eq!(html.matches("<svg ").count(), 8);
    assert!(!html.contains("<script") && !html.contains("src="));
    // The grid CSV: one row per plan and cell, pandas-readable numbers.
    let csv_text = std::fs::read_to_string(dir.join("stress-grid.csv")).unwrap();
    assert_eq!(csv_text.lines().count(), 1 + 2 * 8);
    assert!(
        csv_text.starts_with("plan,fee_multiplier,usage_growth_multiplier,fee,p_loss_final_year")
    );

    let cells = cells(dir);
    assert_eq!(cells.len(), 16);
    for plan in ["Pro", "Plus"] {
        for growth in [1.0, 2.0] {
            let row: Vec<f64> = cells
                .iter()
                .filter(|c| c.0 == plan && c.2 == growth)
                .map(|c| c.3)
                .collect();
            assert_eq!(row.len(), 4);
            assert!(
                row.windows(2).all(|w| w[1] <= w[0]),
                "{plan} ×{growth}: {row:?}"
            );
        }
    }
    // On an unlimited plan without overage, faster usage growth only adds cost: it never makes
    // a loss less likely (same fee, same paths). Plus bills overage above its cost, so there
    // more usage can help.
    for fee in [0.5, 1.0, 1.5, 2.0] {
        let p = |g: f64| {
            cells
                .iter()
                .find(|c| c.0 == "Pro" && c.1 == fee && c.2 == g)
                .unwrap()
                .3
        };
        assert!(p(2.0) >= p(1.0), "Pro fee ×{fee}");
    }
    // The cell at ×1, ×1 is the plan as written: its P(loss) is the final year's.
    let s = json(dir, "stress.json");
    for p in s["plans"].as_array().unwrap() {
        let last = p["years"].as_array().unwrap().last().unwrap()["loss"]["probability"].clone();
        let name = p["name"].as_str().unwrap();
        let cell = cells
            .iter()
            .find(|c| c.0 == name && c.1 == 1.0 && c.2 == 1.0)
            .unwrap();
        assert_eq!(last.as_f64().unwrap(), cell.3, "{name}");
    }
}

#[test]
fn stress_output_does_not_depend_on_threads_and_a_cell_run_alone_matches_the_grid() {
    let one = tempfile::tempdir().unwrap();
    let two = tempfile::tempdir().unwrap();
    for (dir, threads) in [(&one, "1"), (&two, "2")] {
        let mut args = vec!["--paths", "96", "--threads", threads];
        args.extend(GRID);
        assert!(stress(&args, dir.path()).status.success());
    }
    let names: Vec<_> = std::fs::read_dir(one.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names.len() > 10);
    for name in names {
        assert!(
            std::fs::read(one.path().join(&name)).unwrap()
                == std::fs::read(two.path().join(&name)).unwrap(),
            "{name:?} differs between thread counts"
        );
    }
    // One cell of the grid, run alone, gives the same probability: common random numbers.
    let alone = tempfile::tempdir().unwrap();
    let run = stress(
        &[
            "--paths",
            "96",
            "--grid",
            "fee=1.5:1.5:1",
            "--grid",
            "usage_growth=2:2:1",
        ],
        alone.path(),
    );
    assert!(run.status.success());
    let single = cells(alone.path());
    let grid = cells(one.path());
    for (plan, fee, growth, p) in &single {
        let same = grid
            .iter()
            .find(|c| c.0 == *plan && c.1 == *fee && c.2 == *growth)
            .unwrap();
        assert_eq!(same.3, *p, "{plan}");
    }
}

#[test]
fn stress_refuses_a_scenario_without_plans_and_a_bad_grid() {
    let out = tempfile::tempdir().unwrap();
    let bad = stress(&["--grid", "fee=2:1:3"], out.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--grid: expected LO ≤ HI"));
    let no_plans = Command::cargo_bin("infercast")
        .unwrap()
        .args(["stress", "--quiet"])
        .arg(root().join("scenarios/base.toml"))
        .output()
        .unwrap();
    assert_eq!(no_plans.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_plans.stderr).contains("has no [[plan]]"));
}

#[test]
fn stress_optimize_is_the_same_for_any_thread_count_and_says_what_it_chose() {
    let args = [
        "--paths",
        "48",
        "--optimize",
        "--plan",
        "Plus",
        "--range",
        "fee=10:40",
        "--range",
        "cap=50:200",
    ];
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut stdouts = Vec::new();
    for (dir, threads) in dirs.iter().zip(["1", "2", "4"]) {
        let mut a = args.to_vec();
        a.extend(["--threads", threads]);
        let run = stress(&a, dir.path());
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let text = String::from_utf8(run.stdout).unwrap();
        // The run's elapsed time is the one line that may differ.
        let text: String = text
            .lines()
            .filter(|l| !l.starts_with("finished in"))
            .map(|l| format!("{l}\n"))
            .collect();
        stdouts.push(text.replace(&dir.path().display().to_string(), "OUT"));
    }
    assert_eq!(stdouts[0], stdouts[1]);
    assert_eq!(stdouts[0], stdouts[2]);
    let mut names: Vec<_> = std::fs::read_dir(dirs[0].path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    for name in [
        "stress-candidates.csv",
        "stress-evppi.csv",
        "stress-plus-frontier.png",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} missing: {names:?}");
    }
    for name in &names {
        let one = std::fs::read(dirs[0].path().join(name)).unwrap();
        for other in &dirs[1..] {
            assert!(
                one == std::fs::read(other.path().join(name)).unwrap(),
                "{name:?} differs between thread counts"
            );
        }
    }
    // stress.json carries the choice, its scores, the candidates and the EVPPI ranking.
    let s = json(dirs[0].path(), "stress.json");
    let o = &s["optimization"][0];
    assert_eq!(o["plan"], "Plus");
    let chosen = &o["choice"];
    assert!(chosen.is_object(), "{o}");
    let candidates = o["candidates"].as_array().unwrap();
    assert!(
        candidates.len() > 49,
        "a 7 × 7 grid, the plan as written, refinements"
    );
    let evppi = o["evppi"].as_array().unwrap();
    assert!(!evppi.is_empty());
    let evpi = o["evpi"]["value"].as_f64().unwrap();
    let values: Vec<f64> = evppi.iter().map(|r| r["value"].as_f64().unwrap()).collect();
    assert!(
        values.windows(2).all(|w| w[0] >= w[1]),
        "sorted: {values:?}"
    );
    assert!(values.iter().all(|v| (0.0..=evpi).contains(v)));
    let text = &stdouts[0];
    assert!(text.contains("Recommendation"), "{text}");
    let first_plan_line = text.find("Plans (P(loss)").unwrap();
    assert!(text.find("Plus: fee $").unwrap() < first_plan_line);
}

#[test]
fn stress_optimize_refuses_bad_ranges_and_plans() {
    let out = tempfile::tempdir().unwrap();
    for (args, says) in [
        (
            vec!["--range", "fee=40:10"],
            "expected [LO, HI] with LO ≤ HI",
        ),
        (
            vec!["--range", "speed=1:2"],
            "\"speed\" is not a decision variable",
        ),
        (vec!["--plan", "Nope"], "no [[plan]] is named \"Nope\""),
    ] {
        let mut a = vec!["--paths", "8", "--optimize"];
        if args[0] == "--range" {
            a.extend(["--plan", "Plus"]);
        }
        a.extend(args);
        let run = stress(&a, out.path());
        assert_eq!(run.status.code(), Some(2), "{a:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(says), "{a:?}: {err}");
    }
}

#[test]
fn responding_subscribers_and_tier_groups_are_the_same_for_any_thread_count() {
    // The shipped scenario: elasticity, switching, credits, weekly caps, a tier group, and
    // the search of a plan whose subscribers respond.
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, threads) in dirs.iter().zip(["1", "2", "4"]) {
        let run = Command::cargo_bin("infercast")
            .unwrap()
            .args(["stress", "--quiet", "--paths", "16", "--optimize"])
            .args(["--plan", "Fixed-20", "--threads", threads, "--out"])
            .arg(dir.path())
            .arg(root().join("scenarios/subscription-stress.toml"))
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let names: Vec<_> = std::fs::read_dir(dirs[0].path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(names.len() > 40);
    for name in &names {
        let one = std::fs::read(dirs[0].path().join(name)).unwrap();
        for other in &dirs[1..] {
            assert!(
                one == std::fs::read(other.path().join(name)).unwrap(),
                "{name:?} differs between thread counts"
            );
        }
    }
    let s = json(dirs[0].path(), "stress.json");
    let claude = s["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Claude-20")
        .unwrap();
    assert_eq!(claude["responds"], true);
    assert_eq!(s["groups"][0]["name"], "Claude");
}
