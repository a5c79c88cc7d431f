"""The Custom Event Bus in the graph: buses and subscribers load with AWS's documented defaults,
bad values are refused with the property named, and both bus kinds connect."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bridgetwin.cli import app
from bridgetwin.graph import (
    CustomEventBus,
    FilterScope,
    RetryPolicy,
    TargetKind,
    TemplateError,
    load_graph,
)
from tests._custom_bus import ORDER_FILTER, classic_rule, custom_bus_template, subscriber

PARTNER = {"Fn::GetAtt": ["Partner", "Arn"]}


def test_a_bus_and_a_subscriber_on_aws_defaults():
    graph = load_graph(custom_bus_template())
    assert graph.custom_buses == (CustomEventBus("Orders", "orders", "us-east-1", "123456789012",
                                                 retention_days=7),)  # fmt: skip
    (webhook,) = graph.subscribers
    assert (webhook.id, webhook.name, webhook.bus, webhook.state) == (
        "Webhook",
        "webhook",
        "Orders",
        "RUNNING",
    )
    target = webhook.target
    assert (target.kind, target.resource, target.dead_letter_queue) == (
        TargetKind.API_DESTINATION,
        "Partner",
        "Dlq",
    )
    assert target.retry_policy == RetryPolicy(5, 300, explicit=False)
    assert [(f.scope, f.pattern.to_dict()) for f in webhook.filters] == [
        (FilterScope.DATA, ORDER_FILTER)
    ]
    # one event per call to an HTTP target; UNORDERED and LATEST assumed (AWS states no default)
    assert (webhook.batch_size, webhook.batch_window_seconds, webhook.batch_size_explicit) == (
        1,
        0,
        False,
    )
    assert (webhook.ordering, webhook.ordering_explicit, webhook.starting_position) == (
        "UNORDERED",
        False,
        "LATEST",
    )
    assert load_graph({"Resources": {"B": {"Type": "AWS::EventsV2::EventBus",
                                           "Properties": {"Name": "b"}}}}).custom_buses[0] \
        .retention_days == 1  # fmt: skip


@pytest.mark.parametrize(
    ("target", "family", "size"),
    [({"Fn::GetAtt": ["Dlq", "Arn"]}, "sqs", 10),
     ("arn:aws:lambda:us-east-1:123456789012:function:handler", "lambda", 10),
     ("arn:aws:states:us-east-1:123456789012:stateMachine:flow", "states", 10),
     ("arn:aws:kinesis:us-east-1:123456789012:stream/s", "kinesis", 500),
     ("arn:aws:firehose:us-east-1:123456789012:deliverystream/f", "firehose", 500),
     ("arn:aws:events:us-west-2:123456789012:event-busv2/other/abcdefghij0123456789abcde",
      "event-busv2", 100),
     ("arn:aws:events:us-east-1:123456789012:event-bus/legacy", "event-bus", 10),
     ("arn:aws:events:::aws-sdk:ecs:runTask", "universal", 1)],
)  # fmt: skip
def test_the_batch_size_defaults_to_the_targets(target, family, size):
    """CloudFormation's schema: 10 for Lambda and Step Functions, the target's maximum for the
    other targets (facts §1.4)."""
    graph = load_graph(custom_bus_template(subscribers={"S": subscriber(target)}))
    (s,) = graph.subscribers
    assert (s.target_family, s.batch_size) == (family, size)


def test_explicit_settings_are_read():
    props = {
        "Type": "FIFO", "State": "STOPPED", "StartingPosition": "POINT_IN_TIME",
        "PointInTimeConfiguration": {"PointType": "TIMESTAMP", "StartingPoint": 1_790_000_000},
        "RetryPolicy": {"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86400,
                        "RetryStrategy": "ALL"},
        "BatchConfiguration": {"MaxBatchSize": 50, "MaxBatchWindowInSeconds": 30},
        "InvokeConfiguration": {
            "TargetArn": "arn:aws:lambda:us-east-1:123456789012:function:handler",
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "LambdaParameters": {"InvocationType": "REQUEST_RESPONSE"}},
        "FilterConfiguration": {"Filters": [
            {"Scope": "DATA", "Pattern": '{"detail": {"total": [{"numeric": [">", 500]}]}}'},
            {"Scope": "SYSTEM_METADATA", "Pattern": '{"aws:DeliveryType": ["LIVE"]}'}]},
    }  # fmt: skip
    graph = load_graph(custom_bus_template(subscribers={"S": subscriber(None, **props)}))
    (s,) = graph.subscribers
    assert (s.ordering, s.state, s.starting_position) == ("FIFO", "STOPPED", "POINT_IN_TIME")
    assert (s.point_in_time.point_type, s.point_in_time.starting_point) == (
        "TIMESTAMP",
        1_790_000_000,
    )
    assert s.target.retry_policy == RetryPolicy(185, 86400, explicit=True)
    assert (s.batch_size, s.batch_window_seconds, s.invocation_type) == (50, 30, "REQUEST_RESPONSE")
    assert [f.scope for f in s.filters] == [FilterScope.DATA, FilterScope.SYSTEM_METADATA]
    assert not s.enabled


@pytest.mark.parametrize(
    ("props", "message"),
    [({"FilterConfiguration": {"Filters": [
        {"Scope": "DATA", "Pattern": '{"source": [{"wildcard": "acme.*"}]}'}]}},
      "resource S, property FilterConfiguration.Filters[0].Pattern: subscriber filters do not "
      "support wildcard matching"),
     ({"FilterConfiguration": {"Filters": [
        {"Scope": "DATA", "Pattern": '{"source": [{"anything-but": {"wildcard": "x*"}}]}'}]}},
      "do not support wildcard matching"),
     ({"FilterConfiguration": {"Filters": [{"Scope": "DATA", "Pattern": "{}"},
                                           {"Scope": "DATA", "Pattern": "{}"}]}},
      "FilterConfiguration.Filters[1].Scope: a second DATA filter"),
     ({"FilterConfiguration": {"Filters": [{"Scope": "BODY", "Pattern": "{}"}]}},
      "Filters[0].Scope: must be one of DATA, METADATA, SYSTEM_METADATA, got 'BODY'"),
     ({"FilterConfiguration": {"Filters": [{"Scope": "DATA", "Pattern": '{"a": 1}'}]}},
      "Filters[0].Pattern.a"),
     ({"BatchConfiguration": {"MaxBatchSize": 2}},
      "BatchConfiguration.MaxBatchSize: must be between 1 and 1, got 2"),
     ({"RetryPolicy": {"MaxRetryAttempts": 186}},
      "RetryPolicy.MaxRetryAttempts: must be between 0 and 185, got 186"),
     ({"RetryPolicy": {"MaxEventAgeInSeconds": 30}},
      "RetryPolicy.MaxEventAgeInSeconds: must be between 60 and 86400, got 30"),
     ({"RetryPolicy": {"RetryStrategy": "SOME"}}, "RetryPolicy.RetryStrategy: must be one of ALL"),
     ({"Type": "STANDARD"}, "Type: must be one of FIFO, UNORDERED, got 'STANDARD'"),
     ({"State": "DISABLED"}, "State: must be one of RUNNING, STOPPED, got 'DISABLED'"),
     ({"InvokeConfiguration": {"TargetArn": PARTNER, "RoleArn": "r",
                               "HttpParameters": {}, "SqsParameters": {"MessageGroupId": "g"}}},
      "at most one parameter block, got SqsParameters, HttpParameters"),
     ({"InvokeConfiguration": {"RoleArn": "r"}}, "needs InvokeConfiguration.TargetArn")],
)  # fmt: skip
def test_what_aws_refuses_is_refused_with_the_property_named(props, message):
    with pytest.raises(TemplateError, match=None) as info:
        load_graph(custom_bus_template(subscribers={"S": subscriber(PARTNER, **props)}))
    assert message in str(info.value)


def test_retention_out_of_range_is_refused():
    template = custom_bus_template(retention=400)
    with pytest.raises(TemplateError, match="RetentionPeriodInDays: must be between 1 and 365"):
        load_graph(template)


def test_the_two_bus_kinds_connect():
    """A Classic rule targeting the new bus, and a subscriber forwarding to a Classic bus."""
    template = custom_bus_template(subscribers={
        "ToLegacy": subscriber({"Fn::GetAtt": ["Legacy", "Arn"]}),
        "Forward": classic_rule({"Fn::GetAtt": ["Orders", "EventBusArn"]}),
        "Legacy": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "legacy"}},
    })  # fmt: skip
    graph = load_graph(template)
    (rule,) = graph.rules
    assert (rule.targets[0].kind, rule.targets[0].resource) == (TargetKind.EVENT_BUS, "Orders")
    (to_legacy,) = graph.subscribers
    assert (to_legacy.target.kind, to_legacy.target.resource) == (TargetKind.EVENT_BUS, "Legacy")
    literal = custom_bus_template(subscribers={"Forward": classic_rule(
        "arn:aws:events:us-east-1:123456789012:event-busv2/orders/abcdefghij0123456789abcde"),
        "Legacy": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "legacy"}}})  # fmt: skip
    assert load_graph(literal).rules[0].targets[0].resource == "Orders"  # linked by name


def test_graph_shows_subscribers_as_it_shows_rules(tmp_path):
    (tmp_path / "t.json").write_text(json.dumps(custom_bus_template()))
    out = CliRunner().invoke(app, ["graph", str(tmp_path / "t.json")])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert "custom event bus orders [Orders] us-east-1: keeps events 7 day(s)" in lines
    assert any(line.startswith("  └─ subscriber Webhook [RUNNING] DATA:") for line in lines)
    assert "        retry 5 attempts / 5m (AWS default), DLQ Dlq" in lines
    assert not any("nothing targets it" in line or "neither a target" in line for line in lines)
    data = json.loads(CliRunner().invoke(app, ["graph", str(tmp_path / "t.json"),
                                               "--format", "json"]).output)  # fmt: skip
    assert data["subscribers"][0]["targets"][0]["retry_policy"] == {
        "maximum_retry_attempts": 5,
        "maximum_event_age_seconds": 300,
        "explicit": False,
    }
    assert data["subscribers"][0]["filters"] == [{"scope": "DATA", "pattern": ORDER_FILTER}]
