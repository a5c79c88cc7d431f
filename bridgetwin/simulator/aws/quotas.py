"""Per-Region EventBridge quotas (eventbridge-facts §6), both adjustable in real accounts.

AWS groups Regions in the same tiers for both quotas, so one table serves both. The invocation
quota delays what exceeds it (``InvocationThrottle``). Only first attempts pass through it: AWS
does not say whether retries count against the quota (UNCONFIRMED), and a retry's time is already
spread by its jittered backoff; results list this among their assumptions.
"""

from __future__ import annotations

import numpy as np

from bridgetwin.simulator.aws.gates import gcra_schedule

# (Regions, PutEvents requests/s, invocations/s); Regions in no tier get the last row's numbers.
_TIERS: tuple[tuple[tuple[str, ...], int, int], ...] = (
    (("us-east-1", "us-west-2", "eu-west-1"), 10_000, 18_750),
    (("us-east-2", "eu-central-1", "eu-south-2"), 2_400, 4_500),
    (("us-west-1", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "eu-west-2"),
     1_200, 2_250),
    (("ap-east-1", "ap-northeast-2", "ap-south-1", "ca-central-1", "eu-north-1", "eu-west-3",
      "sa-east-1"), 600, 1_100),
    ((), 400, 750),
)  # fmt: skip


def _tier(region: str) -> tuple[tuple[str, ...], int, int]:
    return next((tier for tier in _TIERS if region in tier[0]), _TIERS[-1])


def put_events_quota(region: str) -> int:
    """PutEvents requests per second per account and Region (L-9B653E91); 400 elsewhere."""
    return _tier(region)[1]


def invocation_quota(region: str) -> int:
    """Target invocations per second per account and Region (L-5540C5E3); 750 elsewhere."""
    return _tier(region)[2]


class InvocationThrottle:
    """The Region's invocation quota: invocations over it are delayed, not dropped (facts §6).

    A token bucket of ``quota`` per second with a second of burst, applied in ready order. The
    engine hands it batches in ready order, but not always in order across batches: a later wave
    of a step (events another bus or Region handed over) or events ingested after a disruption's
    extra latency ended can be ready before events already granted. Each of those takes the
    bucket as it stood at its ready time (the TAT after the granted events ready before it), so
    it is never delayed for events ready after it. That is exact while the quota does not bind,
    the usual case; when it binds, the late batch takes no tokens from the others (and grants
    already made do not move).
    """

    def __init__(self, quota: int) -> None:
        self.quota = quota
        self._tolerance = (quota - 1) / quota
        self._ready = np.empty(0)  # granted requests still within reach, by ready time
        self._tats = np.empty(0)  # the bucket's TAT after each, in ready order
        self._base = -np.inf  # the TAT before the first one kept

    def grants(self, ready: np.ndarray, now: float) -> np.ndarray:
        """Start times of requests ``ready`` (sorted); ``now``: no later batch is ready before
        it, so what was granted long before can be forgotten."""
        if not len(ready):
            return ready
        self._forget(now)
        if not len(self._ready) or ready[0] >= self._ready[-1]:
            last = float(self._tats[-1]) if len(self._tats) else self._base
            starts, tats = gcra_schedule(ready, self.quota, self.quota, last)
            self._ready = np.concatenate((self._ready, ready))
            self._tats = np.concatenate((self._tats, tats))
            return starts
        at = self._ready.searchsorted(ready, side="right") - 1
        before = np.where(at >= 0, self._tats[np.maximum(at, 0)], self._base)
        return np.maximum(ready, before - self._tolerance)

    def _forget(self, now: float) -> None:
        """Drop what no batch can be ready before any more (a second of tolerance kept)."""
        cut = int(self._ready.searchsorted(now - 1.0, side="left"))
        if cut:
            self._base = float(self._tats[cut - 1])
            self._ready, self._tats = self._ready[cut:], self._tats[cut:]
