"""The token bucket's block arithmetic against the GCRA recurrence, one request at a time."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgetwin.simulator.aws.gates import TokenBucket, Unlimited, gcra_grants


def recurrence(ready: list[float], rate: float, burst: int, tat: float) -> list[float]:
    starts = []
    for r in ready:
        starts.append(max(r, tat - (burst - 1) / rate))
        tat = max(r, tat) + 1 / rate
    return starts


times = st.lists(st.floats(0, 5, allow_nan=False), min_size=1, max_size=40)


@given(
    base=times,
    extra=st.lists(st.tuples(st.floats(0, 5), st.integers(0, 40)), max_size=15),
    rate=st.sampled_from([2.0, 10.0, 100.0]),
    burst=st.integers(1, 5),
    tat=st.one_of(st.just(-math.inf), st.floats(0, 3)),
)
@settings(max_examples=300, deadline=None)
def test_inserted_requests_get_the_grants_of_the_merged_sequence(base, extra, rate, burst, tat):
    """Inserting requests into a scheduled block, in service order, gives every request (block
    and inserted) the start the recurrence gives the merged sequence."""
    bucket = TokenBucket(rate, burst)
    bucket.commit(tat)
    ready = np.sort(np.asarray(base))
    grants = bucket.block(ready)
    assert grants.starts.tolist() == pytest.approx(recurrence(list(ready), rate, burst, tat))
    grants.track()
    positions = sorted(min(k, len(ready)) for _, k in extra)
    merged: list[float] = []
    got: list[float | None] = []
    from_block: list[bool] = []
    served = 0

    def serve_block_until(k: int) -> None:
        nonlocal served
        while served < k:
            merged.append(float(ready[served]))
            got.append(grants.start_of(served))
            from_block.append(True)
            served += 1

    for k, (value, _) in zip(positions, extra, strict=False):
        serve_block_until(k)
        merged.append(value)
        got.append(grants.insert(k, value))
        from_block.append(False)
    serve_block_until(len(ready))
    expected = recurrence(merged, rate, burst, tat)
    assert got == pytest.approx(expected, abs=1e-9)
    assert bucket.schedule(np.asarray(merged))[0].tolist() == pytest.approx(got, abs=1e-9)
    # read back at the end: the block's own starts, and the TAT to commit
    in_block = [start for start, mine in zip(expected, from_block, strict=True) if mine]
    assert grants.final_starts(len(ready)).tolist() == pytest.approx(in_block, abs=1e-9)
    final = tat
    for r in merged:
        final = max(r, final) + 1 / rate
    assert grants.final_tat(len(ready)) == pytest.approx(final, abs=1e-9)


def test_without_a_rate_limit_insertions_start_when_ready():
    grants = Unlimited().block(np.asarray([1.0, 2.0, 3.0]))
    grants.track()
    assert grants.insert(1, 1.5) == 1.5
    assert [grants.start_of(k) for k in (1, 2)] == [2.0, 3.0]
    assert grants.increment == 0.0


@given(
    base=times,
    rate=st.sampled_from([5.0, 100.0, 10_000.0]),
    burst=st.integers(1, 50),
    tat=st.one_of(st.just(-math.inf), st.floats(0, 6)),
)
@settings(max_examples=300, deadline=None)
def test_grants_without_waiting_shortcut_agrees_with_the_recurrence(base, rate, burst, tat):
    """``gcra_grants`` skips the schedule when no request can wait: its starts and final TAT
    still equal the recurrence's, whichever way it went."""
    ready = np.sort(np.asarray(base))
    starts, final = gcra_grants(ready, rate, burst, tat)
    assert starts.tolist() == pytest.approx(recurrence(list(ready), rate, burst, tat), abs=1e-9)
    expected = tat
    for r in ready.tolist():
        expected = max(r, expected) + 1 / rate
    assert final == pytest.approx(expected, abs=1e-9)


def test_an_insertion_past_its_deadline_changes_nothing():
    bucket = TokenBucket(10.0, 1)
    grants = bucket.block(np.asarray([0.0, 0.05, 0.3]))
    grants.track()
    assert grants.insert(1, 0.01, deadline=0.05) is None  # would start at 0.1
    assert grants.inserted == 0
    assert grants.start_of(1) == pytest.approx(0.1)
    assert grants.insert(1, 0.01) == pytest.approx(0.1)
    assert grants.start_of(1) == pytest.approx(0.2)
    assert grants.final_starts(3).tolist() == pytest.approx([0.0, 0.2, 0.3])
