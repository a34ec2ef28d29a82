//! `infercast compare`: scenarios side by side on common random numbers.

use super::common::{self, Bar, Common};
use super::{Done, Failure};
use infercast::model::Layout;
use infercast::report::export::Format;
use infercast::scenario::Scenario;
use std::path::PathBuf;

/// The options of `compare`.
#[derive(clap::Args)]
pub struct Args {
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
    /// Data files: csv (series.csv, outcomes.csv), parquet (series, outcomes, targets and
    /// assumptions as typed .parquet files) or both.
    #[arg(long, default_value = "csv", value_name = "csv|parquet|both", value_parser = common::parse_format)]
    format: Format,
}

/// The series `compare` overlays when no `--metric` is given.
const DEFAULT_METRICS: [&str; 4] = [
    "cost_per_task_ref",
    "price_blended",
    "tokens_total",
    "revenue_total",
];

/// Loads the scenarios, refusing two of the same name.
fn load_all(files: &[PathBuf]) -> Result<Vec<Scenario>, Failure> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        let s = common::load(file, &[])?;
        if let Some(j) = scenarios.iter().position(|t| t.name == s.name) {
            return Err(Failure::BadInput(format!(
                "{} and {} are both called {:?}; give one of them another `name`",
                files[j].display(),
                files[i].display(),
                s.name
            )));
        }
        scenarios.push(s);
    }
    Ok(scenarios)
}

/// Checks that every metric is a monthly series of every scenario.
fn check_metrics(
    files: &[PathBuf],
    scenarios: &[Scenario],
    metrics: &[String],
) -> Result<(), Failure> {
    for (file, s) in files.iter().zip(scenarios) {
        let layout = Layout::new(s);
        for m in metrics {
            if layout.find(m).is_none() {
                let best = layout.names().iter().max_by(|a, b| {
                    strsim::jaro_winkler(m, a).total_cmp(&strsim::jaro_winkler(m, b))
                });
                return Err(Failure::BadInput(format!(
                    "--metric {m:?} is not a monthly series of {}{}",
                    file.display(),
                    best.map_or(String::new(), |b| format!(" (did you mean {b:?}?)"))
                )));
            }
        }
    }
    Ok(())
}

/// Runs every scenario with the same seed, paths and sampling (common random numbers), each
/// into its own folder, then writes the comparison.
pub fn main(args: Args) -> Result<Done, Failure> {
    let scenarios = load_all(&args.files)?;
    let metrics: Vec<String> = if args.metrics.is_empty() {
        DEFAULT_METRICS.iter().map(|m| (*m).to_owned()).collect()
    } else {
        args.metrics
    };
    check_metrics(&args.files, &scenarios, &metrics)?;
    let settings = args.common.settings(&scenarios[0])?;
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    let dir = args.common.folder(&format!("compare-{}", names.join("-")));
    let bar = Bar::new(settings.paths * scenarios.len() as u64, args.common.quiet);
    let cancel = common::cancel_on_signal();
    let faults = common::InjectedFaults::from_env();
    let out = infercast::pipeline::Out::new(&dir).with_faults(faults.as_ref().map(|f| f as _));
    let compared = infercast::pipeline::compare(
        out,
        &scenarios,
        &settings,
        args.format,
        &metrics,
        &bar,
        &cancel,
    )
    .map_err(|e| common::pipeline_failure(&dir, e))?;
    for (s, result) in scenarios.iter().zip(&compared.runs) {
        if let Some(repair) = &result.repair {
            bar.warn(&format!("{}: {repair}", s.name));
        }
    }
    drop(bar);
    let Some(c) = compared.comparison else {
        let (s, result) = scenarios
            .iter()
            .zip(&compared.runs)
            .next_back()
            .expect("a run stopped");
        return Err(Failure::Interrupted(format!(
            "{} of {} paths of {} written to {} and marked incomplete; no comparison written",
            result.tally.paths,
            settings.paths,
            s.name,
            dir.join(&s.name).display()
        )));
    };
    Ok(common::done(
        infercast::report::text::compare::comparison_table(&c),
        &dir,
        "compare.html (open it in a browser), compare.json, overlay charts as SVG and PNG;\n  each scenario's own run in a folder of its name",
    ))
}
