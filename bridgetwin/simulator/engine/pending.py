"""Requests waiting to start: first attempts kept compactly (numpy chunks sorted by ready time),
and the shape of a scheduled retry.

A backlogged event costs 32 bytes here (ready time, ingestion time, target key, origin time),
which is what lets the twin hold millions of events waiting for a rate limit. The *origin* is when
the event first entered EventBridge: its ingestion time, unless it reached this bus from another
bus's rule (:mod:`.hops`), where it is the ingestion on the first bus.
"""

from __future__ import annotations

import numpy as np

from bridgetwin.simulator.aws.policy import Retry

__all__ = ["PendingQueue", "Retry"]


class PendingQueue:
    """First attempts not yet started, in numpy chunks sorted by ready time (32 bytes each)."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._first = 0  # index of the first unconsumed element of chunk 0
        self.size = 0

    def add(
        self, ready: np.ndarray, ingest: np.ndarray, keys: np.ndarray, origin: np.ndarray
    ) -> None:
        if not len(ready):
            return
        self.size += len(ready)
        if self._chunks and ready[0] < self._chunks[-1][0][-1]:
            last = self._chunks.pop()
            skip = self._first if not self._chunks else 0
            merged = [
                np.concatenate((a[skip:], b))
                for a, b in zip(last, (ready, ingest, keys, origin), strict=True)
            ]
            order = np.argsort(merged[0], kind="stable")
            ready, ingest, keys, origin = (m[order] for m in merged)
            if not self._chunks:
                self._first = 0
        self._chunks.append((ready, ingest, keys, origin))

    def remaining(self) -> tuple[np.ndarray, np.ndarray]:
        """Ingestion times and target keys of the requests not yet started."""
        if not self._chunks:
            return np.empty(0), np.empty(0, dtype=np.int64)
        parts = [(c[1][self._first :], c[2][self._first :]) if i == 0 else (c[1], c[2])
                 for i, c in enumerate(self._chunks)]  # fmt: skip
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def remaining_keys(self) -> np.ndarray:
        return self.remaining()[1]

    def peek(self) -> float | None:
        return self._chunks[0][0].item(self._first) if self._chunks else None

    def block(self, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The first chunk's requests ready before ``limit`` (not consumed)."""
        ready, ingest, keys, origin = self._chunks[0]
        stop = int(ready.searchsorted(limit, side="left"))
        first = self._first
        return ready[first:stop], ingest[first:stop], keys[first:stop], origin[first:stop]

    def consume(self, count: int) -> None:
        if not count:
            return
        self._first += count
        self.size -= count
        if self._first >= len(self._chunks[0][0]):
            self._chunks.pop(0)
            self._first = 0

    def pop(self) -> tuple[float, float, int, float]:
        ready, ingest, keys, origin = self._chunks[0]
        i = self._first
        item = (ready.item(i), ingest.item(i), keys.item(i), origin.item(i))
        self.consume(1)
        return item
