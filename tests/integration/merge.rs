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
                std::fs::read(e.path()).unwrap(),
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
