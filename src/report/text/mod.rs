//! What the command line prints: each command's closing table, `validate`'s summary of a
//! scenario and `explain`'s story of the median path.

pub mod compare;
pub mod conditioning;
pub mod explain;
pub mod run;
pub mod sensitivity;
pub mod stress;
pub mod validate;
