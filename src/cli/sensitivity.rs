//! `infercast sensitivity`: variance-based sensitivity (Sobol' indices) of the targets and the
//! headline outcomes, with bootstrap intervals.

use super::common::{self, Bar, parse_override};
use super::{Done, Failure};
use infercast::pipeline;
use infercast::scenario::Override;
use infercast::sensitivity::{Design, Grouping, Points, ROW_MULTIPLE, Settings};
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Method {
    /// First-order (Saltelli 2010) and total (Jansen 1999) Sobol' indices.
    Sobol,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GroupsArg {
    /// One group per input; inputs linked by [[correlation]]s form one group.
    Auto,
    /// One group per input, correlations dropped (inputs drawn independently).
    Inputs,
    /// One group per section; sections linked by a correlation are joined.
    Sections,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SamplerArg {
    /// Plain Monte Carlo base points: honest bootstrap intervals.
    Random,
    /// Scrambled Sobol' base points (randomised quasi-Monte Carlo).
    Sobol,
}

/// The options of `sensitivity`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    file: PathBuf,
    /// The method (only Sobol' indices for now).
    #[arg(long, value_enum, default_value = "sobol")]
    method: Method,
    /// Design rows N, a multiple of 64: N × (groups + 3) paths.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    base: u64,
    /// How inputs are grouped.
    #[arg(long, value_enum, default_value = "auto")]
    groups: GroupsArg,
    /// Base points of the design.
    #[arg(long, value_enum, default_value = "random")]
    sampler: SamplerArg,
    /// Add rounds of --base rows until every total index's standard error is at most X.
    #[arg(long, value_name = "X")]
    until_se: Option<f64>,
    /// With --until-se: the most rows (default: 16 × --base).
    #[arg(long, value_name = "M")]
    max_base: Option<u64>,
    /// Run only shard K of N (as `run --shard`) and write a shard folder for `infercast merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Also put the sensitivity section into the report.html of this run folder (a run of
    /// the same scenario, e.g. output/base).
    #[arg(long, value_name = "DIR")]
    into: Option<PathBuf>,
    /// Override one input, e.g. --set hardware.Rubin.delay_months=6
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). The output does not depend on it.
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    threads: usize,
    /// Output folder (default: output/<scenario name>-sensitivity).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// Why these settings cannot work, if they cannot.
fn problem(args: &Args, shard: Option<(u64, u64)>) -> Option<String> {
    let Method::Sobol = args.method;
    if args.base == 0 || !args.base.is_multiple_of(ROW_MULTIPLE) {
        return Some(format!(
            "--base must be a positive multiple of {ROW_MULTIPLE} (design rows come in blocks \
             of {ROW_MULTIPLE}, so rounds and shards line up with the runner's blocks), found {}",
            args.base
        ));
    }
    match (args.until_se, args.max_base) {
        (None, Some(_)) => Some("--max-base goes with --until-se".to_owned()),
        (Some(se), _) if !(se > 0.0 && se < 1.0) => {
            Some(format!("--until-se must be between 0 and 1, found {se}"))
        }
        (Some(_), _) if shard.is_some() => Some(
            "--until-se cannot be used with --shard: each shard must know its rows in advance"
                .to_owned(),
        ),
        (Some(_), Some(m)) if m < args.base => Some(format!(
            "--max-base ({m}) must be at least --base ({})",
            args.base
        )),
        _ => None,
    }
}

pub fn main(args: Args) -> Result<Done, Failure> {
    let shard = match args
        .shard
        .as_deref()
        .map(super::run::parse_shard)
        .transpose()
    {
        Ok(s) => s,
        Err(problem) => return Err(Failure::BadInput(format!("--shard: {problem}"))),
    };
    if let Some(p) = problem(&args, shard) {
        return Err(Failure::BadInput(p));
    }
    if shard.is_some() && args.into.is_some() {
        return Err(Failure::BadInput(
            "--into goes with a whole design: give it to `merge`'s result instead by running \
             sensitivity without --shard"
                .to_owned(),
        ));
    }
    let s = common::load(&args.file, &args.set)?;
    if let Some(dir) = &args.into {
        pipeline::check_into(dir, &s).map_err(|p| Failure::BadInput(format!("--into: {p}")))?;
    }
    let settings = Settings {
        base: args.base,
        seed: args.seed.unwrap_or(s.seed),
        threads: args.threads,
        grouping: match args.groups {
            GroupsArg::Auto => Grouping::Auto,
            GroupsArg::Inputs => Grouping::Inputs,
            GroupsArg::Sections => Grouping::Sections,
        },
        points: match args.sampler {
            SamplerArg::Random => Points::Random,
            SamplerArg::Sobol => Points::Sobol,
        },
        until_se: args.until_se,
        max_base: args.max_base.unwrap_or(16 * args.base),
        shard,
    };
    let design =
        Design::new(&s, settings.grouping, settings.points, settings.seed).map_err(|e| {
            Failure::BadInput(format!(
                "{}: {e}{}",
                s.name,
                if settings.points == Points::Sobol {
                    " (--sampler random has no limit)"
                } else {
                    ""
                }
            ))
        })?;
    let name = match shard {
        Some((k, n)) => format!("{}-sensitivity-shard-{k}-of-{n}", s.name),
        None => format!("{}-sensitivity", s.name),
    };
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(name));
    let per = design.runs_per_row();
    let bar = Bar::new(
        per * match settings.until_se {
            Some(_) => settings.max_base,
            None => settings.base,
        },
        args.quiet,
    );
    if let Some(repair) = &design.repair {
        bar.warn(&format!("{}: {repair}", s.name));
    }
    let cancel = common::cancel_on_signal();
    let (ran, summary) = pipeline::sensitivity(
        &dir,
        &s,
        &design,
        &settings,
        &bar,
        &cancel,
        args.into.as_deref(),
    )
    .map_err(|e| common::write_failure(&dir, e))?;
    drop(bar);
    if !ran.complete {
        return Err(common::interrupted(ran.rows.paths(), &dir));
    }
    match (settings.shard, summary) {
        (Some((k, n)), _) => Ok(Done(format!(
            "sensitivity shard {k} of {n}: paths {}..{} ({} paths) in {}\n",
            ran.rows.first(),
            ran.rows.end(),
            ran.rows.paths(),
            dir.display()
        ))),
        (None, Some(summary)) => {
            let mut files = "sensitivity.html (open it in a browser), charts as SVG and PNG, \
                             sensitivity.json,\n  sensitivity.csv, sensitivity-rows.csv, \
                             manifest.json"
                .to_owned();
            if let Some(into) = &args.into {
                files.push_str(&format!(
                    "\n  and the section in {}",
                    into.join("report.html").display()
                ));
            }
            Ok(common::done(
                infercast::report::text::sensitivity::sensitivity_table(&summary),
                &dir,
                &files,
            ))
        }
        (None, None) => Ok(Done(String::new())),
    }
}
