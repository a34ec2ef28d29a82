//! infercast forecasts the economics of AI inference with parallel Monte Carlo,
//! discrete-event simulation.
//!
//! The pipeline (DESIGN.md §1), one module per stage, each knowing nothing of the stages after it:
//!
//! ```text
//! scenario.toml ──parse+validate──▶ Scenario ──sample(path i)──▶ Draws ──simulate──▶ PathResult
//!                                                                                     │
//!   report (CSV, Parquet, JSON, charts, HTML) ◀── analysis ◀── merge ◀── run (tallies) ◀──┘
//! ```
//!
//! * [`scenario`]: the TOML schema, distributions, `extends`, `--set`, validation.
//! * [`sample`]: one value per uncertain input for path `i`, from streams keyed by `(seed, purpose)`.
//! * [`model`]: the discrete-event simulation of one path.
//! * [`run`]: paths in parallel rounds of blocks, exact tallies, the outcome rows, shards and merge.
//! * [`stats`]: generic statistics (sketches, proportions, ranks, paired differences).
//! * [`stress`]: subscription plans on the simulated cost and usage paths.
//! * [`sensitivity`]: a Saltelli design of the inputs run on the runner (Sobol' indices).
//! * [`explain`]: the median path and the Shapley decomposition of its collapse.
//! * [`analysis`]: results turned into what people see (summaries, comparisons).
//! * [`report`]: terminal text, data files, charts and HTML pages, from analysis types only.
//! * [`pipeline`]: each command's stages wired together, and its output folder written (or the
//!   results kept in memory, for the Python package in `python/`).
#![forbid(unsafe_code)]

pub mod analysis;
pub mod explain;
pub mod model;
pub mod pipeline;
pub mod report;
pub mod run;
pub mod sample;
pub mod scenario;
pub mod sensitivity;
pub mod stats;
pub mod stress;
