"""Latency statistics of a run: percentiles, mean and maximum, in milliseconds.

Each latency series (:class:`LatencySamples`) keeps its samples exactly while there are at most
``EXACT_SAMPLES`` of them, and its percentiles are then numpy's (linear interpolation). Beyond,
the samples go into a DDSketch (Datadog's ``ddsketch``, Masson et al., VLDB 2019) whose every
quantile is within ``RELATIVE_ACCURACY`` of the exact sample at that rank, so a series costs a
few kilobytes however long the run; mean and maximum stay exact. DDSketch was chosen over a
t-digest because its error bound is a guarantee, relative to the value (what an SLO on p99 needs),
where a t-digest's error is empirical and largest in the tails. A result says which series were
sketched (``Result.assumptions``).
"""

from __future__ import annotations

import math

import numpy as np
from ddsketch import LogarithmicMapping
from ddsketch.ddsketch import BaseDDSketch
from ddsketch.store import DenseStore

PERCENTILES = (50, 90, 99)
EXACT_SAMPLES = 1 << 18
"""Series with up to this many samples keep them all (2 MiB each)."""
RELATIVE_ACCURACY = 0.005
"""Beyond, every reported percentile is within 0.5 % of the exact sample at its rank."""


class LatencySamples:
    """Many latencies (seconds): exact while few, then a DDSketch plus exact mean and max."""

    __slots__ = ("_buffer", "_chunks", "_count", "_held", "_max", "_sketch", "_sum")

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._buffer: list[float] = []
        self._sketch: BaseDDSketch | None = None
        self._count = 0
        self._held = 0  # values in ``_chunks``
        self._sum = 0.0
        self._max = -math.inf

    @property
    def sketched(self) -> bool:
        """Whether the percentiles come from the sketch (the series outgrew ``EXACT_SAMPLES``)."""
        return self._sketch is not None

    def append(self, value: float) -> None:
        self._buffer.append(value)
        if len(self._buffer) >= 4096:
            self._flush()

    def extend(self, values: np.ndarray) -> None:
        self._flush()
        if len(values):
            self._add(np.asarray(values, dtype=float))

    def _flush(self) -> None:
        if self._buffer:
            values, self._buffer = np.asarray(self._buffer), []
            self._add(values)

    def _add(self, values: np.ndarray) -> None:
        """Keep ``values``; past ``EXACT_SAMPLES`` kept, they go into the sketch, in batches of
        about that many (a batch costs one sketch update per distinct bucket, not per value)."""
        self._chunks.append(values)
        self._count += len(values)
        self._held += len(values)
        if self._held <= EXACT_SAMPLES:
            return
        if self._sketch is None:
            self._sketch = BaseDDSketch(_MAPPING, DenseStore(), DenseStore(), 0.0)
        self._to_sketch()

    def _to_sketch(self) -> None:
        assert self._sketch is not None
        values = np.concatenate(self._chunks) if len(self._chunks) > 1 else self._chunks[0]
        self._chunks, self._held = [], 0
        self._sum += float(values.sum())
        self._max = max(self._max, float(np.maximum.reduce(values)))
        _add_to_sketch(self._sketch, values)

    def array(self) -> np.ndarray:
        """Every sample, in no meaningful order, while the series is exact."""
        assert self._sketch is None, "a sketched series keeps no samples"
        self._flush()
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.empty(0)

    def summary(self) -> dict[str, float | None]:
        """Percentiles, mean and max in milliseconds (``None`` for no data)."""
        self._flush()
        if self._sketch is None:
            return summary(self.array())
        if self._chunks:
            self._to_sketch()
        out: dict[str, float | None] = {
            f"p{p}": self._sketch.get_quantile_value(p / 100) * 1e3 for p in PERCENTILES
        }
        out["mean"] = self._sum / self._count * 1e3
        out["max"] = self._max * 1e3
        return out

    def __len__(self) -> int:
        return self._count + len(self._buffer)


_MAPPING = LogarithmicMapping(RELATIVE_ACCURACY)
"""What ``DDSketch(RELATIVE_ACCURACY)`` uses: bucket key = ceil(log(value) / log(gamma))."""
_PER_LOG = 1 / math.log(_MAPPING.gamma)


def _add_to_sketch(sketch: BaseDDSketch, values: np.ndarray) -> None:
    """Add many values at once: bucket them with numpy by the mapping's logarithmic key, then add
    each bucket's representative with its count (the same buckets one ``add`` at a time gives,
    up to floating-point rounding at a boundary, where either bucket is within the bound)."""
    indexable = values > _MAPPING.min_possible
    zeros = len(values) - int(np.count_nonzero(indexable))
    if zeros:
        sketch.add(0.0, zeros)
        values = values[indexable]
        if not len(values):
            return
    logs = np.log(values)
    logs *= _PER_LOG
    keys = np.ceil(logs, out=logs).astype(np.int64)
    low = int(keys.min())
    counts = np.bincount(keys - low)
    for offset in np.flatnonzero(counts).tolist():
        sketch.add(_MAPPING.value(low + offset), int(counts[offset]))


def summary(array: np.ndarray) -> dict[str, float | None]:
    """Percentiles, mean and max of latencies in seconds, in milliseconds (``None`` for no data).
    ``array`` is reordered in place (its order means nothing)."""
    if not len(array):
        return {"p50": None, "p90": None, "p99": None, "mean": None, "max": None}
    out: dict[str, float | None] = {
        f"p{p}": v * 1e3 for p, v in zip(PERCENTILES, percentiles(array), strict=True)
    }
    out["mean"] = float(array.mean()) * 1e3
    out["max"] = float(array.max()) * 1e3
    return out


def percentiles(array: np.ndarray) -> list[float]:
    """``np.percentile``'s linear interpolation, by partitioning ``array`` in place (its order
    means nothing) rather than sorting a copy: half the time on millions of samples."""
    n = len(array)
    positions = [(n - 1) * p / 100 for p in PERCENTILES]
    below = [int(h) for h in positions]
    array.partition(sorted({i for b in below for i in (b, min(b + 1, n - 1))}))
    return [
        float(array[b] + (h - b) * (array[min(b + 1, n - 1)] - array[b]))
        for h, b in zip(positions, below, strict=True)
    ]
