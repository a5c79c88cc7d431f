"""Latency minute by minute: what a report plots as "p99 over time", and the run's distribution.

A run's percentiles (:mod:`.statistics`) say how slow delivery was overall; a planner also needs
to see *when*: the minutes of an outage, the backlog draining afterwards. CloudWatch timestamps
``IngestionToInvocationStartLatency`` and ``...SuccessLatency`` at the invocation, so the twin
does too: each latency counts in the minute its attempt started (start latency) or succeeded
(success latency).

Each minute keeps a histogram on a logarithmic scale, DDSketch's mapping at
``RELATIVE_ACCURACY`` (1 %): bucket ``k`` holds values in ``(gamma**(k-1), gamma**k]``, reported as
``2 * gamma**k / (gamma + 1)``, within 1 % of every value in it. A minute stores only the span of
buckets its values reach (a few hundred bytes), so a day's run with many targets stays small.
Values at or below ``FLOOR`` (1 ms) share one bucket, reported as 1 ms. Percentiles use the rank
``q * (n - 1)`` of the lower sample, as DDSketch does, and merge exactly across minutes, so the
run's quantile function (its distribution) comes from the same histograms.
"""

from __future__ import annotations

import math

import numpy as np

RELATIVE_ACCURACY = 0.01
FLOOR = 1e-3
"""Seconds; latencies at or below it are reported as it."""
PERCENTILES = (50, 90, 99)
_GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_PER_LOG = 1 / math.log(_GAMMA)
_FLOOR_KEY = math.ceil(math.log(FLOOR) * _PER_LOG)
_BATCH = 1 << 12
"""Values held before they are binned: a block of a run bins at once (holding the arrays of
many blocks costs more in memory traffic than binning them one by one)."""


def _value_ms(keys: np.ndarray) -> np.ndarray:
    """The reported value of buckets ``keys`` (relative to the floor's), in milliseconds."""
    values = 2 * _GAMMA ** (keys + _FLOOR_KEY) / (_GAMMA + 1) * 1e3
    return np.where(keys == 0, FLOOR * 1e3, values)


def _rank_values(keys: np.ndarray, counts: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The values (ms) at quantile ``levels`` of a histogram (``keys`` ascending)."""
    cumulative = np.cumsum(counts)
    ranks = levels * (cumulative[-1] - 1)
    return _value_ms(keys[np.searchsorted(cumulative, ranks, side="right")])


class NotByMinute:
    """Keeps nothing: what a target records when a run leaves latency by minute out."""

    __slots__ = ()

    def __init__(self, horizon: float) -> None:
        del horizon

    def append(self, at: float, latency: float) -> None:
        pass

    def extend(self, at: np.ndarray, latencies: np.ndarray) -> None:
        pass

    def per_minute(self, minutes: int) -> dict[str, list[float | None]]:
        return {}

    def quantiles(self) -> list[float] | None:
        return None


class MinuteLatencies:
    """Latencies (seconds) observed at times (seconds into the run), binned by minute."""

    __slots__ = ("_buffer", "_chunks", "_counts", "_held", "_low")

    def __init__(self, horizon: float) -> None:
        minutes = int(horizon // 60) + 1
        self._low = np.zeros(minutes, dtype=np.int64)
        self._counts: list[np.ndarray | None] = [None] * minutes
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self._buffer: list[tuple[float, float]] = []
        self._held = 0

    def append(self, at: float, latency: float) -> None:
        self._buffer.append((at, latency))
        if len(self._buffer) >= 4096:
            self._flush_buffer()

    def extend(self, at: np.ndarray, latencies: np.ndarray) -> None:
        if len(at):
            self._chunks.append((at, latencies))
            self._held += len(at)
            if self._held >= _BATCH:
                self._bin()

    def _flush_buffer(self) -> None:
        if self._buffer:
            pairs, self._buffer = np.asarray(self._buffer), []
            self.extend(pairs[:, 0], pairs[:, 1])

    def _bin(self) -> None:
        """Move what is held into the minutes' histograms."""
        self._flush_buffer()
        if not self._chunks:
            return
        at = np.concatenate([c[0] for c in self._chunks])  # copies: ours to change in place
        # single precision is plenty for a 1 % bucket, and twice as fast through the log
        latencies = np.concatenate([c[1] for c in self._chunks], dtype=np.float32)
        self._chunks, self._held = [], 0
        at *= 1 / 60  # in place, without temporaries
        minutes = at.astype(np.int64)
        if minutes.max() >= len(self._counts):  # the last bin takes any later time
            np.minimum(minutes, len(self._counts) - 1, out=minutes)
        np.maximum(latencies, np.float32(FLOOR), out=latencies)
        np.log(latencies, out=latencies)
        latencies *= np.float32(_PER_LOG)
        np.ceil(latencies, out=latencies)
        keys = latencies.astype(np.int64)
        keys -= _FLOOR_KEY
        np.maximum(keys, 0, out=keys)
        span = int(keys.max()) + 1
        combined = minutes  # minute * span + key, computed in the minutes' array
        combined *= span
        combined += keys
        low = int(combined.min()) // span * span
        if int(combined.max()) // span * span + span - low <= 4 * len(combined):  # dense
            counts = np.bincount(combined - low)
            pairs = np.flatnonzero(counts)
            counts, pairs = counts[pairs], pairs + low
        else:
            pairs, counts = np.unique(combined, return_counts=True)
        minute_of, key_of = np.divmod(pairs, span)
        bounds = np.flatnonzero(np.diff(minute_of)) + 1
        for group_keys, group_counts, minute in zip(
            np.split(key_of, bounds), np.split(counts, bounds),
            minute_of[np.r_[0, bounds]].tolist(), strict=True,
        ):  # fmt: skip
            self._add(minute, group_keys, group_counts)

    def _add(self, minute: int, keys: np.ndarray, counts: np.ndarray) -> None:
        existing = self._counts[minute]
        low, high = int(keys[0]), int(keys[-1])
        if existing is None:
            self._low[minute], existing = low, np.zeros(high - low + 1, dtype=np.int64)
        else:
            old_low = int(self._low[minute])
            new_low, new_high = min(low, old_low), max(high, old_low + len(existing) - 1)
            if new_low < old_low or new_high >= old_low + len(existing):
                grown = np.zeros(new_high - new_low + 1, dtype=np.int64)
                grown[old_low - new_low : old_low - new_low + len(existing)] = existing
                self._low[minute], existing = new_low, grown
        existing[keys - self._low[minute]] += counts
        self._counts[minute] = existing

    def per_minute(self, minutes: int) -> dict[str, list[float | None]]:
        """``p50``, ``p90`` and ``p99`` (ms) of each of the first ``minutes`` minutes (``None``
        for a minute without any)."""
        self._bin()
        levels = np.array(PERCENTILES) / 100
        series: dict[str, list[float | None]] = {f"p{p}": [] for p in PERCENTILES}
        for minute in range(minutes):
            counts = self._counts[minute] if minute < len(self._counts) else None
            if counts is None:
                values: list[float | None] = [None] * len(PERCENTILES)
            else:
                keys = np.flatnonzero(counts)
                found = _rank_values(keys + self._low[minute], counts[keys], levels)
                values = [round(float(v), 3) for v in found]
            for p, value in zip(PERCENTILES, values, strict=True):
                series[f"p{p}"].append(value)
        return series

    def quantiles(self) -> list[float] | None:
        """The run's quantile function: the value (ms) at each percent 0, 1, ..., 100 of every
        latency of the run (``None`` when there are none)."""
        self._bin()
        filled = [(int(low), c) for low, c in zip(self._low, self._counts, strict=True)
                  if c is not None]  # fmt: skip
        if not filled:
            return None
        base = min(low for low, _ in filled)
        total = np.zeros(max(low + len(c) for low, c in filled) - base, dtype=np.int64)
        for low, counts in filled:
            total[low - base : low - base + len(counts)] += counts
        keys = np.flatnonzero(total)
        found = _rank_values(keys + base, total[keys], np.arange(101) / 100)
        return [round(float(v), 3) for v in found]
