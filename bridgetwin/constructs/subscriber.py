"""``Subscriber``: one reader of a Custom Event Bus (``AWS::EventsV2::Subscriber``), delivered,
retried, dead-lettered and watched the way ``ApiDelivery`` delivers a Classic rule's events.

What the template would leave to AWS is written out, because the new bus's defaults are traps
(custom-bus facts §1.3, §2.6, §8): the retry policy (AWS's **5 attempts / 300 s** unless you give
others, or ``classic_retries=True`` for Classic's 185 / 24 h), the ordering type, the batch size
(the target's default, 10 for Lambda: a JSON array), the state. Every subscriber gets an
on-failure SQS queue (a new encrypted, TLS-only one that outlives the stack, or yours), and the
delivery role gets what it needs to write it (``sqs:SendMessage``, and the KMS grant of an
encrypted queue: a record the role cannot write is lost, counted only by
``OnFailureDestinationFailed``) and to call the target (:mod:`.subscriber_targets`).

Filters are compiled by scope with :mod:`bridgetwin.patterns` when the construct is created; AWS's
refusals are refused here first (wildcards, more than one filter per scope, a pattern over 4,096
characters, a batch over the target's maximum, a FIFO subscriber whose target returns before it
has run). ``Type``, ``StartingPosition``, the target and the name are create-only: changing one
replaces the subscriber (delete, then create: a delivery gap).

Alarms (``SUBSCRIBER_ALARMS``), on ``AWS/EventsV2`` with the ``EventBus`` and ``Subscriber``
dimensions holding ARNs as the user guide says (AWS's sources disagree; check live metrics):
backlog age, events dropped, on-failure records written and not written, start latency, and
the on-failure queue's visible messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs._validation import (
    NAME_CHARSET,
    ValidationError,
    check_choice,
    check_name,
    check_range,
)
from bridgetwin.constructs.alarms import AlarmSettings, notify
from bridgetwin.constructs.custom_event_bus import check_region, eventsv2_module
from bridgetwin.constructs.queues import dead_letter_queue as new_dead_letter_queue
from bridgetwin.constructs.subscriber_targets import SubscriberTarget
from bridgetwin.patterns import PatternError, compile_pattern, uses_wildcard

SCOPES = ("DATA", "METADATA", "SYSTEM_METADATA")
MAX_FILTER_CHARS = 4096
AWS_RETRIES = (5, cdk.Duration.seconds(300))
CLASSIC_RETRIES = (185, cdk.Duration.hours(24))
_MINUTE = cdk.Duration.minutes(1)
_LATER = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
SUBSCRIBER_ALARMS: Mapping[str, AlarmSettings] = {
    "backlog_age": AlarmSettings(threshold=300_000, period=_MINUTE, evaluation_periods=5,
                                 statistic="Maximum", comparison=_LATER),
    "events_dropped": AlarmSettings(threshold=1),
    "on_failure_delivered": AlarmSettings(threshold=1),
    "on_failure_failed": AlarmSettings(threshold=1),
    "start_latency": AlarmSettings(threshold=30_000, period=_MINUTE, evaluation_periods=5,
                                   statistic="Average", comparison=_LATER),
    "dlq_messages_visible": AlarmSettings(threshold=1, statistic="Maximum"),
}  # fmt: skip
"""Keys for ``alarms=``: backlog_age (ApproximateBacklogAge maximum > 5 min for 5 minutes),
events_dropped (EventsDropped >= 1 in 5 min), on_failure_delivered (OnFailureDestinationDelivered
>= 1), on_failure_failed (OnFailureDestinationFailed >= 1), start_latency
(IngestionToInvocationStartTime average > 30 s for 5 minutes), dlq_messages_visible (the
on-failure queue's ApproximateNumberOfMessagesVisible >= 1)."""
_METRICS = {"backlog_age": "ApproximateBacklogAge", "events_dropped": "EventsDropped",
            "on_failure_delivered": "OnFailureDestinationDelivered",
            "on_failure_failed": "OnFailureDestinationFailed",
            "start_latency": "IngestionToInvocationStartTime"}  # fmt: skip


def _filters(filters: Any, path: str) -> list[dict[str, str]]:
    if not isinstance(filters, Mapping) or not filters:
        raise ValidationError(f"{path}: 'filters' takes a dict of scope -> pattern, e.g. "
                              '{"DATA": {"source": ["acme.orders"]}}; at least one')  # fmt: skip
    written = []
    for scope, pattern in filters.items():
        check_choice("filters (scope)", scope, SCOPES)
        if not isinstance(pattern, Mapping):
            raise ValidationError(f"{path}: filters[{scope}] must be a dict pattern")
        try:
            compile_pattern(pattern, max_size=None)
        except PatternError as exc:
            raise ValidationError(f"{path}: filters[{scope}]: {exc}") from None
        if uses_wildcard(pattern):
            raise ValidationError(
                f"{path}: filters[{scope}]: subscriber filters refuse wildcard matching (use "
                "prefix, suffix or equals-ignore-case)"
            )
        text = json.dumps(pattern)
        if len(text) > MAX_FILTER_CHARS:
            raise ValidationError(f"{path}: filters[{scope}] is {len(text):,} characters; a "
                                  f"filter holds at most {MAX_FILTER_CHARS:,}")  # fmt: skip
        written.append({"scope": scope, "pattern": text})
    return written


class Subscriber(Construct):
    """One subscriber of a Custom Event Bus, with its role, on-failure queue and alarms.

    Example::

        Subscriber(self, "Fulfilment", bus=bus, target=SubscriberTarget.sqs(jobs),
                   filters={"DATA": {"source": ["acme.orders"]}})
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bus: Any,
        target: SubscriberTarget,
        filters: Mapping[str, Mapping[str, Any]],
        subscriber_name: str | None = None,
        ordering: str = "UNORDERED",
        retry_attempts: int | None = None,
        max_event_age: cdk.Duration | None = None,
        classic_retries: bool = False,
        on_failure_queue: sqs.IQueue | None = None,
        dead_letter_queue_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        batch_size: int | None = None,
        batch_window: cdk.Duration | None = None,
        log_level: str = "OFF",
        transformer: str | None = None,
        enabled: bool = True,
        role: iam.IRole | None = None,
        alarms: Mapping[str, AlarmSettings | None] | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
    ) -> None:
        """
        Args:
            bus: A :class:`CustomEventBus`, or ``CustomEventBus.from_event_bus_arn(...)``.
            target: Where events go (:class:`SubscriberTarget`).
            filters: Scope (``DATA``, ``METADATA``, ``SYSTEM_METADATA``) -> event pattern; an
                event must match every filter. At least one.
            subscriber_name: 1-256 of ``[.\\-_A-Za-z0-9]``. Default: - generated from the path.
            ordering: ``UNORDERED`` or ``FIFO`` (per event group). Default: UNORDERED, written.
            retry_attempts: 0-185. Default: 5 (AWS's), written to the template.
            max_event_age: 60 s-24 h. Default: 300 s (AWS's), written.
            classic_retries: Write Classic's 185 attempts / 24 h instead of AWS's new defaults.
            on_failure_queue: An SQS queue (standard or FIFO). Default: - a new encrypted one.
            dead_letter_queue_removal_policy: For the new queue. Default: RETAIN.
            batch_size: 1 to the target's maximum. Default: - the target's default, written.
            batch_window: 0-300 s. Default: - 0 (AWS's), not written.
            log_level: OFF, ERROR or INFO. Default: OFF.
            transformer: A JSONata expression in ``{% %}`` (the event is ``$events``), at most
                8,192 characters. Default: - the event as published (RAW).
            enabled: RUNNING, or STOPPED (events wait on the bus). Default: True.
            role: The delivery role (same account). Default: - a new one, granted what it needs.
            alarms / alarm_topic / alarm_actions: As ``ApiDelivery``'s, keyed as in
                ``SUBSCRIBER_ALARMS``. Default: - every default alarm.
        """
        super().__init__(scope, construct_id)
        path = self.node.path
        check_region(self, "AWS::EventsV2::Subscriber")
        written_filters = _filters(filters, path)
        check_name("subscriber_name", subscriber_name, 256, NAME_CHARSET)
        check_choice("ordering", ordering, ("UNORDERED", "FIFO"))
        check_choice("log_level", log_level, ("OFF", "ERROR", "INFO"))
        if classic_retries and (retry_attempts is not None or max_event_age is not None):
            raise ValidationError(f"{path}: give 'classic_retries' or the retry values, not both")
        attempts, age = CLASSIC_RETRIES if classic_retries else AWS_RETRIES
        attempts = attempts if retry_attempts is None else retry_attempts
        age = max_event_age or age
        check_range("retry_attempts", attempts, 0, 185, integer=True)
        check_range("max_event_age (seconds)", age.to_seconds(), 60, 86_400, integer=True)
        size = target.default_batch_size if batch_size is None else batch_size
        check_range(f"batch_size (for a {target.kind} target)", size, 1, target.max_batch_size,
                    integer=True)  # fmt: skip
        if batch_window is not None:
            check_range("batch_window (seconds)", batch_window.to_seconds(), 0, 300, integer=True)
        if transformer is not None and not re.fullmatch(r"\{%[\s\S]+?%\}", transformer or ""):
            raise ValidationError(f"'transformer' must be a JSONata expression in {{% %}}, got "
                                  f"{transformer!r}")  # fmt: skip
        if transformer is not None and len(transformer) > 8192:
            raise ValidationError(f"'transformer' must be at most 8192 characters, got "
                                  f"{len(transformer)}")  # fmt: skip
        if ordering == "FIFO" and not target.keeps_order:
            raise ValidationError(f"{path}: a FIFO subscriber's {target.kind} target invoked "
                                  "with invocation_type EVENT returns before it runs, so order is "
                                  "lost; use invocation_type='REQUEST_RESPONSE'")  # fmt: skip

        self.bus = bus
        self.target = target
        account = {"StringEquals": {"aws:SourceAccount": cdk.Stack.of(self).account}}
        principal = iam.ServicePrincipal("events.amazonaws.com", conditions=account)
        self.role: iam.IRole = role or iam.Role(self, "Role", assumed_by=principal)
        self.on_failure_queue: sqs.IQueue = on_failure_queue or new_dead_letter_queue(
            self, "OnFailureQueue", f"subscriber {path}",
            removal_policy=dead_letter_queue_removal_policy)  # fmt: skip
        target.grant(self.role)
        self.on_failure_queue.grant_send_messages(self.role)

        invoke: dict[str, Any] = {"targetArn": target.target_arn, "roleArn": self.role.role_arn}
        if target.parameters is not None:
            invoke[target.parameters[0]] = target.parameters[1]
        batch: dict[str, Any] = {"maxBatchSize": size}
        if batch_window is not None:
            batch["maxBatchWindowInSeconds"] = int(batch_window.to_seconds())
        self.resource = eventsv2_module().CfnSubscriber(
            self, "Resource",
            name=subscriber_name or cdk.Names.unique_resource_name(self, max_length=256,
                                                                   separator="-"),
            event_bus_arn=bus.event_bus_arn,
            filter_configuration={"filters": written_filters},
            invoke_configuration=invoke,
            type=ordering,
            state="RUNNING" if enabled else "STOPPED",
            retry_policy={"maxRetryAttempts": attempts,
                          "maxEventAgeInSeconds": int(age.to_seconds())},
            on_failure_configuration={"arn": self.on_failure_queue.queue_arn},
            batch_configuration=batch,
            log_configuration={"level": log_level},
            transformer={"type": "JSONATA", "jsonataConfiguration": {"expression": transformer}}
            if transformer is not None else None,
        )  # fmt: skip
        policy = self.role.node.try_find_child("DefaultPolicy")
        if policy is not None:  # deliver only once the role may (the ARN orders the role itself)
            self.resource.node.add_dependency(policy)
        self.subscriber_arn: str = self.resource.attr_subscriber_arn
        self.alarms: dict[str, cloudwatch.Alarm] = self._alarms(alarms or {})
        notify(self.alarms.values(), topic=alarm_topic, actions=alarm_actions)

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """An AWS/EventsV2 metric of this subscriber (``EventBus`` and ``Subscriber`` ARNs)."""
        return cloudwatch.Metric(
            namespace="AWS/EventsV2", metric_name=metric_name,
            dimensions_map={"EventBus": self.bus.event_bus_arn, "Subscriber": self.subscriber_arn},
            **props,
        )  # fmt: skip

    def grant_redrive(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read and delete the on-failure records."""
        return self.on_failure_queue.grant_consume_messages(grantee)

    def _alarms(self, overrides: Mapping[str, AlarmSettings | None]) -> dict[str, Any]:
        unknown = sorted(set(overrides) - set(SUBSCRIBER_ALARMS))
        if unknown:
            raise ValidationError(f"'alarms' has unknown keys {unknown}; known: "
                                  f"{', '.join(SUBSCRIBER_ALARMS)}")  # fmt: skip
        made = {}
        for key, default in SUBSCRIBER_ALARMS.items():
            settings = overrides.get(key, default)
            if settings is None:
                continue
            settings.validate(f"alarms.{key}")
            name = _METRICS.get(key)
            metric = self.metric(name) if name else self.on_failure_queue.metric(
                "ApproximateNumberOfMessagesVisible")  # fmt: skip
            what = name or "ApproximateNumberOfMessagesVisible of the on-failure queue"
            made[key] = settings.create(self, f"{key.title().replace('_', '')}Alarm", metric,
                                        f"{what} of subscriber {self.node.path}")  # fmt: skip
        return made
