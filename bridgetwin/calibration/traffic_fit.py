"""Traffic from ``MatchedEvents``: events per period that reproduce what each rule matched.

CloudWatch counts, per rule and period, the events the rule matched; it does not say which
events those were, nor how many matched several rules at once. The fit chooses one event per
rule that matches as few of the bus's other rules as the patterns allow: the base scenario's
where one fits, else one of a schema's shape (:mod:`.schema_events`) with the fields the pattern
tests set as it requires, else one :func:`bridgetwin.patterns.example_event` writes from the
pattern alone; and it finds, period by period, the non-negative rate of
each event whose matches add up to the recorded counts (non-negative least squares). When every
event matches only its own rule this is the recorded rate itself; when one rule's events are a
subset of another's it is the difference; what no choice of rates reproduces is reported as the
fit's residual.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridgetwin.calibration.deployment_metrics import RuleMetrics
from bridgetwin.calibration.recording import Recording
from bridgetwin.patterns import example_event
from bridgetwin.patterns._example import ENVELOPE
from bridgetwin.simulator.engine.workload import event_as_delivered


@dataclass(frozen=True)
class FittedTraffic:
    """One event put on one bus at a rate per period."""

    bus: str
    """The bus's graph id."""
    event: dict[str, Any]
    rates: np.ndarray
    """Events per second in each period."""
    rules: tuple[str, ...]
    """The rules (graph ids) it matches."""
    origin: str
    """``scenario`` (the base scenario's event), ``schema NAME`` (a schema's shape) or
    ``pattern`` (written from the pattern)."""


@dataclass(frozen=True)
class TrafficFit:
    traffic: tuple[FittedTraffic, ...]
    residual: dict[str, float]
    """Per bus: the share of recorded matches the fitted rates do not reproduce."""
    unmatched_rules: tuple[str, ...]
    """Rules for which no event could be written (their matches are left out)."""


def _lookup(event: Mapping[str, Any], path: list[str]) -> tuple[bool, Any]:
    node: Any = event
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _shaped(shape: dict[str, Any], written: dict[str, Any], fields: frozenset[str]) -> dict:
    """The schema's event with the fields the pattern constrains taken from ``written``."""
    event = copy.deepcopy(shape)
    for dotted in fields:
        path = dotted.split(".")
        found, value = _lookup(written, path)
        parent: Any = event
        for key in path[:-1]:
            if not isinstance(parent.get(key), dict):
                parent[key] = {}
            parent = parent[key]
        if found:
            parent[path[-1]] = value
        else:
            parent.pop(path[-1], None)
    for key, default in ENVELOPE.items():
        if not isinstance(event.get(key), str):
            event[key] = default
    return event


def _choose_event(
    rule: RuleMetrics,
    others: Sequence[RuleMetrics],
    base: Sequence[dict[str, Any]],
    shapes: Sequence[tuple[str, dict[str, Any]]],
    where: Any,
) -> tuple[dict[str, Any], str] | None:
    """An event the rule matches that matches the fewest other rules: the base scenario's
    first, then one of a schema's shape (the pattern's fields set as it requires), then one
    written from the pattern alone; None when none matches the rule."""
    pattern = rule.rule.pattern
    assert pattern is not None
    avoid = [o.rule.pattern for o in others if o.rule.pattern is not None]

    def clashes(event: dict[str, Any]) -> int | None:
        delivered = event_as_delivered(event, where.region, where.account)
        if not pattern.matches(delivered):
            return None
        return sum(other.matches(delivered) for other in avoid)

    written = example_event(pattern, avoid)
    candidates = [(e, "scenario") for e in base]
    if written is not None:
        candidates += [(_shaped(shape, written, pattern.fields), f"schema {name}")
                       for name, shape in shapes]  # fmt: skip
        candidates.append((written, "pattern"))
    scored = [(c, n, e, origin) for n, (e, origin) in enumerate(candidates)
              if (c := clashes(e)) is not None]  # fmt: skip
    if not scored:
        return None
    _, _, event, origin = min(scored, key=lambda s: s[:2])
    return event, origin


def _nnls(matrix: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Non-negative rates per period (columns of ``targets``)."""
    if matrix.shape[0] == matrix.shape[1] and np.array_equal(matrix, np.eye(len(matrix))):
        return targets.copy()
    from scipy.optimize import nnls

    return np.column_stack([nnls(matrix, column)[0] for column in targets.T])


def fit_traffic(
    rules: Sequence[RuleMetrics],
    recording: Recording,
    graph: Any,
    base_events: Mapping[str, Sequence[dict[str, Any]]],
    shapes: Sequence[tuple[str, dict[str, Any]]] = (),
) -> TrafficFit:
    """Per bus, events and rates that reproduce each rule's recorded ``MatchedEvents``."""
    by_bus: dict[str, list[tuple[RuleMetrics, np.ndarray]]] = {}
    for rule in rules:
        matched = recording.counts(rule.key("MatchedEvents"))
        if matched is not None and matched.sum() > 0:
            by_bus.setdefault(rule.rule.bus, []).append((rule, matched / recording.period))
    fitted, residual, unmatched = [], {}, []
    for bus_id, entries in by_bus.items():
        bus = graph.get(bus_id)
        bus_rules = [r for r in rules if r.rule.bus == bus_id]
        events: list[tuple[dict[str, Any], str]] = []
        for rule, _ in entries:
            others = [o for o in bus_rules if o is not rule]
            chosen = _choose_event(rule, others, base_events.get(bus_id, ()), shapes, bus)
            if chosen is None:
                unmatched.append(rule.rule.id)
            elif chosen not in events:
                events.append(chosen)
        kept = [(r, m) for r, m in entries if r.rule.id not in unmatched]
        if not events or not kept:
            continue
        delivered = [event_as_delivered(e, bus.region, bus.account) for e, _ in events]
        matrix = np.array(
            [
                [float(r.rule.pattern.matches(d)) for d in delivered]  # type: ignore[union-attr]
                for r, _ in kept
            ]
        )
        targets = np.vstack([m for _, m in kept])
        rates = _nnls(matrix, targets)
        total = targets.sum()
        residual[bus_id] = float(np.abs(matrix @ rates - targets).sum() / total)
        for column, (event, origin) in enumerate(events):
            series = rates[column]
            if series.sum() <= 0:
                continue
            hit = tuple(r.rule.id for r, _ in kept if r.rule.pattern.matches(delivered[column]))  # type: ignore[union-attr]
            fitted.append(FittedTraffic(bus_id, event, series, hit, origin))
    return TrafficFit(tuple(fitted), residual, tuple(unmatched))
