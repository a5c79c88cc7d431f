"""``to_frame()``: a run's targets and a sweep's points as pandas DataFrames, each cell equal to
the record it comes from (pandas is a test dependency, not one of bridgetwin's)."""

from __future__ import annotations

import builtins

import pytest

from bridgetwin.planning import Vary
from bridgetwin.planning.sweep import sweep
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import scenario, webhook_graph

pd = pytest.importorskip("pandas")


def test_a_results_frame_has_a_row_per_target_with_its_counts_and_latencies():
    graph = webhook_graph(rate=5)
    result = simulate(graph, load_scenario(scenario("2m", rate=10)))
    frame = result.to_frame()
    assert len(frame) == len(result.targets)
    for (_, row), target in zip(frame.iterrows(), result.targets, strict=True):
        assert (row["rule"], row["target"]) == (target.rule, target.target)
        for name, value in target.counts.items():
            assert row[f"counts.{name}"] == value
        assert row["latency.start.p99"] == pytest.approx(target.latency_ms["start"]["p99"] / 1e3)


def test_a_sweeps_frame_has_a_row_per_point_target_and_metric():
    graph = webhook_graph(rate=5)
    points = sweep(graph, scenario("1m", rate=10), [Vary("traffic.0.rate", (4, 8))], runs=3,
                   scheduler="inline")  # fmt: skip
    frame = points.to_frame()
    assert list(frame.columns[:3]) == ["traffic.0.rate", "target", "metric"]
    for point in points:
        mine = frame[frame["traffic.0.rate"] == point.point["traffic.0.rate"]]
        for _, row in mine.iterrows():
            summary = point.summary(row["target"], row["metric"])
            assert row["seeds"] == summary["n"]
            if summary["mean"] is None:  # no value (the deployment's latency, say): NaN
                assert pd.isna(row["mean"])
            else:
                assert row["mean"] == pytest.approx(summary["mean"])


def test_without_pandas_the_error_says_how_to_get_it(monkeypatch):
    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas here")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    result = simulate(webhook_graph(rate=5), load_scenario(scenario("1m", rate=2)))
    with pytest.raises(ImportError, match="pip install pandas"):
        result.to_frame()
