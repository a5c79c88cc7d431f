"""GlobalEventBus: AWS's health-check template, least-privilege replication, validation."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match

from bridgetwin.constructs import HEALTH_CHECK_ALARM, GlobalEventBus, ValidationError
from bridgetwin.graph import load_graph
from tests._cdk import synth

pytestmark = pytest.mark.cdk
ACCOUNT = "123456789012"


def stacks(primary="us-east-1", secondary="us-west-2", secondary_account=ACCOUNT, outdir=None):
    app = cdk.App(outdir=outdir)
    second = cdk.Stack(
        app, "Secondary", env=cdk.Environment(account=secondary_account, region=secondary)
    )
    first = cdk.Stack(app, "Primary", env=cdk.Environment(account=ACCOUNT, region=primary))
    return first, second


def test_global_bus_alarm_matches_aws_health_check_template():
    primary, secondary = stacks()
    GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary)
    synth(primary).has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "Namespace": "AWS/Events",
            "MetricName": "IngestionToInvocationStartLatency",
            "Statistic": "Average",
            "Period": 60,
            "EvaluationPeriods": 5,
            "Threshold": 30000,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "breaching",
            "Dimensions": Match.absent(),
        },
    )


def test_global_bus_health_check_follows_the_alarm():
    primary, secondary = stacks()
    GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary)
    synth(primary).has_resource_properties(
        "AWS::Route53::HealthCheck",
        {
            "HealthCheckConfig": {
                "Type": "CLOUDWATCH_METRIC",
                "AlarmIdentifier": {"Name": {"Ref": Match.string_like_regexp("LatencyAlarm")},
                                    "Region": "us-east-1"},
                "InsufficientDataHealthStatus": "Unhealthy",
            }
        },
    )  # fmt: skip


@pytest.mark.parametrize(
    ("missing", "status"),
    [("missing", "LastKnownStatus"), ("notBreaching", "Healthy"), ("ignore", "LastKnownStatus")],
)
def test_global_bus_insufficient_data_status_follows_missing_data(missing, status):
    primary, secondary = stacks()
    GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary,
                   health_check_alarm=HEALTH_CHECK_ALARM.with_(treat_missing_data=missing))  # fmt: skip
    synth(primary).has_resource_properties(
        "AWS::Route53::HealthCheck",
        {"HealthCheckConfig": Match.object_like({"InsufficientDataHealthStatus": status})},
    )


def test_global_bus_endpoint_and_buses():
    primary, secondary = stacks()
    bus = GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary)
    template = synth(primary)
    template.has_resource_properties(
        "AWS::Events::Endpoint",
        {
            "Name": "orders-endpoint",
            "EventBuses": [
                {"EventBusArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                   ":events:us-east-1:123456789012:event-bus/orders"]]}},
                {"EventBusArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                                   ":events:us-west-2:123456789012:event-bus/orders"]]}},
            ],
            "RoutingConfig": {"FailoverConfig": {"Primary": {"HealthCheck": Match.any_value()},
                                                 "Secondary": {"Route": "us-west-2"}}},
            "ReplicationConfig": {"State": "ENABLED"},
            "RoleArn": Match.any_value(),
        },
    )  # fmt: skip
    second = synth(secondary)
    second.has_resource_properties("AWS::Events::EventBus", {"Name": "orders"})
    second.has_resource_properties("AWS::Events::Archive", {"RetentionDays": 7})
    assert "Secondary" in [s.stack_name for s in primary.dependencies]
    assert bus.endpoint_id and bus.endpoint_url and bus.endpoint_arn


def test_global_bus_replication_role_is_least_privilege():
    primary, secondary = stacks()
    GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary)
    template = synth(primary).to_json()
    (role,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {"Service": "events.amazonaws.com"}
    (policy,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    put_events, managed_rules = statements
    assert put_events["Action"] == "events:PutEvents"
    assert len(put_events["Resource"]) == 2
    assert sorted(managed_rules["Action"]) == [
        "events:DeleteRule", "events:PutRule", "events:PutTargets", "events:RemoveTargets"]  # fmt: skip
    resource = managed_rules["Resource"]["Fn::Join"][1][-1]
    assert resource == ":events:*:123456789012:rule/orders/GlobalEndpointManagedRule-*"


def test_global_bus_without_replication_has_no_role():
    primary, secondary = stacks()
    GlobalEventBus(
        primary, "Orders", bus_name="orders", secondary_stack=secondary, replication=False
    )
    template = synth(primary)
    template.resource_count_is("AWS::IAM::Role", 0)
    template.has_resource_properties(
        "AWS::Events::Endpoint",
        {"ReplicationConfig": {"State": "DISABLED"}, "RoleArn": Match.absent()},
    )


def test_global_bus_graph_round_trip(tmp_path):
    primary, secondary = stacks(outdir=str(tmp_path))
    GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary)
    graph = load_graph(primary.node.root.synth().directory)
    (endpoint,) = graph.endpoints
    assert [graph.get(b).region for b in endpoint.event_buses] == ["us-east-1", "us-west-2"]
    check = graph.get(endpoint.health_check)
    alarm = graph.get(check.alarm)
    assert (alarm.statistic, alarm.period, alarm.evaluation_periods, alarm.threshold,
            alarm.comparison_operator, alarm.treat_missing_data) == (
        "Average", 60, 5, 30000, "GreaterThanThreshold", "breaching")  # fmt: skip
    assert endpoint.replication_enabled and endpoint.role_arn


ERRORS = [
    (dict(secondary="us-east-1"), {}, "'secondary_stack' must be in another Region than us-east-1"),
    (dict(secondary_account="210987654321"), {}, "'secondary_stack' must be in the same account (123456789012), got 210987654321"),
    ({}, dict(bus_name="default"), "'bus_name' must name a custom bus, not 'default'"),
    ({}, dict(bus_name="bad name"), "'bus_name' may only contain [/.\\-_A-Za-z0-9], got 'bad name'"),
    ({}, dict(endpoint_name="x" * 65), "'endpoint_name' must be between 1 and 64 characters, got 65"),
    ({}, dict(health_check_alarm=HEALTH_CHECK_ALARM.with_(period=cdk.Duration.seconds(90))), "'health_check_alarm.period' must be 10 s, 30 s or a multiple of 60 s, got 90 s"),
    ({}, dict(health_check_alarm=HEALTH_CHECK_ALARM.with_(datapoints_to_alarm=6)), "'health_check_alarm.datapoints_to_alarm' must be between 1 and 5, got 6"),
]  # fmt: skip


@pytest.mark.parametrize(("env", "props", "message"), ERRORS, ids=[e[2][:40] for e in ERRORS])
def test_global_bus_validation_errors(env, props, message):
    primary, secondary = stacks(**env)
    with pytest.raises(ValidationError) as info:
        GlobalEventBus(
            primary, "Orders", **{"bus_name": "orders", "secondary_stack": secondary, **props}
        )
    assert message in str(info.value)


def test_global_bus_needs_explicit_environments():
    app = cdk.App()
    with pytest.raises(ValidationError, match="needs an explicit env with account and region"):
        GlobalEventBus(
            cdk.Stack(app, "P"), "G", bus_name="orders", secondary_stack=cdk.Stack(app, "S")
        )
