"""Where goals hold over two fields at once: the feasible region, found without assuming one
boundary.

``plan_region(graph, spec, fields=[Field(path, low, high), Field(...)], goals=[...])`` extends
:mod:`.feasible_search` to a plane (a rate limit against a retry count, say). A verdict can change
anywhere, more than once along a row or a column, so the search

1. judges a coarse grid, ``points`` values of each field spread evenly over its range;
2. refines every pair of grid neighbours, along a row or along a column, whose verdicts differ:
   it bisects along that axis with the other value fixed, down to adjacent integers (or 1/64 of
   the range for a fractional field);
3. answers with the **region**: for each grid value of the second field, the intervals of the
   first where every goal held (and, for each grid value of the first, those of the second);
4. names a point in it: the feasible point judged whose month costs least (the cost every run
   reports, :mod:`.cost`), ties broken by the smaller values;
5. when nothing is feasible, names the closest points and what each misses.

What the grid cannot see is said in the answer: between grid rows (or columns) the boundary is
refined only where a row's (or column's) neighbours disagree; ``points`` trades runs for that.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.planning.feasible_search import Probe, holding_runs, judge_point, value_grid
from bridgetwin.planning.goal import Goal
from bridgetwin.planning.grid import PlanningError

DEFAULT_REGION_POINTS = 5
"""Grid values per field (both ends included): 25 points before refinement."""

Point = tuple[float, float]


@dataclass(frozen=True)
class Field:
    """One varied field: its path and range; ``integer`` values are whole numbers."""

    path: str
    low: float
    high: float
    integer: bool = True


@dataclass
class Region:
    goals: tuple[Goal, ...]
    fields: tuple[Field, Field]
    rows: list[tuple[float, list[tuple[float, float]]]] = field(default_factory=list)
    """Per grid value of the second field: the intervals of the first where every goal held."""
    columns: list[tuple[float, list[tuple[float, float]]]] = field(default_factory=list)
    """Per grid value of the first field: the intervals of the second."""
    probes: list[Probe] = field(default_factory=list)
    """Every point judged (``value``: the pair), in order of the pair."""
    answer: Point | None = None
    """The cheapest feasible point judged (None: nothing feasible)."""
    answer_cost: float | None = None
    closest: list[Probe] = field(default_factory=list)
    note: str = ""


class _PairJudge:
    """Runs and judges points of the plane, each once."""

    def __init__(self, graph, spec, fields, goals, target, run_args, progress) -> None:
        self.graph, self.spec, self.fields = graph, spec, fields
        self.goals, self.target, self.run_args, self.progress = goals, target, run_args, progress
        self.seen: dict[Point, Probe] = {}
        self.costs: dict[Point, float | None] = {}

    def __call__(self, x: float, y: float) -> Probe:
        point = tuple(float(round(v)) if f.integer else v
                      for v, f in zip((x, y), self.fields, strict=True))  # fmt: skip
        if point in self.seen:
            return self.seen[point]
        values = [(f.path, int(v) if f.integer else v)
                  for f, v in zip(self.fields, point, strict=True)]  # fmt: skip
        evidence, misses, cost = judge_point(self.graph, self.spec, values, self.goals,
                                             self.target, self.run_args)  # fmt: skip
        probe = self.seen[point] = Probe(point, not misses, evidence, misses)  # type: ignore[arg-type]
        self.costs[point] = cost
        if self.progress:
            self.progress(probe)
        return probe

    def refine(self, left: Point, right: Point, axis: int) -> None:
        """Bisect between two points of different verdicts that differ along ``axis``."""
        f = self.fields[axis]
        step = 1.0 if f.integer else (f.high - f.low) / 64
        left_holds = self(*left).holds
        while right[axis] - left[axis] > step:
            middle = list(left)
            middle[axis] = (left[axis] + right[axis]) / 2
            if f.integer:
                middle[axis] = float(round(middle[axis]))
                if middle[axis] in (left[axis], right[axis]):
                    return
            if self(*middle).holds == left_holds:
                left = (middle[0], middle[1])
            else:
                right = (middle[0], middle[1])


def _lines(probes: list[Probe], axis: int, at: list[float]) -> list[tuple[float, list]]:
    """For each value in ``at`` of the other axis, the intervals along ``axis`` where all held."""
    other = 1 - axis
    out = []
    for value in at:
        line = sorted((p for p in probes if p.value[other] == value), key=lambda p: p.value[axis])  # type: ignore[index]
        runs = holding_runs([Probe(p.value[axis], p.holds, []) for p in line])  # type: ignore[index]
        out.append((value, runs))
    return out


def plan_region(
    graph: Graph,
    spec: dict[str, Any],
    *,
    fields: Sequence[Field],
    goals: Sequence[Goal],
    target: str = "*",
    runs: int = 5,
    sweep_seed: int = 0,
    scheduler: str | None = "inline",
    points: int | tuple[int, int] = DEFAULT_REGION_POINTS,
    progress: Callable[[Probe], None] | None = None,
) -> Region:
    """The region of the two fields' ranges where every goal holds (``points``: grid values
    per field, or a pair: the first field's and the second's)."""
    if len(fields) != 2:
        raise PlanningError("a feasible region takes exactly two --vary fields")
    for f in fields:
        if f.high <= f.low:
            raise PlanningError(f"--vary {f.path}={f.low}:{f.high}: needs LOW < HIGH")
    if not goals:
        raise PlanningError("give at least one --goal")
    per_field = (points, points) if isinstance(points, int) else points
    if min(per_field) < 2:
        raise PlanningError(f"--points {points}: needs at least 2 (both ends)")
    pair = (fields[0], fields[1])
    judge = _PairJudge(graph, spec, pair, tuple(goals), target, (runs, sweep_seed, scheduler),
                       progress)  # fmt: skip
    xs, ys = (value_grid(f.low, f.high, n, f.integer) for f, n in zip(pair, per_field, strict=True))
    for y in ys:
        for x in xs:
            judge(x, y)
    for y in ys:
        for a, b in pairwise(xs):
            if judge(a, y).holds != judge(b, y).holds:
                judge.refine((a, y), (b, y), 0)
    for x in xs:
        for a, b in pairwise(ys):
            if judge(x, a).holds != judge(x, b).holds:
                judge.refine((x, a), (x, b), 1)
    probes = [judge.seen[p] for p in sorted(judge.seen)]
    region = Region(tuple(goals), pair, _lines(probes, 0, ys), _lines(probes, 1, xs), probes)
    region.note = (f"grid of {len(xs)} x {len(ys)} values, every change of verdict along a row "
                   "or a column refined; between grid rows and columns the boundary is known "
                   "only where neighbours disagree (raise --points to look closer)")  # fmt: skip
    feasible = [p for p in probes if p.holds]
    if not feasible:
        region.closest = sorted(probes, key=lambda p: (sum(p.misses.values()), p.value))[:3]
        return region
    costs = judge.costs
    best = min(feasible, key=lambda p: (costs[p.value] is None, costs[p.value] or 0.0, p.value))  # type: ignore[index]
    region.answer, region.answer_cost = best.value, costs[best.value]  # type: ignore[assignment,index]
    return region
