"""The migration under a scenario: the Classic deployment against the faithful migration, and
against the migration that relies on AWS's defaults, with the same seeds
(:func:`bridgetwin.planning.behaviour_diff.behaviour_diff`, each rule target paired with the
subscriber that replaced it). The first should change nothing but what the findings say; the
second shows what the new defaults (5 attempts / 300 s) cost under the scenario's disruptions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bridgetwin.graph import Graph, load_graph
from bridgetwin.migration.deployment_migration import Migration
from bridgetwin.planning.behaviour_diff import DIFF_METRICS, DiffReport, behaviour_diff
from bridgetwin.planning.sweep import COST_METRIC

DELIVERY_METRICS = tuple(m for m in DIFF_METRICS if m != COST_METRIC)
"""What the comparison judges: delivery, not cost (the Custom Event Bus has no published rates,
so its cost would seem to fall)."""


@dataclass(frozen=True)
class MigrationComparison:
    faithful: DiffReport
    aws_defaults: DiffReport

    def to_dict(self) -> dict[str, Any]:
        return {"faithful": self.faithful.to_dict(), "aws_defaults": self.aws_defaults.to_dict()}


def compare_migration(
    classic: Graph,
    migration: Migration,
    spec: dict[str, Any],
    *,
    runs: int = 10,
    seed: int = 0,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> MigrationComparison:
    """Both diffs of ``migration`` against ``classic`` under ``spec`` over ``runs`` seeds."""
    reports = {}
    for side in ("faithful", "aws_defaults"):
        head = load_graph(getattr(migration, side), parameters)
        step = (lambda done, total, side=side: progress(side, done, total)) if progress else None
        reports[side] = behaviour_diff(classic, head, spec, runs=runs, seed=seed,
                                       pairs=migration.pairs, progress=step,
                                       metrics=DELIVERY_METRICS)  # fmt: skip
    return MigrationComparison(reports["faithful"], reports["aws_defaults"])
