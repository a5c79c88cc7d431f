"""SLO assertions on a twin's run, with failure messages people can read.

``expect(run).target("OrderWebhook").start_latency(p99="30s").dlq(0).delivered(min=1)`` checks
each call at once (``expect(run).subscriber("Orders/Webhook")`` does the same for a Custom Event
Bus subscriber) and raises :class:`SloAssertionError` (an ``AssertionError``) on the first that
fails; its message is a short table of every check made so far in the chain, expected against
predicted, with the scenario's seed. ``with expect_all(run) as check:`` makes every check of the
block (``check.target(...)...``, over any number of targets) and raises once at its end, with
all of them in one table: no failure hides the ones after it. Each verdict is the one a
scenario's ``slo:`` entry gets (:mod:`bridgetwin.simulator.results.verdicts`), and checks are
never vacuous: a latency check over
a target that received no events fails unless ``target(..., allow_empty=True)``; a count or
latency over events that had not finished when the run ended fails, saying how many, unless the
scenario drains (``drain:``) or ``target(..., allow_unfinished=True)``; a check with no bound or a
negative count is an error in the test itself.
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from typing import Any

from bridgetwin.graph.target_names import names_of
from bridgetwin.planning.sweep import interval
from bridgetwin.simulator import parse_duration
from bridgetwin.simulator.results.verdicts import EMPTY, judge
from bridgetwin.testing._twin import TwinRun


class SloAssertionError(AssertionError):
    """The twin predicts that a service-level objective is not met."""


SloAssertionError.__module__ = "bridgetwin.testing"  # where users import it from


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


def _shown(value: str, note: str) -> str:
    return f"{value} ({note})" if note else value


def _table(run: TwinRun, rows: list[_Row]) -> str:
    failed = sum(not r.passed for r in rows)
    result = run.result
    seeds = (f"{len(run.results)} seeds from {result.seed}" if run.more
             else f"scenario seed {result.seed}")  # fmt: skip
    head = (
        f"bridgetwin: {failed} of {len(rows)} check(s) failed ({seeds}, "
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
    targets: list[tuple[str, list[Any]]]
    """(display name, the target's result in each seed's run)."""
    allow_unfinished: bool = False
    rows: list[_Row] = field(default_factory=list)
    deferred: bool = False
    """Inside ``expect_all``: record failures and let the block raise them together."""

    def _check(self, label: str, expected: str, values: list[tuple[str, Any, bool]]) -> None:
        __tracebackhide__ = True
        for display, predicted, passed in values:
            self.rows.append(_Row(display, label, expected, predicted, passed))
        if not self.deferred and not all(passed for *_, passed in values):
            raise SloAssertionError(_table(self.run, self.rows))

    def _verdict(self, target: Any, metric: str, high: Any, low: Any = None, value: Any = None):
        return judge(target, metric, high, low, allow_empty=self.allow_empty,
                     allow_unfinished=self.allow_unfinished, value=value)  # fmt: skip

    def _judged(self, metric: str, high: Any, low: Any, show, of=None) -> list[tuple]:
        """(display, predicted text, passed) per target: over every seed of the run, passed
        only if each seed's verdict passes, with how many did and the 95 % interval."""
        out = []
        for display, targets in self.targets:
            verdicts = [self._verdict(t, metric, high, low, None if of is None else float(of(t)))
                        for t in targets]  # fmt: skip
            passed = all(v.passed for v in verdicts)
            note = next((v.note for v in verdicts if not v.passed and v.note), "")
            if len(verdicts) == 1:
                out.append((display, _shown(show(verdicts[0].value), note), passed))
                continue
            values = [v.value for v in verdicts if v.value is not None]
            text = "no data"
            if values:
                mean, low_end, high_end = interval(values)
                text = f"{show(mean)} [{show(max(0.0, low_end))}, {show(high_end)}]"
            held = sum(v.passed for v in verdicts)
            out.append((display, _shown(f"{text}; {held}/{len(verdicts)} seeds held", note),
                        passed))  # fmt: skip
        return out

    def _latency(self, kind: str, bounds: dict[str, Any]) -> TargetExpectation:
        __tracebackhide__ = True
        given = {k: v for k, v in bounds.items() if v is not None}
        if not given:
            raise TypeError(f"{kind}_latency() needs a bound, e.g. p99='30s' (it would check "
                            "nothing)")  # fmt: skip
        for statistic, bound in given.items():
            if statistic not in ("p50", "p90", "p99", "mean", "max"):
                raise TypeError(f"{kind}_latency({statistic}=...): use p50, p90, p99, mean, max")
            limit = parse_duration(bound)
            values = self._judged(f"latency.{kind}.{statistic}", limit, None,
                                  lambda v: _seconds(None if v is None else v * 1e3))  # fmt: skip
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

    def _count(self, label: str, metric: str, low: float | None, high: float | None, of=None):
        __tracebackhide__ = True
        if low is None and high is None:
            raise TypeError(f"{label}: give min= or max= (it would check nothing)")
        for bound in (low, high):
            if bound is not None and (not math.isfinite(bound) or bound < 0):
                raise ValueError(f"{label}: a count bound must be a number >= 0, got {bound!r}")
        expected = " and ".join(
            part
            for part in (
                f">= {low:g}" if low is not None else "",
                f"<= {high:g}" if high is not None else "",
            )
            if part
        )

        def show(value: float | None) -> str:
            return f"{value:,.0f}" if value is not None else "no data"

        values = self._judged(metric, high, low, show, of)
        self._check(label, expected, values)
        return self

    def dlq(self, max: int = 0) -> TargetExpectation:
        """Events sent to the rule's dead-letter queue."""
        __tracebackhide__ = True
        return self._count("DLQ messages", "counts.dlq", None, max)

    def lost(self, max: int = 0) -> TargetExpectation:
        """Events that ended anywhere but delivered: to the DLQ or dropped."""
        __tracebackhide__ = True
        return self._count("events lost (DLQ + dropped)", "counts.dlq", None, max,
                           lambda t: t.counts["dlq"] + t.counts["dropped"])  # fmt: skip

    def delivered(self, min: int | None = None, max: int | None = None) -> TargetExpectation:
        __tracebackhide__ = True
        return self._count("delivered", "counts.delivered", min, max)

    def retries(self, max: int) -> TargetExpectation:
        __tracebackhide__ = True
        return self._count("retries", "counts.retries", None, max)

    def in_flight(self, max: int) -> TargetExpectation:
        """Events still on their way when the run ended."""
        __tracebackhide__ = True
        return self._count("in flight at the end", "counts.in_flight", None, max)


@dataclass
class Expectation:
    """``expect(run)``: choose targets by name, then check them."""

    run: TwinRun
    rows: list[_Row] | None = None
    """Inside ``expect_all``: the block's one table, which every check adds to."""

    def target(
        self, name: str, *, allow_empty: bool = False, allow_unfinished: bool = False
    ) -> TargetExpectation:
        """The targets ``name`` addresses: a construct path or part of one, a logical id,
        ``RULE/TARGET_ID``, or a glob. Fails when it addresses none."""
        __tracebackhide__ = True
        targets = self.run.per_seed(name)
        if not targets:
            known = ", ".join(self.run.known_names()) or "none"
            twin = self.run.twin
            hint = "" if twin.construct_paths else names_of(twin.graph).why_unknown()
            self._unknown(name, "target", f"names no rule target; known: {known}{hint}")
        return self._checks(name, targets, allow_empty, allow_unfinished)

    def subscriber(
        self, name: str, *, allow_empty: bool = False, allow_unfinished: bool = False
    ) -> TargetExpectation:
        """The Custom Event Bus subscribers ``name`` addresses (a construct path or part of
        one, a logical id, the subscriber's name, or a glob), each checked on its one target.
        Fails when it addresses none."""
        __tracebackhide__ = True
        twin = self.run.twin
        ids = {
            s.id
            for s in twin.graph.subscribers
            if twin.addresses(name, s.id, "Target") or fnmatch.fnmatchcase(s.name, name)
        }
        targets = [(shown, results) for shown, results in self.run.per_seed("*")
                   if results[0].rule in ids]  # fmt: skip
        if not targets:
            known = sorted(f"{twin.display(s.id, 'Target').rsplit('/', 1)[0]} ({s.name})"
                           for s in twin.graph.subscribers)  # fmt: skip
            why = f"names no Custom Event Bus subscriber; known: {', '.join(known) or 'none'}"
            self._unknown(name, "subscriber", why)
        return self._checks(name, targets, allow_empty, allow_unfinished)

    def _unknown(self, name: str, what: str, why: str) -> None:
        __tracebackhide__ = True
        message = f"bridgetwin: '{name}' {why}"
        if self.rows is None:
            raise SloAssertionError(message)
        self.rows.append(_Row(name, what, f"names a {what}", message, False))

    def _checks(self, name, targets, allow_empty: bool, allow_unfinished: bool):
        deferred = self.rows is not None
        return TargetExpectation(self.run, name, allow_empty, targets, allow_unfinished,
                                 self.rows if deferred else [], deferred)  # fmt: skip

    def __enter__(self) -> Expectation:
        return self

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        __tracebackhide__ = True
        rows = self.rows or []
        if kind is None and not all(r.passed for r in rows):
            raise SloAssertionError(_table(self.run, rows))


def expect(run: TwinRun) -> Expectation:
    """Start an SLO assertion on a simulated run (it raises at the first failed check)."""
    return Expectation(run)


def expect_all(run: TwinRun) -> Expectation:
    """``with expect_all(run) as check:``: every check of the block is made, and the block
    raises once at its end with all of them (failed and passed) in one table."""
    return Expectation(run, rows=[])


def assert_slo(run: TwinRun, *, allow_empty: bool = False) -> None:
    """Assert every ``slo:`` entry of the run's scenario, with the verdicts the scenario itself
    gives (``simulate --check`` agrees). ``allow_empty`` also accepts objectives that failed only
    because their target received no events (as ``slo[].allow_empty`` does)."""
    __tracebackhide__ = True
    rows = []
    by_name = {f"{t.rule}/{t.target}": t for t in run.result.targets}
    for verdict in run.result.slo:
        target = by_name.get(verdict.target)
        passed = verdict.passed or (allow_empty and verdict.note == EMPTY)
        bounds = [f">= {verdict.min:g}" if verdict.min is not None else "",
                  f"<= {verdict.max:g}" if verdict.max is not None else ""]  # fmt: skip
        if verdict.value is None or not math.isfinite(verdict.value):
            predicted = verdict.note or "no data"
        else:
            predicted = _shown(f"{verdict.value:,.6g}", verdict.note)
        display = run.twin.display(*verdict.target.rsplit("/", 1)) if target else verdict.target
        rows.append(
            _Row(display, verdict.metric, " and ".join(b for b in bounds if b), predicted, passed)
        )
    if not rows:
        raise SloAssertionError("bridgetwin: the scenario has no slo: entries to assert")
    if not all(r.passed for r in rows):
        raise SloAssertionError(_table(run, rows))
