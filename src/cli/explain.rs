//! `infercast explain`: one path at the medians, told as a story.

use super::common::{self, parse_override};
use super::{Done, Failure};
use infercast::report::text::explain;
use infercast::scenario::Override;
use std::path::PathBuf;

/// The options of `explain`.
#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    file: PathBuf,
    /// Override one input, e.g. --set hardware.Rubin.delay_months=6
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_override)]
    set: Vec<Override>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

pub fn main(args: Args) -> Result<Done, Failure> {
    let s = common::load(&args.file, &args.set)?;
    let e = infercast::pipeline::explain(&s);
    Ok(Done(if args.json {
        let mut t =
            serde_json::to_string_pretty(&explain::explain_json(&e)).expect("JSON of finite data");
        t.push('\n');
        t
    } else {
        explain::explain_text(&e)
    }))
}
