//! The `infercast` command line: a thin layer that wires the library's stages together.

use clap::{Parser, Subcommand};
use infercast::scenario::{self, Override, ScenarioError};
use infercast::{explain, report};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Forecast the economics of AI inference with Monte Carlo, discrete-event simulation.
#[derive(Parser)]
#[command(name = "infercast", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check scenario files and summarise each one (exit 0 only if all are valid).
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Override one input, e.g. --set hardware.Rubin.delay_months=6
        #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
    },
    /// One path at the medians: event timeline, quarterly table, and the collapse factor
    /// split into hardware, efficiency, competition and on-device.
    Explain {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Override one input, e.g. --set hardware.Rubin.delay_months=6
        #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
        set: Vec<Override>,
        /// Print one JSON document instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_override(s: &str) -> Result<Override, String> {
    s.parse()
}

/// Exit code for input the user can fix (a bad scenario or argument).
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate { files, set } => validate(&files, &set),
        Command::Explain { file, set, json } => run_explain(&file, &set, json),
    }
}

fn validate(files: &[PathBuf], set: &[Override]) -> ExitCode {
    let mut failed = false;
    let mut out = String::new();
    for (i, file) in files.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match scenario::load(file, set) {
            Ok(s) => {
                out.push_str(&format!("{}: valid\n", file.display()));
                out.push_str(&report::scenario_summary(&s));
            }
            Err(e) => {
                failed = true;
                report_error(file, &e);
            }
        }
    }
    // A closed pipe (`infercast validate ... | head`) is not an error.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if failed {
        ExitCode::from(BAD_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_explain(file: &std::path::Path, set: &[Override], json: bool) -> ExitCode {
    let s = match scenario::load(file, set) {
        Ok(s) => s,
        Err(e) => {
            report_error(file, &e);
            return ExitCode::from(BAD_INPUT);
        }
    };
    let e = explain::explain(&s);
    let text = if json {
        let mut t = serde_json::to_string_pretty(&report::explain_json(&s, &e))
            .expect("JSON of finite data");
        t.push('\n');
        t
    } else {
        report::explain_text(&s, &e)
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}

fn report_error(file: &std::path::Path, e: &ScenarioError) {
    eprintln!("{}: invalid\n{e}", file.display());
}
