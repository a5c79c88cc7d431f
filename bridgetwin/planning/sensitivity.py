"""Sensitivity: how much an answer moves with the defaults AWS publishes no number for.

The twin rests on a few UNCONFIRMED values (listed in every result's assumptions). A plan that
holds only because of one of them should say so. Each assumption that can touch the loaded
deployment is varied alone over a plausible range around the twin's default, with the sweep's
seeds, and the metrics are compared with the run at the defaults. Ranges, and when each applies:

- ``eventbridge.retry_backoff.base``: 500 ms to 2 s, when a target retries at all;
- ``eventbridge.retry_backoff.factor``: 1.5 to 3, when a target retries twice or more;
- ``eventbridge.retry_backoff.cap``: 300 s to 1,800 s (the default 980 s makes AWS's two retry
  limits meet, :mod:`bridgetwin.service_defaults`), only when a target's retries can reach it
  (9 or more at the default base and factor);
- ``eventbridge.processing_latency``: 10 ms to 100 ms from ingestion to the first attempt, always;
- ``health_check.propagation`` (10 s to 60 s) and ``replication.lag`` (0.5 s to 5 s): only with a
  global endpoint;
- ``eventbridge.cross_region_latency``: 50 ms to 300 ms, only when the deployment spans Regions.

A value the scenario states is the user's, not an assumption, and is not varied; an assumption
that cannot touch the deployment is named as such rather than reported as harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.grid import Vary
from bridgetwin.planning.sweep import DEPLOYMENT, sweep


def _most_retries(graph: Graph) -> int:
    owners = (*graph.rules, *graph.subscribers)
    policies = [t.retry_policy for o in owners for t in o.targets]
    policies += [s.target.retry_policy for s in graph.schedules]
    return max((p.maximum_retry_attempts for p in policies), default=0)


Applies = Callable[[Graph], bool]
ASSUMPTIONS: tuple[tuple[str, tuple[Any, ...], Applies], ...] = (
    ("eventbridge.retry_backoff.base", ("500ms", "2s"), lambda g: _most_retries(g) >= 1),
    ("eventbridge.retry_backoff.factor", (1.5, 3), lambda g: _most_retries(g) >= 2),
    ("eventbridge.retry_backoff.cap", (300, 1800), lambda g: _most_retries(g) >= 9),
    ("eventbridge.processing_latency", ("10ms", "100ms"), lambda g: True),
    ("health_check.propagation", ("10s", "60s"), lambda g: bool(g.endpoints)),
    ("eventbridge.cross_region_latency", ("50ms", "300ms"),
     lambda g: len({s.region for s in g.stacks}) > 1),
    ("replication.lag", ("500ms", "5s"), lambda g: bool(g.endpoints)),
)  # fmt: skip


def not_applying(graph: Graph) -> list[str]:
    """The assumptions that cannot touch this deployment (not varied)."""
    return [path for path, _, applies in ASSUMPTIONS if not applies(graph)]


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
    """Each assumption that touches the deployment and the scenario leaves at its default, at
    both ends of its range, largest effect first."""
    varied = [(path, values) for path, values, applies in ASSUMPTIONS
              if applies(graph) and not _stated(spec, path)]  # fmt: skip
    (base,) = sweep(graph, spec, [], runs=runs, sweep_seed=sweep_seed, scheduler=scheduler)
    targets = sorted({name for run in base.runs for name in run} - {DEPLOYMENT})
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
    return sorted(shifts, key=lambda s: -abs(s.change or 0.0))  # the largest effect first


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
    for path, values, applies in ASSUMPTIONS:
        if _stated(spec, path) or not applies(graph):
            continue
        points = sweep(graph, spec, [Vary(path, values)], runs=runs, sweep_seed=sweep_seed,
                       scheduler="inline")  # fmt: skip
        for point, value in zip(points, values, strict=True):
            out.append((path, value, all(g.judge(point, target)[0] for g in goals)))
    return out
