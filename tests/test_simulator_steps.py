"""The engine chooses its own steps, and they change no result.

Within a step everything is arithmetic on exact times; a step ends where something inside it
could change what it assumed (an alarm that routes traffic, a rejected call's retry). So a
deterministic scenario (constant arrivals, fixed latencies, outages rather than error rates,
no jitter) gives the same result whatever the steps, which ``eventbridge.step`` caps here.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from bridgetwin.simulator.aws.gates import gcra_schedule
from bridgetwin.simulator.aws.quotas import InvocationThrottle
from bridgetwin.simulator.engine.workload import CallStream
from bridgetwin.simulator.scenario import Traffic
from tests._results import assert_same
from tests._templates import EVENT, scenario, start_latency_alarm, webhook_template

STEPS = [None, 0.25, 3, 7.5, 60]


def _graph():
    template = webhook_template(rate=20, retries=4, age=600)
    template["Resources"]["Slow"] = start_latency_alarm(threshold_ms=5000, periods=2)
    return load_graph(template)


DETERMINISTIC = scenario(
    "8m", rate=30, seed=5,
    traffic=[{"bus": "orders", "rate": 30, "batch": 2, "arrival": "constant",
              "retry": {"attempts": 4, "base": "100ms", "cap": "2s"},
              "throttle_retry_delay": "150ms", "events": [{"event": EVENT}]}],
    eventbridge={"processing_latency": "20ms", "put_events_quota": 12,
                 "retry_backoff": {"jitter": "none", "base": "500ms"}},
    regions={"us-east-1": {"disruptions": [
        {"start": "100s", "end": "130s", "outage": True, "ingestion_latency": "2s"}]}},
    api_destinations=[{"match": "*", "burst": 3}],
    endpoints=[{"match": "*", "latency": "50ms", "responses": {200: 1},
                "outages": [{"start": "200s", "end": "260s", "status": 503}]}],
)  # fmt: skip


@pytest.fixture(scope="module")
def by_step():
    graph, results = _graph(), {}
    for step in STEPS:
        spec = copy.deepcopy(DETERMINISTIC)
        if step is not None:
            spec["eventbridge"]["step"] = step
        results[step] = simulate(graph, load_scenario(spec)).to_dict()
    return results


def test_the_scenario_exercises_every_hand_off(by_step):
    """Not vacuous: calls were throttled and rejected and retried, requests were rate-limited
    and retried, and the alarm changed state."""
    result = by_step[None]
    (target,) = result["targets"]
    ((feed,),) = [region["feeds"] for region in result["regions"]]
    assert feed["throttled_calls"] > 0 and feed["error_calls"] > 0 and feed["lost_at_producer"] > 0
    assert target["counts"]["rate_limited"] > 0 and target["counts"]["retries"] > 0
    assert [a["state"] for a in result["alarms"]] == ["OK", "ALARM", "OK", "ALARM"]


@pytest.mark.parametrize("step", STEPS[1:])
def test_results_do_not_depend_on_the_engines_steps(by_step, step):
    assert_same(by_step[step], by_step[None])


def test_a_rejected_call_is_retried_exactly_its_delay_later():
    """A Region down from 10.0 s to 10.35 s: the call made at 10.0 s is rejected, retried at
    10.1 s (rejected), at 10.3 s (rejected) and at 10.7 s (accepted): 0.1, 0.2, 0.4 s of SDK
    backoff, whatever the engine's steps."""
    spec = scenario(
        "20s", traffic=[{"bus": "orders", "rate": 1, "arrival": "constant",
                         "retry": {"attempts": 5, "base": "100ms"}, "events": [{"event": EVENT}]}],
        regions={"us-east-1": {"disruptions": [{"start": "10s", "end": "10.35s", "outage": True}]}},
    )  # fmt: skip
    for step in (None, 1, 20):
        spec["eventbridge"]["step"] = step
        sim = Simulation(load_graph(webhook_template()), load_scenario(spec))
        (lane,) = sim.model.lanes
        lane.trace = []
        sim.run()
        ingested = sorted(ingest for _, _, ingest in lane.trace)
        assert ingested == pytest.approx([*range(10), 10.7, *range(11, 20)], abs=1e-9)


def test_out_of_order_batches_take_the_quota_as_it_stood_at_their_time():
    """A later batch ready before granted requests is not delayed behind them (the quota does
    not bind); in order, the throttle is the GCRA itself."""
    throttle = InvocationThrottle(10)
    ready = np.arange(0, 5, 0.5)
    np.testing.assert_array_equal(
        throttle.grants(ready, 0.0), gcra_schedule(ready, 10, 10, -math.inf)[0]
    )
    late = np.array([0.25, 2.25])
    np.testing.assert_array_equal(throttle.grants(late, 0.0), late)
    burst = np.full(25, 6.0)  # 25 at once through 10/s with 10 of burst: the last waits 1.5 s
    assert throttle.grants(burst, 0.0)[-1] == pytest.approx(6.0 + 15 / 10 - 9 / 10 + 0.9, abs=1e-9)


@pytest.mark.parametrize(
    "traffic",
    [{"rate": 40, "arrival": "poisson"}, {"rate": 7, "arrival": "constant", "start": 3.3},
     {"rate": 40, "arrival": "bursty", "bursts": {"length": 5, "every": 20, "factor": 2}},
     {"rate": 40, "arrival": "diurnal", "diurnal": {"period": 100}}],
)  # fmt: skip
def test_calls_do_not_depend_on_how_they_are_taken(traffic, monkeypatch):
    """Calls are generated in fixed windows (a small window here, so the run spans many); the
    same calls come out whether taken all at once or in uneven pieces."""
    from bridgetwin.simulator.engine import workload

    monkeypatch.setattr(workload, "WINDOW_CALLS", 64)
    spec = Traffic(bus="b", events=[{"event": EVENT}], **traffic)

    def stream():
        return CallStream(spec, 300.0, lambda w: np.random.default_rng([1, w]))

    whole = stream().take(300.0).times
    pieces, taken = stream(), []
    for t1 in np.cumsum(np.random.default_rng(0).uniform(0, 7, 200)):
        taken.append(pieces.take(min(float(t1), 300.0)).times)
    np.testing.assert_array_equal(np.concatenate(taken), whole)
    assert np.all(np.diff(whole) >= 0) and len(whole)
    expected = traffic["rate"] * (300 - traffic.get("start", 0))
    assert abs(len(whole) - expected) < 5 * math.sqrt(expected) + 2  # rate kept across windows
    if traffic["arrival"] == "constant":
        np.testing.assert_allclose(whole, 3.3 + np.arange(len(whole)) / 7, rtol=0, atol=1e-9)


def test_events_after_a_disruption_are_not_held_behind_the_delayed_ones():
    """A disruption adds 45 s until 300 s: events ingested before then start 45 s late, those
    ingested after it start after the processing latency alone (the invocation quota does not
    bind at 10/s, so nothing waits for it)."""
    spec = scenario(
        "10m", rate=10,
        traffic=[{"bus": "orders", "rate": 10, "arrival": "constant", "events": [{"event": EVENT}]}],
        eventbridge={"processing_latency": "20ms"},
        regions={"us-east-1": {"disruptions": [
            {"start": "100s", "end": "300s", "ingestion_latency": "45s"}]}},
    )  # fmt: skip
    sim = Simulation(load_graph(webhook_template(rate=100)), load_scenario(spec))
    (lane,) = sim.model.lanes
    lane.trace = []
    sim.run()
    waits = {round(ingest, 6): start - ingest for _, start, ingest in lane.trace}
    for ingest, wait in waits.items():
        expected = 45.02 if 100 <= ingest < 300 else 0.02
        assert wait == pytest.approx(expected, abs=1e-6), ingest
    assert len(waits) == 6000


def test_a_region_with_only_scheduled_rules_runs_through_an_error_disruption():
    """Scheduled events are not rejected by a disruption, so nothing bounds the step there."""
    template = webhook_template()
    rule = template["Resources"]["Rule"]["Properties"]
    rule.pop("EventPattern")
    rule["ScheduleExpression"] = "rate(1 minute)"
    spec = scenario("10m", traffic=[], regions={"us-east-1": {"disruptions": [
        {"start": "1m", "end": "5m", "outage": True}]}})  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    assert result.target("Rule").counts["ingested"] == 9  # at 60 s .. 540 s
