"""EventBridge Scheduler schedules that invoke a target directly (not through a bus): each
firing is an invocation of the target with the schedule's retry policy and DLQ, through the
same lane (and, for Lambda, the same asynchronous queue) as the rules that target it. SAM's
``ScheduleV2`` events load as such schedules.

References: the count of firings worked out from the expression, and the retry arithmetic of a
target that always fails (1 + MaximumRetryAttempts attempts per firing, each ending in the DLQ).
"""

from __future__ import annotations

from bridgetwin.graph import load_graph
from bridgetwin.graph._render import graph_to_text
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import EVENT, PATTERN


def schedule(target_arn: dict | str, **extra) -> dict:
    return {"Type": "AWS::Scheduler::Schedule", "Properties": {
        "ScheduleExpression": "rate(5 minutes)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": target_arn, "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
                   "Input": '{"job": "sweep"}', **extra}}}  # fmt: skip


def test_a_schedule_into_a_failing_queue_retries_by_its_policy_and_fills_its_dlq():
    """12 firings in an hour (0, 5, ... 55 min); the target always fails, two retries each: 36
    attempts, 24 retries, 12 events in the DLQ, none delivered."""
    template = {"Resources": {
        "Jobs": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "JobsDlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Sweep": schedule({"Fn::GetAtt": ["Jobs", "Arn"]},
                          RetryPolicy={"MaximumRetryAttempts": 2},
                          DeadLetterConfig={"Arn": {"Fn::GetAtt": ["JobsDlq", "Arn"]}}),
    }}  # fmt: skip
    spec = {"duration": "1h", "targets": [{"match": "Jobs", "latency": "10ms",
                                           "failure_rate": 1.0}]}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    target = result.target("Sweep")
    assert target.counts == {"ingested": 12, "delivered": 0, "dlq": 12, "dropped": 0,
                             "in_flight": 0, "attempts": 36, "retries": 24, "rate_limited": 0}  # fmt: skip
    assert target.dlq["by_exhausted_retry_condition"] == {"MaximumRetryAttempts": 12}
    assert target.dlq["samples"][0]["RULE_ARN"] == (
        "arn:aws:scheduler:us-east-1:123456789012:schedule/default/Sweep"
    )
    assert any(a.startswith("Scheduler schedules invoking targets directly (Sweep)")
               for a in result.assumptions)  # fmt: skip
    assert not [w for w in result.warnings if w["code"] == "schedule-not-simulated"]


def test_a_schedule_and_a_rule_share_a_functions_async_queue_and_concurrency():
    """A rule (events at 2/s) and a schedule (every 5 minutes) invoke one function with a
    reserved concurrency of 1: Lambda's queue receives both, so it accepts their sum."""
    template = {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Fn": {"Type": "AWS::Lambda::Function",
               "Properties": {"Timeout": 30, "ReservedConcurrentExecutions": 1}},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": PATTERN,
            "Targets": [{"Id": "Fn", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]}}]}},
        "Nightly": schedule({"Fn::GetAtt": ["Fn", "Arn"]}),
    }}  # fmt: skip
    spec = {"duration": "30m", "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 2, "events": [{"event": EVENT}]}],
            "functions": [{"match": "Fn", "duration": "100ms"}]}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    rule, scheduled = result.target("Rule"), result.target("Nightly")
    assert scheduled.counts["delivered"] == 6  # 0, 5, ... 25 min: handed to Lambda
    (fn,) = result.functions
    handed = rule.counts["delivered"] + scheduled.counts["delivered"]
    assert fn["counts"]["received"] == handed
    assert fn["concurrency"] == 1


def test_sam_schedulev2_events_are_scheduler_schedules():
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Worker": {
        "Type": "AWS::Serverless::Function", "Properties": {"Events": {
            "Hourly": {"Type": "ScheduleV2", "Properties": {
                "ScheduleExpression": "rate(1 hour)", "ScheduleExpressionTimezone": "UTC",
                "RetryPolicy": {"MaximumRetryAttempts": 3},
                "DeadLetterConfig": {"Type": "SQS"}}},
            "Old": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 hour)"}}}}}}}  # fmt: skip
    graph = load_graph(template)
    (made,) = graph.schedules
    assert made.id == "WorkerHourly" and made.flexible_window_minutes is None
    assert made.target.resource == "Worker"
    assert made.target.retry_policy.maximum_retry_attempts == 3
    assert made.target.dead_letter_queue == "WorkerHourlyQueue"
    assert not graph.queue_policies  # Scheduler sends to its DLQ with the schedule's role
    assert [r.id for r in graph.rules] == ["WorkerOld"]
    assert graph.get("Worker").other_event_sources == ()  # both simulated, neither "other"
    assert "schedule WorkerHourly: rate(1 hour) (UTC) -> Worker" in graph_to_text(graph)
    result = simulate(graph, load_scenario({"duration": "3h"}))
    assert result.target("WorkerHourly").counts["ingested"] == 3
    # A rule's rate() first fires one period in, a Scheduler schedule's at once
    assert result.target("WorkerOld").counts["ingested"] == 2
