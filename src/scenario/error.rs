//! Problems found in a scenario, each with its place in the source.

use std::fmt;
use std::sync::Arc;

/// A place in a scenario file (or in a `--set` argument): 1-based line and column, with the
/// text of that line for the error's snippet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    /// The file as the user named it, or `--set` for a command-line override.
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// The whole source line, shown under the message.
    pub text: Arc<str>,
    /// Place in the `extends` chain: 0 for the file named on the command line, 1 for the
    /// file it extends, and so on; -1 for a `--set` override (the latest word).
    pub depth: i32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// One thing wrong with a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Where it is; `None` when it concerns no particular place (a file that cannot be read).
    pub loc: Option<Loc>,
    /// The dotted field name (`vendor.DeepSeek.launch_price`), when there is one.
    pub field: Option<String>,
    /// What was expected and what was found.
    pub message: String,
    /// A suggestion, such as the nearest valid key.
    pub help: Option<String>,
}

impl Problem {
    /// A problem at `loc` with the dotted `field`.
    pub fn at(loc: Option<Loc>, field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        Self {
            loc,
            field: (!field.is_empty()).then_some(field),
            message: message.into(),
            help: None,
        }
    }

    /// Adds a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => writeln!(f, "error: `{field}`: {}", self.message)?,
            None => writeln!(f, "error: {}", self.message)?,
        }
        if let Some(loc) = &self.loc {
            let gutter = loc.line.to_string().len();
            writeln!(f, "{:gutter$}--> {loc}", "")?;
            // No snippet without the line's text (a file that is not `.toml` is not quoted).
            if !loc.text.trim().is_empty() {
                writeln!(f, "{:gutter$} |", "")?;
                writeln!(f, "{} | {}", loc.line, loc.text.trim_end())?;
                writeln!(f, "{:gutter$} | {:>col$}", "", "^", col = loc.col)?;
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// Every problem found in a scenario; reading stops at none of them that it can get past.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    /// The problems, in the order they were found.
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    /// True when every problem lies in a `--set` override: the file itself is fine.
    pub fn only_in_set(&self) -> bool {
        !self.problems.is_empty()
            && self
                .problems
                .iter()
                .all(|p| p.loc.as_ref().is_some_and(|l| &*l.file == "--set"))
    }
}

impl From<Vec<Problem>> for ScenarioError {
    fn from(problems: Vec<Problem>) -> Self {
        Self { problems }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.problems {
            writeln!(f, "{p}")?;
        }
        let n = self.problems.len();
        write!(f, "{n} problem{} found", if n == 1 { "" } else { "s" })
    }
}

/// The candidates closest to `word` (by Jaro–Winkler similarity), best first, for
/// "did you mean" hints.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<&'a str> {
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(s, _)| *s > 0.7)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// "did you mean `x`?" or "did you mean one of `x`, `y`?", or `None` when nothing is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let best = closest(word, candidates, 3);
    // Offer only the candidates about as close as the best one.
    let top = best.first().map_or(0.0, |b| strsim::jaro_winkler(word, b));
    let best: Vec<&str> = best
        .into_iter()
        .filter(|c| strsim::jaro_winkler(word, c) >= top - 0.02)
        .collect();
    match best.as_slice() {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        many => Some(format!(
            "did you mean one of {}?",
            many.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
