"""A planner's goal: ``latency.start.p99 <= 60s``, ``counts.dlq <= 0``, judged with confidence.

A ``<=`` goal holds at a sweep point when the upper end of the confidence interval of the
metric's mean is within the bound on every target the glob names (a ``>=`` goal, the lower end),
so "holds" means "holds with that confidence", not "held on average". :meth:`Goal.miss` says by
how much a point misses, in the bound's terms, so a planner told "nothing is feasible" can be
shown the closest points (:mod:`.feasible_search` searches for the values where goals hold).
"""

from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass
from typing import Any

from bridgetwin.planning.grid import PlanningError
from bridgetwin.planning.sweep import COST_METRIC, DEPLOYMENT, METRICS
from bridgetwin.simulator import parse_duration

_GOAL = re.compile(r"^\s*([\w.]+)\s*(<=|>=)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Goal:
    metric: str
    op: str
    bound: float
    """Seconds for latencies, a count otherwise."""

    @classmethod
    def parse(cls, text: str) -> Goal:
        match = _GOAL.match(text)
        if not match or match.group(1) not in METRICS:
            raise PlanningError(
                f"--goal '{text}': use METRIC <= BOUND or METRIC >= BOUND with a metric of "
                f"{', '.join(METRICS)} (latency bounds take units: 60s, 500ms)"
            )
        metric, op, bound = match.groups()
        try:
            value = float(parse_duration(bound) if metric.startswith("latency.") else bound)
        except ValueError as exc:
            raise PlanningError(f"--goal '{text}': {exc}") from None
        if not math.isfinite(value):
            raise PlanningError(f"--goal '{text}': the bound must be a finite number")
        return cls(metric, op, value)

    def holds(self, low: float, high: float) -> bool:
        return high <= self.bound if self.op == "<=" else low >= self.bound

    def judge(self, point: Any, target: str) -> tuple[bool, list[dict[str, Any]]]:
        """Whether a sweep point meets the goal on every target the glob names (with the
        confidence of its intervals), and the evidence per target; no target: it does not. A
        cost goal is judged on the deployment, whatever the glob."""
        names = (
            [DEPLOYMENT]
            if self.metric == COST_METRIC
            else sorted(
                {n for run in point.runs for n in run if fnmatch.fnmatchcase(n, target)}
                - {DEPLOYMENT}
            )
        )
        evidence = [{"target": n, **point.summary(n, self.metric)} for n in names]
        holds = bool(evidence) and all(
            e["ci_low"] is not None and self.holds(e["ci_low"], e["ci_high"]) for e in evidence
        )  # no interval (no data, or one run): not held with confidence
        return holds, evidence

    def miss(self, evidence: list[dict[str, Any]]) -> float:
        """How far the judged interval ends lie beyond the bound (0 when the goal holds), the
        worst target's, relative to the bound's size (or to 1 when the bound is 0)."""
        worst = math.inf if not evidence else 0.0
        for e in evidence:
            if e["ci_low"] is None:
                return math.inf
            beyond = e["ci_high"] - self.bound if self.op == "<=" else self.bound - e["ci_low"]
            worst = max(worst, beyond)
        return max(0.0, worst) / max(abs(self.bound), 1.0)

    def __str__(self) -> str:
        unit = " s" if self.metric.startswith("latency.") else ""
        return f"{self.metric} {self.op} {self.bound:g}{unit}"
