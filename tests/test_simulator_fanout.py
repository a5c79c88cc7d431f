"""One event, several routes: rules sharing an API destination's rate limit, and an SQS target
with its own latency, failures and concurrency."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.simulator import Simulation, load_scenario
from tests._templates import fanout_graph, scenario

RATE, BURST = 50.0, 2


@pytest.fixture(scope="module")
def run():
    spec = scenario(
        "10m", rate=20, api_destinations=[{"match": "*", "burst": BURST}],
        endpoints=[{"match": "*", "latency": "20ms", "responses": {200: 0.9, 500: 0.1}}],
        targets=[{"match": "Queue", "latency": "40ms", "failure_rate": 0.2, "concurrency": 1}],
    )  # fmt: skip
    spec["eventbridge"]["step"] = 10
    sim = Simulation(fanout_graph(rate=int(RATE)), load_scenario(spec))
    for lane in sim.model.lanes:
        lane.trace = []
    return sim, sim.run()


def test_every_route_gets_every_event_and_conserves_it(run):
    _, result = run
    ingested = {t.rule: t.counts["ingested"] for t in result.targets}
    assert len(ingested) == 3 and len(set(ingested.values())) == 1  # each event, each rule
    for target in result.targets:
        counts = target.counts
        assert counts["ingested"] == sum(counts[k] for k in ("delivered", "dlq", "dropped",
                                                             "in_flight"))  # fmt: skip
        assert counts["retries"] > 0


def test_rules_on_one_api_destination_share_its_token_bucket(run):
    """Two rules, 20 events/s each, into a 50/s destination: one bucket serves both, so the
    attempts of both rules together obey the GCRA (and wait for each other)."""
    sim, _ = run
    (lane,) = [lane for lane in sim.model.lanes if len(lane.targets) == 2]
    tat = -np.inf
    for ready, start, _ in sorted(lane.trace):
        assert start == pytest.approx(max(ready, tat - (BURST - 1) / RATE), abs=1e-9)
        tat = max(ready, tat) + 1 / RATE
    assert all(state.throttled > 0 for state in lane.targets)


def test_a_queue_with_concurrency_one_runs_one_invocation_at_a_time(run):
    """40 ms per invocation and a slot of one: starts are at least 40 ms apart, some waited,
    and a 20 % failure rate costs about 0.25 retries per event (p / (1 - p))."""
    sim, _ = run
    (lane,) = [lane for lane in sim.model.lanes if lane.targets[0].rule_arn.endswith("ToQueue")]
    starts = np.sort([start for _, start, _ in lane.trace])
    assert np.diff(starts).min() >= 0.04 - 1e-9
    (state,) = lane.targets
    assert state.throttled > 0
    assert state.retries / state.ingested == pytest.approx(0.25, rel=0.1)


def test_the_regions_invocation_quota_caps_first_attempts_across_every_route():
    """Three routes of 20 events/s each against an invocation quota of 30/s: together they
    start at most 30 first attempts a second; the rest wait (in flight at the end)."""
    spec = scenario("10m", rate=20, api_destinations=[{"match": "*", "burst": 100}])
    spec["eventbridge"]["invocation_quota"] = 30
    result = Simulation(fanout_graph(rate=300), load_scenario(spec)).run()
    first = sum(t.counts["attempts"] - t.counts["retries"] for t in result.targets)
    assert 0.97 * 30 * 600 <= first <= 30 * 600 + 30
    assert all(t.counts["in_flight"] > 0 for t in result.targets)
