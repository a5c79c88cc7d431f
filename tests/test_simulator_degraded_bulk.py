"""PutEvents errors taken in bulk: a part of a step runs through a degraded period in one go and
the producers' retries that fall inside it are taken in waves, when the PutEvents quota cannot
bind there. The counts a user reads (calls rejected, retries, entries lost at the producer) must
equal a timeline worked out call by call, exactly where the errors are certain (an outage) and
in distribution where they are random; and the waves must give what parts would have given.
"""

from __future__ import annotations

import math

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from bridgetwin.simulator.engine.ingestion import RegionIngestion
from tests._results import assert_same
from tests._templates import EVENT, scenario, webhook_template

RATE = 10.0  # calls per second, one entry each, every 0.1 s from 0


def _spec(disruption, *, spool=False, duration="5m", rate=RATE, seed=3):
    traffic = {"bus": "orders", "rate": rate, "arrival": "constant", "spool": spool,
               "retry": {"attempts": 3, "base": "200ms", "cap": "20s"},
               "events": [{"event": EVENT}]}  # fmt: skip
    return scenario(
        duration, rate=1000, seed=seed, traffic=[traffic],
        regions={"us-east-1": {"disruptions": [disruption]}},
    )  # fmt: skip


def _feed(result):
    (region,) = [r for r in result.regions if r["region"] == "us-east-1"]
    (feed,) = [f for f in region["feeds"] if f["kind"] == "put"]
    return feed


def _timeline(start, end, horizon, *, spool, rate=RATE, base=0.2, attempts=3, cap=20.0):
    """Each call's attempts, one after another: an attempt inside the outage fails and is
    retried after base * 2^k (then every ``cap`` with a spool); the SDK gives up after
    ``attempts`` retries. Returns (rejected calls, entries lost, entries accepted)."""
    rejected = lost = accepted = 0
    for k in range(round(horizon * rate)):
        at, retry = k / rate, 0
        while at < horizon:
            if not start <= at < end:
                accepted += 1
                break
            rejected += 1
            if retry < attempts:
                at += min(cap, base * 2**retry)
            elif spool:
                at += cap
            else:
                lost += 1
                break
            retry += 1
    return rejected, lost, accepted


@pytest.fixture(scope="module")
def graph():
    return load_graph(webhook_template(rate=1000))


@pytest.fixture
def waves(monkeypatch):
    """Counts the waves of retries taken inside parts, to show the bulk path ran."""
    taken = []
    step = RegionIngestion.step

    def counting(self, t0, t1, **kwargs):
        taken.append(kwargs.get("retried", False))
        step(self, t0, t1, **kwargs)

    monkeypatch.setattr(RegionIngestion, "step", counting)
    return taken


@pytest.mark.parametrize("spool", [False, True])
def test_an_outage_rejects_retries_and_loses_what_a_call_by_call_timeline_does(graph, waves, spool):
    result = simulate(graph, load_scenario(_spec({"start": "60s", "end": "2m", "outage": True},
                                                 spool=spool)))  # fmt: skip
    assert any(waves), "the outage's retries were not taken in waves"
    rejected, lost, accepted = _timeline(60, 120, 300, spool=spool)
    feed = _feed(result)
    assert (feed["error_calls"], feed["lost_at_producer"], feed["accepted_entries"]) == (
        rejected, lost, accepted)  # fmt: skip
    assert lost == (0 if spool else 600 - 14)  # the last 1.4 s of calls get out by retrying


@pytest.mark.parametrize("spool", [False, True])
@pytest.mark.parametrize("quota", [None, 100, 30])
def test_waves_give_what_parts_give_on_an_outage(graph, monkeypatch, waves, spool, quota):
    """Also with a PutEvents quota: one that retries could nearly fill (100 calls/s, the
    quota's state carried from parts taken in waves to the next), or one they could exceed
    (30 calls/s: there, parts end before the earliest retry, as without waves)."""
    spec = _spec({"start": "60s", "end": "2m", "outage": True}, spool=spool)
    if quota:
        spec["eventbridge"]["put_events_quota"] = quota
    spec = load_scenario(spec)
    bulk = simulate(graph, spec).to_dict()
    assert any(waves) == (quota != 30)
    monkeypatch.setattr(RegionIngestion, "rejections", lambda self, t0, t1: ())
    assert_same(simulate(graph, spec).to_dict(), bulk)


def _error_moments(start, end, p, *, rate, base=0.2, attempts=3):
    """Random errors: attempt k of a call happens if the k before it failed; inside the
    window each fails with probability p. Mean and variance of rejected calls (each call's
    count is independent of the others'), and of calls lost with every attempt inside."""
    mean = variance = 0.0
    full = 0
    for k in range(round(end * rate) + 1):
        times = [k / rate]
        for retry in range(attempts):
            times.append(times[-1] + base * 2**retry)
        inside = [start <= t < end for t in times]
        # P(count >= j) = p^j while the first j attempts are all inside
        tail = []
        for j in range(1, len(times) + 1):
            tail.append(p**j if all(inside[:j]) else 0.0)
        first = sum(tail)
        second = sum((2 * j - 1) * q for j, q in enumerate(tail, start=1))  # E[N^2]
        mean += first
        variance += second - first**2
        full += all(inside)
    return mean, variance, full


@pytest.mark.parametrize("seed", [1, 2])
def test_random_errors_reject_and_lose_as_the_binomial_reference_says(graph, waves, seed):
    p, rate = 0.5, 20.0
    spec = _spec({"start": "0s", "end": "10m", "put_events_errors": p}, duration="12m",
                 rate=rate, seed=seed)  # fmt: skip
    feed = _feed(simulate(graph, load_scenario(spec)))
    assert any(waves)
    mean, variance, full = _error_moments(0, 600, p, rate=rate)
    assert abs(feed["error_calls"] - mean) <= 4.5 * math.sqrt(variance)
    q = p**4  # every one of its four attempts rejected
    assert abs(feed["lost_at_producer"] - full * q) <= 4.5 * math.sqrt(full * q * (1 - q))
    assert feed["accepted_entries"] + feed["lost_at_producer"] == int(12 * 60 * rate)


def test_the_quota_state_carries_across_parts_taken_in_waves(graph, monkeypatch):
    """Poisson calls at 44/s against a PutEvents quota of 45/s, one-second steps, an outage
    with no SDK retries: some parts are taken in waves and some (where a burst could go over
    the quota) in short parts; each must start from the bucket the calls before it left."""
    spec = _spec({"start": "30s", "end": "4m", "outage": True}, rate=44.0)
    spec["traffic"][0].update(arrival="poisson", retry={"attempts": 0})
    spec["eventbridge"].update(put_events_quota=45, step="1s")
    spec = load_scenario(spec)
    parts = []
    end_part = RegionIngestion.end_part

    def ending(self):
        parts.append(self._waves)
        end_part(self)

    monkeypatch.setattr(RegionIngestion, "end_part", ending)
    bulk = simulate(graph, spec).to_dict()
    assert 0 < sum(parts) < len(parts)  # some parts in waves, some not
    (region,) = [r for r in bulk["regions"] if r["region"] == "us-east-1"]
    assert region["feeds"][0]["throttled_calls"] > 0
    monkeypatch.setattr(RegionIngestion, "rejections", lambda self, t0, t1: ())
    assert_same(simulate(graph, spec).to_dict(), bulk)
