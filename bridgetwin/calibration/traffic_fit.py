"""Traffic from ``MatchedEvents``: events per period that reproduce what each rule matched.

CloudWatch counts, per rule and period, the events the rule matched; it does not say which
events those were, nor how many matched several rules at once. The fit chooses one event per
rule (the base scenario's, when one there matches the rule and no other rule, else one
:func:`bridgetwin.patterns.example_event` writes from the rule's pattern, matching as few of the
bus's other rules as the patterns allow) and finds, period by period, the non-negative rate of
each event whose matches add up to the recorded counts (non-negative least squares). When every
event matches only its own rule this is the recorded rate itself; when one rule's events are a
subset of another's it is the difference; what no choice of rates reproduces is reported as the
fit's residual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bridgetwin.calibration.deployment_metrics import RuleMetrics
from bridgetwin.calibration.recording import Recording
from bridgetwin.patterns import example_event
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
    """``scenario`` (the base scenario's event) or ``pattern`` (written from the pattern)."""


@dataclass(frozen=True)
class TrafficFit:
    traffic: tuple[FittedTraffic, ...]
    residual: dict[str, float]
    """Per bus: the share of recorded matches the fitted rates do not reproduce."""
    unmatched_rules: tuple[str, ...]
    """Rules for which no event could be written (their matches are left out)."""


def _choose_event(
    rule: RuleMetrics, others: Sequence[RuleMetrics], base: Sequence[dict[str, Any]], where: Any
) -> tuple[dict[str, Any], str] | None:
    """The base scenario's event that matches the rule and the fewest other rules, unless the
    pattern allows one that matches fewer; None when neither matches the rule."""
    pattern = rule.rule.pattern
    assert pattern is not None
    avoid = [o.rule.pattern for o in others if o.rule.pattern is not None]

    def clashes(event: dict[str, Any]) -> int | None:
        delivered = event_as_delivered(event, where.region, where.account)
        if not pattern.matches(delivered):
            return None
        return sum(other.matches(delivered) for other in avoid)

    scored = [(c, n, e, "scenario") for n, e in enumerate(base) if (c := clashes(e)) is not None]
    written = example_event(pattern, avoid)
    if written is not None and (c := clashes(written)) is not None:
        scored.append((c, len(base), written, "pattern"))
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
            chosen = _choose_event(rule, others, base_events.get(bus_id, ()), bus)
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
