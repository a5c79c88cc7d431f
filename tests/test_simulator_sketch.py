"""Latency percentiles of long series come from a DDSketch within its documented bound."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.simulator.results import statistics
from bridgetwin.simulator.results.statistics import (
    EXACT_SAMPLES,
    PERCENTILES,
    RELATIVE_ACCURACY,
    LatencySamples,
)

SHAPES = {
    "lognormal": lambda rng, n: rng.lognormal(np.log(0.05), 1.0, n),
    "with zeros": lambda rng, n: np.where(rng.random(n) < 0.3, 0.0, rng.exponential(2.0, n)),
    "two modes": lambda rng, n: np.where(rng.random(n) < 0.97, 0.02, 45.0) * rng.uniform(1, 1.1, n),
    "wide": lambda rng, n: 10 ** rng.uniform(-4, 5, n),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_sketched_percentiles_are_within_the_relative_bound(shape):
    """Each reported percentile lies within RELATIVE_ACCURACY of the exact samples around its
    rank (numpy's interpolated percentile lies between the same two samples); mean and max are
    exact."""
    rng = np.random.default_rng(7)
    values = SHAPES[shape](rng, 3 * EXACT_SAMPLES)
    samples = LatencySamples()
    for chunk in np.array_split(values, 97):
        samples.extend(chunk)
    for value in values[:100]:
        samples.append(float(value))  # the one-at-a-time path too
    values = np.concatenate((values, values[:100]))
    assert samples.sketched and len(samples) == len(values)
    got = samples.summary()
    ordered = np.sort(values)
    for p in PERCENTILES:
        rank = (len(ordered) - 1) * p / 100
        low, high = ordered[int(rank)], ordered[min(int(rank) + 1, len(ordered) - 1)]
        assert low * (1 - RELATIVE_ACCURACY) <= got[f"p{p}"] / 1e3 <= high * (1 + RELATIVE_ACCURACY)
    assert got["mean"] == pytest.approx(values.mean() * 1e3, rel=1e-9)
    assert got["max"] == values.max() * 1e3


def test_short_series_stay_exact():
    values = np.random.default_rng(3).exponential(1.0, 1000)
    samples = LatencySamples()
    samples.extend(values)
    assert not samples.sketched
    expected = np.percentile(values, PERCENTILES) * 1e3
    got = samples.summary()
    assert [got[f"p{p}"] for p in PERCENTILES] == pytest.approx(expected.tolist(), rel=1e-12)


def test_a_long_run_says_its_percentiles_are_sketched(monkeypatch):
    from bridgetwin.simulator import load_scenario, simulate
    from tests._templates import scenario, webhook_graph

    monkeypatch.setattr(statistics, "EXACT_SAMPLES", 500)
    result = simulate(webhook_graph(), load_scenario(scenario("2m", rate=10)))
    assert any("come from a DDSketch" in a and "Rule/Api" in a for a in result.assumptions)
    short = simulate(webhook_graph(), load_scenario(scenario("20s", rate=10)))
    assert not any("DDSketch" in a for a in short.assumptions)
