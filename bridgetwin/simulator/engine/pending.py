"""Requests waiting to start: first attempts kept compactly (numpy chunks sorted by ready time),
and the shape of a scheduled retry.

A backlogged event costs 32 bytes here (ready time, ingestion time, target key, origin time),
which is what lets the twin hold millions of events waiting for a rate limit. The *origin* is when
the event first entered EventBridge: its ingestion time, unless it reached this bus from another
bus's rule (:mod:`.hops`), where it is the ingestion on the first bus.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from bridgetwin.simulator.aws.policy import Retry

__all__ = ["PendingQueue", "Retry"]


_Chunk = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""Ready times, ingestion times, target keys and origin times, sorted by ready time."""


class PendingQueue:
    """First attempts not yet started, in numpy chunks (32 bytes each).

    Each chunk is sorted by ready time and every chunk's requests are ready no earlier than the
    previous chunk's: a new chunk that would overlap the last ones is merged with them."""

    def __init__(self) -> None:
        self._chunks: deque[_Chunk] = deque()
        self._first = 0  # index of the first unconsumed element of chunk 0
        self.size = 0

    def add(
        self, ready: np.ndarray, ingest: np.ndarray, keys: np.ndarray, origin: np.ndarray
    ) -> None:
        if not len(ready):
            return
        self.size += len(ready)
        columns: _Chunk = (ready, ingest, keys, origin)
        overlapped = []
        while self._chunks and ready[0] < self._chunks[-1][0][-1]:
            last = self._chunks.pop()
            skip = self._first if not self._chunks else 0
            overlapped.append(tuple(c[skip:] for c in last))
        if overlapped:
            if not self._chunks:
                self._first = 0
            merged = [
                np.concatenate(parts) for parts in zip(*overlapped[::-1], columns, strict=True)
            ]
            order = np.argsort(merged[0], kind="stable")
            columns = tuple(m[order] for m in merged)  # type: ignore[assignment]
        self._chunks.append(columns)

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

    def block(self, limit: float) -> _Chunk:
        """The requests ready before ``limit``, in ready order (not consumed)."""
        return self._front(self.size, limit, "left")

    def head(self, count: int, limit: float = np.inf) -> _Chunk:
        """The first ``count`` requests at most, of those ready no later than ``limit``, in
        ready order (not consumed): a subscriber's next batch."""
        return self._front(count, limit, "right")

    def _front(self, count: int, limit: float, side: str) -> _Chunk:
        parts, wanted = [], count
        for number, chunk in enumerate(self._chunks):
            start = self._first if number == 0 else 0
            stop = min(start + wanted, int(chunk[0].searchsorted(limit, side=side)))
            if stop > start:
                parts.append(tuple(c[start:stop] for c in chunk))
                wanted -= stop - start
            if not wanted or stop < len(chunk[0]):
                break
        if len(parts) == 1:
            return parts[0]  # type: ignore[return-value]
        if not parts:
            return _EMPTY
        return tuple(np.concatenate(c) for c in zip(*parts, strict=True))  # type: ignore[return-value]

    def consume(self, count: int) -> None:
        self.size -= count
        while count:
            available = len(self._chunks[0][0]) - self._first
            if count < available:
                self._first += count
                return
            count -= available
            self._chunks.popleft()
            self._first = 0

    def pop(self) -> tuple[float, float, int, float]:
        ready, ingest, keys, origin = self._chunks[0]
        i = self._first
        item = (ready.item(i), ingest.item(i), keys.item(i), origin.item(i))
        self.consume(1)
        return item


_EMPTY: _Chunk = (np.empty(0), np.empty(0), np.empty(0, dtype=np.int64), np.empty(0))
