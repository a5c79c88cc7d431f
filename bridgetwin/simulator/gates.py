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


class TokenBucket:
    """Rate ``rate`` per second with ``burst`` tokens of capacity (GCRA)."""

    __slots__ = ("_increment", "_tat", "_tolerance", "burst", "rate")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._increment = 1.0 / rate
        self._tolerance = (burst - 1) / rate
        self._tat = -math.inf

    def grant_time(self, ready: float) -> float:
        """When a request ready at ``ready`` would start (nothing is committed)."""
        earliest = self._tat - self._tolerance
        return ready if earliest <= ready else earliest

    def take(self, ready: float, start: float, end: float) -> None:
        """The request ready at ``ready`` started: it consumed a token."""
        tat = self._tat
        self._tat = (ready if ready > tat else tat) + self._increment


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


Gate = TokenBucket | Concurrency | Unlimited
