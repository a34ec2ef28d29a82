//! Everything infercast shows a person: terminal summaries, files, charts and the HTML report.
//! Reads results only; never runs the model.

pub mod charts;
mod compare;
mod explain;
pub mod html;
mod output;
pub mod stress;
pub mod summary;
mod table;
mod validate;

pub use compare::{comparison_table, write_comparison};
pub use explain::{explain_json, explain_text};
pub use output::{
    MergeError, OutcomeFile, merge, pretty, scenario_hash, series_csv, write_atomic, write_run,
    write_shard,
};
pub use summary::Summary;
pub use table::summary_table;
pub use validate::{human, scenario_summary, wrap};
