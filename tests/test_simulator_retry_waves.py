"""A block's failures settled in waves give the walk's answer to the bit.

The walk (``BlockPath._settle``, one failure at a time) is the reference: each scenario below,
shaped like a real deployment, runs once with the waves and once with the walk alone, and the
whole result and every request's (ready, start, ingestion) must be equal, not close. Each test
also checks the waves did take blocks (or, where they must not, that the walk took them), so it
cannot pass by never running them. The arithmetic they share is checked on its own too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgetwin.simulator import Simulation, load_scenario
from bridgetwin.simulator._random import Draws
from bridgetwin.simulator.aws.gates import TokenBucket, Unlimited
from bridgetwin.simulator.engine import blocks, retry_waves
from tests._templates import fanout_graph, scenario, webhook_graph

LOGNORMAL = {"distribution": "lognormal", "median": "50ms", "p99": "500ms"}


def _run(graph, spec, monkeypatch, *, waves: bool):
    """The result, every lane's trace, and how many blocks the waves settled."""
    adopted = []
    original = retry_waves.RetryWaves._adopt

    def counted(self, wave):
        adopted.append(len(wave.at))
        return original(self, wave)

    with monkeypatch.context() as patch:
        patch.setattr(retry_waves.RetryWaves, "_adopt", counted)
        if not waves:
            patch.setattr(blocks, "MIN_FAILURES", math.inf)
        sim = Simulation(graph, load_scenario(spec))
        for lane in sim.model.lanes:
            lane.trace = []
        result = sim.run()
    return result.to_dict(), [lane.trace for lane in sim.model.lanes], adopted


def _same_with_and_without_waves(graph, spec, monkeypatch) -> list[int]:
    with_waves, traces, adopted = _run(graph, spec, monkeypatch, waves=True)
    walked, walked_traces, none = _run(graph, spec, monkeypatch, waves=False)
    assert not none
    assert with_waves == walked
    assert traces == walked_traces
    return adopted


def test_steady_errors_through_a_rate_limit(monkeypatch):
    """5 % of answers are 500s at half the destination's rate limit: most blocks go in waves."""
    spec = scenario(
        "30m", rate=50,
        endpoints=[{"match": "*", "latency": LOGNORMAL, "responses": {200: 0.95, 500: 0.05}}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "5m"}
    adopted = _same_with_and_without_waves(webhook_graph(rate=100), spec, monkeypatch)
    assert len(adopted) >= 5 and min(adopted) > retry_waves.FEW_INSERTED


def test_retry_after_permanent_errors_and_exhausted_retries(monkeypatch):
    """429s and 503s carry a Retry-After of 2 s, 400s are not retried, and one retry is all
    there is: the give-ups go to the DLQ in the walk's order, with its samples."""
    spec = scenario(
        "30m", rate=80,
        endpoints=[{"match": "*", "latency": "40ms", "retry_after": "2s",
                    "responses": {200: 0.9, 429: 0.05, 503: 0.03, 400: 0.02}}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "5m", "retry_backoff": {"base": "300ms"}}
    graph = webhook_graph(rate=100, retries=1)
    adopted = _same_with_and_without_waves(graph, spec, monkeypatch)
    assert adopted
    result, _, _ = _run(graph, spec, monkeypatch, waves=True)
    conditions = result["targets"][0]["dlq"]["by_exhausted_retry_condition"]
    assert conditions["MaximumRetryAttempts"] > 500 and conditions["none (not retried)"] > 500


def test_an_age_limit_and_an_outage_leave_blocks_to_the_walk(monkeypatch):
    """An overloaded bucket (120/s against 100/s) with a 1-minute age limit, and a 1-minute
    outage: blocks are cut where a request would pass its age or start in the outage, which
    only the walk does; the waves take the blocks before the backlog builds."""
    spec = scenario(
        "8m", rate=120, api_destinations=[{"match": "*", "burst": 3}],
        endpoints=[{"match": "*", "latency": "30ms",
                    "outages": [{"start": "6m", "end": "7m", "status": 503}],
                    "responses": {200: 0.94, 500: 0.06}}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "1m", "retry_backoff": {"base": "200ms"}}
    adopted = _same_with_and_without_waves(webhook_graph(rate=100, age=60), spec, monkeypatch)
    assert adopted


def test_an_outage_the_insertions_would_reach_leaves_the_block_to_the_walk(monkeypatch):
    """Outages of one second start 5.5 s after each minute's block (an attempt's 5 s timeout
    later than its last start would have to reach them): the block's own draws are clear of
    them, but its 150 or so insertions, 10 ms each, would push its last grants into them, so
    the walk cuts the block there and the waves must leave it to the walk."""
    outages = [{"start": f"{60 * k + 65.5}s", "end": f"{60 * k + 66.5}s", "status": 503}
               for k in range(8)]  # fmt: skip
    spec = scenario(
        "10m", rate=50,
        endpoints=[{"match": "*", "latency": "30ms", "outages": outages,
                    "responses": {200: 0.95, 500: 0.05}}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "1m", "retry_backoff": {"base": "200ms"}}
    _same_with_and_without_waves(webhook_graph(rate=100), spec, monkeypatch)


def test_shared_destination_and_a_queue_that_fails(monkeypatch):
    """Two rules share an API destination's lane (two keys), a third delivers to an SQS queue
    (no rate limit) that fails 5 % of the time; fixed latency and no jitter make exact ties
    between retries, which keep the order they were scheduled in."""
    spec = scenario(
        "20m", rate=40,
        endpoints=[{"match": "*", "latency": "20ms", "responses": {200: 0.95, 500: 0.05}}],
        targets=[{"match": "Queue", "latency": "10ms", "failure_rate": 0.05}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "5m", "retry_backoff": {"base": "100ms", "jitter": "none"}}
    adopted = _same_with_and_without_waves(fanout_graph(rate=100), spec, monkeypatch)
    assert len(adopted) >= 4


def test_many_failures_exceed_the_spare_outcomes_and_the_walk_takes_them(monkeypatch):
    """At 40 % errors the retries outnumber the outcomes drawn spare: no block goes in waves."""
    spec = scenario(
        "10m", rate=50,
        endpoints=[{"match": "*", "latency": "30ms", "responses": {200: 0.6, 500: 0.4}}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "5m"}
    assert _same_with_and_without_waves(webhook_graph(rate=100), spec, monkeypatch) == []


def test_insertions_that_would_use_up_a_requests_room_leave_the_block_to_the_walk(monkeypatch):
    """Each insertion may delay every later grant by 1/R: when all of them together could
    exceed the time some request may still wait before its maximum age (the block's room), the
    walk cuts the block, so the waves must not take it. (Under overload the inserted retries'
    own deadlines usually refuse first, so this is checked on a block directly.)"""
    captured = []
    settle = retry_waves.RetryWaves.settle

    def capture(waves):  # and leave every block to the walk
        captured.append(waves)

    monkeypatch.setattr(retry_waves.RetryWaves, "settle", capture)
    spec = scenario(
        "10m", rate=50,
        endpoints=[{"match": "*", "latency": "30ms", "responses": {200: 0.95, 500: 0.05}}],
    )  # fmt: skip
    spec["eventbridge"] = {"step": "5m"}
    Simulation(webhook_graph(rate=100), load_scenario(spec)).run()
    waves = captured[-1]
    block = waves._block
    needed = (len(waves._wave(np.empty((6, 0))).at) + 1) * block.grants.increment
    waves._block = block._replace(room=needed / 100)
    assert settle(waves) is None
    waves._block = block
    assert settle(waves) is not None


times = st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=40)


@given(
    base=times,
    extra=st.lists(st.floats(0, 6, allow_nan=False), max_size=15),
    rate=st.sampled_from([2.0, 10.0, 100.0, math.inf]),
    burst=st.integers(1, 5),
    tat=st.one_of(st.just(-math.inf), st.floats(0, 3)),
)
@settings(max_examples=300, deadline=None)
def test_insertions_at_once_are_those_one_at_a_time_to_the_bit(base, extra, rate, burst, tat):
    """``with_insertions`` against ``insert`` and ``start_of`` in service order: equal floats."""
    ready = np.sort(np.asarray(base))
    values = np.sort(np.asarray(extra, dtype=float))
    at = ready.searchsorted(values, side="left")
    if math.isinf(rate):
        walk, bulk = Unlimited().block(ready), Unlimited().block(ready)
    else:
        bucket = TokenBucket(rate, burst)
        bucket.commit(tat)
        walk, bulk = bucket.block(ready), bucket.block(ready)
    rows = np.arange(len(ready))
    starts, earliest, row_starts, before = bulk.with_insertions(at, values, rows)
    assert before.tolist() == [int(np.count_nonzero(at <= row)) for row in rows]
    walk.track()
    walked, walked_rows, served = [], [], 0
    for k, value in zip(at.tolist(), values.tolist(), strict=True):
        while served < k:
            walked_rows.append(walk.start_of(served))
            served += 1
        walked.append(walk.insert(k, value))
    walked_rows += [walk.start_of(k) for k in range(served, len(ready))]
    assert starts.tolist() == walked
    assert row_starts.tolist() == walked_rows
    assert (np.maximum(earliest, values) == starts).all()


def test_seen_draws_are_the_next_ones_in_order():
    """``peek`` then ``skip`` hands out the values ``next`` would, across block boundaries."""
    one, many = (Draws(np.random.default_rng(3).random) for _ in range(2))
    expected = [one.next() for _ in range(10_000)]
    got = [many.next() for _ in range(5)]
    for size in (100, 4_000, 0, 5_000, 895):
        seen = many.peek(size)
        assert seen.tolist() == many.peek(size).tolist()  # seeing twice changes nothing
        many.skip(size)
        got += seen.tolist()
    assert got == expected


@pytest.mark.parametrize("jitter", ["full", "equal", "none"])
def test_decisions_at_once_are_those_one_at_a_time(jitter):
    """``decide_many`` against ``after_failure`` on the same failures, with the same draws."""
    from bridgetwin.simulator.aws.behaviour import PERMANENT, RETRYABLE
    from bridgetwin.simulator.aws.policy import (
        WHY,
        FailureColumns,
        PolicyColumns,
        RetryPolicy,
    )
    from bridgetwin.simulator.scenario import RetryBackoff

    class State:
        def __init__(self, retries, age, delay, retry_all):
            self.max_retries, self.max_age, self.retry_delay = retries, age, delay
            self.retry_all, self.resumed, self.redrive = retry_all, {}, False
            self.given_up: list = []

    states = [
        State(4, 60.0, None, False),
        State(185, 600.0, 5.0, True),
        State(0, 60.0, None, False),
    ]
    rng = np.random.default_rng(7)
    count = 400
    keys = rng.integers(0, 3, count)
    ingest = np.sort(rng.uniform(0, 100, count))
    attempt = rng.integers(0, 6, count)
    end = ingest + rng.uniform(0, 60, count)
    permanent = rng.random(count) < 0.1
    after = np.where(rng.random(count) < 0.2, rng.choice([-1.0, 3.0, 30.0], count), np.nan)
    backoff = RetryBackoff(base=1.0, factor=2.0, cap=20.0, jitter=jitter)
    bulk = RetryPolicy(backoff, Draws(np.random.default_rng(1).random))
    walk = RetryPolicy(backoff, Draws(np.random.default_rng(1).random))
    walk.give_up = lambda state, ingest, attempt, end, failure, why: state.given_up.append(why)
    failures = FailureColumns(keys, ingest, attempt, end, permanent, after)
    why, ready, used = bulk.decide_many(PolicyColumns.of(states), failures)
    for i in range(count):
        failure = (
            PERMANENT if permanent[i] else RETRYABLE, "E", "m",
            None if np.isnan(after[i]) else float(after[i]),
        )  # fmt: skip
        state = states[int(keys[i])]
        retry = walk.after_failure(
            state, int(keys[i]), float(ingest[i]), int(attempt[i]), float(end[i]), failure, 0.0
        )
        if retry is None:
            assert WHY[int(why[i])] == state.given_up.pop()
        else:
            assert why[i] == 0 and retry[0] == ready[i]
    bulk.adopt(used, 0)
    assert bulk._uniform.next() == walk._uniform.next()  # the same draws were taken
