"""The default retry schedule against AWS's two published limits, and retries vs the quota.

AWS documents 185 retries and 24 hours together. The reference here is the arithmetic of the
schedule: the k-th retry waits U(0, min(cap, 2**k)), so the time of the 185th retry is a sum of
185 independent uniforms whose mean and variance are computed in the test; the share of events
that exhaust their retries (rather than their age) follows from the central limit theorem.
"""

from __future__ import annotations

import math

from bridgetwin.service_defaults import RETRY_BACKOFF_CAP_S, expected_retry_schedule_s
from bridgetwin.simulator import load_scenario, simulate
from tests._templates import EVENT, scenario, webhook_graph

EVENTS = 400


def _ceilings(cap: float) -> list[float]:
    return [min(cap, 2.0**k) for k in range(185)]


def _share_exhausting_retries(cap: float) -> float:
    """P(185th retry before 24 h): the sum of U(0, c_k) is close to normal."""
    ceilings = _ceilings(cap)
    mean = sum(c / 2 for c in ceilings)
    sd = math.sqrt(sum(c * c / 12 for c in ceilings))
    return 0.5 * (1 + math.erf((86_400 - mean) / (sd * math.sqrt(2))))


def _dlq_conditions(cap: float | None) -> dict[str, int]:
    spec = scenario(
        "26h",
        traffic=[
            {
                "bus": "orders",
                "rate": 1,
                "arrival": "trace",
                "trace": [i * 0.25 for i in range(EVENTS)],
                "events": [{"event": EVENT}],
            }
        ],
        endpoints=[{"match": "*", "latency": 0, "responses": {500: 1}}],
    )
    if cap is not None:
        spec["eventbridge"]["retry_backoff"] = {"cap": cap}
    target = simulate(webhook_graph(), load_scenario(spec)).target("Rule")  # default policy
    assert target.counts["dlq"] == EVENTS
    return target.dlq["by_exhausted_retry_condition"]


def test_the_default_185th_retry_comes_near_24_hours():
    expected = sum(c / 2 for c in _ceilings(RETRY_BACKOFF_CAP_S))
    assert abs(expected - 86_400) < 0.01 * 86_400
    assert expected_retry_schedule_s(185)[-1] == expected  # what lint uses agrees


def test_by_default_the_count_and_the_age_limit_meet():
    """About half the events end at their 185th retry and half at 24 h, as the reference says;
    neither limit makes the other meaningless."""
    conditions = _dlq_conditions(None)
    share = conditions.get("MaximumRetryAttempts", 0) / EVENTS
    reference = _share_exhausting_retries(RETRY_BACKOFF_CAP_S)
    assert 0.3 < reference < 0.7
    assert abs(share - reference) < 4 * math.sqrt(reference * (1 - reference) / EVENTS)
    assert conditions.get("MaximumEventAgeInSeconds", 0) == EVENTS - conditions.get(
        "MaximumRetryAttempts", 0
    )


def test_a_300s_cap_would_exhaust_retries_hours_early():
    assert _share_exhausting_retries(300) > 0.999
    assert _dlq_conditions(300) == {"MaximumRetryAttempts": EVENTS}


def test_retries_are_not_paced_by_the_invocation_quota_and_the_result_says_so():
    """1,200 events at 40/s through a 20/s invocation quota: first attempts are paced (the last
    starts near 60 s), while their three fast retries each are not, so more attempts start in
    70 s than the quota would allow for all of them."""
    spec = scenario(
        "70s",
        rate=40,
        endpoints=[{"match": "*", "latency": 0, "responses": {500: 1}}],
    )
    spec["traffic"][0].update(arrival="constant", end="30s")
    spec["eventbridge"].update(invocation_quota=20, put_events_quota=1000)
    result = simulate(webhook_graph(rate=300, retries=3), load_scenario(spec))
    target = result.target("Rule")
    assert target.counts["ingested"] == 1200
    assert target.counts["attempts"] > 2 * 20 * 70
    assert target.latency_ms["start"]["max"] > 25_000  # the quota paced the first attempts
    assert any("retries were not counted against it" in a for a in result.assumptions)
    calm = simulate(webhook_graph(rate=300, retries=3), load_scenario(scenario("70s")))
    assert not any("retries were not counted" in a for a in calm.assumptions)
