//! `[[observation]]`s: unique plain names, then each checked against the scenario
//! (`crate::scenario::observation` does the checking).

use super::Builder;
use crate::scenario::metrics;
use crate::scenario::observation::{Observation, build_all};
use crate::scenario::raw::RawScenario;
use crate::scenario::types::*;

pub(super) fn build_observations(
    b: &mut Builder,
    raw: &RawScenario,
    vendors: &[Vendor],
) -> Vec<Observation> {
    b.names(
        "observation",
        raw.observation.iter().map(|o| o.name.as_str()),
    );
    let vendor_names: Vec<&str> = vendors.iter().map(|v| v.name.as_str()).collect();
    let segs: Vec<&str> = SegmentKind::ALL.iter().map(|s| s.name()).collect();
    let series = metrics::series(vendor_names.iter().copied(), &segs);
    let node = |i: usize| b.entry("observation", i);
    let mut problems = Vec::new();
    let out = build_all(
        &raw.observation,
        &node,
        &series,
        (b.start, b.horizon),
        &mut problems,
    );
    b.problems.extend(problems);
    out
}

/// The names `--set` may give an observation's numbers (`observation.NAME.value`).
pub(super) fn settable(raw: &RawScenario) -> Vec<String> {
    let keys = [
        "value", "sd_log", "sd", "at_least", "at_most", "low", "high",
    ];
    raw.observation
        .iter()
        .flat_map(|o| {
            keys.iter()
                .map(move |k| format!("observation.{}.{k}", o.name))
        })
        .collect()
}
