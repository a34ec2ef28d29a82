//! `infercast stress`: subscription plans against the simulated cost and usage paths.

use super::common::{self, Bar, Common, parse_override};
use super::{Done, Failure};
use infercast::scenario::Override;
use infercast::stress::Grid;
use std::path::PathBuf;

/// The options of `stress`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML) with at least one [[plan]].
    file: PathBuf,
    /// A grid axis of multipliers, LO:HI:N: fee=0.5:2:7 (the default) or
    /// usage_growth=0.5:3:6 (the default).
    #[arg(long = "grid", value_name = "NAME=LO:HI:N")]
    grid: Vec<String>,
    /// Override one input, e.g. (on scenarios/subscription-stress.toml) --set plan.Pro-200.fee=250
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    // Output goes to output/<scenario name>-stress.
    #[command(flatten)]
    common: Common,
}

/// Every plan of the scenario on every path, over a grid of fee and usage-growth multipliers.
pub fn main(args: Args) -> Result<Done, Failure> {
    let mut grid = Grid::default();
    for axis in &args.grid {
        grid.set(axis)
            .map_err(|problem| Failure::BadInput(format!("--grid: {problem}")))?;
    }
    let s = common::load(&args.file, &args.set)?;
    if s.plans.is_empty() {
        return Err(Failure::BadInput(format!(
            "{} has no [[plan]] to stress-test; see scenarios/subscription-stress.toml",
            args.file.display()
        )));
    }
    let settings = args.common.settings(&s)?;
    let dir = args.common.folder(&format!("{}-stress", s.name));
    let bar = Bar::new(settings.paths, args.common.quiet);
    let cancel = common::cancel_on_signal();
    let faults = common::InjectedFaults::from_env();
    let out = infercast::pipeline::Out::new(&dir).with_faults(faults.as_ref().map(|f| f as _));
    let (result, summary) = infercast::pipeline::stress(out, &s, &settings, &grid, &bar, &cancel)
        .map_err(|e| common::failure(&dir, e))?;
    drop(bar);
    if let Some(repair) = &result.repair {
        eprint!("warning: {}: {repair}", s.name);
    }
    if !result.complete {
        return Err(common::interrupted(summary.paths, &dir));
    }
    Ok(common::done(
        infercast::report::text::stress::stress_table(&summary),
        &dir,
        "stress.html (open it in a browser), charts as SVG and PNG, stress.json,\n  stress-grid.csv, stress-series.csv, manifest.json",
    ))
}
