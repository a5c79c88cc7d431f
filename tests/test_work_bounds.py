"""Bounded work: every way a scenario or a command could ask for unbounded work is refused
before any of it starts, with the estimate in the message and the way to raise the bound; and
inputs that contradict themselves are refused rather than simulated."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import load_graph
from bridgetwin.planning import PlanningError, Vary
from bridgetwin.planning.grid import check_runs, grid
from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from bridgetwin.simulator.aws.schedules import ScheduleError, firing_times
from tests._templates import EVENT, webhook_graph

SATURATION = ["examples/saturation/template.yaml", "--scenario",
              "examples/planning/webhook-outage.yaml"]  # fmt: skip


def scheduled(expression: str) -> dict:
    return {"Resources": {
        "Q": {"Type": "AWS::SQS::Queue"},
        "Tick": {"Type": "AWS::Events::Rule", "Properties": {
            "ScheduleExpression": expression,
            "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Q", "Arn"]}}]}}}}  # fmt: skip


def test_a_schedule_firing_every_minute_for_a_century_is_refused_with_the_estimate():
    century = {"duration": f"{100 * 365}d"}
    with pytest.raises(ScenarioError, match="the schedules could fire about 52,560,001 times"):
        simulate(load_graph(scheduled("cron(* * * * ? *)")), load_scenario(century))
    with pytest.raises(ScenarioError, match="raise max_firings"):
        simulate(load_graph(scheduled("rate(1 minute)")), load_scenario(century))


@pytest.mark.parametrize(("expression", "right"), [
    ("rate(1 minutes)", "rate(1 minute)"), ("rate(2 minute)", "rate(2 minutes)"),
    ("rate(1 hours)", "rate(1 hour)"),
])  # fmt: skip
def test_rate_units_are_written_as_aws_wants(expression, right):
    from datetime import UTC, datetime

    with pytest.raises(ScheduleError, match=rf"write {re.escape(right)}"):
        firing_times(expression, datetime(2026, 1, 5, tzinfo=UTC), 3600)


def test_a_sweep_asking_for_a_million_runs_is_refused_before_any_point_is_built():
    varies = [Vary.parse("traffic.0.rate=1:1000:1"), Vary.parse("seed=1:1000:1")]
    with pytest.raises(PlanningError, match=r"1,000,000 point\(s\) x 5 seed\(s\) = 5,000,000"):
        check_runs(varies, 5, 10_000)
    with pytest.raises(PlanningError, match="more than 10,000; use a larger STEP"):
        Vary.parse("seed=1:1000000000:1")
    out = CliRunner().invoke(app, ["sweep", *SATURATION, "--vary", "seed=1:200:1",
                                   "--seeds", "100", "--scheduler", "inline"])  # fmt: skip
    assert out.exit_code == 2 and "raise --max-runs" in out.output


def test_varying_one_path_twice_is_refused():
    with pytest.raises(PlanningError, match="seed varied twice"):
        grid({"seed": 1}, [Vary.parse("seed=1,2"), Vary.parse("seed=3")])


@pytest.mark.parametrize(("args", "message"), [
    (["--seeds", "1000000000000"], "Invalid value for '--seeds'"),
    (["--workers", "1000"], "Invalid value for '--workers'"),
])  # fmt: skip
def test_seeds_and_workers_are_bounded(args, message):
    out = CliRunner().invoke(app, ["sweep", *SATURATION, "--vary", "seed=1,2", *args])
    assert out.exit_code == 2 and message in out.output


@pytest.mark.parametrize(("capacity", "message"), [
    ({"concurrency": 10**12}, "less than or equal to 100000"),
    ({"concurrency": 4, "queue": 0, "when_full": 200}, "would acknowledge requests"),
])  # fmt: skip
def test_endpoint_capacities_that_cannot_be_are_refused(capacity, message):
    spec = {"duration": "1m", "traffic": [{"bus": "orders", "rate": 1, "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "capacity": capacity}]}  # fmt: skip
    with pytest.raises(ScenarioError, match=message):
        simulate(webhook_graph(), load_scenario(spec))


def test_a_goal_is_one_finite_bound_and_each_repeated_goal_is_checked():
    from bridgetwin.planning.goal import Goal

    for text in ("counts.dlq <= nan", "counts.dlq <= inf", "latency.start.p99 <= xs"):
        with pytest.raises(PlanningError, match="--goal"):
            Goal.parse(text)
    out = CliRunner().invoke(app, ["plan", *SATURATION, "--vary", "seed=1:2",
                                   "--goal", "counts.dlq <= 0", "--goal", "counts.dlq <= nan"])  # fmt: skip
    assert out.exit_code == 2 and "--goal 'counts.dlq <= nan'" in out.output
