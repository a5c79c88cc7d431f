"""``CustomBusDelivery``: ``ApiDelivery`` for the new bus. Events on a Custom Event Bus that match
``filters``, delivered to an HTTPS endpoint by one subscriber, with everything around it.

One construct makes the bus (or takes yours), the connection and API destination (or takes
yours, sharing its rate limit), the subscriber with its retry policy written out (AWS's 5
attempts / 300 s, or Classic's 185 / 24 h with ``classic_retries``), its delivery role, its
encrypted on-failure queue that the role can write, the subscriber's alarms (backlog age, events
dropped, on-failure records written and not written, start latency, on-failure queue depth; see
``SUBSCRIBER_ALARMS``) told to ``alarm_topic``, and a dashboard of them. Props are checked before
any resource exists, naming the prop and what it allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs._api_delivery_checks import check_destination_props
from bridgetwin.constructs._validation import ValidationError
from bridgetwin.constructs.alarms import AlarmSettings
from bridgetwin.constructs.auth import DeliveryAuth
from bridgetwin.constructs.custom_event_bus import CustomEventBus
from bridgetwin.constructs.dashboard import EventBridgeDashboard
from bridgetwin.constructs.http_destination import http_destination
from bridgetwin.constructs.http_parameters import ParameterValue
from bridgetwin.constructs.subscriber import Subscriber
from bridgetwin.constructs.subscriber_targets import SubscriberTarget


class CustomBusDelivery(Construct):
    """Events matching ``filters`` on a Custom Event Bus, delivered to an HTTPS endpoint.

    Example::

        delivery = CustomBusDelivery(
            self, "PartnerOrders", bus_name="orders", retention=cdk.Duration.days(7),
            filters={"DATA": {"source": ["acme.orders"]}},
            endpoint="https://partner.example.com/orders",
            authorization=DeliveryAuth.api_key("x-api-key", key.secret_value),
            rate_limit_per_second=20, ordering="FIFO", alarm_topic=ops_topic)
        delivery.grant_put_events(producer_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        filters: Mapping[str, Mapping[str, Any]],
        endpoint: str | None = None,
        authorization: DeliveryAuth | None = None,
        connection: events.IConnection | None = None,
        api_destination: events.IApiDestination | None = None,
        bus: Any = None,
        bus_name: str | None = None,
        retention: cdk.Duration | None = None,
        http_method: str | None = None,
        rate_limit_per_second: int | None = None,
        rate_limit_quota_raised: bool = False,
        connection_header_parameters: Mapping[str, ParameterValue] | None = None,
        connection_query_string_parameters: Mapping[str, ParameterValue] | None = None,
        connection_body_parameters: Mapping[str, ParameterValue] | None = None,
        name: str | None = None,
        subscriber_name: str | None = None,
        ordering: str = "UNORDERED",
        retry_attempts: int | None = None,
        max_event_age: cdk.Duration | None = None,
        classic_retries: bool = False,
        on_failure_queue: sqs.IQueue | None = None,
        dead_letter_queue_removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.RETAIN,
        log_level: str = "OFF",
        alarms: Mapping[str, AlarmSettings | None] | None = None,
        alarm_topic: sns.ITopic | None = None,
        alarm_actions: Sequence[cloudwatch.IAlarmAction] = (),
        dashboard: bool = True,
        dashboard_name: str | None = None,
    ) -> None:
        """
        Args:
            filters: Scope (``DATA``, ``METADATA``, ``SYSTEM_METADATA``) -> event pattern, as
                :class:`Subscriber`'s. At least one.
            endpoint / authorization / connection / api_destination / http_method /
                rate_limit_per_second / rate_limit_quota_raised / connection_*_parameters /
                name: The HTTPS side, as :class:`ApiDelivery`'s (a shared ``api_destination``
                shares its rate limit with its other users, rules and subscribers alike).
            bus: A :class:`CustomEventBus` or ``CustomEventBus.from_event_bus_arn(...)``.
                Default: - a new bus named ``bus_name``.
            bus_name: The new bus's name (required without ``bus``).
            retention: The new bus's retention, 1-365 days. Default: 1 day (AWS's), written.
            subscriber_name / ordering / retry_attempts / max_event_age / classic_retries /
                on_failure_queue / dead_letter_queue_removal_policy / log_level / alarms /
                alarm_topic / alarm_actions: As :class:`Subscriber`'s (AWS's 5 attempts / 300 s
                written out unless given; every default alarm).
            dashboard: Add a CloudWatch dashboard of the subscriber's metrics. Default: True.
            dashboard_name: Its name. Default: - generated.
        """
        super().__init__(scope, construct_id)
        if (bus is None) == (bus_name is None):
            raise ValidationError(f"{self.node.path}: give 'bus' (an existing Custom Event Bus) "
                                  "or 'bus_name' (a new one), exactly one")  # fmt: skip
        if bus is not None and retention is not None:
            raise ValidationError(f"{self.node.path}: 'retention' is the new bus's; an existing "
                                  "bus keeps its own")  # fmt: skip
        check_destination_props(locals())
        self.bus = bus or CustomEventBus(self, "Bus", bus_name=bus_name, retention=retention)
        self.connection: events.IConnection | None
        self.api_destination: events.IApiDestination
        self.connection, self.api_destination = http_destination(self, locals())
        self.subscriber = Subscriber(
            self, "Subscriber", bus=self.bus,
            target=SubscriberTarget.api_destination(self.api_destination), filters=filters,
            subscriber_name=subscriber_name, ordering=ordering, retry_attempts=retry_attempts,
            max_event_age=max_event_age, classic_retries=classic_retries,
            on_failure_queue=on_failure_queue,
            dead_letter_queue_removal_policy=dead_letter_queue_removal_policy,
            log_level=log_level, alarms=alarms, alarm_topic=alarm_topic,
            alarm_actions=alarm_actions,
        )  # fmt: skip
        self.on_failure_queue: sqs.IQueue = self.subscriber.on_failure_queue
        self.alarms: dict[str, cloudwatch.Alarm] = self.subscriber.alarms
        self.dashboard: EventBridgeDashboard | None = (
            EventBridgeDashboard(self, "Dashboard", subscribers=[self.subscriber],
                                 dashboard_name=dashboard_name) if dashboard else None
        )  # fmt: skip

    def grant_put_events(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish to the bus (``events:PutEvents``, and ``kms:Decrypt`` on a
        customer-managed key)."""
        return self.bus.grant_put_events(grantee)

    def grant_redrive(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read and delete the on-failure records."""
        return self.subscriber.grant_redrive(grantee)

    def metric(self, metric_name: str, **props: Any) -> cloudwatch.Metric:
        """An AWS/EventsV2 metric of the subscriber."""
        return self.subscriber.metric(metric_name, **props)
