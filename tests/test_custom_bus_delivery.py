"""``CustomBusDelivery``, the new bus's ``ApiDelivery``: the exact resources it writes (bus,
connection, API destination, subscriber with AWS's retries written out, on-failure queue, alarms,
dashboard), cfn-lint clean; its refusals; and, in the twin under the 10-minute outage of
tests/test_custom_bus_twin.py, the on-failure queue getting exactly what the retry timeline says
while its backlog-age and on-failure alarms go to ALARM and back at the minutes that timeline
gives."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

pytest.importorskip("aws_cdk.aws_eventsv2")

from bridgetwin.constructs import (
    AlarmSettings,
    CustomBusDelivery,
    CustomEventBus,
    DeliveryAuth,
    ValidationError,
)
from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._migration import cfn_lint
from tests.test_custom_bus_constructs import ENV, ORDERS
from tests.test_custom_bus_twin import ARRIVALS, OUTAGE, outage_scenario, retry_timeline

LAGGING = AlarmSettings(threshold=20_000, period=cdk.Duration.minutes(1), statistic="Maximum",
                        comparison=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD)  # fmt: skip


def _auth(stack: cdk.Stack) -> DeliveryAuth:
    return DeliveryAuth.api_key("x-api-key", secretsmanager.Secret(stack, "PartnerKey"))


def _delivery(**props) -> tuple[cdk.Stack, CustomBusDelivery, dict]:
    stack = cdk.Stack(cdk.App(), "Orders", env=ENV)
    base = {"bus_name": "orders", "filters": {"DATA": ORDERS}, "authorization": _auth(stack),
            "endpoint": "https://partner.example.com/orders", "subscriber_name": "webhook"}  # fmt: skip
    made = CustomBusDelivery(stack, "Partner", **{**base, **props})
    return stack, made, Template.from_stack(stack).to_json()


def _id_of(template: dict, kind: str) -> str:
    (found,) = [k for k, r in template["Resources"].items() if r["Type"] == kind]
    return found


def _of_type(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def test_it_writes_the_bus_the_destination_and_a_subscriber_with_its_retries_written_out():
    stack, made, template = _delivery(rate_limit_per_second=20, retention=cdk.Duration.days(7),
                                      ordering="FIFO")  # fmt: skip
    (bus,) = _of_type(template, "AWS::EventsV2::EventBus")
    assert bus["Properties"] == {"Name": "orders",
                                 "StorageConfiguration": {"RetentionPeriodInDays": 7}}  # fmt: skip
    (destination,) = _of_type(template, "AWS::Events::ApiDestination")
    assert destination["Properties"]["InvocationRateLimitPerSecond"] == 20
    lid = stack.get_logical_id
    subscriber = template["Resources"][lid(made.subscriber.resource)]["Properties"]
    queue = lid(made.on_failure_queue.node.default_child)
    assert subscriber == {
        "Name": "webhook",
        "EventBusArn": {"Fn::GetAtt": [lid(made.bus.resource), "EventBusArn"]},
        "FilterConfiguration": {"Filters": [
            {"Scope": "DATA", "Pattern": '{"source": ["acme.orders"], "detail-type": ["OrderCreated"]}'}]},
        "InvokeConfiguration": {
            "TargetArn": {"Fn::GetAtt": [_id_of(template, "AWS::Events::ApiDestination"), "Arn"]},
            "RoleArn": {"Fn::GetAtt": [lid(made.subscriber.role.node.default_child), "Arn"]}},
        "Type": "FIFO", "State": "RUNNING",
        "RetryPolicy": {"MaxRetryAttempts": 5, "MaxEventAgeInSeconds": 300},
        "OnFailureConfiguration": {"Arn": {"Fn::GetAtt": [queue, "Arn"]}},
        "BatchConfiguration": {"MaxBatchSize": 1},
        "LogConfiguration": {"Level": "OFF"},
    }  # fmt: skip
    assert len(_of_type(template, "AWS::CloudWatch::Alarm")) == len(made.alarms) == 6
    assert len(_of_type(template, "AWS::CloudWatch::Dashboard")) == 1
    assert cfn_lint(template) == []


def test_an_existing_bus_and_classic_retries():
    stack = cdk.Stack(cdk.App(), "Orders", env=ENV)
    bus = CustomEventBus(stack, "Shared", bus_name="shared")
    made = CustomBusDelivery(stack, "Partner", bus=bus, filters={"DATA": ORDERS},
                             endpoint="https://partner.example.com/orders",
                             authorization=_auth(stack),
                             classic_retries=True, dashboard=False)  # fmt: skip
    template = Template.from_stack(stack).to_json()
    assert len(_of_type(template, "AWS::EventsV2::EventBus")) == 1 and made.bus is bus
    props = template["Resources"][stack.get_logical_id(made.subscriber.resource)]["Properties"]
    assert props["RetryPolicy"] == {"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86_400}
    assert not _of_type(template, "AWS::CloudWatch::Dashboard")


@pytest.mark.parametrize(("props", "words"), [
    ({"bus_name": None}, "give 'bus' (an existing Custom Event Bus) or 'bus_name'"),
    ({"endpoint": None}, "'endpoint' is required without 'api_destination'"),
    ({"authorization": None}, "'authorization' is required"),
    ({"rate_limit_per_second": 301}, "rate_limit_per_second"),
    ({"ordering": "SORTED"}, "ordering"),
])  # fmt: skip
def test_what_aws_refuses_is_refused_naming_the_prop(props, words):
    with pytest.raises(ValidationError, match=re.escape(words)):
        _delivery(**props)


def _finishes() -> list[tuple[float, float]]:
    """(ingestion, finish) of every event of the outage scenario: retried after 1, 2, 4, 8 and
    16 s while the outage lasts, given up after the fifth retry (latency 0, no age limit hit)."""
    out = []
    for ingest in ARRIVALS:
        at, attempt = ingest, 0
        while OUTAGE[0] <= at < OUTAGE[1] and attempt < 5:
            at, attempt = at + min(60.0, 2.0**attempt), attempt + 1
        out.append((ingest, at))
    return out


def test_in_the_twin_the_outage_loses_the_timelines_events_and_the_alarms_follow_it():
    stack, made, template = _delivery(alarms={"backlog_age": LAGGING})
    result = simulate(load_graph(template), load_scenario(outage_scenario()))
    target = result.target(stack.get_logical_id(made.subscriber.resource))
    expected = retry_timeline(5, 300)
    assert target.counts["dlq"] == expected["MaximumRetryAttempts"] > 0
    assert target.counts["delivered"] == expected["delivered"]

    finishes = _finishes()
    ages = []  # the backlog age at each minute's end
    for minute in range(1, 41):
        end = minute * 60.0
        waiting = [i for i, f in finishes if i <= end < f]
        ages.append(end - min(waiting) if waiting else 0.0)
    assert target.per_minute["backlog_age_ms"] == [round(a * 1e3) for a in ages]
    lagging = [a > 20 for a in ages]
    first = lagging.index(True)
    back = first + lagging[first:].index(False)
    alarm = stack.get_logical_id(made.alarms["backlog_age"].node.default_child)
    transitions = [(a["at_s"], a["state"]) for a in result.alarms if a["alarm"] == alarm]
    assert transitions[-2:] == [((first + 1) * 60.0, "ALARM"), ((back + 1) * 60.0, "OK")]
    assert not any(lagging[back:])  # it stays OK after the outage
