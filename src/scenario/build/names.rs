//! Names: entry names usable in dotted names and CSV cells, and the scenario's name, which
//! becomes its output folder.

use super::Builder;
use crate::scenario::error::{Loc, Problem};
use std::collections::HashSet;
use std::path::Path;

impl Builder<'_> {
    /// Checks names are unique and usable in dotted names.
    pub(super) fn names<'n>(&mut self, key: &str, names: impl Iterator<Item = &'n str>) {
        let mut seen = HashSet::new();
        for (i, name) in names.enumerate() {
            let loc = self
                .entry(key, i)
                .and_then(|e| e.get("name"))
                .map(|n| n.loc.clone());
            let field = format!("{key}.{name}");
            if !seen.insert(name.to_owned()) {
                self.problem(
                    loc.as_ref(),
                    &field,
                    format!("a second [[{key}]] is named {name:?}; names must be unique"),
                );
            }
            // The first character is a letter or digit: names reach CSV cells, where a
            // leading `=`, `+`, `-` or `@` is read as a formula (OWASP: CSV injection).
            if !name.starts_with(|c: char| c.is_ascii_alphanumeric())
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                self.problem(
                    loc.as_ref(),
                    &field,
                    format!("expected a name that starts with a letter or digit, followed by letters, digits, `_` or `-` (it becomes part of dotted names such as `{key}.NAME.field` and of CSV cells, where a leading `=`, `+`, `-` or `@` reads as a formula), found {name:?}"),
                );
            }
        }
    }
}

/// The longest scenario name.
pub(crate) const MAX_NAME_CHARS: usize = 100;

/// Whether `name` can name an output folder: letters, digits, `-`, `_` and `.`, not
/// starting with `.` (no `..`, no hidden folder), no separator, 1 to 100 characters.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

const PLAIN_NAME: &str = "a plain name (letters, digits, `-`, `_` and `.`, not starting with `.`, at most 100 characters: it names the output folder)";

/// The scenario's name: its `name`, or its file's name without the extension; either must
/// be a plain name, since it becomes the output folder (`output/<name>`).
pub(super) fn scenario_name(b: &mut Builder, name: Option<&str>, path: &Path) -> String {
    if let Some(name) = name {
        if !is_plain_name(name) {
            let loc = b.root.get("name").map(|n| n.loc.clone());
            b.problem(
                loc.as_ref(),
                "name",
                format!("expected {PLAIN_NAME}, found {name:?}"),
            );
        }
        return name.to_owned();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !is_plain_name(&stem) {
        let loc = Loc {
            file: path.display().to_string().into(),
            line: 1,
            col: 1,
            text: "".into(),
            depth: 0,
        };
        b.problems.push(
            Problem::at(
                Some(loc),
                "name",
                format!("the scenario has no `name`, and the name its file gives, {stem:?}, is not a plain name; expected {PLAIN_NAME}"),
            )
            .with_help("add a `name` such as name = \"my-scenario\""),
        );
    }
    stem
}
