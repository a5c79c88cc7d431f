"""A Custom Event Bus subscriber without an ``OnFailureConfiguration`` drops what its retries
cannot deliver: only the ``EventsDropped`` metric says so (custom-bus facts §2.6, lint candidate
8). With one, each failed batch leaves a record to redrive from."""

from __future__ import annotations

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict


def subscriber_without_on_failure(subscriber: Subscriber, graph: Graph) -> Verdict:
    if subscriber.target.dead_letter_queue is not None:
        return Compliance.COMPLIANT
    return NonCompliant("no OnFailureConfiguration: events whose retries run out are dropped")
