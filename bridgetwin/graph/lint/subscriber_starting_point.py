"""A point-in-time subscriber's ``StartingPoint`` must lie in its bus's retained past (custom-bus
facts §1.3, §2.8, lint candidate 16): CloudFormation takes it in epoch **seconds**, AWS refuses
one before the bus's ``RetentionWindowStartTime`` or in the future, and an ``EndPoint`` must come
after it. The retention window moves with the clock, so the check is made as of now: a template
deployed today with these values would be refused (or, for a value in milliseconds, mean a
date thousands of years away)."""

from __future__ import annotations

import time

from bridgetwin.graph.custom_bus_nodes import CustomEventBus, Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict

MILLISECONDS = 10**11
"""Epoch values above this are milliseconds (10^11 s is the year 5138)."""


def now() -> float:
    """The time the check is made at (a function, so that tests can fix it)."""
    return time.time()


def subscriber_starting_point(subscriber: Subscriber, graph: Graph) -> Verdict:
    point = subscriber.point_in_time
    if subscriber.starting_position != "POINT_IN_TIME" or point is None:
        return Compliance.COMPLIANT
    start, end = point.starting_point, point.end_point
    problems = []
    if start is not None and point.point_type == "TIMESTAMP":
        bus = graph.find(subscriber.bus)
        days = bus.retention_days if isinstance(bus, CustomEventBus) else None
        if start > MILLISECONDS:
            problems.append(f"StartingPoint {start} looks like milliseconds; CloudFormation "
                            "takes epoch seconds")  # fmt: skip
        elif start > now():
            problems.append(f"StartingPoint {start} is in the future, which AWS refuses")
        elif days is not None and start < now() - days * 86_400:
            problems.append(f"StartingPoint {start} lies before the bus's retention window "
                            f"({days} days back from now), which AWS refuses")  # fmt: skip
    if end is not None and start is not None and end <= start:
        problems.append(f"EndPoint {end} is not after StartingPoint {start}")
    return NonCompliant("; ".join(problems)) if problems else Compliance.COMPLIANT
