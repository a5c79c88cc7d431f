"""A Lambda or Step Functions target of a Custom Event Bus subscriber receives a JSON **array** of
up to 10 events unless ``BatchConfiguration.MaxBatchSize`` is 1 (custom-bus facts §1.4, §5): a
handler migrated from a Classic rule, which expects one event, then fails on every call."""

from __future__ import annotations

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.lint._base import Compliance, NonCompliant, Verdict


def subscriber_batch_payload(subscriber: Subscriber, graph: Graph) -> Verdict:
    if subscriber.target_family not in ("lambda", "states"):
        return Compliance.NOT_APPLICABLE
    if subscriber.batch_size_explicit:
        return Compliance.COMPLIANT
    return NonCompliant(
        f"no BatchConfiguration.MaxBatchSize: the target receives arrays of up to "
        f"{subscriber.batch_size} events (set 1 for one event per call, or make the batch size "
        "explicit)"
    )
