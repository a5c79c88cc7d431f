"""A FIFO subscriber that invokes Lambda asynchronously (``InvocationType: EVENT``, or unset, which
the twin takes as EVENT) keeps the order only as far as Lambda's async queue: the function may run
the group's events out of order (custom-bus facts §2.3, lint candidate 11). Use
``REQUEST_RESPONSE`` for ordered processing."""

from __future__ import annotations

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict


def subscriber_fifo_async(subscriber: Subscriber, graph: Graph) -> Verdict:
    if subscriber.ordering != "FIFO" or subscriber.target_family != "lambda":
        return Compliance.NOT_APPLICABLE
    if subscriber.invocation_type == "REQUEST_RESPONSE":
        return Compliance.COMPLIANT
    given = subscriber.invocation_type or "unset"
    return NonCompliant(f"FIFO subscriber invokes Lambda with InvocationType {given} (async)")
