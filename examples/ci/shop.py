"""A small CDK app for the CI example: order events delivered to a partner webhook.

Its tests (``test_shop.py``) say what the deployment must do before anything is deployed: keep
up with a sale, and lose nothing while the partner's webhook is down for 20 minutes.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from bridgetwin.constructs import ApiDelivery, DeliveryAuth


class ShopStack(cdk.Stack):
    """An ``orders`` bus; ``OrderCreated`` events to the partner at up to 10 requests/s."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        api_key = secretsmanager.Secret(self, "PartnerApiKey")
        ApiDelivery(
            self,
            "OrderWebhook",
            bus_name="orders",
            event_patterns=[{"source": ["acme.orders"], "detail-type": ["OrderCreated"]}],
            endpoint="https://partner.example.com/orders",
            authorization=DeliveryAuth.api_key("x-api-key", api_key),
            rate_limit_per_second=10,
            max_event_age=cdk.Duration.hours(6),
        )


if __name__ == "__main__":
    app = cdk.App()
    ShopStack(app, "Shop")
    app.synth()
