//! The Monte Carlo runner end to end: determinism across threads, outputs, targets.

use super::*;
use assert_cmd::Command;

/// `infercast run --quiet <extra> --out dir tiny.toml`, which must succeed.
fn run_tiny(dir: &Path, extra: &[&str]) {
    let out = Command::cargo_bin("infercast")
        .unwrap()
        .args(["run", "--quiet"])
        .args(extra)
        .arg("--out")
        .arg(dir)
        .arg(tiny())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_into(dir: &Path, threads: &str, paths: &str) {
    run_tiny(dir, &["--paths", paths, "--threads", threads]);
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The names of the files in `dir`, sorted.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn one_two_and_four_threads_write_byte_identical_files() {
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, threads) in dirs.iter().zip(["1", "2", "4"]) {
        run_into(dir.path(), threads, "300");
    }
    // Every file: data, charts and report.
    let names = file_names(dirs[0].path());
    assert!(names.len() > 10, "charts and report are written: {names:?}");
    for file in &names {
        let first = stable_bytes(&dirs[0].path().join(file));
        assert!(first.len() > 30, "{file} is not trivial");
        for d in &dirs[1..] {
            assert_eq!(file_names(d.path()), names);
            assert!(
                stable_bytes(&d.path().join(file)) == first,
                "{file} differs between thread counts"
            );
        }
    }
}

#[test]
fn outputs_are_complete_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "2", "200");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(dir.path(), "manifest.json")).unwrap();
    assert_eq!(manifest["paths"], 200);
    assert_eq!(manifest["complete"], true);
    assert_eq!(manifest["block_size"], infercast::run::BLOCK_SIZE);
    assert!(
        manifest["resolved_scenario"]
            .as_str()
            .unwrap()
            .contains("[[vendor]]")
    );

    // outcomes.csv: one row per path in path order; the target's probability in summary.json
    // is the share of rows meeting it.
    let outcomes = read(dir.path(), "outcomes.csv");
    let mut rdr = csv::Reader::from_reader(&outcomes[..]);
    let headers = rdr.headers().unwrap().clone();
    let col = headers.iter().position(|h| h == "collapse_factor").unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().enumerate().all(|(i, r)| r[0] == *i.to_string()));
    let hits = rows
        .iter()
        .filter(|r| r[col].parse::<f64>().unwrap() >= 100.0)
        .count();
    let summary: serde_json::Value =
        serde_json::from_slice(&read(dir.path(), "summary.json")).unwrap();
    let target = &summary["targets"][0];
    assert_eq!(target["metric"], "collapse_factor");
    assert_eq!(target["successes"], hits as u64);
    let p = hits as f64 / 200.0;
    assert!((target["probability"].as_f64().unwrap() - p).abs() < 1e-12);
    assert!((target["se"].as_f64().unwrap() - (p * (1.0 - p) / 200.0).sqrt()).abs() < 1e-12);

    // series.csv is tidy: month, metric, statistic, value; 8 statistics per month and series.
    let series = read(dir.path(), "series.csv");
    let mut rdr = csv::Reader::from_reader(&series[..]);
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["month", "metric", "statistic", "value"]
    );
    let n = rdr.records().count();
    let layout = infercast::model::Layout::new(&load(&tiny(), &[]).unwrap());
    assert_eq!(n, layout.len() * 36 * 8);

    // Date curves rise to the share of paths that reach the event.
    let curve = summary["date_curves"]["month_100x"].as_array().unwrap();
    assert_eq!(curve.len(), 36);
    let probs: Vec<f64> = curve
        .iter()
        .map(|c| c["probability"].as_f64().unwrap())
        .collect();
    assert!(probs.windows(2).all(|w| w[1] >= w[0]));
    // Sensitivity lists uncertain inputs by |rank correlation|.
    let sens = summary["sensitivity"]["collapse_factor"]
        .as_array()
        .unwrap();
    assert!(!sens.is_empty());
    let rho: Vec<f64> = sens
        .iter()
        .map(|e| e["spearman"].as_f64().unwrap().abs())
        .collect();
    assert!(rho.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn run_refuses_bad_input_with_exit_two() {
    let out = Command::cargo_bin("infercast")
        .unwrap()
        .args(["run", "--quiet", "--paths", "0"])
        .arg(tiny())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::cargo_bin("infercast")
        .unwrap()
        .args(["run", "--quiet", "--set", "capability.pace=-2"])
        .arg(tiny())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn latin_hypercube_runs_are_recorded_and_thread_independent() {
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, threads) in dirs.iter().zip(["1", "2"]) {
        run_tiny(
            dir.path(),
            &["--sampling", "lhs", "--paths", "130", "--threads", threads],
        );
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(dirs[0].path(), "manifest.json")).unwrap();
    assert_eq!(manifest["sampling"], "lhs");
    for file in ["summary.json", "outcomes.csv", "series.csv"] {
        assert!(
            read(dirs[0].path(), file) == read(dirs[1].path(), file),
            "{file}"
        );
    }
}

#[test]
fn until_se_stops_at_a_round_once_every_target_is_precise_enough() {
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    for (dir, threads) in dirs.iter().zip(["1", "2"]) {
        run_tiny(
            dir.path(),
            &[
                "--until-se",
                "0.01",
                "--max-paths",
                "20000",
                "--threads",
                threads,
            ],
        );
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&read(dirs[0].path(), "summary.json")).unwrap();
    let n = summary["paths"].as_u64().unwrap();
    let round = infercast::run::BLOCK_SIZE * infercast::run::ROUND_BLOCKS;
    assert!(
        n.is_multiple_of(round) && n < 20_000,
        "stopped after {n} paths"
    );
    let se = summary["targets"][0]["se"].as_f64().unwrap();
    assert!(se <= 0.01, "se {se}");
    // One round fewer would not have been enough, unless it stopped after the first round.
    let p = summary["targets"][0]["probability"].as_f64().unwrap();
    if n > round {
        assert!(
            (p * (1.0 - p) / (n - round) as f64).sqrt() > 0.01 * 0.9,
            "stopped late: p {p}, n {n}"
        );
    }
    for file in [
        "summary.json",
        "outcomes.csv",
        "series.csv",
        "manifest.json",
    ] {
        assert!(
            read(dirs[0].path(), file) == read(dirs[1].path(), file),
            "{file}"
        );
    }
    let out = Command::cargo_bin("infercast")
        .unwrap()
        .args(["run", "--quiet", "--until-se", "0.01", "--sampling", "lhs"])
        .arg(tiny())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Latin hypercube"));
}

fn infercast_ok(args: &[&str], dir: &Path, env: Option<(&str, &str)>) -> std::process::Output {
    let mut cmd = Command::cargo_bin("infercast").unwrap();
    cmd.args(args).arg("--out").arg(dir);
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn three_shards_merged_equal_one_run_byte_for_byte() {
    let root_dir = tempfile::tempdir().unwrap();
    let d = |name: &str| root_dir.path().join(name);
    let tiny_path = tiny().display().to_string();
    let base = ["run", "--quiet", "--paths", "300", tiny_path.as_str()];
    assert!(infercast_ok(&base, &d("full"), None).status.success());
    for (k, threads) in [("0/3", "1"), ("1/3", "2"), ("2/3", "1")] {
        let mut args = base.to_vec();
        args.extend(["--shard", k, "--threads", threads]);
        let out = infercast_ok(&args, &d(&format!("s{}", &k[..1])), None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // `auto` takes the index from the job array's variable.
    let mut args = base.to_vec();
    args.extend(["--shard", "auto/3"]);
    assert!(
        infercast_ok(&args, &d("auto1"), Some(("SLURM_ARRAY_TASK_ID", "1")))
            .status
            .success()
    );
    assert_eq!(
        read(&d("auto1"), "tally.json"),
        read(&d("s1"), "tally.json")
    );

    let merge = |dirs: &[&str], out: &str| {
        let mut cmd = Command::cargo_bin("infercast").unwrap();
        cmd.arg("merge");
        for x in dirs {
            cmd.arg(d(x));
        }
        cmd.arg("--out").arg(d(out)).output().unwrap()
    };
    let out = merge(&["s2", "s0", "s1"], "merged");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every file: data, charts and report.
    let files = |dir: &str| file_names(&d(dir));
    assert_eq!(files("full"), files("merged"));
    assert!(files("full").len() > 10, "charts and report are written");
    for file in files("full") {
        assert!(
            stable_bytes(&d("full").join(&file)) == stable_bytes(&d("merged").join(&file)),
            "{file} differs after merge"
        );
    }
    let missing = merge(&["s0", "s2"], "bad1");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("a shard is missing"));
    let twice = merge(&["s0", "s1", "s1", "s2"], "bad2");
    assert_eq!(twice.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&twice.stderr).contains("present twice"));
    let mut args = base.to_vec();
    args.extend(["--shard", "1/3", "--seed", "99"]);
    assert!(infercast_ok(&args, &d("other"), None).status.success());
    let mixed = merge(&["s0", "other", "s2"], "bad3");
    assert_eq!(mixed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("not shards of the same run: seed"));
    let not_a_shard = merge(&["full"], "bad4");
    assert_eq!(not_a_shard.status.code(), Some(2));
    let mut args = base.to_vec();
    args.extend(["--shard", "3/3"]);
    assert_eq!(infercast_ok(&args, &d("bad5"), None).status.code(), Some(2));
    let mut args = base.to_vec();
    args.extend(["--shard", "0/3", "--until-se", "0.01"]);
    assert_eq!(infercast_ok(&args, &d("bad6"), None).status.code(), Some(2));
}

#[test]
fn sigint_leaves_valid_files_marked_incomplete_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("infercast");
    let child = std::process::Command::new(bin)
        .args(["run", "--quiet", "--paths", "1000000", "--out"])
        .arg(dir.path())
        .arg(root().join("scenarios/base.toml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // After the first block (64 paths take well under a second); any number of finished
    // blocks is fine.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("marked incomplete"), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(dir.path(), "manifest.json")).unwrap();
    assert_eq!(manifest["complete"], false);
    let paths = manifest["paths"].as_u64().unwrap();
    assert!(
        paths > 0 && paths < 1_000_000 && paths.is_multiple_of(infercast::run::BLOCK_SIZE),
        "{paths}"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&read(dir.path(), "summary.json")).unwrap();
    assert_eq!(summary["paths"].as_u64(), Some(paths));
    let outcomes = read(dir.path(), "outcomes.csv");
    assert_eq!(
        csv::Reader::from_reader(&outcomes[..]).records().count() as u64,
        paths
    );
    assert!(
        !std::fs::read_dir(dir.path()).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".tmp")),
        "no temporary file left"
    );
}

/// `summary.json` of the tiny scenario (100 paths, its seed) against the committed golden file.
/// After an intended change of the model or the statistics, regenerate it with
/// `UPDATE_GOLDEN=1 cargo test --release golden` and review the diff.
#[test]
fn golden_summary_of_the_tiny_scenario() {
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "2", "100");
    let got = read(dir.path(), "summary.json");
    let golden = root().join("tests/golden/tiny-summary.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    let want =
        std::fs::read(&golden).expect("tests/golden/tiny-summary.json (UPDATE_GOLDEN=1 writes it)");
    assert!(
        got == want,
        "summary.json of the tiny scenario changed; if intended, regenerate with UPDATE_GOLDEN=1 and review the diff"
    );
}

#[cfg(unix)]
#[test]
fn output_files_are_readable_by_others() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    run_into(dir.path(), "1", "64");
    for file in [
        "manifest.json",
        "summary.json",
        "series.csv",
        "outcomes.csv",
    ] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644, "{file}");
    }
}

/// A valid scenario whose paths are long: base with 20,000 enterprise cohorts reviewed 30
/// times a month (tens of millions of reviews a path, near the validation's limit).
fn long_paths(dir: &Path) -> PathBuf {
    let text = format!(
        "extends = {:?}\nname = \"long\"\n[segment.enterprise]\ncohorts = 20000\nreview_rate = 30\n",
        root().join("scenarios/base.toml").display().to_string()
    );
    let path = dir.join("long.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn ctrl_c_stops_a_run_within_a_second_or_two_even_inside_a_long_path() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = long_paths(dir.path());
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("infercast");
    // One thread, one block of 64 long paths in flight: finishing it would take many seconds.
    let child = std::process::Command::new(bin)
        .args(["run", "--quiet", "--paths", "64", "--threads", "1", "--out"])
        .arg(&out)
        .arg(&scenario)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let signalled = std::time::Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let done = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{stderr}");
    assert!(
        took < std::time::Duration::from_secs(3),
        "Ctrl-C took {took:?} to stop the run"
    );
    // The block in flight is discarded: the outputs hold the finished blocks (none) and are
    // marked incomplete, consistently.
    let manifest: serde_json::Value = serde_json::from_slice(&read(&out, "manifest.json")).unwrap();
    assert_eq!(manifest["complete"], false);
    let paths = manifest["paths"].as_u64().unwrap();
    assert!(paths.is_multiple_of(infercast::run::BLOCK_SIZE), "{paths}");
    let outcomes = read(&out, "outcomes.csv");
    assert_eq!(
        csv::Reader::from_reader(&outcomes[..]).records().count() as u64,
        paths
    );
}

/// Parquet shards (run on different thread counts, one of them written as CSV) merge into the
/// files of a single run, Parquet and CSV, byte for byte: the Parquet files are deterministic
/// and `merge` reads back exactly what they hold.
#[cfg(feature = "parquet")]
#[test]
fn parquet_shards_merge_into_the_single_runs_files_byte_for_byte() {
    let root_dir = tempfile::tempdir().unwrap();
    let d = |name: &str| root_dir.path().join(name);
    let tiny_path = tiny().display().to_string();
    let base = ["run", "--quiet", "--paths", "300", tiny_path.as_str()];
    let with = |extra: &[&'static str]| {
        let mut args = base.to_vec();
        args.extend(extra);
        args
    };
    let ok = |args: &[&str], dir: &str| {
        let out = infercast_ok(args, &d(dir), None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&with(&["--format", "both", "--threads", "2"]), "full");
    ok(&with(&["--format", "parquet", "--threads", "1"]), "parquet");
    for (k, threads, format) in [
        ("0/3", "1", "parquet"),
        ("1/3", "2", "csv"),
        ("2/3", "2", "parquet"),
    ] {
        let args = with(&["--shard", k, "--threads", threads, "--format", format]);
        ok(&args, &format!("s{}", &k[..1]));
    }
    assert!(d("s0").join("outcomes.parquet").exists() && !d("s0").join("outcomes.csv").exists());
    let merge = |out: &str, format: &str| {
        let out = Command::cargo_bin("infercast")
            .unwrap()
            .arg("merge")
            .args([d("s2"), d("s1"), d("s0")])
            .arg("--out")
            .arg(d(out))
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    merge("merged", "both");
    let files = file_names(&d("full"));
    assert_eq!(files, file_names(&d("merged")));
    for name in ["outcomes", "series", "targets", "assumptions"] {
        assert!(files.contains(&format!("{name}.parquet")), "{name}.parquet");
    }
    for file in &files {
        assert!(
            stable_bytes(&d("full").join(file)) == stable_bytes(&d("merged").join(file)),
            "{file} differs after merge"
        );
    }
    // One thread or two, one process or three: the same Parquet bytes; no CSV unless asked.
    let parquet = file_names(&d("parquet"));
    assert!(!parquet.iter().any(|f| f.ends_with(".csv")));
    for file in parquet.iter().filter(|f| f.ends_with(".parquet")) {
        assert!(
            read(&d("parquet"), file) == read(&d("full"), file),
            "{file} depends on threads"
        );
    }
    // Merged without --format: the first shard's (by block order) format.
    let out = Command::cargo_bin("infercast")
        .unwrap()
        .arg("merge")
        .args([d("s1"), d("s0"), d("s2")])
        .arg("--out")
        .arg(d("default"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(d("default").join("outcomes.parquet").exists());
    assert!(!d("default").join("outcomes.csv").exists());
}
