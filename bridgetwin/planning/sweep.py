"""Sweeps: a grid of scenarios times seeds, run on Dask, summarised with confidence intervals.

Each (point, seed) is one simulation, a task for ``dask.distributed``: a ``LocalCluster`` of
worker processes by default, or an existing cluster's scheduler (``tcp://HOST:PORT``), so a sweep
scales past one machine with nothing new to run; ``scheduler="inline"`` runs in this process
(tests, debugging). The graph is scattered to the workers once. A point whose runs fail (a bad
value, a worker that died) reports its error and the others go on.

Per point, target and metric, the summary is the mean over seeds and a 95 % confidence interval
from Student's t distribution (``scipy.stats.t.interval``, n - 1 degrees of freedom, the
standard error of the mean): the seeds are independent replications, and t is the right
interval for a mean of few of them whose variance is estimated from the same runs.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.grid import PlanningError, Vary, grid, seeds
from bridgetwin.simulator import load_scenario, simulate
from bridgetwin.simulator.results.verdicts import metric_value
from bridgetwin.simulator.scenario import SLO_METRICS

COST_METRIC = "cost.monthly_usd"
DEPLOYMENT = "(deployment)"
"""The pseudo-target a run's deployment-wide figures are reported under (the month's cost)."""
METRICS = (*SLO_METRICS, COST_METRIC)
"""What a sweep reports: per target the SLO metrics (latencies in seconds, counts), and for the
deployment (``DEPLOYMENT``) the month's cost in USD (:mod:`.cost`)."""


def run_point(graph: Graph, spec: dict[str, Any], seed: int) -> dict[str, dict[str, float | None]]:
    """One run: per ``rule/target``, each metric's value (seconds for latencies)."""
    from bridgetwin.planning.cost import monthly_cost

    scenario = load_scenario(spec)
    result = simulate(graph, scenario, seed=seed, latency_by_minute=False)
    out: dict[str, dict[str, float | None]] = {}
    for target in result.targets:
        values: dict[str, float | None] = {COST_METRIC: None}
        for metric in SLO_METRICS:
            values[metric] = metric_value(target, metric)
        out[f"{target.rule}/{target.target}"] = values
    cost = monthly_cost(result, graph, scenario).monthly_usd
    out[DEPLOYMENT] = dict.fromkeys(SLO_METRICS) | {COST_METRIC: cost}
    return out


def interval(samples: list[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student's t interval of the mean (the mean itself with one sample)."""
    from scipy import stats

    n = len(samples)
    mean = math.fsum(samples) / n
    if n < 2:
        return mean, mean, mean
    sem = stats.sem(samples)
    if sem == 0 or not math.isfinite(sem):
        return mean, mean, mean
    low, high = stats.t.interval(confidence, n - 1, loc=mean, scale=sem)
    return mean, float(low), float(high)


@dataclass
class PointResult:
    point: dict[str, Any]
    by_seed: dict[int, dict[str, dict[str, float | None]]] = field(default_factory=dict)
    """Each run's metrics, by the seed's number (so the order never depends on the cluster)."""
    error: str | None = None

    @property
    def runs(self) -> list[dict[str, dict[str, float | None]]]:
        return [self.by_seed[n] for n in sorted(self.by_seed)]

    def summary(self, target: str, metric: str, confidence: float = 0.95) -> dict[str, Any]:
        """The metric's mean over the runs and its interval, which respects the metric's range
        (counts and latencies are never negative, so the interval stops at 0); one run gives
        no interval (None), not one of zero width."""
        values = [r[target][metric] for r in self.runs if target in r]
        present = [v for v in values if v is not None]
        if not present:
            return {"mean": None, "ci_low": None, "ci_high": None, "n": 0}
        mean, low, high = interval(present, confidence)
        if len(present) < 2:
            return {"mean": mean, "ci_low": None, "ci_high": None, "n": 1}
        return {"mean": mean, "ci_low": max(0.0, low), "ci_high": high, "n": len(present)}


class SweepPoints(list):
    """What ``sweep`` returns: a list of :class:`PointResult`, one per point of the grid."""

    def to_frame(self, confidence: float = 0.95) -> Any:
        """One row per point, target and metric: the varied fields first, then ``target``,
        ``metric``, ``mean``, ``ci_low``, ``ci_high`` and ``seeds`` (pandas is optional:
        ``pip install pandas``)."""
        from bridgetwin.simulator.results.frames import pandas_module

        rows = []
        for point in self:
            names = sorted({name for run in point.runs for name in run})
            for name in names:
                for metric in sorted({m for run in point.runs for m in run.get(name, {})}):
                    summary = point.summary(name, metric, confidence)
                    rows.append({**point.point, "target": name, "metric": metric,
                                 "mean": summary["mean"], "ci_low": summary["ci_low"],
                                 "ci_high": summary["ci_high"], "seeds": summary["n"]})  # fmt: skip
        return pandas_module().DataFrame(rows)


SCHEDULER_TIMEOUT = "10s"
"""How long a sweep waits to reach a Dask scheduler it was given."""


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            connected = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except (OSError, ValueError, TypeError) as exc:
            raise PlanningError(f"--scheduler {scheduler}: cannot connect to a Dask scheduler "
                                f"there ({exc}); give tcp://HOST:PORT of a running one, or "
                                "'inline'") from None  # fmt: skip
        with connected as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:  # fmt: skip
        yield client


def sweep(
    graph: Graph,
    spec: dict[str, Any],
    varies: list[Vary],
    *,
    runs: int = 5,
    sweep_seed: int = 0,
    scheduler: str | None = None,
    workers: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> SweepPoints:
    """Run every point of the grid ``runs`` times. ``scheduler``: a Dask scheduler address,
    ``"inline"`` for this process, or None for a local cluster of ``workers`` processes."""
    points = grid(spec, varies)
    run_seeds = seeds(sweep_seed, runs)
    results = SweepPoints(PointResult(point) for point, _ in points)
    tasks = [
        (i, n, scenario, seed)
        for i, (_, scenario) in enumerate(points)
        for n, seed in enumerate(run_seeds)
    ]
    done = 0
    if scheduler == "inline":
        for index, number, scenario, seed in tasks:
            _record(results[index], number, lambda s=scenario, r=seed: run_point(graph, s, r))
            done += 1
            if progress:
                progress(done, len(tasks))
        return results
    from dask.distributed import as_completed

    with _client(scheduler, workers) as client:
        shared = client.scatter(graph, broadcast=True)
        futures = {
            client.submit(run_point, shared, scenario, seed, pure=False): (index, number)
            for index, number, scenario, seed in tasks
        }
        for future in as_completed(futures):
            index, number = futures[future]
            _record(results[index], number, future.result)
            done += 1
            if progress:
                progress(done, len(tasks))
    return results


def _record(result: PointResult, number: int, outcome: Callable[[], Any]) -> None:
    try:
        result.by_seed[number] = outcome()
    except Exception as exc:  # a point's failure is reported, the sweep goes on
        result.error = result.error or f"{type(exc).__name__}: {exc}"


def default_progress(label: str = "sweep") -> Callable[[int, int], None] | None:
    """A progress bar of the runs done (rich, on stderr) when stderr is a terminal; None
    otherwise, so files and pipes get no control characters."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(f"{label}:", BarColumn(), MofNCompleteColumn(), "runs", TimeRemainingColumn(),
                   console=Console(stderr=True), transient=False)  # fmt: skip
    task = None

    def show(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task(label, total=total)
        bar.update(task, completed=done)
        if done == total:
            bar.stop()

    return show
