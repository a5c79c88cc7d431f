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


class Series:
    """One metric's datapoints that some reader has not read yet: numpy parts, plus a buffer for
    datapoints recorded one at a time. Once every reader has read a part it is dropped, so a
    series holds what lies between alarm evaluations, not the whole run."""

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._times: list[float] = []
        self._values: list[float] = []
        self._dropped = 0  # parts before ``_parts[0]``
        self._positions: list[int] = []  # per reader: the next part it reads

    def reader(self) -> SeriesReader:
        self._positions.append(self._dropped + len(self._parts))
        return SeriesReader(self, len(self._positions) - 1)

    def add(self, at: float, value: float) -> None:
        self._times.append(at)
        self._values.append(value)

    def add_many(self, times: np.ndarray, values: np.ndarray) -> None:
        self._seal()
        self._parts.append((times, values))

    def _seal(self) -> None:
        if self._times:
            self._parts.append((np.asarray(self._times), np.asarray(self._values)))
            self._times, self._values = [], []

    def read(self, reader: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The parts ``reader`` has not read yet: (times, values), in recording order."""
        self._seal()
        new = self._parts[self._positions[reader] - self._dropped :]
        self._positions[reader] = self._dropped + len(self._parts)
        done = min(self._positions) - self._dropped
        if done:
            del self._parts[:done]
            self._dropped += done
        return new


@dataclass(frozen=True)
class SeriesReader:
    series: Series
    number: int

    def read(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return self.series.read(self.number)


class MetricStore:
    """Datapoints of one scope (a rule, a target, a Region), by metric name.

    Only metrics something reads are kept (``watch``): an alarm registers the series it
    evaluates, and datapoints of every other metric cost nothing.
    """

    def __init__(self, horizon: float) -> None:
        self.horizon = horizon
        self.metrics: dict[str, Series] = {}

    def watch(self, metric: str) -> SeriesReader:
        """Start keeping ``metric``'s datapoints; returns a reader of them."""
        return self.metrics.setdefault(metric, Series()).reader()

    def record(self, metric: str, at: float, value: float = 1.0) -> None:
        series = self.metrics.get(metric)
        if series is not None and at <= self.horizon:
            series.add(at, value)

    def record_many(self, metric: str, times: np.ndarray, values: float | np.ndarray = 1.0) -> None:
        """Datapoints at ``times``: one value for all, or one per time."""
        series = self.metrics.get(metric)
        if series is None or not len(times):
            return
        keep = times <= self.horizon
        kept = times[keep]
        if np.ndim(values):
            series.add_many(kept, np.asarray(values, dtype=float)[keep])
        else:
            series.add_many(kept, np.full(len(kept), float(values)))  # type: ignore[arg-type]


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
    series: Sequence[SeriesReader] = ()
    gauge: Callable[[float], float] | None = None
    note: str = ""
    state: str = "INSUFFICIENT_DATA"
    transitions: list[Transition] = field(default_factory=list)
    evaluated_at: list[float] = field(default_factory=list)
    _datapoints: list[float | None] = field(default_factory=list)
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
        for reader in self.series:
            for times, values in reader.read():
                if not len(times):
                    continue
                periods = np.floor(times / self.period).astype(np.int64)
                for bucket in np.unique(periods).tolist():
                    self._buckets.setdefault(bucket, []).append(values[periods == bucket])

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

    def __init__(self, arrivals: Sequence[SeriesReader], metric: str) -> None:
        self._sources = arrivals
        self._future = np.empty(0)
        self._visible = 0
        self._oldest = math.inf
        self._metric = metric

    def __call__(self, now: float) -> float:
        new = [times for source in self._sources for times, _ in source.read()]
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
