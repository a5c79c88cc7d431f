"""A subscriber that forwards to another Custom Event Bus hands it the event its transformer
shapes: the next bus's filters see the JSONata result (or the WITH_METADATA envelope), not the
original. References: the number of each order published (traces of known times), and the
expression's result evaluated here by jsonata-python on the documented ``$events`` shape."""

from __future__ import annotations

import json

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

SMALL = {
    "source": "acme.orders",
    "detail-type": "OrderCreated",
    "detail": {"id": "a", "amount": 50},
}
LARGE = {
    "source": "acme.orders",
    "detail-type": "OrderCreated",
    "detail": {"id": "b", "amount": 500},
}
SHAPE = '{% {"orderId": $events.Data.detail.id, "big": $events.Data.detail.amount > 100} %}'
QUEUE = "arn:aws:sqs:us-east-1:123456789012:analytics"
SMALL_AT = [round(0.5 + 0.7 * k, 3) for k in range(300)]  # 300 small orders
LARGE_AT = [round(0.9 + 2.3 * k, 3) for k in range(100)]  # 100 large ones


def _run(transformer: dict | None, downstream_filter: dict, scope: str = "DATA"):
    forward = subscriber({"Fn::GetAtt": ["Analytics", "EventBusArn"]}, Name="forward",
                         **({"Transformer": transformer} if transformer else {}))  # fmt: skip
    reader = subscriber(QUEUE, Name="reader", EventBusArn={"Fn::GetAtt": ["Analytics",
                        "EventBusArn"]}, FilterConfiguration={"Filters": [
                        {"Scope": scope, "Pattern": json.dumps(downstream_filter)}]})  # fmt: skip
    template = custom_bus_template(subscribers={"Forward": forward, "Reader": reader})
    template["Resources"]["Analytics"] = {"Type": "AWS::EventsV2::EventBus",
                                          "Properties": {"Name": "analytics"}}  # fmt: skip
    spec = {"duration": "5m", "seed": 2, "traffic": [
        {"bus": "orders", "rate": 1, "arrival": "trace", "trace": SMALL_AT,
         "events": [{"event": SMALL}]},
        {"bus": "orders", "rate": 1, "arrival": "trace", "trace": LARGE_AT,
         "events": [{"event": LARGE}]}],
        "targets": [{"match": "*", "latency": 0}]}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    return result, result.target("Forward").counts, result.target("Reader").counts


def test_the_next_bus_filters_the_jsonata_result():
    import jsonata

    shaped = jsonata.Jsonata(SHAPE[2:-2])
    shaped.assign("events", {"Data": {"version": "0", **LARGE}, "Metadata": {},
                             "SystemMetadata": {"ContentType": "application/eventbridge+json"}})  # fmt: skip
    assert shaped.evaluate(None) == {"orderId": "b", "big": True}
    result, forward, reader = _run({"Type": "JSONATA", "JsonataConfiguration": {"Expression": SHAPE}},
                                   {"big": [True]})  # fmt: skip
    assert forward["delivered"] == forward["ingested"] == 400  # every order forwarded
    assert reader["ingested"] == reader["delivered"] == 100  # exactly the large ones
    _, _, by_id = _run({"Type": "JSONATA", "JsonataConfiguration": {"Expression": SHAPE}},
                       {"orderId": ["b"]})  # fmt: skip
    assert by_id["ingested"] == 100
    _, _, unshaped = _run(None, {"big": [True]})
    assert unshaped["ingested"] == 0  # unshaped, no event has "big"
    assert not [w for w in result.warnings if w["code"] == "transformation-failed"]
    assert any("reaches the next bus as a JSON event" in a for a in result.assumptions)


def test_with_metadata_forwards_the_envelope():
    _, forward, reader = _run({"Type": "WITH_METADATA"},
                              {"SystemMetadata": {"ContentType": ["application/eventbridge+json"]},
                               "Data": {"detail": {"amount": [500]}}})  # fmt: skip
    assert (forward["delivered"], reader["ingested"]) == (400, 100)


@pytest.mark.parametrize("expression", ['{% $error("no") %}', '{% $number("x") %}'])
def test_a_failing_expression_is_named_and_the_event_goes_on_unshaped(expression):
    result, _, reader = _run({"Type": "JSONATA", "JsonataConfiguration": {"Expression": expression}},
                             {"source": ["acme.orders"]})  # fmt: skip
    (warning,) = [w for w in result.warnings if w["code"] == "transformation-failed"]
    assert warning["message"].startswith("Forward: its JSONata transformer fails")
    assert reader["ingested"] == 400  # unshaped, the original still matches
