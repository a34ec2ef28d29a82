//! `infercast merge`: shard folders of one run into the files of a single run.

use super::{Done, Failure};
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
}

pub fn main(args: Args) -> Result<Done, Failure> {
    let summary = infercast::pipeline::merge(&args.dirs, &args.out)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let mut text = infercast::report::text::run::summary_table(&summary);
    text.push_str(&format!(
        "\nmerged {} shards into {}\n",
        args.dirs.len(),
        args.out.display()
    ));
    Ok(Done(text))
}
