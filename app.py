"""The bundled example app, built from bridgetwin's constructs.

- ``BridgetwinWebhook``: an ``orders`` bus; ``OrderCreated`` events delivered to a partner webhook
  (API key from Secrets Manager, at most 1 request/s, 10 retries within 2 hours, encrypted DLQ,
  alarms), and large orders delivered to a fulfilment API with OAuth client credentials; a
  dashboard of both.
- ``BridgetwinGlobalPrimary`` / ``BridgetwinGlobalSecondary``: a ``payments`` bus in us-east-1 and
  us-west-2 behind a global endpoint that fails over on the primary's latency, with a ledger
  consumer (rule -> SQS queue) in each Region.

Run ``python3 app.py`` (or ``npx aws-cdk@2.1148.1 synth``) to synthesize it into ``cdk.out/``.
The global stacks need an account: ``CDK_DEFAULT_ACCOUNT`` (set by the CDK CLI from your
credentials), or a placeholder for offline synthesis.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from bridgetwin.constructs import (
    ApiDelivery,
    DeliveryAuth,
    EventBridgeDashboard,
    GlobalEventBus,
    acknowledge,
    dead_letter_queue,
)

WEBHOOK_ENDPOINT = "https://webhook.example.com/orders"
FULFILMENT_ENDPOINT = "https://fulfilment.example.com/v1/orders"
PLACEHOLDER_ACCOUNT = "123456789012"


def _generated_secret(scope: Construct, construct_id: str, field: str, what: str):
    """A secret the operator replaces with the partner's real value after the first deploy;
    CloudFormation only ever holds a ``{{resolve:secretsmanager:...}}`` reference to it."""
    secret = secretsmanager.Secret(
        scope,
        construct_id,
        description=f"{what} (set the real value after deploy)",
        generate_secret_string=secretsmanager.SecretStringGenerator(
            secret_string_template="{}", generate_string_key=field, exclude_punctuation=True
        ),
    )
    acknowledge(
        secret,
        "AwsSolutions-SMG4",
        "The partner issues and rotates this credential; Secrets Manager cannot rotate it for us",
    )
    return secret


class WebhookDeliveryStack(cdk.Stack):
    """Order events delivered to two partner APIs, rate-limited, retried and monitored."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        api_key = _generated_secret(self, "WebhookApiKey", "api_key", "Order webhook API key")
        webhook = ApiDelivery(
            self,
            "OrderWebhook",
            bus_name="orders",
            event_patterns=[{"source": ["acme.orders"], "detail-type": ["OrderCreated"]}],
            endpoint=WEBHOOK_ENDPOINT,
            authorization=DeliveryAuth.api_key("x-api-key", api_key, field="api_key"),
            rate_limit_per_second=1,
            retry_attempts=10,
            max_event_age=cdk.Duration.hours(2),
        )
        client_secret = _generated_secret(
            self, "FulfilmentClientSecret", "client_secret", "Fulfilment OAuth client secret"
        )
        fulfilment = ApiDelivery(
            self,
            "LargeOrderFulfilment",
            bus=webhook.bus,
            event_patterns=[
                {
                    "source": ["acme.orders"],
                    "detail-type": ["OrderCreated"],
                    "detail": {"amount": [{"numeric": [">=", 1000]}]},
                }
            ],
            endpoint=FULFILMENT_ENDPOINT,
            authorization=DeliveryAuth.oauth_client_credentials(
                "https://auth.example.com/oauth2/token",
                "bridgetwin-example",
                client_secret,
                field="client_secret",
            ),
            http_method="PUT",
            rate_limit_per_second=20,
            retry_attempts=50,
            max_event_age=cdk.Duration.hours(6),
        )
        EventBridgeDashboard(self, "Dashboard", deliveries=[webhook, fulfilment])


def _payments_ledger(scope: Construct, bus: events.IEventBus) -> None:
    """A consumer of accepted payments in one Region: a rule feeding an encrypted queue.

    Consumers in both Regions are what global endpoints are for; they also keep the Region's
    IngestionToInvocationStartLatency populated, so that the health check is not fed missing
    (breaching) data while payments flow.
    """
    dead_letters = dead_letter_queue(scope, "LedgerDeadLetters", "the payments ledger")
    ledger = sqs.Queue(
        scope,
        "Ledger",
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=dead_letters),
    )
    events.Rule(
        scope,
        "PaymentsToLedger",
        event_bus=bus,
        event_pattern=events.EventPattern(
            source=["acme.payments"], detail_type=["PaymentAccepted"]
        ),
        targets=[targets.SqsQueue(ledger, dead_letter_queue=dead_letters, retry_attempts=185)],
    )


class GlobalPaymentsStack(cdk.Stack):
    """The primary Region of the ``payments`` global bus (the secondary stack holds its twin)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, secondary: cdk.Stack, **kwargs: object
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.payments = GlobalEventBus(
            self, "Payments", bus_name="payments", secondary_stack=secondary
        )
        _payments_ledger(self, self.payments.primary_bus)
        _payments_ledger(secondary, self.payments.secondary_bus)
        cdk.CfnOutput(self, "EndpointId", value=self.payments.endpoint_id)
        cdk.CfnOutput(self, "EndpointUrl", value=self.payments.endpoint_url)


def build_app(outdir: str | None = None) -> cdk.App:
    """Build the example app; tests synthesize it in-process through this function.

    Without the CDK CLI (which sets ``CDK_OUTDIR``), ``python3 app.py`` writes to ``cdk.out/``
    instead of CDK's default temporary directory.
    """
    app = cdk.App(outdir=outdir or os.environ.get("CDK_OUTDIR", "cdk.out"))
    WebhookDeliveryStack(app, "BridgetwinWebhook")
    account = os.environ.get("CDK_DEFAULT_ACCOUNT", PLACEHOLDER_ACCOUNT)
    secondary = cdk.Stack(
        app, "BridgetwinGlobalSecondary", env=cdk.Environment(account=account, region="us-west-2")
    )
    GlobalPaymentsStack(
        app,
        "BridgetwinGlobalPrimary",
        secondary=secondary,
        env=cdk.Environment(account=account, region="us-east-1"),
    )
    return app


if __name__ == "__main__":
    build_app().synth()
