"""A Terraform deployment across two Regions (``examples/terraform-global``: a global endpoint's
buses, a consumer in each Region) loads as one stack per Region, as its CloudFormation form (a
stack per Region, written here) does, and fails over alike in the twin. Written after public
global-endpoint samples: an aliased provider for the secondary Region, a module given it with
``providers``, a resource using the AWS provider's own ``region`` argument (version 6); and a
plan JSON whose provider configurations place its resources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridgetwin.graph import StackSource, load_graph
from bridgetwin.graph._terraform_regions import split_by_region
from bridgetwin.simulator import load_scenario, simulate
from tests._terraform import Res, plan

PATTERN = {"source": ["acme.payments"], "detail-type": ["PaymentAccepted"]}


def _ledger(bus: str) -> dict:
    return {
        "Ledger": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "ledger"}},
        "ToLedger": {"Type": "AWS::Events::Rule", "Properties": {
            "Name": "to-ledger", "EventBusName": {"Ref": bus}, "EventPattern": PATTERN,
            "Targets": [{"Id": "ledger", "Arn": {"Fn::GetAtt": ["Ledger", "Arn"]}}]}},
    }  # fmt: skip


SECONDARY_ARN = {"Fn::Sub": "arn:${AWS::Partition}:events:us-west-2:${AWS::AccountId}"
                 ":event-bus/payments"}  # fmt: skip
PRIMARY = {"Resources": {
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "payments"}},
    **_ledger("Bus"),
    "Health": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": "payments-health", "Namespace": "AWS/Events",
        "MetricName": "IngestionToInvocationStartLatency", "Statistic": "Average", "Period": 60,
        "EvaluationPeriods": 5, "Threshold": 30000,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "breaching"}},
    "Check": {"Type": "AWS::Route53::HealthCheck", "Properties": {"HealthCheckConfig": {
        "Type": "CLOUDWATCH_METRIC", "InsufficientDataHealthStatus": "Unhealthy",
        "AlarmIdentifier": {"Name": {"Ref": "Health"}, "Region": "us-east-1"}}}},
    "Endpoint": {"Type": "AWS::Events::Endpoint", "Properties": {
        "Name": "payments", "RoleArn": "arn:aws:iam::123456789012:role/replication",
        "EventBuses": [{"EventBusArn": {"Fn::GetAtt": ["Bus", "Arn"]}},
                       {"EventBusArn": SECONDARY_ARN}],
        "ReplicationConfig": {"State": "ENABLED"},
        "RoutingConfig": {"FailoverConfig": {
            "Primary": {"HealthCheck": {"Fn::Sub": "arn:${AWS::Partition}:route53:::healthcheck/"
                                                   "${Check}"}},
            "Secondary": {"Route": "us-west-2"}}}}},
}}  # fmt: skip
SECONDARY = {"Resources": {
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "payments"}},
    **_ledger("Bus"),
    "Audit": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "payments-audit"}},
    "ToAudit": {"Type": "AWS::Events::Rule", "Properties": {
        "Name": "audit", "EventBusName": {"Ref": "Bus"},
        "EventPattern": {"source": ["acme.payments"]},
        "Targets": [{"Id": "audit", "Arn": {"Fn::GetAtt": ["Audit", "Arn"]}}]}},
}}  # fmt: skip

FAILOVER = {
    "duration": "1h", "seed": 11, "eventbridge": {"processing_latency": "20ms"},
    "traffic": [{"bus": "payments", "via_endpoint": True, "rate": 10, "events": [
        {"event": {"source": "acme.payments", "detail-type": "PaymentAccepted",
                   "detail": {"amount": 42}}}]}],
    "regions": {"us-east-1": {"disruptions": [
        {"start": "10m", "end": "40m", "ingestion_latency": "45s"}]}},
}  # fmt: skip


@pytest.fixture(scope="module")
def configuration():
    return Path(__file__).resolve().parent.parent / "examples" / "terraform-global"


def _placed(graph):
    """Every bus, rule and queue as (kind, name, Region), and each endpoint's buses' Regions."""
    nodes = {("bus", b.name, b.region) for b in graph.buses}
    nodes |= {("rule", r.name, r.region, graph.get(r.bus).region) for r in graph.rules}
    nodes |= {("queue", q.name, q.region) for q in graph.queues}
    for endpoint in graph.endpoints:
        buses = [graph.get(b) for b in endpoint.event_buses]
        nodes.add(("endpoint", endpoint.name, tuple((b.name, b.region) for b in buses)))
    return nodes


def _cloudformation():
    return load_graph([StackSource("primary", PRIMARY, "us-east-1", None),
                       StackSource("secondary", SECONDARY, "us-west-2", None)])  # fmt: skip


def test_a_configuration_across_two_regions_is_a_stack_per_region(configuration):
    tf, cfn = load_graph(str(configuration)), _cloudformation()
    assert _placed(tf) == _placed(cfn)
    assert ("endpoint", "payments", (("payments", "us-east-1"), ("payments", "us-west-2"))) in (
        _placed(tf))  # fmt: skip
    audit = next(r for r in tf.rules if r.name == "audit")
    assert audit.id == f"{configuration.name}-us-west-2/aws_cloudwatch_event_rule.audit"
    (secondary_ledger,) = (r for r in tf.rules if r.name == "to-ledger" and r.region == "us-west-2")
    assert secondary_ledger.id.endswith(
        "module.ledger_secondary.aws_cloudwatch_event_rule.to_ledger"
    )


def test_it_fails_over_as_its_cloudformation_form_does(configuration):
    tf, cfn = load_graph(str(configuration)), _cloudformation()
    spec = load_scenario(FAILOVER)
    got_t, got_c = simulate(tf, spec), simulate(cfn, spec)
    (failover_t,), (failover_c,) = got_t.failover, got_c.failover
    assert failover_t.pop("endpoint").endswith("aws_cloudwatch_event_endpoint.payments (traffic.0)")
    assert failover_c.pop("endpoint") == "primary/Endpoint (traffic.0)"
    assert failover_t == failover_c and failover_t["failovers"] == 1

    def by_place(result, graph):
        return sorted((graph.get(t.rule).region, graph.get(t.rule).name, tuple(t.counts.items()))
                      for t in result.targets)  # fmt: skip

    assert by_place(got_t, tf) == by_place(got_c, cfn)
    delivered = {region: count for region, _, counts in by_place(got_t, tf)
                 for key, count in counts if key == "delivered" and _ == "to-ledger"}  # fmt: skip
    assert delivered["us-west-2"] > 0 and delivered["us-east-1"] > 0  # both Regions took events


def test_a_plan_places_resources_by_their_provider_configuration(tmp_path):
    """``provider_config_key`` names the configuration (``aws.secondary``, whose Region is a
    variable here); a module's resources carry the key of the configuration passed to it."""
    bus_arn = ["aws_cloudwatch_event_bus.secondary.arn", "aws_cloudwatch_event_bus.secondary"]
    resources = [
        Res("aws_cloudwatch_event_bus", "primary", {"name": "payments"}),
        Res("aws_cloudwatch_event_bus", "secondary", {"name": "payments"},
            provider="aws.secondary"),
        Res("aws_sqs_queue", "ledger", {"name": "ledger"}, module="module.ledger_secondary",
            provider="aws.secondary"),
        Res("aws_cloudwatch_event_endpoint", "payments", {
            "name": "payments", "event_bus": [{"event_bus_arn": None}, {"event_bus_arn": None}],
            "replication_config": [{"state": "ENABLED"}], "routing_config": [{"failover_config": [
                {"primary": [{"health_check": "arn:aws:route53:::healthcheck/abc"}],
                 "secondary": [{"route": "us-west-2"}]}]}]},
            unknown={"event_bus": [{"event_bus_arn": True}, {"event_bus_arn": True}]},
            refs={"event_bus": [{"event_bus_arn": ["aws_cloudwatch_event_bus.primary.arn",
                                                   "aws_cloudwatch_event_bus.primary"]},
                                {"event_bus_arn": bus_arn}]}),
    ]  # fmt: skip
    document = plan(resources, providers={"aws.secondary": "var.secondary_region"})
    document["variables"] = {"secondary_region": {"value": "us-west-2"}}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document))
    graph = load_graph(str(path))
    assert {(b.id, b.region) for b in graph.buses} == {
        ("plan-us-east-1/aws_cloudwatch_event_bus.primary", "us-east-1"),
        ("plan-us-west-2/aws_cloudwatch_event_bus.secondary", "us-west-2")}  # fmt: skip
    (queue,) = graph.queues
    assert queue.region == "us-west-2"
    (endpoint,) = graph.endpoints
    assert [graph.get(b).region for b in endpoint.event_buses] == ["us-east-1", "us-west-2"]


def test_a_reference_to_a_resource_elsewhere_without_a_name_is_a_parameter():
    """A queue whose name the provider generates has no ARN before apply: a rule in another
    Region targeting it gets a parameter without a value, named for what it stands for."""
    template = {"Resources": {
        "q": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "r": {"Type": "AWS::Events::Rule", "Properties": {
            "Targets": [{"Id": "t", "Arn": {"Fn::GetAtt": ["q", "Arn"]}}]}},
    }}  # fmt: skip
    (west, west_t, _), (east, east_t, _) = split_by_region(
        "app", template, {"q": "us-west-2", "r": "us-east-1"}, "us-west-2"
    )
    assert (west, east) == ("app-us-west-2", "app-us-east-1")
    arn = east_t["Resources"]["r"]["Properties"]["Targets"][0]["Arn"]
    (parameter,) = east_t["Parameters"]
    assert arn == {"Ref": parameter} and "q.Arn (in us-west-2" in (
        east_t["Parameters"][parameter]["Description"])  # fmt: skip
    assert "Parameters" not in west_t


def test_one_region_keeps_one_stack_named_as_before():
    template = {"Resources": {"b": {"Type": "AWS::Events::EventBus", "Properties": {}}}}
    assert split_by_region("app", template, {"b": None}, "eu-west-1") == [
        ("app", template, "eu-west-1")
    ]


def test_references_across_regions_link_to_the_resources_there():
    """A rule in us-east-1 targeting a bus, a queue and a topic in us-west-2 (ARNs by
    ``Fn::GetAtt``, and a topic's ``Ref``, which is its ARN): each target links to the node in
    us-west-2's stack."""
    template = {"Resources": {
        "bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "west_bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "work"}},
        "topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
        "rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "bus"}, "EventPattern": {"source": ["acme"]},
            "Targets": [{"Id": "b", "Arn": {"Fn::GetAtt": ["west_bus", "Arn"]},
                         "RoleArn": "arn:aws:iam::123456789012:role/forward"},
                        {"Id": "q", "Arn": {"Fn::GetAtt": ["queue", "Arn"]}},
                        {"Id": "t", "Arn": {"Ref": "topic"}}]}},
    }}  # fmt: skip
    regions = {"bus": "us-east-1", "rule": "us-east-1", "west_bus": "us-west-2",
               "queue": "us-west-2", "topic": "us-west-2"}  # fmt: skip
    split = split_by_region("app", template, regions, "us-east-1")
    graph = load_graph([StackSource(name, part, region, None) for name, part, region in split])
    (rule,) = graph.rules
    assert [t.resource for t in rule.targets] == [
        "app-us-west-2/west_bus", "app-us-west-2/queue", "app-us-west-2/topic"]  # fmt: skip
    assert {graph.get(t.resource).region for t in rule.targets[:2]} == {"us-west-2"}


def test_a_provider_not_configured_is_named_in_a_warning(tmp_path):
    """Terraform refuses a resource whose provider is not configured; read offline, it is
    placed in the default Region and the warning says so."""
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_sqs_queue" "q" {\n  provider = aws.nothere\n  name = "q"\n}\n'
    )
    graph = load_graph(str(tmp_path))
    (queue,) = graph.queues
    assert queue.region == "eu-west-1"
    assert any("provider aws.nothere is not configured" in w.message for w in graph.warnings)
