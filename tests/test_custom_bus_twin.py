"""The twin on the Custom Event Bus, against references computed here: the retry timeline of a
subscriber on AWS's defaults (5 attempts or 300 s) and on Classic's, every failure retried
(``RetryStrategy: ALL``), the on-failure queue or ``EventsDropped``, filters by scope, one API
destination's rate limit shared by a Classic rule and a subscriber (a textbook GCRA recomputed
from the lane's trace), and chains through both bus kinds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from tests._custom_bus import ORDER_FILTER, classic_rule, custom_bus_template, subscriber

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"total": 120}}
PARTNER = {"Fn::GetAtt": ["Partner", "Arn"]}
OUTAGE = (300.0, 900.0)  # a 10-minute outage from minute 5
BACKOFF = {"jitter": "none", "base": "1s", "factor": 2, "cap": "60s"}
ARRIVALS = [round(0.37 + 0.4 * k, 6) for k in range(3_000)]  # 2.5/s for 20 min, off the grid


def outage_scenario(status: int | str = 503, *, bus: str = "orders") -> dict:
    return {
        "duration": "40m",
        "seed": 5,
        "eventbridge": {"processing_latency": 0, "retry_backoff": BACKOFF},
        "traffic": [{"bus": bus, "rate": 2.5, "arrival": "trace", "trace": ARRIVALS,
                     "events": [{"event": EVENT}]}],
        "endpoints": [{"match": "*", "latency": 0, "responses": {200: 1},
                       "outages": [{"start": OUTAGE[0], "end": OUTAGE[1], "status": status}]}],
    }  # fmt: skip


def retry_timeline(retries: int, age: float) -> dict[str, int]:
    """Each event's attempts, from its ingestion: it fails while the outage lasts; after the
    n-th failure it waits min(cap, base * factor**n); it gives up when the attempts run out
    (checked first) or when the next retry would come later than ``age`` after ingestion."""
    outcome = {"delivered": 0, "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 0}
    for ingest in ARRIVALS:
        at, attempt = ingest, 0
        while True:
            if not OUTAGE[0] <= at < OUTAGE[1]:
                outcome["delivered"] += 1
                break
            if attempt >= retries:
                outcome["MaximumRetryAttempts"] += 1
                break
            delay = min(60.0, 1.0 * 2.0**attempt)
            if at + delay - ingest > age:
                outcome["MaximumEventAgeInSeconds"] += 1
                break
            at, attempt = at + delay, attempt + 1
    return outcome


def webhook(**props) -> dict:
    return custom_bus_template(subscribers={"Webhook": subscriber(PARTNER, **props)})


@pytest.mark.parametrize(
    ("policy", "retries", "age"),
    [(None, 5, 300), ({"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 60}, 185, 60),
     ({"MaxRetryAttempts": 185, "MaxEventAgeInSeconds": 86400}, 185, 86400)],
    ids=["aws-defaults", "age-binds", "classic-like"],
)  # fmt: skip
def test_the_on_failure_queue_gets_exactly_the_events_whose_retries_ran_out(policy, retries, age):
    props = {"RetryPolicy": policy} if policy else {}
    result = simulate(load_graph(webhook(**props)), load_scenario(outage_scenario()))
    expected = retry_timeline(retries, age)
    target = result.target("Webhook")
    given_up = {c: n for c, n in expected.items() if c != "delivered" and n}
    assert target.counts["delivered"] == expected["delivered"]
    assert target.counts["dlq"] == sum(given_up.values())
    assert target.dlq["by_exhausted_retry_condition"] == given_up
    assert target.counts["in_flight"] == target.counts["dropped"] == 0
    if policy is None:  # AWS's defaults lose most of the outage; Classic-like loses nothing
        assert sum(given_up.values()) > 0.9 * sum(OUTAGE[0] <= t < OUTAGE[1] for t in ARRIVALS)
        sample = target.dlq["samples"][0]
        assert set(sample) >= {"SUBSCRIBER_ARN", "BUS_ARN", "TARGET_ARN", "ERROR_CODE",
                               "EXHAUSTED_RETRY_CONDITION", "RETRY_ATTEMPTS"}  # fmt: skip
        assert "RULE_ARN" not in sample and sample["RETRY_ATTEMPTS"] == "5"
    if age == 86400:
        assert given_up == {}


def test_without_an_on_failure_queue_the_same_events_are_dropped():
    template = webhook()
    del template["Resources"]["Webhook"]["Properties"]["OnFailureConfiguration"]
    result = simulate(load_graph(template), load_scenario(outage_scenario()))
    target = result.target("Webhook")
    assert target.counts["dlq"] == 0
    assert target.counts["dropped"] == retry_timeline(5, 300)["MaximumRetryAttempts"]


def test_client_errors_are_retried_too():
    """RetryStrategy ALL: a 400 is retried like a 503 (a Classic rule sends it to the DLQ at
    once), so the same events run out of attempts."""
    result = simulate(load_graph(webhook()), load_scenario(outage_scenario(400)))
    target = result.target("Webhook")
    assert target.dlq["by_exhausted_retry_condition"] == {
        "MaximumRetryAttempts": retry_timeline(5, 300)["MaximumRetryAttempts"]
    }
    assert target.counts["retries"] >= 5 * target.counts["dlq"]


def two_kinds(rate: int) -> dict:
    """A Classic bus ``legacy`` whose rule calls the partner, and the new bus whose subscriber
    calls the same partner: one API destination, one rate limit."""
    return custom_bus_template(rate=rate, subscribers={
        "Webhook": subscriber(PARTNER),
        "Legacy": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "legacy"}},
        "Rule": classic_rule(PARTNER),
    })  # fmt: skip


def test_a_rule_and_a_subscriber_share_the_api_destinations_rate_limit():
    """8/s on each bus into one 10/s destination (burst 2): every start, whichever owner it
    serves, follows one GCRA: grant_i = max(a_i, TAT - (B-1)/R), TAT_i = max(a_i, TAT) + 1/R."""
    rate, burst = 10.0, 2
    spec = {"duration": "3m", "seed": 2, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": name, "rate": 8, "events": [{"event": EVENT}]}
                        for name in ("legacy", "orders")],
            "endpoints": [{"match": "*", "latency": 0}],
            "api_destinations": [{"match": "*", "burst": burst}]}  # fmt: skip
    sim = Simulation(load_graph(two_kinds(int(rate))), load_scenario(spec))
    (lane,) = sim.model.lanes
    assert {state.rule_id for state in lane.targets} == {"Rule", "Webhook"}
    lane.trace = []
    result = sim.run()
    ready = np.asarray([r for r, _, _ in lane.trace])
    starts = np.asarray([s for _, s, _ in lane.trace])
    order = np.argsort(ready, kind="stable")
    expected, tat = [], -np.inf
    for a in ready[order]:
        expected.append(max(a, tat - (burst - 1) / rate))
        tat = max(a, tat) + 1 / rate
    np.testing.assert_allclose(np.sort(starts), expected, rtol=0, atol=1e-9)
    served = {t.rule: t.counts["delivered"] for t in result.targets}
    assert served["Rule"] > 0 and served["Webhook"] > 0
    assert sum(served.values()) <= rate * 180 + burst  # one limit, not two
    assert sum(served.values()) == np.count_nonzero(starts <= 180)  # no latency: start = end


def test_events_cross_both_bus_kinds_end_to_end():
    """A Classic rule forwards to the new bus; its subscriber forwards to a Classic bus whose
    rule calls the partner: every event that reached each hop was delivered by the one
    before, and none was lost (no failures)."""
    template = custom_bus_template(subscribers={
        "Legacy": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "legacy"}},
        "Downstream": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "downstream"}},
        "Forward": classic_rule({"Fn::GetAtt": ["Orders", "EventBusArn"]}),
        "Relay": subscriber({"Fn::GetAtt": ["Downstream", "Arn"]}),
        "Call": classic_rule(PARTNER, bus="Downstream"),
    })  # fmt: skip
    spec = {"duration": "10m", "seed": 3, "traffic": [{"bus": "legacy", "rate": 5, "end": "5m",
            "events": [{"event": EVENT}]}], "endpoints": [{"match": "*", "latency": "50ms"}]}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    forward, relay, call = (result.target(name).counts for name in ("Forward", "Relay", "Call"))
    assert forward["ingested"] > 1_300
    assert relay["ingested"] == forward["delivered"] == forward["ingested"]
    assert call["ingested"] == relay["delivered"] == relay["ingested"]
    assert call["delivered"] == call["ingested"]


def test_filters_see_each_scope_of_a_putevents_event():
    """DATA is the envelope; SYSTEM_METADATA holds aws:DeliveryType LIVE; METADATA is absent for
    PutEvents traffic, so a METADATA filter never matches it (and the run says so)."""
    data = json.dumps(ORDER_FILTER)
    filters = {
        "Data": [{"Scope": "DATA", "Pattern": data}],
        "Live": [{"Scope": "DATA", "Pattern": data},
                 {"Scope": "SYSTEM_METADATA", "Pattern": '{"aws:DeliveryType": ["LIVE"]}'}],
        "Replayed": [{"Scope": "SYSTEM_METADATA", "Pattern": '{"aws:DeliveryType": ["REPLAY"]}'}],
        "Tenant": [{"Scope": "METADATA", "Pattern": '{"tenant": ["acme"]}'}],
    }  # fmt: skip
    subscribers = {
        name: subscriber(PARTNER, Name=name, FilterConfiguration={"Filters": f})
        for name, f in filters.items()
    }
    cancelled = {**EVENT, "detail-type": "OrderCancelled"}
    spec = {"duration": "5m", "seed": 9, "traffic": [{"bus": "orders", "rate": 4, "events": [
        {"event": EVENT, "weight": 3}, {"event": cancelled, "weight": 1}]}],
        "endpoints": [{"match": "*", "latency": 0}]}  # fmt: skip
    result = simulate(load_graph(custom_bus_template(subscribers=subscribers)),
                      load_scenario(spec))  # fmt: skip
    ingested = {t.rule: t.counts["ingested"] for t in result.targets}
    assert ingested["Replayed"] == ingested["Tenant"] == 0
    assert ingested["Data"] == ingested["Live"]
    assert 0.65 < ingested["Data"] / (4 * 300) < 0.85  # about three in four are OrderCreated
    unmatched = [w["message"] for w in result.warnings if w["code"] == "unmatched-traffic"]
    assert any("matches no subscriber (running or stopped) on bus orders" in m for m in unmatched)


def test_what_the_twin_does_not_model_yet_is_said():
    subscribers = {
        "Fifo": subscriber(PARTNER, Name="fifo", Type="FIFO"),
        "Batched": subscriber("arn:aws:sqs:us-east-1:123456789012:jobs", Name="batched"),
        "Paused": subscriber(PARTNER, Name="paused", State="STOPPED"),
    }
    spec = {"duration": "2m", "traffic": [{"bus": "orders", "rate": 2,
                                           "events": [{"event": EVENT}]}]}  # fmt: skip
    result = simulate(load_graph(custom_bus_template(subscribers=subscribers)),
                      load_scenario(spec))  # fmt: skip
    codes = {(w["code"], w["message"].split(":")[0]) for w in result.warnings}
    assert ("subscriber-stopped", "Paused") in codes
    assert not any(code == "batching-not-simulated" for code, _ in codes)
    assert any(a.startswith("Batched: batches close at MaxBatchSize") for a in result.assumptions)
    assert any(a.startswith("Fifo: FIFO: one request in flight per event group")
               for a in result.assumptions)  # fmt: skip
    paused = result.target("Paused").counts  # STOPPED: its events wait on the bus
    assert paused["delivered"] == 0 and paused["in_flight"] == paused["ingested"] > 0
    assert any("no Type, taken as UNORDERED" in a for a in result.assumptions)
    assert any("Custom Event Bus): no publish quota" in a for a in result.assumptions)


def test_alarms_on_subscriber_metrics_follow_the_retry_timeline():
    """An alarm on AWS/EventsV2 OnFailureDestinationDelivered (Sum >= 1 per minute) goes to
    ALARM at the first minute boundary after the first record reaches the queue and back to OK
    at the first boundary after a minute without one; an EventsDropped alarm on a subscriber
    with a queue never fires. Records reach the queue 31 s after ingestion (attempts at 0, 1,
    3, 7, 15 and 31 s, all inside the outage)."""
    alarm = {"Namespace": "AWS/EventsV2", "Statistic": "Sum", "Period": 60,
             "EvaluationPeriods": 1, "Threshold": 1, "TreatMissingData": "notBreaching",
             "ComparisonOperator": "GreaterThanOrEqualToThreshold",
             "Dimensions": [{"Name": "EventBus", "Value": {"Fn::GetAtt": ["Orders", "EventBusArn"]}},
                            {"Name": "Subscriber",
                             "Value": {"Fn::GetAtt": ["Webhook", "SubscriberArn"]}}]}  # fmt: skip
    template = webhook()
    template["Resources"]["ToQueue"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        **alarm, "MetricName": "OnFailureDestinationDelivered"}}  # fmt: skip
    template["Resources"]["Dropped"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        **alarm, "MetricName": "EventsDropped"}}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(outage_scenario()))
    written = sorted(t + 31 for t in ARRIVALS if all(
        OUTAGE[0] <= t + d < OUTAGE[1] for d in (0, 1, 3, 7, 15, 31)))  # fmt: skip
    minutes = sorted({int(w // 60) for w in written})
    assert minutes == list(range(minutes[0], minutes[-1] + 1))  # contiguous
    transitions = [(a["at_s"], a["state"]) for a in result.alarms if a["alarm"] == "ToQueue"]
    assert transitions[-2:] == [((minutes[0] + 1) * 60, "ALARM"), ((minutes[-1] + 2) * 60, "OK")]
    assert not [a for a in result.alarms if a["alarm"] == "Dropped" and a["state"] == "ALARM"]
    assert result.target("Webhook").counts["dlq"] == len(written)


def test_a_subscribers_retry_policy_can_be_overridden_for_what_if_runs():
    """overrides.targets globs reach a subscriber's target (``SUBSCRIBER/Target``): the same
    outage with Classic's limits loses nothing; the result says what changed."""
    spec = {**outage_scenario(), "overrides": {"targets": {
        "webhook/Target": {"retry_attempts": 185, "max_event_age": "24h"}}}}  # fmt: skip
    result = simulate(load_graph(webhook()), load_scenario(spec))
    assert result.target("Webhook").counts["dlq"] == 0
    assert result.target("Webhook").counts["delivered"] == len(ARRIVALS)
    assert result.overrides == ("target Webhook/Target: retries 5 -> 185, maximum event age "
                                "300 s -> 86400 s, DLQ Dlq -> Dlq",)  # fmt: skip


def test_duplicates_inside_the_window_are_stored_once():
    """duplicates: 0.2 -> the bus accepts every entry, answers DEDUPLICATED for the repeats and
    stores only the rest: what the subscriber receives is exactly accepted - deduplicated, and
    the deduplicated share is d within three standard deviations of a binomial draw."""
    d = 0.2
    spec = {"duration": "10m", "seed": 8, "traffic": [{"bus": "orders", "rate": 20,
            "duplicates": d, "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0}]}  # fmt: skip
    result = simulate(load_graph(webhook()), load_scenario(spec))
    (feed,) = [f for r in result.regions for f in r["feeds"] if f["name"] == "traffic.0"]
    published, deduplicated = feed["accepted_entries"], feed["deduplicated"]
    assert result.target("Webhook").counts["ingested"] == published - deduplicated
    sigma = (published * d * (1 - d)) ** 0.5
    assert abs(deduplicated - d * published) < 3 * sigma


HOUR = 3600.0
MINUTELY = [30.0 + 60.0 * k for k in range(120)]  # one order a minute for two hours


def paused_run(resume: str) -> dict:
    """Stopped from minute 30 to hour 25 (the bus keeps events one day), then resumed."""
    spec = {"duration": "26h", "seed": 2, "eventbridge": {"processing_latency": 0},
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": MINUTELY,
                         "events": [{"event": EVENT}]}],
            "endpoints": [{"match": "*", "latency": 0}],
            "subscribers": [{"match": "webhook", "pauses": [
                {"start": "30m", "end": "25h", "resume": resume}]}]}  # fmt: skip
    return simulate(load_graph(custom_bus_template(retention=1, subscribers={
        "Webhook": subscriber(PARTNER)})), load_scenario(spec)).target("Webhook")  # fmt: skip


def test_a_subscriber_resumed_after_retention_loses_exactly_the_older_events():
    """At hour 25 the bus holds what came after hour 1: those are delivered then, oldest first;
    what came between minute 30 and hour 1 expired at 24 h old, with no record."""
    target = paused_run("LAST_PROCESSED")
    before = sum(t < 30 * 60 for t in MINUTELY)
    expired = sum(30 * 60 <= t <= HOUR for t in MINUTELY)
    held = [t for t in MINUTELY if t > HOUR]
    assert target.dropped_by_error_code == {"RETENTION_EXPIRED": expired}
    assert target.counts["delivered"] == before + len(held)
    assert target.counts["in_flight"] == 0
    assert target.latency_ms["start"]["max"] == pytest.approx((25 * HOUR - held[0]) * 1e3)


def test_resuming_at_latest_skips_the_backlog():
    target = paused_run("LATEST")
    before = sum(t < 30 * 60 for t in MINUTELY)
    assert target.counts["delivered"] == before
    assert target.dropped_by_error_code == {"NOT_READ_RESUMED_AT_LATEST": len(MINUTELY) - before}
