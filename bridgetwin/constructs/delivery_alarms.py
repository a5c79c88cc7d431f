"""The alarms every ``ApiDelivery`` gets: one for each way an event can be lost or late.

Rule metrics carry ``EventBusName`` and ``RuleName`` (a rule on a custom bus, eventbridge-facts
§4); the dead-letter queue's come from SQS. Counts are published only when non-zero, so missing
data means nothing happened (``notBreaching``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs.alarms import AlarmSettings

_MINUTE = cdk.Duration.minutes(1)
DEFAULT_ALARMS: Mapping[str, AlarmSettings] = {
    "failed_invocations": AlarmSettings(threshold=1),
    "sent_to_dlq": AlarmSettings(threshold=1),
    "failed_to_dlq": AlarmSettings(threshold=1),
    "dlq_messages_visible": AlarmSettings(threshold=1, statistic="Maximum"),
    "dlq_oldest_message_age": AlarmSettings(threshold=86_400, statistic="Maximum"),
    "start_latency": AlarmSettings(
        threshold=30_000,
        period=_MINUTE,
        evaluation_periods=5,
        statistic="Average",
        comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ),
}
"""The alarms every delivery gets. Keys for ``alarms=``: failed_invocations (FailedInvocations >= 1
in 5 min), sent_to_dlq (InvocationsSentToDlq >= 1), failed_to_dlq (InvocationsFailedToBeSentToDlq
>= 1), dlq_messages_visible (ApproximateNumberOfMessagesVisible >= 1), dlq_oldest_message_age
(ApproximateAgeOfOldestMessage >= 1 day), start_latency (IngestionToInvocationStartLatency average
> 30 s for 5 minutes)."""

RULE_METRICS = {
    "failed_invocations": "FailedInvocations",
    "sent_to_dlq": "InvocationsSentToDlq",
    "failed_to_dlq": "InvocationsFailedToBeSentToDlq",
    "start_latency": "IngestionToInvocationStartLatency",
}
QUEUE_METRICS = {
    "dlq_messages_visible": "ApproximateNumberOfMessagesVisible",
    "dlq_oldest_message_age": "ApproximateAgeOfOldestMessage",
}


def rule_metric(
    bus: events.IEventBus, rule: events.IRule, metric_name: str, **props: Any
) -> cloudwatch.Metric:
    """An AWS/Events metric of one rule on a custom bus (EventBusName + RuleName)."""
    return cloudwatch.Metric(
        namespace="AWS/Events",
        metric_name=metric_name,
        dimensions_map={"EventBusName": bus.event_bus_name, "RuleName": rule.rule_name},
        **props,
    )


def create_delivery_alarms(
    scope: Construct,
    bus: events.IEventBus,
    rules: Sequence[events.IRule],
    dead_letter_queue: sqs.IQueue,
    overrides: Mapping[str, AlarmSettings | None],
) -> dict[str, cloudwatch.Alarm]:
    """The default alarms with ``overrides`` applied (``None`` removes one). Rule alarms are per
    rule, keyed ``key/index`` when there are several rules."""
    alarms: dict[str, cloudwatch.Alarm] = {}
    path = scope.node.path
    for key, default in DEFAULT_ALARMS.items():
        settings = overrides.get(key, default)
        if settings is None:
            continue
        construct_id = f"{key.title().replace('_', '')}Alarm"
        if key in QUEUE_METRICS:
            metric = dead_letter_queue.metric(QUEUE_METRICS[key])
            description = f"{QUEUE_METRICS[key]} of the dead-letter queue of {path}"
            alarms[key] = settings.create(scope, construct_id, metric, description)
            continue
        for index, rule in enumerate(rules):
            several = len(rules) > 1
            alarms[f"{key}/{index}" if several else key] = settings.create(
                scope,
                f"{construct_id}{index}" if several else construct_id,
                rule_metric(bus, rule, RULE_METRICS[key]),
                f"{RULE_METRICS[key]} of rule {index} of {path}",
            )
    return alarms
