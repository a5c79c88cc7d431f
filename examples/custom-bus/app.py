"""The Custom Event Bus example: one ``orders`` bus (kept 7 days) read by four subscribers.

- ``PartnerWebhook``: FIFO, to the partner's webhook (an API destination at 20 requests/s), with an
  on-failure queue and *no retry policy*: AWS's defaults, 5 attempts or 300 s.
- ``Fulfilment``: UNORDERED, to an SQS queue in batches of up to 10 within 5 s.
- ``Analytics``: a late reader that starts at the horizon (the oldest event the bus kept).
- ``Ledger``: the orders a point-of-sale system publishes as Protobuf (``PutRawEvents``): a
  ``METADATA`` filter on the schema named on the request (DATA filters cannot see inside the
  bytes), delivered with their metadata (``WITH_METADATA``) to a queue in batches of 10.

Written with aws-cdk-lib's L1 classes (``aws_cdk.aws_eventsv2``, the only ones CDK has for the new
bus; aws-cdk-lib 2.275 has them). ``bridgetwin simulate examples/custom-bus --scenario
examples/custom-bus/scenario.yaml`` synthesizes it and predicts what a 10-minute outage of the
partner costs.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_eventsv2 as eventsv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

ACCOUNT, REGION = "111122223333", "us-east-1"
ORDERS = {"source": ["acme.orders"], "detail-type": ["OrderCreated"]}


def _queue(scope: Construct, name: str, **kwargs: object) -> sqs.Queue:
    return sqs.Queue(scope, name, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                     **kwargs)  # fmt: skip


class OrdersStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bus = eventsv2.CfnEventBus(
            self, "Orders", name="orders",
            storage_configuration=eventsv2.CfnEventBus.StorageConfigurationProperty(
                retention_period_in_days=7),
        )  # fmt: skip
        key = secretsmanager.Secret(self, "PartnerApiKey")
        connection = events.Connection(
            self, "PartnerConnection",
            authorization=events.Authorization.api_key(
                "x-api-key", key.secret_value_from_json("key")),
        )  # fmt: skip
        partner = events.ApiDestination(
            self, "Partner", connection=connection,
            endpoint="https://partner.example.com/orders", rate_limit_per_second=20,
        )  # fmt: skip
        role = iam.Role(self, "DeliveryRole",
                        assumed_by=iam.ServicePrincipal("events.amazonaws.com"))  # fmt: skip
        invoke = iam.PolicyStatement(actions=["events:InvokeApiDestination"],
                                     resources=[partner.api_destination_arn])  # fmt: skip
        role.add_to_policy(invoke)
        jobs, analytics = _queue(self, "Jobs"), _queue(self, "AnalyticsQueue")
        ledger = _queue(self, "LedgerQueue")
        for queue in (jobs, analytics, ledger):
            queue.grant_send_messages(role)

        def subscriber(name: str, target: str, *, scope: str = "DATA", pattern: object = ORDERS,
                       **props: object) -> eventsv2.CfnSubscriber:  # fmt: skip
            failures = _queue(self, f"{name}Failures", retention_period=cdk.Duration.days(14))
            failures.grant_send_messages(role)
            return eventsv2.CfnSubscriber(
                self, name, name=name.lower(), event_bus_arn=bus.attr_event_bus_arn,
                filter_configuration={"filters": [
                    {"scope": scope, "pattern": json.dumps(pattern)}]},
                invoke_configuration={"targetArn": target, "roleArn": role.role_arn},
                on_failure_configuration={"arn": failures.queue_arn}, **props,
            )  # fmt: skip

        subscriber("PartnerWebhook", partner.api_destination_arn, type="FIFO")
        batches = {"maxBatchSize": 10, "maxBatchWindowInSeconds": 5}
        subscriber("Fulfilment", jobs.queue_arn, type="UNORDERED", batch_configuration=batches)
        subscriber("Analytics", analytics.queue_arn, type="UNORDERED",
                   starting_position="POINT_IN_TIME",
                   point_in_time_configuration={"pointType": "HORIZON"})  # fmt: skip
        in_tens = {"maxBatchSize": 10, "maxBatchWindowInSeconds": 2}
        subscriber("Ledger", ledger.queue_arn, type="UNORDERED", scope="METADATA",
                   pattern={"schema": ["pos.Order.v1"]}, transformer={"type": "WITH_METADATA"},
                   batch_configuration=in_tens)  # fmt: skip


def build_app(outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    OrdersStack(app, "CustomBusOrders", env=cdk.Environment(account=ACCOUNT, region=REGION))
    return app


if __name__ == "__main__":
    build_app().synth()
