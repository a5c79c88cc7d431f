"""``plan`` finds every value where its goals hold, not only one crossing: on a deployment whose
DLQ goal holds only in a middle band of rate limits (examples/planning/two-crossings.yaml), its
feasible set equals the brute-force set of every integer in the range judged with the same seeds,
for one goal and for two goals ANDed; when nothing is feasible it names the nearest points."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bridgetwin.graph import load_graph
from bridgetwin.planning import Vary
from bridgetwin.planning.feasible_search import plan
from bridgetwin.planning.goal import Goal
from bridgetwin.planning.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
LIMIT = "overrides.api_destinations.PartnerWebhook.rate_limit"
LOW, HIGH, SEEDS = 2, 30, 3


@pytest.fixture(scope="module")
def brute_force():
    """Every integer limit in the range, run with the plan's seeds."""
    graph = load_graph(str(ROOT / "examples/saturation/template.yaml"))
    spec = yaml.safe_load((ROOT / "examples/planning/two-crossings.yaml").read_text())
    values = tuple(range(LOW, HIGH + 1))
    points = sweep(graph, spec, [Vary(LIMIT, values)], runs=SEEDS, scheduler="inline")
    return graph, spec, dict(zip(values, points, strict=True))


def _feasible(points, goals) -> set[int]:
    return {v for v, p in points.items() if all(g.judge(p, "ToPartner/*")[0] for g in goals)}


def _covered(intervals) -> set[int]:
    return {v for a, b in intervals for v in range(int(a), int(b) + 1)}


@pytest.mark.parametrize(
    "goals",
    [["counts.dlq <= 400"], ["counts.dlq <= 400", "latency.start.p99 <= 2m"],
     ["counts.dlq <= 1000", "latency.start.p99 <= 5m"]],
    ids=["one-goal", "two-goals", "wide-band"],
)  # fmt: skip
def test_the_feasible_set_is_the_brute_force_set(brute_force, goals):
    graph, spec, points = brute_force
    parsed = [Goal.parse(g) for g in goals]
    expected = _feasible(points, parsed)
    assert expected and min(expected) > LOW and max(expected) < HIGH  # two crossings to find
    found = plan(graph, spec, vary=LIMIT, low=LOW, high=HIGH, goals=parsed, target="ToPartner/*",
                 runs=SEEDS)  # fmt: skip
    assert _covered(found.intervals) == expected
    assert found.answer == min(expected)
    assert len(found.probes) < HIGH - LOW + 1  # fewer runs than the brute force


def test_when_nothing_is_feasible_the_closest_points_are_named(brute_force):
    graph, spec, points = brute_force
    goal = Goal.parse("counts.dlq <= 100")
    assert not _feasible(points, [goal])
    found = plan(graph, spec, vary=LIMIT, low=LOW, high=HIGH, goals=[goal], target="ToPartner/*",
                 runs=SEEDS)  # fmt: skip
    assert found.answer is None and found.intervals == []
    probed = {p.value for p in found.probes}
    nearest = min(probed, key=lambda v: points[int(v)].summary("ToPartner/Partner",
                                                                "counts.dlq")["ci_high"])  # fmt: skip
    assert found.closest[0].value == nearest
    assert set(found.closest[0].misses) == {"counts.dlq <= 100"}
