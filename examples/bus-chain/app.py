"""A bus chain across two Regions: orders in us-east-1 forwarded to a partner bus in us-west-2,
whose rule delivers them to the partner's webhook.

- ``ChainEast`` (us-east-1): the ``orders`` bus; a rule forwards ``acme.orders`` events to the
  ``partner`` bus in us-west-2 (a cross-Region event-bus target, with its own retry policy and
  DLQ), and an audit rule keeps every order in an SQS queue.
- ``ChainWest`` (us-west-2): the ``partner`` bus and an ``ApiDelivery`` of ``OrderCreated``
  events to the partner's webhook at 5 requests/s.

Simulate it (the twin follows the events across both buses)::

    bridgetwin simulate examples/bus-chain --scenario examples/bus-chain/scenario.yaml
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs

from bridgetwin.constructs import ApiDelivery, DeliveryAuth, acknowledge, dead_letter_queue

ACCOUNT = os.environ.get("CDK_DEFAULT_ACCOUNT", "123456789012")


class WestStack(cdk.Stack):
    """The partner bus and its webhook delivery."""

    def __init__(self, scope: cdk.App, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.bus = events.EventBus(self, "Partner", event_bus_name="partner")
        key = secretsmanager.Secret(self, "WebhookKey", description="Partner webhook API key")
        acknowledge(key, "AwsSolutions-SMG4", "The partner issues and rotates this key")
        ApiDelivery(
            self, "Webhook", bus=self.bus,
            event_patterns=[{"source": ["acme.orders"], "detail-type": ["OrderCreated"]}],
            endpoint="https://partner.example.com/orders",
            authorization=DeliveryAuth.api_key("x-api-key", key),
            rate_limit_per_second=5, retry_attempts=20, max_event_age=cdk.Duration.hours(6),
        )  # fmt: skip


class EastStack(cdk.Stack):
    """The orders bus, forwarding to the partner bus in another Region."""

    def __init__(self, scope: cdk.App, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        orders = events.EventBus(self, "Orders", event_bus_name="orders")
        partner = events.EventBus.from_event_bus_arn(
            self, "PartnerBus", f"arn:aws:events:us-west-2:{self.account}:event-bus/partner"
        )
        hop_dlq = dead_letter_queue(self, "ForwardDeadLetters", "the forward to the partner bus")
        events.Rule(
            self, "Forward", event_bus=orders,
            event_pattern=events.EventPattern(source=["acme.orders"]),
            targets=[targets.EventBus(partner, dead_letter_queue=hop_dlq)],
        )  # fmt: skip
        audit = sqs.Queue(
            self, "Audit", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=hop_dlq),
        )  # fmt: skip
        events.Rule(
            self, "AuditAll", event_bus=orders,
            event_pattern=events.EventPattern(source=["acme.orders"]),
            targets=[targets.SqsQueue(audit, dead_letter_queue=hop_dlq)],
        )  # fmt: skip


def build_app(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    west = WestStack(app, "ChainWest", env=cdk.Environment(account=ACCOUNT, region="us-west-2"))
    east = EastStack(app, "ChainEast", env=cdk.Environment(account=ACCOUNT, region="us-east-1"))
    east.add_stack_dependency(west, "the partner bus must exist before events are forwarded")
    return app


if __name__ == "__main__":
    build_app().synth()
