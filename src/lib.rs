//! infercast forecasts the economics of AI inference with parallel Monte Carlo,
//! discrete-event simulation.
//!
//! The pipeline (DESIGN.md §1), one module per stage, each knowing nothing of the stages after it:
//!
//! ```text
//! scenario.toml ──parse+validate──▶ Scenario ──sample(path i)──▶ Draws ──simulate──▶ PathResult
//!                                                                                     │
//!    report (CSV, JSON, SVG/PNG charts, HTML) ◀── Summary ◀── merge ◀── Accumulator ◀──┘
//! ```
//!
//! * [`scenario`]: the TOML schema, distributions, `extends`, `--set`, validation.
//! * [`sample`]: one value per uncertain input for path `i`, from streams keyed by `(seed, purpose)`.
//! * [`model`]: the discrete-event simulation of one path.
//! * [`report`]: what the command line prints and writes.
//! * [`compare`]: scenarios side by side on common random numbers.
//! * [`stress`]: subscription plans on the simulated cost and usage paths.
#![forbid(unsafe_code)]

pub mod compare;
pub mod explain;
pub mod model;
pub mod report;
pub mod run;
pub mod sample;
pub mod scenario;
pub mod stats;
pub mod stress;
