"""EventBridge Pipes from a queue that rules feed: filter, batches, and a shared rate limit.

References: a textbook GCRA (virtual scheduling) recomputed in the test from the times requests
reached the shared destination; the arithmetic of batch windows on a small timeline; the
pattern language's own verdict on each record."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, Simulation, load_scenario, simulate
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
    (lane,) = [lane for lane in sim.model.lanes if isinstance(lane.gate, TokenBucket)]
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
    filters = {"SourceParameters": {"FilterCriteria": {"Filters": [
        {"Pattern": '{"body": {"detail": {"amount": [{"numeric": [">", 100]}]}}}'}]}}}  # fmt: skip
    result = simulate(load_graph(piped_template(pipe=filters)),
                      load_scenario(spec(events=(SMALL, LARGE))))  # fmt: skip
    (pipe,) = result.pipes
    delivered_to_queue = result.target("ToQueue").counts["delivered"]
    assert pipe["received"] == delivered_to_queue
    moved = pipe["received"] - pipe["filtered_out"] - pipe["waiting_at_end"]
    assert result.target("Pipe").counts["ingested"] == moved
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


def sqs_pipe_template(pipe: dict | None = None) -> dict:
    """An SQS queue that application code (not a rule) sends to, and a pipe from it to a
    Lambda function: the common 'queue -> pipe -> target' shape with no bus at all."""
    return {"Resources": {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
        "Worker": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 30}},
        "JobsPipe": {"Type": "AWS::Pipes::Pipe", "Properties": {
            "RoleArn": "arn:aws:iam::123456789012:role/pipe",
            "Source": {"Fn::GetAtt": ["Jobs", "Arn"]},
            "SourceParameters": {"SqsQueueParameters": {
                "BatchSize": 10, "MaximumBatchingWindowInSeconds": 5}},
            "Target": {"Fn::GetAtt": ["Worker", "Arn"]}, **(pipe or {})}},
    }}  # fmt: skip


PAID = {"kind": "paid", "amount": 10}
FREE = {"kind": "free"}


def test_queue_traffic_feeds_a_pipe_that_no_rule_feeds():
    """2 messages/s for 10 min, constant: exactly 1,200 sent. A quarter are 'free' (weights
    1:3) and the filter drops them; the rest reach the function. Batches of 10 fill in 4.5 s
    (before the 5 s window), so a message waits (9 - k) / 2 s for its batch: 2.25 s on
    average from the send (end to end), none from the batch's release (start)."""
    filters = {"SourceParameters": {
        "SqsQueueParameters": {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 5},
        "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"kind": ["paid"]}}'}]}}}  # fmt: skip
    scenario = load_scenario({
        "duration": "10m", "seed": 2, "eventbridge": {"processing_latency": 0},
        "targets": [{"match": "*", "latency": 0}],
        "queue_traffic": [{"queue": "jobs", "rate": 2, "arrival": "constant",
                           "messages": [{"body": PAID, "weight": 3}, {"body": FREE}]}],
    })  # fmt: skip
    unfiltered = simulate(load_graph(sqs_pipe_template()), scenario)
    (pipe,) = unfiltered.pipes
    assert pipe["received"] == 1200 and pipe["filtered_out"] == 0
    target = unfiltered.target("JobsPipe")
    assert target.counts["ingested"] == target.counts["delivered"] == 1200
    assert target.latency_ms["end_to_end_start"]["mean"] == pytest.approx(2250, abs=1)
    assert target.latency_ms["start"]["max"] == pytest.approx(0, abs=1e-6)
    assert not [w for w in unfiltered.warnings if w["code"] == "pipe-not-simulated"]
    filtered = simulate(load_graph(sqs_pipe_template(filters)), scenario)
    (pipe,) = filtered.pipes
    kept = filtered.target("JobsPipe").counts["ingested"]
    assert pipe["received"] == 1200 and kept + pipe["filtered_out"] + pipe["waiting_at_end"] == 1200
    assert abs(pipe["filtered_out"] - 300) < 4 * (1200 * 0.25 * 0.75) ** 0.5  # binomial, 4 sd


def test_queue_traffic_names_a_queue_a_pipe_reads():
    template = sqs_pipe_template()
    template["Resources"]["Other"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    graph = load_graph(template)
    message = [{"body": PAID}]
    for queue, error in (
        ("nope", "queue_traffic.0.queue: 'nope' unknown queue; known: Jobs, Other"),
        ("Other", "no pipe reads queue 'Other' (the twin follows messages only through "
                  "pipes); pipes read: Jobs"),
    ):  # fmt: skip
        with pytest.raises(ScenarioError, match=re.escape(error)):
            simulate(graph, load_scenario({"duration": "1m", "queue_traffic": [
                {"queue": queue, "rate": 1, "messages": message}]}))  # fmt: skip
    silent = simulate(graph, load_scenario({"duration": "1m"}))
    (warning,) = [w for w in silent.warnings if w["code"] == "pipe-not-simulated"]
    assert "queue_traffic sends to" in warning["message"]


@pytest.mark.parametrize("invocation", ["REQUEST_RESPONSE", "FIRE_AND_FORGET"])
def test_a_pipe_waits_for_a_lambda_target_unless_fire_and_forget(invocation):
    """1 message/s, one at a time (batch 1), to a function that runs 2 s with concurrency 1.
    Synchronous (the default): the pipe's attempt lasts the run, so it completes 1 per 2 s:
    about 300 of 600 in ten minutes. Fire and forget: the pipe is done when Lambda accepts,
    all 600 are handed over, and Lambda's own queue holds the rest."""
    pipe = {"SourceParameters": {"SqsQueueParameters": {"BatchSize": 1}},
            "TargetParameters": {"LambdaFunctionParameters": {"InvocationType": invocation}}}  # fmt: skip
    template = sqs_pipe_template(pipe)
    template["Resources"]["Worker"]["Properties"]["ReservedConcurrentExecutions"] = 1
    waits = invocation == "REQUEST_RESPONSE"  # targets[]: the pipe's attempt (run, or accept)
    result = simulate(load_graph(template), load_scenario({
        "duration": "10m", "eventbridge": {"processing_latency": 0},
        "targets": [{"match": "Worker", "latency": "2s" if waits else 0, "concurrency": 1}],
        "functions": [{"match": "Worker", "duration": "2s"}],
        "queue_traffic": [{"queue": "Jobs", "rate": 1, "arrival": "constant",
                           "messages": [{"body": PAID}]}],
    }))  # fmt: skip
    delivered = result.target("JobsPipe").counts["delivered"]
    if waits:
        assert delivered == pytest.approx(300, abs=2) and not result.functions
        assert any("invokes Worker synchronously" in a for a in result.assumptions)
    else:
        assert delivered == 600
        (fn,) = result.functions
        assert fn["counts"]["received"] == 600 and fn["counts"]["succeeded"] == pytest.approx(
            300, abs=2
        )


def test_the_pipes_example_runs_as_the_readme_says():
    """examples/pipes: 8 jobs/s for an hour (Poisson), a quarter free and filtered out, the
    paid ones through a 10/s partner with a 10-minute outage: nothing lost, every record
    accounted for, and the text report names the pipe."""
    from pathlib import Path

    from typer.testing import CliRunner

    from bridgetwin.cli import app

    root = Path(__file__).parent.parent / "examples" / "pipes"
    out = CliRunner().invoke(app, ["simulate", str(root / "template.yaml"), "--scenario",
                                   str(root / "scenario.yaml"), "--format", "json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    result = json.loads(out.output)
    (pipe,) = result["pipes"]
    (target,) = result["targets"]
    assert abs(pipe["received"] - 28_800) < 4 * 28_800**0.5  # Poisson count, 4 sd
    assert target["counts"]["ingested"] == (
        pipe["received"] - pipe["filtered_out"] - pipe["waiting_at_end"]
    )  # every record accounted for: the last batch may still be forming when the run ends
    counts = target["counts"]
    assert (
        counts["delivered"] + counts["dlq"] + counts["dropped"] + counts["in_flight"]
        == counts["ingested"]
    )
    assert counts["dlq"] == 0 and counts["retries"] > 0 and all(s["passed"] for s in result["slo"])
    text = CliRunner().invoke(app, ["simulate", str(root / "template.yaml"), "--scenario",
                                    str(root / "scenario.yaml")])  # fmt: skip
    assert "Pipe PaidJobs: " in text.output and "the rest to PartnerJobs" in text.output


@pytest.mark.parametrize("redrive", [True, False], ids=["redrive-policy", "retention-only"])
def test_a_failing_target_sends_records_back_to_their_queue(redrive):
    """The target always fails. A record returns to its queue and is received again after the
    visibility timeout (45 s): with maxReceiveCount 3 it is tried 3 times, at 0, 45 and 90 s,
    then SQS moves it to the redrive DLQ; without a redrive policy it is tried until the
    retention period (120 s) would pass: at 0, 45 and 90 s (135 s is too late), then deleted."""
    template = sqs_pipe_template({"SourceParameters": {"SqsQueueParameters": {"BatchSize": 1}}})
    jobs = template["Resources"]["Jobs"]["Properties"]
    jobs.update({"VisibilityTimeout": 45, "MessageRetentionPeriod": 120})
    if redrive:
        template["Resources"]["JobsDlq"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
        jobs["RedrivePolicy"] = {"deadLetterTargetArn": {"Fn::GetAtt": ["JobsDlq", "Arn"]},
                                 "maxReceiveCount": 3}  # fmt: skip
    sim = Simulation(load_graph(template), load_scenario({
        "duration": "10m", "eventbridge": {"processing_latency": 0},
        "targets": [{"match": "Worker", "latency": 0, "failure_rate": 1.0}],
        "queue_traffic": [{"queue": "Jobs", "rate": 1, "arrival": "trace",
                           "trace": [10, 20, 30], "messages": [{"body": PAID}]}],
    }))  # fmt: skip
    (lane,) = sim.model.lanes
    lane.trace = []
    result = sim.run()
    counts = result.target("JobsPipe").counts
    assert counts["attempts"] == 9 and counts["retries"] == 6 and counts["delivered"] == 0
    starts = sorted(start for _, start, _ in lane.trace)
    assert starts == pytest.approx([10, 20, 30, 55, 65, 75, 100, 110, 120])
    if redrive:  # moved when a 4th receive would exceed 3: 45 s after each last failure
        assert (counts["dlq"], counts["dropped"]) == (3, 0)
        target = result.target("JobsPipe")
        assert target.dlq["by_exhausted_retry_condition"] == {"maxReceiveCount": 3}
        assert target.dlq["samples"][0] == {"ApproximateReceiveCount": "3"}  # SQS's, as it was
        moved = [m for m, n in enumerate(target.per_minute["dlq"]) for _ in range(n)]
        assert moved == [int(t // 60) for t in (100 + 45, 110 + 45, 120 + 45)]
    else:
        assert (counts["dlq"], counts["dropped"]) == (0, 3)


@pytest.mark.parametrize(("parameters", "words"), [
    ({"SqsQueueParameters": {"BatchSize": 10_001}}, "BatchSize"),
    ({"FilterCriteria": {"Filters": [{"Pattern": json.dumps(PATTERN)}] * 6}},
     "holds 6 filters; a pipe takes at most 5"),
])  # fmt: skip
def test_pipes_beyond_awss_limits_are_refused_naming_the_property(parameters, words):
    from bridgetwin.graph import TemplateError

    with pytest.raises(TemplateError, match=words):
        load_graph(piped_template(pipe={"SourceParameters": parameters}))
    fits = {"SqsQueueParameters": {"BatchSize": 10_000, "MaximumBatchingWindowInSeconds": 5},
            "FilterCriteria": {"Filters": [{"Pattern": json.dumps(PATTERN)}] * 5}}  # fmt: skip
    assert load_graph(piped_template(pipe={"SourceParameters": fits})).pipes[0].batch_size == 10_000
