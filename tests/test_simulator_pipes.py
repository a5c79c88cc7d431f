"""EventBridge Pipes from a queue that rules feed: filter, batches, and a shared rate limit.

References: a textbook GCRA (virtual scheduling) recomputed in the test from the times requests
reached the shared destination; the arithmetic of batch windows on a small timeline; the
pattern language's own verdict on each record."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from bridgetwin.simulator.aws.gates import TokenBucket
from bridgetwin.simulator.engine.pipes import batch_releases
from tests._templates import PATTERN, webhook_template

SMALL = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 50}}
LARGE = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 500}}


def piped_template(*, pipe_target: dict | None = None, pipe: dict | None = None) -> dict:
    """The webhook rule (to API destination ``Dest``, 10/s) and a second rule delivering the same
    events to ``Queue``, which pipe ``Pipe`` polls into ``Dest`` as well."""
    template = webhook_template(rate=10)
    resources = template["Resources"]
    resources["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    resources["ToQueue"] = {"Type": "AWS::Events::Rule", "Properties": {
        "EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN,
        "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Queue", "Arn"]}}]}}  # fmt: skip
    resources["Pipe"] = {"Type": "AWS::Pipes::Pipe", "Properties": {
        "RoleArn": "arn:aws:iam::123456789012:role/pipe",
        "Source": {"Fn::GetAtt": ["Queue", "Arn"]},
        "Target": pipe_target or {"Fn::GetAtt": ["Dest", "Arn"]},
        **(pipe or {})}}  # fmt: skip
    return template


def spec(duration: str = "2m", events=(SMALL,), rate: float = 15) -> dict:
    return {
        "duration": duration, "seed": 3, "eventbridge": {"processing_latency": 0},
        "traffic": [{"bus": "orders", "rate": rate, "events": [{"event": e} for e in events]}],
        "endpoints": [{"match": "*", "latency": "50ms"}],
        "targets": [{"match": "*", "latency": "10ms"}],
    }  # fmt: skip


def test_a_pipe_and_a_rule_share_the_destinations_rate_limit():
    """15 events/s reach Dest twice (the rule, and the pipe via the queue): 30/s through 10/s.
    Every start is the one a token bucket of rate 10 and burst 10 grants, in the order the
    requests took the gate (recomputed here), and both owners' requests are among them."""
    sim = Simulation(load_graph(piped_template()), load_scenario(spec()))
    (lane,) = [lane for lane in sim.lanes if isinstance(lane.gate, TokenBucket)]
    assert {t.rule_id for t in lane.targets} == {"Rule", "Pipe"}
    lane.trace = []
    result = sim.run()
    rate, tolerance, tat = 10.0, (10 - 1) / 10.0, -np.inf
    for ready, start, _ in lane.trace:
        granted = max(ready, tat - tolerance)
        assert start == pytest.approx(granted, abs=1e-6)
        tat = max(ready, tat) + 1 / rate
    rule, pipe = result.target("Rule"), result.target("Pipe")
    assert rule.counts["ingested"] > 1500 and pipe.counts["ingested"] > 1500
    assert rule.counts["attempts"] + pipe.counts["attempts"] <= 10 + 10 * 120


def test_the_filter_decides_per_record_on_the_message_body():
    filters = {"FilterCriteria": {"Filters": [
        {"Pattern": '{"body": {"detail": {"amount": [{"numeric": [">", 100]}]}}}'}]}}  # fmt: skip
    result = simulate(load_graph(piped_template(pipe=filters)),
                      load_scenario(spec(events=(SMALL, LARGE))))  # fmt: skip
    (pipe,) = result.pipes
    delivered_to_queue = result.target("ToQueue").counts["delivered"]
    assert pipe["received"] == delivered_to_queue
    assert result.target("Pipe").counts["ingested"] == pipe["received"] - pipe["filtered_out"]
    assert 0.4 < pipe["filtered_out"] / pipe["received"] < 0.6  # the small half


def test_batches_leave_when_full_or_when_their_window_ends():
    """Size 3, window 2 s; records at 0, 0.5, 1 (full at 1), 1.5 (window ends at 3.5), 4, 7."""
    times = np.array([0.0, 0.5, 1.0, 1.5, 4.0, 7.0])
    assert batch_releases(times, 3, 2.0).tolist() == [1.0, 1.0, 1.0, 3.5, 6.0, 9.0]
    assert batch_releases(times, 1, 0.0).tolist() == times.tolist()


def test_a_pipe_into_a_bus_feeds_that_bus_rules():
    template = piped_template(pipe_target={"Fn::GetAtt": ["Other", "Arn"]})
    resources = template["Resources"]
    resources["Other"] = {"Type": "AWS::Events::EventBus", "Properties": {"Name": "other"}}
    resources["Audit"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    resources["FromPipe"] = {"Type": "AWS::Events::Rule", "Properties": {
        "EventBusName": {"Ref": "Other"}, "EventPattern": {"source": [{"prefix": "Pipe "}]},
        "Targets": [{"Id": "A", "Arn": {"Fn::GetAtt": ["Audit", "Arn"]}}]}}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec("1m", rate=5)))
    piped = result.target("Pipe").counts["delivered"]
    assert piped > 0 and result.target("FromPipe").counts["ingested"] == piped


def test_pipes_the_twin_cannot_follow_say_so():
    template = piped_template(pipe={"Enrichment": "arn:aws:lambda:us-east-1:1:function:enrich"})
    template["Resources"]["ToQueue"]["Properties"]["State"] = "DISABLED"
    warnings = {w["code"]: w["message"] for w in
                simulate(load_graph(template), load_scenario(spec("1m"))).warnings}  # fmt: skip
    assert warnings["pipe-not-simulated"].startswith("Pipe: nothing in the loaded stacks delivers")
    assert warnings["pipe-enrichment-not-simulated"].startswith(
        "Pipe: its enrichment arn:aws:lambda"
    )
