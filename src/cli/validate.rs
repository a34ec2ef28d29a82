//! `infercast validate`: check scenario files and summarise each.

use super::common::parse_override;
use super::{Done, Failure};
use infercast::scenario::{self, Override};
use std::io::Write;
use std::path::PathBuf;

/// The options of `validate`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario files (TOML).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Override one input, e.g. --set hardware.Rubin.delay_months=6
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
}

pub fn main(args: Args) -> Result<Done, Failure> {
    let mut failed = false;
    let mut out = String::new();
    for (i, file) in args.files.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match scenario::load(file, &args.set) {
            Ok(s) => {
                out.push_str(&format!("{}: valid\n", file.display()));
                out.push_str(&infercast::report::text::validate::scenario_summary(&s));
                for why in &s.dropped_correlations {
                    out.push_str(&format!("warning: {why}\n"));
                }
                if let (_, Some(repair)) = infercast::sample::Sampler::new(&s, s.sampling, s.paths)
                {
                    out.push_str(&format!("warning: {repair}"));
                }
            }
            Err(e) => {
                failed = true;
                eprintln!("{}\n{e}", super::common::invalid(file, &e));
            }
        }
    }
    if failed {
        // The valid files' summaries still print.
        let _ = std::io::stdout().lock().write_all(out.as_bytes());
        return Err(Failure::BadInput(String::new()));
    }
    Ok(Done(out))
}
