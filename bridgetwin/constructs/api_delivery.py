"""``ApiDelivery``: deliver matching events to an HTTPS endpoint, monitored and loss-free.

One construct replaces the five to fifteen resources a webhook delivery needs: the connection, the
API destination with its rate limit, one rule per event pattern, the target's retry policy, an
encrypted dead-letter queue that only these rules may write to, and alarms on everything that means
an event was or may be lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import Annotations
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs._validation import (
    NAME_CHARSET,
    ValidationError,
    check_choice,
    check_https,
    check_name,
    check_range,
    is_token,
)
from bridgetwin.constructs.alarms import AlarmSettings
from bridgetwin.constructs.auth import DeliveryAuth
from bridgetwin.constructs.queues import dead_letter_queue as new_dead_letter_queue
from bridgetwin.patterns import PatternError, Severity, compile_pattern, lint

HTTP_METHODS = ("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
"""Methods an API destination accepts (ApiDestinationHttpMethod; not CONNECT or TRACE)."""
RATE_LIMIT_QUOTA = 300
"""Default quota "rate of invocations per API destination" (L-755FD01C, adjustable)."""

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

_RULE_METRICS = {
    "failed_invocations": "FailedInvocations",
    "sent_to_dlq": "InvocationsSentToDlq",
    "failed_to_dlq": "InvocationsFailedToBeSentToDlq",
    "start_latency": "IngestionToInvocationStartLatency",
}
_QUEUE_METRICS = {
    "dlq_messages_visible": "ApproximateNumberOfMessagesVisible",
    "dlq_oldest_message_age": "ApproximateAgeOfOldestMessage",
}


class ApiDelivery(Construct):
    """Events matching ``event_patterns`` on a bus, delivered to an HTTPS endpoint.

    Either create the connection and API destination (``endpoint`` and ``authorization``) or share
    another delivery's (``api_destination=other.api_destination``), in which case both deliveries
    share its rate limit, as AWS does.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        event_patterns: Sequence[Mapping[str, Any]],
        endpoint: str | None = None,
        authorization: DeliveryAuth | None = None,
        api_destination: events.IApiDestination | None = None,
        bus: events.IEventBus | None = None,
        bus_name: str | None = None,
        http_method: str | None = None,
        rate_limit_per_second: int | None = None,
        rate_limit_quota_raised: bool = False,
        header_parameters: Mapping[str, str] | None = None,
        query_string_parameters: Mapping[str, str] | None = None,
        path_parameter_values: Sequence[str] | None = None,
        input: events.RuleTargetInput | None = None,
        retry_attempts: int = 185,
        max_event_age: cdk.Duration | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        alarms: Mapping[str, AlarmSettings | None] | None = None,
        name: str | None = None,
    ) -> None:
        """
        Args:
            event_patterns: One rule is created per pattern (JSON-compatible dicts, any operator).
                At least one.
            endpoint: HTTPS URL to call; ``*`` path segments are filled from
                ``path_parameter_values``. Required unless ``api_destination`` is given.
            authorization: How to authenticate (:class:`DeliveryAuth`). Required with ``endpoint``.
            api_destination: An existing API destination to share. Default: - a new one.
            bus: The bus to watch. Default: - a new bus named ``bus_name``.
            bus_name: Name of the new bus (1-256 characters). Default: - generated.
            http_method: POST, GET, HEAD, OPTIONS, PUT, PATCH or DELETE. Default: POST.
            rate_limit_per_second: Invocations per second, 1-300 (above 300 only with
                ``rate_limit_quota_raised``). Default: 300.
            rate_limit_quota_raised: You raised the L-755FD01C quota and want more than 300/s.
                Default: False.
            header_parameters / query_string_parameters / path_parameter_values: Target-level
                HTTP parameters; values may be JSONPaths into the event. Default: - none.
            input: What to send. Default: - the whole event.
            retry_attempts: Maximum retries, 0-185. Default: 185 (AWS's default).
            max_event_age: Give up after this long, 60 s-24 h. Default: 24 hours (AWS's default).
            dead_letter_queue: A standard SQS queue in this Region. Default: - a new encrypted,
                TLS-only queue retaining messages 14 days.
            alarms: Per-alarm overrides keyed as in ``DEFAULT_ALARMS``; ``None`` removes one.
                Default: - every default alarm.
            name: Base name for the connection and API destination (1-64 of ``[.\\-_A-Za-z0-9]``).
                Default: - generated.
        """
        super().__init__(scope, construct_id)
        max_event_age = max_event_age or cdk.Duration.hours(24)
        self._validate_props(locals())
        compiled = self._compile_patterns(event_patterns)

        self.bus: events.IEventBus = bus or events.EventBus(self, "Bus", event_bus_name=bus_name)
        self.connection: events.IConnection | None = None
        if api_destination is None:
            assert endpoint is not None and authorization is not None
            self.connection = events.Connection(
                self,
                "Connection",
                authorization=authorization._bind(),
                connection_name=f"{name}-connection" if name else None,
                description=f"Authorization for {endpoint}",
            )
            api_destination = events.ApiDestination(
                self,
                "ApiDestination",
                connection=self.connection,
                endpoint=endpoint,
                http_method=events.HttpMethod(http_method or "POST"),
                rate_limit_per_second=rate_limit_per_second or RATE_LIMIT_QUOTA,
                api_destination_name=name,
                description=f"{http_method or 'POST'} {endpoint}",
            )
        self.api_destination: events.IApiDestination = api_destination
        if dead_letter_queue is None:
            dead_letter_queue = new_dead_letter_queue(
                self, "DeadLetterQueue", f"the rule targets of {self.node.path}"
            )
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue
        target = targets.ApiDestination(
            api_destination,
            event=input,
            header_parameters=header_parameters,
            query_string_parameters=query_string_parameters,
            path_parameter_values=path_parameter_values,
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
        )
        self.rules: list[events.Rule] = []
        for index, pattern in enumerate(compiled):
            rule = events.Rule(
                self,
                "Rule" if len(compiled) == 1 else f"Rule{index}",
                event_bus=self.bus,
                # CDK's EventPattern cannot express every operator ($or at the top level, for
                # one); the validated pattern replaces this placeholder verbatim.
                event_pattern=events.EventPattern(source=["bridgetwin.placeholder"]),
                targets=[target],
            )
            cfn_rule = rule.node.default_child
            assert isinstance(cfn_rule, events.CfnRule)
            cfn_rule.add_property_override("EventPattern", pattern.to_dict())
            self.rules.append(rule)
        self.alarms: dict[str, cloudwatch.Alarm] = self._create_alarms(alarms or {})

    @property
    def rule(self) -> events.Rule:
        """The rule, when the delivery has exactly one pattern."""
        if len(self.rules) != 1:
            raise ValidationError(f"{self.node.path} has {len(self.rules)} rules; use .rules")
        return self.rules[0]

    # -- validation ----------------------------------------------------------------------------

    def _validate_props(self, props: Mapping[str, Any]) -> None:
        shared = props["api_destination"] is not None
        own = ("endpoint", "authorization", "http_method", "rate_limit_per_second")
        if shared:
            for prop in own:
                if props[prop] is not None:
                    raise ValidationError(
                        f"'api_destination' and '{prop}' cannot both be provided: a shared API "
                        "destination keeps its own endpoint, authorization, method and rate limit"
                    )
        elif props["endpoint"] is None or props["authorization"] is None:
            raise ValidationError(
                "'endpoint' and 'authorization' are required without 'api_destination'"
            )
        if props["bus"] is not None and props["bus_name"] is not None:
            raise ValidationError("'bus' and 'bus_name' cannot both be provided")
        check_https("endpoint", props["endpoint"])
        check_choice("http_method", props["http_method"], HTTP_METHODS)
        rate = props["rate_limit_per_second"]
        if rate is not None and not is_token(rate):
            raised = props["rate_limit_quota_raised"]
            if rate < 1 or (rate > RATE_LIMIT_QUOTA and not raised):
                hint = (
                    " (the per-destination quota); set rate_limit_quota_raised=True if AWS raised "
                    "it for your account"
                    if rate > RATE_LIMIT_QUOTA
                    else ""
                )
                upper = "the raised quota" if raised else RATE_LIMIT_QUOTA
                raise ValidationError(
                    f"'rate_limit_per_second' must be between 1 and {upper}, got {rate}{hint}"
                )
        check_range("retry_attempts", props["retry_attempts"], 0, 185)
        check_range("max_event_age", props["max_event_age"].to_seconds(), 60, 86_400)
        check_name("name", props["name"], 64 - len("-connection"), NAME_CHARSET)
        queue = props["dead_letter_queue"]
        if queue is not None:
            if queue.fifo:
                raise ValidationError(
                    "'dead_letter_queue' must be a standard SQS queue: SQS FIFO is not supported "
                    "by Dead Letter Queues"
                )
            queue_region, own_region = cdk.Stack.of(queue).region, cdk.Stack.of(self).region
            if (
                not is_token(queue_region)
                and not is_token(own_region)
                and queue_region != own_region
            ):
                raise ValidationError(
                    f"'dead_letter_queue' must be in the rule's Region {own_region}, "
                    f"got {queue_region}"
                )
        for key, settings in (props["alarms"] or {}).items():
            if key not in DEFAULT_ALARMS:
                raise ValidationError(
                    f"'alarms' has unknown key '{key}'; allowed: {', '.join(DEFAULT_ALARMS)}"
                )
            if settings is not None:
                settings.validate(f"alarms.{key}")

    def _compile_patterns(self, patterns: Sequence[Mapping[str, Any]]) -> list[Any]:
        if not patterns:
            raise ValidationError(f"{self.node.path}: 'event_patterns' needs at least one pattern")
        compiled = []
        for index, pattern in enumerate(patterns):
            try:
                compiled.append(compile_pattern(pattern))
            except PatternError as exc:
                raise ValidationError(f"{self.node.path}: event_patterns[{index}]: {exc}") from None
            for finding in lint(compiled[-1]):
                if finding.severity is not Severity.INFO:
                    Annotations.of(self).add_warning_v2(
                        f"bridgetwin:pattern-{finding.code}",
                        f"event_patterns[{index}]: {finding.message}",
                    )
        return compiled

    # -- metrics and alarms ----------------------------------------------------------------------

    def metric(self, metric_name: str, rule_index: int = 0, **props: Any) -> cloudwatch.Metric:
        """An AWS/Events metric of one of this delivery's rules (EventBusName + RuleName)."""
        return cloudwatch.Metric(
            namespace="AWS/Events",
            metric_name=metric_name,
            dimensions_map={
                "EventBusName": self.bus.event_bus_name,
                "RuleName": self.rules[rule_index].rule_name,
            },
            **props,
        )

    def metric_failed_invocations(self, rule_index: int = 0) -> cloudwatch.Metric:
        return self.metric("FailedInvocations", rule_index, statistic="Sum")

    def metric_invocations_sent_to_dlq(self, rule_index: int = 0) -> cloudwatch.Metric:
        return self.metric("InvocationsSentToDlq", rule_index, statistic="Sum")

    def metric_ingestion_to_invocation_start_latency(
        self, rule_index: int = 0
    ) -> cloudwatch.Metric:
        return self.metric("IngestionToInvocationStartLatency", rule_index, statistic="Average")

    def metric_dlq_messages_visible(self) -> cloudwatch.Metric:
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible()

    def _create_alarms(self, overrides: Mapping[str, AlarmSettings | None]) -> dict[str, Any]:
        alarms: dict[str, cloudwatch.Alarm] = {}
        for key, default in DEFAULT_ALARMS.items():
            settings = overrides.get(key, default)
            if settings is None:
                continue
            if key in _QUEUE_METRICS:
                metric = self.dead_letter_queue.metric(_QUEUE_METRICS[key])
                alarms[key] = settings.create(
                    self, f"{key.title().replace('_', '')}Alarm", metric,
                    f"{_QUEUE_METRICS[key]} of the dead-letter queue of {self.node.path}",
                )  # fmt: skip
                continue
            for index in range(len(self.rules)):
                suffix = "" if len(self.rules) == 1 else str(index)
                alarms[key + (f"/{index}" if suffix else "")] = settings.create(
                    self, f"{key.title().replace('_', '')}Alarm{suffix}",
                    self.metric(_RULE_METRICS[key], index),
                    f"{_RULE_METRICS[key]} of rule {index} of {self.node.path}",
                )  # fmt: skip
        return alarms
