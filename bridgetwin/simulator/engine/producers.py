"""Producers' PutEvents calls: generated in bulk, retried by the SDK, spooled or lost.

A call the Region rejects comes back here. A throttled call follows the traffic's throttle policy
(retry with a doubling delay, or drop). A call answered with an error (a disrupted Region) is
retried by the SDK with exponential backoff; when the SDK gives up, a spooling producer keeps it
(durable store-and-forward: it tries again every ``cap``) and any other producer loses its
entries. Retried calls keep their entries but carry a new time.
"""

from __future__ import annotations

import heapq

import numpy as np

from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.workload import Calls
from bridgetwin.simulator.scenario import Traffic


class ProducerSource:
    """One traffic spec's calls: the generated ones in order, then any being retried."""

    def __init__(self, traffic: Traffic | None, calls: Calls) -> None:
        self.traffic = traffic
        self._calls = calls
        self._cursor = 0
        self._retries: list[tuple[float, int, tuple[int, ...], int]] = []
        self._sequence = 0
        self.width = calls.templates.shape[1]
        self.lost_entries = 0

    @property
    def calls(self) -> Calls:
        """Every call the traffic spec makes (first attempts)."""
        return self._calls

    def take(self, t1: float) -> Batch:
        """Calls made before ``t1`` not taken yet."""
        stop = int(self._calls.times.searchsorted(t1, side="left"))
        fresh = Batch(
            self._calls.times[self._cursor : stop],
            self._calls.templates[self._cursor : stop],
            np.zeros(stop - self._cursor, dtype=np.int64),
        )
        self._cursor = stop
        due = []
        while self._retries and self._retries[0][0] < t1:
            due.append(heapq.heappop(self._retries))
        if not due:
            return fresh
        retried = Batch(
            np.asarray([d[0] for d in due]),
            np.asarray([d[2] for d in due], dtype=np.int64).reshape(len(due), self.width),
            np.asarray([d[3] for d in due], dtype=np.int64),
        )
        return Batch.merge([fresh, retried], self.width)

    def failed(self, batch: Batch, *, throttled: bool, not_before: float) -> None:
        """Calls the Region rejected: schedule their retries or count their entries lost.

        A retry cannot happen before ``not_before``, the end of the step that rejected the call
        (the engine has already admitted that step's calls): a shift of at most one step.
        """
        traffic = self.traffic
        for at, templates, attempt in zip(
            batch.times.tolist(), batch.templates.tolist(), batch.attempts.tolist(), strict=True
        ):
            delay = self._retry_delay(traffic, attempt, throttled)
            if delay is None:
                self.lost_entries += len(templates)
                continue
            self._sequence += 1
            retry_at = max(at + delay, not_before)
            heapq.heappush(self._retries, (retry_at, self._sequence, tuple(templates), attempt + 1))

    def _retry_delay(self, traffic: Traffic | None, attempt: int, throttled: bool) -> float | None:
        if traffic is None:  # EventBridge's own calls (schedules, replication) retry for 24 h
            return 1.0
        if throttled:
            if traffic.on_throttle == "retry" and attempt < traffic.throttle_retries:
                return traffic.throttle_retry_delay * 2**attempt
            return None
        retry = traffic.retry
        if attempt < retry.attempts:
            return min(retry.cap, retry.base * 2**attempt)
        if traffic.spool:
            return retry.cap
        return None

    @property
    def waiting_entries(self) -> int:
        """Entries of calls still waiting to be retried (in flight at the producer)."""
        return len(self._retries) * self.width
