"""``ApproximateBacklogAge``: how long the oldest event a subscriber has not finished has waited.

AWS publishes it per Custom Event Bus subscriber, in milliseconds (custom-bus facts §4). The twin
knows it exactly: a subscriber's target records each event it receives (at its ingestion) and
each it finishes (delivered, sent to the on-failure queue or dropped, with the ingestion time of
the event as the datapoint's value), and :class:`BacklogTracker` keeps the ingestion times of
those received and not finished. Once the engine has passed a minute's end, every event received
or finished before it is known, so the tracker takes its sample there: the age of the oldest
event still waiting (0 with none). Alarms on the metric read the samples
(:class:`BacklogAgeGauge`) and each subscriber's result lists them
(``per_minute.backlog_age_ms``). Memory: the events waiting, which the lanes hold anyway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from bridgetwin.simulator.aws.metrics import MetricStore

RECEIVED, FINISHED = "BacklogReceived", "BacklogFinished"
"""The series a subscriber's target records for its tracker."""


class BacklogTracker:
    """One subscriber's events received and not finished, sampled at every minute's end."""

    def __init__(self, store: MetricStore) -> None:
        self._received = store.watch(RECEIVED)
        self._finished = store.watch(FINISHED)
        self._waiting = np.empty(0)  # ingestion times, sorted
        self._arriving = np.empty(0)  # received after the last sample
        self._leaving = (np.empty(0), np.empty(0))  # (finish time, ingestion) after it
        self.ages_ms: list[int] = []
        """The age of the oldest waiting event at the end of each minute sampled so far."""

    def advance(self, now: float, *, last: bool = False) -> None:
        """Take the samples of every minute that ended by ``now`` (everything before it is
        known); ``last``: ``now`` ends the run, and a partial minute before it is sampled
        there."""
        while (len(self.ages_ms) + 1) * 60.0 <= now + 1e-9:
            self.ages_ms.append(self._sample((len(self.ages_ms) + 1) * 60.0))
        if last and len(self.ages_ms) * 60.0 < now - 1e-9:
            self.ages_ms.append(self._sample(now))

    def _sample(self, at: float) -> int:
        arriving = [self._arriving, *(times for times, _ in self._received.read())]
        arrived = np.concatenate(arriving)
        parts = [self._leaving, *self._finished.read()]
        ends = np.concatenate([p[0] for p in parts])
        ingested = np.concatenate([p[1] for p in parts])
        came, left = arrived <= at, ends <= at
        self._arriving = arrived[~came]
        self._leaving = (ends[~left], ingested[~left])
        waiting = np.sort(np.concatenate([self._waiting, arrived[came]]), kind="stable")
        self._waiting = _without(waiting, np.sort(ingested[left]))
        return round((at - self._waiting[0]) * 1e3) if len(self._waiting) else 0


def _without(waiting: np.ndarray, gone: np.ndarray) -> np.ndarray:
    """``waiting`` less one occurrence of each of ``gone`` (both sorted)."""
    if not len(gone):
        return waiting
    first = np.searchsorted(waiting, gone, side="left")
    rank = np.arange(len(gone)) - np.searchsorted(gone, gone, side="left")
    slots = first + rank  # equal times take consecutive slots
    found = slots < len(waiting)
    found[found] = waiting[slots[found]] == gone[found]
    keep = np.ones(len(waiting), dtype=bool)
    keep[slots[found]] = False
    return waiting[keep]


class BacklogAgeGauge:
    """The largest ``ApproximateBacklogAge`` (ms) of some subscribers at a minute's end."""

    def __init__(self, trackers: Sequence[BacklogTracker]) -> None:
        self._trackers = trackers

    def __call__(self, now: float) -> float:
        minute = math.floor(now / 60.0 + 1e-9) - 1  # the sample at or before ``now``
        ages = [t.ages_ms[minute] for t in self._trackers if 0 <= minute < len(t.ages_ms)]
        return float(max(ages, default=0))
