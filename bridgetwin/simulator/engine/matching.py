"""Which owners on a bus an event reaches: the enabled rules of a Classic bus whose pattern
matches it, or the subscribers of a Custom Event Bus whose filters all pass it (a stopped one
too: the event waits for it on the bus).

Classic rules are found through one pattern index per bus, built once. A subscriber's filters
each examine one scope of the event (facts §1.3): ``DATA`` is the EventBridge envelope for
``PutEvents`` traffic, ``METADATA`` is absent for it (the keys come with ``PutRawEvents``
only), and ``SYSTEM_METADATA`` holds what EventBridge assigns:
``aws:DeliveryType`` (``LIVE``), ``aws:ContentType`` (``application/eventbridge+json``) and, for
grouped traffic, ``aws:EventGroupId``. A ``PutRawEvents`` entry (:mod:`..scenario.raw_events`)
shows ``DATA`` its JSON payload (nothing of another content type), ``METADATA`` its metadata, and
its content type in ``SYSTEM_METADATA``.
"""

from __future__ import annotations

from typing import Any

from bridgetwin.graph import FilterScope, Graph, Rule, Subscriber
from bridgetwin.patterns import PatternIndex
from bridgetwin.simulator.scenario.raw_events import RAW_KEY

Owner = Rule | Subscriber


GROUP_KEY = "aws:EventGroupId"
"""Where an event the twin routes carries its event group (Custom Event Bus traffic with
``event_group``/``event_groups``): a system-metadata field, never part of the event's data."""


DUPLICATE_KEY = "bridgetwin:duplicate"
"""Marks, while the model is built, the event templates a producer repeats within the 300 s
deduplication window (``duplicates``); taken off before anything routes them."""


def event_scopes(event: dict[str, Any]) -> dict[FilterScope, Any]:
    """An event as a subscriber's filters see it, by scope: a ``PutEvents`` envelope, or a
    ``PutRawEvents`` payload (its JSON data, nothing inside other content types, its
    metadata)."""
    raw = event.get(RAW_KEY)
    content = raw["content_type"] if raw else "application/eventbridge+json"
    system = {"aws:DeliveryType": "LIVE", "aws:ContentType": content}
    if GROUP_KEY in event:
        system[GROUP_KEY] = event[GROUP_KEY]
    if raw:
        data, metadata = raw.get("data", _OPAQUE), raw["metadata"]
    else:
        data, metadata = without_group(event), {}
    return {FilterScope.DATA: data, FilterScope.METADATA: metadata,
            FilterScope.SYSTEM_METADATA: system}  # fmt: skip


_OPAQUE = {"bridgetwin:opaque": True}
"""What a DATA filter sees of a payload that is not JSON: nothing it can name."""


def without_group(event: dict[str, Any]) -> dict[str, Any]:
    """The event without its event group (what another bus receives when it is forwarded)."""
    if GROUP_KEY not in event:
        return event
    return {k: v for k, v in event.items() if k != GROUP_KEY}


class RuleMatcher:
    """The enabled rules with a pattern, indexed by bus, and every subscriber by bus (a
    STOPPED one too: what matches it waits on the bus for it)."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._indexes: dict[str, PatternIndex[str]] = {}
        for rule in graph.rules:
            if rule.enabled and rule.pattern is not None:
                self._indexes.setdefault(rule.bus, PatternIndex()).add(rule.id, rule.pattern)
        self._subscribers: dict[str, list[Subscriber]] = {}
        for subscriber in graph.subscribers:  # a STOPPED one too: its events wait on the bus
            self._subscribers.setdefault(subscriber.bus, []).append(subscriber)

    def owners_matching(self, bus_id: str, event: dict[str, Any]) -> list[Owner]:
        """The enabled rules on ``bus_id`` whose pattern matches ``event``, or, on a Custom
        Event Bus, the subscribers (running or stopped) whose filters pass it (in template
        order)."""
        subscribers = self._subscribers.get(bus_id)
        if subscribers is not None:
            scopes = event_scopes(event)
            return [s for s in subscribers if s.matches(scopes)]
        index = self._indexes.get(bus_id)
        return [self._graph.get(rid) for rid in index.matching(event)] if index else []
