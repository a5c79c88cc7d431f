"""Batching subscribers against references computed here from the arrival times.

The reference forms batches as AWS describes them (custom-bus facts §2.7): a batch is ready when
its first event has waited the window or when ``MaxBatchSize`` events wait, and it takes every
event waiting when the target can take it, up to the size. Each batch is one invocation with one
outcome; a failed batch is retried whole after one backoff, less the events the retry would take
past their maximum age. The twin must give the same invocations, batch sizes, latencies and
on-failure counts, event for event.
"""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from bridgetwin.simulator.results.statistics import RELATIVE_ACCURACY
from tests._custom_bus import custom_bus_template, subscriber

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"total": 120}}
QUEUE = {"Fn::GetAtt": ["Orders2", "Arn"]}
BACKOFF = {"jitter": "none", "base": "1s", "factor": 2, "cap": "60s"}


def queue_subscriber(size: int, window: int, **props) -> dict:
    """The ``orders`` bus with a subscriber batching into an SQS queue."""
    template = custom_bus_template(subscribers={"Batcher": subscriber(
        QUEUE, BatchConfiguration={"MaxBatchSize": size, "MaxBatchWindowInSeconds": window},
        **props)})  # fmt: skip
    template["Resources"]["Orders2"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    return template


def run(template: dict, times: list[float], duration: str = "3h", **target):
    spec = {
        "duration": duration, "seed": 11,
        "eventbridge": {"processing_latency": 0, "retry_backoff": BACKOFF},
        "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                     "events": [{"event": EVENT}]}],
        "targets": [{"match": "*", "latency": 0, **target}],
    }  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec)).target("Batcher")


def batches(times: list[float], size: int, window: float, latency: float = 0.0,
            servers: int | None = None) -> list[tuple[float, list[float]]]:  # fmt: skip
    """(start, members) of each batch: ready at first + window or at the size-th event, started
    when a server is free (``servers``: None for as many as needed), taking every event waiting
    by then, up to ``size``."""
    free = [0.0] * (servers or 1)
    out, i = [], 0
    while i < len(times):
        ready = times[i] + window
        if i + size - 1 < len(times):
            ready = min(ready, times[i + size - 1])
        start = max(ready, min(free)) if servers else ready
        members = [t for t in times[i : i + size] if t <= start]
        if servers:
            free[free.index(min(free))] = start + latency
        out.append((start, members))
        i += len(members)
    return out


def quantile(values: list[float], q: float) -> float:
    return float(np.quantile(np.asarray(values), q, method="inverted_cdf"))


def close(got: float, want: float) -> bool:
    return got == pytest.approx(want, rel=RELATIVE_ACCURACY, abs=1e-6)


def test_far_below_the_batch_size_every_event_waits_the_window():
    times = [round(7.3 + 97.1 * k, 6) for k in range(100)]  # gaps longer than the window
    target = run(queue_subscriber(10, 20), times)
    assert target.counts["invocations"] == 100 and target.counts["largest_batch"] == 1
    for p in ("p50", "p99"):
        assert close(target.latency_ms["start"][p], 20_000.0)


def test_batches_follow_the_window_and_the_arrivals():
    rng = np.random.default_rng(4)
    times = np.round(np.cumsum(rng.exponential(1 / 0.08, 700)), 6).tolist()  # 0.08/s, 20 s
    expected = batches(times, 10, 20)
    target = run(queue_subscriber(10, 20), times)
    waits = [start - t for start, members in expected for t in members]
    assert target.counts["invocations"] == len(expected)
    assert target.counts["largest_batch"] == max(len(m) for _, m in expected) > 1
    assert target.counts["delivered"] == len(times) == target.counts["attempts"]
    for p, q in (("p50", 0.5), ("p99", 0.99)):
        assert close(target.latency_ms["start"][p], quantile(waits, q) * 1e3)


def test_at_a_high_rate_every_batch_is_full():
    times = [round(0.005 + 0.01 * k, 6) for k in range(30_000)]  # 100/s for 5 minutes
    target = run(queue_subscriber(10, 5), times)
    assert target.counts["invocations"] == len(times) // 10
    assert target.counts["largest_batch"] == 10
    assert target.counts["delivered"] == len(times)
    assert close(target.latency_ms["start"]["p99"], 90.0)  # the first of 10 waits for the 10th


@pytest.mark.parametrize("ordering", ["UNORDERED", "FIFO"])
def test_a_target_that_falls_behind_gets_full_batches(ordering):
    """12 events/s for a minute to a target that takes one batch at a time, for 1 s: with
    window 0 a batch takes what waits when the target frees, so it falls behind with full
    batches of 10. FIFO with one event group is the same server: one batch in flight per
    group."""
    times = [round(0.013 + k / 12, 6) for k in range(720)]
    expected = batches(times, 10, 0, latency=1.0, servers=1)
    if ordering == "FIFO":
        template = queue_subscriber(10, 0, Type="FIFO")
        spec_extra = {}
    else:
        template, spec_extra = queue_subscriber(10, 0), {"concurrency": 1}
    traffic_group = {"event_group": "customer-1"} if ordering == "FIFO" else {}
    target = _run_grouped(template, times, traffic_group, latency=1.0, **spec_extra)
    waits = [start - t for start, members in expected for t in members]
    assert target.counts["invocations"] == len(expected)
    assert target.counts["largest_batch"] == 10
    assert target.counts["delivered"] == len(times)
    assert close(target.latency_ms["start"]["p50"], quantile(waits, 0.5) * 1e3)
    assert close(target.latency_ms["start"]["p99"], quantile(waits, 0.99) * 1e3)
    if ordering == "FIFO":  # each event waited for the group's batch before its own
        holds = [start - t for start, members in expected[1:] for t in members if start > t]
        assert target.counts["held"] == len(holds) > 0
        assert target.counts["held_s"] == round(sum(holds))


def _run_grouped(template, times, group: dict, backoff: dict = BACKOFF, **target):
    spec = {
        "duration": "3h", "seed": 11,
        "eventbridge": {"processing_latency": 0, "retry_backoff": backoff},
        "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                     "events": [{"event": EVENT}], **group}],
        "targets": [{"match": "*", **target}],
    }  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec)).target("Batcher")


OUTAGE = (600.0, 1200.0)
SLOW = {"jitter": "none", "base": "30s", "factor": 2, "cap": "120s"}  # 30, 60, 120, 120, ...


def retried_batches(times: list[float], size: int, window: float, retries: int, age: float):
    """Each batch's attempts through the outage: retried whole after min(120, 30 * 2**n) s, less the
    events that retry would take past ``age``; records: one per batch that gives any up."""
    out = {"delivered": 0, "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 0,
           "records": 0, "attempts": 0, "invocations": 0}  # fmt: skip
    for start, formed in batches(times, size, window):
        at, attempt, members = start, 0, formed
        while True:
            out["attempts"] += len(members)
            out["invocations"] += 1
            if not OUTAGE[0] <= at < OUTAGE[1]:
                out["delivered"] += len(members)
                break
            if attempt >= retries:
                out["MaximumRetryAttempts"] += len(members)
                out["records"] += 1
                break
            delay = min(120.0, 30.0 * 2.0**attempt)
            over = [t for t in members if at + delay - t > age]
            if over:
                out["MaximumEventAgeInSeconds"] += len(over)
                out["records"] += 1
            members = [t for t in members if at + delay - t <= age]
            if not members:
                break
            at, attempt = at + delay, attempt + 1
    return out


@pytest.mark.parametrize(("retries", "age"), [(5, 300), (185, 400)])
def test_failed_batches_are_retried_whole_and_given_up_by_event(retries, age):
    rng = np.random.default_rng(9)
    times = np.round(np.sort(rng.uniform(0, 1800, 5_000)), 6).tolist()
    template = queue_subscriber(10, 2, RetryPolicy={
        "MaxRetryAttempts": retries, "MaxEventAgeInSeconds": age})  # fmt: skip
    expected = retried_batches(times, 10, 2, retries, age)
    target = _run_grouped(template, times, {}, SLOW, latency=0,
                          outages=[{"start": OUTAGE[0], "end": OUTAGE[1]}])  # fmt: skip
    assert expected["MaximumEventAgeInSeconds"] > 0 and expected["delivered"] > 0
    assert target.counts["delivered"] == expected["delivered"]
    by_condition = target.dlq["by_exhausted_retry_condition"]
    for condition in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        assert by_condition.get(condition, 0) == expected[condition], condition
    assert target.counts["dlq_records"] == expected["records"]
    assert target.counts["attempts"] == expected["attempts"]
    assert target.counts["invocations"] == expected["invocations"]


def test_alarms_count_batches_as_target_invocations_and_events_as_delivery_attempts():
    """100 events/s in batches of 10: 600 invocations a minute, 6,000 delivery attempts; an
    alarm at 1,000 a minute fires on the attempts only."""
    alarm = {"Namespace": "AWS/EventsV2", "Statistic": "Sum", "Period": 60,
             "EvaluationPeriods": 1, "Threshold": 1000, "TreatMissingData": "notBreaching",
             "ComparisonOperator": "GreaterThanOrEqualToThreshold",
             "Dimensions": [{"Name": "Subscriber",
                             "Value": {"Fn::GetAtt": ["Batcher", "SubscriberArn"]}}]}  # fmt: skip
    template = queue_subscriber(10, 5)
    for metric in ("TargetInvocations", "EventDeliveryAttempts"):
        template["Resources"][metric] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            **alarm, "MetricName": metric}}  # fmt: skip
    times = [round(0.005 + 0.01 * k, 6) for k in range(30_000)]
    spec = {"duration": "10m", "seed": 1, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                         "events": [{"event": EVENT}]}],
            "targets": [{"match": "*", "latency": 0}]}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    fired = {a["alarm"] for a in result.alarms if a["state"] == "ALARM"}
    assert fired == {"EventDeliveryAttempts"}


def test_a_batch_is_one_request_in_the_cost():
    from bridgetwin.planning.cost import monthly_cost

    rng = np.random.default_rng(9)
    times = np.round(np.sort(rng.uniform(0, 1800, 5_000)), 6).tolist()
    template = queue_subscriber(10, 2)
    spec = {"duration": "1h", "seed": 2, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                         "events": [{"event": EVENT}]}],
            "targets": [{"match": "*", "latency": 0,
                         "outages": [{"start": OUTAGE[0], "end": OUTAGE[1]}]}]}  # fmt: skip
    graph, scenario = load_graph(template), load_scenario(spec)
    result = simulate(graph, scenario)
    counts = result.target("Batcher").counts
    lines = {line[0]: line[1] for line in monthly_cost(result, graph, scenario).lines}
    assert counts["dlq_records"] > 0 and counts["invocations"] < counts["attempts"]
    assert lines["sqs_requests"] == counts["invocations"] + counts["dlq_records"]


def test_overrides_set_a_subscribers_batching_for_what_if_runs():
    rng = np.random.default_rng(4)
    times = np.round(np.cumsum(rng.exponential(1 / 0.08, 700)), 6).tolist()
    spec = {"duration": "3h", "seed": 11, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                         "events": [{"event": EVENT}]}],
            "targets": [{"match": "*", "latency": 0}],
            "overrides": {"subscribers": {"Batch*": {"batch_size": 10, "batch_window": "20s"}}}}  # fmt: skip
    result = simulate(load_graph(queue_subscriber(1, 0)), load_scenario(spec))
    assert result.target("Batcher").counts["invocations"] == len(batches(times, 10, 20))
    assert any("subscriber Batcher: batch_size 1 -> 10" in line for line in result.overrides)
    spec["overrides"]["subscribers"]["Batch*"]["batch_size"] = 11  # SQS takes 10 at most
    with pytest.raises(ScenarioError, match=r"batch_size 11 for Batcher is over its target's "
                                            r"maximum \(sqs: 10\)"):  # fmt: skip
        simulate(load_graph(queue_subscriber(1, 0)), load_scenario(spec))
