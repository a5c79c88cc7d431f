"""Sensitivity: how much an answer moves with the defaults AWS publishes no number for.

The twin rests on a few UNCONFIRMED values (listed in every result's assumptions). A plan that
holds only because of one of them should say so. Each assumption below is varied alone over a
plausible range around the twin's default, with the sweep's seeds, and the metrics are compared
with the run at the defaults. Ranges, and why:

- ``eventbridge.retry_backoff.cap``: 300 s (a common guess) to 1,800 s; the default 980 s makes
  AWS's two retry limits meet (:mod:`bridgetwin.service_defaults`);
- ``eventbridge.processing_latency``: 10 ms to 100 ms from ingestion to the first attempt;
- ``health_check.propagation``: 10 s to 60 s from a health alarm to Route 53's answer;
- ``eventbridge.cross_region_latency``: 50 ms to 300 ms for a bus-to-bus hop across Regions;
- ``replication.lag``: 0.5 s to 5 s for a global endpoint's replication.

A value the scenario states is the user's, not an assumption, and is not varied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.grid import Vary
from bridgetwin.planning.sweep import sweep

ASSUMPTIONS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("eventbridge.retry_backoff.cap", (300, 1800)),
    ("eventbridge.processing_latency", ("10ms", "100ms")),
    ("health_check.propagation", ("10s", "60s")),
    ("eventbridge.cross_region_latency", ("50ms", "300ms")),
    ("replication.lag", ("500ms", "5s")),
)


def _stated(spec: dict[str, Any], path: str) -> bool:
    node: Any = spec
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@dataclass
class Shift:
    assumption: str
    value: Any
    target: str
    metric: str
    base: float | None
    moved: float | None

    @property
    def change(self) -> float | None:
        if self.base is None or self.moved is None:
            return None
        return self.moved - self.base


def sensitivity(
    graph: Graph,
    spec: dict[str, Any],
    metrics: tuple[str, ...],
    *,
    runs: int = 5,
    sweep_seed: int = 0,
    scheduler: str | None = "inline",
) -> list[Shift]:
    """Each assumption the scenario leaves at its default, at both ends of its range."""
    varied = [(path, values) for path, values in ASSUMPTIONS if not _stated(spec, path)]
    (base,) = sweep(graph, spec, [], runs=runs, sweep_seed=sweep_seed, scheduler=scheduler)
    targets = sorted({name for run in base.runs for name in run})
    shifts = []
    for path, values in varied:
        points = sweep(graph, spec, [Vary(path, values)], runs=runs, sweep_seed=sweep_seed,
                       scheduler=scheduler)  # fmt: skip
        for point, value in zip(points, values, strict=True):
            for target in targets:
                for metric in metrics:
                    shifts.append(Shift(path, value, target, metric,
                                        base.summary(target, metric)["mean"],
                                        point.summary(target, metric)["mean"]))  # fmt: skip
    return shifts


def hinges(
    graph: Graph,
    spec: dict[str, Any],
    goals: Any,
    target: str,
    *,
    runs: int = 5,
    sweep_seed: int = 0,
) -> list[tuple[str, Any, bool]]:
    """(assumption, value, whether every goal still holds) at both ends of each range: a plan
    that fails at one of them hinges on that assumption."""
    out = []
    for path, values in ASSUMPTIONS:
        if _stated(spec, path):
            continue
        points = sweep(graph, spec, [Vary(path, values)], runs=runs, sweep_seed=sweep_seed,
                       scheduler="inline")  # fmt: skip
        for point, value in zip(points, values, strict=True):
            out.append((path, value, all(g.judge(point, target)[0] for g in goals)))
    return out
