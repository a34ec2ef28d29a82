//! Output folders: replaced whole or not at all, whatever the point at which a command is
//! killed or its disk fills; stale files of an earlier run removed; folders infercast did not
//! write never touched.
//!
//! `INFERCAST_FAIL_AFTER_FILES=N` (read by the command line only) stops a command before the
//! step N + 1 of its write phase (each file, then the two renames of the swap): `N` exits at
//! once, as a kill would (no clean-up runs); `N:error` fails that step as a full disk would.

use super::*;
use assert_cmd::Command;
use std::collections::BTreeMap;

/// Every file under `dir` (recursively) by its path relative to `dir`; empty if `dir` does
/// not exist.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                // Provenance (when, how long, which command) differs from run to run.
                out.insert(rel, super::stable_bytes(&p));
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// Restores `dir` to exactly the files of `snap`.
fn restore(dir: &Path, snap: &BTreeMap<String, Vec<u8>>) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in snap {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `infercast ARGS... --out OUT`, with the fault `fail` injected if given.
fn infercast(args: &[&str], out: &Path, fail: Option<&str>) -> std::process::Output {
    let mut cmd = Command::cargo_bin("infercast").unwrap();
    cmd.args(args).arg("--out").arg(out);
    if let Some(f) = fail {
        cmd.env("INFERCAST_FAIL_AFTER_FILES", f);
    }
    cmd.output().unwrap()
}

fn ok(o: &std::process::Output) {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// What a folder holds: "the old run", "the new run", "no manifest", or a description of a
/// mix (a manifest beside files of another run).
fn state(
    snap: &BTreeMap<String, Vec<u8>>,
    old: &BTreeMap<String, Vec<u8>>,
    new: &BTreeMap<String, Vec<u8>>,
) -> String {
    let has_manifest = snap.keys().any(|k| k.ends_with("manifest.json"));
    if snap == old {
        "old".into()
    } else if snap == new {
        "new".into()
    } else if !snap.contains_key("manifest.json") {
        "no manifest".into()
    } else {
        let mixed: Vec<&String> = snap
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        let stale: Vec<&String> = snap.keys().filter(|k| !new.contains_key(*k)).collect();
        format!(
            "MIXED (manifest present: {has_manifest}): {} files differ from the old run (e.g. {:?}), {} not of the new run (e.g. {:?})",
            mixed.len(),
            mixed.first(),
            stale.len(),
            stale.first()
        )
    }
}

/// Runs `new` into `out` (holding the old complete folder `old`), stopped at each step of
/// `steps` (all of them when `None`), as a kill and as a full disk, and checks that `out`
/// always holds the old folder whole or no manifest; never a mix. Then the same command,
/// not stopped, must write exactly the new folder and leave nothing beside it.
fn check_interruptions(
    root: &Path,
    out: &Path,
    new: &dyn Fn(&Path, Option<&str>) -> std::process::Output,
    sample: bool,
) {
    let old = snapshot(out);
    assert!(old.contains_key("manifest.json"), "{:?}", old.keys());
    let fresh = root.join("fresh");
    ok(&new(&fresh, None));
    let new_snap = snapshot(&fresh);
    std::fs::remove_dir_all(&fresh).unwrap();
    assert_ne!(old, new_snap, "the old and new runs must differ");
    // Steps: every file, then the swap's two renames.
    let steps = new_snap.len() + 2;
    let points: Vec<usize> = if sample {
        let mut p = vec![0, 1, 2, steps / 2, steps - 3, steps - 2, steps - 1];
        p.dedup();
        p
    } else {
        (0..steps).collect()
    };
    for mode in ["", ":error"] {
        for &n in &points {
            let o = new(out, Some(&format!("{n}{mode}")));
            assert!(
                !o.status.success(),
                "stopped at step {n}{mode} of {steps}, yet it succeeded"
            );
            let snap = snapshot(out);
            let st = state(&snap, &old, &new_snap);
            assert!(
                st == "old" || st == "no manifest",
                "stopped at step {n}{mode} of {steps}: {st}"
            );
            if mode == ":error" {
                // A failed write cleans up after itself: the old folder, nothing beside it.
                assert_eq!(st, "old", "a failed step {n} lost the old folder");
                assert_eq!(
                    o.status.code(),
                    Some(1),
                    "{}",
                    String::from_utf8_lossy(&o.stderr)
                );
            }
            restore(out, &old);
        }
    }
    // Leftovers of the killed commands do not stop the next one, which leaves none.
    ok(&new(out, None));
    assert_eq!(
        snapshot(out),
        new_snap,
        "the finished folder is the new run, whole"
    );
    let beside: Vec<String> = names(root)
        .into_iter()
        .filter(|n| n.contains("infercast"))
        .collect();
    assert!(beside.is_empty(), "left beside the folder: {beside:?}");
}

#[test]
fn a_killed_run_leaves_the_old_run_whole_or_no_manifest() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let t = tiny().display().to_string();
    ok(&infercast(
        &["run", "--quiet", "--paths", "64", "--seed", "1", &t],
        &out,
        None,
    ));
    let new = |dir: &Path, fail: Option<&str>| {
        infercast(
            &["run", "--quiet", "--paths", "64", "--seed", "2", &t],
            dir,
            fail,
        )
    };
    check_interruptions(root.path(), &out, &new, false);
}

#[test]
fn killed_shard_stress_and_merge_folders_are_never_mixed() {
    let root = tempfile::tempdir().unwrap();
    let t = tiny().display().to_string();
    // A shard.
    let out = root.path().join("shard");
    ok(&infercast(
        &[
            "run", "--quiet", "--paths", "192", "--seed", "1", "--shard", "0/2", &t,
        ],
        &out,
        None,
    ));
    let new = |dir: &Path, fail: Option<&str>| {
        infercast(
            &[
                "run", "--quiet", "--paths", "192", "--seed", "2", "--shard", "0/2", &t,
            ],
            dir,
            fail,
        )
    };
    check_interruptions(root.path(), &out, &new, false);
    std::fs::remove_dir_all(&out).unwrap();

    // A stress test.
    let out = root.path().join("stress");
    let grid = ["--grid", "fee=1:2:2", "--grid", "usage_growth=1:1:1"];
    let stress = |seed: &str, dir: &Path, fail: Option<&str>| {
        let mut args = vec!["stress", "--quiet", "--paths", "64", "--seed", seed];
        args.extend(grid);
        args.push(&t);
        infercast(&args, dir, fail)
    };
    ok(&stress("1", &out, None));
    check_interruptions(root.path(), &out, &|d, f| stress("2", d, f), true);
    std::fs::remove_dir_all(&out).unwrap();

    // A merge: shards of seed 1 merged, then shards of seed 2 merged into the same folder.
    let shards = root.path().join("shards");
    for seed in ["1", "2"] {
        for k in ["0/2", "1/2"] {
            let dir = shards.join(format!("{seed}-{}", &k[..1]));
            ok(&infercast(
                &[
                    "run", "--quiet", "--paths", "192", "--seed", seed, "--shard", k, &t,
                ],
                &dir,
                None,
            ));
        }
    }
    let merge = |seed: &str, dir: &Path, fail: Option<&str>| {
        let a = shards.join(format!("{seed}-0")).display().to_string();
        let b = shards.join(format!("{seed}-1")).display().to_string();
        infercast(&["merge", &a, &b], dir, fail)
    };
    let out = root.path().join("merged");
    ok(&merge("1", &out, None));
    check_interruptions(root.path(), &out, &|d, f| merge("2", d, f), true);
}

#[test]
fn a_killed_compare_never_mixes_its_runs_or_its_comparison() {
    let root = tempfile::tempdir().unwrap();
    let b = root.path().join("other.toml");
    std::fs::write(
        &b,
        format!(
            "extends = {:?}\nname = \"other\"\n[software]\nserving_gain_per_year = 6.0\n",
            tiny().display().to_string()
        ),
    )
    .unwrap();
    let (t, b) = (tiny().display().to_string(), b.display().to_string());
    let compare = |seed: &str, dir: &Path, fail: Option<&str>| {
        infercast(
            &[
                "compare", "--quiet", "--paths", "64", "--seed", seed, &t, &b,
            ],
            dir,
            fail,
        )
    };
    let out = root.path().join("cmp");
    ok(&compare("1", &out, None));
    assert!(out.join("tiny/manifest.json").exists() && out.join("manifest.json").exists());
    check_interruptions(root.path(), &out, &|d, f| compare("2", d, f), true);
}

#[test]
fn a_new_run_leaves_no_file_of_an_earlier_run() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    // A scenario with a yearly target: its annual chart, its distribution and tornado.
    let child = root.path().join("child.toml");
    std::fs::write(
        &child,
        format!(
            "extends = {:?}\nname = \"child\"\n[[target]]\nname = \"big\"\nmetric = \"revenue.Frontier\"\nyear = 2027\nat_least = 1e9\n",
            tiny().display().to_string()
        ),
    )
    .unwrap();
    let t = tiny().display().to_string();
    ok(&infercast(
        &[
            "run",
            "--quiet",
            "--paths",
            "64",
            &child.display().to_string(),
        ],
        &out,
        None,
    ));
    // A temporary file left by a killed run of an earlier version.
    std::fs::write(out.join(".tmpAbC123"), b"partial").unwrap();
    ok(&infercast(
        &["run", "--quiet", "--paths", "64", &t],
        &out,
        None,
    ));
    let fresh = root.path().join("fresh");
    ok(&infercast(
        &["run", "--quiet", "--paths", "64", &t],
        &fresh,
        None,
    ));
    assert_eq!(names(&out), names(&fresh), "stale files of the earlier run");
}

#[test]
fn folders_infercast_did_not_write_are_refused_and_left_alone() {
    let root = tempfile::tempdir().unwrap();
    let t = tiny().display().to_string();
    let run = |out: &Path| infercast(&["run", "--quiet", "--paths", "64", &t], out, None);
    let refused = |out: &Path, what: &str| {
        let before = snapshot(out);
        let o = run(out);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("infercast did not write"),
            "{what}: {stderr}"
        );
        assert_eq!(snapshot(out), before, "{what}: the folder was changed");
        stderr.into_owned()
    };

    // A folder of the user's own.
    let mine = root.path().join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(mine.join("notes.txt"), "mine").unwrap();
    let stderr = refused(&mine, "a user's folder");
    assert!(stderr.contains("notes.txt"), "{stderr}");

    // A run folder the user added a file to.
    let out = root.path().join("out");
    ok(&run(&out));
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    refused(&out, "a run folder with a user's file");
    std::fs::create_dir(out.join("sub")).unwrap();
    std::fs::remove_file(out.join("notes.txt")).unwrap();
    refused(&out, "a run folder with a user's subfolder");
    std::fs::remove_dir(out.join("sub")).unwrap();
    ok(&run(&out));

    // A file, not a folder.
    let file = root.path().join("file");
    std::fs::write(&file, "mine").unwrap();
    let o = run(&file);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");

    // An empty folder is used.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(&run(&empty));
    assert!(empty.join("manifest.json").exists());

    // A folder an earlier version wrote (a manifest without the list of files) is replaced.
    let manifest = out.join("manifest.json");
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("files");
    std::fs::write(&manifest, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    ok(&run(&out));

    // merge never replaces one of its own shard folders.
    let shard = root.path().join("shard");
    ok(&infercast(
        &["run", "--quiet", "--paths", "64", "--shard", "0/1", &t],
        &shard,
        None,
    ));
    let before = snapshot(&shard);
    let s = shard.display().to_string();
    let o = infercast(&["merge", &s], &shard, None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(snapshot(&shard), before);
    let o = infercast(&["merge", &s], root.path(), None);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(snapshot(&shard), before);
}
