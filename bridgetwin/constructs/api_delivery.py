"""``ApiDelivery``: deliver matching events to an HTTPS endpoint, monitored and loss-free.

One construct replaces the five to fifteen resources a webhook delivery needs: the connection, the
API destination with its rate limit, one rule per event pattern (written to the template exactly
as given), the target's retry policy, an encrypted dead-letter queue that only these rules may
write to and that outlives the stack, and alarms on everything that means an event was or may be
lost. Each piece can be an existing one instead: a bus (``bus=``), a connection (``connection=``),
an API destination (``api_destination=``, sharing its rate limit), a dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs._api_delivery_checks import (
    HTTP_METHODS,
    RATE_LIMIT_QUOTA,
    check_props,
    compile_patterns,
)
from bridgetwin.constructs._validation import ValidationError
from bridgetwin.constructs.alarms import AlarmSettings, notify
from bridgetwin.constructs.auth import DeliveryAuth
from bridgetwin.constructs.delivery_alarms import (
    DEFAULT_ALARMS,
    create_delivery_alarms,
    rule_metric,
)
from bridgetwin.constructs.event_pattern import write_event_pattern
from bridgetwin.constructs.http_destination import http_destination
from bridgetwin.constructs.http_parameters import ParameterValue
from bridgetwin.constructs.queues import dead_letter_queue as new_dead_letter_queue

__all__ = ["DEFAULT_ALARMS", "HTTP_METHODS", "RATE_LIMIT_QUOTA", "ApiDelivery"]

_REPLACED = events.EventPattern(detail_type=["bridgetwin: replaced by the validated pattern"])
"""What CDK's Rule is told (it insists on a pattern); write_event_pattern replaces it whole."""


class ApiDelivery(Construct):
    """Events matching ``event_patterns`` on a bus, delivered to an HTTPS endpoint.

    Either create the connection and API destination (``endpoint`` and ``authorization``), use an
    existing connection (``endpoint`` and ``connection``), or share another API destination
    (``api_destination=other.api_destination``), in which case both deliveries share its rate
    limit, as AWS does.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        event_patterns: Sequence[Mapping[str, Any]],
        endpoint: str | None = None,
        authorization: DeliveryAuth | None = None,
        connection: events.IConnection | None = None,
        api_destination: events.IApiDestination | None = None,
        bus: events.IEventBus | None = None,
        bus_name: str | None = None,
        http_method: str | None = None,
        rate_limit_per_second: int | None = None,
        rate_limit_quota_raised: bool = False,
        connection_header_parameters: Mapping[str, ParameterValue] | None = None,
        connection_query_string_parameters: Mapping[str, ParameterValue] | None = None,
        connection_body_parameters: Mapping[str, ParameterValue] | None = None,
        header_parameters: Mapping[str, str] | None = None,
        query_string_parameters: Mapping[str, str] | None = None,
        path_parameter_values: Sequence[str] | None = None,
        input: events.RuleTargetInput | None = None,
        retry_attempts: int = 185,
        max_event_age: cdk.Duration | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        dead_letter_queue_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        alarms: Mapping[str, AlarmSettings | None] | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        name: str | None = None,
    ) -> None:
        """
        Args:
            event_patterns: One rule is created per pattern (JSON-compatible dicts, any operator,
                written to the template exactly as given). At least one.
            endpoint: HTTPS URL to call; ``*`` path segments are filled from
                ``path_parameter_values``. Required unless ``api_destination`` is given.
            authorization: How to authenticate (:class:`DeliveryAuth`). Required unless
                ``connection`` or ``api_destination`` is given.
            connection: An existing connection, e.g. from
                ``events.Connection.from_connection_attributes``. Default: - a new one from
                ``authorization``.
            api_destination: An existing API destination to share (its rate limit too), e.g.
                ``events.ApiDestination.from_api_destination_attributes``. Default: - a new one.
            bus: The bus to watch, e.g. ``events.EventBus.from_event_bus_name``.
                Default: - a new bus named ``bus_name``.
            bus_name: Name of the new bus (1-256 of ``[.\\-_A-Za-z0-9]``, not ``default``).
                Default: - generated.
            http_method: POST, GET, HEAD, OPTIONS, PUT, PATCH or DELETE. Default: POST.
            rate_limit_per_second: Invocations per second, an integer from 1 to 300 (above 300
                only with ``rate_limit_quota_raised``). Default: 300.
            rate_limit_quota_raised: You raised the L-755FD01C quota and want more than 300/s.
                Default: False.
            connection_header_parameters / connection_query_string_parameters /
                connection_body_parameters: Sent with every request by the new connection (at
                most 100 each); secret values as ``SecretParameter.from_secret``. Default: - none.
            header_parameters / query_string_parameters / path_parameter_values: Target-level
                HTTP parameters; values may be JSONPaths into the event. Credentials are refused
                here (they would sit in the template): use the connection. Default: - none.
            input: What to send. Default: - the whole event.
            retry_attempts: Maximum retries, an integer from 0 to 185. Default: 185 (AWS's).
            max_event_age: Give up after this long, 60 s-24 h. Default: 24 hours (AWS's default).
            dead_letter_queue: A standard SQS queue in this Region. Default: - a new encrypted,
                TLS-only queue retaining messages 14 days.
            dead_letter_queue_removal_policy: What deleting the stack does to the new queue.
                Default: RETAIN (undelivered events survive the stack).
            alarms: Per-alarm overrides keyed as in ``DEFAULT_ALARMS``; ``None`` removes one.
                Default: - every default alarm.
            alarm_topic: An SNS topic told when any alarm fires and when it recovers.
                Default: - none.
            alarm_actions: Actions every alarm runs when it fires. Default: - none.
            name: Base name for the connection and API destination (1-53 of ``[.\\-_A-Za-z0-9]``).
                Default: - generated.
        """
        super().__init__(scope, construct_id)
        max_event_age = max_event_age or cdk.Duration.hours(24)
        check_props(locals(), self)
        compiled = compile_patterns(event_patterns, self)

        self.bus: events.IEventBus = bus or events.EventBus(self, "Bus", event_bus_name=bus_name)
        self.connection: events.IConnection | None
        self.api_destination: events.IApiDestination
        self.connection, self.api_destination = http_destination(self, locals())
        api_destination = self.api_destination
        self.dead_letter_queue: sqs.IQueue = dead_letter_queue or new_dead_letter_queue(
            self,
            "DeadLetterQueue",
            f"the rule targets of {self.node.path}",
            removal_policy=dead_letter_queue_removal_policy,
        )
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
        for index, pattern in enumerate(event_patterns):
            rule = events.Rule(
                self,
                "Rule" if len(compiled) == 1 else f"Rule{index}",
                event_bus=self.bus,
                event_pattern=_REPLACED,
                targets=[target],
            )
            write_event_pattern(rule, pattern)
            self.rules.append(rule)
        self.alarms: dict[str, cloudwatch.Alarm] = create_delivery_alarms(
            self, self.bus, self.rules, self.dead_letter_queue, alarms or {}
        )
        notify(self.alarms.values(), topic=alarm_topic, actions=alarm_actions)

    @property
    def rule(self) -> events.Rule:
        """The rule, when the delivery has exactly one pattern."""
        if len(self.rules) != 1:
            raise ValidationError(f"{self.node.path} has {len(self.rules)} rules; use .rules")
        return self.rules[0]

    # -- grants ----------------------------------------------------------------------------------

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` put events on the bus (``events:PutEvents``)."""
        return self.bus.grant_put_events_to(grantee)

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (another rule's role, a pipe) invoke the API destination
        (``events:InvokeApiDestination``)."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["events:InvokeApiDestination"],
            resource_arns=[self.api_destination.api_destination_arn],
        )

    def grant_redrive(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read and delete the dead letters, to redrive them (EventBridge never
        redrives on its own)."""
        return self.dead_letter_queue.grant_consume_messages(grantee)

    # -- metrics ---------------------------------------------------------------------------------

    def metric(self, metric_name: str, rule_index: int = 0, **props: Any) -> cloudwatch.Metric:
        """An AWS/Events metric of one of this delivery's rules (EventBusName + RuleName)."""
        return rule_metric(self.bus, self.rules[rule_index], metric_name, **props)

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
