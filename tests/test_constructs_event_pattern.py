"""Patterns reach the template exactly as written, and the twin routes through what was written.

The corpus covers what CDK's own ``EventPattern`` cannot carry or silently changes: no ``source``,
a top-level ``$or``, ``{}``, ``null`` (jsii drops it), integers beyond JavaScript's 2**53, and every
operator. Each entry has an event that must match and, where one exists, one that must not.
"""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest

from bridgetwin.constructs import ApiDelivery, DeliveryAuth
from bridgetwin.constructs.event_pattern import template_value
from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario
from tests._cdk import fixture_secret, new_stack, synth

pytestmark = pytest.mark.cdk


def event(detail_type: str = "OrderShipped", source: str = "acme.orders", **detail):
    return {"source": source, "detail-type": detail_type, "detail": detail}


CORPUS = [
    ({"detail-type": ["OrderShipped"]}, event(), event("OrderCreated")),
    ({}, event(), None),
    ({"$or": [{"source": ["acme.orders"]}, {"detail-type": ["Refund"]}]},
     event("Refund", source="acme.payments"), event("Other", source="acme.payments")),
    ({"detail": {"gift": [None]}}, event(gift=None), event(gift="card")),
    ({"detail": {"note": [None, "urgent"]}}, event(note="urgent"), event(note="later")),
    ({"detail": {"customer": {"address": {"country": ["DE", "AT"]}}}},
     event(customer={"address": {"country": "AT"}}), event(customer={"address": {"country": "FR"}})),
    ({"detail": {"$or": [{"amount": [{"numeric": [">", 100]}]}, {"vip": [True]}]}},
     event(amount=5, vip=True), event(amount=5, vip=False)),
    ({"detail": {"order_id": [9007199254740993]}}, event(order_id=9007199254740993), event(order_id=1)),
    ({"detail": {"city": ["Zürich"]}}, event(city="Zürich"), event(city="Zurich")),
    ({"detail": {"sku": [{"prefix": "BK-"}]}}, event(sku="BK-1"), event(sku="CD-1")),
    ({"detail": {"file": [{"suffix": ".png"}]}}, event(file="a.png"), event(file="a.jpg")),
    ({"detail": {"state": [{"equals-ignore-case": "paid"}]}}, event(state="PAID"), event(state="due")),
    ({"detail": {"sku": [{"prefix": {"equals-ignore-case": "bk-"}}]}}, event(sku="Bk-2"), event(sku="x")),
    ({"detail": {"state": [{"anything-but": ["cancelled", "void"]}]}}, event(state="paid"), event(state="void")),
    ({"detail": {"state": [{"anything-but": {"prefix": "test"}}]}}, event(state="live"), event(state="test-1")),
    ({"detail": {"amount": [{"numeric": [">=", 0, "<", 100]}]}}, event(amount=99.5), event(amount=100)),
    ({"detail": {"ip": [{"cidr": "10.0.0.0/8"}]}}, event(ip="10.1.2.3"), event(ip="11.0.0.1")),
    ({"detail": {"coupon": [{"exists": True}]}}, event(coupon="X"), event()),
    ({"detail": {"coupon": [{"exists": False}]}}, event(), event(coupon="X")),
    ({"detail": {"path": [{"wildcard": "orders/*/items/*"}]}}, event(path="orders/1/items/2"), event(path="orders/1")),
    ({"detail": {"tags": ["blue"], "flags": [0, 1.5, False]}}, event(tags=["red", "blue"], flags=1.5), event(tags=["red"], flags=1.5)),
    ({"source": ["acme.orders"], "detail-type": ["OrderShipped"], "resources": ["arn:aws:s3:::b"]},
     {**event(), "resources": ["arn:aws:s3:::b"]}, event()),
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus_template():
    """One delivery per corpus pattern, each on a bus of its own, synthesized once."""
    stack = new_stack()
    secret = fixture_secret(stack, "Key")
    for index, (pattern, _, _) in enumerate(CORPUS):
        ApiDelivery(
            stack, f"Delivery{index}", bus_name=f"bus{index}", event_patterns=[pattern],
            endpoint="https://api.example.com/hook", rate_limit_per_second=10,
            authorization=DeliveryAuth.api_key("x-api-key", secret), alarms=dict.fromkeys(
                ("failed_invocations", "sent_to_dlq", "failed_to_dlq", "dlq_messages_visible",
                 "dlq_oldest_message_age", "start_latency")),
        )  # fmt: skip
    return synth(stack).to_json()


def _rules_by_bus(template: dict) -> dict[str, dict]:
    resources = template["Resources"]
    found = {}
    for resource in resources.values():
        if resource["Type"] == "AWS::Events::Rule":
            bus_id = resource["Properties"]["EventBusName"]["Ref"]
            found[resources[bus_id]["Properties"]["Name"]] = resource["Properties"]
    return found


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=[json.dumps(c[0])[:50] for c in CORPUS])
def test_pattern_is_written_exactly_as_given(corpus_template, index):
    """No placeholder, no merge, nulls and big integers intact: the rule's EventPattern (an
    object, or its JSON text where jsii would alter it) is the pattern the user wrote."""
    pattern = CORPUS[index][0]
    written = _rules_by_bus(corpus_template)[f"bus{index}"]["EventPattern"]
    parsed = json.loads(written) if isinstance(written, str) else written
    assert parsed == pattern
    assert json.dumps(parsed, sort_keys=True) == json.dumps(pattern, sort_keys=True)


def test_only_patterns_jsii_would_alter_are_written_as_text(corpus_template):
    rules = _rules_by_bus(corpus_template)
    as_text = sorted(
        i for i in range(len(CORPUS)) if isinstance(rules[f"bus{i}"]["EventPattern"], str)
    )
    assert as_text == [3, 4, 7]  # the two null patterns and the integer beyond 2**53
    assert isinstance(template_value({"a": [{"b": [None]}]}), str)
    assert template_value({"a": [2**53 - 1]}) == {"a": [2**53 - 1]}


def test_the_twin_routes_matching_events_through_every_synthesized_rule(corpus_template):
    """Ten matching and ten non-matching events a bus: each rule receives exactly the ten."""
    traffic = []
    for index, (_, match, miss) in enumerate(CORPUS):
        for sample in (match, miss):
            if sample is not None:
                traffic.append({"bus": f"bus{index}", "rate": 1, "arrival": "constant",
                                "end": 10, "events": [{"event": sample}]})  # fmt: skip
    graph = load_graph(corpus_template)
    scenario = load_scenario({"duration": "1m", "seed": 3, "traffic": traffic,
                              "endpoints": [{"match": "*", "latency": 0}]})  # fmt: skip
    result = Simulation(graph, scenario).run()
    bus_of_rule = {rule.id: graph.get(rule.bus).name for rule in graph.rules}
    received = {bus_of_rule[t.rule]: t.counts["ingested"] for t in result.targets}
    assert received == {f"bus{i}": 10 for i in range(len(CORPUS))}


def test_pattern_with_a_token_is_resolved_in_the_template():
    """A token inside a pattern (the account, say) resolves like any CDK value."""
    stack = new_stack(region=None)
    ApiDelivery(stack, "D", event_patterns=[{"account": [cdk.Aws.ACCOUNT_ID]}],
                endpoint="https://api.example.com/hook",
                authorization=DeliveryAuth.api_key("x-api-key", fixture_secret(stack, "K")))  # fmt: skip
    (rule,) = [r for r in synth(stack).to_json()["Resources"].values()
               if r["Type"] == "AWS::Events::Rule"]  # fmt: skip
    assert rule["Properties"]["EventPattern"] == {"account": [{"Ref": "AWS::AccountId"}]}
