"""``ApproximateBacklogAge``: how long the oldest event a subscriber has not finished has waited.

AWS publishes it per Custom Event Bus subscriber, in milliseconds (custom-bus facts §4). The twin
takes a subscriber's backlog as read oldest first: after F of its events have finished
(delivered, sent to the on-failure queue or dropped) the oldest waiting one is the (F+1)-th it
received. That is exact for a subscriber that reads in order (a stopped one, a FIFO group, a
queue behind a rate limit) and approximate where retries finish events out of order, as AWS's
own figure is "approximate". Two views of it:

- :class:`BacklogAgeGauge`, the value at any time of a run, from the datapoints of the events a
  subscriber received and finished (for alarms, evaluated like a queue's gauge);
- :func:`backlog_age_by_minute`, the value at the end of every minute, from a finished run's
  per-minute counts (for results), each minute's events taken as spread evenly across it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bridgetwin.simulator.aws.metrics import SeriesReader

RECEIVED, FINISHED = "BacklogReceived", "BacklogFinished"
"""The series a subscriber's target records for the gauge (only while an alarm watches)."""


class _Backlog:
    """One subscriber's received times not yet matched by a finish, oldest first."""

    def __init__(self, received: SeriesReader, finished: SeriesReader) -> None:
        self._received, self._finished = received, finished
        self._waiting = np.empty(0)
        self._later = np.empty(0)  # finishes after the last evaluation

    def oldest(self, now: float) -> float | None:
        new = [times for times, _ in self._received.read()]
        if new:
            self._waiting = np.sort(np.concatenate([self._waiting, *new]), kind="stable")
        ends = np.concatenate([self._later, *(times for times, _ in self._finished.read())])
        self._later = ends[ends > now]
        self._waiting = self._waiting[len(ends) - len(self._later) :]
        return float(self._waiting[0]) if len(self._waiting) else None


class BacklogAgeGauge:
    """The largest ``ApproximateBacklogAge`` (ms) of some subscribers at a time."""

    def __init__(self, sources: Sequence[tuple[SeriesReader, SeriesReader]]) -> None:
        self._backlogs = [_Backlog(received, finished) for received, finished in sources]

    def __call__(self, now: float) -> float:
        oldest = [b.oldest(now) for b in self._backlogs]
        waiting = [t for t in oldest if t is not None and t <= now]
        return (now - min(waiting)) * 1e3 if waiting else 0.0


def backlog_age_by_minute(received: np.ndarray, finished: np.ndarray) -> list[int]:
    """The backlog age (ms) at the end of each minute, from the events received and finished
    in each minute."""
    cumulative = np.cumsum(received)
    done = np.cumsum(finished)
    out = []
    for minute, count in enumerate(done.tolist()):
        if cumulative[minute] <= count:
            out.append(0)
            continue
        first = int(np.searchsorted(cumulative, count, side="right"))  # its minute
        before = int(cumulative[first - 1]) if first else 0
        arrived = (first + (count - before + 0.5) / int(received[first])) * 60.0
        out.append(round(((minute + 1) * 60.0 - arrived) * 1e3))
    return out
