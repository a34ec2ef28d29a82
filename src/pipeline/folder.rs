//! Output folders: every file is written atomically (a temporary file in the same folder,
//! flushed to disk, then renamed over its name), so a killed run never leaves a truncated
//! file, and is readable by others (rw-r--r--).

use crate::report::export::Sink;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// An output folder that files are put into, atomically.
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// The folder `dir`, created if needed.
    pub fn create(dir: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// The folder's path.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes the file `name`, written by `write`, atomically.
    fn write(
        &self,
        name: &str,
        write: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)?;
        {
            let mut buf = io::BufWriter::new(tmp.as_file_mut());
            write(&mut buf)?;
            buf.flush()?;
        }
        shareable(tmp.as_file())?;
        tmp.as_file().sync_all()?;
        tmp.persist(self.dir.join(name)).map_err(|e| e.error)?;
        Ok(())
    }

    /// Writes an HTML page into the file `name`.
    pub fn put_html(&mut self, name: &str, page: &str) -> io::Result<()> {
        self.put(name, page.as_bytes())
    }

    /// Writes `value` as pretty JSON into the file `name`.
    pub fn put_json<T: serde::Serialize>(&mut self, name: &str, value: &T) -> io::Result<()> {
        self.put(name, &crate::report::export::json::pretty(value)?)
    }
}

impl Sink for Folder {
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
