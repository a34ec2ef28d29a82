//! Analysis: the only stage that turns run results into what people see. It knows both the
//! model's names and the statistics: [`Summary`] of a run, [`StressSummary`] of a stress test,
//! [`Comparison`] of scenarios, [`ExplainSummary`] of the median path. Reports read only these.

pub mod compare;
pub mod explain;
pub mod stress;
pub mod summary;

pub use compare::{Comparison, DifferenceRow, TargetRow};
pub use explain::{ExplainSummary, Quarter, TimelineItem};
pub use stress::{GridAxes, PlanSummary, PlanYear, StressSummary};
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

/// What exporters read of a run: its summary and its outcome rows.
pub struct RunView<'a> {
    pub summary: &'a Summary,
    pub rows: &'a dyn OutcomeRows,
}
