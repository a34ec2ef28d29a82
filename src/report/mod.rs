//! Everything infercast shows a person: terminal summaries (and, later, files and charts).
//! Reads results only; never runs the model.

mod explain;
mod validate;

pub use explain::{explain_json, explain_text};
pub use validate::{human, scenario_summary, wrap};
