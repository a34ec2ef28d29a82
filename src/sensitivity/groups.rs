//! Which inputs vary together in a sensitivity design: one group per input, per section, and
//! always whole connected components of the `[[correlation]]` graph (unless correlations are
//! dropped), so that groups are independent of each other, as Sobol' indices assume.

use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};

/// How the inputs of a design are grouped (`--groups`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grouping {
    /// One group per input, except that inputs linked by `[[correlation]]`s form one group
    /// (the connected components of the correlation graph), sampled jointly through the copula.
    Auto,
    /// One group per input, every input drawn independently: the scenario's correlations are
    /// dropped (the indices are then those of a model with independent inputs).
    Inputs,
    /// One group per section (hardware, efficiency, each vendor, devices, each segment,
    /// capability, software, hosts, shocks); sections linked by a correlation are joined.
    Sections,
}

impl std::fmt::Display for Grouping {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Grouping::Auto => "auto",
            Grouping::Inputs => "inputs",
            Grouping::Sections => "sections",
        })
    }
}

/// Why the inputs of a group are together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    /// A single input.
    Input,
    /// Inputs linked by `[[correlation]]`s (sampled jointly).
    Correlated,
    /// The inputs of one section.
    Section,
    /// Sections joined because a `[[correlation]]` links their inputs.
    LinkedSections,
    /// Not an input: the model's own randomness (cohorts, reviews, adoption draws).
    Model,
}

/// A group of inputs whose indices are estimated together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    /// The input's name, the section's, or the members' joined by " + ".
    pub label: String,
    /// Its inputs, in scenario order.
    pub inputs: Vec<String>,
    pub kind: GroupKind,
}

/// The section of an input: `vendor.<name>` and `segment.<name>` for those, else the first part
/// of its name (`hardware`, `efficiency`, `device`, `capability`, `software`, `hosts`, `shock`,
/// `plan`).
pub fn section_of(input: &str) -> String {
    let mut parts = input.split('.');
    let first = parts.next().unwrap_or(input);
    match (first, parts.next()) {
        ("vendor" | "segment", Some(name)) => format!("{first}.{name}"),
        _ => first.to_owned(),
    }
}

/// The design's inputs (indices into `Scenario::inputs`, in scenario order) and their groups:
/// `(columns, group_of, groups)` with `group_of[c]` the group of column `c`, groups numbered
/// in order of their first input.
///
/// The design's inputs are the uncertain per-path inputs, except those of `[[plan]]`s that no
/// correlation ties to another input: plans belong to `stress`, and the market model never reads
/// them.
pub fn groups(s: &Scenario, grouping: Grouping) -> (Vec<usize>, Vec<usize>, Vec<Group>) {
    let correlated = |i: usize| {
        s.correlations
            .iter()
            .any(|c| c.a.0 as usize == i || c.b.0 as usize == i)
    };
    let columns: Vec<usize> = (0..s.inputs.len())
        .filter(|&i| s.inputs[i].is_uncertain())
        .filter(|&i| section_of(&s.inputs[i].name) != "plan" || correlated(i))
        .collect();
    let name = |c: usize| s.inputs[columns[c]].name.as_str();
    // A first partition: one part per input or per section, in order of first appearance.
    let mut labels: Vec<String> = Vec::new();
    let mut part: Vec<usize> = Vec::with_capacity(columns.len());
    for c in 0..columns.len() {
        let label = match grouping {
            Grouping::Sections => section_of(name(c)),
            Grouping::Auto | Grouping::Inputs => name(c).to_owned(),
        };
        let p = labels.iter().position(|l| *l == label).unwrap_or_else(|| {
            labels.push(label);
            labels.len() - 1
        });
        part.push(p);
    }
    // Then parts linked by a correlation are joined (union-find with the smaller root kept,
    // so a joined group takes the place of its first part).
    let mut parent: Vec<usize> = (0..labels.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    if grouping != Grouping::Inputs {
        let column = |id: u32| columns.iter().position(|&i| i == id as usize);
        for corr in &s.correlations {
            if let (Some(a), Some(b)) = (column(corr.a.0), column(corr.b.0)) {
                let (ra, rb) = (root(&mut parent, part[a]), root(&mut parent, part[b]));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut order: Vec<usize> = Vec::new();
    let mut group_of = Vec::with_capacity(columns.len());
    for p in part.iter().copied() {
        let r = root(&mut parent, p);
        let g = order.iter().position(|x| *x == r).unwrap_or_else(|| {
            order.push(r);
            order.len() - 1
        });
        group_of.push(g);
    }
    let groups = order
        .iter()
        .enumerate()
        .map(|(g, &r)| {
            let inputs: Vec<String> = (0..columns.len())
                .filter(|&c| group_of[c] == g)
                .map(|c| name(c).to_owned())
                .collect();
            let parts: Vec<&str> = (0..labels.len())
                .filter(|&p| root(&mut parent, p) == r)
                .map(|p| labels[p].as_str())
                .collect();
            let kind = match (grouping, parts.len()) {
                (Grouping::Sections, 1) => GroupKind::Section,
                (Grouping::Sections, _) => GroupKind::LinkedSections,
                (_, 1) => GroupKind::Input,
                _ => GroupKind::Correlated,
            };
            Group {
                label: parts.join(" + "),
                inputs,
                kind,
            }
        })
        .collect();
    (columns, group_of, groups)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::scenario::fixture::tiny_with;

    #[test]
    fn sections_of_inputs() {
        assert_eq!(
            section_of("vendor.DeepSeek.launch_price"),
            "vendor.DeepSeek"
        );
        assert_eq!(
            section_of("vendor.OpenAI.commitments.share"),
            "vendor.OpenAI"
        );
        assert_eq!(
            section_of("segment.enterprise.bass_q"),
            "segment.enterprise"
        );
        assert_eq!(section_of("hardware.Rubin.delay_months"), "hardware");
        assert_eq!(section_of("capability.pace"), "capability");
        assert_eq!(section_of("software.serving_gain_per_year"), "software");
    }

    #[test]
    fn correlated_inputs_form_one_group_unless_correlations_are_dropped() {
        let s = tiny_with(
            "[[correlation]]\nbetween = [\"segment.enterprise.bass_q\", \"hardware.Rubin.cost_factor\"]\nrank = 0.5\n\
             [[correlation]]\nbetween = [\"segment.developer.bass_q\", \"segment.enterprise.bass_q\"]\nrank = 0.3\n",
        );
        let (columns, group_of, groups) = groups(&s, Grouping::Auto);
        // The plan's uncertain input is left out; the others are in scenario order.
        let names: Vec<&str> = columns.iter().map(|&i| s.inputs[i].name.as_str()).collect();
        assert_eq!(
            names,
            [
                "software.serving_gain_per_year",
                "hardware.Rubin.delay_months",
                "hardware.Rubin.cost_factor",
                "vendor.Challenger.delay_months",
                "vendor.Challenger.launch_price",
                "vendor.Challenger.open_weights",
                "segment.enterprise.bass_q",
                "segment.developer.bass_q",
            ]
        );
        assert_eq!(group_of, [0, 1, 2, 3, 4, 5, 2, 2]);
        assert_eq!(groups.len(), 6);
        assert_eq!(
            groups[2].label,
            "hardware.Rubin.cost_factor + segment.enterprise.bass_q + segment.developer.bass_q"
        );
        assert_eq!(groups[2].kind, GroupKind::Correlated);
        assert_eq!(groups[0].kind, GroupKind::Input);
        // Dropped: one group per input.
        let (_, group_of, groups) = super::groups(&s, Grouping::Inputs);
        assert_eq!(group_of, [0, 1, 2, 3, 4, 5, 6, 7]);
        assert!(groups.iter().all(|g| g.kind == GroupKind::Input));
        // Sections: hardware and both segments are linked by the correlations.
        let (_, group_of, groups) = super::groups(&s, Grouping::Sections);
        assert_eq!(group_of, [0, 1, 1, 2, 2, 2, 1, 1]);
        let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "software",
                "hardware + segment.enterprise + segment.developer",
                "vendor.Challenger"
            ]
        );
        assert_eq!(groups[1].kind, GroupKind::LinkedSections);
        assert_eq!(groups[2].kind, GroupKind::Section);
    }
}
