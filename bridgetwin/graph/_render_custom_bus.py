"""The Custom Event Bus in ``bridgetwin graph``'s text: each bus with its retention, then its
subscribers as rules are shown (filters by scope, ordering, batching, state, starting position),
each with its one target through :func:`target_lines`."""

from __future__ import annotations

from collections.abc import Callable

from bridgetwin.graph.custom_bus_nodes import Subscriber
from bridgetwin.graph.graph import Graph
from bridgetwin.graph.nodes import Target


def _subscriber_line(subscriber: Subscriber) -> str:
    filters = " AND ".join(f"{f.scope}:{f.pattern.to_json()}" for f in subscriber.filters)
    batch = f"batches of {subscriber.batch_size}" + (
        "" if subscriber.batch_size_explicit else " (AWS default)"
    )
    if subscriber.batch_window_seconds:
        batch += f" within {subscriber.batch_window_seconds} s"
    start = subscriber.starting_position
    if subscriber.point_in_time is not None:
        start += f" {subscriber.point_in_time.point_type}"
    ordering = subscriber.ordering + ("" if subscriber.ordering_explicit else " (assumed)")
    return (
        f"  └─ subscriber {subscriber.id} [{subscriber.state}] {filters or 'every event'}; "
        f"{ordering}, {batch}, starts {start}"
    )


def custom_bus_lines(
    graph: Graph, target_lines: Callable[[Graph, Target, str], list[str]]
) -> list[str]:
    """Every Custom Event Bus with its subscribers; then subscribers of buses outside the
    loaded templates."""
    lines = []
    for bus in graph.custom_buses:
        lines.append(
            f"custom event bus {bus.name} [{bus.id}] {bus.region}: keeps events "
            f"{bus.retention_days} day(s)" + (f", KMS key {bus.kms_key}" if bus.kms_key else "")
        )
        for subscriber in graph.subscribers_on(bus.id):
            lines.append(_subscriber_line(subscriber))
            lines.extend(target_lines(graph, subscriber.target, "     "))
    known = {bus.id for bus in graph.custom_buses}
    for subscriber in graph.subscribers:
        if subscriber.bus not in known:
            lines.append(f"subscriber {subscriber.id} of {subscriber.bus} (not in the templates)")
            lines.extend(target_lines(graph, subscriber.target, "   "))
    return lines
