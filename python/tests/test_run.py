"""`infercast.run` and friends against the command line: the same numbers, the same files."""

import _thread
import json
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest

import infercast
from conftest import files

TINY = "tests/fixtures/tiny.toml"
BASE = "scenarios/base.toml"


def month_index(dates: pd.Series, months: list) -> pd.Series:
    """Dates (first of the month; NaT for never) back to the CSV's 1-based month indices."""
    labels = pd.to_datetime(dates).dt.strftime("%Y-%m")
    index = {m: i + 1 for i, m in enumerate(months)}
    return labels.map(index).astype("float64")


def test_python_run_is_the_cli_run_number_for_number(tmp_path, root, infercast_cli):
    # The base scenario with an override, on the same seed and paths: summary.json equal, and
    # every file of .write() byte-identical to the command line's (data, charts, report).
    set_cli = ["--set", "hardware.Rubin.delay_months=12"]
    infercast_cli("run", BASE, "--paths", "700", "--seed", "11", *set_cli,
                  "--format", "both", "--quiet", "--out", tmp_path / "cli")
    r = infercast.run(root / BASE, paths=700, seed=11, threads=2,
                      set={"hardware.Rubin.delay_months": 12})
    cli = tmp_path / "cli"
    assert r.summary == json.loads((cli / "summary.json").read_text())
    assert r.paths == 700 and len(r.outcomes) == 700
    r.write(tmp_path / "py", format="both")
    ours, theirs = files(tmp_path / "py"), files(cli)
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], f"{name} differs"

    # The DataFrames hold the CSV's numbers.
    csv = pd.read_csv(cli / "outcomes.csv")
    assert list(r.outcomes.columns) == list(csv.columns)
    months = r.summary["months"]
    for col in csv.columns:
        ours = r.outcomes[col]
        if col.startswith("month_"):
            ours = month_index(ours, months)
        np.testing.assert_array_equal(ours.astype("float64"), csv[col].astype("float64"), col)
    series = pd.read_csv(cli / "series.csv")
    assert (r.series["month"].dt.strftime("%Y-%m") == series["month"]).all()
    assert (r.series["metric"] == series["metric"]).all()
    np.testing.assert_array_equal(r.series["value"], series["value"])
    assert r.series.attrs["units"]["price_blended"] == "$ per million tokens"
    assert r.outcomes.attrs["units"]["revenue.OpenAI.2030"] == "$ per year"
    targets = r.summary["targets"]
    assert list(r.targets["label"]) == [t["label"] for t in targets]
    np.testing.assert_array_equal(r.targets["probability"], [t["probability"] for t in targets])
    assert list(r.targets["successes"]) == [t["successes"] for t in targets]
    assert len(r.assumptions) == len(r.summary["assumptions"])


def test_threads_and_observations(root):
    one = infercast.run(root / TINY, paths=200, seed=3, threads=1)
    two = infercast.run(root / TINY, paths=200, seed=3, threads=2, rows=False)
    assert one.summary == two.summary
    assert two.outcomes is None
    pd.testing.assert_frame_equal(one.series, two.series)


def test_scenario_errors_raise_with_the_located_text(tmp_path, root):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{root / TINY}"\nname = "bad"\n[capability]\npacee = 1.0\n')
    with pytest.raises(infercast.ScenarioError) as e:
        infercast.run(bad)
    text = str(e.value)
    assert "unknown key `pacee`" in text
    assert f"{bad}:4:1" in text and "did you mean `pace`?" in text
    with pytest.raises(infercast.ScenarioError, match="names no input"):
        infercast.validate(root / TINY, set={"capability.nonsense": 1})
    with pytest.raises(ValueError):  # ScenarioError is a ValueError
        infercast.explain(tmp_path / "missing.toml")


def test_ctrl_c_cancels_the_run_cleanly(root):
    # KeyboardInterrupt half a second in, as Ctrl-C in a notebook: the run's cancel flag
    # is set, the blocks in flight finish, and the exception comes out promptly (100,000
    # paths would take minutes). Python's own SIGINT handler is installed for the test: a
    # process started in the background by a shell ignores SIGINT, and then Python has none.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.5, _thread.interrupt_main)
        start = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt, match="cancelled after"):
            infercast.run(root / BASE, paths=100_000, threads=2)
        assert time.monotonic() - start < 20
    finally:
        signal.signal(signal.SIGINT, previous)
    # The library is usable afterwards.
    assert infercast.run(root / TINY, paths=64).paths == 64


def test_the_gil_is_released_while_paths_run(root):
    ticks = 0
    done = threading.Event()

    def work():
        infercast.run(root / BASE, paths=2000, threads=1, rows=False)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    while not done.is_set():
        ticks += 1
        time.sleep(0.01)
    t.join()
    assert ticks > 20, ticks


def test_compare_stress_explain_validate_match_the_cli(tmp_path, root, infercast_cli):
    a, b = root / "scenarios/base.toml", root / "scenarios/rubin-slip.toml"
    infercast_cli("compare", a, b, "--paths", "256", "--seed", "5", "--quiet",
                  "--out", tmp_path / "cli")
    c = infercast.compare([a, b], paths=256, seed=5)
    assert c.summary == json.loads((tmp_path / "cli" / "compare.json").read_text())
    assert set(c.targets["scenario"]) == {"base", "rubin-slip"}
    assert {"mean", "se", "ci95_low", "ci95_high", "pairs"} <= set(c.differences.columns)
    c.write(tmp_path / "py")
    for sub in ["", "base", "rubin-slip"]:
        ours, theirs = files(tmp_path / "py" / sub), files(tmp_path / "cli" / sub)
        assert ours.keys() == theirs.keys()
        assert all(ours[n] == theirs[n] for n in theirs), sub

    plans = root / "scenarios/subscription-stress.toml"
    infercast_cli("stress", plans, "--paths", "64", "--grid", "fee=0.5:2:4", "--quiet",
                  "--out", tmp_path / "stress")
    s = infercast.stress(plans, paths=64, grid={"fee": (0.5, 2, 4)})
    assert s.summary == json.loads((tmp_path / "stress" / "stress.json").read_text())
    pd.testing.assert_frame_equal(s.grid, pd.read_csv(tmp_path / "stress" / "stress-grid.csv"))
    s.write(tmp_path / "stress-py")
    assert files(tmp_path / "stress-py") == files(tmp_path / "stress")

    e = infercast.explain(a, set={"hardware.Rubin.delay_months": 6})
    cli_json = infercast_cli("explain", a, "--json", "--set", "hardware.Rubin.delay_months=6")
    assert e.summary == json.loads(cli_json)
    assert e.text == infercast_cli("explain", a, "--set", "hardware.Rubin.delay_months=6")
    assert {"date", "event"} <= set(e.timeline.columns)

    v = infercast.validate(a, set={"vendor.DeepSeek.launch_price":
                                   {"dist": "uniform", "low": 0.1, "high": 0.3}})
    printed = infercast_cli("validate", a, "--set",
                            'vendor.DeepSeek.launch_price={ dist = "uniform", low = 0.1, high = 0.3 }')
    assert printed == f"{a}: valid\n" + v.text
    assert v.name == "base"
    row = v.assumptions.set_index("input").loc["vendor.DeepSeek.launch_price"]
    assert row["distribution"].startswith("uniform")


def test_set_takes_numbers_dicts_and_toml_text(root):
    def described(value):
        return infercast.validate(root / BASE, set={"vendor.DeepSeek.launch_price": value}).text

    as_text = described('{ dist = "lognormal", median = 0.14, p90 = 0.3 }')
    assert described({"dist": "lognormal", "median": 0.14, "p90": 0.3}) == as_text
    assert described(np.float64(0.2)) == described(0.2) == described("0.2")
    delay = "hardware.Rubin.delay_months"
    assert (infercast.validate(root / BASE, set={delay: np.int64(12)}).text
            == infercast.validate(root / BASE, set={delay: 12}).text)


def test_observations_condition_the_run_as_the_cli_does(tmp_path, root, infercast_cli):
    # observed.toml conditioned (the default) is the command line's run; observations=False is
    # the prior forecast, whose target probabilities are the conditioned run's prior figures
    # (the same paths, unweighted).
    observed = "scenarios/observed.toml"
    infercast_cli("run", observed, "--paths", "256", "--seed", "5", "--quiet",
                  "--out", tmp_path / "cli")
    r = infercast.run(root / observed, paths=256, seed=5)
    assert r.summary == json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert r.summary["conditioning"]["ess"] < 256
    assert abs(r.outcomes["weight"].sum() - 1.0) < 1e-9
    prior = infercast.run(root / observed, paths=256, seed=5, observations=False)
    assert prior.summary.get("conditioning") is None
    assert "weight" not in prior.outcomes.columns
    assert [t["probability"] for t in prior.summary["targets"]] == [
        t["probability"] for t in r.summary["prior"]["targets"]
    ]


def test_flat_tables_load_in_pandas_with_no_options(tmp_path, infercast_cli):
    # targets.csv, assumptions.csv and columns.csv as an analyst opens them: no options.
    infercast_cli("run", BASE, "--paths", "200", "--quiet", "--out", tmp_path / "run")
    run = tmp_path / "run"
    targets = pd.read_csv(run / "targets.csv")
    assert targets["probability"].dtype == "float64"
    assert targets["probability"].between(0, 1).all()
    assumptions = pd.read_csv(run / "assumptions.csv")
    assert {"uncertain", "fixed", "date"} <= set(assumptions["kind"])
    assert assumptions["median"].dtype == "float64"
    columns = pd.read_csv(run / "columns.csv")
    outcomes = pd.read_csv(run / "outcomes.csv")
    described = set(columns.loc[columns["file"] == "outcomes.csv", "column"])
    assert set(outcomes.columns) <= described
