"""A recording: CloudWatch metrics of one period of a deployment, as aligned numeric series.

Whatever the source (an export of ``aws cloudwatch get-metric-data``, the console's CSV, boto3,
or the twin's own prediction), metrics end up here: each :class:`MetricKey` (namespace, name,
dimensions, statistic) holds one value per period from a common start, ``NaN`` where CloudWatch
had no datapoint. AWS/Events count metrics are only emitted when non-zero (eventbridge-facts §4),
so for a count a missing datapoint means zero; for a latency it means "nothing was measured".

Labels: :meth:`MetricKey.label` writes a key as one line of text
(``AWS/Events MatchedEvents Sum EventBusName=orders RuleName=to-partner``) and
:meth:`MetricKey.parse` reads it back. ``bridgetwin calibrate --write-queries`` puts these labels
on the queries it writes, so an export carries its own meaning.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from bridgetwin.calibration.errors import CalibrationError

MAX_SPAN_S = 455 * 86_400
"""The longest CloudWatch keeps any datapoint (hourly ones, 455 days)."""
MAX_PERIODS = 1_000_000
"""The most periods one recording holds: 1.9 years of minutes (memory stays in megabytes)."""
STATISTICS = ("Sum", "SampleCount", "Average", "Minimum", "Maximum")
"""CloudWatch's statistics; percentiles are written ``p50``, ``p99.9``."""


def _statistic(text: str) -> bool:
    if text in STATISTICS:
        return True
    if not text.startswith("p"):
        return False
    try:
        return 0 < float(text[1:]) < 100
    except ValueError:
        return False


@dataclass(frozen=True, order=True)
class MetricKey:
    """One metric and statistic: what a CloudWatch ``MetricStat`` query names."""

    namespace: str
    name: str
    stat: str
    dimensions: tuple[tuple[str, str], ...] = ()
    """(name, value) pairs, sorted by name."""

    @classmethod
    def of(cls, namespace: str, name: str, stat: str, **dimensions: str) -> MetricKey:
        return cls(namespace, name, stat, tuple(sorted(dimensions.items())))

    @property
    def dims(self) -> dict[str, str]:
        return dict(self.dimensions)

    def label(self) -> str:
        """The key as one line: namespace, name, statistic, then ``Dimension=value`` pairs."""
        pairs = " ".join(f"{name}={value}" for name, value in self.dimensions)
        return f"{self.namespace} {self.name} {self.stat} {pairs}".rstrip()

    @classmethod
    def parse(cls, label: str) -> MetricKey | None:
        """The key a :meth:`label` wrote, or None for any other text."""
        parts = label.split()
        if len(parts) < 3 or "/" not in parts[0] or not _statistic(parts[2]):
            return None
        pairs = [p.partition("=") for p in parts[3:]]
        if any(not sep or not name for name, sep, _ in pairs):
            return None
        return cls(parts[0], parts[1], parts[2], tuple(sorted((n, v) for n, _, v in pairs)))


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


@dataclass(frozen=True)
class Recording:
    """Metrics of one period, aligned: ``series[key][i]`` covers
    ``[start + i * period, start + (i + 1) * period)``."""

    start: datetime
    period: int
    """Seconds per datapoint (CloudWatch's ``Period``)."""
    series: Mapping[MetricKey, np.ndarray] = field(default_factory=dict)

    @property
    def periods(self) -> int:
        return max((len(v) for v in self.series.values()), default=0)

    @property
    def duration(self) -> float:
        """Seconds covered."""
        return float(self.periods * self.period)

    def values(self, key: MetricKey) -> np.ndarray | None:
        return self.series.get(key)

    def counts(self, key: MetricKey) -> np.ndarray | None:
        """A count metric's values with missing datapoints as 0 (AWS emits counts only when
        non-zero), or None when the recording has no datapoint of it at all."""
        values = self.series.get(key)
        return None if values is None else np.nan_to_num(values, nan=0.0)

    def keys(self, namespace: str, name: str | None = None) -> list[MetricKey]:
        return sorted(k for k in self.series if k.namespace == namespace and name in (None, k.name))

    def dimension_values(self, namespace: str, dimension: str) -> set[str]:
        return {v for k in self.keys(namespace) for n, v in k.dimensions if n == dimension}

    @classmethod
    def from_points(
        cls,
        points: Iterable[tuple[MetricKey, datetime, float]],
        period: int | None = None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Recording:
        """Align datapoints (key, timestamp, value) on a common grid. ``period`` defaults to
        the smallest spacing of one metric's timestamps (60 s when none repeats); the grid
        runs from ``start`` to ``end`` when given (the period asked for), else from the first
        datapoint to the last."""
        by_key: dict[MetricKey, list[tuple[datetime, float]]] = {}
        for key, at, value in points:
            if value is None or not math.isfinite(value):
                continue
            by_key.setdefault(key, []).append((_utc(at), float(value)))
        if not by_key:
            raise CalibrationError("the metrics hold no datapoint")
        if period is None:
            period = _spacing(by_key.values())
        first = min(at for pts in by_key.values() for at, _ in pts)
        last = max(at for pts in by_key.values() for at, _ in pts)
        start = first if start is None else min(_utc(start), first)
        length = int((last - start).total_seconds() // period) + 1
        if end is not None:
            length = max(length, math.ceil((_utc(end) - start).total_seconds() / period))
        if length > min(MAX_SPAN_S // period, MAX_PERIODS):
            raise CalibrationError(
                f"the datapoints span {first.isoformat()} to {last.isoformat()} in periods of "
                f"{period} s: {length:,} periods, more than the {MAX_PERIODS:,} a recording "
                f"holds or the {MAX_SPAN_S // 86_400} days CloudWatch keeps (a timestamp out "
                "of place?)"
            )
        series = {}
        for key, pts in by_key.items():
            values = np.full(length, np.nan)
            for at, value in pts:
                values[int((at - start).total_seconds() // period)] = value  # repeats: the last
            series[key] = values
        return cls(start, period, series)


def _spacing(series: Iterable[list[tuple[datetime, float]]]) -> int:
    gaps = [
        int((b - a).total_seconds())
        for pts in series
        for a, b in zip(sorted(p[0] for p in pts), sorted(p[0] for p in pts)[1:], strict=False)
        if b > a
    ]
    return max(1, min(gaps)) if gaps else 60
