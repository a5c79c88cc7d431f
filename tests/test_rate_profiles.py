"""What calibrated scenarios are made of: ``arrival: profile`` traffic, outages of non-HTTP
targets, and events written from patterns; each checked against arithmetic or the matcher."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgetwin.graph import load_graph
from bridgetwin.patterns import compile_pattern, example_event
from bridgetwin.simulator import ScenarioError, load_scenario, simulate
from bridgetwin.simulator.engine.workload import call_times

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"amount": 5}}


def queue_template(retries: int = 0) -> dict:
    return {"Resources": {
        "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
        "Q": {"Type": "AWS::SQS::Queue"}, "Dlq": {"Type": "AWS::SQS::Queue"},
        "Rule": {"Type": "AWS::Events::Rule", "Properties": {
            "EventBusName": {"Ref": "Bus"}, "EventPattern": {"source": ["acme.orders"]},
            "Targets": [{"Id": "Q", "Arn": {"Fn::GetAtt": ["Q", "Arn"]},
                         "RetryPolicy": {"MaximumRetryAttempts": retries},
                         "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}}}]}}}}  # fmt: skip


def test_a_profile_puts_each_periods_rate():
    """Counts per minute are Poisson around each period's rate (within 5 sd), none after the
    profile ends, and the scenario's rate is the profile's mean."""
    rates = [2.0, 0.0, 30.0, 5.5, 12.0]
    spec = load_scenario({"duration": "10m", "traffic": [{
        "bus": "orders", "arrival": "profile", "profile": {"period": "1m", "rates": rates},
        "events": [{"event": EVENT}]}]})  # fmt: skip
    assert spec.traffic[0].rate == pytest.approx(np.mean(rates))
    (target,) = simulate(load_graph(queue_template()), spec).targets
    counts = target.ingested_by_minute
    for minute, rate in enumerate(rates):
        expected = rate * 60
        assert abs(counts[minute] - expected) <= 5 * np.sqrt(expected) + 1e-9, (minute, counts)
    assert sum(counts[len(rates) :]) == 0


def test_a_profile_does_not_depend_on_how_it_is_windowed():
    spec = load_scenario({"duration": "1h", "traffic": [{
        "bus": "orders", "arrival": "profile", "profile": {"period": 90, "rates": [3, 1, 4]},
        "start": 30, "events": [{"event": EVENT}]}]})  # fmt: skip
    traffic = spec.traffic[0]
    whole = call_times(traffic, (0, 400), np.random.default_rng(1))
    assert whole.min() >= 30 and whole.max() < 30 + 270 and np.all(np.diff(whole) >= 0)
    per_period = [np.count_nonzero((whole >= 30 + 90 * i) & (whole < 120 + 90 * i))
                  for i in range(3)]  # fmt: skip
    assert all(
        abs(n - r * 90) <= 5 * np.sqrt(r * 90) for n, r in zip(per_period, (3, 1, 4), strict=True)
    )


@pytest.mark.parametrize(("traffic", "message"), [
    ({"arrival": "profile", "rate": 3, "profile": {"rates": [1]}}, "drop 'rate'"),
    ({"arrival": "profile"}, "needs 'profile.rates'"),
    ({"arrival": "profile", "profile": {"rates": [0, 0]}}, "at least one period"),
    ({"arrival": "profile", "profile": {"rates": [1, -2]}}, "0 or more"),
    ({"rate": 3, "profile": {"rates": [1]}}, "goes with 'arrival: profile'"),
])  # fmt: skip
def test_bad_profiles_name_the_problem(traffic, message):
    spec = {"duration": 60, "traffic": [{"bus": "orders", "events": [{"event": EVENT}], **traffic}]}
    with pytest.raises(ScenarioError, match=message):
        load_scenario(spec)


def test_a_targets_outage_fails_exactly_the_attempts_inside_it():
    """Constant arrivals every 0.1 s, 20 ms processing, no retries: an event goes to the DLQ
    exactly when its attempt starts in [120 s, 240 s): ingested in [119.98, 239.98), i.e.
    events 1200..2399, 1,200 of them."""
    spec = load_scenario({"duration": "6m", "drain": "1m", "traffic": [
        {"bus": "orders", "rate": 10, "arrival": "constant", "events": [{"event": EVENT}]}],
        "targets": [{"match": "Q", "outages": [{"start": "2m", "end": "4m"}]}]})  # fmt: skip
    (target,) = simulate(load_graph(queue_template()), spec).targets
    assert target.counts["dlq"] == 1200
    assert (
        target.per_minute["failed"][2:4] == [600, 600] and sum(target.per_minute["failed"]) == 1200
    )
    assert target.counts["delivered"] == target.counts["ingested"] - 1200


def test_retries_outlast_a_short_outage():
    spec = load_scenario({"duration": "5m", "drain": "30m", "traffic": [
        {"bus": "orders", "rate": 5, "events": [{"event": EVENT}]}],
        "targets": [{"match": "*", "outages": [{"start": 60, "end": 90}]}]})  # fmt: skip
    (target,) = simulate(load_graph(queue_template(retries=20)), spec).targets
    assert target.counts["retries"] > 100 and target.counts["dlq"] == 0
    assert target.counts["delivered"] == target.counts["ingested"]


OPERANDS = st.one_of(
    st.lists(st.sampled_from(["a", "b", "acme.orders", 7, 2.5, True, None]), min_size=1,
             max_size=3),
    st.builds(lambda p: [{"prefix": p}], st.sampled_from(["ac", "x-", "Or"])),
    st.builds(lambda p: [{"suffix": p}], st.sampled_from([".png", "-eu"])),
    st.builds(lambda p: [{"equals-ignore-case": p}], st.sampled_from(["Orders", "EU"])),
    st.builds(lambda p: [{"anything-but": p}], st.sampled_from(["x", ["a", "b"], [1, 2]])),
    st.builds(lambda lo, width: [{"numeric": [">", lo, "<=", lo + width]}],
              st.integers(-50, 50), st.integers(1, 100)),
    st.builds(lambda v: [{"numeric": ["=", v]}], st.integers(-5, 5)),
    st.builds(lambda b: [{"exists": b}], st.booleans()),
    st.builds(lambda c: [{"cidr": c}], st.sampled_from(["10.0.0.0/24", "192.168.1.0/30"])),
    st.builds(lambda w: [{"wildcard": w}], st.sampled_from(["a*b", "*.json", "x*y*z"])),
)  # fmt: skip
STRINGS = st.one_of(
    st.lists(st.sampled_from(["a", "acme.orders"]), min_size=1, max_size=2),
    st.builds(lambda p: [{"prefix": p}], st.sampled_from(["ac", "x-"])),
    st.builds(lambda p: [{"anything-but": p}], st.sampled_from(["x", ["a", "b"]])),
    st.builds(lambda w: [{"wildcard": w}], st.sampled_from(["a*b", "*.orders"])),
)
"""Conditions a string can meet (PutEvents' ``source`` is a string)."""
FIELDS = st.dictionaries(st.sampled_from(["amount", "state", "region", "kind"]), OPERANDS,
                         min_size=1, max_size=3)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(detail=FIELDS, source=st.none() | STRINGS)
def test_an_example_event_exists_for_every_satisfiable_pattern(detail, source):
    """Every pattern these operators make is satisfiable; the event written for it matches it
    (checked by the matcher the twin routes with) and carries PutEvents' required fields."""
    raw = {"detail": detail, **({"source": source} if source else {})}
    pattern = compile_pattern(raw)
    event = example_event(pattern)
    assert event is not None, raw
    assert pattern.matches(event)
    assert isinstance(event["source"], str) and isinstance(event["detail-type"], str)


def test_an_example_event_avoids_other_rules_where_it_can():
    big = compile_pattern(
        {"source": ["acme.orders"], "detail": {"amount": [{"numeric": [">=", 1000]}]}}
    )
    created = compile_pattern({"source": ["acme.orders"], "detail-type": ["OrderCreated"]})
    everything = compile_pattern({"source": ["acme.orders"]})
    event = example_event(big, [created, everything])
    assert big.matches(event) and not created.matches(event) and everything.matches(event)
    assert event["detail"]["amount"] == 1000  # the range's plainest number
