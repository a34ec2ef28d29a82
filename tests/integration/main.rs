//! Integration tests: one binary, a module per concern.

mod calibration;
mod charts;
mod cli;
mod compare;
mod csv_cells;
mod extends_and_set;
mod fuzz;
mod layout;
mod merge;
mod observations;
mod outputs;
mod reports;
mod run;
mod scenario_errors;
mod sensitivity;
mod shards;
mod shipped;
mod stress;

use infercast::scenario::{self, Override, Problem, Scenario, ScenarioError};
use std::path::{Path, PathBuf};

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The bytes of output file `path` that must not change from run to run: a page without its
/// provenance block (when it was run, in how long, by which command), and for
/// `provenance.json`, which is all provenance, a fixed stand-in; every other file whole.
pub fn stable_bytes(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    if name == "provenance.json" {
        return b"provenance: differs from run to run".to_vec();
    }
    if name.ends_with(".html") {
        let page = String::from_utf8(bytes).expect("pages are UTF-8");
        return infercast::report::html::strip_provenance(&page)
            .into_owned()
            .into_bytes();
    }
    bytes
}

/// The tiny fixture scenario.
pub fn tiny() -> PathBuf {
    root().join("tests/fixtures/tiny.toml")
}

/// A temporary directory holding the given files.
pub fn files(list: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in list {
        std::fs::write(dir.path().join(name), text).expect("write scenario");
    }
    dir
}

/// A child of the tiny fixture with `body` appended, loaded with `sets`.
pub fn child_of_tiny(body: &str, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let text = format!(
        "extends = {:?}\nname = \"child\"\n{body}",
        tiny().display().to_string()
    );
    let dir = files(&[("child.toml", &text)]);
    load(&dir.path().join("child.toml"), sets)
}

/// Loads `path` with `--set` overrides given as text.
pub fn load(path: &Path, sets: &[&str]) -> Result<Scenario, ScenarioError> {
    let sets: Vec<Override> = sets
        .iter()
        .map(|s| s.parse().expect("NAME=VALUE"))
        .collect();
    scenario::load(path, &sets)
}

/// The problems of a load that must fail.
pub fn problems(result: Result<Scenario, ScenarioError>) -> Vec<Problem> {
    match result {
        Ok(s) => panic!("expected problems, but scenario {:?} is valid", s.name),
        Err(e) => e.problems,
    }
}

/// The single problem of a load that must fail with exactly one.
pub fn one_problem(result: Result<Scenario, ScenarioError>) -> Problem {
    let mut ps = problems(result);
    assert_eq!(ps.len(), 1, "expected one problem, got {ps:#?}");
    ps.remove(0)
}
