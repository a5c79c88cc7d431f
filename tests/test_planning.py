"""Capacity planning: sweeps on Dask equal sweeps in-process, intervals are Student's t, and
goal-seek finds the answer an M/D/1 queue gives in closed form."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from bridgetwin.planning import PlanningError, Vary
from bridgetwin.planning.feasible_search import plan
from bridgetwin.planning.goal import Goal
from bridgetwin.planning.grid import with_value
from bridgetwin.planning.sweep import interval, sweep
from tests._templates import EVENT, webhook_graph, webhook_template


def base(rate: float = 8, duration: str = "1h") -> dict:
    return {"duration": duration, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": rate, "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0}],
            "api_destinations": [{"match": "*", "burst": 1}]}  # fmt: skip


RATE_LIMIT = "overrides.api_destinations.Dest.rate_limit"


def test_varies_parse_lists_ranges_and_units():
    assert Vary.parse("traffic.0.rate=10,20,40").values == (10, 20, 40)
    assert Vary.parse(f"{RATE_LIMIT}=50:300:125").values == (50, 175, 300)
    assert Vary.parse("eventbridge.retry_backoff.cap=1m:3m:1m").values == (60, 120, 180)
    assert with_value(base(), RATE_LIMIT, 9)["overrides"] == {
        "api_destinations": {"Dest": {"rate_limit": 9}}
    }
    with pytest.raises(
        PlanningError, match=r"traffic\.5\.rate: '5' is not an item of a 1-item list"
    ):
        with_value(base(), "traffic.5.rate", 1)
    with pytest.raises(PlanningError, match="use PATH=V1,V2"):
        Vary.parse("traffic.0.rate")


def test_the_interval_is_students_t():
    mean, low, high = interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 * (1 / math.sqrt(3))  # t(0.975, 2 df) x sd / sqrt(n)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert interval([5.0, 5.0]) == (5.0, 5.0, 5.0)


def test_a_sweep_on_a_local_dask_cluster_equals_the_same_sweep_in_process():
    varies = [Vary.parse(f"{RATE_LIMIT}=10,12"), Vary.parse("traffic.0.rate=6,8")]
    spec = base(duration="10m")
    inline = sweep(webhook_graph(rate=100), spec, varies, runs=3, sweep_seed=7, scheduler="inline")
    cluster = sweep(webhook_graph(rate=100), spec, varies, runs=3, sweep_seed=7, workers=2)
    assert [p.point for p in cluster] == [p.point for p in inline]
    assert [p.runs for p in cluster] == [p.runs for p in inline]
    assert len({json.dumps(p.runs[0]) for p in inline}) == 4  # the points differ


def test_a_failing_point_is_reported_and_the_others_go_on():
    varies = [Vary.parse("traffic.0.rate=5,-1")]
    good, bad = sweep(webhook_graph(), base(duration="5m"), varies, runs=2, scheduler="inline")
    assert good.error is None and len(good.runs) == 2
    assert bad.error.startswith("ScenarioError: traffic.0.rate") and bad.runs == []


def md1_wait(rate_limit: int, arrivals: float) -> float:
    """M/D/1 mean wait: a GCRA of burst 1 serves one request per 1/R in arrival order."""
    rho = arrivals / rate_limit
    return rho / (2 * rate_limit * (1 - rho))


def test_plan_finds_the_smallest_rate_limit_an_md1_queue_needs():
    """Poisson 8 events/s, mean wait <= 100 ms: M/D/1 gives W(R) = 4 / (R (R - 8)), so the
    smallest integer rate limit is the first R with W(R) <= 0.1."""
    expected = next(r for r in range(9, 100) if md1_wait(r, 8) <= 0.1)
    heard = []
    found = plan(webhook_graph(rate=100), base(), vary=RATE_LIMIT, low=9, high=30,
                 goals=[Goal.parse("latency.start.mean <= 100ms")], progress=heard.append)  # fmt: skip
    assert found.answer == expected == 12
    assert sorted(heard, key=lambda p: p.value) == found.probes  # each probe, once
    assert found.direction == "smallest" and "grid of 9 values" in found.note
    assert found.intervals == [(12, 30)]
    by_value = {p.value: p for p in found.probes}
    assert not by_value[11].holds and by_value[12].holds
    for probe in found.probes:  # the measured waits agree with the formula
        (evidence,) = probe.evidence
        assert evidence["mean"] == pytest.approx(md1_wait(int(probe.value), 8), rel=0.12)


def test_goals_name_their_metric_and_units():
    assert str(Goal.parse("latency.start.p99 <= 1m")) == "latency.start.p99 <= 60 s"
    with pytest.raises(PlanningError, match="use METRIC <= BOUND"):
        Goal.parse("p99 < 60")


def test_the_sweep_command_writes_csv_and_json(tmp_path):
    from bridgetwin.cli import app

    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=100)))
    (tmp_path / "s.json").write_text(json.dumps(base(duration="5m")))
    args = ["sweep", str(tmp_path / "t.json"), "--scenario", str(tmp_path / "s.json"),
            "--vary", f"{RATE_LIMIT}=9,20", "--seeds", "2", "--scheduler", "inline",
            "--metric", "latency.start.mean"]  # fmt: skip
    out = CliRunner().invoke(app, [*args, "--format", "csv"])
    assert out.exit_code == 0, out.output
    header, *lines = out.output.strip().splitlines()
    assert header.split(",") == [
        RATE_LIMIT,
        "target",
        "metric",
        "unit",
        "mean",
        "ci_low",
        "ci_high",
        "n",
        "error",
    ]  # the varied value first
    assert len(lines) == 2
    rows = json.loads(CliRunner().invoke(app, [*args, "--format", "json"]).output)
    assert [r[RATE_LIMIT] for r in rows] == [9, 20] and {r["unit"] for r in rows} == {"s"}
    assert rows[0]["mean"] > rows[1]["mean"]


def test_sensitivity_moves_each_unconfirmed_default_alone():
    """Nothing queues at 5 events/s through 100/s, so the mean start latency is the processing
    latency itself: 20 ms by default, 100 ms at the top of its range (+80 ms exactly)."""
    from bridgetwin.planning.sensitivity import sensitivity

    spec = {"duration": "5m", "traffic": [{"bus": "orders", "rate": 5,
                                           "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0}]}  # fmt: skip
    shifts = sensitivity(webhook_graph(rate=100), spec, ("latency.start.mean",), runs=2)
    moved = {(s.assumption, s.value): s for s in shifts}
    assert moved[("eventbridge.processing_latency", "100ms")].change == pytest.approx(0.08)
    assert moved[("eventbridge.processing_latency", "10ms")].change == pytest.approx(-0.01)
    assert moved[("eventbridge.retry_backoff.cap", 300)].change == pytest.approx(0)
    stated = {**spec, "eventbridge": {"processing_latency": "20ms"}}
    assert not any(s.assumption == "eventbridge.processing_latency"
                   for s in sensitivity(webhook_graph(rate=100), stated, ("latency.start.mean",),
                                        runs=2))  # fmt: skip


def test_plan_says_when_its_answer_hinges_on_an_assumption(tmp_path):
    from bridgetwin.cli import app

    spec = {**base(duration="20m"), "eventbridge": {}}  # processing latency left to the default
    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=100)))
    (tmp_path / "s.json").write_text(json.dumps(spec))
    out = CliRunner().invoke(app, ["plan", str(tmp_path / "t.json"), "--scenario",
                                   str(tmp_path / "s.json"), "--vary", f"{RATE_LIMIT}=9:30",
                                   "--goal", "latency.start.mean <= 100ms", "--seeds", "3",
                                   "--sensitivity"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "at the answer, eventbridge.processing_latency = 100ms: FAILS" in out.output
    assert "The answer hinges on eventbridge.processing_latency" in out.output


@pytest.mark.parametrize("allowed_failures", [3, 0], ids=["rescheduled", "killed-worker"])
def test_a_worker_killed_mid_sweep(allowed_failures):
    """A worker process dies (SIGKILL, as the kernel's OOM killer would) while running a point.
    By default Dask runs its tasks again elsewhere and the sweep's numbers are those of the
    sweep in-process; when the scheduler allows no failures, those runs fail with Dask's
    ``KilledWorker`` and only their points report the error: the other points are complete."""
    import os
    import signal

    import dask
    from dask.distributed import LocalCluster

    varies = [Vary.parse(f"{RATE_LIMIT}=10,12,14,16")]
    spec = base(duration="30m")
    inline = sweep(webhook_graph(rate=100), spec, varies, runs=2, sweep_seed=3, scheduler="inline")
    killed: list[int] = []
    with dask.config.set({"distributed.scheduler.allowed-failures": allowed_failures}), \
         LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # fmt: skip

        def kill_a_busy_worker(done: int, total: int) -> None:
            if killed:
                return
            busy = {a for a, w in cluster.scheduler.workers.items() if w.processing}
            nanny = next((n for n in cluster.workers.values() if n.worker_address in busy), None)
            if nanny is not None:
                killed.append(nanny.process.pid)
                os.kill(nanny.process.pid, signal.SIGKILL)

        swept = sweep(webhook_graph(rate=100), spec, varies, runs=2, sweep_seed=3,
                      scheduler=cluster.scheduler_address, progress=kill_a_busy_worker)  # fmt: skip
    assert killed, "no worker was busy when the first runs came back"
    failed = [p for p in swept if p.error]
    if allowed_failures:
        assert failed == [] and [p.runs for p in swept] == [p.runs for p in inline]
        return
    assert failed and all("KilledWorker" in p.error for p in failed)
    assert len(failed) < len(swept)
    for point, reference in zip(swept, inline, strict=True):
        if not point.error:
            assert point.runs == reference.runs  # complete, with the in-process numbers
        for number, runs in point.by_seed.items():
            assert runs == reference.by_seed[number]


def test_sweep_reports_only_the_targets_asked_for_and_fails_when_points_fail(tmp_path):
    from bridgetwin.cli import app

    (tmp_path / "t.json").write_text(json.dumps(webhook_template(rate=100)))
    (tmp_path / "s.json").write_text(json.dumps(base(duration="5m")))
    args = ["sweep", str(tmp_path / "t.json"), "--scenario", str(tmp_path / "s.json"),
            "--seeds", "2", "--scheduler", "inline", "--metric", "counts.dlq", "--format", "json"]  # fmt: skip
    out = CliRunner().invoke(app, [*args, "--vary", f"{RATE_LIMIT}=20", "--target", "Rule/*"])
    assert out.exit_code == 0 and {r["target"] for r in json.loads(out.stdout)} == {"Rule/Api"}
    out = CliRunner().invoke(app, [*args, "--vary", f"{RATE_LIMIT}=20", "--target", "Nope/*"])
    assert (
        out.exit_code == 2
        and "--target 'Nope/*' names no target; known: (deployment), Rule/Api" in out.output
    )
    out = CliRunner().invoke(app, [*args, "--vary", "eventbridge.processing_latency=10ms,-1s"])
    assert out.exit_code in (1, 2), out.output  # a point that cannot run is never a pass


def test_intervals_respect_the_metrics_range_and_one_run_gives_none():
    """Counts and latencies are never negative: the interval stops at 0 (a Student-t interval of
    (0, 0, 9) would reach below it); one run has no interval at all."""
    from bridgetwin.planning.sweep import PointResult

    runs = [{"T": {"counts.dlq": v}} for v in (0.0, 0.0, 9.0)]
    point = PointResult({"x": 1}, dict(enumerate(runs)))
    _, low, high = interval([0.0, 0.0, 9.0])
    assert low < 0 < high
    assert point.summary("T", "counts.dlq") == {"mean": 3.0, "ci_low": 0.0, "ci_high": high, "n": 3}
    single = PointResult({"x": 1}, {0: runs[2]})
    assert single.summary("T", "counts.dlq") == {
        "mean": 9.0,
        "ci_low": None,
        "ci_high": None,
        "n": 1,
    }
    assert not Goal.parse("counts.dlq <= 100").judge(single, "*")[0]  # no confidence from one run


def test_sensitivity_varies_only_what_can_touch_the_deployment_largest_effect_first():
    """A webhook with 5 retries and no global endpoint, in one Region, under an outage: the
    backoff base and factor and the processing latency are varied; the cap (5 retries never
    reach it), the health-check and replication settings (no endpoint) and the cross-Region
    latency (one Region) are not, and are named; the DLQ moves most with the backoff."""
    from bridgetwin.planning.sensitivity import not_applying, sensitivity

    graph = webhook_graph(rate=100, retries=5)
    spec = {"duration": "10m", "traffic": [{"bus": "orders", "rate": 5, "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0, "outages": [{"start": "2m", "end": "4m", "status": 503}]}]}  # fmt: skip
    shifts = sensitivity(graph, spec, ("counts.dlq",), runs=2)
    varied = {s.assumption for s in shifts}
    assert varied == {"eventbridge.retry_backoff.base", "eventbridge.retry_backoff.factor",
                      "eventbridge.processing_latency"}  # fmt: skip
    assert set(not_applying(graph)) == {"eventbridge.retry_backoff.cap", "health_check.propagation",
                                        "eventbridge.cross_region_latency", "replication.lag"}  # fmt: skip
    assert shifts[0].assumption.startswith("eventbridge.retry_backoff.")
    assert abs(shifts[0].change) > 0
    changes = [abs(s.change or 0) for s in shifts]
    assert changes == sorted(changes, reverse=True)
