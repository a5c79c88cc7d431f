"""What an invocation waits for before it starts: a rate limit or free concurrency.

An API destination's ``InvocationRateLimitPerSecond`` is a token bucket shared by every rule that
targets it; excess invocations are delayed, not failed (eventbridge-facts §2). We model it as the
generic cell rate algorithm (virtual scheduling), which is exactly a token bucket of rate ``R`` and
capacity ``B`` serving requests in the order they become ready::

    grant_i = max(a_i, TAT_{i-1} - (B - 1) / R)        TAT_i = max(a_i, TAT_{i-1}) + 1 / R

A request that would be granted after its event's maximum age gives up without taking a token.
"""

from __future__ import annotations

import functools
import heapq
import math

import numpy as np


def gcra_schedule(
    ready: np.ndarray, rate: float, burst: int, tat: float
) -> tuple[np.ndarray, np.ndarray]:
    """Start times of sorted requests through a token bucket that delays (never rejects), with
    the bucket's TAT after each one."""
    if not len(ready):
        return ready, np.empty(0)
    _, tats, starts = _unrolled(ready, _offsets(rate, len(ready)), (burst - 1) / rate, tat)
    return starts, tats


def _unrolled(
    ready: np.ndarray, offsets: np.ndarray, tolerance: float, tat: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The recurrence TAT_i = max(r_i, TAT_{i-1}) + 1/R unrolled: TAT_i = max(TAT_in, A_i) +
    (i + 1)/R with A_i = max_{j<=i} (r_j - j/R), a running maximum, so any number of requests
    costs a few numpy operations. Returns (A, TATs, starts); ``offsets[i]`` is i/R."""
    n = len(ready)
    running = np.maximum.accumulate(ready - offsets[:n])
    tats = np.maximum(running, tat)
    tats += offsets[1 : n + 1]
    starts = np.empty(n)
    starts[0] = tat
    starts[1:] = tats[:-1]
    starts -= tolerance
    return running, tats, np.maximum(starts, ready, out=starts)


def gcra_grants(ready: np.ndarray, rate: float, burst: int, tat: float) -> tuple[np.ndarray, float]:
    """Start times of sorted requests through a delaying token bucket, and its TAT afterwards.

    When no request can wait, the starts are ``ready`` itself and only the TAT is computed:
    request i waits only if one ready before it at j has i - j >= ``burst`` (impossible with at
    most ``burst`` requests) or the TAT carried in exceeds a_0 + (B - 1)/R - (n - 1)/R."""
    n = len(ready)
    if not n:
        return ready, tat
    if n <= burst and tat + n / rate - (burst - 1) / rate <= ready[0]:
        offsets = _offsets(rate, n)
        return ready, max(tat, float(np.maximum.reduce(ready - offsets[:n]))) + float(offsets[n])
    starts, tats = gcra_schedule(ready, rate, burst, tat)
    return starts, float(tats[-1])


@functools.lru_cache(maxsize=32)
def _cached_offsets(rate: float, size: int) -> np.ndarray:
    offsets = np.arange(size + 1) / rate
    offsets.flags.writeable = False
    return offsets


def _offsets(rate: float, n: int) -> np.ndarray:
    """``arange(n + 1) / rate`` (at least), shared between calls: sizes round up to powers of 2."""
    return _cached_offsets(rate, 1 << n.bit_length())


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

    def block(self, ready: np.ndarray) -> BlockGrants:
        """The grants of many sorted requests, ready for insertions (nothing committed)."""
        offsets = _offsets(self.rate, len(ready))
        running, tats, starts = _unrolled(ready, offsets, self._tolerance, self._tat)
        return BlockGrants(
            ready, running, tats, starts, self._increment, self._tolerance, self._tat
        )


class BlockGrants:
    """The grants of a block of sorted requests (``starts``, and ``tats`` after each) and,
    while requests are inserted into it in service order (a retry that becomes ready inside
    the block), of every request after an insertion, each in O(1), never recomputing.

    Unrolled, the GCRA's TAT after the p-th request served (from 0) is
    ``(p + 1)/R + M_p`` with ``M_p = max(TAT_in, max_{q <= p} (r_q - q/R))``. The block's k-th
    request, served after s insertions, sits at p = k + s, so its term is ``A_k - s/R`` with
    ``A_k = r_k - k/R``. Because s only grows, the maximum over the block's requests before k is
    ``max(M, prefix_max(A)_{k-1} - s/R)``, where M is exact up to the last insertion: earlier
    requests counted with today's larger s only undercount terms M already holds.
    """

    __slots__ = (
        "_array",
        "_moved",
        "_prefix",
        "_running",
        "_shifted",
        "_tolerance",
        "increment",
        "inserted",
        "ready",
        "starts",
        "tats",
    )

    def __init__(
        self,
        ready: np.ndarray,
        running: np.ndarray,
        tats: np.ndarray,
        starts: np.ndarray,
        increment: float,
        tolerance: float,
        tat: float,
    ) -> None:
        self.starts = starts
        """When each request starts if nothing is inserted."""
        self.tats = tats
        self._array = (ready, running)
        self.ready: list[float] = []
        self._prefix: list[float] = []
        self._moved: list[tuple[int, int, float]] = []  # (k, s, M) after each insertion
        self.increment = increment
        """How much one insertion can delay a later grant: 1/R (0 without a rate limit)."""
        self._tolerance = tolerance
        self._running = tat  # M: the maximum term up to the last insertion (TAT_in at first)
        self._shifted: np.ndarray | None = None
        self.inserted = 0
        """How many requests were inserted so far; each delays later grants by at most 1/R."""

    def track(self) -> None:
        """Prepare for insertions (kept apart: a block without failures never needs them)."""
        self.ready, self._prefix = (array.tolist() for array in self._array)

    # start_of and insert repeat the fold of the prefix maximum: they run once per failure
    # and per retry, where a shared helper's call would cost more than the arithmetic.

    def start_of(self, k: int) -> float:
        """When the block's k-th request starts, given the insertions so far."""
        s, running = self.inserted, self._running
        if k:
            prefix = self._prefix[k - 1] - s * self.increment
            running = prefix if prefix > running else running
        earliest = (k + s) * self.increment + running - self._tolerance
        ready = self.ready[k]
        return ready if ready >= earliest else earliest

    def insert(self, k: int, ready: float, deadline: float = math.inf) -> float | None:
        """Serve a request ready at ``ready`` just before the block's k-th; returns its start,
        or None (and nothing changes) when it would start after ``deadline``."""
        s, running = self.inserted, self._running
        if k:
            prefix = self._prefix[k - 1] - s * self.increment
            running = prefix if prefix > running else running
        position = (k + s) * self.increment
        earliest = position + running - self._tolerance
        if earliest > deadline or ready > deadline:
            return None
        term = ready - position
        self._running = running = term if term > running else running
        self.inserted = s = s + 1
        self._moved.append((k, s, running))
        return ready if ready >= earliest else earliest

    def with_insertions(
        self, at: np.ndarray, ready: np.ndarray, rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``insert`` and ``start_of`` for many at once, with their arithmetic to the bit: the
        requests ready at ``ready`` (sorted) served just before the block's rows ``at``, in
        order, into a block without insertions yet; returns their starts, their earliest
        grants (before their own readiness), the starts of the block's ``rows`` (sorted), and
        how many insertions each of those rows follows.

        Insertion i finds i before it and leaves the maximum ``M_i``, the running maximum of
        ``max(r_i - (k_i + i)/R, A_{k_i - 1} - i/R)`` from ``TAT_in``; a row k after s insertions
        starts from ``max(A_{k-1} - s/R, M_{s-1})``, as ``start_of`` reads it."""
        increment = self.increment
        if self._shifted is None:  # A_{k-1} at k, and -inf at 0 (which no term can beat)
            self._shifted = np.concatenate([[-math.inf], self._array[1]])
        count = np.arange(len(at))
        position = (at + count) * increment
        before = self._shifted[at] - count * increment
        maxima = np.maximum.accumulate(
            np.maximum(np.maximum(ready - position, before), self._running)
        )
        leaving = np.concatenate([[self._running], maxima])  # M before each insertion, then after
        earliest = position + np.maximum(before, leaving[:-1]) - self._tolerance
        s = at.searchsorted(rows, side="right")
        running = np.maximum(self._shifted[rows] - s * increment, leaving[s])
        row_ready = self._array[0][rows]
        row_earliest = (rows + s) * increment + running - self._tolerance
        return (
            np.where(ready >= earliest, ready, earliest),
            earliest,
            np.where(row_ready >= row_earliest, row_ready, row_earliest),
            s,
        )

    def final_starts(self, n: int) -> np.ndarray:
        """The starts of the block's first ``n`` requests after the insertions: ``starts``,
        except after an insertion at k (leaving s insertions and maximum M) up to the first j
        with ``prefix_{j-1} >= M + s/R``, where M outweighs the request's own prefix (the
        prefix never decreases). Cheaper than a new schedule when insertions are few."""
        ready, prefix, increment = self.ready, self._prefix, self.increment
        at: list[int] = []
        later: list[float] = []
        moved = self._moved
        for i, (k, s, running) in enumerate(moved):
            stop = min(moved[i + 1][0], n) if i + 1 < len(moved) else n
            threshold, offset = running + s * increment, running - self._tolerance
            j = k
            while j < stop and (not j or prefix[j - 1] < threshold):
                start = (j + s) * increment + offset
                if start > ready[j]:
                    at.append(j)
                    later.append(start)
                j += 1
        starts = self.starts[:n].copy()
        starts[at] = later
        return starts

    def final_tat(self, n: int) -> float:
        """The TAT after the block's first ``n`` requests and every insertion (all before n)."""
        s, running = self.inserted, self._running
        if n:
            prefix = self._prefix[n - 1] - s * self.increment
            running = prefix if prefix > running else running
        return (n + s) * self.increment + running


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

    def block(self, ready: np.ndarray) -> BlockGrants:
        return BlockGrants(ready, ready, ready, ready, 0.0, math.inf, -math.inf)


Gate = TokenBucket | Concurrency | Unlimited
