"""Objectives judged over several seeds: ``slo[].seeds``.

One run is one draw of the traffic and the failures, so an objective near its bound can pass on
one seed and fail on the next. An ``slo:`` entry with ``seeds: N`` is judged on the scenario's
seed and N-1 seeds derived from it (:func:`bridgetwin.planning.grid.seeds`, as sweeps and
``twin(...).simulate(seeds=N)`` derive theirs): it holds only if it holds on every one, and its
verdict says how many held, with the mean of the predicted value and its 95 % interval
(Student's t). ``simulate --check``, ``assert_slo`` and the CDK validation plugin all judge
through :func:`simulate_judged`, so they agree.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

from bridgetwin.planning.grid import seeds as derived
from bridgetwin.planning.sweep import interval
from bridgetwin.simulator.results import Result, SloResult
from bridgetwin.simulator.scenario import Scenario, Slo


def seeds_needed(scenario: Scenario) -> int:
    """The most runs any of the scenario's objectives asks for."""
    return max((objective.seeds for objective in scenario.slo), default=1)


def run_seeds(first: int, count: int) -> list[int]:
    """The scenario's seed, then ``count - 1`` seeds derived from it."""
    return [first, *derived(first, count - 1)] if count > 1 else [first]


def _combined(runs: Sequence[SloResult], count: int) -> SloResult:
    first = runs[0]
    held = sum(v.passed for v in runs)
    values = [v.value for v in runs if v.value is not None and math.isfinite(v.value)]
    note = f"{held}/{count} seeds held"
    mean = None
    if values:
        mean, low, high = interval(values)
        note += f"; 95 % interval [{max(0.0, low):,.6g}, {high:,.6g}]"
    why = next((v.note for v in runs if not v.passed and v.note), "")
    note += f"; {why}" if why else ""
    return dataclasses.replace(first, value=mean, passed=held == count, note=note)


def slo_over_seeds(results: Sequence[Result], objectives: Sequence[Slo]) -> tuple[SloResult, ...]:
    """Each verdict of ``results[0]``, judged over the first ``seeds`` results its objective
    asks for (the results are runs of one scenario on one deployment, so their verdicts line
    up one for one)."""
    combined = []
    for position, verdict in enumerate(results[0].slo):
        count = objectives[verdict.objective].seeds if verdict.objective >= 0 else 1
        if count <= 1:
            combined.append(verdict)
            continue
        if len(results) < count:
            raise ValueError(f"slo.{verdict.objective} asks for {count} seeds; "
                             f"{len(results)} were run")  # fmt: skip
        combined.append(_combined([r.slo[position] for r in results[:count]], count))
    return tuple(combined)


def simulate_judged(
    simulate: Callable[[int], Result],
    scenario: Scenario,
    seed: int,
    runs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Result, tuple[Result, ...]]:
    """The run at ``seed`` and ``max(runs, seeds_needed) - 1`` more at derived seeds; the first
    result's ``slo`` verdicts are judged over the seeds each objective asks for."""
    count = max(runs, seeds_needed(scenario))
    results: list[Any] = []
    for number, each in enumerate(run_seeds(seed, count)):
        if progress is not None and count > 1:
            progress(number, count)
        results.append(simulate(each))
    first = results[0]
    if seeds_needed(scenario) > 1:
        first = dataclasses.replace(first, slo=slo_over_seeds(results, scenario.slo))
    return first, tuple(results[1:])
