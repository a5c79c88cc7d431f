"""Alarms and global endpoints follow CloudWatch and Route 53, with no special cases.

Each expectation is the arithmetic of the chain, computed here: an alarm of ``n`` periods of
``p`` seconds judges at multiples of ``p``; Route 53 follows after the propagation delay; producers
move at their next DNS refresh (multiples of the TTL); their first call after that is when traffic
actually arrives.
"""

from __future__ import annotations

import math

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario
from tests._templates import write_assembly

ACCOUNT = "111111111111"
PAYMENT = {"source": "acme.payments", "detail-type": "PaymentAccepted", "detail": {"amount": 1}}
PROPAGATION, TTL = 30.0, 60.0


def _bus_arn(region: str) -> str:
    return f"arn:aws:events:{region}:{ACCOUNT}:event-bus/payments"


def _consumer(region: str) -> dict:
    return {
        "Ledger": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "ToLedger": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": {"source": ["acme.payments"]},
            "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Ledger", "Arn"]}}]}},
    }  # fmt: skip


def global_endpoint(tmp_path, *, primary_rules: bool, replication: bool = True):
    """payments in us-east-1 (primary) and us-west-2 behind an endpoint with AWS's alarm."""
    primary = {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "payments"}},
        "Latency": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "AWS/Events", "MetricName": "IngestionToInvocationStartLatency",
            "Statistic": "Average", "Period": 60, "EvaluationPeriods": 5, "Threshold": 30000,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "breaching"}},
        "Check": {"Type": "AWS::Route53::HealthCheck", "Properties": {"HealthCheckConfig": {
            "Type": "CLOUDWATCH_METRIC", "InsufficientDataHealthStatus": "Unhealthy",
            "AlarmIdentifier": {"Name": {"Ref": "Latency"}, "Region": "us-east-1"}}}},
        "Endpoint": {"Type": "AWS::Events::Endpoint", "Properties": {
            "Name": "payments-endpoint",
            "EventBuses": [{"EventBusArn": _bus_arn("us-east-1")},
                           {"EventBusArn": _bus_arn("us-west-2")}],
            "RoutingConfig": {"FailoverConfig": {
                "Primary": {"HealthCheck": {"Fn::Join": ["", [
                    "arn:aws:route53:::healthcheck/", {"Ref": "Check"}]]}},
                "Secondary": {"Route": "us-west-2"}}},
            "ReplicationConfig": {"State": "ENABLED" if replication else "DISABLED"},
            **({"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/replication"} if replication else {})}},
    }  # fmt: skip
    if primary_rules:
        primary.update(_consumer("us-east-1"))
    secondary = {"Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "payments"}},
                 **_consumer("us-west-2")}  # fmt: skip
    return load_graph(write_assembly(tmp_path, {
        "Primary": ("us-east-1", {"Resources": primary}),
        "Secondary": ("us-west-2", {"Resources": secondary})}))  # fmt: skip


def run(graph, duration="1h", disruptions=(), extra_traffic=()):
    spec = {
        "duration": duration, "seed": 5,
        "traffic": [{"bus": "payments", "via_endpoint": True, "rate": 10, "arrival": "constant",
                     "events": [{"event": PAYMENT}]}, *extra_traffic],
    }  # fmt: skip
    if disruptions:
        spec["regions"] = {"us-east-1": {"disruptions": list(disruptions)}}
    return Simulation(graph, load_scenario(spec)).run()


def test_an_alarm_whose_metric_never_gets_data_fails_over_falsely_and_stays(tmp_path):
    """No rule in the primary Region: its latency metric never has data, missing data is
    breaching, so the alarm fires at its first full window, and the endpoint fails over with
    no disruption at all and never comes back (the metric stays silent)."""
    result = run(global_endpoint(tmp_path, primary_rules=False), duration="30m")
    (summary,) = result.failover
    alarm_at = 5 * 60.0
    switch = math.ceil((alarm_at + PROPAGATION) / TTL) * TTL
    assert [a["at_s"] for a in result.alarms if a["state"] == "ALARM"] == [alarm_at]
    assert summary["false_failover"] == {
        "at_s": switch,
        "cause": "no IngestionToInvocationStartLatency data in us-east-1 for 5 periods of 60 s; "
        "TreatMissingData breaching",
    }
    assert summary["switched_at_s"] == switch
    assert summary["rto_s"] is None  # not a negative RTO: there was no disruption
    assert summary["failback_at_s"] is None
    assert summary["manual_reset_required"] is True


def test_disruption_mid_minute_fails_over_inside_aws_band_with_rpo_from_the_copies(tmp_path):
    """A 45 s ingestion-latency disruption from 10.5 min: the RTO lands in AWS's band, and the
    RPO is the span of events accepted in the primary whose copies had not left it when traffic
    moved: replication runs in the disrupted Region, so copies are 45 s (+ 1 s lag) late."""
    graph = global_endpoint(tmp_path, primary_rules=True)
    result = run(graph, disruptions=[{"start": 630, "end": 1800, "ingestion_latency": "45s"}])
    (summary,) = result.failover
    assert summary["false_failover"] is None
    assert 300 <= summary["rto_s"] <= 420
    switched = summary["switched_at_s"]
    assert switched == math.ceil((summary["unhealthy_at_s"]) / TTL) * TTL
    assert summary["rpo_s"] == pytest.approx(45 + 1, abs=0.1 + 1e-9)
    # at risk: the calls (10/s, evenly spaced) accepted in the last RPO seconds before the switch
    assert summary["events_at_risk"] == pytest.approx(summary["rpo_s"] * 10, abs=1)


def test_a_stalled_region_replicates_nothing_so_the_rpo_lands_in_aws_band(tmp_path):
    """AWS's RPO of about 360 s (at most 420 s) is what a Region that stops processing costs:
    its replication rules stall too, so every event it accepted since the disruption is still
    there when traffic moves. Here events wait 15 minutes; the disruption starts mid-minute."""
    graph = global_endpoint(tmp_path, primary_rules=True)
    result = run(graph, disruptions=[{"start": 630, "end": 2400, "ingestion_latency": "15m"}])
    (summary,) = result.failover
    assert 300 <= summary["rto_s"] <= 420
    assert 300 <= summary["rpo_s"] <= 420
    assert summary["rpo_s"] == pytest.approx(summary["switched_at_s"] - 630, abs=0.1 + 1e-9)
    assert summary["events_at_risk"] == pytest.approx(summary["rpo_s"] * 10, abs=1)


def test_without_replication_the_rpo_is_everything_since_the_disruption(tmp_path):
    graph = global_endpoint(tmp_path, primary_rules=True, replication=False)
    result = run(graph, disruptions=[{"start": 630, "end": 1800, "ingestion_latency": "45s"}])
    (summary,) = result.failover
    assert 300 <= summary["rpo_s"] <= 420
    assert summary["rpo_s"] == pytest.approx(summary["switched_at_s"] - 630, abs=0.1 + 1e-9)
    assert summary["events_at_risk"] == pytest.approx(summary["rpo_s"] * 10, abs=1)
    assert summary["manual_reset_required"] is True


def test_without_replication_other_traffic_keeps_the_metric_alive_and_traffic_returns(tmp_path):
    """Replication off, but producers also put events on the primary bus directly: the alarm
    sees the recovery, the check turns healthy, and producers return at their next DNS refresh
    (their first call there is the failback)."""
    graph = global_endpoint(tmp_path, primary_rules=True, replication=False)
    direct = {"bus": "payments", "region": "us-east-1", "rate": 2, "arrival": "constant",
              "events": [{"event": PAYMENT}]}  # fmt: skip
    result = run(graph, disruptions=[{"start": 600, "end": 1500, "ingestion_latency": "45s"}],
                 extra_traffic=[direct])  # fmt: skip
    (summary,) = result.failover
    ok_at = min(a["at_s"] for a in result.alarms if a["state"] == "OK" and a["at_s"] > 1500)
    resolve_back = math.ceil((ok_at + PROPAGATION) / TTL) * TTL
    assert summary["failback_at_s"] == pytest.approx(resolve_back, abs=0.1 + 1e-9)
    assert summary["manual_reset_required"] is False


def test_put_events_metrics_feed_account_level_alarms(tmp_path):
    """PutEventsApproximateCallCount has no dimensions and counts every call in the Region:
    5 calls/s is 300 a minute, above a threshold of 100 from the first period on."""
    template = {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Calls": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "Namespace": "AWS/Events", "MetricName": "PutEventsApproximateCallCount",
            "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1, "Threshold": 100,
            "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}},
    }}  # fmt: skip
    spec = {"duration": "5m", "traffic": [{"bus": "orders", "rate": 5, "arrival": "constant",
                                           "events": [{"event": PAYMENT}]}]}  # fmt: skip
    result = Simulation(load_graph(template), load_scenario(spec)).run()
    assert [(a["state"], a["at_s"]) for a in result.alarms] == [("ALARM", 60.0)]
    quiet = {**spec, "traffic": [{**spec["traffic"][0], "rate": 1}]}  # 60 a minute: below
    result = Simulation(load_graph(template), load_scenario(quiet)).run()
    assert [(a["state"], a["at_s"]) for a in result.alarms] == [("OK", 60.0)]


class _Alarm:
    """Just the transitions a health check reads."""

    def __init__(self, *changes: tuple[str, float]) -> None:
        from bridgetwin.simulator.aws.metrics import Transition

        self.transitions = [Transition("A", state, at) for state, at in changes]


CHANGES = (
    ("INSUFFICIENT_DATA", 60.0),
    ("ALARM", 300.0),
    ("OK", 600.0),
    ("INSUFFICIENT_DATA", 900.0),
)
TIMES = (0.0, 100.0, 340.0, 640.0, 940.0)


@pytest.mark.parametrize(
    ("status", "inverted", "disabled", "expected"),
    [
        # Route 53: OK -> healthy, ALARM -> unhealthy, INSUFFICIENT_DATA -> the check's setting;
        # a new check counts as healthy; Inverted flips; a disabled check is always healthy
        ("Healthy", False, False, (True, True, False, True, True)),
        ("Unhealthy", False, False, (True, False, False, True, False)),
        ("LastKnownStatus", False, False, (True, True, False, True, True)),
        ("Unhealthy", True, False, (False, True, True, False, True)),
        ("Unhealthy", False, True, (True, True, True, True, True)),
    ],
)
def test_a_cloudwatch_metric_health_check_follows_route53s_rules(
    status, inverted, disabled, expected
):
    from bridgetwin.graph import HealthCheck
    from bridgetwin.simulator.aws.failover import HealthModel

    check = HealthCheck("C", "CLOUDWATCH_METRIC", "A", "a", "us-east-1", status, inverted, disabled)
    model = HealthModel(check, _Alarm(*CHANGES), PROPAGATION)
    assert tuple(model.healthy_at(t) for t in TIMES) == expected


def _region_alarm(metric: str, threshold: float) -> dict:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "Namespace": "AWS/Events", "MetricName": metric, "Statistic": "Sum", "Period": 60,
        "EvaluationPeriods": 1, "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}}  # fmt: skip


def test_entries_invocations_created_and_triggered_rules_feed_alarms():
    """3 calls/s of 2 entries each, one rule with two targets: per minute 360 entries (not 180
    calls), 720 invocations created (two per event), 360 triggered-rule counts (one per event,
    not per call); each threshold sits between the right count and the wrong one."""
    template = {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Q1": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Q2": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": {"source": ["acme.payments"]},
            "Targets": [{"Id": "A", "Arn": {"Fn::GetAtt": ["Q1", "Arn"]}},
                        {"Id": "B", "Arn": {"Fn::GetAtt": ["Q2", "Arn"]}}]}},
        "Entries": _region_alarm("PutEventsEntriesCount", 300),
        "Created": _region_alarm("InvocationsCreated", 600),
        "Triggered": {**_region_alarm("TriggeredRules", 300)},
        "Latency": _region_alarm("PutEventsLatency", 1),
    }}  # fmt: skip
    template["Resources"]["Triggered"]["Properties"]["Dimensions"] = [
        {"Name": "RuleName", "Value": {"Ref": "Rule"}}]  # fmt: skip
    spec = {"duration": "3m", "traffic": [{"bus": "orders", "rate": 6, "batch": 2,
            "arrival": "constant", "events": [{"event": PAYMENT}]}]}  # fmt: skip
    result = Simulation(load_graph(template), load_scenario(spec)).run()
    fired = {a["alarm"]: a["state"] for a in result.alarms if a["at_s"] == 60.0}
    assert fired == {"Entries": "ALARM", "Created": "ALARM", "Triggered": "ALARM", "Latency": "OK"}
    (warning,) = [w for w in result.warnings if w["code"] == "alarm-metric-not-simulated"]
    assert warning["message"].startswith("Latency: PutEventsLatency is not simulated")
