//! Forecasts conditioned on observations: the posterior against a closed form, by plain
//! reweighting and by adaptive importance sampling; determinism across threads and shards;
//! bad observations refused with their place; an observation no path reproduces.

use super::*;
use assert_cmd::Command;
use infercast::scenario::dist::std_normal_quantile;

/// Prior and observation of the conjugate case: the first month's hardware cost is the
/// installed generation's unit cost exactly, lognormal(μ0, σ0); it is observed as `V` with a
/// lognormal error σ_o.
const MU0: f64 = 0.5;
const SIGMA0: f64 = 0.4;
const OBSERVED: f64 = 3.0;
const SIGMA_O: f64 = 0.3;

fn conjugate_body() -> String {
    format!(
        "[[hardware]]\nname = \"Hopper\"\nunit_cost = {{ dist = \"lognormal\", mu = {MU0}, sigma = {SIGMA0} }}\n\
         [[observation]]\nname = \"first-cost\"\nmetric = \"cost_hw\"\nmonth = \"2025-01\"\n\
         value = {OBSERVED}\nsd_log = {SIGMA_O}\n"
    )
}

/// A scenario file extending the tiny fixture with `body`, in `dir`.
fn child(dir: &Path, body: &str) -> PathBuf {
    let file = dir.join("observed.toml");
    let text = format!(
        "extends = {:?}\nname = \"observed-tiny\"\n{body}",
        tiny().display().to_string()
    );
    std::fs::write(&file, text).unwrap();
    file
}

fn infercast(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("infercast")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
}

/// Checks the weighted posterior of the unit cost against the closed form: ln u is normal
/// with precision 1/σ0² + 1/σ_o². Each quantile within 3 Monte Carlo standard errors
/// (sqrt(p(1−p)/ESS) over the density, in log space) plus the sketch's bin half-width.
fn check_posterior(dir: &Path) -> f64 {
    let s = summary(dir);
    let ess = s["conditioning"]["ess"].as_f64().unwrap();
    let precision = 1.0 / (SIGMA0 * SIGMA0) + 1.0 / (SIGMA_O * SIGMA_O);
    let mean = (MU0 / (SIGMA0 * SIGMA0) + OBSERVED.ln() / (SIGMA_O * SIGMA_O)) / precision;
    let sd = precision.sqrt().recip();
    let shift = s["input_shifts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["input"] == "hardware.Hopper.unit_cost")
        .expect("the unit cost among the inputs");
    for (key, p) in [("p5", 0.05), ("p50", 0.5), ("p95", 0.95)] {
        let got = shift["posterior"][key].as_f64().unwrap().ln();
        let z = std_normal_quantile(p);
        let want = mean + sd * z;
        let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() / sd;
        let se = (p * (1.0 - p) / ess).sqrt() / density;
        assert!(
            (got - want).abs() <= 3.0 * se + 0.0025,
            "{key}: ln {got} vs {want} (± {se}, ESS {ess})"
        );
    }
    ess
}

#[test]
fn the_posterior_of_a_conjugate_case_matches_its_closed_form() {
    let dir = tempfile::tempdir().unwrap();
    let file = child(dir.path(), &conjugate_body());
    let file = file.to_str().unwrap();
    let plain = dir.path().join("plain");
    let adapt = dir.path().join("adapt");
    for (out, extra) in [(&plain, None), (&adapt, Some("--adapt"))] {
        let mut args = vec!["run", "--quiet", "--paths", "8192", "--out"];
        args.push(out.to_str().unwrap());
        args.extend(extra);
        args.push(file);
        let o = infercast(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let plain_ess = check_posterior(&plain);
    let adapt_ess = check_posterior(&adapt);
    // The proposal puts the paths where the observation is: more of them weigh.
    assert!(
        adapt_ess > plain_ess,
        "adapt {adapt_ess} vs plain {plain_ess}"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(adapt.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["adapt"], true);
    assert_eq!(manifest["proposal"]["pilot_paths"], 2048);
    // Weights in outcomes.csv sum to 1, and log-weights are at most 0 (plain: no proposal).
    let mut rdr = csv::Reader::from_path(plain.join("outcomes.csv")).unwrap();
    let names: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let (lw, w) = (names.len() - 2, names.len() - 1);
    assert_eq!(
        (names[lw].as_str(), names[w].as_str()),
        ("log_weight", "weight")
    );
    let mut total = 0.0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        total += rec[w].parse::<f64>().unwrap();
        if let Ok(l) = rec[lw].parse::<f64>() {
            assert!(l <= 0.0);
        }
    }
    assert!((total - 1.0).abs() < 1e-9, "weights sum to {total}");
}

/// Every file of the folder `dir`, by name, with a hash of its bytes.
fn folder(dir: &Path) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                infercast::stats::fnv1a64(&super::stable_bytes(&e.path())),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn conditioned_and_adaptive_runs_are_the_same_on_any_threads_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let file = child(dir.path(), &conjugate_body());
    let file = file.to_str().unwrap();
    let d = |name: &str| dir.path().join(name);
    for adapt in [false, true] {
        let mut base = vec!["run", "--quiet", "--paths", "2500", file];
        if adapt {
            base.push("--adapt");
        }
        let mut runs = Vec::new();
        for threads in ["1", "2", "4"] {
            let out = d(&format!("{adapt}-t{threads}"));
            let mut args = base.clone();
            args.extend(["--threads", threads, "--out", out.to_str().unwrap()]);
            assert!(infercast(&args).status.success());
            runs.push(folder(&out));
        }
        assert!(
            runs.windows(2).all(|w| w[0] == w[1]),
            "threads differ (adapt {adapt})"
        );
        let mut shards = Vec::new();
        for k in 0..3 {
            let out = d(&format!("{adapt}-s{k}"));
            let shard = format!("{k}/3");
            let mut args = base.clone();
            args.extend(["--shard", &shard, "--out", out.to_str().unwrap()]);
            let o = infercast(&args);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            shards.push(out.to_str().unwrap().to_owned());
        }
        let merged = d(&format!("{adapt}-merged"));
        let mut args = vec!["merge"];
        args.extend(shards.iter().map(String::as_str));
        args.extend(["--out", merged.to_str().unwrap()]);
        let o = infercast(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(
            folder(&merged),
            runs[0],
            "shards merged differ (adapt {adapt})"
        );
    }
}

#[test]
fn bad_observations_are_refused_with_their_place() {
    let cases = [
        (
            "[[observation]]\nname = \"x\"\nmetric = \"revenue.Nobody\"\nyear = 2026\nvalue = 1e9\nsd_log = 0.1\n",
            "observation.x.metric",
            "unknown metric",
        ),
        (
            "[[observation]]\nname = \"x\"\nmetric = \"revenue_total\"\nmonth = \"2031-01\"\nvalue = 1e9\nsd_log = 0.1\n",
            "observation.x.month",
            "simulated months",
        ),
        (
            "[[observation]]\nname = \"x\"\nmetric = \"revenue_total\"\nyear = 2026\nvalue = 1e9\nsd_log = -0.1\n",
            "observation.x.sd_log",
            "error size",
        ),
        (
            "[[observation]]\nname = \"x\"\nmetric = \"revenue_total\"\nyear = 2026\nsd_log = 0.1\n",
            "observation.x.value",
            "exactly one of",
        ),
        (
            "[[observation]]\nname = \"x\"\nmetric = \"revenue_total\"\nyear = 2026\nvalue = 1e9\n",
            "observation.x.value",
            "needs its error",
        ),
    ];
    for (body, field, words) in cases {
        let p = one_problem(child_of_tiny(body, &[]));
        assert_eq!(p.field.as_deref(), Some(field), "{p}");
        assert!(p.message.contains(words), "{p}");
        let loc = p.loc.as_ref().expect("a place in the file");
        assert!(loc.line >= 3, "{p}");
    }
    // The binary: exit 2 with the file, line and field.
    let dir = tempfile::tempdir().unwrap();
    let file = child(dir.path(), cases[1].0);
    let o = infercast(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("observed.toml:") && err.contains("observation.x.month"),
        "{err}"
    );
    // `--set` reaches an observation's value.
    let s = child_of_tiny(&conjugate_body(), &["observation.first-cost.value=2.5"]).unwrap();
    assert_eq!(s.observations[0].central(), 2.5);
}

#[test]
fn an_observation_no_path_reproduces_exits_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let body = "[[observation]]\nname = \"far\"\nmetric = \"revenue_total\"\nyear = 2026\nvalue = 1e15\nsd_log = 0.05\n";
    let file = child(dir.path(), body);
    let out = dir.path().join("out");
    let o = infercast(&[
        "run",
        "--quiet",
        "--paths",
        "256",
        "--out",
        out.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no path of 256 reproduces the observations"),
        "{err}"
    );
    assert!(err.contains("far:"), "{err}");
    assert!(!out.join("summary.json").exists(), "no NaN outputs");
}
