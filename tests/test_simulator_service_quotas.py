"""Targets whose API has a quota refuse what exceeds it; EventBridge retries the refusals.

References: a textbook non-delaying GCRA written here (conformance test on the theoretical
arrival time) compared decision by decision; counts bounded by rate x time + burst."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from bridgetwin.simulator.aws.service_quotas import RejectingBucket
from tests._templates import EVENT, PATTERN


def test_the_rejecting_bucket_is_a_gcra_without_delay():
    rng = np.random.default_rng(5)
    times = np.cumsum(rng.exponential(1 / 40, 5000))  # 40/s offered to 25/s with a burst of 10
    bucket = RejectingBucket(25, 10)
    tat, tau, increment = 0.0, 9 / 25, 1 / 25
    for at in times.tolist():
        conforms = tat <= at + tau  # the textbook test: TAT - tau <= arrival
        if conforms:
            tat = max(at, tat) + increment
        assert bucket.take(at) is conforms


def sink_template(resource: dict, arn: str, *, rules: int = 1, region: str | None = None) -> dict:
    resources = {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Sink": resource,
    }
    for number in range(rules):
        resources[f"Rule{number}"] = {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN,
            "Targets": [{"Id": "T", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 3}}]}}  # fmt: skip
    return {"Resources": resources}


def run(template: dict, rate: float, duration: str = "1m", **target):
    spec = {"duration": duration, "seed": 1, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": rate, "arrival": "constant",
                         "events": [{"event": EVENT}]}],
            "targets": [{"match": "*", "latency": 0, **target}]}  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec))


FIFO = {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True, "QueueName": "o.fifo"}}
FIFO_ARN = {"Fn::GetAtt": ["Sink", "Arn"]}


def test_two_rules_share_a_fifo_queues_300_per_second():
    """200 events/s, each to two rules targeting one FIFO queue: 400 sends/s for a minute.
    One lane serves both; at most 300/s (plus the 300-token burst) succeed; the rest are refused
    with THROTTLING, retried, and dropped after 3 retries (the rules have no DLQ)."""
    template = sink_template(FIFO, FIFO_ARN, rules=2)
    sim = Simulation(load_graph(template), load_scenario({"duration": "1m", "traffic": [
        {"bus": "orders", "rate": 200, "arrival": "constant", "events": [{"event": EVENT}]}]}))  # fmt: skip
    assert len([lane for lane in sim.model.lanes if len(lane.targets) == 2]) == 1
    result = run(template, 200)
    delivered = sum(result.target(f"Rule{n}").counts["delivered"] for n in range(2))
    assert delivered <= 300 * 60 + 300
    assert delivered > 0.9 * 300 * 60
    assert all(result.target(f"Rule{n}").dropped_by_error_code.get("THROTTLING", 0) > 0
               for n in range(2))  # fmt: skip
    assert any(a.startswith("Sink (sqs): SQS FIFO: 300 messages/s") for a in result.assumptions)


def test_kinesis_shards_set_the_rate_and_a_scenario_quota_replaces_it():
    stream = {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}}
    arn = {"Fn::GetAtt": ["Sink", "Arn"]}
    calm = run(sink_template(stream, arn), 1500).target("Rule0")
    assert calm.counts["retries"] == 0 and calm.counts["delivered"] == calm.counts["ingested"]
    busy = run(sink_template(stream, arn), 3000).target("Rule0")
    assert busy.counts["retries"] > 0
    assert busy.counts["delivered"] <= 2000 * 60 + 2000
    lifted = run(sink_template(stream, arn), 3000, quota=5000).target("Rule0")
    assert lifted.counts["retries"] == 0


@pytest.mark.parametrize(("region", "burst", "refill"), [("us-east-1", 1300, 300),
                                                         ("eu-central-1", 800, 150)])  # fmt: skip
def test_step_functions_start_execution_bucket(region, burst, refill):
    """1,000 executions/s for 10 s: the bucket's burst, then its refill rate, succeed at first
    attempt; the rest are refused (and retried)."""
    machine = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"DefinitionString": "{}"}}
    template = sink_template(machine, {"Ref": "Sink"})
    template["Resources"]["Rule0"]["Properties"]["Targets"][0]["Arn"] = {"Ref": "Sink"}
    result = simulate(load_graph(template, {"AWS::Region": region}), load_scenario({
        "duration": "10s", "seed": 1, "eventbridge": {"processing_latency": 0},
        "traffic": [{"bus": "orders", "rate": 1000, "arrival": "constant",
                     "events": [{"event": EVENT}]}],
        "targets": [{"match": "*", "latency": 0}]}))  # fmt: skip
    first_attempts = (
        result.target("Rule0").counts["attempts"] - result.target("Rule0").counts["retries"]
    )
    delivered = result.target("Rule0").counts["delivered"]
    assert first_attempts == 10_000
    assert delivered <= burst + refill * 10
    assert delivered >= burst + refill * 9


def test_an_sns_target_says_its_account_quota_is_not_applied():
    """SNS's Publish quota belongs to the account in a Region (every publisher shares it): the
    twin applies none unless the scenario gives the target its share, and says which."""
    topic = {"Type": "AWS::SNS::Topic", "Properties": {}}
    arn = {"Ref": "Sink"}
    unbounded = run(sink_template(topic, arn), 50)
    assert unbounded.target("Rule0").counts["delivered"] == 50 * 60
    (said,) = [a for a in unbounded.assumptions if "no API quota applied" in a]
    assert said.startswith("Rule0/T (sns): no API quota applied; SNS's Publish quota is per")
    shared = run(sink_template(topic, arn), 50, quota=20)
    assert not [a for a in shared.assumptions if "no API quota applied" in a]
    assert shared.target("Rule0").counts["retries"] > 0  # 50/s against a 20/s share
