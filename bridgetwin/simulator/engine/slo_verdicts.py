"""A scenario's ``slo:`` entries judged on a finished run: each objective on every target its
name addresses (:mod:`bridgetwin.graph.target_names`: construct path, logical id,
``RULE/TARGET``, globs), each verdict given by :func:`bridgetwin.simulator.results.verdicts.judge`,
the same function ``expect()`` uses. An objective that names no target fails and is warned
about, with the names that exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bridgetwin.graph import Graph
from bridgetwin.graph.target_names import names_of
from bridgetwin.simulator.results.records import SloResult, TargetResult
from bridgetwin.simulator.results.verdicts import judge
from bridgetwin.simulator.scenario import Slo


def slo_verdicts(
    objectives: Sequence[Slo], targets: Sequence[TargetResult], graph: Graph
) -> tuple[list[SloResult], list[dict[str, Any]]]:
    """(one verdict per objective and target it names, warnings for names matching nothing)."""
    names = names_of(graph)
    verdicts, warnings = [], []
    for number, objective in enumerate(objectives):
        named = [t for t in targets if names.addresses(objective.target, t.rule, t.target)]
        if not named:
            known = ", ".join(names.display(t.rule, t.target) for t in targets) or "none"
            warnings.append({
                "code": "slo-matches-nothing",
                "message": f"slo.{number}: target '{objective.target}' matches no "
                f"rule/target, so it judges nothing and fails; known: {known}"
                + names.why_unknown(),
            })  # fmt: skip
            verdicts.append(SloResult(objective.target, objective.metric, None, objective.max,
                                      objective.min, False, "matches no target",
                                      number))  # fmt: skip
        for target in named:
            verdict = judge(
                target, objective.metric, objective.max, objective.min,
                allow_empty=objective.allow_empty, allow_unfinished=objective.allow_unfinished,
            )  # fmt: skip
            verdicts.append(SloResult(f"{target.rule}/{target.target}", objective.metric,
                                      verdict.value, objective.max, objective.min,
                                      verdict.passed, verdict.note, number))  # fmt: skip
    return verdicts, warnings
