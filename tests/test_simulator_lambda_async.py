"""Lambda targets as AWS runs them: EventBridge hands the event over, Lambda's queue does the rest.

References: the arithmetic of small timelines under AWS's documented rules (throttled attempts
retried after 1, 2, 4, ... s up to 5 minutes; function errors retried after 1 and 2 minutes;
events discarded past their maximum age), and a second, tiny model of those rules written here
independently of the twin's, on a longer random-free input.
"""

from __future__ import annotations

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import EVENT, PATTERN


def lambda_template(*, reserved: int | None = 1, invoke_config: dict | None = None) -> dict:
    """A bus, a rule with a DLQ targeting a function, the function's own on-failure queue."""
    function: dict = {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 30}}
    if reserved is not None:
        function["Properties"]["ReservedConcurrentExecutions"] = reserved
    resources = {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Fn": function,
        "RuleDlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "FnFailures": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Rule": {
            "Type": "AWS::Events::Rule",
            "Properties": {
                "EventBusName": {"Ref": "Bus"},
                "EventPattern": PATTERN,
                "Targets": [{
                    "Id": "Fn", "Arn": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["RuleDlq", "Arn"]}},
                }],
            },
        },
    }  # fmt: skip
    if invoke_config is not None:
        resources["FnAsync"] = {
            "Type": "AWS::Lambda::EventInvokeConfig",
            "Properties": {
                "FunctionName": {"Ref": "Fn"},
                "Qualifier": "$LATEST",
                "DestinationConfig": {
                    "OnFailure": {"Destination": {"Fn::GetAtt": ["FnFailures", "Arn"]}}
                },
                **invoke_config,
            },
        }
    return {"Resources": resources}


def run(template: dict, times: list[float], duration: str = "2h", **function):
    spec = {
        "duration": duration,
        "eventbridge": {"processing_latency": 0},
        "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                     "events": [{"event": EVENT}]}],
        "targets": [{"match": "*", "latency": 0}],
        "functions": [{"match": "Fn", "duration": "10s", **function}],
    }  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    (fn,) = result.functions
    return result, fn


def test_a_throttled_event_is_retried_from_lambdas_queue_with_growing_intervals():
    """One run at a time, 10 s each; events at 0, 1, 2 s. B (1 s) is throttled and tries at 2,
    4, 8 and 16 s, and runs at 16. C (2 s) tries at 3, 5, 9, 17 (B holds the slot until 26) and
    33 s, and runs then. Start latencies: 0, 15 and 31 s."""
    result, fn = run(lambda_template(), [0.0, 1.0, 2.0])
    assert fn["counts"]["throttles"] == 4 + 5
    assert fn["latency_ms"]["start"]["max"] == pytest.approx(31_000)
    assert fn["latency_ms"]["start"]["p50"] == pytest.approx(15_000)
    assert fn["counts"]["succeeded"] == 3
    target = result.target("Rule")
    assert target.counts["delivered"] == 3  # EventBridge's part ended at Lambda's acceptance
    assert target.latency_ms["success"]["max"] == pytest.approx(0)


def reference(times: list[float], concurrency: int, run_s: float, max_age: float):
    """The documented rules, written again: attempts in time order; an attempt that finds every
    slot busy tries again after 1, 2, 4, ... s (at most 300 s); an event older than ``max_age``
    is discarded. Returns (succeeded, expired, first-run waits)."""
    attempts = [(t, i, t, 0) for i, t in enumerate(times)]  # (at, order, accepted, throttles)
    ends: list[float] = []
    succeeded, expired, waits, order = 0, 0, [], len(times)
    while attempts:
        attempts.sort()
        at, _, accepted, throttles = attempts.pop(0)
        running = [end for end in ends if end > at]
        if len(running) < concurrency:
            ends = [*running, at + run_s]
            succeeded += 1
            waits.append(at - accepted)
            continue
        retry = at + min(300.0, 2.0**throttles)
        if retry - accepted > max_age:
            expired += 1
        else:
            order += 1
            attempts.append((retry, order, accepted, throttles + 1))
    return succeeded, expired, waits


def test_events_held_by_concurrency_expire_to_lambdas_destination_never_the_rules_dlq():
    """40 events in 20 s to one slot of 10 s runs, maximum age 120 s: most expire, and they go
    to the function's on-failure destination; EventBridge delivered every one of them."""
    times = [i * 0.5 for i in range(40)]
    template = lambda_template(invoke_config={"MaximumEventAgeInSeconds": 120,
                                              "MaximumRetryAttempts": 0})  # fmt: skip
    result, fn = run(template, times)
    succeeded, expired, waits = reference(times, 1, 10.0, 120.0)
    assert expired > 20
    assert fn["counts"]["succeeded"] == succeeded
    assert fn["counts"]["to_on_failure"] == expired
    assert fn["by_condition"] == {"EventAgeExceeded": expired}
    assert fn["counts"]["lost"] == fn["counts"]["in_flight"] == 0
    assert fn["latency_ms"]["start"]["max"] == pytest.approx(max(waits) * 1e3)
    assert fn["on_failure"] == "FnFailures"
    target = result.target("Rule")
    assert target.counts["dlq"] == 0 and target.counts["delivered"] == 40


def test_function_errors_are_retried_after_one_then_two_minutes():
    """Every run fails: each event runs at t, t + 10 + 60 and t + 80 + 120 s, then is lost
    (no destination); a run still going at the end of the run leaves its event in flight."""
    _, fn = run(lambda_template(reserved=None), [0.0, 5.0], duration="215s", error_rate=1)
    # event 0: runs 0-10, 70-80, 200-210 -> lost at 210; event 5: 5-15, 75-85, 205-215
    # ends at the horizon, 215 s: not after it, so it is lost too
    assert fn["counts"]["function_errors"] == 6
    assert fn["by_condition"] == {"RetriesExhausted": 2}
    assert fn["counts"]["lost"] == 2 and fn["on_failure"] is None
    early, _ = run(lambda_template(reserved=None), [0.0, 5.0], duration="209s", error_rate=1)
    (fn_early,) = early.functions
    assert fn_early["counts"]["in_flight"] == 2 and fn_early["counts"]["lost"] == 0


def test_a_run_past_the_functions_timeout_fails():
    _, fn = run(lambda_template(invoke_config={"MaximumRetryAttempts": 0}), [0.0],
                duration="10m")  # fmt: skip
    assert fn["counts"]["succeeded"] == 1  # 10 s within the 30 s timeout
    spec_long = lambda_template(invoke_config={"MaximumRetryAttempts": 0})
    spec_long["Resources"]["Fn"]["Properties"]["Timeout"] = 5
    _, slow = run(spec_long, [0.0], duration="10m")
    assert slow["by_condition"] == {"RetriesExhausted": 1}
    assert slow["counts"]["to_on_failure"] == 1


def test_the_templates_async_settings_and_concurrency_are_read():
    graph = load_graph(lambda_template(reserved=5, invoke_config={"MaximumRetryAttempts": 1,
                                                                  "MaximumEventAgeInSeconds": 900}))  # fmt: skip
    config = graph.async_config(graph.get("Fn"))
    assert (config.maximum_retry_attempts, config.maximum_event_age_seconds) == (1, 900)
    assert config.on_failure == "FnFailures"
    result = simulate(graph, load_scenario({"duration": "1m", "traffic": [
        {"bus": "orders", "rate": 1, "events": [{"event": EVENT}]}]}))  # fmt: skip
    (fn,) = result.functions
    assert (fn["concurrency"], fn["concurrency_from"]) == (5, "ReservedConcurrentExecutions")
    assert any(
        a.startswith("Fn: no scenario functions entry matches it") for a in result.assumptions
    )


def test_without_reserved_concurrency_the_unreserved_pool_is_an_assumption():
    result, fn = run(lambda_template(reserved=None), [0.0])
    assert (fn["concurrency"], fn["concurrency_from"]) == (
        1000,
        "lambda_async.unreserved_concurrency",
    )
    assert any("1,000 of the account's unreserved concurrency" in a for a in result.assumptions)


def test_sam_function_settings_and_other_event_sources():
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {
            "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
            "Worker": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "ReservedConcurrentExecutions": 2,
                    "EventInvokeConfig": {"MaximumRetryAttempts": 0,
                                          "MaximumEventAgeInSeconds": 300},
                    "Events": {
                        "Orders": {"Type": "EventBridgeRule",
                                   "Properties": {"EventBusName": {"Ref": "Bus"},
                                                  "Pattern": PATTERN}},
                        "Jobs": {"Type": "SQS", "Properties": {"Queue": "arn:aws:sqs:x"}},
                    },
                },
            },
        },
    }  # fmt: skip
    graph = load_graph(template)
    config = graph.async_config(graph.get("Worker"))
    assert (config.maximum_retry_attempts, config.maximum_event_age_seconds) == (0, 300)
    result = simulate(graph, load_scenario({"duration": "1m", "traffic": [
        {"bus": "orders", "rate": 1, "events": [{"event": EVENT}]}]}))  # fmt: skip
    (fn,) = result.functions
    assert fn["concurrency"] == 2 and fn["counts"]["received"] > 0
    assert any(w["code"] == "not-simulated" and w["message"].startswith("Worker: its SQS event")
               for w in result.warnings)  # fmt: skip
