//! `infercast merge`: shard folders of one run (or one sensitivity design) into the files of a
//! single process.

use super::{Done, Failure};
use infercast::pipeline::{MergedSummary, Out};
use infercast::report::export::Format;
use infercast::run::MergeError;
use std::path::PathBuf;

/// The options of `merge`.
#[derive(clap::Args)]
pub struct Args {
    /// Shard folders (from `run --shard K/N` or `sensitivity --shard K/N`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Data files: csv, parquet or both (default: those of the shard holding block 0).
    #[arg(long, value_name = "csv|parquet|both", value_parser = super::common::parse_format)]
    format: Option<Format>,
}

pub fn main(args: Args) -> Result<Done, Failure> {
    let faults = super::common::InjectedFaults::from_env();
    let out = Out::new(&args.out).with_faults(faults.as_ref().map(|f| f as _));
    let merged = infercast::pipeline::merge(&args.dirs, out, args.format).map_err(|e| match e {
        // The output folder: one infercast may not replace is bad input, any other failure
        // to write it is not.
        MergeError::Write { dir, source } => super::common::failure(&dir, source),
        e => Failure::BadInput(e.to_string()),
    })?;
    let mut text = match merged {
        MergedSummary::Run(summary) => infercast::report::text::run::summary_table(&summary),
        MergedSummary::Sensitivity(summary) => {
            infercast::report::text::sensitivity::sensitivity_table(&summary)
        }
    };
    text.push_str(&format!(
        "\nmerged {} shards into {}\n",
        args.dirs.len(),
        args.out.display()
    ));
    Ok(Done(text))
}
