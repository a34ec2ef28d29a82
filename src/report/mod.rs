//! Everything infercast shows a person: terminal summaries (and, later, files and charts).
//! Reads results only; never runs the model.

mod explain;
mod output;
mod validate;

pub use explain::{explain_json, explain_text};
pub use output::{
    MergeError, OutcomeFile, merge, series_csv, summary_json, summary_table, write_atomic,
    write_run, write_shard,
};
pub use validate::{human, scenario_summary, wrap};
