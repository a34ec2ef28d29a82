//! `infercast._native`: the Python package's bindings over the infercast library. Thin: each
//! function loads the scenario, calls the same `infercast::pipeline` entry point as the command
//! line, and hands the results to Python as JSON text and file bytes (Parquet tables, CSV),
//! which `infercast/__init__.py` turns into dicts and pandas DataFrames. Paths run with the
//! GIL released; Ctrl-C (KeyboardInterrupt) sets the run's cancel flag.

use infercast::analysis::RunView;
use infercast::pipeline::{self, Analysed};
use infercast::report::export::{self, Exporter, Format, Memory, Sink};
use infercast::run::{Settings, Silent};
use infercast::scenario::{self, Override, Sampling, Scenario};
use infercast::stress::Grid;
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

create_exception!(
    infercast,
    ScenarioError,
    PyValueError,
    "A scenario that cannot be read or is invalid; the message is the located error text the \
     command line prints (file, line and column, the field, what was expected and found)."
);

/// An I/O error as a Python `OSError`.
fn os_error(e: impl std::fmt::Display) -> PyErr {
    PyOSError::new_err(e.to_string())
}

/// Loads and validates scenario `path` with `--set` overrides given as (name, value) pairs.
fn load(path: &str, set: Vec<(String, String)>) -> PyResult<Scenario> {
    let overrides = set
        .into_iter()
        .map(|(name, value)| format!("{name}={value}").parse::<Override>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ScenarioError::new_err(format!("set: {e}")))?;
    scenario::load(Path::new(path), &overrides)
        .map_err(|e| ScenarioError::new_err(format!("{path}: invalid\n{e}")))
}

/// The settings of a run of `s`: the scenario's paths, seed and sampling unless given.
fn settings(
    s: &Scenario,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: usize,
    sampling: Option<&str>,
    adapt: bool,
) -> PyResult<Settings> {
    let sampling = match sampling {
        None => s.sampling,
        Some("random") => Sampling::Random,
        Some("lhs") => Sampling::Lhs,
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "sampling must be \"random\" or \"lhs\", found {other:?}"
            )));
        }
    };
    let settings = Settings {
        paths: paths.unwrap_or(s.paths),
        seed: seed.unwrap_or(s.seed),
        threads,
        sampling,
        until_se: None,
        until_ess: None,
        adapt,
        shard: None,
    };
    if settings.paths == 0 {
        return Err(PyValueError::new_err("paths must be at least 1"));
    }
    Ok(settings)
}

fn format(text: &str) -> PyResult<Format> {
    let f: Format = text.parse().map_err(PyValueError::new_err)?;
    Ok(f)
}

/// Runs `work` with the GIL released, checking for Python signals (Ctrl-C in a notebook or a
/// terminal) every 50 ms from this, the calling thread: a signal's exception sets the cancel
/// flag, the blocks in flight finish, and the exception is returned with `work`'s result.
fn cancellable<T: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> T + Send,
) -> (T, Option<PyErr>) {
    let cancel = AtomicBool::new(false);
    py.detach(|| {
        std::thread::scope(|scope| {
            let job = scope.spawn(|| work(&cancel));
            let mut interrupt = None;
            while !job.is_finished() {
                std::thread::sleep(Duration::from_millis(50));
                if interrupt.is_none()
                    && let Err(e) = Python::attach(|py| py.check_signals())
                {
                    cancel.store(true, Ordering::SeqCst);
                    interrupt = Some(e);
                }
            }
            let out = job
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (out, interrupt)
        })
    })
}

/// The exception of an interrupted run: a KeyboardInterrupt saying how far it got (or the
/// signal handler's own exception).
fn interrupted(py: Python<'_>, e: PyErr, done: u64, planned: u64) -> PyErr {
    if e.is_instance_of::<PyKeyboardInterrupt>(py) {
        PyKeyboardInterrupt::new_err(format!(
            "infercast: run cancelled after {done} of {planned} paths (the blocks in flight finished)"
        ))
    } else {
        e
    }
}

/// A folder for the outcome rows of runs kept in memory (temporary files, removed with them).
fn scratch() -> PathBuf {
    std::env::temp_dir()
}

/// A finished run: its summary, outcome rows and manifest, as `infercast run` would write them.
#[pyclass(frozen, module = "infercast._native")]
struct Run {
    analysed: Analysed,
    /// How inconsistent correlations were repaired, if they were.
    #[pyo3(get)]
    warning: Option<String>,
}

#[pymethods]
impl Run {
    /// `summary.json`, as text.
    fn summary_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.analysed.summary).map_err(os_error)
    }

    /// The bytes of one of the run's Parquet tables: `outcomes`, `series`, `targets` or
    /// `assumptions` (as `run --format parquet` writes them).
    fn parquet<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| -> PyResult<Vec<u8>> {
            let a = &self.analysed;
            let mut out = Vec::new();
            match table {
                "outcomes" => {
                    export::parquet::outcomes(a.rows().as_ref(), &a.summary.months, &mut out)
                        .map_err(os_error)?;
                }
                "series" | "targets" | "assumptions" => {
                    let rows = a.rows();
                    let view = RunView {
                        summary: &a.summary,
                        rows: rows.as_ref(),
                    };
                    let mut memory = Memory::default();
                    let mut tables = Tables(&mut memory, table);
                    export::parquet::Parquet
                        .export(&view, &mut tables)
                        .map_err(os_error)?;
                    out = memory.files.pop().map(|(_, b)| b).unwrap_or_default();
                }
                _ => {
                    return Err(PyValueError::new_err(format!(
                        "no table {table:?}: outcomes, series, targets or assumptions"
                    )));
                }
            }
            Ok(out)
        })?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Paths run.
    #[getter]
    fn paths(&self) -> u64 {
        self.analysed.summary.paths
    }

    /// Outcome columns, `path` first.
    #[getter]
    fn columns(&self) -> Vec<String> {
        self.analysed.rows().names().to_vec()
    }

    /// Writes every file of the run into `dir`, as `infercast run --out DIR --format FORMAT`.
    #[pyo3(signature = (dir, format = "csv"))]
    fn write(&self, py: Python<'_>, dir: PathBuf, format: &str) -> PyResult<()> {
        let format = crate::format(format)?;
        py.detach(|| pipeline::write(&dir, &self.analysed, format))
            .map_err(std::io::Error::from)
            .map_err(|e| os_error(format!("cannot write to {}: {e}", dir.display())))
    }
}

/// A sink keeping only the file of one table (`<name>.parquet`), the others skipped unwritten
/// (`outcomes.parquet` is not built for the small tables).
struct Tables<'a>(&'a mut Memory, &'a str);

impl Sink for Tables<'_> {
    fn put(&mut self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        if name.strip_suffix(".parquet") == Some(self.1) {
            self.0.put(name, bytes)?;
        }
        Ok(())
    }

    fn put_with(
        &mut self,
        name: &str,
        write: &mut dyn FnMut(&mut (dyn std::io::Write + Send)) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        if name.strip_suffix(".parquet") == Some(self.1) {
            self.0.put_with(name, write)?;
        }
        Ok(())
    }
}

/// Runs scenario `path` in memory (the GIL released) and returns the run.
#[pyfunction]
#[pyo3(signature = (path, paths = None, seed = None, threads = 0, set = Vec::new(), sampling = None, adapt = false, observations = true))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    path: &str,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: usize,
    set: Vec<(String, String)>,
    sampling: Option<&str>,
    adapt: bool,
    observations: bool,
) -> PyResult<Run> {
    let mut s = load(path, set)?;
    if !observations {
        // The prior forecast: the scenario without its [[observation]]s.
        s.observations.clear();
    }
    let settings = settings(&s, paths, seed, threads, sampling, adapt)?;
    run_scenario(py, &s, &settings)
}

fn run_scenario(py: Python<'_>, s: &Scenario, settings: &Settings) -> PyResult<Run> {
    let (out, interrupt) = cancellable(py, |cancel| {
        pipeline::run_in_memory(&scratch(), s, settings, &Silent, cancel)
            .map_err(std::io::Error::from)
    });
    let (result, analysed) = out.map_err(os_error)?;
    if let Some(e) = interrupt.or_else(|| {
        (!result.complete).then(|| PyKeyboardInterrupt::new_err("infercast: run cancelled"))
    }) {
        return Err(interrupted(py, e, result.tally.paths, settings.paths));
    }
    Ok(Run {
        analysed,
        warning: result.repair.map(|r| format!("{}: {r}", s.name)),
    })
}

/// Scenarios run on common random numbers and compared.
#[pyclass(frozen, module = "infercast._native")]
struct Compare {
    runs: Vec<Py<Run>>,
    scenarios: Vec<Scenario>,
    settings: Settings,
    metrics: Vec<String>,
    comparison: String,
}

#[pymethods]
impl Compare {
    /// `compare.json`, as text.
    fn comparison_json(&self) -> String {
        self.comparison.clone()
    }

    /// Each scenario's run, in order.
    #[getter]
    fn runs(&self, py: Python<'_>) -> Vec<Py<Run>> {
        self.runs.iter().map(|r| r.clone_ref(py)).collect()
    }

    /// Writes each scenario's run into `dir/<name>/` and the comparison into `dir`, as
    /// `infercast compare --out DIR --format FORMAT`.
    #[pyo3(signature = (dir, format = "csv"))]
    fn write(&self, py: Python<'_>, dir: PathBuf, format: &str) -> PyResult<()> {
        let format = crate::format(format)?;
        let runs: Vec<(&Scenario, &Analysed)> = self
            .scenarios
            .iter()
            .zip(&self.runs)
            .map(|(s, r)| (s, &r.get().analysed))
            .collect();
        py.detach(|| {
            pipeline::write_compare(&dir, &runs, &self.settings, format, &self.metrics)
                .map(|_| ())
                .map_err(std::io::Error::from)
        })
        .map_err(|e| os_error(format!("cannot write to {}: {e}", dir.display())))
    }
}

/// Runs every scenario with the same seed, paths and sampling (the first's unless given) and
/// compares them path by path.
#[pyfunction]
#[pyo3(signature = (files, metrics, paths = None, seed = None, threads = 0))]
fn compare(
    py: Python<'_>,
    files: Vec<String>,
    metrics: Vec<String>,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: usize,
) -> PyResult<Compare> {
    let mut scenarios: Vec<Scenario> = Vec::new();
    for (i, p) in files.iter().enumerate() {
        let s = load(p, Vec::new())?;
        if let Some(j) = scenarios.iter().position(|t| t.name == s.name) {
            return Err(ScenarioError::new_err(format!(
                "{} and {} are both called {:?}; give one of them another `name`",
                files[j], files[i], s.name
            )));
        }
        scenarios.push(s);
    }
    if scenarios.len() < 2 {
        return Err(PyValueError::new_err(
            "compare needs at least two scenarios",
        ));
    }
    let settings = settings(&scenarios[0], paths, seed, threads, None, false)?;
    let mut runs = Vec::new();
    for s in &scenarios {
        runs.push(Py::new(py, run_scenario(py, s, &settings)?)?);
    }
    let analysed: Vec<&Analysed> = runs.iter().map(|r| &r.get().analysed).collect();
    let (c, _) = py
        .detach(|| pipeline::comparison(&analysed, &metrics))
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(Compare {
        comparison: serde_json::to_string(&c).map_err(os_error)?,
        scenarios,
        settings,
        runs,
        metrics,
    })
}

/// A stress test's results.
#[pyclass(frozen, module = "infercast._native")]
struct Stress {
    summary: infercast::analysis::StressSummary,
    manifest: infercast::run::Manifest,
}

#[pymethods]
impl Stress {
    /// `stress.json`, as text.
    fn summary_json(&self) -> PyResult<String> {
        serde_json::to_string(&self.summary).map_err(os_error)
    }

    /// `stress-grid.csv` and `stress-series.csv`, as bytes.
    fn csv<'py>(&self, py: Python<'py>, table: &str) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = match table {
            "grid" => export::csv::stress_grid(&self.summary),
            "series" => export::csv::stress_series(&self.summary),
            _ => {
                return Err(PyValueError::new_err(format!(
                    "no table {table:?}: grid or series"
                )));
            }
        }
        .map_err(os_error)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Writes the stress test's files into `dir`, as `infercast stress --out DIR`.
    fn write(&self, py: Python<'_>, dir: PathBuf) -> PyResult<()> {
        py.detach(|| pipeline::write_stress(&dir, &self.summary, &self.manifest))
            .map_err(|e| os_error(format!("cannot write to {}: {e}", dir.display())))
    }
}

/// Stress-tests the scenario's plans over a grid of fee and usage-growth multipliers.
#[pyfunction]
#[pyo3(signature = (path, paths = None, seed = None, threads = 0, set = Vec::new(), grid = Vec::new()))]
fn stress(
    py: Python<'_>,
    path: &str,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: usize,
    set: Vec<(String, String)>,
    grid: Vec<String>,
) -> PyResult<Stress> {
    let mut g = Grid::default();
    for axis in &grid {
        g.set(axis)
            .map_err(|p| PyValueError::new_err(format!("grid: {p}")))?;
    }
    let s = load(path, set)?;
    if s.plans.is_empty() {
        return Err(ScenarioError::new_err(format!(
            "{path} has no [[plan]] to stress-test; see scenarios/subscription-stress.toml"
        )));
    }
    let settings = settings(&s, paths, seed, threads, None, false)?;
    let (out, interrupt) = cancellable(py, |cancel| {
        pipeline::stress_in_memory(&s, &settings, &g, &Silent, cancel)
    });
    let (result, summary, manifest) = out.map_err(os_error)?;
    if let Some(e) = interrupt {
        return Err(interrupted(py, e, result.tally.paths, settings.paths));
    }
    Ok(Stress { summary, manifest })
}

/// `explain`: the median path, as the JSON document of `explain --json` and as text.
#[pyfunction]
#[pyo3(signature = (path, set = Vec::new()))]
fn explain(py: Python<'_>, path: &str, set: Vec<(String, String)>) -> PyResult<(String, String)> {
    let s = load(path, set)?;
    let e = py.detach(|| pipeline::explain(&s));
    let json = infercast::report::text::explain::explain_json(&e);
    Ok((
        serde_json::to_string(&json).map_err(os_error)?,
        infercast::report::text::explain::explain_text(&e),
    ))
}

/// `validate`: the scenario's summary as `infercast validate` prints it, its uncertain inputs
/// (the assumptions table, as JSON), and the warning about repaired correlations, if any.
#[pyfunction]
#[pyo3(signature = (path, set = Vec::new()))]
fn validate(
    path: &str,
    set: Vec<(String, String)>,
) -> PyResult<(String, String, String, Option<String>)> {
    let s = load(path, set)?;
    let text = infercast::report::text::validate::scenario_summary(&s);
    let assumptions = infercast::analysis::assumptions(&s);
    let (_, repair) = infercast::sample::Sampler::new(&s, s.sampling, s.paths);
    Ok((
        s.name.clone(),
        text,
        serde_json::to_string(&assumptions).map_err(os_error)?,
        repair.map(|r| r.to_string()),
    ))
}

#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Run>()?;
    m.add_class::<Compare>()?;
    m.add_class::<Stress>()?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(stress, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    Ok(())
}
