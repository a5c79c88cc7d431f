"""One verdict for one objective on one target, whoever asks: a scenario's ``slo:`` entries
(and so ``simulate --check`` and the CDK validation plugin), ``expect()`` and ``assert_slo``.

A verdict never passes on something the run did not see:

- a **latency** objective on a target that received no events fails (there is nothing to judge)
  unless the objective allows it (``allow_empty``);
- a **count** (``dlq``, ``dropped``, ``delivered``, ``retries``, ...) over a run that ended with
  events still on their way fails, saying how many and how long the oldest had waited, since
  those events may yet be delivered, dead-lettered or dropped; a **latency** percentile then
  fails too when events it should include had not started (start latency) or not finished (the
  others): a percentile of the survivors alone would flatter the target. Either passes with
  ``allow_unfinished``, or when the scenario drains (``drain:``) and every event finished.

``counts.in_flight`` itself is a count of what did not finish and is judged as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EMPTY = "received no events (allow_empty accepts it)"


@dataclass(frozen=True)
class Verdict:
    value: float | None
    """The predicted value: events for counts, seconds for latencies."""
    passed: bool
    note: str = ""
    """Why it failed when the value alone does not say (no events, unfinished events)."""


def metric_value(target: Any, metric: str) -> float | None:
    """``counts.NAME`` or ``latency.KIND.STATISTIC`` (seconds) of a target's result
    (``counts.invocations``: the requests its target received, a batch counting once)."""
    kind, *rest = metric.split(".")
    if rest[0] == "invocations":  # requests: a batching subscriber's batches, else attempts
        return float(target.counts.get("invocations", target.counts["attempts"]))
    if kind == "counts":
        return float(target.counts[rest[0]])
    value = target.latency_ms[rest[0]][rest[1]]
    return None if value is None else value / 1e3


def unfinished(target: Any, metric: str) -> str:
    """What a metric of ``target`` cannot account for: '' when nothing."""
    in_flight = target.counts.get("in_flight", 0)
    start = target.latency_ms.get("start", {})
    never = start.get("not_started") or 0
    age = start.get("oldest_not_started_age_ms")
    waited = f"; the oldest had waited {age / 1e3:,.0f} s" if never and age is not None else ""
    if metric == "counts.in_flight" or not in_flight:
        return ""
    if metric.startswith("latency.start.") or metric.startswith("latency.end_to_end_start."):
        if not never:
            return ""
        what = f"{never:,} of {target.counts['ingested']:,} events never started"
    else:
        what = f"{in_flight:,} of {target.counts['ingested']:,} events had not finished"
    return (
        f"{what} when the run ended{waited}: the figure leaves them out (add drain: to the "
        "scenario, or allow_unfinished)"
    )


def judge(
    target: Any,
    metric: str,
    high: float | None,
    low: float | None,
    *,
    allow_empty: bool = False,
    allow_unfinished: bool = False,
    value: float | None = None,
) -> Verdict:
    """The verdict on ``low <= metric <= high`` for one target's result (``value``: a figure
    the caller derived from the metric's family, e.g. DLQ + dropped, instead of the metric)."""
    value = metric_value(target, metric) if value is None else value
    latency = metric.startswith("latency.")
    if latency and not target.counts["ingested"]:
        return Verdict(value, allow_empty, "" if allow_empty else EMPTY)
    if not allow_unfinished and (note := unfinished(target, metric)):
        return Verdict(value, False, note)
    if value is None:  # a latency with no sample: no event got that far (all failed, say)
        return Verdict(None, False, "no event reached this point")
    passed = (high is None or value <= high) and (low is None or value >= low)
    return Verdict(value, passed)
