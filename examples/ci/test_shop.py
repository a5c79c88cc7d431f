"""What the shop's deployment must do, checked by its twin on every pull request."""

from pathlib import Path

import aws_cdk as cdk
from shop import ShopStack

from bridgetwin.testing import assert_slo, expect

HERE = Path(__file__).parent


def test_the_webhook_loses_nothing_while_the_partner_is_down(twin):
    run = twin(ShopStack(cdk.App(), "Shop")).simulate(HERE / "outage.yaml")
    expect(run).target("OrderWebhook").lost(0).delivered(min=1)
    assert_slo(run)  # the scenario's own slo: entries


def test_orders_start_within_a_minute_outside_the_outage(twin):
    run = twin(ShopStack(cdk.App(), "Shop")).simulate(
        {"duration": "10m", "traffic": [{"bus": "orders", "rate": 3, "events": [
            {"event": {"source": "acme.orders", "detail-type": "OrderCreated"}}]}]}
    )  # fmt: skip
    expect(run).target("Shop/OrderWebhook").start_latency(p99="1s").lost(0)
