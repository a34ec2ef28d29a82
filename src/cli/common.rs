//! What the path-running commands share: their options, the progress bar, the cancel flag,
//! loading a scenario, and the closing lines of output.

use super::{Failure, INTERRUPTED};
use infercast::report::export::Format;
use infercast::run::{Observer, Settings};
use infercast::scenario::{self, Override, Scenario};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Parses `--format csv|parquet|both`, refusing Parquet in a build without it.
pub fn parse_format(s: &str) -> Result<Format, String> {
    let f: Format = s.parse()?;
    if !f.available() {
        return Err(
            "this build has no Parquet support (it was built without the `parquet` feature)"
                .to_owned(),
        );
    }
    Ok(f)
}

/// Parses `--set NAME=VALUE`.
pub fn parse_override(s: &str) -> Result<Override, String> {
    s.parse()
}

/// The options every command that runs paths takes.
#[derive(clap::Args)]
pub struct Common {
    /// Number of paths (default: the scenario's `paths`).
    #[arg(long)]
    pub paths: Option<u64>,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Output folder (default: under output/, named after the scenario).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl Common {
    /// The settings of a plain run of `s` (the scenario's paths, seed and sampling unless
    /// given); refused without paths.
    pub fn settings(&self, s: &Scenario) -> Result<Settings, Failure> {
        let settings = Settings {
            paths: self.paths.unwrap_or(s.paths),
            seed: self.seed.unwrap_or(s.seed),
            threads: self.threads,
            sampling: s.sampling,
            until_se: None,
            shard: None,
        };
        if settings.paths == 0 {
            return Err(Failure::BadInput("--paths must be at least 1".to_owned()));
        }
        Ok(settings)
    }

    /// The output folder: `--out`, else `output/<name>`.
    pub fn folder(&self, name: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from("output").join(name))
    }
}

/// Loads a scenario, or prints why it is invalid.
pub fn load(file: &Path, set: &[Override]) -> Result<Scenario, Failure> {
    scenario::load(file, set).map_err(|e| {
        eprintln!("{}: invalid\n{e}", file.display());
        Failure::BadInput(String::new())
    })
}

/// The progress bar (paths, paths per second, time left) on stderr when it is a terminal,
/// hidden with `--quiet` or under CI.
pub struct Bar(pub indicatif::ProgressBar);

impl Bar {
    pub fn new(total: u64, quiet: bool) -> Self {
        let show = !quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total),
            if show {
                indicatif::ProgressDrawTarget::stderr()
            } else {
                indicatif::ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} paths  {per_sec}  ETA {eta}",
            )
            .expect("a valid template"),
        );
        Bar(bar)
    }

    /// Prints a warning without breaking the bar.
    pub fn warn(&self, text: &str) {
        self.0.suspend(|| eprint!("warning: {text}"));
    }
}

impl Observer for Bar {
    fn advance(&self, paths: u64) {
        self.0.inc(paths);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// A flag that Ctrl-C or SIGTERM sets: runs finish the blocks in flight, write what is done
/// and exit 130. A second signal stops at once.
pub fn cancel_on_signal() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(INTERRUPTED.into());
        }
    });
    cancel
}

/// The message of an interrupted run.
pub fn interrupted(paths: u64, dir: &Path) -> Failure {
    Failure::Interrupted(format!(
        "{paths} paths written to {} and marked incomplete; run the same command again to start over",
        dir.display()
    ))
}

/// A command's closing table and what it wrote where.
pub fn done(mut text: String, dir: &Path, files: &str) -> super::Done {
    text.push_str(&format!("\noutputs in {}\n  {files}\n", dir.display()));
    super::Done(text)
}

/// An output folder that cannot be written.
pub fn write_failure(dir: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::Other(format!(
        "cannot write the outputs to {}: {e}",
        dir.display()
    ))
}
