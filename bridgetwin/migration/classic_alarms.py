"""Alarms on a migrated rule's ``AWS/Events`` metrics, moved to its subscriber's ``AWS/EventsV2``.

A rule's per-target delivery metrics have subscriber counterparts (custom-bus facts §4):
``InvocationsSentToDlq`` is ``OnFailureDestinationDelivered``, ``InvocationsFailedToBeSentToDlq``
is ``OnFailureDestinationFailed``, the ingestion-to-invocation latencies are the ``...Time``
metrics, and ``FailedInvocations`` (events that failed for good) is what the subscriber writes to
its on-failure queue, or drops when it has none. ``RetryInvocationAttempts`` changes meaning:
AWS/EventsV2 reports the retry depth, so the count of retries is its ``SampleCount``, not its
``Sum``. The dimensions become ``EventBus`` and ``Subscriber``, holding the ARNs as the user
guide says (the facts record a CONFLICT on that value; the finding says so).

An alarm on a rule with several targets (now several subscribers), on a metric with no
counterpart (``ThrottledRules``, ``DeadLetterInvocations``) or on metric math is removed, and
the finding says what it watched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridgetwin.migration.reference_repair import Report, referenced

_COUNTERPARTS = {
    "InvocationsSentToDlq": "OnFailureDestinationDelivered",
    "InvocationsFailedToBeSentToDlq": "OnFailureDestinationFailed",
    "IngestionToInvocationStartLatency": "IngestionToInvocationStartTime",
    "IngestionToInvocationSuccessLatency": "IngestionToInvocationEndTime",
    "IngestionToInvocationCompleteLatency": "IngestionToInvocationEndTime",
    "Invocations": "TargetInvocations",
    "InvocationAttempts": "EventDeliveryAttempts",
    "SuccessfulInvocationAttempts": "EventsDelivered",
    "RetryInvocationAttempts": "RetryInvocationAttempts",
    "TriggeredRules": "FilterMatched",
    "MatchedEvents": "FilterMatched",
}


@dataclass(frozen=True)
class MigratedTarget:
    """Where one Classic rule target went: its subscriber and bus (logical ids)."""

    subscriber: str
    bus: str
    has_dead_letter: bool


def translated_alarm(
    lid: str,
    resource: dict[str, Any],
    subscribers: Mapping[str, list[MigratedTarget]],
    report: Report,
) -> dict[str, Any] | None:
    """The alarm watching the subscriber that replaced its rule, or None (reported)."""
    props = resource.get("Properties") or {}
    rules = sorted(referenced(props) & set(subscribers))
    metric = props.get("MetricName")
    watched = f"{metric or 'metric math'} of {', '.join(rules) or 'a removed resource'}"
    if props.get("Namespace") != "AWS/Events" or not isinstance(metric, str) or len(rules) != 1:
        report("migrate-alarm", lid, f"alarm removed: it watched {watched}; recreate it on "
               "AWS/EventsV2 per subscriber")  # fmt: skip
        return None
    moved = subscribers[rules[0]]
    if len(moved) != 1:
        report("migrate-alarm", lid, f"alarm removed: it watched {watched}, a rule with "
               f"{len(moved)} targets, now {len(moved)} subscribers with a metric "
               "each")  # fmt: skip
        return None
    target = moved[0]
    name = _COUNTERPARTS.get(metric)
    if metric == "FailedInvocations":
        name = "OnFailureDestinationDelivered" if target.has_dead_letter else "EventsDropped"
    if name is None:
        report("migrate-alarm", lid, f"alarm removed: {metric} has no AWS/EventsV2 counterpart")
        return None
    changed = {
        "Namespace": "AWS/EventsV2",
        "MetricName": name,
        "Dimensions": [
            {"Name": "EventBus", "Value": {"Fn::GetAtt": [target.bus, "EventBusArn"]}},
            {"Name": "Subscriber", "Value": {"Fn::GetAtt": [target.subscriber, "SubscriberArn"]}},
        ],
    }
    if metric == "RetryInvocationAttempts" and props.get("Statistic") == "Sum":
        changed["Statistic"] = "SampleCount"
    report("migrate-alarm", lid, f"alarm moved: {metric} of rule {rules[0]} -> AWS/EventsV2 "
           f"{name} of subscriber {target.subscriber} (dimension values: ARNs as the user guide "
           "says; verify against live metrics, the sources disagree)")  # fmt: skip
    return {**resource, "Properties": {**props, **changed}}
