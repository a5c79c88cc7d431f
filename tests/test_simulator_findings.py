"""Nothing silent: what the twin cannot model, or had to assume, is in the result.

Each warning is checked on a template that has the thing and on one that does not (a warning that
always fires would say nothing); assumptions are checked against the values the scenario leaves at
their defaults, and disappear when the scenario states them.
"""

from __future__ import annotations

import copy

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, Simulation, load_scenario
from tests._templates import EVENT, scenario, webhook_graph, webhook_template, write_assembly


def codes(result) -> list[str]:
    return [w["code"] for w in result.warnings]


def run(template_or_graph, **spec):
    graph = template_or_graph
    if isinstance(graph, dict):
        graph = load_graph(graph)
    return Simulation(graph, load_scenario(scenario("2m", **spec))).run()


def test_traffic_that_matches_no_rule_is_a_warning():
    other = {"source": "acme.payments", "detail-type": "PaymentAccepted"}
    result = run(webhook_graph(), traffic=[
        {"bus": "orders", "rate": 1, "events": [{"event": EVENT}, {"event": other}]}])  # fmt: skip
    (warning,) = result.warnings
    assert warning == {
        "code": "unmatched-traffic",
        "message": "traffic.0.events.1 (source 'acme.payments', detail-type 'PaymentAccepted') "
        "matches no rule on bus orders in us-east-1: EventBridge accepts these events and "
        "delivers them nowhere",
    }
    assert codes(run(webhook_graph())) == []


def test_a_pattern_holding_a_deploy_time_value_is_a_warning():
    template = webhook_template()
    rule = template["Resources"]["Rule"]["Properties"]
    rule["EventPattern"] = {"source": ["acme.orders"],
                            "resources": [{"Fn::GetAtt": ["Dest", "Arn"]}]}  # fmt: skip
    result = run(template)
    messages = [w["message"] for w in result.warnings if w["code"] == "unresolved-token"]
    assert messages == [
        "Rule: its pattern still holds ${Dest.Arn}, a value only known at deploy time; the twin "
        "matches it as literal text, so events that match in AWS may not match here (set the "
        "value with --param)"
    ]


def test_targets_the_twin_does_not_follow_are_warnings():
    template = webhook_template()
    resources = template["Resources"]
    resources["Fn"] = {"Type": "AWS::Lambda::Function", "Properties": {}}
    elsewhere = "arn:aws:events:us-east-1:999999999999:event-bus/audit"
    resources["Rule"]["Properties"]["Targets"] += [
        {"Id": "Audit", "Arn": elsewhere},
        {"Id": "Fn", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}},
    ]
    warnings = {w["code"]: w["message"] for w in run(template).warnings}
    assert warnings["bus-target-not-followed"] == (
        f"Rule/Audit: event bus {elsewhere} is not in the loaded templates; events sent there "
        "count as delivered once the PutEvents into it succeeds, and its rules do not run in "
        "this simulation (load its stack too)"
    )
    assert set(warnings) == {"bus-target-not-followed"}  # Lambda's async queue is modeled


def test_resources_that_move_events_are_listed_by_type_and_count():
    template = webhook_template()
    for name in ("MappingA", "MappingB"):
        template["Resources"][name] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {}}
    template["Resources"]["Role"] = {"Type": "AWS::IAM::Role", "Properties": {}}
    warnings = {w["code"]: w["message"] for w in run(template).warnings}
    assert warnings["not-simulated"] == (
        "2 x AWS::Lambda::EventSourceMapping (polls a queue or stream) not simulated: the "
        "events it puts or moves are missing from this prediction")  # fmt: skip
    assert warnings["not-modeled-resources"] == (
        "not modeled (they neither put nor route events): AWS::IAM::Role x 1")  # fmt: skip


def test_an_slo_whose_glob_matches_nothing_fails_and_says_why():
    result = run(webhook_graph(), slo=[{"target": "Nope/*", "metric": "counts.dlq", "max": 0}])
    assert not result.slo_passed
    (slo,) = result.slo
    assert (slo.target, slo.passed, slo.note) == ("Nope/*", False, "matches no target")
    assert result.warnings[0]["message"] == (
        "slo.0: target 'Nope/*' matches no rule/target, so it judges nothing and fails; "
        "known: Rule/Api")  # fmt: skip


@pytest.fixture
def two_region_graph(tmp_path):
    """The same bus name, 'orders', in us-east-1 and eu-west-1."""
    east, west = webhook_template(), webhook_template()
    return load_graph(write_assembly(tmp_path, {"East": ("us-east-1", east),
                                                "West": ("eu-west-1", west)}))  # fmt: skip


def test_a_bus_name_in_several_regions_needs_the_region(two_region_graph):
    with pytest.raises(ScenarioError) as info:
        Simulation(two_region_graph, load_scenario(scenario("1m")))
    assert str(info.value) == (
        "traffic.0.bus: 'orders' names a bus in several places (us-east-1: East/Bus, eu-west-1: "
        "West/Bus); add traffic.0.region or use the logical id")  # fmt: skip
    spec = scenario("1m")
    spec["traffic"][0]["region"] = "eu-west-1"
    result = Simulation(two_region_graph, load_scenario(spec)).run()
    ingested = {t.rule: t.counts["ingested"] for t in result.targets}
    assert ingested["East/Rule"] == 0 and ingested["West/Rule"] > 0


def test_every_default_the_run_relied_on_is_an_assumption():
    """The defaults, spelled from the scenario model's own values (an independent source)."""
    spec = scenario("2m")
    del spec["eventbridge"]
    spec["endpoints"] = []
    result = Simulation(webhook_graph(rate=7), load_scenario(spec)).run()
    assert result.assumptions == (
        "retry backoff: full jitter, base 1 s, factor 2, cap 980 s (AWS publishes no numbers, "
        "UNCONFIRMED; eventbridge.retry_backoff)",
        "us-east-1: 20 ms from ingestion to first invocation when nothing queues (AWS "
        "publishes none; eventbridge.processing_latency)",
        "us-east-1: PutEvents quota 10,000 requests/s and invocation quota 18,750/s, AWS's "
        "defaults (set eventbridge.put_events_quota / invocation_quota if your account's were "
        "raised)",
        "Dest: no scenario endpoint matches https://api.example.com/hook; assumed 50ms latency, "
        "200 for every request and unlimited capacity",
        "Dest: token-bucket burst of 7 (one second of its rate limit; AWS publishes no burst: "
        "api_destinations[].burst)",
    )


def test_stated_values_are_not_assumptions():
    spec = copy.deepcopy(scenario("2m"))
    spec["eventbridge"].update(
        retry_backoff={"base": "2s"}, put_events_quota=500, invocation_quota=900
    )
    spec["api_destinations"] = [{"match": "*", "burst": 3}]
    spec["endpoints"][0]["capacity"] = {"concurrency": 100}
    result = Simulation(webhook_graph(), load_scenario(spec)).run()
    assert result.assumptions == ()


def test_a_target_without_scenario_settings_is_an_assumption():
    template = webhook_template()
    template["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    template["Resources"]["Rule"]["Properties"]["Targets"].append(
        {"Id": "Q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}})  # fmt: skip
    result = run(template)
    assert ("Rule/Q (sqs): no scenario target matches it; assumed 20 ms per invocation, no "
            "failures and unlimited concurrency") in result.assumptions  # fmt: skip


def test_dlq_messages_carry_resolved_arns():
    """RULE_ARN and TARGET_ARN as AWS writes them, never a raw ${...} placeholder."""
    template = webhook_template(retries=0)
    template["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q"}}
    template["Resources"]["Rule"]["Properties"]["Targets"].append(
        {"Id": "Q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}, "RetryPolicy": {"MaximumRetryAttempts": 0},
         "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}}})  # fmt: skip
    result = run(template, endpoints=[{"match": "*", "latency": 0, "responses": {500: 1}}],
                 targets=[{"match": "Queue", "failure_rate": 1}])  # fmt: skip
    attributes = {t.target: t.dlq["samples"][0] for t in result.targets}
    prefix = "arn:aws:events:us-east-1:123456789012"
    assert attributes["Api"]["RULE_ARN"] == f"{prefix}:rule/orders/to-webhook"
    assert attributes["Api"]["TARGET_ARN"] == f"{prefix}:api-destination/Dest"
    assert attributes["Q"]["TARGET_ARN"] == "arn:aws:sqs:us-east-1:123456789012:q"


def test_events_that_never_started_are_counted_not_silently_dropped_from_percentiles():
    """20 events/s, evenly spaced, into a 5/s destination for 60 s: 300 starts happen (plus the
    one-token burst), the other events wait. The arithmetic of the backlog gives how many had
    not started at the end and the age of the oldest one, exactly."""
    spec = scenario("1m", rate=20, api_destinations=[{"match": "*", "burst": 1}])
    spec["traffic"][0]["arrival"] = "constant"
    result = Simulation(webhook_graph(rate=5), load_scenario(spec)).run()
    (target,) = result.targets
    start = target.latency_ms["start"]
    ingested = target.counts["ingested"]
    # starts at 0, 0.2, ..., the last one at or before 60 s: 301 of them
    started = 301
    assert target.counts["attempts"] == started
    assert start["not_started"] == ingested - started
    # the oldest waiting event is the 302nd to arrive, at 301 / 20 s
    assert start["oldest_not_started_age_ms"] == pytest.approx((60 - 301 / 20) * 1e3)
