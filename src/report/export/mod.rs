//! Exporters: a run's results as files in a format (JSON, CSV; a new format is one more file
//! here implementing [`Exporter`]). They read only analysis types and hand their bytes to a
//! [`Sink`], which the caller backs with a folder written atomically.

pub mod csv;
pub mod json;

use crate::analysis::RunView;
use std::io;

/// Where exporters put their files.
pub trait Sink {
    /// Stores the file `name` with contents `bytes`.
    fn put(&mut self, name: &str, bytes: &[u8]) -> io::Result<()>;

    /// Stores the file `name`, written by `write` (for files too large to hold in memory).
    fn put_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut dyn io::Write) -> io::Result<()>,
    ) -> io::Result<()>;
}

/// A file format of a run's results.
pub trait Exporter: Sync {
    /// Writes this format's files of `run` into `sink`.
    fn export(&self, run: &RunView<'_>, sink: &mut dyn Sink) -> io::Result<()>;
}

/// The exporters of a run's data files, in the order they are written.
pub fn run_exporters() -> Vec<Box<dyn Exporter>> {
    vec![Box::new(json::Json), Box::new(csv::Csv)]
}
