//! Analysis: the only stage that turns run results into what people see. It knows both the
//! model's names and the statistics: [`Summary`] of a run, [`StressSummary`] of a stress test,
//! [`SensitivitySummary`] of a sensitivity design, [`Comparison`] of scenarios,
//! [`ExplainSummary`] of the median path. Reports read only these.

pub mod changes;
pub mod compare;
pub mod conditioning;
pub mod distribution;
pub mod explain;
pub mod optimize;
pub mod provenance;
pub mod sensitivity;
pub mod sources;
pub mod stress;
pub mod summary;

pub use compare::{Change, Comparison, DifferenceRow, Pairing, RatioRow, TargetRow};
pub use explain::{ExplainSummary, Quarter, TimelineItem};
pub use optimize::{CandidateResult, Choice, Estimate, EvppiRow, Optimization, TermValue};
pub use sensitivity::{GroupIndices, GroupInfo, Index, OutcomeIndices, SensitivitySummary};
pub use stress::{
    GridAxes, GroupSummary, PlanOverview, PlanSummary, PlanYear, SAFE_LOSS, StressSummary,
    TermLine, YearResponses,
};
pub use summary::{
    Assumption, DateCurves, Distribution, KEY_SCALARS, MonthProbability, Probability, Quantiles,
    Sensitivity, Summary, TargetResult, ThresholdValue, assumptions, series_quantiles,
};

use std::io;

/// The outcome rows of a run, one per path, in path order.
pub trait OutcomeRows {
    /// Column names, `path` first.
    fn names(&self) -> &[String];
    /// Calls `f` with each row's path index and values (the columns after `path`), in order.
    fn for_each(&self, f: &mut dyn FnMut(u64, &[f64]) -> io::Result<()>) -> io::Result<()>;
}

impl OutcomeRows for crate::run::Rows {
    fn names(&self) -> &[String] {
        crate::run::Rows::names(self)
    }

    fn for_each(&self, f: &mut dyn FnMut(u64, &[f64]) -> io::Result<()>) -> io::Result<()> {
        crate::run::Rows::for_each(self, f)
    }
}

/// The outcome rows of a conditioned run with each path's weight normalised over the run (the
/// rows hold it in units of [`crate::stats::weights::ONE`]).
struct Normalised<'a> {
    rows: &'a dyn OutcomeRows,
    column: usize,
    total: f64,
}

impl OutcomeRows for Normalised<'_> {
    fn names(&self) -> &[String] {
        self.rows.names()
    }

    fn for_each(&self, f: &mut dyn FnMut(u64, &[f64]) -> io::Result<()>) -> io::Result<()> {
        let mut row = Vec::new();
        self.rows.for_each(&mut |path, values| {
            row.clear();
            row.extend_from_slice(values);
            row[self.column] /= self.total;
            f(path, &row)
        })
    }
}

/// Outcome rows as people read them: in a conditioned run (`weights`: the weight column and
/// the run's total weight), weights normalised to sum to 1.
pub fn readable_rows(
    weights: Option<(usize, f64)>,
    rows: &dyn OutcomeRows,
) -> Box<dyn OutcomeRows + '_> {
    match weights {
        Some((column, total)) => Box::new(Normalised {
            rows,
            column,
            total,
        }),
        None => Box::new(Passthrough(rows)),
    }
}

/// Rows as they are.
struct Passthrough<'a>(&'a dyn OutcomeRows);

impl OutcomeRows for Passthrough<'_> {
    fn names(&self) -> &[String] {
        self.0.names()
    }

    fn for_each(&self, f: &mut dyn FnMut(u64, &[f64]) -> io::Result<()>) -> io::Result<()> {
        self.0.for_each(f)
    }
}

/// What exporters read of a run: its summary and its outcome rows.
pub struct RunView<'a> {
    pub summary: &'a Summary,
    pub rows: &'a dyn OutcomeRows,
}
