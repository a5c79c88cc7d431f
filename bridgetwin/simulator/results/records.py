"""What a run predicts, as immutable records: per target, per Region, per alarm, per SLO.

Records hold plain values (counts, milliseconds, seconds) and import nothing of the engine, so a
result can be stored, compared and rendered without the model that produced it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


class SimulationError(RuntimeError):
    """The twin broke one of its own invariants (a bug, never a property of the deployment)."""


@dataclass(frozen=True)
class Finding:
    """One warning: a stable ``code`` for tools, a ``message`` for people."""

    code: str
    message: str


@dataclass(frozen=True)
class TargetResult:
    """One (rule, target) pair."""

    rule: str
    target: str
    counts: dict[str, int]
    latency_ms: dict[str, dict[str, float | None]]
    dlq: dict[str, Any]
    dropped_by_error_code: dict[str, int]
    backlog: list[int]
    """Events in flight at the end of each minute."""
    ingested_by_minute: list[int] = field(default_factory=list)
    """Events matched for the target in each minute of the run."""
    per_minute: dict[str, list[int]] = field(default_factory=dict)
    """``attempts``, ``retries``, ``rate_limited`` (starts that waited), ``delivered``
    (successes, by the minute they ended), ``failed`` (final failures: to the DLQ or dropped)
    and ``dlq`` (arrivals) in each minute of the run; for a Custom Event Bus subscriber also
    ``backlog_age_ms``, its ``ApproximateBacklogAge`` at each minute's end (the age of the
    oldest event it has received and not finished)."""
    latency_ms_per_minute: dict[str, dict[str, list[float | None]]] = field(default_factory=dict)
    """``start``, ``success`` and ``complete`` (ingestion to the end of the first attempt):
    ``p50``, ``p90``, ``p99`` (ms) of the latencies observed in each minute (start latency in
    the minute the attempt started, the others in the minute it ended, as CloudWatch stamps
    them; ``None`` for a minute with none); within 1 %."""
    latency_ms_quantiles: dict[str, list[float] | None] = field(default_factory=dict)
    """``start`` and ``success``: the run's latency (ms) at each percent 0, 1, ..., 100: its
    distribution, within 1 %."""


@dataclass(frozen=True)
class SloResult:
    target: str
    metric: str
    value: float | None
    max: float | None
    min: float | None
    passed: bool
    note: str = ""
    """Why the verdict is what it is when there is no value (e.g. ``matches no target``)."""
    objective: int = -1
    """The index of the scenario's ``slo:`` entry it judges (-1: none)."""

    @property
    def _unit(self) -> str:
        return " s" if self.metric.startswith("latency.") else ""

    @property
    def bounds(self) -> str:
        """The objective's bounds as text: ``>= 1``, ``<= 30 s``, or both joined by ``and``."""
        parts = (f">= {self.min:g}{self._unit}" if self.min is not None else "",
                 f"<= {self.max:g}{self._unit}" if self.max is not None else "")  # fmt: skip
        return " and ".join(p for p in parts if p)

    @property
    def predicted(self) -> str:
        """The predicted value as text, with its unit (``no value`` when there is none)."""
        return "no value" if self.value is None else f"{self.value:,.6g}{self._unit}"


@dataclass(frozen=True)
class Result:
    """The prediction of one run. ``to_json()`` is identical for identical seeds."""

    seed: int
    duration_s: float
    targets: tuple[TargetResult, ...]
    regions: tuple[dict[str, Any], ...]
    alarms: tuple[dict[str, Any], ...]
    """Every alarm state transition: ``alarm``, ``state``, ``at_s``."""
    alarm_states: tuple[dict[str, Any], ...]
    slo: tuple[SloResult, ...]
    assumptions: tuple[str, ...] = field(default=())
    """Every default the run relied on where AWS publishes no number or the account's own value
    may differ, with the scenario field that changes it."""
    failover: tuple[dict[str, Any], ...] = field(default=())
    """Per producer behind a global endpoint: when the failover chain reacted and its cost."""
    endpoints: tuple[dict[str, Any], ...] = field(default=())
    """Per API destination whose endpoint has a capacity: what its workers saw (requests,
    waits, rejections, utilization)."""
    functions: tuple[dict[str, Any], ...] = field(default=())
    """Per Lambda function a rule targets: what its async queue did with the events EventBridge
    handed it (Lambda's own concurrency, retries, maximum event age, on-failure destination)."""
    pipes: tuple[dict[str, Any], ...] = field(default=())
    """Per pipe the twin follows: records delivered to its source and those its filter dropped
    (its target's deliveries are a target result named after the pipe)."""
    archives: tuple[dict[str, Any], ...] = field(default=())
    """Per archive: the events it kept during the run, and what each scenario replay of it put
    back on its bus."""
    overrides: tuple[str, ...] = field(default=())
    """Every what-if change the scenario's ``overrides:`` made to the deployment."""
    warnings: tuple[dict[str, str], ...] = field(default=())
    """What the twin could not model or found suspicious (``code`` and ``message``): see
    :mod:`bridgetwin.simulator.engine.findings`."""

    @property
    def slo_passed(self) -> bool:
        return all(s.passed for s in self.slo)

    def target(self, rule: str, target: str | None = None) -> TargetResult:
        """The result of a rule's target (its only target when ``target`` is omitted)."""
        found = [t for t in self.targets if t.rule == rule and target in (None, t.target)]
        if len(found) != 1:
            known = [f"{t.rule}/{t.target}" for t in self.targets]
            raise KeyError(f"no single target for rule '{rule}' target '{target}'; known: {known}")
        return found[0]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_frame(self) -> Any:
        """The targets as a pandas DataFrame, one row each (pandas is optional: ``pip install
        pandas``); see :mod:`.frames`."""
        from bridgetwin.simulator.results.frames import result_frame

        return result_frame(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)
