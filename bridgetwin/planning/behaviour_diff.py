"""The behaviour diff of a change: the same scenario on two deployments (the base and the head of a
pull request, say), and what the change does to delivery.

Structural changes come first, read from the two graphs: targets and subscribers added or removed,
rate limits, retry policies and dead-letter queues that differ. Then every target both deployments
have, metric by metric: each seed runs on both sides (common random numbers: the same seed, so the
traffic, latencies and failures the two sides meet are the same draws wherever the change does
not alter them), and the per-seed differences head - base give the change's mean and a 95 %
Student's t interval. A metric is *unchanged* when every seed gives the same value on both sides,
*changed* when the interval excludes zero, and *within noise* otherwise. Targets only one side has
are listed with their values there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.grid import PlanningError
from bridgetwin.planning.grid import seeds as seed_list
from bridgetwin.planning.sweep import COST_METRIC, interval, run_point
from bridgetwin.simulator import parse_duration

DIFF_METRICS = (
    "counts.delivered", "counts.dlq", "counts.dropped", "counts.in_flight", "counts.retries",
    "latency.start.p50", "latency.start.p99", "latency.success.p50", "latency.success.p99",
    COST_METRIC,
)  # fmt: skip
"""What the diff compares per target (latencies in seconds), and the deployment's month's cost
(USD, under the target ``(deployment)``)."""


_OPS = {">": lambda x, b: x > b, ">=": lambda x, b: x >= b,
        "<": lambda x, b: x < b, "<=": lambda x, b: x <= b}  # fmt: skip


@dataclass(frozen=True)
class Threshold:
    """``--fail-on "counts.dlq > 0"``: the change head - base breaks it when its whole 95 %
    interval satisfies the comparison (the DLQ grows, with confidence)."""

    metric: str
    op: str
    bound: float

    @classmethod
    def parse(cls, text: str) -> Threshold:
        parts = text.split()
        if len(parts) != 3 or parts[0] not in DIFF_METRICS or parts[1] not in _OPS:
            raise PlanningError(
                f"--fail-on '{text}': use 'METRIC OP BOUND' with OP one of > >= < <= and a "
                f"metric of {', '.join(DIFF_METRICS)} (latency bounds take units: 5s, 500ms)"
            )
        try:
            bound = float(parse_duration(parts[2]) if parts[0].startswith("latency.")
                          else float(parts[2]))  # fmt: skip
        except ValueError as exc:
            raise PlanningError(f"--fail-on '{text}': {exc}") from None
        if not math.isfinite(bound):
            raise PlanningError(f"--fail-on '{text}': the bound must be a finite number")
        return cls(parts[0], parts[1], bound)

    def broken_by(self, change: MetricChange) -> bool:
        if change.metric != self.metric or change.verdict != "changed":
            return False
        test = _OPS[self.op]
        return bool(test(change.low, self.bound) and test(change.high, self.bound))

    def __str__(self) -> str:
        return f"{self.metric} {self.op} {self.bound:g}"


@dataclass(frozen=True)
class MetricChange:
    target: str
    metric: str
    base: float | None
    """Mean over the seeds on the base side."""
    head: float | None
    change: float | None
    """Mean of the per-seed differences head - base."""
    low: float | None
    high: float | None
    verdict: str
    """``changed``, ``unchanged``, ``within noise``, ``added``, ``removed`` or ``no data``."""


@dataclass(frozen=True)
class DiffReport:
    seeds: int
    structural: tuple[str, ...]
    changes: tuple[MetricChange, ...]
    failed: tuple[str, ...] = field(default=())
    """The ``fail_on`` thresholds the change breaks, each with the evidence."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": self.seeds,
            "structural": list(self.structural),
            "changes": [vars(c) for c in self.changes],
            "failed": list(self.failed),
        }


def _owners(graph: Graph) -> dict[str, Any]:
    """Every ``owner/target`` pair: rules' targets and subscribers' one target."""
    return {f"{o.id}/{t.target_id}": t for o in (*graph.rules, *graph.subscribers)
            for t in o.targets}  # fmt: skip


def structural_changes(
    base: Graph, head: Graph, pairs: Mapping[str, str] | None = None
) -> list[str]:
    """What the templates change, in words: targets, rate limits, retry policies, DLQs
    (``pairs``: base target names that the head calls otherwise)."""
    before, after = _renamed(_owners(base), pairs), _owners(head)
    out = [f"target added: {name}" for name in sorted(set(after) - set(before))]
    out += [f"target removed: {name}" for name in sorted(set(before) - set(after))]
    for name in sorted(set(before) & set(after)):
        old, new = before[name].retry_policy, after[name].retry_policy
        if (old.maximum_retry_attempts, old.maximum_event_age_seconds) != (
            new.maximum_retry_attempts,
            new.maximum_event_age_seconds,
        ):
            out.append(f"{name}: retry policy {old.maximum_retry_attempts} attempts / "
                       f"{old.maximum_event_age_seconds} s -> {new.maximum_retry_attempts} "
                       f"attempts / {new.maximum_event_age_seconds} s")  # fmt: skip
        if before[name].dead_letter_queue != after[name].dead_letter_queue:
            out.append(f"{name}: DLQ {before[name].dead_letter_queue or 'none'} -> "
                       f"{after[name].dead_letter_queue or 'none'}")  # fmt: skip
    out += replaced_subscribers(base, head)
    limits = {d.id: d.rate_limit_per_second for d in base.api_destinations}
    for destination in head.api_destinations:
        old_limit = limits.get(destination.id)
        if old_limit is not None and old_limit != destination.rate_limit_per_second:
            out.append(f"API destination {destination.id}: rate limit {old_limit}/s -> "
                       f"{destination.rate_limit_per_second}/s")  # fmt: skip
    return out


_CREATE_ONLY = {
    "Name": lambda s: s.name, "EventBusArn": lambda s: s.bus,
    "InvokeConfiguration.TargetArn": lambda s: s.target.arn, "Type": lambda s: s.ordering,
    "StartingPosition": lambda s: s.starting_position,
    "PointInTimeConfiguration": lambda s: s.point_in_time,
}  # fmt: skip
"""A subscriber's create-only properties (custom-bus facts §1.3), as the graph reads them."""


def replaced_subscribers(base: Graph, head: Graph) -> list[str]:
    """Subscribers the change replaces: one of their create-only properties differs, and
    CloudFormation replaces a subscriber by deleting it first (``delete_then_create``), so
    events published in between are not delivered to it."""
    before = {s.id: s for s in base.subscribers}
    out = []
    for subscriber in head.subscribers:
        old = before.get(subscriber.id)
        if old is None:
            continue
        changed = [key for key, read in _CREATE_ONLY.items() if read(old) != read(subscriber)]
        if changed:
            out.append(f"subscriber {subscriber.id}: REPLACED (delete, then create: a delivery "
                       f"gap) because {', '.join(changed)} changed; create a new subscriber "
                       "beside it, then remove the old one")  # fmt: skip
    return out


def _renamed(values: dict[str, Any], pairs: Mapping[str, str] | None) -> dict[str, Any]:
    return {(pairs or {}).get(name, name): value for name, value in values.items()}


def _compare(target: str, metric: str, base_runs: list, head_runs: list) -> MetricChange:
    """One metric of one target over the paired runs (``added``/``removed``: one side only)."""
    base = [run[target][metric] for run in base_runs] if target in base_runs[0] else None
    head = [run[target][metric] for run in head_runs] if target in head_runs[0] else None
    if base is not None and head is not None:
        return _judge(target, metric, base, head)
    values = [v for v in (base or head or []) if v is not None]
    mean = math.fsum(values) / len(values) if values else None
    if base is None:
        return MetricChange(target, metric, None, mean, None, None, None, "added")
    return MetricChange(target, metric, mean, None, None, None, None, "removed")


def _judge(target: str, metric: str, base: list[float | None], head: list[float | None]):
    pairs = [(b, h) for b, h in zip(base, head, strict=True) if b is not None and h is not None]
    if not pairs:
        return MetricChange(target, metric, None, None, None, None, None, "no data")
    b_mean = math.fsum(b for b, _ in pairs) / len(pairs)
    h_mean = math.fsum(h for _, h in pairs) / len(pairs)
    if all(b == h for b, h in pairs):
        return MetricChange(target, metric, b_mean, h_mean, 0.0, 0.0, 0.0, "unchanged")
    mean, low, high = interval([h - b for b, h in pairs])
    verdict = "changed" if low > 0 or high < 0 else "within noise"
    return MetricChange(target, metric, b_mean, h_mean, mean, low, high, verdict)


def behaviour_diff(
    base: Graph,
    head: Graph,
    spec: dict[str, Any],
    *,
    runs: int = 5,
    seed: int = 0,
    fail_on: tuple[Threshold, ...] = (),
    progress: Callable[[int, int], None] | None = None,
    pairs: Mapping[str, str] | None = None,
    metrics: tuple[str, ...] = DIFF_METRICS,
) -> DiffReport:
    """The diff of ``head`` against ``base`` under ``spec``, over ``runs`` paired seeds;
    ``pairs`` names base targets the head calls otherwise (a rule target that became a
    subscriber: ``rule/target`` -> ``subscriber/Target``), compared as one."""
    if runs < 2:
        raise ValueError("a diff needs at least 2 seeds for an interval")
    chosen = seed_list(seed, runs)
    sides: dict[str, list[dict[str, dict[str, float | None]]]] = {"base": [], "head": []}
    for number, run_seed in enumerate(chosen):
        sides["base"].append(_renamed(run_point(base, spec, run_seed), pairs))
        sides["head"].append(run_point(head, spec, run_seed))
        if progress:
            progress(number + 1, len(chosen))
    changes = [
        _compare(target, metric, sides["base"], sides["head"])
        for target in sorted(set(sides["base"][0]) | set(sides["head"][0]))
        for metric in metrics
    ]
    failed = tuple(
        f"{c.target}: {c.metric} changed by {c.change:+,.6g} [{c.low:+,.6g}, {c.high:+,.6g}], "
        f"breaking --fail-on '{goal}'"
        for goal in fail_on
        for c in changes
        if goal.broken_by(c)
    )
    structural = tuple(structural_changes(base, head, pairs))
    return DiffReport(runs, structural, tuple(changes), failed)
