"""Lambda functions from ``AWS/Lambda``: how long a run takes, how often it fails, and the
concurrency it was held to.

Per function (dimension ``FunctionName``): ``Errors`` over ``Invocations`` is the share of runs
that fail; ``Duration`` p50 and p99 (milliseconds; the mean over periods, as for endpoints, see
:mod:`.target_fit`) give a lognormal run time. Concurrency is only visible when it bound: a
function throttled (``Throttles`` above zero) ran at most ``ConcurrentExecutions`` (Maximum) at
once, which is then its limit; one never throttled shows none, and the scenario's value (or the
template's ``ReservedConcurrentExecutions``, which a template states and the metrics never
override) is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridgetwin.calibration.deployment_metrics import (
    check_names,
    first_then_base,
    glob_applies,
    physical_name,
)
from bridgetwin.calibration.recording import MetricKey, Recording
from bridgetwin.graph import Graph
from bridgetwin.graph.service_nodes import LambdaFunction

LAMBDA = "AWS/Lambda"
FUNCTION_METRICS = (
    ("Invocations", "Sum"),
    ("Errors", "Sum"),
    ("Throttles", "Sum"),
    ("Duration", "p50"),
    ("Duration", "p99"),
    ("ConcurrentExecutions", "Maximum"),
)


@dataclass(frozen=True)
class FunctionMetrics:
    """The metrics of one function, under its physical name."""

    function: LambdaFunction
    name: str

    def key(self, metric: str, stat: str = "Sum") -> MetricKey:
        return MetricKey.of(LAMBDA, metric, stat, FunctionName=self.name)

    def metric_keys(self) -> list[MetricKey]:
        return [self.key(m, s) for m, s in FUNCTION_METRICS]


def function_metrics(
    graph: Graph, names: Mapping[str, str] = {}, recorded: Iterable[str] = ()
) -> list[FunctionMetrics]:
    """Every function of the deployment, under the name its metrics carry."""
    check_names(graph, names)
    recorded = sorted(set(recorded))
    return [FunctionMetrics(f, physical_name(f.id, f.name, "function", names, recorded))
            for f in graph.functions]  # fmt: skip


def _mean_finite(values: np.ndarray | None) -> float | None:
    if values is None:
        return None
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if len(finite) else None


def fit_function(
    metrics: FunctionMetrics, recording: Recording
) -> tuple[dict[str, Any], list[str], list[str]] | None:
    """A ``functions:`` entry, its provenance lines and notes; None without ``Invocations``."""
    invocations = recording.counts(metrics.key("Invocations"))
    if invocations is None or invocations.sum() <= 0:
        return None
    where = f"FunctionName={metrics.name}, period {recording.period} s"
    entry: dict[str, Any] = {"match": metrics.function.id}
    provenance, notes = [], []
    errors = recording.counts(metrics.key("Errors"))
    if errors is not None:
        entry["error_rate"] = round(min(1.0, float(errors.sum() / invocations.sum())), 6)
        provenance.append(f"functions '{metrics.function.id}' error_rate: AWS/Lambda Errors "
                          f"/ Invocations, Sum, {where}")  # fmt: skip
    median = _mean_finite(recording.values(metrics.key("Duration", "p50")))
    p99 = _mean_finite(recording.values(metrics.key("Duration", "p99")))
    if median is not None and median > 0:
        if p99 is None or p99 <= median * 1.001:
            entry["duration"] = {"distribution": "fixed", "value": round(median / 1e3, 6)}
        else:
            entry["duration"] = {"distribution": "lognormal", "median": round(median / 1e3, 6),
                                 "p99": round(p99 / 1e3, 6)}  # fmt: skip
        provenance.append(f"functions '{metrics.function.id}' duration: AWS/Lambda Duration, "
                          f"p50 and p99, mean over periods, {where}")  # fmt: skip
    throttles = recording.counts(metrics.key("Throttles"))
    peak = recording.values(metrics.key("ConcurrentExecutions", "Maximum"))
    reserved = metrics.function.reserved_concurrency
    if throttles is not None and throttles.sum() > 0 and peak is not None and reserved is None:
        limit = int(np.nanmax(peak)) if np.isfinite(peak).any() else None
        if limit:
            entry["concurrency"] = limit
            provenance.append(
                f"functions '{metrics.function.id}' concurrency: AWS/Lambda "
                f"ConcurrentExecutions, Maximum, while Throttles was above zero, {where}"
            )
    elif reserved is None:
        notes.append(
            f"function {metrics.function.id}: never throttled, so the metrics show no "
            "concurrency limit (the scenario's, or the account's pool, stays)"
        )
    return entry, provenance, notes


def function_entries(
    graph: Graph, recording: Recording, names: Mapping[str, str], base: Mapping[str, Any]
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """The ``functions:`` section: calibrated entries first (over the user's entry for the same
    function, whose other fields stay), then the user's other entries; with the provenance and
    notes."""
    recorded = recording.dimension_values(LAMBDA, "FunctionName")
    entries, provenance, notes = [], [], []
    for metrics in function_metrics(graph, names, recorded):
        fitted = fit_function(metrics, recording)
        if fitted is None:
            notes.append(f"function {metrics.function.id}: no AWS/Lambda Invocations under the "
                         f"name '{metrics.name}' (not calibrated)")  # fmt: skip
            continue
        entry, lines, remarks = fitted
        own = (metrics.function.id, metrics.function.name)
        user = next((e for e in base.get("functions", []) if glob_applies(e, own)), {})
        entries.append({**user, **entry})
        provenance += lines
        notes += remarks
    return first_then_base(entries, base.get("functions", [])), provenance, notes
