//! `extends` chains and `--set` overrides.

use super::*;
use infercast::scenario::{Included, Marginal, UsageGrowth};

fn input<'a>(s: &'a Scenario, name: &str) -> &'a infercast::scenario::Input {
    s.input(
        s.find_input(name)
            .unwrap_or_else(|| panic!("no input {name}")),
    )
}

#[test]
fn child_overrides_one_vendor_field_and_keeps_the_rest() {
    let parent = load(&tiny(), &[]).unwrap();
    let child = child_of_tiny(
        "[[vendor]]\nname = \"Challenger\"\nlaunch_price = 0.14\n",
        &[],
    )
    .unwrap();
    assert_eq!(child.name, "child");
    assert_eq!(child.vendors.len(), 2);
    assert!(
        input(&child, "vendor.Challenger.launch_price")
            .dist
            .is_fixed()
    );
    assert_eq!(
        input(&child, "vendor.Challenger.launch_price")
            .dist
            .median(),
        0.14
    );
    for name in [
        "vendor.Challenger.delay_months",
        "vendor.Frontier.launch_price",
        "hardware.Rubin.delay_months",
    ] {
        assert_eq!(
            input(&child, name).dist,
            input(&parent, name).dist,
            "{name}"
        );
    }
    let loc = input(&child, "vendor.Challenger.launch_price")
        .loc
        .clone()
        .unwrap();
    assert!(
        loc.file.ends_with("child.toml"),
        "the override's place is the child file"
    );
    let loc = input(&child, "vendor.Challenger.delay_months")
        .loc
        .clone()
        .unwrap();
    assert!(
        loc.file.ends_with("tiny.toml"),
        "inherited values keep the parent's place"
    );
}

#[test]
fn child_adds_entries_and_replaces_distributions_whole() {
    let child = child_of_tiny(
        "[[vendor]]\nname = \"Newcomer\"\nlag = 0.5\nlaunch = \"2027-01\"\nlaunch_price = 0.1\nadjustment = 1.0\nmarkup_cap = 1.0\nmargin_floor = 0.0\nreview_months = 6\n\
         [[vendor]]\nname = \"Challenger\"\nlaunch_price = { dist = \"uniform\", low = 0.1, high = 0.3 }\n",
        &[],
    )
    .unwrap();
    let names: Vec<&str> = child.vendors.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["Frontier", "Challenger", "Newcomer"]);
    let d = &input(&child, "vendor.Challenger.launch_price").dist;
    assert_eq!(d.describe(), "uniform(0.1, 0.3)");
}

#[test]
fn chains_of_three_and_names_are_not_inherited() {
    let tiny_path = tiny().display().to_string();
    let dir = files(&[
        (
            "mid.toml",
            &format!("extends = {tiny_path:?}\n[capability]\npace = 1.2\n"),
        ),
        (
            "leaf.toml",
            "extends = \"mid.toml\"\n[software]\nserving_gain_per_year = 2.0\n",
        ),
    ]);
    let s = load(&dir.path().join("leaf.toml"), &[]).unwrap();
    assert_eq!(
        s.name, "leaf",
        "a child without `name` is named after its file"
    );
    assert_eq!(s.description, "");
    assert_eq!(input(&s, "capability.pace").dist.median(), 1.2);
    assert_eq!(
        input(&s, "software.serving_gain_per_year").dist.median(),
        2.0
    );
    assert_eq!(input(&s, "capability.cost_per_unit").dist.median(), 2.5);
}

#[test]
fn targets_and_correlations_merge_by_identity() {
    let s = child_of_tiny(
        "[[target]]\nmetric = \"collapse_factor\"\nat_least = 50\n\
         [[correlation]]\nbetween = [\"hardware.Rubin.delay_months\", \"vendor.Challenger.delay_months\"]\nrank = 0.3\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        s.targets.len(),
        1,
        "a target on the same metric replaces the parent's"
    );
    assert_eq!(s.targets[0].label, "collapse_factor ≥ 50");
    assert_eq!(s.correlations.len(), 1);
}

#[test]
fn set_overrides_numbers_distributions_and_defaults() {
    let s = load(
        &tiny(),
        &[
            "hardware.Rubin.delay_months=6",
            "segment.enterprise.bass_q={ dist = \"uniform\", low = 0.2, high = 0.6 }",
            "vendor.Challenger.entry_months=4",
        ],
    )
    .unwrap();
    assert_eq!(
        input(&s, "hardware.Rubin.delay_months").dist.describe(),
        "6"
    );
    assert_eq!(
        input(&s, "segment.enterprise.bass_q").dist.describe(),
        "uniform(0.2, 0.6)"
    );
    assert_eq!(
        input(&s, "vendor.Challenger.entry_months").dist.median(),
        4.0,
        "a defaulted field can be set"
    );
    assert!(
        s.resolved.contains("entry_months = 4"),
        "the resolved scenario records the override"
    );
}

#[test]
fn pinning_a_correlated_input_drops_its_correlation() {
    let body = "[[correlation]]\nbetween = [\"hardware.Rubin.delay_months\", \"vendor.Challenger.delay_months\"]\nrank = 0.3\n";
    assert_eq!(child_of_tiny(body, &[]).unwrap().correlations.len(), 1);
    let s = child_of_tiny(body, &["hardware.Rubin.delay_months=0"]).unwrap();
    assert!(s.correlations.is_empty());
}

#[test]
fn plans_follow_the_design() {
    let s = load(&tiny(), &[]).unwrap();
    let pro = &s.plans[0];
    assert_eq!(pro.included, Included::Unlimited);
    assert_eq!(pro.usage_growth, UsageGrowth::Model);
    assert_eq!(pro.segment.name(), "developer");
    let plus = &s.plans[1];
    assert!(matches!(plus.included, Included::Limited(_)));
    assert!(plus.overage.is_some() && plus.cap.is_some());
    assert_eq!(input(&s, "plan.Plus.churn").dist.median(), 0.03);
    assert!(
        !input(&s, "plan.Pro.usage").is_uncertain(),
        "usage is a population, not an uncertain input"
    );
}

#[test]
fn resolved_scenario_round_trips() {
    let s = load(
        &root().join("scenarios/base.toml"),
        &["vendor.DeepSeek.launch_price=0.14"],
    )
    .unwrap();
    let dir = files(&[("resolved.toml", &s.resolved)]);
    let again = load(&dir.path().join("resolved.toml"), &[]).unwrap();
    assert_eq!(again.inputs.len(), s.inputs.len());
    for (a, b) in s.inputs.iter().zip(&again.inputs) {
        assert_eq!((&a.name, &a.dist), (&b.name, &b.dist));
    }
    assert_eq!(again.targets, s.targets);
    assert_eq!(again.correlations, s.correlations);
}

#[test]
fn pinning_a_correlated_input_in_a_child_drops_the_inherited_correlation() {
    let tiny_path = tiny().display().to_string();
    let dir = files(&[
        (
            "mid.toml",
            &format!(
                "extends = {tiny_path:?}\n[[correlation]]\nbetween = [\"hardware.Rubin.delay_months\", \"vendor.Challenger.delay_months\"]\nrank = 0.3\n"
            ),
        ),
        (
            "leaf.toml",
            "extends = \"mid.toml\"\n[[hardware]]\nname = \"Rubin\"\ndelay_months = 12\n",
        ),
    ]);
    assert_eq!(
        load(&dir.path().join("mid.toml"), &[])
            .unwrap()
            .correlations
            .len(),
        1
    );
    assert!(
        load(&dir.path().join("leaf.toml"), &[])
            .unwrap()
            .correlations
            .is_empty()
    );
}
