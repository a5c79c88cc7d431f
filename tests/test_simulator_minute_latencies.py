"""Latency percentiles minute by minute, and the run's latency distribution.

Checked against exact percentiles computed here with numpy (the lower sample at rank q(n-1), as
the histograms define them): on latencies spread over minutes, across batch boundaries and at
the 1 ms floor, and on runs of both lane paths, where the exact latencies come from the lanes'
own trace of every request (ingestion and start times).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from bridgetwin.simulator.results.minute_latencies import FLOOR, MinuteLatencies
from tests._templates import scenario, webhook_template

ACCURACY = 0.0101  # 1 % plus floating-point slack at a bucket's edge


def exact(values: np.ndarray, levels) -> list[float]:
    return [float(np.percentile(values, q, method="lower")) for q in levels]


def assert_close(found: list[float | None], expected: list[float]) -> None:
    for got, want in zip(found, expected, strict=True):
        want_ms = max(want, FLOOR) * 1e3
        assert got == pytest.approx(want_ms, rel=ACCURACY if want > FLOOR * 1.03 else 0.03)


def test_per_minute_percentiles_and_quantiles_match_the_exact_ones():
    rng = np.random.default_rng(7)
    at = np.sort(rng.uniform(0, 600, 200_000))  # 10 minutes, more than one batch
    latencies = rng.lognormal(mean=np.log(0.2) + at / 300, sigma=1.2)  # slower over time
    latencies[::997] = 0.0  # some at the floor
    series = MinuteLatencies(600)
    for chunk in np.array_split(np.arange(len(at)), 7):
        series.extend(at[chunk[:-10]], latencies[chunk[:-10]])
        for i in chunk[-10:]:  # the per-event path too
            series.append(float(at[i]), float(latencies[i]))
    per_minute = series.per_minute(11)
    for minute in range(10):
        inside = latencies[(at // 60) == minute]
        found = [per_minute[p][minute] for p in ("p50", "p90", "p99")]
        assert_close(found, exact(inside, (50, 90, 99)))
    assert per_minute["p99"][10] is None  # a minute without latencies
    assert_close(series.quantiles(), exact(latencies, range(101)))
    assert series.quantiles()[0] == FLOOR * 1e3


def test_a_minute_whose_span_grows_keeps_its_earlier_counts():
    series = MinuteLatencies(120)
    series.extend(np.full(3, 10.0), np.array([1.0, 1.0, 1.0]))
    series.per_minute(1)  # binned: the minute's histogram spans one bucket
    series.extend(np.full(2, 20.0), np.array([0.01, 100.0]))  # below and above it
    assert series.per_minute(1)["p50"] == [pytest.approx(1000.0, rel=ACCURACY)]
    assert series.quantiles()[100] == pytest.approx(100_000.0, rel=ACCURACY)
    assert series.quantiles()[0] == pytest.approx(10.0, rel=ACCURACY)
    assert MinuteLatencies(60).quantiles() is None


@pytest.mark.parametrize(
    ("rate", "limit"),
    [(4, 2), (120, 100)],  # one event at a time; requests started in blocks
    ids=["per-event", "blocks"],
)
def test_a_runs_minutes_match_the_lanes_trace(rate, limit):
    """A rate limit below the arrival rate: the backlog and the latencies grow minute by
    minute. Endpoint and processing latency are 0, so success is at the start."""
    sim = Simulation(load_graph(webhook_template(rate=limit)), load_scenario(scenario("10m", rate)))
    (lane,) = sim.model.lanes
    lane.trace = []
    (target,) = sim.run().targets
    trace = np.array(lane.trace)
    starts, ingest = trace[:, 1], trace[:, 2]
    inside = starts < 600
    latencies, minutes = (starts - ingest)[inside], (starts[inside] // 60).astype(int)
    assert target.counts["retries"] == 0 and len(latencies) == target.counts["attempts"]
    for kind in ("start", "success", "complete"):  # requests take no time: all three agree
        series = target.latency_ms_per_minute[kind]
        assert len(series["p99"]) == 10
        for minute in range(10):
            found = [series[p][minute] for p in ("p50", "p90", "p99")]
            assert_close(found, exact(latencies[minutes == minute], (50, 90, 99)))
    for kind in ("start", "success"):
        assert_close(target.latency_ms_quantiles[kind], exact(latencies, range(101)))
    # The fluid picture: an event starting at t arrived when the limit had served as many as
    # the arrivals so far, at t * limit / rate, so it waited t * (1 - limit / rate).
    p50 = target.latency_ms_per_minute["start"]["p50"]
    for minute in range(3, 10):
        middle = 60 * minute + 30
        assert p50[minute] / 1e3 == pytest.approx(middle * (1 - limit / rate), rel=0.1)
    assert target.latency_ms_quantiles["start"][99] == pytest.approx(
        target.latency_ms["start"]["p99"], rel=2 * ACCURACY
    )  # the run's p99 from the per-minute histograms agrees with the run's own


def test_the_result_json_carries_the_series():
    result = Simulation(load_graph(webhook_template()), load_scenario(scenario("3m", 2))).run()
    (target,) = result.to_dict()["targets"]
    assert set(target["latency_ms_per_minute"]) == {"start", "success", "complete"}
    assert len(target["latency_ms_quantiles"]["start"]) == 101
    assert not any(math.isnan(v) for v in target["latency_ms_quantiles"]["success"])


def test_leaving_latency_by_minute_out_changes_nothing_else():
    """Sweeps run without the per-minute series: the rest of the result is the same run's."""
    graph, spec = load_graph(webhook_template(rate=2)), load_scenario(scenario("5m", 4))
    full = simulate(graph, spec).to_dict()
    lean = simulate(graph, spec, latency_by_minute=False).to_dict()
    for target in lean["targets"]:
        assert target.pop("latency_ms_per_minute") == {"start": {}, "success": {}, "complete": {}}
        assert target.pop("latency_ms_quantiles") == {"start": None, "success": None}
    for target in full["targets"]:
        assert target.pop("latency_ms_per_minute")["start"]["p99"]
        target.pop("latency_ms_quantiles")
    assert lean == full
