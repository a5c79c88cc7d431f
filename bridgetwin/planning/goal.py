"""Goal-seek: the smallest (or largest) value of one field that meets a goal, with confidence.

``plan(..., goal=Goal.parse("latency.start.p99 <= 60s"), vary="overrides...rate_limit",
low=1, high=300)`` runs the scenario at values of the field and judges each by the goal on every
target the glob names, with the sweep's seeds: a ``<=`` goal holds when the upper end of the
confidence interval of the metric's mean is within the bound (a ``>=`` goal, the lower end), so
"holds" means "holds with that confidence", not "held on average".

The search assumes the verdict is monotone in the value (more capacity never hurts, or never
helps): it judges both ends, then bisects between a failing and a holding value until they are
adjacent integers (or within 1/64 of the range for fractional fields). It says so in its answer,
and if both ends agree it reports that instead of guessing.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.grid import PlanningError, Vary
from bridgetwin.planning.sweep import METRICS, sweep
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
        confidence of its intervals), and the evidence per target; no target: it does not."""
        names = sorted({n for run in point.runs for n in run if fnmatch.fnmatchcase(n, target)})
        evidence = [{"target": n, **point.summary(n, self.metric)} for n in names]
        holds = bool(evidence) and all(
            e["mean"] is not None and self.holds(e["ci_low"], e["ci_high"]) for e in evidence
        )
        return holds, evidence

    def __str__(self) -> str:
        unit = " s" if self.metric.startswith("latency.") else ""
        return f"{self.metric} {self.op} {self.bound:g}{unit}"


@dataclass
class Probe:
    value: float
    holds: bool
    evidence: list[dict[str, Any]]
    """Per target: mean, ci_low, ci_high, n."""


@dataclass
class Plan:
    goal: Goal
    vary: str
    answer: float | None
    """The smallest (or largest) value that holds, None when the range has none."""
    direction: str
    """``smallest`` or ``largest``."""
    probes: list[Probe] = field(default_factory=list)
    note: str = ""


def plan(
    graph: Graph,
    spec: dict[str, Any],
    *,
    vary: str,
    low: float,
    high: float,
    goal: Goal,
    target: str = "*",
    runs: int = 5,
    sweep_seed: int = 0,
    scheduler: str | None = "inline",
    integer: bool = True,
    progress: Callable[[Probe], None] | None = None,
) -> Plan:
    """Search ``low``..``high`` of the field at ``vary`` for the goal, with ``runs`` seeds;
    ``progress`` hears of each probe as it is judged."""
    if high <= low:
        raise PlanningError(f"--vary {vary}={low}:{high}: needs LOW < HIGH")
    seen: dict[float, Probe] = {}

    def judge(value: float) -> Probe:
        value = float(round(value)) if integer else value
        if value not in seen:
            shown = int(value) if integer else value
            (point,) = sweep(graph, spec, [Vary(vary, (shown,))], runs=runs,
                             sweep_seed=sweep_seed, scheduler=scheduler)  # fmt: skip
            if point.error:
                raise PlanningError(f"{vary}={shown}: the run failed: {point.error}")
            holds, evidence = goal.judge(point, target)
            if not evidence:
                known = ", ".join(sorted({name for run in point.runs for name in run}))
                raise PlanningError(f"--target '{target}' names no target; known: {known}")
            seen[value] = Probe(value, holds, evidence)
            if progress:
                progress(seen[value])
        return seen[value]

    bottom, top = judge(low), judge(high)
    result = Plan(goal, vary, None, "smallest")
    if bottom.holds == top.holds:
        result.answer = low if bottom.holds else None
        result.note = (
            f"the goal holds at both ends of {low:g}..{high:g}"
            if bottom.holds
            else f"the goal holds nowhere in {low:g}..{high:g} (tried both ends)"
        )
    else:
        result.direction = "smallest" if top.holds else "largest"
        failing, holding = (low, high) if top.holds else (high, low)
        step = 1.0 if integer else (high - low) / 64
        while abs(holding - failing) > step:
            middle = (holding + failing) / 2
            if integer:
                middle = float(round(middle))
                if middle in (holding, failing):
                    break
            if judge(middle).holds:
                holding = middle
            else:
                failing = middle
        result.answer = holding
        result.note = "found by bisection, assuming the verdict is monotone in the value"
    result.probes = [seen[v] for v in sorted(seen)]
    return result
