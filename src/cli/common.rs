//! What the path-running commands share: their options, the progress bar, the cancel flag,
//! loading a scenario, and the closing lines of output.

use super::{Failure, INTERRUPTED};
use infercast::pipeline::{Faults, Refused};
use infercast::report::export::Format;
use infercast::run::{MAX_PATHS, MAX_SHARDS, Observer, PathTooLong, Settings};
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
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    pub threads: usize,
    /// Output folder (default: under output/, named after the scenario).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// PNG charts this many times larger (2: 2000 × 1120 pixels, for slides); SVGs unchanged.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=4))]
    pub png_scale: u32,
}

impl Common {
    /// The settings of a plain run of `s` (the scenario's paths, seed and sampling unless
    /// given); refused without paths.
    pub fn settings(&self, s: &Scenario) -> Result<Settings, Failure> {
        // Every command that takes these options draws its charts after settling them.
        infercast::report::charts::set_png_scale(self.png_scale);
        let settings = Settings {
            paths: self.paths.unwrap_or(s.paths),
            seed: self.seed.unwrap_or(s.seed),
            threads: self.threads,
            sampling: s.sampling,
            until_se: None,
            until_ess: None,
            adapt: false,
            shard: None,
        };
        match limits(&settings) {
            Some(problem) => Err(Failure::BadInput(problem)),
            None => Ok(settings),
        }
    }

    /// The output folder: `--out`, else `output/<name>`.
    pub fn folder(&self, name: &str) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| PathBuf::from("output").join(name))
    }
}

/// The most worker threads: far more than the cores of any machine this runs on, and each
/// worker keeps two tallies of its own (tens of megabytes for base), so more only add memory.
pub const MAX_THREADS: usize = 1024;

/// Why the numbers of `settings` are out of bounds, if they are: paths from 1 to
/// [`MAX_PATHS`], at most [`MAX_THREADS`] threads, at most [`MAX_SHARDS`] shards.
pub fn limits(settings: &Settings) -> Option<String> {
    if settings.paths == 0 {
        return Some("--paths must be at least 1".to_owned());
    }
    if settings.paths > MAX_PATHS {
        return Some(format!(
            "--paths: at most {MAX_PATHS} (2^40), found {}: path counts and indices must stay exact in 64-bit block arithmetic and as floating-point numbers, and 2^40 base paths are already about 35 core-years",
            settings.paths
        ));
    }
    if settings.threads > MAX_THREADS {
        return Some(format!(
            "--threads: at most {MAX_THREADS}, found {}: each worker thread keeps tallies of its own, and threads beyond the cores only add memory",
            settings.threads
        ));
    }
    match settings.shard {
        Some((_, n)) if n > MAX_SHARDS => Some(format!(
            "--shard: at most {MAX_SHARDS} shards (2^20), found {n}: shard k of n holds blocks k × blocks / n onwards, which must stay within 64 bits"
        )),
        _ => None,
    }
}

/// Loads a scenario, or prints why it is invalid.
pub fn load(file: &Path, set: &[Override]) -> Result<Scenario, Failure> {
    scenario::load(file, set).map_err(|e| {
        eprintln!("{}\n{e}", invalid(file, &e));
        Failure::BadInput(String::new())
    })
}

/// The first line of a refused scenario: the file is invalid, or, when every problem lies in
/// a `--set`, the file is fine and the `--set` is not.
pub fn invalid(file: &Path, e: &infercast::scenario::ScenarioError) -> String {
    if e.only_in_set() {
        format!(
            "{}: the file is valid; a --set override is not (nothing to fix in the file)",
            file.display()
        )
    } else {
        format!("{}: invalid", file.display())
    }
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
                "{bar:40} {pos}/{len} paths  {rate}  ETA {eta}",
            )
            .expect("a valid template")
            .with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.1} paths/s", state.per_sec());
                },
            ),
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
    let took = infercast::analysis::provenance::now(true).seconds;
    text.push_str(&format!("\noutputs in {}\n", dir.display()));
    for line in infercast::report::format::wrap(files, 96) {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str(&format!(
        "finished in {}\n",
        infercast::analysis::provenance::duration(took)
    ));
    super::Done(text)
}

/// Why a command's pipeline failed: nothing to report (exit 2), or a folder that cannot be
/// written (exit 1).
pub fn pipeline_failure(dir: &Path, e: infercast::pipeline::Error) -> Failure {
    match e {
        infercast::pipeline::Error::Unreproducible(why) => Failure::BadInput(why),
        infercast::pipeline::Error::Io(e) => failure(dir, e),
    }
}

/// An output folder that cannot be written.
pub fn write_failure(dir: &Path, e: impl std::fmt::Display) -> Failure {
    Failure::Other(format!(
        "cannot write the outputs to {}: {e}",
        dir.display()
    ))
}

/// A command writing into `dir` failed with `e`: an output folder infercast may not replace
/// is bad input (exit 2), as is a path that would exceed its budget of events; anything else
/// is a failure to write (exit 1).
pub fn failure(dir: &Path, e: std::io::Error) -> Failure {
    match e.get_ref() {
        Some(inner) if inner.is::<Refused>() || inner.is::<PathTooLong>() => {
            Failure::BadInput(inner.to_string())
        }
        _ => write_failure(dir, e),
    }
}

/// Faults injected into the write phase of the output folder, for tests only:
/// `INFERCAST_FAIL_AFTER_FILES=N` lets N steps through (each file, then the swap's two
/// renames) and stops before the next: `N` exits at once with code 137, as a kill would (no
/// clean-up runs); `N:error` fails that step with an I/O error, as a full disk would. The
/// library never reads the environment: the command line hands these to it.
pub struct InjectedFaults {
    after: usize,
    error: bool,
    steps: std::sync::atomic::AtomicUsize,
}

impl InjectedFaults {
    /// The faults `INFERCAST_FAIL_AFTER_FILES` asks for, if any.
    pub fn from_env() -> Option<Self> {
        let v = std::env::var("INFERCAST_FAIL_AFTER_FILES").ok()?;
        let (n, error) = match v.split_once(':') {
            Some((n, "error")) => (n, true),
            _ => (v.as_str(), false),
        };
        Some(Self {
            after: n.trim().parse().ok()?,
            error,
            steps: 0.into(),
        })
    }
}

impl Faults for InjectedFaults {
    fn before(&self, step: &str) -> std::io::Result<()> {
        let n = self.steps.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n != self.after {
            return Ok(());
        }
        if self.error {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!("injected fault before {step:?} (INFERCAST_FAIL_AFTER_FILES)"),
            ));
        }
        eprintln!("killed before {step:?} (INFERCAST_FAIL_AFTER_FILES)");
        std::process::exit(137)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_over_its_budget_and_a_refused_folder_are_bad_input() {
        let dir = Path::new("out");
        let long = PathTooLong {
            path: 3,
            events: 11,
            budget: 10,
            month: 2,
        };
        let e = std::io::Error::new(std::io::ErrorKind::InvalidInput, long);
        match failure(dir, e) {
            Failure::BadInput(m) => {
                for field in ["cohorts", "review_rate", "review_months", "horizon"] {
                    assert!(m.contains(field), "{m}");
                }
            }
            _ => panic!("a path over its budget is bad input"),
        }
        let refused = Refused {
            dir: dir.to_owned(),
            why: "it holds `x`".to_owned(),
        };
        assert!(matches!(
            failure(dir, std::io::Error::other(refused)),
            Failure::BadInput(_)
        ));
        assert!(matches!(
            failure(dir, std::io::Error::other("disk full")),
            Failure::Other(_)
        ));
    }
}
