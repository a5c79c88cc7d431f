"""Trade-offs: the sweep points no other point beats on every metric at once (the Pareto front).

A planner weighing DLQ volume against start latency wants the points where one can only improve
at the other's expense. Each metric has its better direction (``counts.delivered``: more;
every other metric: less). Point ``a`` *dominates* ``b`` when it is at least as good on every
metric and better on one; the front is every point no other dominates, judged on the means over
the seeds (points without a value for a metric are left out). Two metrics take a sort and one
pass, O(n log n); more take the pairwise check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

MAXIMIZED = frozenset({"counts.delivered"})
"""Metrics where more is better; for all others less is."""


def _key(values: Mapping[str, float], metrics: Sequence[str]) -> tuple[float, ...]:
    """The values as costs: lower is better on every coordinate."""
    return tuple(-values[m] if m in MAXIMIZED else values[m] for m in metrics)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(x <= y for x, y in zip(a, b, strict=True)) and any(
        x < y for x, y in zip(a, b, strict=True)
    )


def pareto_front(points: Sequence[Mapping[str, float | None]], metrics: Sequence[str]) -> list[int]:
    """Indices (in ``points``) of the non-dominated points, in index order."""
    if len(metrics) < 2:
        raise ValueError("a Pareto front needs at least two metrics")
    usable = [(i, _key(p, metrics)) for i, p in enumerate(points)  # type: ignore[arg-type]
              if all(p.get(m) is not None for m in metrics)]  # fmt: skip
    if len(metrics) == 2:
        front, best_second = [], float("inf")
        ordered = sorted(usable, key=lambda item: item[1])
        for position, (index, (first, second)) in enumerate(ordered):
            tie = position and ordered[position - 1][1] == (first, second)
            if second < best_second or (tie and front and front[-1][1] == (first, second)):
                front.append((index, (first, second)))
                best_second = min(best_second, second)
        return sorted(index for index, _ in front)
    return sorted(i for i, key in usable if not any(dominates(other, key) for _, other in usable))
