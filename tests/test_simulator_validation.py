"""The twin against queueing theory and AWS's documented retry behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.simulator import Simulation, load_scenario, simulate
from tests._templates import scenario, webhook_graph


def test_md1_mean_start_latency_matches_queueing_theory():
    """Poisson 80/s into a 100/s API destination with burst 1 and no latency is an M/D/1 queue:
    mean wait = rho / (2 mu (1 - rho)) = 0.8 / (2 * 100 * 0.2) = 20 ms."""
    graph = webhook_graph(rate=100)
    means = []
    for seed in range(5):
        spec = scenario("30m", rate=80, seed=seed, api_destinations=[{"match": "*", "burst": 1}])
        result = simulate(graph, load_scenario(spec))
        means.append(result.target("Rule").latency_ms["start"]["mean"])
    assert abs(np.mean(means) - 20.0) / 20.0 < 0.02, means


def test_token_grants_follow_the_gcra_recurrence():
    """grant_i = max(a_i, TAT_{i-1} - (B-1)/R), TAT_i = max(a_i, TAT_{i-1}) + 1/R, per event."""
    rate, burst = 100.0, 5
    graph = webhook_graph(rate=int(rate))
    spec = scenario("2m", rate=95, api_destinations=[{"match": "*", "burst": burst}])
    sim = Simulation(graph, load_scenario(spec))
    (lane,) = sim.model.lanes
    lane.trace = []
    sim.run_until(sim.model.horizon)
    arrivals = np.asarray([ingest for _, _, ingest in lane.trace])  # nothing is retried
    grants = np.asarray([start for _, start, _ in lane.trace])
    expected, tat = [], -np.inf
    for a in arrivals[: len(grants)]:
        expected.append(max(a, tat - (burst - 1) / rate))
        tat = max(a, tat) + 1 / rate
    np.testing.assert_allclose(grants, expected, rtol=0, atol=1e-9)
    assert sim.model.states[0].throttled > 0  # the bucket actually delayed some events


@pytest.mark.parametrize(
    ("policy", "condition"),
    [({"retries": 3, "age": 86400}, "MaximumRetryAttempts"),
     ({"retries": 185, "age": 120}, "MaximumEventAgeInSeconds")],
)  # fmt: skip
def test_permanent_500s_reach_the_dlq_with_the_exhausted_condition(policy, condition):
    graph = webhook_graph(**policy)
    spec = scenario("20m", rate=1, endpoints=[{"match": "*", "latency": 0, "responses": {500: 1}}])
    result = simulate(graph, load_scenario(spec))
    target = result.target("Rule")
    counts = target.counts
    assert counts["delivered"] == 0 and counts["dropped"] == 0
    assert counts["dlq"] + counts["in_flight"] == counts["ingested"]
    assert counts["dlq"] > counts["ingested"] * 0.8
    assert target.dlq["by_exhausted_retry_condition"] == {condition: counts["dlq"]}
    sample = target.dlq["samples"][0]
    assert sample["EXHAUSTED_RETRY_CONDITION"] == condition
    assert sample["ERROR_CODE"] == "ERROR_FROM_TARGET"
    assert sample["RULE_ARN"] == "arn:aws:events:us-east-1:123456789012:rule/orders/to-webhook"
    if condition == "MaximumRetryAttempts":
        assert sample["RETRY_ATTEMPTS"] == "3"
        # each DLQ'd event made exactly 1 + 3 attempts; in-flight ones between 1 and 4
        assert 4 * counts["dlq"] + counts["in_flight"] <= counts["attempts"]
        assert counts["attempts"] <= 4 * (counts["dlq"] + counts["in_flight"])


def test_twenty_minute_outage_under_default_policy_loses_nothing():
    graph = webhook_graph()  # no RetryPolicy: 185 attempts within 24 h
    spec = scenario(
        "2h", rate=5,
        endpoints=[{"match": "*", "latency": "50ms", "outages": [{"start": "20m", "end": "40m"}]}],
    )  # fmt: skip
    target = simulate(graph, load_scenario(spec)).target("Rule")
    assert target.counts["dlq"] == target.counts["dropped"] == 0
    assert target.counts["retries"] > 0
    assert target.counts["delivered"] + target.counts["in_flight"] == target.counts["ingested"]
    assert target.counts["in_flight"] < 10  # the outage backlog has drained by the end


def test_rate_limit_below_arrival_rate_exhausts_age_as_backlog_arithmetic_predicts():
    """Constant 3/s into 2/s with a 10-minute age limit: the queue wait grows by 1/2 s per second,
    so events ingested after t = 1,200 s wait more than 600 s and give up (time-outs of the age
    limit); the destination still delivers exactly 2/s."""
    graph = webhook_graph(rate=2, age=600)
    spec = scenario("1h", rate=3, traffic=[{"bus": "orders", "rate": 3, "arrival": "constant",
                    "events": [{"event": {"source": "acme.orders", "detail-type": "OrderCreated"}}]}])  # fmt: skip
    target = simulate(graph, load_scenario(spec)).target("Rule")
    counts = target.counts
    # Delivered: every token of the hour goes to an event younger than 600 s.
    assert abs(counts["delivered"] - 2 * 3600) <= 2
    # Given up by the end: ingested in (1200, 3000] -> 1800 s * 3/s * (1/3 that cannot be served).
    # Events ingested after 1,200 s whose turn would come after age 600 s: 3/s ingested, 2/s served.
    expected_dlq = (3600 - 600 - 1200) * 3 - (3600 - 600 - 1200) * 2
    assert abs(counts["dlq"] - expected_dlq) <= 0.02 * expected_dlq
    assert target.dlq["by_exhausted_retry_condition"] == {"MaximumEventAgeInSeconds": counts["dlq"]}
    assert target.dlq["by_error_code"] == {"THROTTLING": counts["dlq"]}


@pytest.mark.parametrize(
    ("step", "load", "age"),
    [(0.5, 80, 86400), (1, 80, 86400), (10, 80, 86400), (60, 80, 86400),
     (1, 150, 120), (60, 150, 120)],
)  # fmt: skip
def test_every_attempt_including_retries_follows_the_gcra(step, load, age):
    """First attempts and retries share the bucket: in service order (by ready time) every start
    obeys the GCRA recurrence, whichever path (block or one at a time) started it. The last two
    runs overload the bucket with a 2-minute age limit and a 1-minute outage, so blocks are cut
    where a request would pass its age or start inside the outage."""
    rate, burst = 100.0, 3
    outages = [{"start": "2m", "end": "3m", "status": 503}] if load > rate else []
    spec = scenario(
        "5m", rate=load, api_destinations=[{"match": "*", "burst": burst}],
        endpoints=[{"match": "*", "latency": "30ms", "outages": outages,
                    "responses": {200: 0.85, 500: 0.1, 429: 0.05}}],
    )  # fmt: skip
    spec["eventbridge"]["step"] = step
    spec["eventbridge"]["retry_backoff"] = {"base": "200ms"}
    sim = Simulation(webhook_graph(rate=int(rate), age=age), load_scenario(spec))
    (lane,) = sim.model.lanes
    lane.trace = []
    sim.run()
    trace = sorted(lane.trace)
    state = sim.model.states[0]
    assert len(trace) > 20_000 and state.retries > 1_000
    if load > rate:  # the age limit did cut blocks: requests gave up waiting
        assert state.dlq_by_condition["MaximumEventAgeInSeconds"] > 1_000
    tat = -np.inf
    for ready, start, ingest in trace:
        assert start == pytest.approx(max(ready, tat - (burst - 1) / rate), abs=1e-9)
        assert start - ingest <= age + 1e-9  # nothing starts past its event's maximum age
        tat = max(ready, tat) + 1 / rate
