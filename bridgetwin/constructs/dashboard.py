"""``EventBridgeDashboard``: one CloudWatch dashboard for deliveries and global buses."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from bridgetwin.constructs.api_delivery import ApiDelivery
from bridgetwin.constructs.global_event_bus import GlobalEventBus


class EventBridgeDashboard(Construct):
    """Per delivery: invocations, failures and DLQ traffic, start latency, DLQ depth.
    Per global bus: the health-check latency alarm."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deliveries: Sequence[ApiDelivery] = (),
        global_buses: Sequence[GlobalEventBus] = (),
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
        for bus in global_buses:
            self.dashboard.add_widgets(
                cloudwatch.AlarmWidget(
                    title=f"{bus.node.path}: primary Region health (failover trigger)",
                    alarm=bus.latency_alarm,
                )
            )
