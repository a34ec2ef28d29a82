//! `infercast stress`: subscription plans against the simulated cost and usage paths, and
//! (`--optimize`) the terms that maximise a plan's expected gross profit under a risk limit.

use super::common::{self, Bar, Common, parse_override};
use super::{Done, Failure};
use infercast::scenario::{Marginal, Override, Scenario};
use infercast::stress::Grid;
use infercast::stress::optimize::{Constraint, Objective, PASSES, Range, Spec, Variable};
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
    /// Search the terms of the plans that have a [plan.optimize] table (or those named with
    /// --plan) for the highest expected gross profit under the risk limit.
    #[arg(long)]
    optimize: bool,
    /// With --optimize: a plan to optimise (repeatable; default: those with [plan.optimize],
    /// else every plan over its fee ×0.5 to ×2).
    #[arg(long = "plan", value_name = "NAME", requires = "optimize")]
    plans: Vec<String>,
    /// With --optimize: a range searched, VARIABLE=LO:HI or PLAN.VARIABLE=LO:HI, VARIABLE one
    /// of fee, included, credits, cap, weekly_cap, overage (replaces the table's range).
    #[arg(long = "range", value_name = "[PLAN.]VAR=LO:HI", requires = "optimize")]
    ranges: Vec<String>,
    /// With --optimize: the gross profit maximised, of a calendar year (default: the last)
    /// or `sum` of all years.
    #[arg(long, value_name = "YEAR|sum", requires = "optimize")]
    objective: Option<String>,
    /// With --optimize: the highest P(loss) of the objective allowed (default 0.05).
    #[arg(long = "max-loss", value_name = "P", requires = "optimize")]
    max_loss: Option<f64>,
    /// With --optimize: instead of --max-loss, the lowest CVaR90 of the gross margin allowed
    /// (the mean margin of the worst 10% of paths, e.g. -0.1).
    #[arg(
        long = "cvar-floor",
        value_name = "MARGIN",
        requires = "optimize",
        conflicts_with = "max_loss"
    )]
    cvar_floor: Option<f64>,
    /// Override one input, e.g. (on scenarios/subscription-stress.toml) --set plan.Pro-200.fee=250
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    // Output goes to output/<scenario name>-stress.
    #[command(flatten)]
    common: Common,
}

/// Every plan of the scenario on every path, over a grid of fee and usage-growth multipliers;
/// with `--optimize`, the search of each plan's terms.
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
    let specs = if args.optimize {
        specs(&s, &args).map_err(Failure::BadInput)?
    } else {
        Vec::new()
    };
    let settings = args.common.settings(&s)?;
    let dir = args.common.folder(&format!("{}-stress", s.name));
    let total = settings.paths * (1 + (PASSES * specs.len()) as u64);
    let bar = Bar::new(total, args.common.quiet);
    let cancel = common::cancel_on_signal();
    let faults = common::InjectedFaults::from_env();
    let out = infercast::pipeline::Out::new(&dir).with_faults(faults.as_ref().map(|f| f as _));
    let (result, summary) =
        infercast::pipeline::stress(out, &s, &settings, &grid, &specs, &bar, &cancel)
            .map_err(|e| common::failure(&dir, e))?;
    drop(bar);
    if let Some(repair) = &result.repair {
        eprint!("warning: {}: {repair}", s.name);
    }
    if !result.complete {
        return Err(common::interrupted(summary.paths, &dir));
    }
    let mut files = "stress.html (open it in a browser), charts as SVG and PNG, stress.json,\n  \
                     stress-grid.csv, stress-series.csv"
        .to_owned();
    if !specs.is_empty() {
        files.push_str(", stress-candidates.csv, stress-evppi.csv");
    }
    files.push_str(", manifest.json");
    Ok(common::done(
        infercast::report::text::stress::stress_table(&summary),
        &dir,
        &files,
    ))
}

/// The optimisations asked for: plans, ranges, objective and constraint, checked.
fn specs(s: &Scenario, args: &Args) -> Result<Vec<Spec>, String> {
    let index = |name: &str| {
        s.plans.iter().position(|p| p.name == name).ok_or_else(|| {
            let names: Vec<&str> = s.plans.iter().map(|p| p.name.as_str()).collect();
            format!(
                "--plan: no [[plan]] is named {name:?}; the plans are {}",
                names.join(", ")
            )
        })
    };
    let mut plans: Vec<usize> = args
        .plans
        .iter()
        .map(|n| index(n))
        .collect::<Result<_, _>>()?;
    if plans.is_empty() {
        plans = (0..s.plans.len())
            .filter(|p| !s.plans[*p].optimize.is_empty())
            .collect();
    }
    if plans.is_empty() {
        plans = (0..s.plans.len()).collect();
    }
    let years = (s.start.year(), s.horizon.year());
    let objective = match args.objective.as_deref().map(str::trim) {
        None => Objective::Year(years.1),
        Some("sum") => Objective::Sum,
        Some(y) => match y.parse::<i32>() {
            Ok(y) if (years.0..=years.1).contains(&y) => Objective::Year(y),
            _ => {
                return Err(format!(
                    "--objective: expected a year from {} to {} or `sum`, found {y:?}",
                    years.0, years.1
                ));
            }
        },
    };
    let constraint = match (args.cvar_floor, args.max_loss) {
        (Some(f), _) if f.is_finite() && f <= 1.0 => Constraint::CvarFloor(f),
        (Some(f), _) => return Err(format!("--cvar-floor: expected a margin ≤ 1, found {f}")),
        (None, Some(a)) if (0.0..=1.0).contains(&a) => Constraint::MaxLoss(a),
        (None, Some(a)) => {
            return Err(format!(
                "--max-loss: expected a probability in [0, 1], found {a}"
            ));
        }
        (None, None) => Constraint::MaxLoss(0.05),
    };
    plans
        .into_iter()
        .map(|p| {
            Ok(Spec {
                plan: p,
                ranges: ranges(s, p, &args.ranges)?,
                objective,
                constraint,
            })
        })
        .collect()
}

/// Plan `p`'s ranges: its table's, replaced or joined by `--range`s, else its fee ×0.5 to ×2.
fn ranges(s: &Scenario, p: usize, given: &[String]) -> Result<Vec<Range>, String> {
    let plan = &s.plans[p];
    let t = &plan.optimize;
    let mut out: Vec<Range> = [
        (Variable::Fee, t.fee),
        (Variable::Included, t.included),
        (Variable::Credits, t.credits),
        (Variable::Cap, t.cap),
        (Variable::WeeklyCap, t.weekly_cap),
        (Variable::Overage, t.overage),
    ]
    .into_iter()
    .filter_map(|(variable, r)| r.map(|(lo, hi)| Range { variable, lo, hi }))
    .collect();
    for text in given {
        let bad =
            || format!("--range: expected [PLAN.]VARIABLE=LO:HI (e.g. fee=10:40), found {text:?}");
        let (name, spec) = text.split_once('=').ok_or_else(bad)?;
        let (who, var) = match name.rsplit_once('.') {
            Some((who, var)) => (Some(who), var),
            None => (None, name),
        };
        if who.is_some_and(|w| w != plan.name) {
            continue;
        }
        let variable = Variable::parse(var).ok_or_else(|| {
            format!("--range: {var:?} is not a decision variable; expected fee, included, credits, cap, weekly_cap or overage")
        })?;
        let (lo, hi) = spec.split_once(':').ok_or_else(bad)?;
        let num = |x: &str| x.trim().parse::<f64>().map_err(|_| bad());
        let (lo, hi) = (num(lo)?, num(hi)?);
        let field = format!("plan.{}.{}", plan.name, variable.name());
        if let Some(problem) = infercast::scenario::optimize_range_problem(&field, lo, hi) {
            return Err(format!("--range {field}: {problem}"));
        }
        out.retain(|r| r.variable != variable);
        out.push(Range { variable, lo, hi });
    }
    if out.is_empty() {
        let fee = s.input(plan.fee).dist.median();
        out.push(Range {
            variable: Variable::Fee,
            lo: 0.5 * fee,
            hi: 2.0 * fee,
        });
    }
    if out.iter().any(|r| r.variable == Variable::Included)
        && out.iter().any(|r| r.variable == Variable::Credits)
    {
        return Err(format!(
            "plan {}: search `included` or `credits`, not both (they are alternatives)",
            plan.name
        ));
    }
    Ok(out)
}
