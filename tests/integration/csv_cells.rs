//! CSV injection: a text cell that a spreadsheet would read as a formula (it starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`; numbers, negative
//! ones included, are written as numbers.

use super::*;
use infercast::analysis::{OutcomeRows, Quantiles, RunView, StressSummary, Summary};
use infercast::report::export::{self, Exporter, Sink};
use std::collections::BTreeMap;

const FORMULA: &str = "=HYPERLINK(\"x\")";

/// Whether a cell would start a formula in a spreadsheet.
fn dangerous(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Every cell of CSV `bytes` (header included) that would start a formula and is not a number.
fn formula_cells(bytes: &[u8]) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut bad = Vec::new();
    for rec in rdr.records() {
        for cell in rec.unwrap().iter() {
            if dangerous(cell) && cell.parse::<f64>().is_err() {
                bad.push(cell.to_owned());
            }
        }
    }
    bad
}

/// The cells of CSV `bytes`, header included.
fn cells(bytes: &[u8]) -> Vec<String> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    rdr.records()
        .flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// Files put by exporters, kept in memory.
#[derive(Default)]
struct Memory(BTreeMap<String, Vec<u8>>);

impl Sink for Memory {
    fn put(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.0.insert(name.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn put_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut (dyn std::io::Write + Send)) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut buf = Vec::new();
        write(&mut buf)?;
        self.0.insert(name.to_owned(), buf);
        Ok(())
    }
}

/// Outcome rows with text-like column names and negative numbers.
struct Rows(Vec<String>);

impl OutcomeRows for Rows {
    fn names(&self) -> &[String] {
        &self.0
    }

    fn for_each(
        &self,
        f: &mut dyn FnMut(u64, &[f64]) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        f(0, &[-0.5, 1e-300, -2e300, f64::NAN, 3.0, 4.0, 5.0])
    }
}

#[test]
fn run_csvs_guard_text_cells_and_keep_numbers() {
    // A run's summary whose series and columns carry names a spreadsheet would run.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = assert_cmd::Command::cargo_bin("infercast")
        .unwrap()
        .args(["run", "--quiet", "--paths", "64", "--out"])
        .arg(&out)
        .arg(tiny())
        .output()
        .unwrap();
    assert!(run.status.success());
    let mut summary: Summary =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    // summary.json leaves the series out; give it two, named like formulas, one month each,
    // with a negative quantile.
    summary.months = summary.months[..1].to_vec();
    let mut q = *summary.outcomes.values().next().unwrap();
    q.p5 = Some(-0.5);
    summary.series.insert(FORMULA.to_owned(), vec![q]);
    summary.series.insert("@sum".to_owned(), vec![q]);
    let names: Vec<String> = ["path", FORMULA, "+a", "-b", "@c", "\tt", "\rr", "plain"]
        .map(String::from)
        .to_vec();
    let rows = Rows(names);
    let view = RunView {
        summary: &summary,
        rows: &rows,
    };
    let mut sink = Memory::default();
    export::csv::Csv.export(&view, &mut sink).unwrap();
    let series = &sink.0["series.csv"];
    assert_eq!(formula_cells(series), Vec::<String>::new());
    let c = cells(series);
    assert!(
        c.contains(&format!("'{FORMULA}")) && c.contains(&"'@sum".to_owned()),
        "{c:?}"
    );
    assert!(c.contains(&"-0.5".to_owned()), "{c:?}");
    let outcomes = &sink.0["outcomes.csv"];
    assert_eq!(formula_cells(outcomes), Vec::<String>::new());
    let c = cells(outcomes);
    assert!(c.contains(&format!("'{FORMULA}")), "{c:?}");
    assert!(
        c.contains(&"'\tt".to_owned()) && c.contains(&"'-b".to_owned()),
        "{c:?}"
    );
    assert!(c.contains(&"plain".to_owned()), "{c:?}");
    // Numbers stay numbers, negative ones included.
    assert!(c.contains(&"-0.5".to_owned()), "{c:?}");
    assert!(c.iter().any(|x| x.parse::<f64>() == Ok(-2e300)), "{c:?}");
}

#[test]
fn stress_csvs_guard_plan_names_and_keep_negative_margins() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = assert_cmd::Command::cargo_bin("infercast")
        .unwrap()
        .args(["stress", "--quiet", "--paths", "64", "--out"])
        .arg(&out)
        .arg(tiny())
        .output()
        .unwrap();
    assert!(run.status.success());
    let mut s: StressSummary =
        serde_json::from_slice(&std::fs::read(out.join("stress.json")).unwrap()).unwrap();
    s.plans[0].name = FORMULA.to_owned();
    s.plans[1].name = "-minus".to_owned();
    // stress.json leaves the monthly series out: a month of each, with a negative margin.
    let q: Quantiles = serde_json::from_value(serde_json::json!({
        "p5": -0.5, "p10": null, "p25": null, "p50": 0.1, "p75": null, "p90": null,
        "p95": null, "mean": null, "paths": 64, "missing": 0
    }))
    .unwrap();
    s.months.truncate(1);
    for p in &mut s.plans {
        p.margin = vec![q];
        p.loss_share = vec![q];
        p.top5_share = vec![q];
    }
    for bytes in [
        export::csv::stress_grid(&s).unwrap(),
        export::csv::stress_series(&s).unwrap(),
    ] {
        assert_eq!(formula_cells(&bytes), Vec::<String>::new());
        let c = cells(&bytes);
        assert!(
            c.contains(&format!("'{FORMULA}")) && c.contains(&"'-minus".to_owned()),
            "{c:?}"
        );
    }
    // Negative numbers stay numbers.
    let series = cells(&export::csv::stress_series(&s).unwrap());
    assert!(series.contains(&"-0.5".to_owned()), "{series:?}");
}

#[test]
fn a_target_named_like_a_formula_reaches_no_csv_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        format!(
            "extends = {:?}\nname = \"formula\"\n[[target]]\nname = '{FORMULA}'\nmetric = \"revenue.Frontier\"\nyear = 2027\nat_least = 1e9\n",
            tiny().display().to_string()
        ),
    )
    .unwrap();
    for cmd in ["run", "stress"] {
        let out = dir.path().join(cmd);
        let o = assert_cmd::Command::cargo_bin("infercast")
            .unwrap()
            .args([cmd, "--quiet", "--paths", "64", "--out"])
            .arg(&out)
            .arg(&scenario)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mut negative = 0;
        for e in std::fs::read_dir(&out).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "csv") {
                let bytes = std::fs::read(&p).unwrap();
                assert_eq!(
                    formula_cells(&bytes),
                    Vec::<String>::new(),
                    "{}",
                    p.display()
                );
                negative += cells(&bytes)
                    .iter()
                    .filter(|c| c.starts_with('-') && c.parse::<f64>().is_ok())
                    .count();
            }
        }
        assert!(
            negative > 0,
            "{cmd}: negative numbers are written as numbers"
        );
    }
}
