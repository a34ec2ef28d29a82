//! The command line's pieces: clap types, the options every path-running command shares (turned
//! into [`Settings`](infercast::run::Settings) once), the progress bar, the cancel flag, the
//! output folder's name, and one module per command. Commands return a [`Done`] or a
//! [`Failure`]; `main` turns those into output and an exit code.

pub mod common;
pub mod compare;
pub mod explain;
pub mod merge;
pub mod run;
pub mod sensitivity;
pub mod shards;
pub mod stress;
pub mod validate;

use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

/// Forecast the economics of AI inference with Monte Carlo, discrete-event simulation.
#[derive(Parser)]
#[command(name = "infercast", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check scenario files and summarise each one (exit 0 only if all are valid).
    Validate(validate::Args),
    /// Run many paths in parallel and write probabilities, quantiles and sensitivities.
    Run(run::Args),
    /// Run several scenarios on common random numbers (the same paths and seed: the first
    /// scenario's unless given) and compare them side by side.
    Compare(compare::Args),
    /// Stress-test the scenario's subscription plans against the simulated cost and usage paths.
    Stress(stress::Args),
    /// What drives the answer: Sobol' indices (first order and total, with intervals) of each
    /// target and headline outcome, per input or group of inputs.
    Sensitivity(sensitivity::Args),
    /// Merge shard folders of one run into the files of a single run.
    Merge(merge::Args),
    /// Print a ready-to-submit Slurm script (job arrays, then the merge) or Kubernetes Indexed
    /// Job manifest for one run split into shards.
    Shards(shards::Args),
    /// One path at the medians: event timeline, quarterly table, and the collapse factor
    /// split into hardware, efficiency, competition and on-device.
    Explain(explain::Args),
}

/// What a command printed on success, for standard output.
pub struct Done(pub String);

/// Why a command stopped; each maps to an exit code.
pub enum Failure {
    /// Input the user can fix: a bad scenario or argument (exit 2). Already printed when the
    /// message is empty.
    BadInput(String),
    /// Ctrl-C or SIGTERM: the outputs were written and marked incomplete (exit 130).
    Interrupted(String),
    /// Anything else, such as an output folder that cannot be written (exit 1).
    Other(String),
}

/// Exit code for input the user can fix (a bad scenario or argument).
pub const BAD_INPUT: u8 = 2;

/// Exit code after Ctrl-C or SIGTERM (128 + SIGINT), the outputs marked incomplete.
pub const INTERRUPTED: u8 = 130;

/// Prints a command's outcome and returns its exit code.
pub fn finish(outcome: Result<Done, Failure>) -> ExitCode {
    match outcome {
        Ok(Done(text)) => {
            // A closed pipe (`infercast ... | head`) is not an error.
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            ExitCode::SUCCESS
        }
        Err(Failure::BadInput(message)) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            ExitCode::from(BAD_INPUT)
        }
        Err(Failure::Interrupted(message)) => {
            eprintln!("interrupted: {message}");
            ExitCode::from(INTERRUPTED)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
