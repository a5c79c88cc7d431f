"""An HTTPS endpoint that saturates: a fixed pool of workers in front of a waiting line.

What real endpoints do: a web service handles a bounded number of requests at once (worker
processes, threads, database connections); requests beyond that wait in an accept queue, and
what waits too long, or finds the queue full, is answered with 429 or 503, or never answered
at all. Throughput therefore stops at ``concurrency / mean service time`` and latency grows as the
load approaches it. EventBridge knows none of this: it starts each request when the API
destination's rate limit allows, and gives up on it after its 5 s timeout (eventbridge-facts §2).

We model the endpoint as a first-come-first-served queue with ``c`` servers (G/G/c: the arrival
process is whatever EventBridge sends, service times are the endpoint's ``latency``), with an
optional limit on how many requests may wait. With Poisson arrivals and exponential service this
is the M/M/c queue whose waiting probability is Erlang's C formula, which the tests check. What we
simplify, each a documented choice:

- a request EventBridge has abandoned at its timeout is still served to the end: the server does
  not notice the closed connection (most don't), so timed-out work still takes capacity; this
  is what makes retries after timeouts pile more load onto an overloaded endpoint;
- a request that finds the waiting line full is answered at once (``rejection_latency``) with
  ``when_full`` (429 or 503, with the endpoint's ``Retry-After`` if it sends one), or never
  answered (``timeout``: EventBridge's timeout ends it);
- one pool per API destination: destinations that share an endpoint URL do not share its
  capacity (the run warns when a scenario endpoint with a capacity matches several).

Requests arrive in time order: a lane starts them in the order its gate grants them.
"""

from __future__ import annotations

import heapq
from collections import deque
from dataclasses import dataclass


@dataclass
class PoolStats:
    """What the endpoint saw: for the result's ``endpoints`` section."""

    requests: int = 0
    waited: int = 0
    """Requests that found every worker busy."""
    rejected: int = 0
    """Requests that found the waiting line full."""
    wait_total: float = 0.0
    wait_max: float = 0.0
    busy: float = 0.0
    """Worker-seconds of service (for utilization)."""


class ServerPool:
    """``concurrency`` workers serving requests first come, first served."""

    __slots__ = ("_free", "_queue_limit", "_waiting", "stats")

    def __init__(self, concurrency: int, queue_limit: int | None) -> None:
        self._free = [0.0] * concurrency
        """When each worker is next free (a heap)."""
        self._queue_limit = queue_limit
        self._waiting: deque[float] = deque()
        """When each request that had to wait is taken up by a worker (increasing)."""
        self.stats = PoolStats()

    def admit(self, at: float, service: float) -> float | None:
        """A request arriving at ``at`` that needs ``service`` seconds of a worker: its response
        time (wait plus service), or None when the waiting line is full."""
        free, waiting, stats = self._free, self._waiting, self.stats
        stats.requests += 1
        while waiting and waiting[0] <= at:
            waiting.popleft()
        begin = free[0]
        if begin > at:
            if self._queue_limit is not None and len(waiting) >= self._queue_limit:
                stats.rejected += 1
                return None
            waiting.append(begin)
            wait = begin - at
            stats.waited += 1
            stats.wait_total += wait
            stats.wait_max = max(stats.wait_max, wait)
        else:
            begin = at
        heapq.heapreplace(free, begin + service)
        stats.busy += service
        return begin + service - at
