"""Producers' PutEvents calls: generated in bulk, retried by the SDK, spooled or lost.

A call the Region rejects comes back here. A throttled call follows the traffic's throttle policy
(retry with a doubling delay, or drop). A call answered with an error (a disrupted Region) is
retried by the SDK with exponential backoff; when the SDK gives up, a spooling producer keeps it
(durable store-and-forward: it tries again every ``cap``) and any other producer loses its
entries. Retried calls keep their entries but carry a new time, exactly their delay after the
rejection: the engine ends a step in which a call may be rejected before the earliest retry it
could cause (``min_retry_delay``, see :mod:`.lookahead`).

A call whose entries together exceed the request-size limit never gets that far: the API rejects
it whole with a validation error, which no SDK retries, so its entries are lost at the producer
(``too_large_calls``). An entry too large on its own is reported per entry by the Region instead.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from bridgetwin.simulator.calls import Batch, Windows
from bridgetwin.simulator.engine.workload import CallStream
from bridgetwin.simulator.scenario import Traffic

MAX_CHAIN = 64
"""The most retries of one call a step takes in waves (see ``retry_chains``)."""


class ProducerSource:
    """One traffic spec's calls: the generated ones in order, then any being retried."""

    def __init__(
        self,
        traffic: Traffic | None,
        calls: CallStream,
        width: int,
        request_limit: tuple[np.ndarray, int] | None = None,
    ) -> None:
        self.traffic = traffic
        self.stream = calls
        self._retries: list[tuple[float, int, tuple[int, ...], int]] = []
        self._sequence = 0
        self.width = width
        self.lost_entries = 0
        self.too_large_calls = 0
        self._request_limit = request_limit
        """Per event template the bytes it adds to a request, and the request-size limit; None
        when no call can exceed it."""

    @property
    def min_retry_delay(self) -> float:
        """The shortest delay after which a rejected call of this producer can come back."""
        traffic = self.traffic
        if traffic is None:
            return 1.0
        delays = [math.inf]
        if traffic.on_throttle == "retry" and traffic.throttle_retries:
            delays.append(traffic.throttle_retry_delay)
        if traffic.retry.attempts:
            delays.append(min(traffic.retry.cap, traffic.retry.base))
        if traffic.spool:
            delays.append(traffic.retry.cap)
        return min(delays)

    def peek(self, t1: float) -> np.ndarray:
        """Times of the calls before ``t1`` not taken yet (not in order)."""
        due = [entry[0] for entry in self._retries if entry[0] < t1]
        fresh = self.stream.peek(t1)
        return np.concatenate((fresh, due)) if due else fresh

    def due_before(self, t1: float) -> bool:
        """Whether a retry is due before ``t1`` (fresh calls before it are taken already)."""
        return bool(self._retries) and self._retries[0][0] < t1

    def worst_case(self, t1: float, errors: Windows) -> np.ndarray | None:
        """Times of every call before ``t1`` this producer could make if each call not taken
        yet were answered with an error whenever it falls in one of the ``errors`` windows:
        the calls themselves and their SDK retries. The calls actually made are among them."""
        due = [(entry[0], entry[3]) for entry in self._retries if entry[0] < t1]
        fresh = self.stream.peek(t1)
        times = np.concatenate((fresh, [d[0] for d in due])) if due else fresh
        attempts = np.zeros(len(times), dtype=np.int64)
        if due:
            attempts[len(fresh) :] = [d[1] for d in due]
        return self.retry_chains(times, attempts, t1, errors)

    def retry_chains(
        self, times: np.ndarray, attempts: np.ndarray, t1: float, errors: Windows
    ) -> np.ndarray | None:
        """``times`` and, were each call in one of the ``errors`` windows answered with an
        error, each retry the SDK (or the spool) would make before ``t1``; None when a call
        could retry more than ``MAX_CHAIN`` times before it (the engine then takes the step in
        short parts)."""
        chains = [times]
        for _ in range(MAX_CHAIN):
            failing = np.zeros(len(times), dtype=bool)
            for start, end in errors:
                failing |= (times >= start) & (times < end)
            times, attempts = times[failing], attempts[failing]
            if not len(times):
                return np.concatenate(chains)
            times = times + self._error_delays(attempts)
            keep = times < t1  # (no retry: a NaN delay, never before t1)
            times, attempts = times[keep], attempts[keep] + 1
            chains.append(times)
        return None

    def _error_delays(self, attempts: np.ndarray) -> np.ndarray:
        """``_retry_delay`` of an error, for many calls at once (NaN: not retried)."""
        traffic = self.traffic
        if traffic is None:
            return np.ones(len(attempts))
        retry = traffic.retry
        backoff = np.minimum(retry.cap, retry.base * 2.0 ** np.minimum(attempts, 64))
        return np.where(attempts < retry.attempts, backoff, retry.cap if traffic.spool else np.nan)

    def take(self, t1: float) -> Batch:
        """Calls made before ``t1`` not taken yet."""
        calls = self.stream.take(t1)
        fresh = Batch(calls.times, calls.templates, np.zeros(len(calls.times), dtype=np.int64))
        if self._request_limit is not None and len(fresh):
            fresh = self._within_request_limit(fresh, *self._request_limit)
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

    def _within_request_limit(self, batch: Batch, sizes: np.ndarray, limit: int) -> Batch:
        over = sizes[batch.templates].sum(axis=1) > limit
        if not over.any():
            return batch
        self.too_large_calls += int(np.count_nonzero(over))
        self.lost_entries += int(np.count_nonzero(over)) * self.width
        return batch.select(~over)

    def failed(self, batch: Batch, *, throttled: bool) -> None:
        """Calls the Region rejected: schedule their retries or count their entries lost."""
        traffic = self.traffic
        for at, templates, attempt in zip(
            batch.times.tolist(), batch.templates.tolist(), batch.attempts.tolist(), strict=True
        ):
            delay = self._retry_delay(traffic, attempt, throttled)
            if delay is None:
                self.lost_entries += len(templates)
                continue
            self._sequence += 1
            entry = (at + delay, self._sequence, tuple(templates), attempt + 1)
            heapq.heappush(self._retries, entry)

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
