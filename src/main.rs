//! The `infercast` command line: parse the arguments, run the command, and turn its outcome into
//! output and an exit code (0 done, 1 failed, 2 bad input, 130 interrupted). Each command is
//! a module of [`cli`].

mod cli;

use clap::Parser;
use cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    infercast::analysis::provenance::begin(std::env::args());
    let outcome = match Cli::parse().command {
        Command::Validate(args) => cli::validate::main(args),
        Command::Run(args) => cli::run::main(args),
        Command::Compare(args) => cli::compare::main(args),
        Command::Stress(args) => cli::stress::main(args),
        Command::Sensitivity(args) => cli::sensitivity::main(args),
        Command::Merge(args) => cli::merge::main(args),
        Command::Shards(args) => cli::shards::main(args),
        Command::Explain(args) => cli::explain::main(args),
    };
    cli::finish(outcome)
}
