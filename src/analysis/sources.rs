//! The project's record of sources (`docs/sources.toml`, built into the binary) and the
//! sources a scenario comment cites: a comment starting `CAL-19/21 vs CAL-1/6/8: …` cites
//! CAL-19, CAL-21, CAL-1, CAL-6 and CAL-8.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// One entry of `docs/sources.toml`, as the report shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub item: String,
    pub figure: String,
    pub date: String,
    pub publisher: String,
    /// A public URL, or "" where none is certain.
    pub address: String,
    pub reliability: String,
}

#[derive(Deserialize)]
struct Record {
    source: Vec<Source>,
}

/// Every entry of `docs/sources.toml`, in file order.
pub fn all() -> &'static [Source] {
    static SOURCES: OnceLock<Vec<Source>> = OnceLock::new();
    SOURCES.get_or_init(|| {
        toml::from_str::<Record>(include_str!("../../docs/sources.toml"))
            .map(|r| r.source)
            .unwrap_or_default()
    })
}

/// The entry with id `id` (`"CAL-12"`).
pub fn get(id: &str) -> Option<&'static Source> {
    all().iter().find(|s| s.id == id)
}

/// The ids a comment cites, each once, in order: `CAL-n`, with `/m` continuing the list
/// (`CAL-19/21` is CAL-19 and CAL-21).
pub fn cited_ids(comment: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut rest = comment;
    while let Some(at) = rest.find("CAL-") {
        rest = &rest[at + 4..];
        let mut numbers = Vec::new();
        loop {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if digits.is_empty() {
                break;
            }
            rest = &rest[digits.len()..];
            numbers.push(digits);
            match rest.strip_prefix('/') {
                Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
                _ => break,
            }
        }
        for n in numbers {
            let id = format!("CAL-{n}");
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

/// The entries a comment cites (ids missing from the record are left out).
pub fn cited(comment: &str) -> Vec<Source> {
    cited_ids(comment)
        .iter()
        .filter_map(|id| get(id).cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_record_and_the_ids_a_comment_cites() {
        assert!(all().len() >= 40, "{}", all().len());
        assert_eq!(
            cited_ids("CAL-19/21 vs CAL-1/6/8: κ ≈ 2–3; CAL-19 again"),
            ["CAL-19", "CAL-21", "CAL-1", "CAL-6", "CAL-8"]
        );
        assert_eq!(cited_ids("assumption: none"), Vec::<String>::new());
        let s = get("CAL-3").unwrap();
        assert!(s.address.starts_with("https://"), "{s:?}");
        assert_eq!(cited("CAL-3 and CAL-999")[0].id, "CAL-3");
    }
}
