"""A Custom Event Bus subscriber without an ``OnFailureConfiguration`` drops what its retries
cannot deliver: only the ``EventsDropped`` metric says so (custom-bus facts §2.6, lint candidate
8). With one, each failed batch leaves a record to redrive from; a FIFO subscriber's records
belong in a FIFO queue, which keeps them in order (lint candidate 9)."""

from __future__ import annotations

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict
from bridgetwin.graph.service_nodes import Queue


def subscriber_without_on_failure(subscriber: Subscriber, graph: Graph) -> Verdict:
    if subscriber.target.dead_letter_queue is not None:
        return Compliance.COMPLIANT
    return NonCompliant("no OnFailureConfiguration: events whose retries run out are dropped")


def subscriber_fifo_on_failure(subscriber: Subscriber, graph: Graph) -> Verdict:
    dlq = subscriber.target.dead_letter_queue
    queue = graph.find(dlq) if dlq else None
    if subscriber.ordering != "FIFO" or not isinstance(queue, Queue) or queue.fifo:
        return Compliance.COMPLIANT
    return NonCompliant(f"a FIFO subscriber whose on-failure queue {queue.id} is a standard "
                        "queue")  # fmt: skip
