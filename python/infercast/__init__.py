"""infercast from Python: the same library as the command line (no second model, no
subprocess), with results as pandas DataFrames and dicts.

    import infercast
    r = infercast.run("scenarios/base.toml", paths=2000, seed=7)
    r.targets        # one row per [[target]]: probability, se, Wilson interval, successes
    r.outcomes       # one row per path: inputs drawn, scalars, annual figures
    r.series         # monthly quantiles, tidy: month, metric, statistic, value
    r.assumptions    # every input and date: kind, distribution, median, P5, P95, source
    r.summary        # the dict of summary.json
    r.write("output/base")   # the usual files (format="csv", "parquet" or "both")

Units: ``df.attrs["units"]`` maps a column (``outcomes``) or a metric (``series``) to its
unit. Months are dates (the first day of the month; NaT where an event never came).

Paths run in parallel with the GIL released; Ctrl-C (KeyboardInterrupt) cancels a run
cleanly: the blocks in flight finish, then KeyboardInterrupt is raised. A scenario error
raises :class:`ScenarioError`, whose message is the located error text.
"""

from __future__ import annotations

import io
import json
import numbers
import os
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import _native
from ._native import ScenarioError

__all__ = [
    "run",
    "compare",
    "stress",
    "explain",
    "validate",
    "Run",
    "Comparison",
    "StressTest",
    "Explanation",
    "Scenario",
    "ScenarioError",
]
__version__ = _native.__version__

PathLike = Union[str, "os.PathLike[str]"]
Value = Union[int, float, str, Mapping[str, Any]]


def _toml(value: Any) -> str:
    """A ``--set`` value as TOML text: a number, or a dict as an inline distribution."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):  # numpy numbers too
        return repr(float(value))
    if isinstance(value, str):
        return value  # already TOML, e.g. '{ dist = "normal", mean = 6, sd = 2 }'
    if isinstance(value, Mapping):
        items = ", ".join(f"{k} = {_toml_item(v)}" for k, v in value.items())
        return "{ " + items + " }"
    raise TypeError(f"cannot set an input to {value!r}: give a number, a dict or TOML text")


def _toml_item(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_item(v) for v in value) + "]"
    return _toml(value)


def _overrides(set: Optional[Mapping[str, Value]]) -> list:
    return [(name, _toml(v)) for name, v in (set or {}).items()]


def _table(data: bytes) -> pd.DataFrame:
    """A Parquet table as a DataFrame: dates as datetime64, units in ``attrs["units"]``."""
    table = pq.read_table(pa.BufferReader(data))
    df = table.to_pandas(date_as_object=False)
    units = {}
    for f in table.schema:
        if f.metadata and b"unit" in f.metadata:
            units[f.name] = f.metadata[b"unit"].decode()
    meta = table.schema.metadata or {}
    if b"units" in meta:
        units.update(json.loads(meta[b"units"]))
    df.attrs["units"] = units
    return df


class Run:
    """A finished run: what ``infercast run`` writes, in memory."""

    def __init__(self, native: "_native.Run", rows: bool = True):
        self._native = native
        self.summary: dict = json.loads(native.summary_json())
        self.targets: pd.DataFrame = _table(native.parquet("targets"))
        self.series: pd.DataFrame = _table(native.parquet("series"))
        self.assumptions: pd.DataFrame = _table(native.parquet("assumptions"))
        self.outcomes: Optional[pd.DataFrame] = (
            _table(native.parquet("outcomes")) if rows else None
        )
        #: How inconsistent correlations were repaired, if they were.
        self.warning: Optional[str] = native.warning

    @property
    def paths(self) -> int:
        return self._native.paths

    def write(self, dir: PathLike, format: str = "csv") -> None:
        """Writes every file of the run into ``dir``, byte for byte as
        ``infercast run --out DIR --format FORMAT`` (``csv``, ``parquet`` or ``both``)."""
        self._native.write(os.fspath(dir), format)

    def __repr__(self) -> str:
        s = self.summary
        return f"<infercast.Run {s['scenario']!r}: {s['paths']} paths, seed {s['seed']}>"


def run(
    path: PathLike,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    set: Optional[Mapping[str, Value]] = None,
    observations: bool = True,
    sampling: Optional[str] = None,
    adapt: bool = False,
    rows: bool = True,
) -> Run:
    """Runs scenario ``path`` as ``infercast run`` does, with the same numbers.

    ``paths``, ``seed`` and ``sampling`` (``"random"`` or ``"lhs"``) default to the
    scenario's; ``threads=0`` uses one per core (results do not depend on it). ``set``
    overrides inputs by dotted name, as ``--set``: a number, a dict
    (``{"dist": "normal", "mean": 6, "sd": 2}``) or TOML text. ``observations=True``
    conditions the forecast on the scenario's ``[[observation]]`` entries, as the command line
    does; ``observations=False`` gives the prior forecast, as if it had none. ``adapt=True``
    is ``--adapt`` (adaptive importance sampling of a conditioned run). ``rows=False`` leaves
    out the per-path table (``.outcomes`` is None; it is still written by ``.write``).
    """
    native = _native.run(
        os.fspath(path),
        paths,
        seed,
        threads,
        _overrides(set),
        sampling,
        adapt,
        observations,
    )
    return Run(native, rows)


class Comparison:
    """Scenarios run on common random numbers, compared path by path."""

    def __init__(self, native: "_native.Compare"):
        self._native = native
        self.summary: dict = json.loads(native.comparison_json())
        self.runs: dict = {
            name: Run(r, rows=False)
            for name, r in zip(self.summary["scenarios"], native.runs)
        }
        rows = []
        for t in self.summary["targets"]:
            for name, p in zip(self.summary["scenarios"], t["probabilities"]):
                if p is not None:
                    low, high = p["wilson95"]
                    rows.append(
                        {"label": t["label"], "scenario": name, "probability": p["probability"],
                         "se": p["se"], "wilson95_low": low, "wilson95_high": high,
                         "successes": p["successes"], "paths": p["paths"]}
                    )
        self.targets = pd.DataFrame(rows)
        self.differences = pd.DataFrame(
            [{k: v for k, v in d.items() if k != "ci95"} | _interval(d.get("ci95"))
             for d in self.summary["differences"]]
        )

    def write(self, dir: PathLike, format: str = "csv") -> None:
        """Writes each run into ``dir/<name>/`` and the comparison into ``dir``, as
        ``infercast compare --out DIR``."""
        self._native.write(os.fspath(dir), format)

    def __repr__(self) -> str:
        return f"<infercast.Comparison {' vs '.join(self.summary['scenarios'])}>"


def _interval(ci) -> dict:
    if ci is None:
        return {}
    return {"ci95_low": ci[0], "ci95_high": ci[1]}


_DEFAULT_METRICS = ["cost_per_task_ref", "price_blended", "tokens_total", "revenue_total"]


def compare(
    files: Sequence[PathLike],
    metrics: Optional[Iterable[str]] = None,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
) -> Comparison:
    """Runs every scenario with the same seed, paths and sampling (the first scenario's
    unless given) and compares them, as ``infercast compare``."""
    files = [os.fspath(p) for p in files]
    metrics = list(metrics) if metrics is not None else list(_DEFAULT_METRICS)
    return Comparison(_native.compare(files, metrics, paths, seed, threads))


class StressTest:
    """Subscription plans against the simulated cost and usage paths (``infercast stress``)."""

    def __init__(self, native: "_native.Stress"):
        self._native = native
        self.summary: dict = json.loads(native.summary_json())
        self.grid = pd.read_csv(io.BytesIO(native.csv("grid")))
        self.series = pd.read_csv(io.BytesIO(native.csv("series")))

    def write(self, dir: PathLike) -> None:
        """Writes the stress test's files into ``dir``, as ``infercast stress --out DIR``."""
        self._native.write(os.fspath(dir))


def stress(
    path: PathLike,
    paths: Optional[int] = None,
    seed: Optional[int] = None,
    threads: int = 0,
    set: Optional[Mapping[str, Value]] = None,
    grid: Optional[Mapping[str, Union[str, Sequence[float]]]] = None,
) -> StressTest:
    """Stress-tests the scenario's ``[[plan]]`` entries, as ``infercast stress``. ``grid``
    maps ``fee`` and/or ``usage_growth`` to ``"LO:HI:N"`` (or a ``(lo, hi, n)`` tuple)."""
    axes = []
    for name, spec in (grid or {}).items():
        if not isinstance(spec, str):
            lo, hi, n = spec
            spec = f"{lo}:{hi}:{int(n)}"
        axes.append(f"{name}={spec}")
    return StressTest(
        _native.stress(os.fspath(path), paths, seed, threads, _overrides(set), axes)
    )


class Explanation:
    """One path at the medians, explained (``infercast explain``)."""

    def __init__(self, document: str, text: str):
        self.summary: dict = json.loads(document)
        self.text = text
        self.timeline = pd.DataFrame(self.summary.get("timeline", []))
        self.quarters = pd.json_normalize(self.summary.get("quarters", []))

    def __repr__(self) -> str:
        return self.text


def explain(path: PathLike, set: Optional[Mapping[str, Value]] = None) -> Explanation:
    """The median path of a scenario: timeline, quarterly table, and the collapse factor split
    into hardware, efficiency, competition and on-device (``.summary`` is ``explain --json``)."""
    return Explanation(*_native.explain(os.fspath(path), _overrides(set)))


class Scenario:
    """A valid scenario, as ``infercast validate`` describes it."""

    def __init__(self, name: str, text: str, assumptions: str, warning: Optional[str]):
        self.name = name
        self.text = text
        self.assumptions = pd.DataFrame(json.loads(assumptions))
        self.warning = warning

    def __repr__(self) -> str:
        return self.text


def validate(path: PathLike, set: Optional[Mapping[str, Value]] = None) -> Scenario:
    """Checks a scenario file; raises :class:`ScenarioError` with every problem found."""
    return Scenario(*_native.validate(os.fspath(path), _overrides(set)))
