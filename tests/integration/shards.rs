//! `shards`: the Slurm script it prints submits every shard once (job arrays within the
//! maximum size, then the merge after all of them), and the merged folder equals one run's.
//! Here `sbatch` is a stand-in that runs each job at once, task by task (the real scheduler
//! runs the same script in CI: `.ci/slurm.sh`).

use super::*;
use assert_cmd::Command;

/// A stand-in for `sbatch --parsable`: reads the job script from standard input, runs it at
/// once (each task of `--array=0-N` in turn, with `SLURM_ARRAY_TASK_ID`), logs its options,
/// and prints a job number.
const FAKE_SBATCH: &str = r#"#!/bin/bash
set -euo pipefail
array=""
for a in "$@"; do case $a in --array=*) array=${a#--array=} ;; esac; done
echo "$*" >>"$FAKE_SLURM/submitted"
script=$(mktemp)
cat >"$script"
n=$(($(wc -l <"$FAKE_SLURM/submitted")))
if [[ -n $array ]]; then
    for ((i = ${array%-*}; i <= ${array#*-}; i++)); do
        SLURM_ARRAY_TASK_ID=$i bash "$script" >>"$FAKE_SLURM/log" 2>&1
    done
else
    bash "$script" >>"$FAKE_SLURM/log" 2>&1
fi
echo "$n"
"#;

fn shards(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("infercast")
        .unwrap()
        .current_dir(dir)
        .arg("shards")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_slurm_script_runs_every_shard_once_and_merges_them_into_one_runs_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bin = d.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let sbatch = bin.join("sbatch");
    std::fs::write(&sbatch, FAKE_SBATCH).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&sbatch, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::copy(tiny(), d.join("tiny.toml")).unwrap();
    // 5 shards in arrays of at most 2 tasks: 3 arrays (0..1, 2..3, 4), then the merge.
    let o = shards(
        d,
        &[
            "tiny.toml",
            "--paths",
            "640",
            "--shards",
            "5",
            "--max-array",
            "2",
            "--cpus",
            "1",
            "--seed",
            "11",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(d.join("submit.sh"), &o.stdout).unwrap();
    let infercast = assert_cmd::cargo::cargo_bin("infercast");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let submit = std::process::Command::new("bash")
        .arg("submit.sh")
        .current_dir(d)
        .env("PATH", &path)
        .env("FAKE_SLURM", d)
        .env("INFERCAST", &infercast)
        .output()
        .unwrap();
    let log = std::fs::read_to_string(d.join("log")).unwrap_or_default();
    assert!(
        submit.status.success(),
        "{}\n{log}",
        String::from_utf8_lossy(&submit.stderr)
    );
    let submitted = std::fs::read_to_string(d.join("submitted")).unwrap();
    let lines: Vec<&str> = submitted.lines().collect();
    assert_eq!(lines.len(), 4, "{submitted}");
    for (line, array) in lines
        .iter()
        .zip(["--array=0-1", "--array=0-1", "--array=0-0"])
    {
        assert!(line.contains(array), "{line}");
    }
    assert!(
        lines[3].contains("--dependency=afterok:1:2:3"),
        "{}",
        lines[3]
    );
    assert_eq!(
        String::from_utf8_lossy(&submit.stdout).trim(),
        "shard arrays: 1 2 3; merge job: 4"
    );
    let single = Command::cargo_bin("infercast")
        .unwrap()
        .current_dir(d)
        .args([
            "run",
            "tiny.toml",
            "--quiet",
            "--paths",
            "640",
            "--seed",
            "11",
        ])
        .args(["--out", "single"])
        .output()
        .unwrap();
    assert!(single.status.success());
    let names = |dir: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let (a, b) = (d.join("single"), d.join("output/tiny"));
    assert_eq!(names(&a), names(&b));
    for f in names(&a) {
        assert!(
            std::fs::read(a.join(&f)).unwrap() == std::fs::read(b.join(&f)).unwrap(),
            "{f} differs between the merged shards and one run"
        );
    }
    for k in 0..5 {
        let m = std::fs::read_to_string(d.join(format!("shards/tiny/{k}/manifest.json"))).unwrap();
        assert!(m.contains(&format!("\"index\": {k}")), "shard {k}: {m}");
    }
}

#[test]
fn the_kubernetes_manifest_names_every_shard_and_the_merge() {
    let o = shards(
        &root(),
        &[
            tiny().to_str().unwrap(),
            "--paths",
            "100000",
            "--shards",
            "40",
            "--max-array",
            "16",
            "--kubernetes",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let y = String::from_utf8(o.stdout).unwrap();
    assert_eq!(y.matches("\n---\n").count(), 2, "three documents");
    for part in [
        "completionMode: Indexed",
        "completions: 40",
        "parallelism: 16",
        "--shard $JOB_COMPLETION_INDEX/40",
        "n=40",
        "--paths 100000",
    ] {
        assert!(y.contains(part), "{part} missing:\n{y}");
    }
}

#[test]
fn shards_refuses_impossible_plans_with_exit_two() {
    let t = tiny();
    let t = t.to_str().unwrap();
    for (args, says) in [
        (vec![t, "--paths", "640", "--shards", "11"], "--shards"),
        (vec![t, "--paths", "640", "--shards", "0"], "--shards"),
        (vec![t, "--paths", "0", "--shards", "1"], "--paths"),
        (
            vec![t, "--paths", "640", "--shards", "2", "--dir", "my shards"],
            "--dir",
        ),
        (
            vec![t, "--paths", "640", "--shards", "2", "--max-array", "0"],
            "--max-array",
        ),
    ] {
        let o = shards(&root(), &args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
