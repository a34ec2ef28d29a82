//! Everything infercast shows a person: terminal summaries (and, later, files and charts).
//! Reads validated data only; never touches the model.

mod validate;

pub use validate::scenario_summary;
