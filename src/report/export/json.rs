//! JSON files: `summary.json` of a run, and the documents of `compare`, `stress` and
//! `explain --json`.

use super::{Exporter, Sink};
use crate::analysis::RunView;
use std::io;

/// A JSON document as pretty-printed bytes with a final newline.
pub fn pretty<T: serde::Serialize>(v: &T) -> io::Result<Vec<u8>> {
    let mut t = serde_json::to_vec_pretty(v).map_err(io::Error::other)?;
    t.push(b'\n');
    Ok(t)
}

/// `summary.json`: everything a run shows but the monthly series.
pub struct Json;

impl Exporter for Json {
    fn export(&self, run: &RunView<'_>, sink: &mut dyn Sink) -> io::Result<()> {
        sink.put("summary.json", &pretty(run.summary)?)
    }
}
