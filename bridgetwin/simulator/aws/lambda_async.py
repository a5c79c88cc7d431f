"""What Lambda does with an event EventBridge hands it: its asynchronous event queue.

EventBridge invokes Lambda asynchronously (eventbridge-facts §10): its attempt succeeds when
Lambda accepts the event into the function's queue, and the rule's retry policy and DLQ play no
further part. From the queue, Lambda runs the function as AWS documents
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):

- **Concurrency.** The function runs at most its concurrency at once: its reserved concurrency,
  else the account's unreserved pool (1,000 by default, shared with every other function in the
  Region; the twin gives the whole pool to each function and says so). An event that finds no
  free concurrency is throttled: Lambda returns it to the queue and tries again, with an interval
  that "increases exponentially from 1 second after the first attempt to a maximum of
  5 minutes" (the doubling is our reading, UNCONFIRMED: ``lambda_async.throttle_retry``). A
  throttled event takes no concurrency while it waits, so a fresh event may run before it.
- **Function errors** (including running past the function's timeout) are retried
  ``MaximumRetryAttempts`` times (0-2, default 2): "a one-minute wait between the first two
  attempts, and two minutes between the second and third".
- **Age.** An event older than ``MaximumEventAgeInSeconds`` (60 s-6 h, default 6 h) is discarded.
- **Failure.** A discarded event, or one whose retries all failed, goes to the on-failure
  destination (``EventInvokeConfig``) or the function's dead-letter queue, else it is lost.

What we simplify: "if the queue contains many entries, Lambda increases the retry interval and
reduces the rate at which it reads events from the queue" has no published numbers and is not
modeled, nor are the duplicate deliveries the docs warn of (at-least-once queue). Events are
processed in time order, so concurrency is exact for the arrival and retry times we compute.
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from bridgetwin.simulator._random import Draws

FUNCTION_RETRY_DELAYS = (60.0, 120.0)
"""Lambda's wait before its first and second retry of a function error (AWS)."""
EXPIRES = -1
"""In place of an attempt number: the queue entry is the event's expiry."""


class Samples(Protocol):
    """Where latencies go (the engine's statistics; aws imports nothing of results)."""

    def append(self, value: float) -> None: ...


@dataclass
class FunctionStats:
    """What happened to the events one function received."""

    received: int = 0
    succeeded: int = 0
    to_failure_destination: int = 0
    lost: int = 0
    """Discarded or failed with no destination to send them to."""
    throttles: int = 0
    """Attempts that found no free concurrency (each retried from the queue)."""
    function_errors: int = 0
    by_condition: Counter[str] = field(default_factory=Counter)
    """Why events failed: ``EventAgeExceeded`` or ``RetriesExhausted``."""


class AsyncQueue:
    """One function's asynchronous event queue and its concurrency, up to ``horizon``."""

    def __init__(
        self,
        concurrency: int,
        config: tuple[float, int, float],
        has_destination: bool,
        behaviour: tuple[Draws, Draws, float],
        throttle_retry: tuple[float, float, float],
        horizon: float,
        latencies: tuple[Samples, Samples],
    ) -> None:
        """``config``: maximum event age, retry attempts, function timeout (seconds);
        ``behaviour``: run durations, uniform draws, error rate; ``throttle_retry``: base,
        factor and cap of the interval between attempts that find no free concurrency;
        ``latencies``: where the time from acceptance to the first run, and to the end of the
        successful run, go (seconds)."""
        self.concurrency = concurrency
        self._max_age, self._max_retries, self._timeout = config
        self._has_destination = has_destination
        self._duration, self._uniform, self._error_rate = behaviour
        self._throttle_base, self._throttle_factor, self._throttle_cap = throttle_retry
        self._horizon = horizon
        self._start_latency, self._success_latency = latencies
        self._busy: list[float] = []
        """When each running execution ends (a heap of at most ``concurrency`` entries)."""
        self._queue: list[tuple[float, int, float, int, int]] = []
        """(ready, sequence, accepted at, function attempt or EXPIRES, throttles so far)."""
        self._sequence = 0
        self._running_late = 0  # final runs that end after the horizon
        self.stats = FunctionStats()

    def accept(self, times: np.ndarray, _origins: np.ndarray | None = None) -> None:
        """Events Lambda accepted from EventBridge at ``times`` (a delivery sink)."""
        self.stats.received += len(times)
        for at in times.tolist():
            self._push(at, at, 0, 0)

    @property
    def in_flight(self) -> int:
        """Events accepted and not finished by the horizon: waiting, retrying or running."""
        return len(self._queue) + self._running_late

    def _push(self, ready: float, accepted: float, attempt: int, throttles: int) -> None:
        self._sequence += 1
        heapq.heappush(self._queue, (ready, self._sequence, accepted, attempt, throttles))

    def run_until(self, t_end: float) -> None:
        """Run every queued attempt ready before ``t_end``, in time order."""
        queue, busy, stats = self._queue, self._busy, self.stats
        while queue and queue[0][0] < t_end:
            at, _, accepted, attempt, throttles = heapq.heappop(queue)
            if attempt == EXPIRES:
                self._fail("EventAgeExceeded")
                continue
            while busy and busy[0] <= at:
                heapq.heappop(busy)
            if len(busy) >= self.concurrency:
                stats.throttles += 1
                ceiling = self._throttle_base * self._throttle_factor ** min(throttles, 64)
                self._retry(at + min(self._throttle_cap, ceiling), accepted, attempt, throttles + 1)
                continue
            if attempt == 0:
                self._start_latency.append(at - accepted)
            took = self._duration.next()
            failed = took > self._timeout or (
                self._error_rate > 0 and self._uniform.next() < self._error_rate
            )
            end = at + min(took, self._timeout)
            heapq.heappush(busy, end)
            if failed:
                stats.function_errors += 1
                if attempt < self._max_retries:
                    self._retry(end + FUNCTION_RETRY_DELAYS[attempt], accepted, attempt + 1, 0)
                    continue
            if end > self._horizon:
                self._running_late += 1
            elif failed:
                self._fail("RetriesExhausted")
            else:
                stats.succeeded += 1
                self._success_latency.append(end - accepted)

    def _retry(self, at: float, accepted: float, attempt: int, throttles: int) -> None:
        """Try again at ``at``; an event older than its maximum age by then expires first."""
        expires = accepted + self._max_age
        if at > expires:
            self._push(expires, accepted, EXPIRES, throttles)
        else:
            self._push(at, accepted, attempt, throttles)

    def _fail(self, condition: str) -> None:
        stats = self.stats
        stats.by_condition[condition] += 1
        if self._has_destination:
            stats.to_failure_destination += 1
        else:
            stats.lost += 1
