//! Adoption S-curves by segment, and the ambient share (firms past the zero-marginal
//! threshold that run AI on everything), each segment as a median with its P25–P75 band.

use super::overlay::{Line, Overlay};
use super::{Chart, ChartError, Unit};
use crate::analysis::Summary;

/// Which share of a segment's firms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Firms that have adopted AI.
    Adoption,
    /// Firms running AI on everything (ambient).
    Ambient,
}

/// The chart of `kind` by segment.
pub fn chart(s: &Summary, kind: Kind) -> Result<Chart, ChartError> {
    let (prefix, name, title) = match kind {
        Kind::Adoption => (
            "adoption",
            "adoption",
            "Adoption by segment: share of firms using AI",
        ),
        Kind::Ambient => (
            "ambient",
            "ambient-share",
            "Ambient AI by segment: share of firms running AI on everything",
        ),
    };
    let lines: Vec<Line> = s
        .segments
        .iter()
        .filter_map(|seg| {
            s.series.get(&format!("{prefix}.{seg}")).map(|q| Line {
                label: seg.clone(),
                months: &s.months,
                series: q,
            })
        })
        .collect();
    let ends: Vec<String> = lines
        .iter()
        .filter_map(|l| {
            let q = l.series.last()?;
            Some(format!(
                "{} {} (P25–P75 {} to {})",
                l.label,
                Unit::Firms.format(q.p50?),
                Unit::Firms.format(q.p25?),
                Unit::Firms.format(q.p75?)
            ))
        })
        .collect();
    let caption = format!(
        "Median share of firms in {}: {}.",
        s.months.last().map_or("", String::as_str),
        ends.join("; ")
    );
    super::render(
        name,
        title,
        &caption,
        &Overlay::new(lines, Unit::Firms, title),
    )
}
