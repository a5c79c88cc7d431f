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


AGE = "overrides.targets.ToPartner/*.max_event_age"
AGES = (300, 540)  # the region's grid rows: the scenario's 5m, and 9m


@pytest.fixture(scope="module")
def brute_force_plane(brute_force):
    """Every integer limit at each of the region's grid ages, run with the plan's seeds (the
    scenario's own age is the one-field brute force)."""
    graph, spec, at_300 = brute_force
    values = tuple(range(LOW, HIGH + 1))
    points = sweep(graph, spec, [Vary(LIMIT, values), Vary(AGE, (540,))], runs=SEEDS,
                   scheduler="inline")  # fmt: skip
    plane = {(p.point[LIMIT], 540): p for p in points}
    return plane | {(x, 300): p for x, p in at_300.items()}


def test_the_feasible_region_is_the_brute_force_region_row_by_row(brute_force, brute_force_plane):
    """Each grid row of the region equals the brute-force feasible set of that row (the band
    of limits widens as events may age longer), the answer is the cheapest feasible point
    judged, and the search runs fewer points than the brute force."""
    from bridgetwin.planning.feasible_region import Field, plan_region
    from bridgetwin.planning.sweep import COST_METRIC, DEPLOYMENT

    graph, spec, _ = brute_force
    goals = [Goal.parse("counts.dlq <= 400")]
    region = plan_region(graph, spec, fields=[Field(LIMIT, LOW, HIGH), Field(AGE, 300, 540)],
                         goals=goals, target="ToPartner/*", runs=SEEDS, points=(9, 2))  # fmt: skip
    rows = dict(region.rows)
    assert sorted(rows) == list(AGES)
    expected = {age: _feasible({x: p for (x, a), p in brute_force_plane.items() if a == age},
                               goals) for age in AGES}  # fmt: skip
    assert all(expected.values()) and expected[300] != expected[540]  # a region, not a band
    for age in AGES:
        assert _covered(rows[age]) == expected[age], age
    judged = {p.value for p in region.probes if p.holds and p.value[1] in AGES}

    def cost(point) -> float:
        return brute_force_plane[point].summary(DEPLOYMENT, COST_METRIC)["mean"]

    assert region.answer in judged or region.answer[1] not in AGES
    if region.answer[1] in AGES:
        assert cost(region.answer) == min(cost(p) for p in judged)
    assert len([p for p in region.probes if p.value[1] in AGES]) < len(brute_force_plane)


def test_plan_with_two_fields_through_the_cli(tmp_path):
    from typer.testing import CliRunner

    from bridgetwin.cli import app

    out = CliRunner().invoke(app, [
        "plan", str(ROOT / "examples/saturation/template.yaml"), "--scenario",
        str(ROOT / "examples/planning/two-crossings.yaml"), "--vary", f"{LIMIT}={LOW}:{HIGH}",
        "--vary", f"{AGE}=3m:9m", "--points", "3", "--seeds", "2", "--goal", "counts.dlq <= 400",
        "--target", "ToPartner/*", "--report", str(tmp_path / "region.html")])  # fmt: skip
    assert out.exit_code in (0, 1), out.output
    assert f"  {AGE} = 180: " in out.output and f"  {AGE} = 540: " in out.output
    assert f"  {AGE} = 360: " in out.output  # --points 3: three rows
    assert ("Answer: " in out.output) == (out.exit_code == 0)
    page = (tmp_path / "region.html").read_text()
    assert "Feasible region" in page and "Evidence: every value judged" in page
    bad = CliRunner().invoke(app, ["plan", str(ROOT / "examples/saturation/template.yaml"),
                                   "--scenario", str(ROOT / "examples/planning/two-crossings.yaml"),
                                   "--vary", f"{LIMIT}=2:30", "--vary", f"{AGE}=3m:9m",
                                   "--goal", "counts.dlq <= 400", "--sensitivity"])  # fmt: skip
    assert bad.exit_code == 2 and "give one --vary with it" in bad.output
    extra = CliRunner().invoke(app, ["plan", str(ROOT / "examples/saturation/template.yaml"),
                                     "--scenario", str(ROOT / "examples/planning/two-crossings.yaml"),
                                     "--vary", f"{LIMIT}=2:30", "--points", "3", "--points", "4",
                                     "--goal", "counts.dlq <= 400"])  # fmt: skip
    assert extra.exit_code == 2 and "--points is given 2 times for 1 --vary field" in extra.output
