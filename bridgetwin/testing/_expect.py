"""SLO assertions on a twin's run, with failure messages people can read.

``expect(run).target("OrderWebhook").start_latency(p99="30s").dlq(0).delivered(min=1)`` checks
each call at once and raises :class:`SloAssertionError` (an ``AssertionError``) on the first that
fails; its message is a short table of every check made so far in the chain, expected against
predicted, with the scenario's seed. Checks are never vacuous by default: a latency check over a
target that received no events fails, saying so, unless ``target(..., allow_empty=True)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.simulator import parse_duration
from bridgetwin.testing._twin import TwinRun


class SloAssertionError(AssertionError):
    """The twin predicts that a service-level objective is not met."""


SloAssertionError.__module__ = "bridgetwin.testing"  # where users import it from
EMPTY = "received no events (allow_empty=True accepts it)"


@dataclass
class _Row:
    target: str
    check: str
    expected: str
    predicted: str
    passed: bool


def _seconds(ms: float | None) -> str:
    if ms is None:
        return "no data"
    return f"{ms / 1e3:,.3g} s" if ms < 100_000 else f"{ms / 1e3:,.0f} s"


def _table(run: TwinRun, rows: list[_Row]) -> str:
    failed = sum(not r.passed for r in rows)
    result = run.result
    head = (
        f"bridgetwin: {failed} of {len(rows)} check(s) failed (scenario seed {result.seed}, "
        f"{result.duration_s:,.0f} s simulated)"
    )
    columns = [("target", "check", "expected", "predicted", "")]
    columns += [
        (r.target, r.check, r.expected, r.predicted, "ok" if r.passed else "FAIL") for r in rows
    ]
    widths = [max(len(line[i]) for line in columns) for i in range(5)]
    lines = [head] + [
        "  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in columns
    ]
    return "\n".join(lines)


@dataclass
class TargetExpectation:
    """Checks on the targets one name addresses (each check applies to every one of them)."""

    run: TwinRun
    name: str
    allow_empty: bool
    targets: list[tuple[str, Any]]
    rows: list[_Row] = field(default_factory=list)

    def _check(self, label: str, expected: str, values: list[tuple[str, Any, bool]]) -> None:
        __tracebackhide__ = True
        for display, predicted, passed in values:
            self.rows.append(_Row(display, label, expected, predicted, passed))
        if not all(passed for *_, passed in values):
            raise SloAssertionError(_table(self.run, self.rows))

    def _latency(self, kind: str, bounds: dict[str, Any]) -> TargetExpectation:
        __tracebackhide__ = True
        for statistic, bound in bounds.items():
            if bound is None:
                continue
            if statistic not in ("p50", "p90", "p99", "mean", "max"):
                raise TypeError(f"{kind}_latency({statistic}=...): use p50, p90, p99, mean, max")
            limit = parse_duration(bound)
            values = []
            for display, target in self.targets:
                value = target.latency_ms[kind][statistic]
                if not target.counts["ingested"] and not self.allow_empty:
                    values.append((display, EMPTY, False))
                    continue
                ok = self.allow_empty if value is None else value <= limit * 1e3
                values.append((display, _seconds(value), ok))
            self._check(f"{kind} latency {statistic}", f"<= {limit:g} s", values)
        return self

    def start_latency(self, **bounds: Any) -> TargetExpectation:
        """Ingestion to the first invocation attempt's start, e.g. ``p99="30s"``."""
        __tracebackhide__ = True
        return self._latency("start", bounds)

    def success_latency(self, **bounds: Any) -> TargetExpectation:
        """Ingestion to the successful delivery's end."""
        __tracebackhide__ = True
        return self._latency("success", bounds)

    def end_to_end_latency(self, **bounds: Any) -> TargetExpectation:
        """The event's first ingestion (on any bus) to its successful delivery here."""
        __tracebackhide__ = True
        return self._latency("end_to_end_success", bounds)

    def _count(self, label: str, value_of, low: float | None, high: float | None):
        __tracebackhide__ = True
        expected = " and ".join(
            part
            for part in (
                f">= {low:g}" if low is not None else "",
                f"<= {high:g}" if high is not None else "",
            )
            if part
        )
        values = []
        for display, target in self.targets:
            value = value_of(target)
            ok = (low is None or value >= low) and (high is None or value <= high)
            values.append((display, f"{value:,}", ok))
        self._check(label, expected, values)
        return self

    def dlq(self, max: int = 0) -> TargetExpectation:
        """Events sent to the rule's dead-letter queue."""
        __tracebackhide__ = True
        return self._count("DLQ messages", lambda t: t.counts["dlq"], None, max)

    def lost(self, max: int = 0) -> TargetExpectation:
        """Events that ended anywhere but delivered: to the DLQ or dropped."""
        __tracebackhide__ = True
        return self._count(
            "events lost (DLQ + dropped)",
            lambda t: t.counts["dlq"] + t.counts["dropped"],
            None,
            max,
        )

    def delivered(self, min: int | None = None, max: int | None = None) -> TargetExpectation:
        __tracebackhide__ = True
        return self._count("delivered", lambda t: t.counts["delivered"], min, max)

    def retries(self, max: int) -> TargetExpectation:
        __tracebackhide__ = True
        return self._count("retries", lambda t: t.counts["retries"], None, max)

    def in_flight(self, max: int) -> TargetExpectation:
        """Events still on their way when the run ended."""
        __tracebackhide__ = True
        return self._count("in flight at the end", lambda t: t.counts["in_flight"], None, max)


@dataclass
class Expectation:
    """``expect(run)``: choose targets by name, then check them."""

    run: TwinRun

    def target(self, name: str, *, allow_empty: bool = False) -> TargetExpectation:
        """The targets ``name`` addresses: a construct path or part of one, a logical id,
        ``RULE/TARGET_ID``, or a glob. Fails when it addresses none."""
        __tracebackhide__ = True
        targets = self.run.targets(name)
        if not targets:
            known = ", ".join(self.run.known_names()) or "none"
            raise SloAssertionError(f"bridgetwin: '{name}' names no rule target; known: {known}")
        return TargetExpectation(self.run, name, allow_empty, targets)


def expect(run: TwinRun) -> Expectation:
    """Start an SLO assertion on a simulated run."""
    return Expectation(run)


def assert_slo(run: TwinRun, *, allow_empty: bool = False) -> None:
    """Assert every ``slo:`` entry of the run's scenario. An objective on a target that
    received no events fails unless ``allow_empty`` (the scenario's own verdict would pass)."""
    __tracebackhide__ = True
    rows = []
    by_name = {f"{t.rule}/{t.target}": t for t in run.result.targets}
    for verdict in run.result.slo:
        target = by_name.get(verdict.target)
        empty = target is not None and not target.counts["ingested"]
        passed = verdict.passed and (allow_empty or not empty)
        bounds = [f">= {verdict.min:g}" if verdict.min is not None else "",
                  f"<= {verdict.max:g}" if verdict.max is not None else ""]  # fmt: skip
        if empty:
            predicted = EMPTY
        elif verdict.value is None or not math.isfinite(verdict.value):
            predicted = verdict.note or "no data"
        else:
            predicted = f"{verdict.value:,.6g}"
        display = run.twin.display(*verdict.target.rsplit("/", 1)) if target else verdict.target
        rows.append(
            _Row(display, verdict.metric, " and ".join(b for b in bounds if b), predicted, passed)
        )
    if not rows:
        raise SloAssertionError("bridgetwin: the scenario has no slo: entries to assert")
    if not all(r.passed for r in rows):
        raise SloAssertionError(_table(run, rows))
