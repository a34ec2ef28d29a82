//! `infercast run`: many paths in parallel, or one shard of them.

use super::common::{self, Bar, Common, parse_override};
use super::{Done, Failure};
use infercast::pipeline;
use infercast::report::export::Format;
use infercast::run::{MAX_PATHS, Settings};
use infercast::scenario::{Override, Sampling, Scenario};
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum SamplingArg {
    Random,
    Lhs,
}

/// The options of `run`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    file: PathBuf,
    #[command(flatten)]
    common: Common,
    /// Independent draws, or Latin hypercube (default: the scenario's `sampling`).
    #[arg(long, value_enum)]
    sampling: Option<SamplingArg>,
    /// Add paths (in rounds of 1,024) until every target's standard error is at most X.
    #[arg(long, value_name = "X")]
    until_se: Option<f64>,
    /// Add paths (in rounds of 1,024) until the paths' effective sample size is at least N
    /// (a run conditioned on [[observation]]s; adapts after a pilot when few paths weigh).
    #[arg(long, value_name = "N")]
    until_ess: Option<f64>,
    /// With --until-se or --until-ess: the most paths to run (default: --paths, else
    /// 1,000,000).
    #[arg(long, value_name = "M")]
    max_paths: Option<u64>,
    /// Draw the paths after a pilot of 2,048 from a proposal fitted to the pilot's weights
    /// (adaptive importance sampling; a run conditioned on [[observation]]s).
    #[arg(long)]
    adapt: bool,
    /// Run only shard K of N (K from 0 to N-1; `auto/N` takes K from SLURM_ARRAY_TASK_ID
    /// or JOB_COMPLETION_INDEX) and write a shard folder for `infercast merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Override one input, e.g. --set hardware.Rubin.delay_months=6
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// Data files: csv (series, outcomes, targets, assumptions and columns .csv), parquet (series, outcomes, targets and
    /// assumptions as typed .parquet files) or both.
    #[arg(long, default_value = "csv", value_name = "csv|parquet|both", value_parser = common::parse_format)]
    format: Format,
}

pub fn main(args: Args) -> Result<Done, Failure> {
    let shard = match args.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(problem) => return Err(Failure::BadInput(format!("--shard: {problem}"))),
    };
    let s = common::load(&args.file, &args.set)?;
    let c = &args.common;
    let settings = Settings {
        paths: if args.until_se.is_some() || args.until_ess.is_some() {
            args.max_paths.or(c.paths).unwrap_or(1_000_000)
        } else {
            c.paths.unwrap_or(s.paths)
        },
        seed: c.seed.unwrap_or(s.seed),
        threads: c.threads,
        sampling: args.sampling.map_or(s.sampling, |s| match s {
            SamplingArg::Random => Sampling::Random,
            SamplingArg::Lhs => Sampling::Lhs,
        }),
        until_se: args.until_se,
        until_ess: args.until_ess,
        adapt: args.adapt,
        shard,
    };
    if let Some(problem) = problem(&s, &settings, args.max_paths) {
        return Err(Failure::BadInput(problem));
    }
    let dir = c.folder(&match settings.shard {
        Some((k, n)) => format!("{}-shard-{k}-of-{n}", s.name),
        None => s.name.clone(),
    });
    infercast::report::charts::set_png_scale(c.png_scale);
    let bar = Bar::new(settings.paths, c.quiet);
    let cancel = common::cancel_on_signal();
    let faults = common::InjectedFaults::from_env();
    let out = pipeline::Out::new(&dir).with_faults(faults.as_ref().map(|f| f as _));
    let (result, analysed) = pipeline::run(out, &s, &settings, args.format, &bar, &cancel)
        .map_err(|e| common::pipeline_failure(&dir, e))?;
    if let Some(repair) = &result.repair {
        bar.warn(&format!("{}: {repair}", s.name));
    }
    drop(bar);
    if !result.complete {
        return Err(common::interrupted(result.tally.paths, &dir));
    }
    match (settings.shard, analysed) {
        (Some((k, n)), _) => {
            let blocks = settings.blocks();
            Ok(Done(format!(
                "shard {k} of {n}: blocks {}..{} ({} paths) in {}\n",
                blocks.start,
                blocks.end,
                result.tally.paths,
                dir.display()
            )))
        }
        (None, Some(a)) => Ok(common::done(
            infercast::report::text::run::summary_table(&a),
            &dir,
            &format!(
                "report.html (open it in a browser), charts as SVG and PNG, summary.json,\n  {}, manifest.json",
                data_files(args.format)
            ),
        )),
        (None, None) => Ok(Done(String::new())),
    }
}

/// The data files of a run in `format`, for the closing lines.
fn data_files(format: Format) -> &'static str {
    match format {
        Format::Csv => {
            "series.csv, outcomes.csv, targets.csv, assumptions.csv, columns.csv (what each \
             column holds and its unit), provenance.json"
        }
        Format::Parquet => "series, outcomes, targets and assumptions .parquet, provenance.json",
        Format::Both => {
            "series.csv, outcomes.csv, targets.csv, assumptions.csv, columns.csv, series, \
             outcomes, targets and assumptions .parquet, provenance.json"
        }
    }
}

/// `K/N` or `auto/N` (K from the job array's index variable).
pub(super) fn parse_shard(text: &str) -> Result<(u64, u64), String> {
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
fn problem(s: &Scenario, settings: &Settings, max_paths: Option<u64>) -> Option<String> {
    if let Some(problem) = common::limits(settings) {
        return Some(match (settings.until_se, max_paths) {
            (Some(_), Some(_)) if settings.paths > MAX_PATHS => {
                problem.replacen("--paths", "--max-paths", 1)
            }
            _ => problem,
        });
    }
    if let Some(p) = conditioning_problem(s, settings) {
        return Some(p);
    }
    match settings.until_se {
        None if max_paths.is_some() && settings.until_ess.is_none() => {
            Some("--max-paths goes with --until-se or --until-ess".to_owned())
        }
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

/// Why the options of a conditioned run cannot work, if they cannot.
fn conditioning_problem(s: &Scenario, settings: &Settings) -> Option<String> {
    let conditioned = !s.observations.is_empty();
    let limit = infercast::stats::weights::MAX_WEIGHTED_PATHS;
    if conditioned && settings.paths > limit {
        return Some(format!(
            "a run conditioned on [[observation]]s takes at most {limit} paths (their weights must add up exactly in 64 bits), found {}",
            settings.paths
        ));
    }
    if settings.adapt && !conditioned {
        return Some("--adapt needs [[observation]]s in the scenario: it draws the inputs near the paths that reproduce them".to_owned());
    }
    if settings.adapt && settings.sampling == Sampling::Lhs {
        return Some(
            "--adapt draws from a fitted proposal, not Latin hypercube strata: use random sampling"
                .to_owned(),
        );
    }
    match settings.until_ess {
        Some(n) if !(n >= 1.0 && n.is_finite()) => Some(format!("--until-ess must be a number of paths of at least 1, found {n}")),
        Some(_) if settings.sampling == Sampling::Lhs => Some("--until-ess cannot be used with Latin hypercube sampling: the strata need the number of paths in advance".to_owned()),
        Some(_) if settings.shard.is_some() => Some("--until-ess cannot be used with --shard: each shard must know its paths in advance".to_owned()),
        _ => None,
    }
}
