"""``EventBridgeDashboard``: one CloudWatch dashboard for deliveries, Custom Event Bus subscribers
and global buses."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from bridgetwin.constructs.api_delivery import ApiDelivery
from bridgetwin.constructs.global_event_bus import GlobalEventBus
from bridgetwin.constructs.subscriber import Subscriber


class EventBridgeDashboard(Construct):
    """Per delivery: invocations, failures and DLQ traffic, start latency, DLQ depth.
    Per subscriber: deliveries, retries, drops and on-failure records, start latency and backlog
    age, on-failure queue depth. Per global bus: the health-check latency alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deliveries: Sequence[ApiDelivery] = (),
        global_buses: Sequence[GlobalEventBus] = (),
        subscribers: Sequence[Subscriber] = (),
        dashboard_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name=dashboard_name)
        period = cdk.Duration.minutes(1)
        for delivery in deliveries:
            name = delivery.node.path
            for index in range(len(delivery.rules)):
                counts = [
                    delivery.metric(m, index, statistic="Sum", period=period)
                    for m in ("Invocations", "FailedInvocations", "RetryInvocationAttempts",
                              "InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq")
                ]  # fmt: skip
                self.dashboard.add_widgets(
                    cloudwatch.GraphWidget(title=f"{name} rule {index}: invocations", left=counts),
                    cloudwatch.GraphWidget(
                        title=f"{name} rule {index}: ingestion-to-invocation start latency",
                        left=[
                            delivery.metric_ingestion_to_invocation_start_latency(index).with_(
                                period=period
                            )
                        ],
                    ),
                )
            self.dashboard.add_widgets(
                cloudwatch.GraphWidget(
                    title=f"{name}: dead-letter queue depth",
                    left=[delivery.metric_dlq_messages_visible().with_(period=period)],
                )
            )
        for subscriber in subscribers:
            self._subscriber(subscriber, period)
        for bus in global_buses:
            self.dashboard.add_widgets(
                cloudwatch.AlarmWidget(
                    title=f"{bus.node.path}: primary Region health (failover trigger)",
                    alarm=bus.latency_alarm,
                )
            )

    def _subscriber(self, subscriber: Subscriber, period: cdk.Duration) -> None:
        name = subscriber.node.path
        names = ("EventsDelivered", "TargetInvocations", "EventsDropped",
                 "OnFailureDestinationDelivered", "OnFailureDestinationFailed")  # fmt: skip
        counts = [subscriber.metric(m, statistic="Sum", period=period) for m in names]
        retries = subscriber.metric("RetryInvocationAttempts", statistic="SampleCount",
                                    period=period)  # fmt: skip
        latency = subscriber.metric("IngestionToInvocationStartTime", statistic="Average",
                                    period=period)  # fmt: skip
        backlog = subscriber.metric("ApproximateBacklogAge", statistic="Maximum", period=period)
        queue = subscriber.on_failure_queue.metric_approximate_number_of_messages_visible(
            period=period
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(title=f"{name}: deliveries", left=counts, right=[retries]),
            cloudwatch.GraphWidget(
                title=f"{name}: start latency and backlog age (ms)", left=[latency], right=[backlog]
            ),
            cloudwatch.GraphWidget(title=f"{name}: on-failure queue depth", left=[queue]),
        )
