"""GlobalEventBus: AWS's health-check template, least-privilege replication, validation."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Annotations, Match

from bridgetwin.constructs import HEALTH_CHECK_ALARM, GlobalEventBus, ValidationError
from bridgetwin.graph import load_graph
from tests._cdk import new_app, synth

pytestmark = pytest.mark.cdk
ACCOUNT = "123456789012"


def stacks(primary="us-east-1", secondary="us-west-2", secondary_account=ACCOUNT, outdir=None):
    app = new_app(outdir)
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
    # the two Regions by name, never a Region wildcard
    resources = [r["Fn::Join"][1][-1] for r in managed_rules["Resource"]]
    assert resources == [
        f":events:{region}:123456789012:rule/orders/GlobalEndpointManagedRule-*"
        for region in ("us-east-1", "us-west-2")
    ]


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
    ({}, dict(bus_name="bad name"), "'bus_name' may only contain [.\\-_A-Za-z0-9], got 'bad name'"),
    ({}, dict(bus_name="aws.partner/acme"), "'bus_name' may only contain [.\\-_A-Za-z0-9], got 'aws.partner/acme'"),
    (dict(primary="eu-south-2"), {}, "this stack (Primary) is in eu-south-2, where CloudFormation does not offer AWS::Events::Endpoint; global endpoints are available in: ap-northeast-1,"),
    (dict(secondary="af-south-1"), {}, "'secondary_stack' (Secondary) is in af-south-1, where CloudFormation does not offer AWS::Events::Endpoint"),
    ({}, dict(archive_retention=cdk.Duration.days(0)), "'archive_retention' must be a whole number of days, at least 1, got 0 days (AWS reads 0 days as 'keep events forever')"),
    ({}, dict(archive_retention=cdk.Duration.hours(36)), "'archive_retention' must be a whole number of days, at least 1, got 1.5 days"),
    ({}, dict(health_check_alarm=HEALTH_CHECK_ALARM.with_(threshold=float("inf"))), "'health_check_alarm.threshold' must be a finite number, got inf"),
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


def test_global_bus_warns_about_a_region_cfn_lint_does_not_know():
    primary, secondary = stacks(secondary="xx-future-1")
    GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary)
    Annotations.from_stack(primary).has_warning(
        "*", Match.string_like_regexp("xx-future-1 is not in cfn-lint's Region data")
    )


def test_global_bus_alarm_notifies_and_grants_put_events_in_both_regions():
    # GIVEN a global bus whose failover alarm notifies a topic, and a producer role
    primary, secondary = stacks()
    topic = sns.Topic(primary, "Ops", enforce_ssl=True)
    bus = GlobalEventBus(primary, "Orders", bus_name="orders", secondary_stack=secondary,
                         alarm_topic=topic)  # fmt: skip
    producer = iam.Role(primary, "Producer", assumed_by=iam.AccountRootPrincipal())
    # WHEN the producer is granted PutEvents
    bus.grant_put_events(producer)
    template = synth(primary).to_json()
    # THEN the alarm notifies on ALARM and OK, and the grant covers the bus in both Regions
    (alarm,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    topic_ref = {"Ref": primary.get_logical_id(topic.node.default_child)}
    assert alarm["Properties"]["AlarmActions"] == alarm["Properties"]["OKActions"] == [topic_ref]
    role_id = primary.get_logical_id(producer.node.default_child)
    (statement,) = [p["Properties"]["PolicyDocument"]["Statement"][0]
                    for p in template["Resources"].values()
                    if p["Type"] == "AWS::IAM::Policy" and p["Properties"]["Roles"] == [{"Ref": role_id}]]  # fmt: skip
    assert statement["Action"] == "events:PutEvents"
    regions = [r["Fn::Join"][1][-1] for r in statement["Resource"]]
    assert regions == [
        f":events:{r}:123456789012:event-bus/orders" for r in ("us-east-1", "us-west-2")
    ]


def test_global_bus_needs_explicit_environments():
    app = cdk.App()
    with pytest.raises(ValidationError, match="needs an explicit env with account and region"):
        GlobalEventBus(
            cdk.Stack(app, "P"), "G", bus_name="orders", secondary_stack=cdk.Stack(app, "S")
        )
