//! Output folders are replaced whole. A command writes its whole folder into a fresh hidden
//! folder beside it (`.<name>.infercast-new-XXXXXX`), `manifest.json` last, then swaps it in:
//! the old folder is renamed aside (`.<name>.infercast-old-…`), the new one renamed into
//! place, the old one removed. So the folder at its name is always a whole output, the old or
//! the new (or, if a kill falls between the two renames, absent), never a mix, and no file of
//! an earlier output survives.
//!
//! Because a folder is replaced whole, infercast only replaces a folder it wrote: one that does
//! not exist, is empty, or holds an infercast `manifest.json` that lists every other file in
//! it (a compare's manifest also lists its runs' folders, each checked the same way). An
//! earlier version's folder, whose manifest lists no files, may hold the kinds of files
//! infercast writes; an earlier version's compare folder is recognised by its
//! `compare.json`. Anything else is refused ([`Refused`]) and left untouched.
//!
//! A command killed before its swap leaves its hidden folder behind; the next command writing
//! the same folder removes it, unless another command still holds its lock (two commands
//! writing one folder at once: the last to finish wins).

use super::folder::Folder;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Where a command writes its output folder, and the faults to inject while it does (tests).
#[derive(Clone, Copy)]
pub struct Out<'a> {
    pub dir: &'a Path,
    pub faults: Option<&'a dyn Faults>,
}

impl<'a> Out<'a> {
    /// The folder `dir`, written without faults.
    pub fn new(dir: &'a Path) -> Self {
        Self { dir, faults: None }
    }

    /// The same, telling `faults` before each step of the write phase.
    pub fn with_faults(self, faults: Option<&'a dyn Faults>) -> Self {
        Self { faults, ..self }
    }
}

impl<'a> From<&'a Path> for Out<'a> {
    fn from(dir: &'a Path) -> Self {
        Self::new(dir)
    }
}

impl<'a> From<&'a PathBuf> for Out<'a> {
    fn from(dir: &'a PathBuf) -> Self {
        Self::new(dir)
    }
}

/// Faults injected into the write phase of an output folder, to test what an interruption
/// leaves: told before each step (each file, by its path within the folder, then
/// [`SWAP`] and [`SWAP_ASIDE`]); an error fails that step, as a full disk would.
pub trait Faults: Sync {
    fn before(&self, step: &str) -> io::Result<()>;
}

/// The step before the swap begins.
pub const SWAP: &str = "swap";
/// The step between the swap's renames: the old folder is aside, the new one not yet in place.
pub const SWAP_ASIDE: &str = "swap: the old folder moved aside";

/// An output folder infercast may not replace: it holds files infercast did not write.
#[derive(Debug, thiserror::Error)]
#[error(
    "{}: {why}; infercast replaces an output folder whole, so it writes only into a new or empty folder or one holding an earlier infercast output whose manifest.json lists its files: choose another output folder, or move this one away",
    dir.display()
)]
pub struct Refused {
    pub dir: PathBuf,
    pub why: String,
}

/// An output folder being written: the hidden folder beside it where its files go, locked
/// while in use and removed (if not swapped in) when dropped.
pub(super) struct Staged<'a> {
    /// The output folder (absolute).
    dir: PathBuf,
    staging: PathBuf,
    /// The staging folder, opened and locked, so that no other command removes it as a
    /// leftover.
    lock: Option<fs::File>,
    faults: Option<&'a dyn Faults>,
    done: bool,
}

impl<'a> Staged<'a> {
    /// Checks that `out.dir` may be replaced, removes leftovers of earlier commands beside
    /// it, and makes the staging folder.
    pub(super) fn begin(out: Out<'a>) -> io::Result<Self> {
        // An existing folder by its real path (`..` resolved; for a symbolic link, the folder
        // it points to is replaced, not the link).
        let dir = match fs::canonicalize(out.dir) {
            Ok(d) => d,
            Err(_) => std::path::absolute(out.dir)?,
        };
        let (parent, name) = parent_and_name(&dir)?;
        fs::create_dir_all(&parent)?;
        check_replaceable(&dir)?;
        remove_leftovers(&parent, &name);
        let staging = tempfile::Builder::new()
            .prefix(&format!(".{name}.infercast-new-"))
            .tempdir_in(&parent)?
            .keep();
        let mut staged = Staged {
            dir,
            staging,
            lock: None,
            faults: out.faults,
            done: false,
        };
        shareable_dir(&staged.staging)?;
        staged.lock = lock(&staged.staging);
        Ok(staged)
    }

    /// The staging folder: where the output's files go until [`Staged::commit`].
    pub(super) fn path(&self) -> &Path {
        &self.staging
    }

    /// The staging folder, to put files into.
    pub(super) fn folder(&self) -> io::Result<Folder<'a>> {
        Folder::staged(&self.staging, String::new(), self.faults)
    }

    /// The subfolder `name` of the staging folder (a compare's run), to put files into.
    pub(super) fn subfolder(&self, name: &str) -> io::Result<Folder<'a>> {
        Folder::staged(&self.staging.join(name), format!("{name}/"), self.faults)
    }

    /// Swaps the staged folder in for the output folder. On an error the output folder is
    /// left as it was (or restored).
    pub(super) fn commit(mut self) -> io::Result<()> {
        if let Some(f) = self.faults {
            f.before(SWAP)?;
        }
        // Nothing of the user's may have arrived in the folder while the command ran.
        check_replaceable(&self.dir)?;
        fs::File::open(&self.staging)?.sync_all()?;
        let (parent, name) = parent_and_name(&self.dir)?;
        let aside = if fs::symlink_metadata(&self.dir).is_ok() {
            let aside = parent.join(format!(
                ".{name}.infercast-old-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
            fs::rename(&self.dir, &aside)?;
            Some(aside)
        } else {
            None
        };
        let swapped = match (&aside, self.faults) {
            (Some(_), Some(f)) => f.before(SWAP_ASIDE),
            _ => Ok(()),
        }
        .and_then(|()| fs::rename(&self.staging, &self.dir));
        if let Err(e) = swapped {
            if let Some(aside) = &aside {
                let _ = fs::rename(aside, &self.dir);
            }
            return Err(e);
        }
        self.done = true;
        self.lock = None;
        if let Ok(p) = fs::File::open(&parent) {
            let _ = p.sync_all();
        }
        if let Some(aside) = aside {
            let _ = fs::remove_dir_all(aside);
        }
        Ok(())
    }
}

impl Drop for Staged<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.lock = None;
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The folder containing `dir`, and `dir`'s name.
fn parent_and_name(dir: &Path) -> io::Result<(PathBuf, String)> {
    match (dir.parent(), dir.file_name()) {
        (Some(p), Some(n)) => Ok((p.to_owned(), n.to_string_lossy().into_owned())),
        _ => Err(io::Error::other(Refused {
            dir: dir.to_owned(),
            why: "cannot be an output folder (it has no parent folder)".to_owned(),
        })),
    }
}

/// Opens and locks `dir`, if the platform can; a command holding this lock is alive.
fn lock(dir: &Path) -> Option<fs::File> {
    let f = fs::File::open(dir).ok()?;
    f.try_lock().ok()?;
    Some(f)
}

/// Removes the hidden folders that earlier commands writing `parent/name` left behind: a
/// staging folder no live command holds, and an old folder a swap did not get to remove.
fn remove_leftovers(parent: &Path, name: &str) {
    let new = format!(".{name}.infercast-new-");
    let old = format!(".{name}.infercast-old-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let path = e.path();
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if n.starts_with(&old) || (n.starts_with(&new) && lock(&path).is_some()) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Output folders are for sharing: readable by others (rwxr-xr-x), not the private mode of a
/// temporary folder.
fn shareable_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The kinds of files infercast writes into an output folder (for an earlier version's
/// folder, whose manifest lists no files).
fn infercast_kind(name: &str) -> bool {
    [".json", ".csv", ".svg", ".png", ".html"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// A temporary file infercast left behind (an earlier version's killed write).
fn leftover(name: &str) -> bool {
    name.starts_with(".tmp")
}

/// Whether `dir` may be replaced whole (see the module's documentation); otherwise why not.
pub fn check_replaceable(dir: &Path) -> io::Result<()> {
    let refuse = |why: String| {
        Err(io::Error::other(Refused {
            dir: dir.to_owned(),
            why,
        }))
    };
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        return refuse("is not a folder".to_owned());
    }
    let mut entries: Vec<(String, fs::FileType)> = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        entries.push((e.file_name().to_string_lossy().into_owned(), e.file_type()?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    if entries.is_empty() {
        return Ok(());
    }
    let manifest: Option<serde_json::Value> = fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|m: &serde_json::Value| m["tool"] == "infercast");
    let legacy_compare = manifest.is_none()
        && fs::read(dir.join("compare.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|c| c.is_object());
    let (files, runs, legacy) = match &manifest {
        Some(m) => (
            m.get("files").and_then(|f| f.as_object()),
            m.get("runs").and_then(|r| r.as_array()),
            m.get("files").is_none(),
        ),
        None if legacy_compare => (None, None, true),
        None => {
            let (first, _) = &entries[0];
            return refuse(format!(
                "it holds `{first}`, which infercast did not write (it holds no infercast manifest.json)"
            ));
        }
    };
    for (name, kind) in &entries {
        let ours = if kind.is_dir() {
            let listed = runs.is_some_and(|r| r.iter().any(|x| x == name.as_str()));
            let sub = dir.join(name);
            (listed || legacy)
                && sub.join("manifest.json").exists()
                && check_replaceable(&sub).is_ok()
        } else if kind.is_file() {
            // provenance.json differs from run to run, so the manifest does not list it.
            name == "manifest.json"
                || (name == "provenance.json" && files.is_some())
                || leftover(name)
                || files.is_some_and(|f| f.contains_key(name))
                || (legacy && infercast_kind(name))
        } else {
            false
        };
        if !ours {
            let what = if kind.is_dir() { "folder" } else { "file" };
            return refuse(format!(
                "it holds the {what} `{name}`, which infercast did not write (its manifest does not list it)"
            ));
        }
    }
    Ok(())
}
