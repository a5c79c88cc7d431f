"""The bundled example: deliver order events from an event bus to a partner's HTTPS webhook.

An ``orders`` event bus, an API-key connection whose key lives in Secrets Manager (never in the
template), an API destination limited to 1 request/s, and a rule that sends ``OrderCreated`` events
to it with a retry policy and an encrypted SQS dead-letter queue for what cannot be delivered.

Run ``python3 app.py`` (or ``npx aws-cdk@2.1148.1 synth``) to synthesize it into ``cdk.out/``.
"""

from __future__ import annotations

import os

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

WEBHOOK_ENDPOINT = "https://webhook.example.com/orders"


class WebhookDeliveryStack(cdk.Stack):
    """Order events delivered to a rate-limited webhook, with retries and a dead-letter queue."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)

        bus = events.EventBus(self, "OrdersBus", event_bus_name="orders")

        # The partner issues the key; store it in this secret after the first deploy. CloudFormation
        # only ever sees a {{resolve:secretsmanager:...}} reference to it.
        api_key = secretsmanager.Secret(
            self,
            "WebhookApiKey",
            description="API key for the order webhook (set the real value after deploy)",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template='{"header": "x-api-key"}',
                generate_string_key="api_key",
                exclude_punctuation=True,
            ),
        )
        connection = events.Connection(
            self,
            "WebhookConnection",
            description="API-key authorization for the order webhook",
            authorization=events.Authorization.api_key(
                "x-api-key", api_key.secret_value_from_json("api_key")
            ),
        )
        destination = events.ApiDestination(
            self,
            "WebhookDestination",
            connection=connection,
            endpoint=WEBHOOK_ENDPOINT,
            http_method=events.HttpMethod.POST,
            rate_limit_per_second=1,
            description="Order webhook, at most 1 request per second",
        )

        dead_letters = sqs.Queue(
            self,
            "WebhookDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        events.Rule(
            self,
            "OrderCreatedToWebhook",
            event_bus=bus,
            description="Send new orders to the partner webhook",
            event_pattern=events.EventPattern(source=["acme.orders"], detail_type=["OrderCreated"]),
            targets=[
                targets.ApiDestination(
                    destination,
                    retry_attempts=10,
                    max_event_age=cdk.Duration.hours(2),
                    dead_letter_queue=dead_letters,
                )
            ],
        )


def build_app(outdir: str | None = None) -> cdk.App:
    """Build the example app; tests synthesize it in-process through this function.

    Without the CDK CLI (which sets ``CDK_OUTDIR``), ``python3 app.py`` writes to ``cdk.out/``
    instead of CDK's default temporary directory.
    """
    app = cdk.App(outdir=outdir or os.environ.get("CDK_OUTDIR", "cdk.out"))
    WebhookDeliveryStack(app, "BridgetwinWebhook")
    return app


if __name__ == "__main__":
    build_app().synth()
