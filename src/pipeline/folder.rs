//! Files put into a folder that is being staged (see [`super::output`]): each written
//! atomically (a temporary file in the same folder, flushed to disk, then renamed over its
//! name), readable by others (rw-r--r--), and recorded with its size and hash for the
//! manifest.

use super::output::Faults;
use crate::report::export::Sink;
use crate::run::FileRecord;
use crate::stats::Fnv1a64;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A folder that files are put into, atomically, each recorded with its size and hash.
pub struct Folder<'a> {
    dir: PathBuf,
    /// The folder's path within the output folder being staged (`""` for the output folder
    /// itself, `"tiny/"` for a compare's run), naming each file to the faults.
    within: String,
    faults: Option<&'a dyn Faults>,
    files: BTreeMap<String, FileRecord>,
}

impl<'a> Folder<'a> {
    /// The folder `dir`, created if needed.
    pub fn create(dir: &Path) -> io::Result<Self> {
        Self::staged(dir, String::new(), None)
    }

    /// The folder `dir` (at `within` in the output folder), created if needed, that tells
    /// `faults` before each file it writes.
    pub(super) fn staged(
        dir: &Path,
        within: String,
        faults: Option<&'a dyn Faults>,
    ) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
            within,
            faults,
            files: BTreeMap::new(),
        })
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The files written so far, by name, with their sizes and hashes.
    pub fn files(&self) -> &BTreeMap<String, FileRecord> {
        &self.files
    }

    /// Writes the file `name`, written by `write`, atomically, and records it.
    fn write(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> io::Result<()> {
        if let Some(f) = self.faults {
            f.before(&format!("{}{name}", self.within))?;
        }
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        let mut hashed = Hashed {
            inner: io::BufWriter::new(tmp.as_file_mut()),
            hash: Fnv1a64::default(),
            bytes: 0,
        };
        write(&mut hashed)?;
        hashed.inner.flush()?;
        let record = FileRecord::new(hashed.bytes, hashed.hash.finish());
        drop(hashed);
        shareable(tmp.as_file())?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.dir.join(name)).map_err(|e| e.error)?;
        self.files.insert(name.to_owned(), record);
        Ok(())
    }

    /// Writes an HTML page into the file `name`. A page's provenance block (when it was run,
    /// in how long, by which command) differs from run to run: the size and hash recorded are
    /// those of the page without it, the same for every run of the same scenario and paths.
    pub fn put_html(&mut self, name: &str, page: &str) -> io::Result<()> {
        let stable = crate::report::html::strip_provenance(page);
        self.put(name, page.as_bytes())?;
        if stable.len() != page.len() {
            let mut hash = Fnv1a64::default();
            hash.update(stable.as_bytes());
            let record = FileRecord::new(stable.len() as u64, hash.finish());
            self.files.insert(name.to_owned(), record);
        }
        Ok(())
    }

    /// Writes `value` as pretty JSON into the file `name` without recording it in the
    /// folder's files (`provenance.json`, which differs from run to run).
    pub fn put_unlisted_json<T: serde::Serialize>(
        &mut self,
        name: &str,
        value: &T,
    ) -> io::Result<()> {
        self.put(name, &crate::report::export::json::pretty(value)?)?;
        self.files.remove(name);
        Ok(())
    }

    /// Writes `value` as pretty JSON into the file `name`.
    pub fn put_json<T: serde::Serialize>(&mut self, name: &str, value: &T) -> io::Result<()> {
        self.put(name, &crate::report::export::json::pretty(value)?)
    }
}

/// A writer that counts and hashes what passes through it.
struct Hashed<W: Write> {
    inner: W,
    hash: Fnv1a64,
    bytes: u64,
}

impl<W: Write> Write for Hashed<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Sink for Folder<'_> {
    fn put(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        self.write(name, |w| w.write_all(bytes))
    }

    fn put_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> io::Result<()> {
        self.write(name, write)
    }
}

/// Output files are for sharing: readable by others (rw-r--r--), not the private mode of a
/// temporary file.
fn shareable(file: &std::fs::File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}
