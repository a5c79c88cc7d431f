"""What another bus receives from a Custom Event Bus subscriber whose target is a bus.

A subscriber hands its target the event as its ``Transformer`` shapes it (custom-bus facts §1.3,
user guide "Transforming events with JSONata"): ``RAW`` (the default) the published event itself;
``WITH_METADATA`` an envelope of ``Data`` (the published data: for ``PutEvents`` the whole
EventBridge envelope), ``Metadata`` and ``SystemMetadata``; ``JSONATA`` the result of its
expression evaluated with that envelope as ``$events``. Forwarded to another bus, the shaped
payload arrives as a new event, which the destination's subscribers and rules filter as usual.

The twin evaluates the expression once per event template with jsonata-python (a maintained port
of the reference JSONata implementation), and forwards a shaped payload as a JSON event
(``application/json``) without metadata: AWS documents the payload, not how a transformed event is
published onward (UNCONFIRMED, listed in the assumptions). An expression that fails on a
template leaves that template's events unshaped, and a warning names the subscriber, as AWS
would retry them with ``INPUT_TRANSFORMATION_FAILURE`` until their retry policy gives up.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from bridgetwin.graph import FilterScope, Subscriber
from bridgetwin.simulator.engine.matching import GROUP_KEY, event_scopes, without_group
from bridgetwin.simulator.scenario.raw_events import RAW_KEY

SHAPED = ("WITH_METADATA", "JSONATA")


def transform_input(event: dict[str, Any]) -> dict[str, Any]:
    """``$events`` for an event: its data, metadata and system metadata."""
    raw = event.get(RAW_KEY)
    metadata = event_scopes(event)[FilterScope.METADATA]
    data = without_group(event) if raw is None else raw.get("data", "")
    system = {"ContentType": raw["content_type"] if raw else "application/eventbridge+json",
              "aws:DeliveryType": "LIVE"}  # fmt: skip
    if GROUP_KEY in event:
        system["EventGroupId"] = event[GROUP_KEY]
    return {"Data": data, "Metadata": dict(metadata or {}), "SystemMetadata": system}


@cache
def _compiled(expression: str) -> Any:
    import jsonata

    inner = expression.strip()
    if inner.startswith("{%") and inner.endswith("%}"):
        inner = inner[2:-2]
    return jsonata.Jsonata(inner)


def _shaped(subscriber: Subscriber, event: dict[str, Any]) -> tuple[bool, Any]:
    """(whether the transformer worked, the payload it makes of ``event``)."""
    envelope = transform_input(event)
    if subscriber.transformer == "WITH_METADATA":
        return True, envelope
    if not subscriber.transformer_expression:
        return False, None
    from jsonata import JException

    compiled = _compiled(subscriber.transformer_expression)
    try:
        compiled.assign("events", envelope)
        return True, compiled.evaluate(None)
    except (JException, RecursionError, TypeError, ValueError, KeyError, IndexError):
        return False, None


def forwarded_event(owner: Any, event: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The event a bus target of ``owner`` puts on the next bus, and whether a transformer that
    should have shaped it failed (the event then goes on unshaped)."""
    if not isinstance(owner, Subscriber) or owner.transformer not in SHAPED:
        return without_group(event), False
    worked, data = _shaped(owner, event)
    if not worked:
        return without_group(event), True
    return {RAW_KEY: {"content_type": "application/json", "data": data, "metadata": {}}}, False
