//! The architecture's promises, checked on the source: each stage imports only the stages
//! before it, `main.rs` stays a table of contents, and no file or function grows past what a
//! reader can hold.

use super::root;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The library's top-level module of a file under `src/` (`None` for the binary's files).
fn module_of(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(root().join("src")).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    match first.as_str() {
        "main.rs" | "lib.rs" | "cli" => None,
        m => Some(m.trim_end_matches(".rs").to_owned()),
    }
}

/// The top-level modules a file refers to as `crate::<module>`.
fn references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let preceded = text[..i].chars().next_back();
        if preceded.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // `infercast::crate::`-like words, not a path
        }
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

/// Which top-level modules each module refers to.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in sources(&root().join("src")) {
        let Some(m) = module_of(&file) else { continue };
        let text = std::fs::read_to_string(&file).expect("source text");
        let refs = references(&text);
        let entry = g.entry(m.clone()).or_default();
        entry.extend(refs.into_iter().filter(|r| *r != m));
    }
    g
}

#[test]
fn stages_import_only_the_stages_before_them() {
    let g = graph();
    let forbidden: [(&str, &[&str]); 4] = [
        ("report", &["model", "run", "stress", "sample", "pipeline"]),
        (
            "model",
            &["report", "analysis", "run", "pipeline", "stress", "explain"],
        ),
        ("analysis", &["report", "pipeline"]),
        (
            "scenario",
            &["model", "run", "report", "analysis", "pipeline", "sample"],
        ),
    ];
    for (module, not) in forbidden {
        let refs = &g[module];
        for n in not {
            assert!(!refs.contains(*n), "{module} imports {n}: {refs:?}");
        }
    }
    assert!(
        g["stats"].is_empty(),
        "stats imports from the crate: {:?}",
        g["stats"]
    );
    // No cycle: repeatedly remove modules that import nothing left.
    let mut left = g.clone();
    while !left.is_empty() {
        let free: Vec<String> = left
            .iter()
            .filter(|(_, refs)| refs.iter().all(|r| !left.contains_key(r)))
            .map(|(m, _)| m.clone())
            .collect();
        assert!(!free.is_empty(), "an import cycle among {left:?}");
        for m in free {
            left.remove(&m);
        }
    }
}

/// Files and functions allowed to be long: tables of published coefficients.
const TABLES: [&str; 2] = ["std_normal_quantile", "joe_kuo.rs"];

/// The line count of every function in `text`: from its `fn` line to the closing brace at
/// its indentation.
fn function_lengths(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let signature = [
            "fn ",
            "pub fn ",
            "pub(super) fn ",
            "pub(crate) fn ",
            "const fn ",
        ]
        .iter()
        .chain(&["pub const fn "])
        .find_map(|p| trimmed.strip_prefix(p));
        let Some(rest) = signature else { continue };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // A declaration without a body ends in `;` before any `{`.
        let body = lines[i..]
            .iter()
            .position(|l| l.contains('{') || l.trim_end().ends_with(';'))
            .map(|k| i + k);
        let Some(start) = body.filter(|k| lines[*k].contains('{')) else {
            continue;
        };
        if lines[start].trim_end().ends_with('}') {
            continue; // one line
        }
        let close = format!("{indent}}}");
        if let Some(end) = lines[start..].iter().position(|l| *l == close) {
            out.push((name, start + end - i + 1));
        }
    }
    out
}

#[test]
fn files_and_functions_stay_short() {
    let main = std::fs::read_to_string(root().join("src/main.rs")).expect("main.rs");
    assert!(
        main.lines().count() <= 150,
        "main.rs has {} lines",
        main.lines().count()
    );
    let mut long = Vec::new();
    for file in sources(&root().join("src")) {
        let text = std::fs::read_to_string(&file).expect("source text");
        let name = file.display().to_string();
        if TABLES.iter().any(|t| name.ends_with(t)) {
            continue;
        }
        let lines = text.lines().count();
        if lines > 800 {
            long.push(format!("{name}: {lines} lines"));
        }
        for (f, n) in function_lengths(&text) {
            if n > 120 && !TABLES.contains(&f.as_str()) {
                long.push(format!("{name}: fn {f} has {n} lines"));
            }
        }
    }
    assert!(long.is_empty(), "too long:\n{}", long.join("\n"));
}

#[test]
fn function_lengths_are_measured_from_fn_to_its_closing_brace() {
    let text = "fn a() {\n    x();\n}\n\npub fn b(\n    y: u8,\n) -> u8 {\n    y\n}\nfn c();\n";
    assert_eq!(
        function_lengths(text),
        [("a".to_owned(), 3), ("b".to_owned(), 5)]
    );
}
