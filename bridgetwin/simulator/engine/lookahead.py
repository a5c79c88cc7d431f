"""How far the engine may advance at once: a conservative look-ahead, chosen by the engine.

Within a step everything is arithmetic on exact times, so a step may be as long as nothing that
happens inside it could change what the step assumed when it began. Two things could:

1. **Routing.** A global endpoint sends producers' calls where its health check says, and the
   check follows an alarm evaluated during the run. An evaluation at ``e`` changes routing no
   earlier than ``e + propagation``, so no step crosses that time, and every evaluation is done
   before the step that starts at or after it.
2. **Memory.** A step holds its calls and events in arrays, so it spans at most
   ``EVENTS_PER_STEP`` calls of any producer.

Everything else is exact whatever the step's length. A call a Region rejects is retried by its
producer after a delay: ingestion goes through the step in parts, taking the retries that fall
inside a part in waves or ending the part before the earliest one (:mod:`.put_admission`), so
every retry is made at its exact time. Events
handed on (a rule's delivery to another bus, a global endpoint's replication) arrive in waves
within the step. An alarm is evaluated once the engine has passed its time, when every datapoint
before it exists. So the step changes no timing, only the order in which random draws are used
(the same distributions, another sample path); the tests check both.

One simplification: events of a later wave that are ready before events already granted take the
Region's invocation quota as it stood at their ready time (``aws.quotas.InvocationThrottle``):
exact while the quota (thousands per second, eventbridge-facts §6) does not bind; when it binds,
they take no tokens from the events granted before them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bridgetwin.simulator.aws.failover import EndpointRouter
from bridgetwin.simulator.engine.producers import ProducerSource

EVENTS_PER_STEP = 1 << 15
"""A step spans at most this many calls of each producer (and of each scheduled rule)."""


def next_evaluation(period: float, now: float) -> float:
    """The first evaluation time of an alarm with this period strictly after ``now``."""
    return period * (math.floor(now / period + 1e-9) + 1)


class Lookahead:
    """Chooses each step's end: ``next_stop(now)``."""

    def __init__(
        self,
        horizon: float,
        routers: Sequence[EndpointRouter],
        producers: Sequence[ProducerSource],
        longest: float | None = None,
        marks: Sequence[float] = (),
    ) -> None:
        """``marks``: times a step must end at (a replay starts there and needs every event
        archived before it, :mod:`.replays`)."""
        self._horizon = horizon
        self._routing = [
            (r.health.alarm.period, r.health.propagation)
            for r in routers
            if r.health.alarm is not None and r.health.check is not None
        ]
        self._producers = producers
        self._longest = longest or math.inf
        self._marks = sorted(marks)

    def next_stop(self, now: float) -> float:
        stop = min(self._horizon, now + self._longest)
        for period, propagation in self._routing:
            stop = min(stop, next_evaluation(period, now) + propagation)
        for producer in self._producers:
            stop = min(stop, producer.stream.time_after(EVENTS_PER_STEP))
        for mark in self._marks:
            if mark > now:
                stop = min(stop, mark)
                break
        return max(stop, math.nextafter(now, math.inf))
