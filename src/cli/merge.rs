//! `infercast merge`: shard folders of one run into the files of a single run.

use super::{Done, Failure};
use infercast::report::export::Format;
use std::path::PathBuf;

/// The options of `merge`.
#[derive(clap::Args)]
pub struct Args {
    /// Shard folders (from `run --shard K/N`).
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
    let summary = infercast::pipeline::merge(&args.dirs, &args.out, args.format)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let mut text = infercast::report::text::run::summary_table(&summary);
    text.push_str(&format!(
        "\nmerged {} shards into {}\n",
        args.dirs.len(),
        args.out.display()
    ));
    Ok(Done(text))
}
