//! The scenarios shipped in `scenarios/` are valid and cite their sources.

use super::*;

fn shipped() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .expect("scenarios/")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_is_valid() {
    let files = shipped();
    assert!(files.iter().any(|p| p.ends_with("base.toml")));
    for f in files {
        if let Err(e) = load(&f, &[]) {
            panic!("{} is invalid:\n{e}", f.display());
        }
    }
}

#[test]
fn every_number_cites_a_source_or_says_assumption() {
    for f in shipped() {
        let s = load(&f, &[]).unwrap();
        for input in &s.inputs {
            let Some(loc) = &input.loc else { continue }; // a default
            if !loc.file.ends_with(f.file_name().unwrap().to_str().unwrap()) {
                continue; // inherited: checked in its own file
            }
            let source = input.source.as_deref().unwrap_or("");
            assert!(
                source.contains("CAL-")
                    || source.contains("CALIBRATION")
                    || source.contains("assumption"),
                "{}: `{}` (line {}) has no CAL-n or assumption comment: {source:?}",
                f.display(),
                input.name,
                loc.line
            );
        }
    }
}

#[test]
fn base_keeps_source_comments_for_the_report() {
    let s = load(&root().join("scenarios/base.toml"), &[]).unwrap();
    let delay = s.input(s.find_input("hardware.Rubin.delay_months").unwrap());
    assert!(
        delay.source.as_deref().unwrap().starts_with("CAL-45"),
        "{:?}",
        delay.source
    );
    let pace = s.input(s.find_input("capability.pace").unwrap());
    assert!(pace.source.as_deref().unwrap().contains("0.7–1.4"));
}

/// The subscription scenario reproduces its sources: the $200 unlimited plan loses money in
/// 2025 (CAL-54), the capped $20 plan and the plan priced by usage do not (CAL-55/56).
#[test]
fn subscription_stress_reproduces_the_public_cases() {
    let out = tempfile::tempdir().unwrap();
    let run = assert_cmd::Command::cargo_bin("infercast")
        .unwrap()
        .args(["stress", "--quiet", "--paths", "128", "--out"])
        .arg(out.path())
        .arg(root().join("scenarios/subscription-stress.toml"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("stress.json")).unwrap()).unwrap();
    let loss_2025 = |plan: &str| {
        let p = s["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == plan)
            .unwrap();
        assert_eq!(p["years"][0]["year"], 2025);
        p["years"][0]["loss"]["probability"].as_f64().unwrap()
    };
    assert!(loss_2025("Pro-200") > 0.6, "{}", loss_2025("Pro-200"));
    assert!(loss_2025("Plus-20") < 0.1, "{}", loss_2025("Plus-20"));
    assert!(loss_2025("Usage-20") < 0.1, "{}", loss_2025("Usage-20"));
}
