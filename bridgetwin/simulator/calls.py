"""A batch of PutEvents calls made in one step: the unit in which events move between the
producers, the Regions' ingestion, global-endpoint routing and bus-to-bus hops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Batch:
    """Calls made in one step, sorted by time."""

    times: np.ndarray
    templates: np.ndarray
    """Shape (calls, entries per call): each entry's event template."""
    attempts: np.ndarray
    """How many times each call was already rejected."""
    origins: np.ndarray | None = None
    """Deliveries from another bus (one entry each): when each event first entered EventBridge.
    ``None`` for producers' calls, whose events enter here."""

    @classmethod
    def empty(cls, width: int) -> Batch:
        return cls(np.empty(0), np.empty((0, width), dtype=np.int64), np.empty(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.times)

    def select(self, mask: np.ndarray | slice) -> Batch:
        origins = None if self.origins is None else self.origins[mask]
        return Batch(self.times[mask], self.templates[mask], self.attempts[mask], origins)

    @classmethod
    def merge(cls, parts: list[Batch], width: int) -> Batch:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty(width)
        times = np.concatenate([p.times for p in parts])
        order = np.argsort(times, kind="stable")
        return cls(
            times[order],
            np.concatenate([p.templates for p in parts])[order],
            np.concatenate([p.attempts for p in parts])[order],
        )


Windows = tuple[tuple[float, float], ...]
"""Time windows ``[start, end)``, in seconds of the run."""


class CallSource(Protocol):
    """Where a Region or a global endpoint's router takes PutEvents calls from (a producer),
    and hands back the calls it rejected, for the producer's retries."""

    width: int
    """Entries per call."""

    @property
    def min_retry_delay(self) -> float:
        """The shortest time after which a rejected call can be made again."""
        ...

    def peek(self, t1: float) -> np.ndarray:
        """The times of the calls due before ``t1``, without taking them."""
        ...

    def take(self, t1: float) -> Batch:
        """The calls due before ``t1``."""
        ...

    def failed(self, batch: Batch, *, throttled: bool) -> None:
        """Calls that were rejected (``throttled``: by the quota)."""
        ...

    def due_before(self, t1: float) -> bool:
        """Whether calls before ``t1`` are waiting to be taken (rejected ones, retried)."""
        ...

    def worst_case(self, t1: float, errors: Windows) -> np.ndarray | None:
        """Times of every call before ``t1`` that could be made were each call not taken yet
        answered with an error whenever it falls in an ``errors`` window (None: too many)."""
        ...

    def retry_chains(
        self, times: np.ndarray, attempts: np.ndarray, t1: float, errors: Windows
    ) -> np.ndarray | None:
        """``times`` and every retry before ``t1`` of calls rejected in ``errors`` windows."""
        ...
