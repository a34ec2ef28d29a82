//! Scenario files as located trees: parsing, source comments, `extends` and merging.
//!
//! Each file is parsed with `toml_edit`, which keeps spans and comments, into a [`Node`]
//! tree in which every key and value knows its file, line and column, and every value
//! carries its source comment (the comment on its line, or the comment lines right above
//! it). `extends` chains are merged child over parent: tables merge key by key, entries of
//! arrays of tables (`[[vendor]]`) are matched by name (targets by metric and year,
//! correlations by the pair they name), everything else is replaced. The merged tree is
//! then turned into a `toml::Value` for serde, and serde's error paths are mapped back to
//! the nodes' places.

use super::error::{Loc, Problem};
use indexmap::IndexMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml_edit::{Item, RawString, Value};

/// One value of the merged scenario with its place in the source.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    /// Where the value is.
    pub loc: Loc,
    /// Where its key is (the same as `loc` for array entries and the root).
    pub key_loc: Loc,
    /// The source comment of this value, if any.
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A table whose keys merge one by one (`[capability]`, `[segment.enterprise]`, the root).
    Table(IndexMap<String, Node>),
    /// An array of tables (`[[vendor]]`), merged entry by entry.
    Entries(Vec<Node>),
    /// Anything else, replaced whole: numbers, strings, arrays of values, and distribution
    /// tables (`{ dist = "normal", ... }`), which must never be mixed with a parent's.
    Leaf(toml::Value),
}

impl Node {
    pub fn table(&self) -> Option<&IndexMap<String, Node>> {
        match &self.kind {
            Kind::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.table()?.get(key)
    }

    pub fn str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Leaf(toml::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The entry's merge key: its `name`, or for entries without one their identifying
    /// fields (targets: metric and year; correlations: the two inputs).
    fn entry_key(&self) -> Option<String> {
        if let Some(name) = self.get("name").and_then(Node::str) {
            return Some(format!("name:{name}"));
        }
        if let Some(metric) = self.get("metric").and_then(Node::str) {
            let year = self
                .get("year")
                .map(|y| y.to_value().to_string())
                .unwrap_or_default();
            return Some(format!("metric:{metric}@{year}"));
        }
        if let Some(Kind::Leaf(toml::Value::Array(pair))) = self.get("between").map(|n| &n.kind) {
            let mut names: Vec<String> = pair.iter().map(|v| v.to_string()).collect();
            names.sort();
            return Some(format!("between:{}", names.join(",")));
        }
        None
    }

    /// The plain TOML value of this subtree, for serde.
    pub fn to_value(&self) -> toml::Value {
        match &self.kind {
            Kind::Table(t) => {
                toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), v.to_value())).collect())
            }
            Kind::Entries(es) => toml::Value::Array(es.iter().map(Node::to_value).collect()),
            Kind::Leaf(v) => v.clone(),
        }
    }

    /// Follows a serde path (`vendor[2].price`) as far as the tree goes, returning the
    /// deepest node reached and the dotted name of the whole path, with array entries named
    /// by their `name` where they have one (`vendor.DeepSeek.price`).
    pub fn follow(&self, path: &serde_path_to_error::Path) -> (&Node, String, bool) {
        use serde_path_to_error::Segment;
        let mut node = self;
        let mut names: Vec<String> = Vec::new();
        let mut at_key = false;
        let mut reached = true;
        for seg in path.iter() {
            match seg {
                Segment::Map { key } => {
                    names.push(key.clone());
                    match (reached, node.get(key)) {
                        (true, Some(child)) => {
                            node = child;
                            at_key = true;
                        }
                        _ => reached = false,
                    }
                }
                Segment::Seq { index } => {
                    let entry = match (&node.kind, reached) {
                        (Kind::Entries(es), true) => es.get(*index),
                        _ => None,
                    };
                    match entry {
                        Some(e) => {
                            match e.get("name").and_then(Node::str) {
                                Some(n) => names.push(n.to_owned()),
                                None => {
                                    let last = names.pop().unwrap_or_default();
                                    names.push(format!("{last}[{index}]"));
                                }
                            }
                            node = e;
                            at_key = false;
                        }
                        None => {
                            let last = names.pop().unwrap_or_default();
                            names.push(format!("{last}[{index}]"));
                            reached = false;
                        }
                    }
                }
                Segment::Enum { variant } => names.push(variant.clone()),
                Segment::Unknown => reached = false,
            }
        }
        (node, names.join("."), at_key && reached)
    }
}

/// Byte offsets of line starts, to turn spans into lines and columns.
struct SourceText {
    name: Arc<str>,
    depth: i32,
    text: String,
    line_starts: Vec<usize>,
    /// Whether errors may show the text of a line (not for files that are not `.toml`).
    quote: bool,
}

impl SourceText {
    fn new(name: &str, text: String, depth: i32, quote: bool) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            name: name.into(),
            depth,
            text,
            line_starts,
            quote,
        }
    }

    fn loc(&self, offset: usize) -> Loc {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= offset) - 1;
        let start = self.line_starts[line];
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.text.len(), |e| e - 1);
        let line_text = if self.quote {
            self.text.get(start..end).unwrap_or("")
        } else {
            ""
        };
        let col = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Loc {
            file: self.name.clone(),
            line: line + 1,
            col,
            text: line_text.into(),
            depth: self.depth,
        }
    }

    fn span_loc(&self, span: Option<std::ops::Range<usize>>) -> Loc {
        self.loc(span.map_or(0, |s| s.start))
    }

    fn raw<'a>(&'a self, raw: Option<&'a RawString>) -> &'a str {
        match raw {
            Some(r) => match r.span() {
                Some(span) => self.text.get(span).unwrap_or(""),
                None => r.as_str().unwrap_or(""),
            },
            None => "",
        }
    }

    /// The source comment of a key: the comment after its value on the same line, or the
    /// comment lines directly above it (no blank line between), or both.
    fn comment(&self, above: &str, after: &str) -> Option<String> {
        let mut lines: Vec<&str> = Vec::new();
        for line in above.lines().rev().map(str::trim) {
            match line.strip_prefix('#') {
                Some(c) => lines.push(c.trim()),
                None if line.is_empty() && lines.is_empty() => continue,
                None => break,
            }
        }
        lines.reverse();
        if let Some(c) = after.trim().strip_prefix('#') {
            lines.push(c.trim());
        }
        let text = lines
            .into_iter()
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        (!text.is_empty()).then_some(text)
    }
}

fn leaf_value(v: &Value) -> toml::Value {
    match v {
        Value::String(s) => toml::Value::String(s.value().clone()),
        Value::Integer(i) => toml::Value::Integer(*i.value()),
        Value::Float(f) => toml::Value::Float(*f.value()),
        Value::Boolean(b) => toml::Value::Boolean(*b.value()),
        Value::Datetime(d) => toml::Value::String(d.value().to_string()),
        Value::Array(a) => toml::Value::Array(a.iter().map(leaf_value).collect()),
        Value::InlineTable(t) => toml::Value::Table(
            t.iter()
                .map(|(k, v)| (k.to_owned(), leaf_value(v)))
                .collect(),
        ),
    }
}

impl SourceText {
    fn table_node(
        &self,
        entries: impl Iterator<Item = (Loc, Option<String>, String, Node)>,
        loc: Loc,
    ) -> Node {
        let mut map = IndexMap::new();
        for (key_loc, source, key, mut node) in entries {
            node.key_loc = key_loc;
            if node.source.is_none() {
                node.source = source;
            }
            map.insert(key, node);
        }
        Node {
            kind: Kind::Table(map),
            key_loc: loc.clone(),
            loc,
            source: None,
        }
    }

    fn item_node(&self, item: &Item) -> Option<Node> {
        let loc = self.span_loc(item.span());
        match item {
            Item::None => None,
            Item::Table(t) => Some(self.table_node(
                t.iter().filter_map(|(k, it)| {
                    let (key, _) = t.get_key_value(k)?;
                    let above = self.raw(key.leaf_decor().prefix());
                    let after = self.raw(it.as_value().and_then(|v| v.decor().suffix()));
                    let node = self.item_node(it)?;
                    Some((
                        self.span_loc(key.span()),
                        self.comment(above, after),
                        k.to_owned(),
                        node,
                    ))
                }),
                self.span_loc(t.span()),
            )),
            Item::ArrayOfTables(a) => {
                let entries = a
                    .iter()
                    .filter_map(|t| self.item_node(&Item::Table(t.clone())))
                    .collect();
                Some(Node {
                    kind: Kind::Entries(entries),
                    key_loc: loc.clone(),
                    loc,
                    source: None,
                })
            }
            Item::Value(v) => Some(self.value_node(v)),
        }
    }

    fn value_node(&self, v: &Value) -> Node {
        let loc = self.span_loc(v.span());
        match v {
            Value::InlineTable(t) if !t.contains_key("dist") => self.table_node(
                t.iter().filter_map(|(k, val)| {
                    let (key, _) = t.get_key_value(k)?;
                    Some((
                        self.span_loc(key.span()),
                        None,
                        k.to_owned(),
                        self.value_node(val),
                    ))
                }),
                loc,
            ),
            Value::Array(a) if !a.is_empty() && a.iter().all(|e| e.is_inline_table()) => Node {
                kind: Kind::Entries(a.iter().map(|e| self.value_node(e)).collect()),
                key_loc: loc.clone(),
                loc,
                source: None,
            },
            _ => Node {
                kind: Kind::Leaf(leaf_value(v)),
                key_loc: loc.clone(),
                loc,
                source: None,
            },
        }
    }
}

/// Parses one TOML text into a located tree. `name` is how errors name the file.
#[allow(clippy::result_large_err)] // a cold error path: one problem per bad file
pub(crate) fn parse_text(name: &str, text: String, depth: i32) -> Result<Node, Problem> {
    parse(name, text, depth, true)
}

/// [`parse_text`], quoting lines in errors only when `quote` is set.
#[allow(clippy::result_large_err)] // a cold error path: one problem per bad file
fn parse(name: &str, text: String, depth: i32, quote: bool) -> Result<Node, Problem> {
    let src = SourceText::new(name, text, depth, quote);
    match toml_edit::Document::parse(src.text.clone()) {
        Ok(doc) => Ok(src.item_node(doc.as_item()).expect("a document is a table")),
        Err(e) => Err(Problem::at(
            Some(src.span_loc(e.span())),
            "",
            format!("TOML syntax error: {}", e.message().trim_end()),
        )),
    }
}

/// The largest scenario file read, in bytes (1 MiB).
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;

/// The longest `extends` chain, counting the file named on the command line.
pub(crate) const MAX_EXTENDS_DEPTH: usize = 32;

/// What a file that is not a regular file is, for errors.
fn file_kind(t: std::fs::FileType) -> Option<&'static str> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    if t.is_dir() {
        Some("a directory")
    } else if t.is_file() {
        None
    } else {
        Some("not a regular file")
    }
}

/// Refuses anything but a regular file of at most [`MAX_FILE_BYTES`].
fn check_metadata(m: &std::fs::Metadata) -> Result<(), String> {
    if let Some(kind) = file_kind(m.file_type()) {
        return Err(format!(
            "it is {kind}; expected a regular file (a scenario file of at most 1 MiB)"
        ));
    }
    if m.len() > MAX_FILE_BYTES {
        return Err(too_big(m.len()));
    }
    Ok(())
}

fn too_big(len: u64) -> String {
    format!(
        "it has {len} bytes; expected a scenario file of at most 1 MiB ({MAX_FILE_BYTES} bytes)"
    )
}

/// Reads a scenario file: a regular file (checked before opening, so that a FIFO or a device
/// is never opened, and again on the open file) of at most [`MAX_FILE_BYTES`], read with that
/// cap (the file may grow after the check).
fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    check_metadata(&std::fs::metadata(path).map_err(|e| e.to_string())?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // If the path is swapped for a FIFO between the check and the open, opening it must not
    // wait for a writer (O_NONBLOCK; regular files ignore it).
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(0o4000);
    }
    let file = options.open(path).map_err(|e| e.to_string())?;
    check_metadata(&file.metadata().map_err(|e| e.to_string())?)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// The file's text, or a problem located at its first byte that is not UTF-8.
#[allow(clippy::result_large_err)] // a cold error path: one problem per bad file
fn utf8(name: &str, bytes: Vec<u8>, depth: i32, quote: bool) -> Result<String, Problem> {
    let err = match String::from_utf8(bytes) {
        Ok(text) => return Ok(text),
        Err(e) => e,
    };
    let valid = err.utf8_error().valid_up_to();
    let bytes = err.into_bytes();
    let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    let loc = Loc {
        file: name.into(),
        line,
        col,
        text: if quote { &before[line_start..] } else { "" }.into(),
        depth,
    };
    Err(Problem::at(
        Some(loc),
        "",
        format!(
            "not UTF-8 text: the byte at line {line}, column {col} is not UTF-8; expected a scenario file in UTF-8"
        ),
    ))
}

/// Reads `path` and every file it `extends`, merged child over parent. The scenario's
/// `name` and `description` are not inherited (a child without a name is named after its
/// file).
pub(crate) fn load(path: &Path) -> Result<Node, Vec<Problem>> {
    load_chain(path, None, &mut Vec::new())
}

fn load_chain(
    path: &Path,
    named_at: Option<&Node>,
    stack: &mut Vec<PathBuf>,
) -> Result<Node, Vec<Problem>> {
    let here = |msg: String| {
        let p = Problem::at(
            named_at.map(|n| n.loc.clone()),
            if named_at.is_some() { "extends" } else { "" },
            msg,
        );
        vec![p]
    };
    if stack.len() >= MAX_EXTENDS_DEPTH {
        return Err(here(format!(
            "`extends` chains are at most {MAX_EXTENDS_DEPTH} files deep; {} would be the {}th",
            path.display(),
            stack.len() + 1
        )));
    }
    let bytes = read_file(path)
        .map_err(|e| here(format!("cannot read scenario file {}: {e}", path.display())))?;
    // Lines of a file that is not a scenario file (`extends = "/etc/passwd"`) are not shown.
    let quote = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let name = path.display().to_string();
    let text = utf8(&name, bytes, stack.len() as i32, quote).map_err(|p| vec![p])?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if let Some(i) = stack.iter().position(|p| *p == canonical) {
        let chain: Vec<String> = stack[i..]
            .iter()
            .chain(std::iter::once(&canonical))
            .map(|p| {
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |f| f.to_string_lossy().into_owned(),
                )
            })
            .collect();
        return Err(here(format!(
            "`extends` forms a cycle: {}",
            chain.join(" -> ")
        )));
    }
    let mut node = parse(&name, text, stack.len() as i32, quote).map_err(|p| vec![p])?;
    let Kind::Table(root) = &mut node.kind else {
        unreachable!("a document is a table")
    };
    let Some(parent_ref) = root.shift_remove("extends") else {
        return Ok(node);
    };
    let Some(parent_name) = parent_ref.str() else {
        return Err(vec![Problem::at(
            Some(parent_ref.loc.clone()),
            "extends",
            "expected a file name (a string such as \"base.toml\")",
        )]);
    };
    let parent_path = path.parent().unwrap_or(Path::new(".")).join(parent_name);
    stack.push(canonical);
    let mut parent = load_chain(&parent_path, Some(&parent_ref), stack)?;
    stack.pop();
    if let Kind::Table(t) = &mut parent.kind {
        t.shift_remove("name");
        t.shift_remove("description");
    }
    merge(&mut parent, node);
    Ok(parent)
}

/// Merges `child` over `parent` (see the module docs).
pub(crate) fn merge(parent: &mut Node, child: Node) {
    match (&mut parent.kind, child.kind) {
        (Kind::Table(p), Kind::Table(c)) => {
            for (key, node) in c {
                match p.get_mut(&key) {
                    Some(existing) => merge(existing, node),
                    None => {
                        p.insert(key, node);
                    }
                }
            }
        }
        (Kind::Entries(p), Kind::Entries(c)) => {
            for entry in c {
                let key = entry.entry_key();
                match key
                    .as_ref()
                    .and_then(|k| p.iter_mut().find(|e| e.entry_key().as_ref() == Some(k)))
                {
                    Some(existing) => merge(existing, entry),
                    None => p.push(entry),
                }
            }
        }
        (_, kind) => {
            *parent = Node {
                kind,
                loc: child.loc,
                key_loc: child.key_loc,
                source: child.source,
            };
        }
    }
}

/// Puts `value` at the dotted `name` (`vendor.DeepSeek.price`, `segment.enterprise.bass_q`):
/// the first part is a top-level key; where that holds entries (`[[vendor]]`), the second
/// part is an entry's name. Returns false when the parent table does not exist.
pub(crate) fn set(root: &mut Node, name: &str, value: Node) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    set_in(root, &parts, value)
}

fn set_in(node: &mut Node, parts: &[&str], value: Node) -> bool {
    let Kind::Table(table) = &mut node.kind else {
        return false;
    };
    match parts {
        [] => false,
        [key] => {
            table.insert((*key).to_owned(), value);
            true
        }
        [key, rest @ ..] => match table.get_mut(*key) {
            Some(child) => match &mut child.kind {
                Kind::Entries(es) => match es
                    .iter_mut()
                    .find(|e| e.get("name").and_then(Node::str) == Some(rest[0]))
                {
                    Some(entry) => set_in(entry, &rest[1..], value),
                    None => false,
                },
                _ => set_in(child, rest, value),
            },
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_become_sources() {
        let text = "# header\n\n[capability]\n# CAL-21: algorithms ~3x/yr\n# second line\npace = 1.0 # trailing\n\ncost_per_unit = 2.5\n";
        let node = parse_text("t.toml", text.into(), 0).unwrap();
        let pace = node.get("capability").unwrap().get("pace").unwrap();
        assert_eq!(
            pace.source.as_deref(),
            Some("CAL-21: algorithms ~3x/yr second line trailing")
        );
        assert_eq!(pace.loc.line, 6);
        assert_eq!(pace.loc.col, 8);
        assert_eq!(pace.key_loc.col, 1);
        let k = node
            .get("capability")
            .unwrap()
            .get("cost_per_unit")
            .unwrap();
        assert_eq!(k.source, None);
    }

    #[test]
    fn merge_matches_entries_by_name_and_replaces_distributions() {
        let parent = parse_text(
            "p.toml",
            "[[vendor]]\nname = \"A\"\nprice = { dist = \"lognormal\", median = 1.0, p90 = 2.0 }\nlag = 0.0\n[[vendor]]\nname = \"B\"\nprice = 2.0\n".into(), 0,
        )
        .unwrap();
        let child = parse_text(
            "c.toml",
            "[[vendor]]\nname = \"A\"\nprice = { dist = \"normal\", mean = 1.0, sd = 0.1 }\n[[vendor]]\nname = \"C\"\nprice = 3.0\n".into(), 0,
        )
        .unwrap();
        let mut merged = parent;
        merge(&mut merged, child);
        let v = merged.to_value();
        let vendors = v["vendor"].as_array().unwrap();
        assert_eq!(vendors.len(), 3);
        let a = vendors[0].as_table().unwrap();
        assert_eq!(a["lag"].as_float(), Some(0.0));
        let price = a["price"].as_table().unwrap();
        assert_eq!(price["dist"].as_str(), Some("normal"));
        assert!(
            !price.contains_key("median"),
            "distribution tables are replaced, not merged"
        );
        assert_eq!(vendors[2]["name"].as_str(), Some("C"));
    }

    #[test]
    fn set_reaches_entries_by_name() {
        let mut root = parse_text(
            "p.toml",
            "[[vendor]]\nname = \"A\"\nprice = 1.0\n[segment.enterprise]\nbass_q = 0.4\n".into(),
            0,
        )
        .unwrap();
        let value = parse_text("--set", "v = 2.5".into(), -1)
            .unwrap()
            .get("v")
            .unwrap()
            .clone();
        assert!(set(&mut root, "vendor.A.price", value.clone()));
        assert!(set(&mut root, "segment.enterprise.bass_q", value.clone()));
        assert!(!set(&mut root, "vendor.Z.price", value));
        let v = root.to_value();
        assert_eq!(v["vendor"][0]["price"].as_float(), Some(2.5));
        assert_eq!(v["segment"]["enterprise"]["bass_q"].as_float(), Some(2.5));
    }
}
