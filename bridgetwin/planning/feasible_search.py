"""Where goals hold: the feasible values of one field, found without assuming one crossing.

``plan(graph, spec, vary="overrides...rate_limit", low=2, high=300, goals=[...])`` judges every
goal (ANDed) at each value it runs, with the sweep's seeds (:class:`~bridgetwin.planning.goal.Goal`:
"holds" means with 95 % confidence). A verdict need not be monotone in the value: a rate limit
too low ages events out in the backlog, one too high lets every event meet an outage six times, and
the DLQ goal holds only in between. So the search does not bisect the range once; it

1. judges a coarse grid of ``points`` values spread evenly over the range, both ends included;
2. refines every pair of grid neighbours whose verdicts differ, bisecting until the two values are
   adjacent integers (or 1/64 of the range apart for fractional fields);
3. answers with the **feasible set** (the intervals where every goal held), and a value in it: the
   end of the one interval where a single crossing makes one direction obvious, else the smallest;
4. when nothing is feasible, names the closest points and what each misses.

What a grid cannot see is said in the answer: a feasible island narrower than the grid step may
lie between two failing neighbours. ``points`` trades runs for that resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.goal import Goal
from bridgetwin.planning.grid import PlanningError, Vary
from bridgetwin.planning.sweep import COST_METRIC, DEPLOYMENT, sweep

DEFAULT_POINTS = 9
"""Grid values judged before refinement (both ends included)."""


@dataclass
class Probe:
    value: float
    holds: bool
    """Every goal holds (with confidence) on every target the glob names."""
    evidence: list[dict[str, Any]]
    """Per goal and target: goal, target, mean, ci_low, ci_high, n, holds."""
    misses: dict[str, float] = field(default_factory=dict)
    """Each failing goal and how far it misses (relative to its bound; see ``Goal.miss``)."""


@dataclass
class Plan:
    goals: tuple[Goal, ...]
    vary: str
    answer: float | None
    """A feasible value (see ``direction``), None when nothing in the range is feasible."""
    direction: str
    """``smallest`` or ``largest``: which end of the feasible set the answer is."""
    intervals: list[tuple[float, float]] = field(default_factory=list)
    """The feasible values, as closed intervals between the judged values that bound them."""
    probes: list[Probe] = field(default_factory=list)
    closest: list[Probe] = field(default_factory=list)
    """When nothing is feasible: the probes nearest to it, nearest first."""
    note: str = ""

    @property
    def goal(self) -> Goal:
        return self.goals[0]


def value_grid(low: float, high: float, points: int, integer: bool) -> list[float]:
    """``points`` values spread evenly from ``low`` to ``high``, both ends included (rounded
    and without repeats for a whole-number field)."""
    values = [low + (high - low) * k / (points - 1) for k in range(points)]
    if integer:
        values = [float(round(v)) for v in values]
    return sorted(set(values))


def holding_runs(probes: list[Probe]) -> list[tuple[float, float]]:
    """Runs of neighbouring holding probes (in value order), as (first, last) values."""
    runs: list[tuple[float, float]] = []
    for index, probe in enumerate(probes):
        if not probe.holds:
            continue
        if index and probes[index - 1].holds:
            runs[-1] = (runs[-1][0], probe.value)
        else:
            runs.append((probe.value, probe.value))
    return runs


def judge_point(
    graph: Graph,
    spec: dict[str, Any],
    values: Sequence[tuple[str, float]],
    goals: Sequence[Goal],
    target: str,
    run_args: tuple[int, int, str | None],
) -> tuple[list[dict[str, Any]], dict[str, float], float | None]:
    """Run one point (``values``: (path, value) pairs) with the sweep's seeds and judge every
    goal there: the evidence per goal and target, each failing goal's miss, and the month's
    mean cost there (None when it could not be priced)."""
    runs, sweep_seed, scheduler = run_args
    (point,) = sweep(graph, spec, [Vary(path, (value,)) for path, value in values], runs=runs,
                     sweep_seed=sweep_seed, scheduler=scheduler)  # fmt: skip
    if point.error:
        shown = ", ".join(f"{path}={value}" for path, value in values)
        raise PlanningError(f"{shown}: the run failed: {point.error}")
    evidence, misses = [], {}
    for goal in goals:
        holds, found = goal.judge(point, target)
        if not found:
            known = ", ".join(sorted({name for run in point.runs for name in run}))
            raise PlanningError(f"--target '{target}' names no target; known: {known}")
        evidence += [{"goal": str(goal), **e, "holds": holds} for e in found]
        if not holds:
            misses[str(goal)] = goal.miss(found)
    return evidence, misses, point.summary(DEPLOYMENT, COST_METRIC)["mean"]


class _Judge:
    """Runs and judges values of the field, each once."""

    def __init__(self, graph, spec, vary, goals, target, runs, sweep_seed, scheduler, integer,
                 progress) -> None:  # fmt: skip
        self.args = (graph, spec, vary, (runs, sweep_seed, scheduler))
        self.goals, self.target, self.integer, self.progress = goals, target, integer, progress
        self.seen: dict[float, Probe] = {}

    def __call__(self, value: float) -> Probe:
        value = float(round(value)) if self.integer else value
        if value in self.seen:
            return self.seen[value]
        graph, spec, vary, run_args = self.args
        shown = int(value) if self.integer else value
        evidence, misses, _ = judge_point(graph, spec, [(vary, shown)], self.goals, self.target,
                                          run_args)  # fmt: skip
        probe = self.seen[value] = Probe(value, not misses, evidence, misses)
        if self.progress:
            self.progress(probe)
        return probe

    def refine(self, left: float, right: float, step: float) -> None:
        """Bisect between two values of different verdicts down to ``step``."""
        left_holds = self(left).holds
        while right - left > step:
            middle = (left + right) / 2
            if self.integer:
                middle = float(round(middle))
                if middle in (left, right):
                    return
            if self(middle).holds == left_holds:
                left = middle
            else:
                right = middle


def plan(
    graph: Graph,
    spec: dict[str, Any],
    *,
    vary: str,
    low: float,
    high: float,
    goals: Sequence[Goal],
    target: str = "*",
    runs: int = 5,
    sweep_seed: int = 0,
    scheduler: str | None = "inline",
    integer: bool = True,
    points: int = DEFAULT_POINTS,
    progress: Callable[[Probe], None] | None = None,
) -> Plan:
    """The values of the field at ``vary`` in ``low``..``high`` where every goal holds."""
    if high <= low:
        raise PlanningError(f"--vary {vary}={low}:{high}: needs LOW < HIGH")
    if not goals:
        raise PlanningError("give at least one --goal")
    if points < 2:
        raise PlanningError(f"--points {points}: needs at least 2 (both ends)")
    judge = _Judge(graph, spec, vary, tuple(goals), target, runs, sweep_seed, scheduler, integer,
                   progress)  # fmt: skip
    grid = value_grid(low, high, points, integer)
    for value in grid:
        judge(value)
    step = 1.0 if integer else (high - low) / 64
    for left, right in pairwise(grid):
        if judge(left).holds != judge(right).holds:
            judge.refine(left, right, step)
    probes = [judge.seen[v] for v in sorted(judge.seen)]
    intervals = holding_runs(probes)
    result = Plan(tuple(goals), vary, None, "smallest", intervals, probes)
    spacing = max(b - a for a, b in pairwise(grid))
    resolution = "adjacent integers" if integer else f"{step:g}"
    result.note = (f"grid of {len(grid)} values ({spacing:g} apart), every change of verdict "
                   f"refined to {resolution}; a feasible island narrower than the grid step can "
                   "hide between two failing values (raise --points to look closer)")  # fmt: skip
    if not intervals:
        ranked = sorted(probes, key=lambda p: (sum(p.misses.values()), p.value))
        result.closest = ranked[:3]
        return result
    if len(intervals) == 1 and intervals[0][1] == probes[-1].value != intervals[0][0]:
        result.answer, result.direction = intervals[0][0], "smallest"
    elif len(intervals) == 1 and intervals[0][0] == probes[0].value:
        result.answer, result.direction = intervals[0][1], "largest"
    else:
        result.answer = intervals[0][0]
    return result
