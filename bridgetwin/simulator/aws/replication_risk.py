"""Events at risk when a global endpoint fails over, in memory that does not grow with traffic.

An event the primary Region accepted at ``t`` is *at risk* at a failover switch ``E`` when its
copy had not reached the secondary by then: ``t < E < due``, where ``due`` is when the managed
replication rule delivers the copy (never, without replication). The failover summary asks for
their number and the earliest of them (the RPO) at one ``E``: the first DNS epoch after the health
check turned unhealthy once the disruption began, or the last disruption's end when producers never
switched. That ``E`` is known only after the run, but it is one of few *candidates*: a DNS epoch
following an unhealthy change of the health check, or the last disruption's end. A health change
follows an alarm evaluation by the check's propagation delay, so a candidate not known yet lies
after the last evaluation plus that delay.

So the ledger keeps only the calls whose copy is still due after the earliest time a candidate
not evaluated yet could be (about propagation + replication lag + ingestion latency of traffic),
evaluates each candidate once the engine has ingested every call before it, and forgets the rest.
The answer is exact; the memory is the calls of that window, whatever the rate or the duration.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def switch_epoch(unhealthy_at: float, ttl: float) -> float:
    """The first DNS epoch (a multiple of the TTL) at or after the health check turned
    unhealthy: when producers' answers first name the secondary."""
    return math.ceil(unhealthy_at / ttl) * ttl


class RiskLedger:
    """The primary's accepted calls from the first disruption on, condensed as the run goes."""

    def __init__(self, start: float) -> None:
        self.start = start
        self._times: list[np.ndarray] = []
        self._due: list[np.ndarray] = []
        self._answers: dict[float, tuple[int, float]] = {}
        self._forgotten_before = -math.inf
        """Calls whose copy was due at or before this are forgotten."""

    def accept(self, times: np.ndarray, due: np.ndarray) -> None:
        """Calls the primary accepted at ``times`` (all at or after ``start``), their copies
        reaching the secondary at ``due`` (``inf``: never)."""
        if len(times):
            self._times.append(times)
            self._due.append(due)

    def settle(self, ingested_until: float, candidates: Iterable[float], bound: float) -> None:
        """Every call before ``ingested_until`` is in: answer each candidate switch time up to
        it, then forget calls due at or before ``bound`` (no candidate answered later can
        precede it)."""
        for end in candidates:
            if end <= ingested_until and end not in self._answers:
                self._answers[end] = self._count(end)
        bound = min(bound, ingested_until)
        if bound <= self._forgotten_before or not self._times:
            return
        times, due = np.concatenate(self._times), np.concatenate(self._due)
        keep = due > bound
        self._times, self._due = [times[keep]], [due[keep]]
        self._forgotten_before = bound

    def at(self, end: float) -> tuple[int, float]:
        """The calls at risk at ``end`` and the earliest one's time (``inf`` when none)."""
        if end <= self.start:
            return 0, math.inf
        if end in self._answers:
            return self._answers[end]
        if end <= self._forgotten_before:
            raise AssertionError(f"switch at {end} s was not a candidate the ledger answered")
        return self._count(end)

    def _count(self, end: float) -> tuple[int, float]:
        count, earliest = 0, math.inf
        for times, due in zip(self._times, self._due, strict=True):
            risky = (times < end) & (due > end)
            if risky.any():
                count += int(np.count_nonzero(risky))
                earliest = min(earliest, float(times[risky].min()))
        return count, earliest
