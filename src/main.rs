//! The `infercast` command line: a thin layer that wires the library's stages together.

use clap::{Parser, Subcommand};
use infercast::run::{self, Observer, Settings};
use infercast::scenario::{self, Override, Sampling, ScenarioError};
use infercast::{explain, report};
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Forecast the economics of AI inference with Monte Carlo, discrete-event simulation.
#[derive(Parser)]
#[command(name = "infercast", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check scenario files and summarise each one (exit 0 only if all are valid).
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Override one input, e.g. --set hardware.Rubin.delay_months=6
        #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
    },
    /// Run many paths in parallel and write probabilities, quantiles and sensitivities.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Run several scenarios on common random numbers (the same paths and seed: the first
    /// scenario's unless given) and compare them side by side.
    Compare {
        /// Scenario files (TOML); the first is the reference for paired differences.
        #[arg(required = true, num_args = 2..)]
        files: Vec<PathBuf>,
        /// A monthly series to overlay (repeatable; default: cost_per_task_ref,
        /// price_blended, tokens_total, revenue_total).
        #[arg(long = "metric", value_name = "NAME")]
        metrics: Vec<String>,
        // --paths and --seed default to the first scenario's; output goes to
        // output/compare-<name>-<name>...
        #[command(flatten)]
        common: Common,
    },
    /// Stress-test the scenario's subscription plans against the simulated cost and usage paths.
    Stress {
        /// Scenario file (TOML) with at least one [[plan]].
        file: PathBuf,
        /// A grid axis of multipliers, LO:HI:N: fee=0.5:2:7 (the default) or
        /// usage_growth=0.5:3:6 (the default).
        #[arg(long = "grid", value_name = "NAME=LO:HI:N")]
        grid: Vec<String>,
        /// Override one input, e.g. --set plan.Pro.fee=250
        #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
        // Output goes to output/<scenario name>-stress.
        #[command(flatten)]
        common: Common,
    },
    /// Merge shard folders of one run into the files of a single run.
    Merge {
        /// Shard folders (from `run --shard K/N`).
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
    /// One path at the medians: event timeline, quarterly table, and the collapse factor
    /// split into hardware, efficiency, competition and on-device.
    Explain {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Override one input, e.g. --set hardware.Rubin.delay_months=6
        #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse()
}

/// Exit code for input the user can fix (a bad scenario or argument).
const BAD_INPUT: u8 = 2;

/// Exit code after Ctrl-C or SIGTERM (128 + SIGINT), the outputs marked incomplete.
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { files, set } => validate(&files, &set),
        Command::Explain { file, set, json } => run_explain(&file, &set, json),
        Command::Merge { dirs, out } => match report::merge(&dirs, &out) {
            Ok(summary) => {
                let mut text = report::summary_table(&summary);
                text.push_str(&format!(
                    "\nmerged {} shards into {}\n",
                    dirs.len(),
                    out.display()
                ));
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(BAD_INPUT)
            }
        },
        Command::Run { file, args } => run_paths(&file, args),
        Command::Stress {
            file,
            grid,
            set,
            common,
        } => stress(&file, &grid, &set, common),
        Command::Compare {
            files,
            metrics,
            common,
        } => compare(&files, metrics, common),
    }
}

fn validate(files: &[PathBuf], set: &[Override]) -> ExitCode {
    let mut failed = false;
    let mut out = String::new();
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match scenario::load(file, set) {
            Ok(s) => {
                out.push_str(&format!("{}: valid\n", file.display()));
                out.push_str(&report::scenario_summary(&s));
                if let (_, Some(repair)) = infercast::sample::Sampler::new(&s, s.sampling, s.paths)
                {
                    out.push_str(&format!("warning: {repair}"));
                }
            }
            Err(e) => {
                failed = true;
                report_error(file, &e);
            }
        }
    }
    // A closed pipe (`infercast validate ... | head`) is not an error.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if failed {
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

/// The progress bar: paths done, paths per second, time left.
struct Bar(indicatif::ProgressBar);

impl Observer for Bar {
    fn advance(&self, paths: u64) {
        self.0.inc(paths);
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SamplingArg {
    Random,
    Lhs,
}

/// The options every command that runs paths takes.
#[derive(clap::Args)]
struct Common {
    /// Number of paths (default: the scenario's `paths`).
    #[arg(long)]
    paths: Option<u64>,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Output folder (default: under output/, named after the scenario).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// The options of `run` besides the scenario.
#[derive(clap::Args)]
struct RunArgs {
    #[command(flatten)]
    common: Common,
    /// Independent draws, or Latin hypercube (default: the scenario's `sampling`).
    #[arg(long, value_enum)]
    sampling: Option<SamplingArg>,
    /// Add paths (in rounds of 1,024) until every target's standard error is at most X.
    #[arg(long, value_name = "X")]
    until_se: Option<f64>,
    /// With --until-se: the most paths to run (default: --paths, else 1,000,000).
    #[arg(long, value_name = "M")]
    max_paths: Option<u64>,
    /// Run only shard K of N (K from 0 to N-1; `auto/N` takes K from SLURM_ARRAY_TASK_ID
    /// or JOB_COMPLETION_INDEX) and write a shard folder for `infercast merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Override one input, e.g. --set hardware.Rubin.delay_months=6
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
}

/// The progress bar (paths, paths per second, time left) on stderr when it is a terminal,
/// hidden with `--quiet` or under CI.
fn progress_bar(total: u64, quiet: bool) -> indicatif::ProgressBar {
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
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} paths  {per_sec}  ETA {eta}")
            .expect("a valid template"),
    );
    bar
}

/// A flag that Ctrl-C or SIGTERM sets: runs finish the blocks in flight, write what is done
/// and exit 130. A second signal stops at once.
fn cancel_on_signal() -> Arc<AtomicBool> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(INTERRUPTED.into());
        }
    });
    cancel
}

/// Runs `s` and writes its files into `dir` (a shard folder with `--shard`, else every file of
/// a run, whose summary is returned).
fn run_into(
    dir: &std::path::Path,
    s: &scenario::Scenario,
    settings: &Settings,
    bar: &indicatif::ProgressBar,
    cancel: &AtomicBool,
) -> std::io::Result<(run::RunResult, Option<report::Summary>)> {
    let mut rows = report::OutcomeFile::create(dir, &run::outcome_names(s))?;
    let mut result = run::run(
        s,
        settings,
        &Bar(bar.clone()),
        &mut |first, block| rows.write(first, block),
        cancel,
    )?;
    if let Some(repair) = &result.repair {
        bar.suspend(|| eprint!("warning: {}: {repair}", s.name));
    }
    let summary = if settings.shard.is_some() {
        report::write_shard(dir, s, settings, &result, rows)?;
        None
    } else {
        Some(report::write_run(dir, s, settings, &mut result, rows)?)
    };
    Ok((result, summary))
}

fn run_paths(file: &std::path::Path, args: RunArgs) -> ExitCode {
    let RunArgs {
        common:
            Common {
                paths,
                seed,
                threads,
                out,
                quiet,
            },
        sampling,
        until_se,
        max_paths,
        shard,
        set,
    } = args;
    let sampling = sampling.map(|s| match s {
        SamplingArg::Random => Sampling::Random,
        SamplingArg::Lhs => Sampling::Lhs,
    });
    let shard = match shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(problem) => {
            eprintln!("error: --shard: {problem}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let s = match scenario::load(file, &set) {
        Ok(s) => s,
        Err(e) => {
            report_error(file, &e);
            return ExitCode::from(BAD_INPUT);
        }
    };
    let settings = Settings {
        paths: if until_se.is_some() {
            max_paths.or(paths).unwrap_or(1_000_000)
        } else {
            paths.unwrap_or(s.paths)
        },
        seed: seed.unwrap_or(s.seed),
        threads,
        sampling: sampling.unwrap_or(s.sampling),
        until_se,
        shard,
    };
    if let Some(problem) = run_args_problem(&s, &settings, max_paths) {
        eprintln!("error: {problem}");
        return ExitCode::from(BAD_INPUT);
    }
    let bar = progress_bar(settings.paths, quiet);
    let cancel = cancel_on_signal();
    let dir = out.unwrap_or_else(|| match settings.shard {
        Some((k, n)) => PathBuf::from("output").join(format!("{}-shard-{k}-of-{n}", s.name)),
        None => PathBuf::from("output").join(&s.name),
    });
    let written = run_into(&dir, &s, &settings, &bar, &cancel);
    bar.finish_and_clear();
    let (result, summary) = match written {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot write the outputs to {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    if !result.complete {
        eprintln!(
            "interrupted: {} paths written to {} and marked incomplete; run the same command again to start over",
            result.tally.paths,
            dir.display()
        );
        return ExitCode::from(INTERRUPTED);
    }
    if let Some((k, n)) = settings.shard {
        let blocks = settings.blocks();
        println!(
            "shard {k} of {n}: blocks {}..{} ({} paths) in {}",
            blocks.start,
            blocks.end,
            result.tally.paths,
            dir.display()
        );
        return ExitCode::SUCCESS;
    }
    let Some(summary) = summary else {
        return ExitCode::SUCCESS;
    };
    print_done(
        report::summary_table(&summary),
        &dir,
        "report.html (open it in a browser), charts as SVG and PNG, summary.json,\n  series.csv, outcomes.csv, manifest.json",
    )
}

/// Prints a command's closing table and what it wrote where; success.
fn print_done(mut text: String, dir: &std::path::Path, files: &str) -> ExitCode {
    text.push_str(&format!("\noutputs in {}\n  {files}\n", dir.display()));
    // A closed pipe (`... | head`) is not an error.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

/// `infercast stress`: every plan of the scenario on every path, over a grid of fee and
/// usage-growth multipliers.
fn stress(file: &std::path::Path, axes: &[String], set: &[Override], common: Common) -> ExitCode {
    let Common {
        paths,
        seed,
        threads,
        out,
        quiet,
    } = common;
    let mut grid = infercast::stress::Grid::default();
    for axis in axes {
        if let Err(problem) = grid.set(axis) {
            eprintln!("error: --grid: {problem}");
            return ExitCode::from(BAD_INPUT);
        }
    }
    let s = match scenario::load(file, set) {
        Ok(s) => s,
        Err(e) => {
            report_error(file, &e);
            return ExitCode::from(BAD_INPUT);
        }
    };
    if s.plans.is_empty() {
        eprintln!(
            "error: {} has no [[plan]] to stress-test; see scenarios/subscription-stress.toml",
            file.display()
        );
        return ExitCode::from(BAD_INPUT);
    }
    let settings = Settings {
        paths: paths.unwrap_or(s.paths),
        seed: seed.unwrap_or(s.seed),
        threads,
        sampling: s.sampling,
        until_se: None,
        shard: None,
    };
    if settings.paths == 0 {
        eprintln!("error: --paths must be at least 1");
        return ExitCode::from(BAD_INPUT);
    }
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(format!("{}-stress", s.name)));
    let bar = progress_bar(settings.paths, quiet);
    let cancel = cancel_on_signal();
    let extra = infercast::stress::Stress::new(&s, grid.clone(), settings.seed);
    let ran = run::run_with(
        &s,
        &settings,
        &Bar(bar.clone()),
        &mut |_, _| Ok(()),
        &cancel,
        &extra,
    )
    .and_then(|(result, tallies)| {
        bar.finish_and_clear();
        if let Some(repair) = &result.repair {
            eprint!("warning: {}: {repair}", s.name);
        }
        report::stress::write_stress(&dir, &s, &settings, &grid, &result, &tallies)
            .map(|summary| (result.complete, summary))
    });
    match ran {
        Ok((complete, summary)) => {
            if !complete {
                eprintln!(
                    "interrupted: {} paths written to {} and marked incomplete; run the same command again to start over",
                    summary.paths,
                    dir.display()
                );
                return ExitCode::from(INTERRUPTED);
            }
            print_done(
                report::stress::stress_table(&summary),
                &dir,
                "stress.html (open it in a browser), charts as SVG and PNG, stress.json,\n  stress-grid.csv, stress-series.csv, manifest.json",
            )
        }
        Err(e) => {
            bar.finish_and_clear();
            eprintln!("error: cannot write the outputs to {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

/// The series `compare` overlays when no `--metric` is given.
const DEFAULT_METRICS: [&str; 4] = [
    "cost_per_task_ref",
    "price_blended",
    "tokens_total",
    "revenue_total",
];

/// `infercast compare`: runs every scenario with the same seed, paths and sampling (common
/// random numbers), each into its own folder, then writes the comparison.
fn compare(files: &[PathBuf], metrics: Vec<String>, common: Common) -> ExitCode {
    let Common {
        paths,
        seed,
        threads,
        out,
        quiet,
    } = common;
    let mut scenarios = Vec::new();
    for file in files {
        match scenario::load(file, &[]) {
            Ok(s) => scenarios.push(s),
            Err(e) => {
                report_error(file, &e);
                return ExitCode::from(BAD_INPUT);
            }
        }
    }
    for (i, s) in scenarios.iter().enumerate() {
        if let Some(j) = scenarios[..i].iter().position(|t| t.name == s.name) {
            eprintln!(
                "error: {} and {} are both called {:?}; give one of them another `name`",
                files[j].display(),
                files[i].display(),
                s.name
            );
            return ExitCode::from(BAD_INPUT);
        }
    }
    let metrics: Vec<String> = if metrics.is_empty() {
        DEFAULT_METRICS.iter().map(|m| (*m).to_owned()).collect()
    } else {
        metrics
    };
    for (file, s) in files.iter().zip(&scenarios) {
        let layout = infercast::model::Layout::new(s);
        for m in &metrics {
            if layout.find(m).is_none() {
                let best = layout.names().iter().max_by(|a, b| {
                    strsim::jaro_winkler(m, a).total_cmp(&strsim::jaro_winkler(m, b))
                });
                eprintln!(
                    "error: --metric {m:?} is not a monthly series of {}{}",
                    file.display(),
                    best.map_or(String::new(), |b| format!(" (did you mean {b:?}?)"))
                );
                return ExitCode::from(BAD_INPUT);
            }
        }
    }
    let first = &scenarios[0];
    let settings = Settings {
        paths: paths.unwrap_or(first.paths),
        seed: seed.unwrap_or(first.seed),
        threads,
        sampling: first.sampling,
        until_se: None,
        shard: None,
    };
    if settings.paths == 0 {
        eprintln!("error: --paths must be at least 1");
        return ExitCode::from(BAD_INPUT);
    }
    let dir = out.unwrap_or_else(|| {
        let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
        PathBuf::from("output").join(format!("compare-{}", names.join("-")))
    });
    let bar = progress_bar(settings.paths * scenarios.len() as u64, quiet);
    let cancel = cancel_on_signal();
    let mut summaries = Vec::new();
    let folders: Vec<PathBuf> = scenarios.iter().map(|s| dir.join(&s.name)).collect();
    for (s, sub) in scenarios.iter().zip(&folders) {
        match run_into(sub, s, &settings, &bar, &cancel) {
            Ok((result, _)) if !result.complete => {
                bar.finish_and_clear();
                eprintln!(
                    "interrupted: {} of {} paths of {} written to {} and marked incomplete; no comparison written",
                    result.tally.paths,
                    settings.paths,
                    s.name,
                    sub.display()
                );
                return ExitCode::from(INTERRUPTED);
            }
            Ok((_, summary)) => summaries.push(summary.expect("a full run has a summary")),
            Err(e) => {
                bar.finish_and_clear();
                eprintln!("error: cannot write the outputs to {}: {e}", sub.display());
                return ExitCode::FAILURE;
            }
        }
    }
    bar.finish_and_clear();
    match report::write_comparison(&dir, &folders, &summaries, &metrics) {
        Ok(c) => print_done(
            report::comparison_table(&c),
            &dir,
            "compare.html (open it in a browser), compare.json, overlay charts as SVG and PNG;\n  each scenario's own run in a folder of its name",
        ),
        Err(e) => {
            eprintln!(
                "error: cannot write the comparison to {}: {e}",
                dir.display()
            );
            ExitCode::FAILURE
        }
    }
}

/// `K/N` or `auto/N` (K from the job array's index variable).
fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("expected K/N (e.g. 0/4), found {text:?}"))?;
    let n: u64 = n
        .parse()
        .map_err(|_| format!("expected a shard count after '/', found {n:?}"))?;
    let k: u64 = if k == "auto" {
        let var = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"]
            .iter()
            .find_map(|v| std::env::var(v).ok())
            .ok_or("auto needs SLURM_ARRAY_TASK_ID (Slurm) or JOB_COMPLETION_INDEX (Kubernetes Indexed Job)")?;
        var.parse()
            .map_err(|_| format!("the job index {var:?} is not a number"))?
    } else {
        k.parse()
            .map_err(|_| format!("expected a shard index before '/', found {k:?}"))?
    };
    if n == 0 || k >= n {
        return Err(format!("expected K from 0 to N-1, found {k}/{n}"));
    }
    Ok((k, n))
}

/// Why these run settings cannot work, if they cannot.
fn run_args_problem(
    s: &scenario::Scenario,
    settings: &Settings,
    max_paths: Option<u64>,
) -> Option<String> {
    if settings.paths == 0 {
        return Some("--paths must be at least 1".to_owned());
    }
    match settings.until_se {
        None if max_paths.is_some() => Some("--max-paths goes with --until-se".to_owned()),
        Some(se) if !(se > 0.0 && se < 0.5) => Some(format!("--until-se must be between 0 and 0.5, found {se}")),
        Some(_) if settings.sampling == Sampling::Lhs => Some(
            "--until-se cannot be used with Latin hypercube sampling: the strata need the number of paths in advance; use --paths with --sampling lhs, or --until-se with random sampling".to_owned(),
        ),
        Some(_) if settings.shard.is_some() => Some(
            "--until-se cannot be used with --shard: each shard must know its paths in advance".to_owned(),
        ),
        Some(_) if s.targets.is_empty() => Some("--until-se needs at least one [[target]] in the scenario: it stops when every target's standard error is small enough".to_owned()),
        _ => None,
    }
}

fn run_explain(file: &std::path::Path, set: &[Override], json: bool) -> ExitCode {
    let s = match scenario::load(file, set) {
        Ok(s) => s,
        Err(e) => {
            report_error(file, &e);
            return ExitCode::from(BAD_INPUT);
        }
    };
    let e = explain::explain(&s);
    let text = if json {
        let mut t = serde_json::to_string_pretty(&report::explain_json(&s, &e))
            .expect("JSON of finite data");
        t.push('\n');
        t
    } else {
        report::explain_text(&s, &e)
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn report_error(file: &std::path::Path, e: &ScenarioError) {
    eprintln!("{}: invalid\n{e}", file.display());
}
