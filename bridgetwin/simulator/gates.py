"""What an invocation waits for before it starts: a rate limit or free concurrency.

An API destination's ``InvocationRateLimitPerSecond`` is a token bucket shared by every rule that
targets it; excess invocations are delayed, not failed (eventbridge-facts §2). We model it as the
generic cell rate algorithm (virtual scheduling), which is exactly a token bucket of rate ``R`` and
capacity ``B`` serving requests in the order they become ready::

    grant_i = max(a_i, TAT_{i-1} - (B - 1) / R)        TAT_i = max(a_i, TAT_{i-1}) + 1 / R

A request that would be granted after its event's maximum age gives up without taking a token.
"""

from __future__ import annotations

import heapq
import math

import numpy as np


def gcra_schedule(
    ready: np.ndarray, rate: float, burst: int, tat: float
) -> tuple[np.ndarray, np.ndarray]:
    """Start times of sorted requests through a token bucket that delays (never rejects), with
    the bucket's TAT after each one. The recurrence TAT_i = max(r_i, TAT_{i-1}) + 1/R unrolls to
    a running maximum, so any number of requests costs a few numpy operations."""
    n = len(ready)
    if not n:
        return ready, np.empty(0)
    steps = np.arange(1, n + 1) / rate
    running = np.maximum.accumulate(ready - (steps - 1.0 / rate))
    tats = np.maximum(tat + steps, running + steps)
    previous = np.concatenate(([tat], tats[:-1]))
    return np.maximum(ready, previous - (burst - 1) / rate), tats


class TokenBucket:
    """Rate ``rate`` per second with ``burst`` tokens of capacity (GCRA)."""

    __slots__ = ("_increment", "_tat", "_tolerance", "burst", "rate")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._increment = 1.0 / rate
        self._tolerance = (burst - 1) / rate
        self._tat = -math.inf

    def advance(self, tat: float, ready: float) -> tuple[float, float]:
        """One step of the recurrence: the start of a request ready at ``ready`` when the TAT
        is ``tat``, and the TAT after it."""
        earliest = tat - self._tolerance
        return (ready if earliest <= ready else earliest), (
            ready if ready > tat else tat
        ) + self._increment

    def grant_time(self, ready: float) -> float:
        """When a request ready at ``ready`` would start (nothing is committed)."""
        return self.advance(self._tat, ready)[0]

    def take(self, ready: float, start: float, end: float) -> None:
        """The request ready at ``ready`` started: it consumed a token."""
        self._tat = self.advance(self._tat, ready)[1]

    def schedule(self, ready: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start times of many sorted requests, and the TAT after each (nothing committed)."""
        return gcra_schedule(ready, self.rate, self.burst, self._tat)

    def commit(self, tat: float) -> None:
        """Adopt the TAT after the last request of a scheduled block that was started."""
        self._tat = tat

    def insertions(self, ready: np.ndarray) -> Insertions:
        """Grants for a block of sorted requests into which others will be inserted."""
        return Insertions(ready, self._increment, self._tolerance, self._tat)


class Insertions:
    """Grants in a block of sorted requests while requests are inserted into it in service
    order (a retry that becomes ready inside the block), each in O(1), never recomputing.

    Unrolled, the GCRA's TAT after the p-th request served (from 0) is
    ``(p + 1)/R + M_p`` with ``M_p = max(TAT_in, max_{q <= p} (r_q - q/R))``. The block's k-th
    request, served after s insertions, sits at p = k + s, so its term is ``A_k - s/R`` with
    ``A_k = r_k - k/R``. Because s only grows, the maximum over the block's requests before k is
    ``max(M, prefix_max(A)_{k-1} - s/R)``, where M is exact up to the last insertion: earlier
    requests counted with today's larger s only undercount terms M already holds.
    """

    __slots__ = ("_prefix", "_ready", "_running", "_tolerance", "increment", "inserted")

    def __init__(self, ready: np.ndarray, increment: float, tolerance: float, tat: float) -> None:
        self._ready = ready.tolist()
        self._prefix = np.maximum.accumulate(ready - np.arange(len(ready)) * increment).tolist()
        self.increment = increment
        """How much one insertion can delay a later grant: 1/R (0 without a rate limit)."""
        self._tolerance = tolerance
        self._running = tat  # M: the maximum term up to the last insertion (TAT_in at first)
        self.inserted = 0
        """How many requests were inserted so far; each delays later grants by at most 1/R."""

    def _before(self, k: int) -> tuple[float, float]:
        """The running maximum and TAT just before the block's k-th request."""
        s = self.inserted
        running = self._running
        if k:
            prefix = self._prefix[k - 1] - s * self.increment
            running = prefix if prefix > running else running
        return running, (k + s) * self.increment + running

    def start_of(self, k: int) -> float:
        """When the block's k-th request starts, given the insertions so far."""
        ready = self._ready[k]
        earliest = self._before(k)[1] - self._tolerance
        return ready if ready >= earliest else earliest

    def insert(self, k: int, ready: float) -> float:
        """Serve a request ready at ``ready`` just before the block's k-th; returns its start."""
        running, tat = self._before(k)
        term = ready - (k + self.inserted) * self.increment
        self._running = term if term > running else running
        self.inserted += 1
        earliest = tat - self._tolerance
        return ready if ready >= earliest else earliest


class Concurrency:
    """At most ``limit`` invocations in flight; the next one starts when one finishes."""

    __slots__ = ("_free_at", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._free_at = [0.0] * limit  # a heap of the times each slot becomes free

    def grant_time(self, ready: float) -> float:
        free = self._free_at[0]
        return ready if free <= ready else free

    def take(self, ready: float, start: float, end: float) -> None:
        heapq.heapreplace(self._free_at, end)


class Unlimited:
    """No waiting: SQS, SNS and most AWS targets absorb the invocation rate (quotas aside)."""

    __slots__ = ()

    def grant_time(self, ready: float) -> float:
        return ready

    def take(self, ready: float, start: float, end: float) -> None:
        pass

    def schedule(self, ready: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return ready, ready

    def commit(self, tat: float) -> None:
        pass

    def insertions(self, ready: np.ndarray) -> Insertions:
        return Insertions(ready, 0.0, math.inf, -math.inf)


Gate = TokenBucket | Concurrency | Unlimited
