"""A target's request byte limit closes a subscriber's batch (custom-bus facts §2.7), against the
arithmetic of the event's size as AWS delivers it, computed here from the envelope's fields."""

from __future__ import annotations

import json

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

SQS_REQUEST, LAMBDA_SYNC, LAMBDA_ASYNC = 256 * 1024, 6 * 1024 * 1024, 1024 * 1024
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:handler"


def order(padding: int) -> dict:
    return {"source": "acme.orders", "detail-type": "OrderCreated",
            "detail": {"total": 120, "note": "x" * padding}}  # fmt: skip


def delivered(event: dict) -> int:
    """The JSON EventBridge hands a target: the envelope it fills in (an id is a UUID, the time
    a second-precision UTC timestamp) around the published fields."""
    envelope = {"version": "0", "id": "0" * 36, "detail-type": event["detail-type"],
                "source": event["source"], "account": "123456789012",
                "time": "2026-01-01T00:00:00Z", "region": "us-east-1", "resources": [],
                "detail": event["detail"]}  # fmt: skip
    return len(json.dumps(envelope, separators=(",", ":")).encode())


def run(target, props: dict, events: list[dict], count: int = 12_000):
    """``count`` events at 100/s (faster than any window fills) to subscriber Batcher."""
    template = custom_bus_template(subscribers={"Batcher": subscriber(target, **props)})
    template["Resources"]["Queue"] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    spec = {
        "duration": "3h", "seed": 3, "eventbridge": {"processing_latency": 0},
        "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace",
                     "trace": [round(0.005 + 0.01 * k, 6) for k in range(count)],
                     "events": [{"event": e} for e in events]}],
        "targets": [{"match": "*", "latency": 0}],
    }  # fmt: skip
    return simulate(load_graph(template), load_scenario(spec))


BATCH = {"BatchConfiguration": {"MaxBatchSize": 10, "MaxBatchWindowInSeconds": 5}}


def test_large_events_to_a_queue_come_in_the_batches_256_kb_holds():
    event = order(60_000)
    fits = SQS_REQUEST // delivered(event)
    assert fits == 4  # the arithmetic, for a reader: 262,144 // 60,2xx
    result = run({"Fn::GetAtt": ["Queue", "Arn"]}, BATCH, [event])
    target = result.target("Batcher")
    assert target.counts["invocations"] == 12_000 // fits
    assert target.counts["largest_batch"] == fits
    assert target.counts["delivered"] == 12_000
    (note,) = [a for a in result.assumptions if a.startswith("Batcher: its target takes")]
    assert (
        f"at most {fits} of its {delivered(event):,}-byte events, not its MaxBatchSize of 10"
        in note
    )


def test_small_events_fill_max_batch_size_and_mixed_sizes_are_capped_by_the_largest():
    small = run({"Fn::GetAtt": ["Queue", "Arn"]}, BATCH, [order(10)])
    assert small.target("Batcher").counts["invocations"] == 1_200
    assert not [a for a in small.assumptions if a.startswith("Batcher: its target takes")]
    mixed = run({"Fn::GetAtt": ["Queue", "Arn"]}, BATCH, [order(10), order(100_000)])
    fits = SQS_REQUEST // delivered(order(100_000))
    assert fits == 2
    assert mixed.target("Batcher").counts["invocations"] == 12_000 // fits
    (note,) = [a for a in mixed.assumptions if a.startswith("Batcher: its target takes")]
    assert "sized for its largest events" in note


@pytest.mark.parametrize(("invocation", "limit"), [("EVENT", LAMBDA_ASYNC),
                                                   ("REQUEST_RESPONSE", LAMBDA_SYNC)])  # fmt: skip
def test_a_function_takes_1_mb_asynchronously_and_6_mb_synchronously(invocation, limit):
    event = order(300_000)
    props = {**BATCH, "InvokeConfiguration": {
        "TargetArn": FUNCTION, "RoleArn": {"Fn::GetAtt": ["DeliveryRole", "Arn"]},
        "LambdaParameters": {"InvocationType": invocation}}}  # fmt: skip
    target = run(FUNCTION, props, [event], count=6_000).target("Batcher")
    per_batch = min(10, limit // delivered(event))  # 3 asynchronously, 10 (not 20) synchronously
    assert target.counts["invocations"] == -(-6_000 // per_batch)
    assert target.counts["largest_batch"] == per_batch
