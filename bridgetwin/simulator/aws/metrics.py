"""CloudWatch in the twin: datapoints with AWS's metric names, and alarms evaluated on them.

Datapoints are recorded where they happen (an attempt's start, a delivery's end) and aggregated into
the alarm's period when it is evaluated. AWS/Events count metrics are only emitted when non-zero
(eventbridge-facts §4), so a quiet period is *missing* data, which the alarm's TreatMissingData
decides about, exactly as in CloudWatch:

- each evaluation looks at the last ``EvaluationPeriods`` datapoints; ``DatapointsToAlarm`` of them
  breaching -> ALARM;
- missing datapoints count as breaching (``breaching``), not breaching (``notBreaching``), keep the
  current state when all are missing (``ignore``), or give INSUFFICIENT_DATA when all are missing
  (``missing``, the default);
- statistics: Sum, SampleCount, Average, Minimum, Maximum and pNN percentiles.

SQS dead-letter queues are gauges sampled every period: ``ApproximateNumberOfMessagesVisible`` (the
twin has no consumer, so it only grows) and ``ApproximateAgeOfOldestMessage``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.graph import Alarm

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


class MetricStore:
    """Datapoints of one scope (a rule, a target, a Region): name -> (times, values).

    Only metrics something reads are kept (``watch``): an alarm registers the series it
    evaluates, and datapoints of every other metric cost nothing.
    """

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.metrics: dict[str, tuple[list[float], list[float]]] = {}

    def watch(self, metric: str) -> tuple[list[float], list[float]]:
        """Start keeping ``metric``'s datapoints; returns its (times, values) lists."""
        return self.metrics.setdefault(metric, ([], []))

    def record(self, metric: str, at: float, value: float = 1.0) -> None:
        series = self.metrics.get(metric)
        if series is not None and at <= self.horizon:
            series[0].append(at)
            series[1].append(value)

    def record_many(self, metric: str, times: np.ndarray, values: float | np.ndarray = 1.0) -> None:
        """Datapoints at ``times``: one value for all, or one per time."""
        series = self.metrics.get(metric)
        if series is None or not len(times):
            return
        keep = times <= self.horizon
        stored_times, stored_values = series
        stored_times.extend(times[keep].tolist())
        if np.ndim(values):
            stored_values.extend(np.asarray(values)[keep].tolist())
        else:
            stored_values.extend([values] * int(keep.sum()))


Series = tuple[list[float], list[float]]


@dataclass
class Transition:
    """An alarm entering ``state`` at ``at_s`` seconds."""

    alarm: str
    state: str
    at_s: float


def _statistic(name: str, values: np.ndarray) -> float:
    match name:
        case "Sum":
            return float(values.sum())
        case "SampleCount":
            return float(len(values))
        case "Average":
            return float(values.mean())
        case "Minimum":
            return float(values.min())
        case "Maximum":
            return float(values.max())
    return float(np.percentile(values, float(name[1:])))  # pNN


@dataclass
class AlarmModel:
    """One alarm of the graph, fed by datapoint series or by a gauge."""

    alarm: Alarm
    series: Sequence[Series] = ()
    gauge: Callable[[float], float] | None = None
    note: str = ""
    state: str = "INSUFFICIENT_DATA"
    transitions: list[Transition] = field(default_factory=list)
    evaluated_at: list[float] = field(default_factory=list)
    _datapoints: list[float | None] = field(default_factory=list)
    _cursors: list[int] = field(default_factory=list)
    _buckets: dict[int, list[np.ndarray]] = field(default_factory=dict)

    @property
    def period(self) -> float:
        return float(self.alarm.period or 60)

    def evaluate(self, now: float) -> None:
        """Close the period ending at ``now`` and update the state."""
        self._datapoints.append(self._datapoint(now))
        self.evaluated_at.append(now)
        window = self._datapoints[-self.alarm.evaluation_periods :]
        state = self._decide(window)
        if state != self.state:
            self.state = state
            self.transitions.append(Transition(self.alarm.id, state, now))

    def window_ending(self, at: float) -> list[float | None]:
        """The datapoints the evaluation at ``at`` judged (``None`` where data was missing)."""
        if at not in self.evaluated_at:
            return []
        end = self.evaluated_at.index(at) + 1
        return self._datapoints[max(0, end - self.alarm.evaluation_periods) : end]

    def silent_after(self, at: float) -> bool:
        """Whether every datapoint of the periods evaluated after ``at`` is missing."""
        later = [v for t, v in zip(self.evaluated_at, self._datapoints, strict=True) if t > at]
        return bool(later) and all(v is None for v in later)

    def _file_new_datapoints(self) -> None:
        """Put datapoints recorded since the last evaluation into their periods' buckets.

        Datapoints arrive in processing order, not time order, and may lie in future periods;
        every datapoint earlier than the evaluation time exists by then (the engine guarantees it).
        """
        if not self._cursors:
            self._cursors = [0] * len(self.series)
        for index, (times, values) in enumerate(self.series):
            start, stop = self._cursors[index], len(times)
            if stop == start:
                continue
            self._cursors[index] = stop
            new_times, new_values = np.asarray(times[start:stop]), np.asarray(values[start:stop])
            periods = np.floor(new_times / self.period).astype(np.int64)
            for bucket in np.unique(periods):
                self._buckets.setdefault(int(bucket), []).append(new_values[periods == bucket])

    def _datapoint(self, now: float) -> float | None:
        if self.gauge is not None:
            return self.gauge(now)
        self._file_new_datapoints()
        chunks = self._buckets.pop(round(now / self.period) - 1, None)
        if not chunks:
            return None
        statistic = self.alarm.statistic or self.alarm.extended_statistic or "Average"
        return _statistic(statistic, np.concatenate(chunks))

    def _decide(self, window: list[float | None]) -> str:
        alarm = self.alarm
        compare = _COMPARISONS.get(alarm.comparison_operator)
        if compare is None or alarm.threshold is None:
            return "INSUFFICIENT_DATA"
        missing_policy = alarm.treat_missing_data
        present = [v for v in window if v is not None]
        if not present and missing_policy == "ignore":
            return self.state
        if not present and missing_policy == "missing":
            return "INSUFFICIENT_DATA"
        breaching = sum(1 for v in present if compare(v, alarm.threshold))
        if missing_policy == "breaching":
            breaching += len(window) - len(present)
        needed = min(alarm.datapoints_to_alarm, alarm.evaluation_periods)
        if breaching >= needed and len(window) >= needed:
            return "ALARM"
        return "OK"


class QueueGauge:
    """ApproximateNumberOfMessagesVisible / ApproximateAgeOfOldestMessage of a DLQ over time.

    The twin has no DLQ consumer, so messages only accumulate and the oldest stays the oldest.
    """

    def __init__(self, dlq_times: Sequence[list[float]], metric: str) -> None:
        self._sources = dlq_times
        self._cursors = [0] * len(dlq_times)
        self._future = np.empty(0)
        self._visible = 0
        self._oldest = math.inf
        self._metric = metric

    def __call__(self, now: float) -> float:
        new = [np.asarray(src[c:]) for src, c in zip(self._sources, self._cursors, strict=True)]
        self._cursors = [len(src) for src in self._sources]
        candidates = np.concatenate([self._future, *new])
        arrived = candidates[candidates <= now]
        self._future = candidates[candidates > now]
        self._visible += len(arrived)
        if len(arrived):
            self._oldest = min(self._oldest, float(arrived.min()))
        if self._metric == "ApproximateAgeOfOldestMessage":
            return now - self._oldest if self._visible else 0.0
        return float(self._visible)


def evaluation_times(period: float, horizon: float) -> list[float]:
    return [period * k for k in range(1, math.floor(horizon / period + 1e-9) + 1)]
