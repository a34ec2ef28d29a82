//! The scenario language: TOML files with distributions, `extends` and `--set` overrides,
//! turned into a validated [`Scenario`] or a list of located [`Problem`]s.
//!
//! ```text
//! file.toml ─parse─▶ located tree ─extends/merge─▶ tree ─--set─▶ tree ─serde─▶ raw ─checks─▶ Scenario
//! ```
//!
//! # Example
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use infercast::scenario::{self, Override};
//! let set: Override = "hardware.Rubin.delay_months=6".parse()?;
//! let s = scenario::load("scenarios/base.toml".as_ref(), &[set])?;
//! let delay = s.find_input("hardware.Rubin.delay_months").unwrap();
//! assert!(s.input(delay).dist.is_fixed());
//! # Ok(())
//! # }
//! ```

mod build;
pub mod dist;
mod error;
mod limits;
pub mod metrics;
mod month;
pub mod observation;
mod raw;
mod source;
mod types;

pub use dist::{Dist, Marginal};
pub use error::{Loc, Problem, ScenarioError};
pub use month::{Month, MonthError};
pub use observation::{Evidence, Observation, ObservedAt, Spread};
pub use types::*;

use std::path::Path;
use std::str::FromStr;

/// A `--set NAME=VALUE` override: VALUE is a number or an inline distribution
/// (`{ dist = "normal", mean = 6, sd = 2 }`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// Dotted input name, e.g. `hardware.Rubin.delay_months`.
    pub name: String,
    /// The value as written.
    pub value: String,
}

impl FromStr for Override {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (name, value) = s.split_once('=').ok_or_else(|| {
            format!("expected NAME=VALUE (e.g. hardware.Rubin.delay_months=6), found {s:?}")
        })?;
        let (name, value) = (name.trim(), value.trim());
        if let Some(msg) = control_character(name, value) {
            return Err(msg);
        }
        if name.is_empty() || value.is_empty() {
            return Err(format!(
                "expected NAME=VALUE with both parts present, found {s:?}"
            ));
        }
        Ok(Self {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// Why an override with a control character is refused: TOML would read a newline as the end
/// of the value and the rest as more keys, so `--set 'x=6\ny=1'` would set `x` to 6 and drop
/// (or smuggle in) the rest. Tabs are whitespace and allowed.
fn control_character(name: &str, value: &str) -> Option<String> {
    let (part, c) = [("name", name), ("value", value)]
        .into_iter()
        .find_map(|(part, text)| {
            text.chars()
                .find(|c| c.is_control() && *c != '\t')
                .map(|c| (part, c))
        })?;
    Some(format!(
        "expected a `--set` {part} on one line, found the control character U+{:04X}",
        c as u32
    ))
}

impl Override {
    /// The override's value as a located node (file `--set`), or the problem with it.
    #[allow(clippy::result_large_err)] // a cold error path: one problem per bad override
    fn node(&self) -> Result<source::Node, Problem> {
        // Overrides built by hand skip `from_str`'s check.
        if let Some(msg) = control_character(&self.name, &self.value) {
            return Err(Problem::at(None, &self.name, msg));
        }
        let text = format!("{}={}", self.name, self.value);
        let bad = |loc| {
            Problem::at(
                loc,
                &self.name,
                format!(
                    "expected a number or an inline distribution, found `{}`",
                    self.value
                ),
            )
            .with_help(
                "write e.g. --set NAME=6 or --set 'NAME={ dist = \"normal\", mean = 6, sd = 2 }'",
            )
        };
        let tree = source::parse_text("--set", text, -1).map_err(|p| bad(p.loc))?;
        let mut node = Some(&tree);
        for part in self.name.split('.') {
            node = node.and_then(|n| n.get(part));
        }
        node.cloned().ok_or_else(|| bad(None))
    }
}

/// Reads, merges, overrides and validates the scenario at `path`.
///
/// Every problem found is returned together; none of them panics.
pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    let mut tree = source::load(path)?;
    let mut problems = Vec::new();
    if !overrides.is_empty() {
        let known = build::build(&tree, path).input_names;
        for o in overrides {
            let node = match o.node() {
                Ok(n) => n,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            if !known.is_empty() && !known.contains(&o.name) {
                let close = error::closest(&o.name, known.iter().map(String::as_str), 5);
                let help = if close.is_empty() {
                    "`infercast validate` lists the uncertain inputs; every number of the scenario can be set by its dotted name".to_owned()
                } else {
                    format!("closest valid names: {}", close.join(", "))
                };
                problems.push(
                    Problem::at(None, &o.name, "`--set` names no input of this scenario")
                        .with_help(help),
                );
                continue;
            }
            if !source::set(&mut tree, &o.name, node) {
                problems.push(Problem::at(
                    None,
                    &o.name,
                    "`--set` names no input of this scenario",
                ));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let built = build::build(&tree, path);
    match built.scenario {
        Some(s) => Ok(s),
        None => Err(built.problems.into()),
    }
}

/// Parses and validates scenario text that is not in a file (`extends` is resolved
/// relative to the working directory). `name` is how errors refer to it.
pub fn from_str(name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let tree = source::parse_text(name, text.to_owned(), 0).map_err(|p| vec![p])?;
    let built = build::build(&tree, Path::new(name));
    built.scenario.ok_or_else(|| built.problems.into())
}

/// Why `[lo, hi]` is not a range `stress --optimize` can search for the plan number `name`
/// (`plan.Max-100.fee`), if it is not: LO ≤ HI, both within the number's own limits.
pub fn optimize_range_problem(name: &str, lo: f64, hi: f64) -> Option<String> {
    build::check_range(name, lo, hi)
}

/// The unit tests' scenarios: the tiny fixture, and the fixture extended with more TOML.
#[cfg(test)]
pub(crate) mod fixture {
    use super::Scenario;
    use std::path::PathBuf;

    /// `tests/fixtures/tiny.toml`.
    pub(crate) fn tiny_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny.toml")
    }

    /// The tiny fixture.
    pub(crate) fn tiny() -> Scenario {
        super::load(&tiny_path(), &[]).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The tiny fixture extended with `body` (TOML).
    pub(crate) fn tiny_with(body: &str) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        let text = format!("extends = {:?}\n{body}", tiny_path().display().to_string());
        std::fs::write(&file, text).unwrap();
        super::load(&file, &[]).unwrap_or_else(|e| panic!("{e}"))
    }
}
