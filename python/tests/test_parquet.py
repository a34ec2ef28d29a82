"""`run --format both`: pandas (pyarrow) and DuckDB read every Parquet file with no options,
typed, with the same values as the CSV files (and, for the tidy tables, summary.json)."""

import json

import duckdb
import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def both(tmp_path_factory, infercast_cli):
    out = tmp_path_factory.mktemp("both")
    infercast_cli("run", "scenarios/base.toml", "--paths", "1000", "--seed", "4",
                  "--format", "both", "--quiet", "--out", out)
    return out


def as_months(values: pd.Series, months: list) -> pd.Series:
    """Dates (first of the month; missing for never) as the CSV's 1-based month indices."""
    labels = pd.to_datetime(values).dt.strftime("%Y-%m")
    return labels.map({m: i + 1 for i, m in enumerate(months)}).astype("float64")


def test_outcomes_parquet_holds_the_csv_values_typed(both):
    summary = json.loads((both / "summary.json").read_text())
    csv = pd.read_csv(both / "outcomes.csv")
    pq = pd.read_parquet(both / "outcomes.parquet")
    assert list(pq.columns) == list(csv.columns)
    assert pq["path"].dtype == "int64" and (pq["path"] == csv["path"]).all()
    assert pq["revenue_stall"].dtype == bool
    assert pd.api.types.is_float_dtype(pq["collapse_factor"])
    dates = pd.to_datetime(pq["month_100x"])
    assert (dates.dropna().dt.day == 1).all()
    for col in csv.columns:
        ours = pq[col]
        if col.startswith("month_"):
            ours = as_months(ours, summary["months"])
        np.testing.assert_array_equal(ours.astype("float64"), csv[col].astype("float64"), col)

    db = duckdb.sql(f"SELECT * FROM '{both / 'outcomes.parquet'}' ORDER BY path").df()
    db_csv = duckdb.sql(f"SELECT * FROM read_csv('{both / 'outcomes.csv'}') ORDER BY path").df()
    assert list(db.columns) == list(csv.columns)
    described = {r[0]: r[1] for r in
                 duckdb.sql(f"DESCRIBE SELECT * FROM '{both / 'outcomes.parquet'}'").fetchall()}
    assert described["path"] == "BIGINT" and described["month_100x"] == "DATE" and described["revenue_stall"] == "BOOLEAN"
    for col in csv.columns:
        ours = db[col]
        if col.startswith("month_"):
            ours = as_months(ours, summary["months"])
        np.testing.assert_array_equal(ours.astype("float64"), db_csv[col].astype("float64"), col)


def test_series_parquet_holds_the_csv_values(both):
    csv = pd.read_csv(both / "series.csv")
    pq = pd.read_parquet(both / "series.parquet")
    assert list(pq.columns) == ["month", "metric", "statistic", "value"]
    assert (pd.to_datetime(pq["month"]).dt.strftime("%Y-%m") == csv["month"]).all()
    assert (pq["metric"] == csv["metric"]).all() and (pq["statistic"] == csv["statistic"]).all()
    np.testing.assert_array_equal(pq["value"], csv["value"])
    db = duckdb.sql(f"SELECT * FROM '{both / 'series.parquet'}'").df()
    np.testing.assert_array_equal(db["value"], csv["value"])
    assert duckdb.sql(f"SELECT typeof(month) FROM '{both / 'series.parquet'}' LIMIT 1"
                      ).fetchall()[0][0] == "DATE"


def test_targets_and_assumptions_parquet_are_summary_json_as_tables(both):
    summary = json.loads((both / "summary.json").read_text())
    for read in (pd.read_parquet,
                 lambda p: duckdb.sql(f"SELECT * FROM '{p}'").df()):
        targets = read(both / "targets.parquet")
        assert len(targets) == len(summary["targets"]) > 0
        for row, t in zip(targets.to_dict("records"), summary["targets"]):
            assert row["label"] == t["label"] and row["outcome"] == t["outcome"]
            assert row["probability"] == t["probability"] and row["se"] == t["se"]
            assert [row["wilson95_low"], row["wilson95_high"]] == t["wilson95"]
            assert row["successes"] == t["successes"] and row["paths"] == t["paths"]
            assert row["direction"] == ("at_least" if "at_least" in t else "at_most")
            threshold = t.get("at_least", t.get("at_most"))
            if isinstance(threshold, str):
                assert pd.Timestamp(row["threshold_month"]).strftime("%Y-%m") == threshold
            else:
                assert row["threshold"] == threshold
            if t["year"] is None:
                assert pd.isna(row["year"])
            else:
                assert row["year"] == t["year"]
        assert targets["successes"].dtype == "int64"

        assumptions = read(both / "assumptions.parquet")
        assert list(assumptions["input"]) == [a["input"] for a in summary["assumptions"]]
        for row, a in zip(assumptions.to_dict("records"), summary["assumptions"]):
            assert row["distribution"] == a["distribution"]
            # A date has no median or percentiles: null in JSON, NaN from Parquet's null.
            def num(x):
                return None if x is None or x != x else x
            assert ([num(row[k]) for k in ("median", "p5", "p95")]
                    == [num(a[k]) for k in ("median", "p5", "p95")])
            assert (row["source"] if isinstance(row["source"], str) else None) == a["source"]
