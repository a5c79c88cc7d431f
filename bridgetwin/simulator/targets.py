"""What the twin tallies for each (rule, target) pair: counts, DLQ detail, latencies, datapoints.

Everything a result reports about a target is accumulated here while lanes run, in bulk where
possible (per-event latencies in numpy chunks, counts as integers), so a run's memory grows with
what it reports rather than with Python objects per event.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from bridgetwin.simulator.metrics import MetricStore

DLQ_SAMPLES = 3
"""DLQ messages kept per target, with their attributes, to show in results."""


class Samples:
    """Many floats (per-event latencies) at 8 bytes each: numpy chunks plus a small buffer."""

    __slots__ = ("_buffer", "_chunks")

    def __init__(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._buffer: list[float] = []

    def append(self, value: float) -> None:
        self._buffer.append(value)
        if len(self._buffer) >= 4096:
            self._flush()

    def extend(self, values: np.ndarray) -> None:
        self._flush()
        if len(values):
            self._chunks.append(np.asarray(values, dtype=float))

    def _flush(self) -> None:
        if self._buffer:
            self._chunks.append(np.asarray(self._buffer))
            self._buffer = []

    def array(self) -> np.ndarray:
        self._flush()
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.empty(0)

    def __len__(self) -> int:
        return sum(len(c) for c in self._chunks) + len(self._buffer)


@dataclass
class TargetState:
    """Policy and running tally of one (rule, target) pair."""

    rule_id: str
    target_id: str
    rule_arn: str
    target_arn: str
    max_retries: int
    max_age: float
    has_dlq: bool
    horizon: float
    ingested: int = 0
    delivered: int = 0
    dlq: int = 0
    dropped: int = 0
    attempts: int = 0
    retries: int = 0
    throttled: int = 0
    finished_late: int = 0
    dlq_by_condition: Counter[str] = field(default_factory=Counter)
    dlq_by_error: Counter[str] = field(default_factory=Counter)
    dropped_by_error: Counter[str] = field(default_factory=Counter)
    dlq_samples: list[dict[str, str]] = field(default_factory=list)
    latency_start: Samples = field(default_factory=Samples)
    latency_complete: Samples = field(default_factory=Samples)
    latency_success: Samples = field(default_factory=Samples)
    dlq_times: list[float] = field(default_factory=list)
    store: MetricStore = field(init=False)
    ingested_by_minute: np.ndarray = field(init=False)
    finished_by_minute: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.store = MetricStore(self.horizon)
        minutes = int(self.horizon // 60) + 1
        self.ingested_by_minute = np.zeros(minutes, dtype=np.int64)
        self.finished_by_minute = np.zeros(minutes, dtype=np.int64)

    def finish(self, at: float) -> bool:
        """Count a final outcome at ``at``; False when it happens after the horizon."""
        if at > self.horizon:
            self.finished_late += 1
            return False
        self.finished_by_minute[int(at // 60)] += 1
        return True

    def record_block(
        self,
        ready: np.ndarray,
        ingest: np.ndarray,
        starts: np.ndarray,
        ends: np.ndarray,
        ok: np.ndarray,
        attempt: np.ndarray,
    ) -> None:
        """Bulk bookkeeping for attempts started in blocks (failures are handled apart)."""
        horizon, store = self.horizon, self.store
        self.attempts += len(starts)
        store.record_many("InvocationAttempts", starts)
        retried = attempt > 0
        self.retries += int(retried.sum())
        store.record_many("RetryInvocationAttempts", starts[retried])
        delayed = starts > ready
        self.throttled += int(delayed.sum())
        store.record_many("ThrottledRules", ready[delayed])
        first = ~retried
        seen = first & (starts <= horizon)
        waits = starts[seen] - ingest[seen]
        self.latency_start.extend(waits)
        store.record_many("IngestionToInvocationStartLatency", starts[seen], waits * 1e3)
        done = first & (ends <= horizon)
        took = ends[done] - ingest[done]
        self.latency_complete.extend(took)
        store.record_many("IngestionToInvocationCompleteLatency", ends[done], took * 1e3)
        success = ok & (ends <= horizon)
        self.delivered += int(success.sum())
        self.finished_late += int((ok & (ends > horizon)).sum())
        success_ends = ends[success]
        store.record_many("SuccessfulInvocationAttempts", success_ends)
        store.record_many("Invocations", success_ends)
        delivered_after = success_ends - ingest[success]
        self.latency_success.extend(delivered_after)
        store.record_many(
            "IngestionToInvocationSuccessLatency", success_ends, delivered_after * 1e3
        )
        minutes = (success_ends // 60).astype(np.int64)
        self.finished_by_minute += np.bincount(minutes, minlength=len(self.finished_by_minute))
