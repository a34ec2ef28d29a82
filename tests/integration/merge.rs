//! `merge`: every shipped scenario round-trips through shards, and shard folders that are
//! damaged, mixed or inconsistent are refused (exit 2, naming the folder and the file).

use super::*;
use assert_cmd::Command;

fn infercast(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("infercast")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The files of `dir`, sorted, with their contents.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                super::stable_bytes(&e.path()),
            )
        })
        .collect();
    v.sort();
    v
}

/// Runs `scenario` (with `extra` arguments) once and as 3 shards, merges the shards, and
/// checks that the merged folder equals the single run's byte for byte.
fn round_trip(root: &Path, scenario: &Path, extra: &[&str]) {
    let name = scenario.file_stem().unwrap().to_string_lossy().into_owned();
    let d = |x: &str| root.join(format!("{name}-{x}")).display().to_string();
    let file = scenario.display().to_string();
    let mut base = vec!["run", "--quiet", "--paths", "130", &file];
    base.extend(extra);
    let full = d("full");
    let mut args = base.clone();
    args.extend(["--out", &full]);
    ok(&infercast(&args));
    let shards: Vec<String> = (0..3).map(|k| d(&format!("s{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        let shard = format!("{k}/3");
        let mut args = base.clone();
        args.extend(["--shard", &shard, "--out", dir]);
        ok(&infercast(&args));
    }
    let merged = d("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    args.extend(["--out", &merged]);
    let o = infercast(&args);
    assert!(
        o.status.success(),
        "{name} {extra:?}: merge failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (a, b) = (contents(Path::new(&full)), contents(Path::new(&merged)));
    assert_eq!(
        a.iter().map(|x| &x.0).collect::<Vec<_>>(),
        b.iter().map(|x| &x.0).collect::<Vec<_>>(),
        "{name}"
    );
    for ((file, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{name} {extra:?}: {file} differs after merge");
    }
}

#[test]
fn every_shipped_scenario_round_trips_through_shards_and_merge() {
    let root = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(super::root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "{files:?}");
    for f in &files {
        round_trip(root.path(), f, &[]);
    }
}

#[test]
fn a_set_on_a_correlated_input_round_trips_through_shards_and_merge() {
    let root = tempfile::tempdir().unwrap();
    // base correlates Rubin's and Feynman's delays, and the segments' imitation rates.
    let base = super::root().join("scenarios/base.toml");
    round_trip(
        root.path(),
        &base,
        &["--set", "hardware.Rubin.delay_months=3"],
    );
    let root = tempfile::tempdir().unwrap();
    round_trip(
        root.path(),
        &base,
        &["--set", "segment.developer.bass_q=0.4"],
    );
}

#[test]
fn the_resolved_scenario_is_what_was_simulated() {
    // A pinned input drops the inherited correlation that names it: the resolved scenario
    // in the manifest reads back without it, as the same scenario.
    let s = load(&super::root().join("scenarios/rubin-slip.toml"), &[]).unwrap();
    assert!(
        !s.resolved
            .contains("hardware.Rubin.delay_months\", \"hardware.Feynman")
    );
    let again = infercast::scenario::from_str("resolved_scenario", &s.resolved).unwrap();
    assert_eq!(again.resolved, s.resolved);
    assert_eq!(again.correlations.len(), s.correlations.len());
}

/// Three shard folders of tiny (192 paths, seed `seed`) in `root/<prefix>0..2`.
fn shards(root: &Path, prefix: &str, seed: &str) -> Vec<PathBuf> {
    let t = tiny().display().to_string();
    (0..3)
        .map(|k| {
            let dir = root.join(format!("{prefix}{k}"));
            let shard = format!("{k}/3");
            let d = dir.display().to_string();
            ok(&infercast(&[
                "run", "--quiet", "--paths", "192", "--seed", seed, "--shard", &shard, "--out", &d,
                &t,
            ]));
            dir
        })
        .collect()
}

fn merge(dirs: &[PathBuf], out: &Path) -> std::process::Output {
    let mut cmd = Command::cargo_bin("infercast").unwrap();
    cmd.arg("merge").args(dirs).arg("--out").arg(out);
    cmd.output().unwrap()
}

/// Copies folder `from` to `to`.
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, v: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
}

/// Records `file`'s current size and hash in `dir`'s manifest, as a forger (or a careless
/// copy) would: the checks of what the files say must catch what the hashes then do not.
fn rehash(dir: &Path, file: &str) {
    let bytes = std::fs::read(dir.join(file)).unwrap();
    let m = dir.join("manifest.json");
    let mut v = read_json(&m);
    v["files"][file] = serde_json::json!({
        "bytes": bytes.len(),
        "fnv1a64": format!("{:016x}", infercast::stats::fnv1a64(&bytes)),
    });
    write_json(&m, &v);
}

/// A merge of `dirs` must be refused (exit 2, no panic), naming folder `dir` and `file`.
fn refused(dirs: &[PathBuf], dir: &Path, file: &str, what: &str) {
    let out = dir.parent().unwrap().join("merged");
    let o = merge(dirs, &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert!(
        stderr.contains(&dir.display().to_string()) && stderr.contains(file),
        "{what}: the message names neither {} nor {file}: {stderr}",
        dir.display()
    );
    assert!(
        !out.exists(),
        "{what}: a refused merge wrote {}",
        out.display()
    );
}

/// Applies `damage` to a copy of shard 1 and checks the merge is refused, naming the copy and
/// `file`.
fn damaged(root: &Path, good: &[PathBuf], file: &str, what: &str, damage: &dyn Fn(&Path)) {
    let bad = root.join(format!("bad-{}", what.replace(' ', "-")));
    copy(&good[1], &bad);
    damage(&bad);
    refused(
        &[good[0].clone(), bad.clone(), good[2].clone()],
        &bad,
        file,
        what,
    );
}

#[test]
fn merge_refuses_shards_whose_files_are_not_what_their_manifest_says() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let good = shards(r, "s", "1");
    let other = shards(r, "o", "2");
    ok(&merge(&good, &r.join("fine")));

    // Killed mid-write by an earlier version: the old manifest beside a new tally (and new
    // rows).
    damaged(r, &good, "tally.json", "mixed shard", &|d| {
        std::fs::copy(other[1].join("tally.json"), d.join("tally.json")).unwrap();
    });
    damaged(r, &good, "outcomes.csv", "mixed shard and rows", &|d| {
        std::fs::copy(other[1].join("tally.json"), d.join("tally.json")).unwrap();
        std::fs::copy(other[1].join("outcomes.csv"), d.join("outcomes.csv")).unwrap();
    });
    // Truncated.
    damaged(r, &good, "tally.json", "truncated tally", &|d| {
        let b = std::fs::read(d.join("tally.json")).unwrap();
        std::fs::write(d.join("tally.json"), &b[..b.len() / 2]).unwrap();
    });
    damaged(r, &good, "tally.json", "truncated tally rehashed", &|d| {
        let b = std::fs::read(d.join("tally.json")).unwrap();
        std::fs::write(d.join("tally.json"), &b[..b.len() / 2]).unwrap();
        rehash(d, "tally.json");
    });
    damaged(r, &good, "outcomes.csv", "missing rows", &|d| {
        std::fs::remove_file(d.join("outcomes.csv")).unwrap();
    });
    damaged(r, &good, "manifest.json", "earlier version", &|d| {
        let mut v = read_json(&d.join("manifest.json"));
        v.as_object_mut().unwrap().remove("files");
        write_json(&d.join("manifest.json"), &v);
    });
}

/// Edits a shard's `tally.json` with `f`, and rehashes it.
fn tally(f: impl Fn(&mut serde_json::Value)) -> impl Fn(&Path) {
    move |d: &Path| {
        let mut v = read_json(&d.join("tally.json"));
        f(&mut v);
        std::fs::write(d.join("tally.json"), serde_json::to_vec(&v).unwrap()).unwrap();
        rehash(d, "tally.json");
    }
}

/// Edits the lines of a shard's `outcomes.csv` with `f`, and rehashes it.
fn rows(f: impl Fn(&mut Vec<String>)) -> impl Fn(&Path) {
    move |d: &Path| {
        let text = std::fs::read_to_string(d.join("outcomes.csv")).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        f(&mut lines);
        std::fs::write(d.join("outcomes.csv"), lines.join("\n") + "\n").unwrap();
        rehash(d, "outcomes.csv");
    }
}

/// Edits a shard's `manifest.json` with `f`.
fn manifest(f: impl Fn(&mut serde_json::Value)) -> impl Fn(&Path) {
    move |d: &Path| {
        let mut v = read_json(&d.join("manifest.json"));
        f(&mut v);
        write_json(&d.join("manifest.json"), &v);
    }
}

#[test]
fn merge_refuses_shards_whose_counts_and_rows_disagree() {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let good = shards(r, "s", "1");
    damaged(
        r,
        &good,
        "tally.json",
        "emptied targets",
        &tally(|v| {
            v["counts"]["target_hits"] = serde_json::json!([]);
        }),
    );
    damaged(
        r,
        &good,
        "tally.json",
        "short series",
        &tally(|v| {
            let s = v["counts"]["series"].as_array_mut().unwrap();
            s.truncate(10);
        }),
    );
    damaged(
        r,
        &good,
        "tally.json",
        "short month counts",
        &tally(|v| {
            v["counts"]["month_100x"] = serde_json::json!([]);
        }),
    );
    damaged(
        r,
        &good,
        "tally.json",
        "more paths",
        &tally(|v| {
            v["paths"] = serde_json::json!(65);
        }),
    );
    damaged(
        r,
        &good,
        "tally.json",
        "more hits than paths",
        &tally(|v| {
            v["counts"]["target_hits"][0] = serde_json::json!(1000);
        }),
    );
    damaged(
        r,
        &good,
        "tally.json",
        "huge counts",
        &tally(|v| {
            v["counts"]["revenue_stalls"] = serde_json::json!(u64::MAX);
            v["counts"]["columns"][0]["zero"] = serde_json::json!(u64::MAX);
        }),
    );

    damaged(
        r,
        &good,
        "outcomes.csv",
        "four rows",
        &rows(|l| l.truncate(5)),
    );
    damaged(
        r,
        &good,
        "outcomes.csv",
        "rows out of order",
        &rows(|l| l.swap(1, 2)),
    );
    damaged(
        r,
        &good,
        "outcomes.csv",
        "a row of another block",
        &rows(|l| {
            l[3] = l[3].replacen("66,", "6,", 1);
        }),
    );
    damaged(
        r,
        &good,
        "outcomes.csv",
        "a cell that is not a number",
        &rows(|l| {
            l[1] = l[1].replacen(",", ",abc", 1);
        }),
    );
    damaged(
        r,
        &good,
        "outcomes.csv",
        "a short row",
        &rows(|l| {
            let cut = l[1].rfind(',').unwrap();
            l[1].truncate(cut);
        }),
    );
    damaged(
        r,
        &good,
        "outcomes.csv",
        "another header",
        &rows(|l| {
            l[0] = l[0].replacen("path,", "path,x", 1);
        }),
    );

    damaged(
        r,
        &good,
        "manifest.json",
        "rows miscounted",
        &manifest(|v| {
            v["outcome_rows"] = serde_json::json!(63);
        }),
    );
    damaged(
        r,
        &good,
        "manifest.json",
        "shard paths miscounted",
        &manifest(|v| {
            v["shard"]["paths"] = serde_json::json!(65);
        }),
    );
    damaged(
        r,
        &good,
        "manifest.json",
        "another scenario",
        &manifest(|v| {
            let s = v["resolved_scenario"]
                .as_str()
                .unwrap()
                .replace("pace = 1.0", "pace = 1.5");
            v["resolved_scenario"] = serde_json::json!(s);
        }),
    );
    // 1e18 paths in every shard, their block ranges made to cover the run.
    let huge: Vec<PathBuf> = (0..3)
        .map(|k| {
            let d = r.join(format!("huge{k}"));
            copy(&good[k], &d);
            let mut v = read_json(&d.join("manifest.json"));
            let blocks = 1_000_000_000_000_000_000u64.div_ceil(64);
            v["paths"] = serde_json::json!(1_000_000_000_000_000_000u64);
            v["max_paths"] = v["paths"].clone();
            v["shard"]["blocks"] =
                serde_json::json!([k as u64 * blocks / 3, (k as u64 + 1) * blocks / 3]);
            write_json(&d.join("manifest.json"), &v);
            d
        })
        .collect();
    refused(&huge, &huge[0], "manifest.json", "1e18 paths");
}
