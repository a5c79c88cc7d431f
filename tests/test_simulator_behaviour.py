"""AWS's retry classification and connection auth, observed through whole runs."""

from __future__ import annotations

import pytest

from bridgetwin.simulator import load_scenario, simulate
from tests._templates import scenario, webhook_graph


def run(graph, **spec):
    return simulate(graph, load_scenario(scenario(**spec))).target("Rule")


@pytest.mark.parametrize("status", [400, 403, 404, 409, 302, 101])
def test_non_retried_statuses_go_straight_to_the_dlq(status):
    target = run(
        webhook_graph(), endpoints=[{"match": "*", "latency": 0, "responses": {status: 1}}]
    )
    assert target.counts["retries"] == 0
    assert target.counts["dlq"] == target.counts["ingested"]
    assert target.dlq["by_exhausted_retry_condition"] == {
        "none (not retried)": target.counts["dlq"]
    }
    assert "EXHAUSTED_RETRY_CONDITION" not in target.dlq["samples"][0]
    assert target.dlq["samples"][0]["ERROR_MESSAGE"] == f"HTTP {status}"


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_429_and_5xx_are_retried(status):
    target = run(
        webhook_graph(retries=2), endpoints=[{"match": "*", "latency": 0, "responses": {status: 1}}]
    )
    assert target.counts["retries"] > 0
    assert target.dlq["by_exhausted_retry_condition"] == {
        "MaximumRetryAttempts": target.counts["dlq"]
    }


def test_without_dlq_exhausted_events_are_dropped():
    target = run(
        webhook_graph(retries=1, dlq=False), endpoints=[{"match": "*", "responses": {500: 1}}]
    )
    assert target.counts["dlq"] == 0
    assert target.counts["dropped"] > 0
    assert target.dropped_by_error_code == {"ERROR_FROM_TARGET": target.counts["dropped"]}


def test_slow_responses_time_out_after_five_seconds_and_are_retried():
    target = run(webhook_graph(retries=1), rate=1, endpoints=[{"match": "*", "latency": "6s"}])
    assert target.counts["delivered"] == 0
    assert target.dlq["by_error_code"] == {"TIMEOUT": target.counts["dlq"]}
    assert target.latency_ms["complete"]["max"] == pytest.approx(5000)


def test_retry_after_lengthens_the_backoff():
    spec = {
        "endpoints": [{"match": "*", "latency": 0, "responses": {429: 1}, "retry_after": "30s"}]
    }
    target = run(webhook_graph(retries=185, age=100), rate=1, **spec)
    # With Retry-After 30 s, at most 4 attempts fit in 100 s; without it, ~7 would.
    assert target.counts["attempts"] <= 4 * (target.counts["dlq"] + target.counts["in_flight"])
    assert target.dlq["by_exhausted_retry_condition"] == {
        "MaximumEventAgeInSeconds": target.counts["dlq"]
    }


def test_negative_retry_after_stops_retries():
    spec = {"endpoints": [{"match": "*", "latency": 0, "responses": {503: 1},
                           "retry_after": "1s", "retry_after_negative": True}]}  # fmt: skip
    target = run(webhook_graph(), **spec)
    assert target.counts["retries"] == 0
    assert target.counts["dlq"] == target.counts["ingested"]


def test_oauth_401_refreshes_the_token_and_retries():
    graph = webhook_graph(auth="OAUTH_CLIENT_CREDENTIALS", retries=5)
    target = run(graph, endpoints=[{"match": "*", "latency": 0, "responses": {200: 0.5, 401: 0.5}}])
    assert target.counts["retries"] > 0
    assert target.counts["delivered"] > 0.9 * target.counts["ingested"]


def test_401_without_oauth_is_not_retried():
    target = run(webhook_graph(auth="API_KEY"), endpoints=[{"match": "*", "responses": {401: 1}}])
    assert target.counts["retries"] == 0


def test_oauth_token_latency_is_paid_once_per_ttl():
    graph = webhook_graph(auth="OAUTH_CLIENT_CREDENTIALS")
    spec = {"endpoints": [{"match": "*", "latency": 0,
                           "oauth": {"token_ttl": "5m", "token_latency": "1s"}}]}  # fmt: skip
    target = run(graph, duration="30m", rate=1, **spec)
    slow = target.latency_ms["success"]["max"]
    assert slow == pytest.approx(1000, abs=1)  # a fetch happened
    assert target.latency_ms["success"]["p90"] < 1  # most calls reuse the cached token


def test_oauth_token_failures_are_retried():
    graph = webhook_graph(auth="OAUTH_CLIENT_CREDENTIALS", retries=10)
    spec = {
        "endpoints": [{"match": "*", "latency": 0, "oauth": {"failure_rate": 0.5, "token_ttl": 0}}]
    }
    target = run(graph, **spec)
    assert target.counts["retries"] > 0
    assert target.counts["delivered"] > 0.95 * target.counts["ingested"]


def test_put_events_quota_throttles_and_producer_drops():
    spec = scenario("1m", rate=50)
    spec["eventbridge"]["put_events_quota"] = 10
    spec["traffic"][0]["on_throttle"] = "drop"
    result = simulate(webhook_graph(), load_scenario(spec))
    (feed,) = result.regions[0]["feeds"]
    assert feed["throttled_calls"] > 0
    assert feed["lost_at_producer"] == feed["throttled_calls"]
    assert result.target("Rule").counts["ingested"] == feed["accepted_entries"]
    assert abs(feed["accepted_entries"] - 10 * 60) <= 15


def test_oversized_entries_fail_without_reaching_targets():
    big = {
        "source": "acme.orders",
        "detail-type": "OrderCreated",
        "detail": {"blob": "x" * 300_000},
    }
    spec = scenario(traffic=[{"bus": "orders", "rate": 5, "events": [{"event": big}]}])
    result = simulate(webhook_graph(), load_scenario(spec))
    assert result.regions[0]["feeds"][0]["failed_entries"] > 0
    assert result.target("Rule").counts["ingested"] == 0


def test_unmatched_events_reach_no_target():
    other = {"source": "acme.payments", "detail-type": "PaymentAccepted"}
    spec = scenario(traffic=[{"bus": "orders", "rate": 5, "events": [{"event": other}]}])
    assert simulate(webhook_graph(), load_scenario(spec)).target("Rule").counts["ingested"] == 0


@pytest.mark.parametrize(
    ("region", "put_events", "invocations"),
    [("us-east-1", 10_000, 18_750), ("eu-central-1", 2_400, 4_500), ("eu-west-2", 1_200, 2_250),
     ("ca-central-1", 600, 1_100), ("af-south-1", 400, 750)],
)  # fmt: skip
def test_region_quotas_follow_the_fact_sheet(region, put_events, invocations):
    from bridgetwin.simulator.aws.quotas import invocation_quota, put_events_quota

    assert (put_events_quota(region), invocation_quota(region)) == (put_events, invocations)


def _sized(detail_bytes: int, name: str) -> dict:
    """An event whose entry is exactly ``detail_bytes`` + len(source) + len(detail-type) bytes
    (AWS's computation: UTF-8 bytes of Source, DetailType and the Detail string)."""
    blob = "x" * (detail_bytes - len('{"blob": ""}'))
    return {"source": "acme.orders", "detail-type": name, "detail": {"blob": blob}}


def test_a_request_over_256_kb_fails_whole_and_its_entries_are_lost():
    """Entries of 30,000 bytes each fit alone (under 262,144); ten in one call make 300,000+
    bytes, so every such call is rejected; eight (240,000 + 8 * 23 bytes) fit."""
    small = _sized(30_000 - len("acme.orders") - len("OrderCreated"), "OrderCreated")
    for batch, rejected in ((10, True), (8, False)):
        spec = scenario(traffic=[{"bus": "orders", "rate": 20, "batch": batch, "arrival": "constant",
                                  "events": [{"event": small}]}])  # fmt: skip
        result = simulate(webhook_graph(), load_scenario(spec))
        (feed,) = result.regions[0]["feeds"]
        calls = 20 * 600 // batch
        assert feed["too_large_calls"] == (calls if rejected else 0)
        assert feed["lost_at_producer"] == (calls * batch if rejected else 0)
        assert feed["failed_entries"] == 0
        assert result.target("Rule").counts["ingested"] == (0 if rejected else calls * batch)


def test_the_request_limit_counts_the_entries_of_each_call():
    """Two templates of 125,023 and 20,023 bytes drawn at random, three per call: a call is
    rejected exactly when it holds two or more of the large ones (the test counts them from
    the draws' expected share: P(>= 2 large of 3) with p = 1/2 is 1/2)."""
    large = _sized(125_000, "OrderCreated")
    small = _sized(20_000, "OrderCreated")
    spec = scenario(traffic=[{"bus": "orders", "rate": 30, "batch": 3, "arrival": "constant",
                              "events": [{"event": large}, {"event": small}]}])  # fmt: skip
    result = simulate(webhook_graph(), load_scenario(spec))
    (feed,) = result.regions[0]["feeds"]
    calls = 30 * 600 // 3
    assert abs(feed["too_large_calls"] / calls - 0.5) < 4 * (0.25 / calls) ** 0.5
    assert feed["accepted_entries"] == 3 * (calls - feed["too_large_calls"])
