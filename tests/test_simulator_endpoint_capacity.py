"""Endpoints that saturate, against independent references.

- Erlang's C formula for the M/M/c queue (Poisson arrivals, exponential service, c workers):
  the probability that a request waits and the mean wait, at a moderate and a heavy load;
- the arithmetic of small timelines for the waiting line, its limit and abandoned work;
- whole runs where raising the rate limit past the endpoint's capacity makes delivery worse.
"""

from __future__ import annotations

import math

import pytest

from bridgetwin.simulator import load_scenario, simulate
from bridgetwin.simulator.aws.endpoint_capacity import ServerPool
from tests._templates import scenario, webhook_graph


def erlang_c(c: int, offered: float) -> float:
    """P(wait > 0) in M/M/c with offered load ``offered`` = lambda / mu (Erlang B recursion)."""
    blocking = 1.0
    for k in range(1, c + 1):
        blocking = offered * blocking / (k + offered * blocking)
    return c * blocking / (c - offered * (1 - blocking))


def capacity_run(rate: float, duration: str):
    spec = scenario(
        duration,
        rate=rate,
        endpoints=[{
            "match": "*",
            "latency": {"distribution": "exponential", "mean": "100ms"},
            "capacity": {"concurrency": 4},
        }],
    )  # fmt: skip
    return simulate(webhook_graph(rate=300), load_scenario(spec))


@pytest.mark.parametrize("rate", [20, 36])
def test_waiting_follows_erlang_c(rate):
    """Four workers of 10 requests/s each, at 50 % and 90 % load, for 3 hours. The tolerances
    cover the sampling error of a correlated queue (measured over seeds 1-6: at most 1.6 % and
    3.2 % off on the waiting probability and the mean wait at 50 %, 0.6 % and 11 % at 90 %)."""
    result = capacity_run(rate, "3h")
    (endpoint,) = result.endpoints
    mu, c = 10.0, 4
    waiting = erlang_c(c, rate / mu)
    mean_wait_ms = waiting / (c * mu - rate) * 1e3
    assert endpoint["requests"] == result.target("Rule").counts["attempts"]
    assert endpoint["waited"] / endpoint["requests"] == pytest.approx(waiting, rel=0.06)
    assert endpoint["mean_wait_ms"] == pytest.approx(mean_wait_ms, rel=0.18)
    assert endpoint["utilization"] == pytest.approx(rate / (c * mu), rel=0.03)
    assert result.target("Rule").counts["retries"] == 0  # nobody waited 5 s


def test_a_full_waiting_line_answers_at_once():
    """One worker, 1 s per request, nobody may wait: requests at 0, 0.5, 1.0, 1.5 s."""
    pool = ServerPool(1, queue_limit=0)
    assert [pool.admit(t, 1.0) for t in (0.0, 0.5, 1.0, 1.5)] == [1.0, None, 1.0, None]
    assert (pool.stats.requests, pool.stats.rejected, pool.stats.waited) == (4, 2, 0)


def test_waiting_is_first_come_first_served_and_bounded():
    """Two workers, 3 s each, two may wait; a request every 0.5 s from 0 to 3.5 s."""
    pool = ServerPool(2, queue_limit=2)
    got = [pool.admit(t / 2, 3.0) for t in range(8)]
    # 0 and 0.5 start at once (workers free at 3 and 3.5); 1.0 waits until 3, 1.5 until 3.5;
    # 2.0 and 2.5 find two waiting: full; at 3.0 the first waiter has left the line, so 3.0
    # waits for the worker free at 6 and 3.5 for the one free at 6.5
    assert got == [3.0, 3.0, 5.0, 5.0, None, None, 6.0, 6.0]
    assert (pool.stats.waited, pool.stats.rejected, pool.stats.wait_max) == (4, 2, 3.0)


def test_abandoned_work_still_takes_the_worker():
    """EventBridge gives up after 5 s, the endpoint does not: a 8 s request holds its only
    worker until 8 s, so one arriving at 1 s answers after 15 s (a timeout too)."""
    pool = ServerPool(1, queue_limit=None)
    assert pool.admit(0.0, 8.0) == 8.0
    assert pool.admit(1.0, 8.0) == 15.0


def overload(rate_limit: int):
    """50 requests/s of capacity (10 workers, 200 ms each); 60 events/s for 10 minutes."""
    spec = scenario(
        "30m",
        rate=60,
        endpoints=[{"match": "*", "latency": "200ms", "capacity": {"concurrency": 10}}],
    )
    spec["traffic"][0].update(end="10m", arrival="constant")
    return simulate(webhook_graph(rate=rate_limit, retries=3), load_scenario(spec))


def test_a_rate_limit_past_capacity_makes_delivery_worse():
    """At 40/s the rate limit queues the excess in EventBridge and every event arrives; at
    150/s the endpoint's own line grows past the 5 s timeout, abandoned requests keep its
    workers busy, retries add load, and events are lost to the DLQ."""
    below, above = overload(40).target("Rule"), overload(150).target("Rule")
    assert below.counts["dlq"] == 0 and below.counts["retries"] == 0
    assert below.counts["delivered"] == below.counts["ingested"] == 36_000
    assert above.dlq["by_error_code"].get("TIMEOUT", 0) > 0
    assert above.counts["retries"] > 1000
    assert above.counts["delivered"] < below.counts["delivered"]


def test_when_full_status_is_retried_with_retry_after():
    spec = scenario(
        "2m",
        rate=30,
        endpoints=[{"match": "*", "latency": "1s", "retry_after": "10s",
                    "capacity": {"concurrency": 1, "queue": 0, "when_full": 429}}],
    )  # fmt: skip
    result = simulate(webhook_graph(rate=300, retries=1), load_scenario(spec))
    target = result.target("Rule")
    (endpoint,) = result.endpoints
    assert endpoint["rejected_full"] > 0
    assert target.dlq["by_error_code"] == {"THROTTLING": target.counts["dlq"]}
    # one worker of 1 s serves at most one request per second of the run
    assert target.counts["delivered"] <= 120
    assert math.isclose(endpoint["utilization"], target.counts["delivered"] / 120, abs_tol=0.02)


def test_an_endpoint_without_capacity_is_an_assumption():
    result = simulate(webhook_graph(), load_scenario(scenario("1m")))
    assert ("Dest: https://api.example.com/hook answers as fast at any load (unlimited "
            "capacity; endpoints[].capacity sets its workers)") in result.assumptions  # fmt: skip
    assert result.endpoints == ()


def test_the_saturation_example_tells_its_story():
    """examples/saturation (README, Capacity): below the partner's capacity nothing is lost;
    past it the endpoint turns requests away, retries pile up and orders reach the DLQ."""
    from pathlib import Path

    from bridgetwin.graph import load_graph

    here = Path(__file__).parent.parent / "examples" / "saturation"
    scenario_ = load_scenario(here / "scenario.yaml")
    runs = {
        limit: simulate(load_graph(here / "template.yaml", {"RateLimit": limit}), scenario_)
        for limit in (40, 150)
    }
    below, above = (runs[limit].target("ToPartner") for limit in (40, 150))
    assert below.counts["delivered"] == below.counts["ingested"] > 50_000
    assert below.counts["dlq"] == 0 and runs[40].endpoints[0]["rejected_full"] == 0
    assert above.counts["dlq"] > 0 and runs[150].endpoints[0]["rejected_full"] > 0
    assert above.counts["retries"] > below.counts["ingested"]
    assert runs[40].slo_passed and not runs[150].slo_passed
