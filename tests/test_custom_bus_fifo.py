"""FIFO subscribers against a tiny independent model: each event group is one server that
retries its head. An event starts when it arrives or when the event before it in its group
finished (delivered, or given up after 5 attempts or 300 s), whichever is later; an event that
has already waited longer than 300 s when its turn comes is given up at once. Groups are
independent: N groups deliver what N such servers deliver."""

from __future__ import annotations

import numpy as np
import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": {"total": 120}}
PARTNER = {"Fn::GetAtt": ["Partner", "Arn"]}
OUTAGE, LATENCY, RETRIES, AGE = (300.0, 900.0), 0.1, 5, 300.0


def one_server(arrivals: list[float]) -> dict:
    """The group as one server retrying its head (backoff 1, 2, 4, ... s, no jitter)."""
    free, out = 0.0, {"delivered": 0, "MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 0,
                      "starts": [], "holds": []}  # fmt: skip
    for ingest in arrivals:
        at, attempt = max(ingest, free), 0
        if free > ingest:  # it waited behind the event before it
            out["holds"].append(free - ingest)
        if at - ingest > AGE:
            out["MaximumEventAgeInSeconds"] += 1
            free = max(free, ingest + AGE)
            continue
        out["starts"].append(at - ingest)
        while True:
            end = at + LATENCY
            if not OUTAGE[0] <= at < OUTAGE[1]:
                out["delivered"] += 1
                free = end
                break
            if attempt >= RETRIES:
                out["MaximumRetryAttempts"] += 1
                free = end
                break
            delay = min(60.0, 2.0**attempt)
            if end + delay - ingest > AGE:
                out["MaximumEventAgeInSeconds"] += 1
                free = max(end, ingest + AGE)
                break
            at, attempt = end + delay, attempt + 1
    return out


def spec(groups: dict[str, list[float]], ordering_traffic: dict | None = None) -> dict:
    traffic = [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                "event_group": name, "events": [{"event": EVENT}]}
               for name, times in groups.items()]  # fmt: skip
    return {
        "duration": "40m", "seed": 3,
        "eventbridge": {"processing_latency": 0,
                        "retry_backoff": {"jitter": "none", "base": "1s", "factor": 2,
                                          "cap": "60s"}},
        "traffic": traffic,
        "endpoints": [{"match": "*", "latency": LATENCY, "responses": {200: 1},
                       "outages": [{"start": OUTAGE[0], "end": OUTAGE[1], "status": 503}]}],
    }  # fmt: skip


def graph(ordering: str = "FIFO"):
    return load_graph(custom_bus_template(
        subscribers={"Webhook": subscriber(PARTNER, Type=ordering)}))  # fmt: skip


def arrivals(offset: float, every: float = 1.0, count: int = 1200) -> list[float]:
    return [round(offset + every * k, 6) for k in range(count)]


def test_one_group_is_one_server_that_retries_its_head():
    times = arrivals(0.37)
    result = simulate(graph(), load_scenario(spec({"g": times})))
    target, expected = result.target("Webhook"), one_server(times)
    assert target.counts["delivered"] == expected["delivered"]
    given_up = {c: expected[c] for c in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds")
                if expected[c]}  # fmt: skip
    assert target.dlq["by_exhausted_retry_condition"] == given_up
    starts = np.asarray(expected["starts"]) * 1e3
    assert target.latency_ms["start"]["max"] == pytest.approx(starts.max(), abs=1)
    assert target.latency_ms["start"]["p50"] == pytest.approx(np.percentile(starts, 50), rel=0.02)
    assert target.counts["in_flight"] == 0
    holds = expected["holds"]
    assert target.counts["held"] == len(holds) > 0
    assert target.counts["held_s"] == round(sum(holds))
    assert target.counts["longest_hold_ms"] == round(max(holds) * 1e3)


def test_delivery_order_within_a_group_is_publish_order():
    """Every attempt of an event comes before any of the next event's (the lane's trace of
    (ready, start, ingestion) in start order); an UNORDERED subscriber interleaves them."""
    for ordering, ordered in (("FIFO", True), ("UNORDERED", False)):
        sim = Simulation(graph(ordering), load_scenario(spec({"g": arrivals(0.37)})))
        (lane,) = sim.model.lanes
        lane.trace = []
        sim.run()
        ingest = np.asarray([i for _, _, i in sorted(lane.trace, key=lambda r: r[1])])
        assert bool(np.all(np.diff(ingest) >= 0)) is ordered, ordering


def test_groups_are_independent_servers():
    """Four groups, each its own arrivals: what the subscriber delivers and gives up is the sum
    of four one-server models, four times one group's throughput under the outage."""
    groups = {f"g{k}": arrivals(0.37 + 0.25 * k, every=4.0, count=300) for k in range(4)}
    result = simulate(graph(), load_scenario(spec(groups)))
    target = result.target("Webhook")
    models = [one_server(times) for times in groups.values()]
    assert target.counts["delivered"] == sum(m["delivered"] for m in models)
    assert target.counts["dlq"] == sum(m["MaximumRetryAttempts"] + m["MaximumEventAgeInSeconds"]
                                       for m in models)  # fmt: skip
    single = one_server(groups["g0"])
    assert target.counts["delivered"] == pytest.approx(4 * single["delivered"], abs=4)


def test_event_groups_need_the_custom_event_bus():
    from bridgetwin.simulator import ScenarioError
    from tests._templates import webhook_graph

    classic = {"duration": "1m", "traffic": [{"bus": "orders", "rate": 1, "event_groups": 4,
                                              "events": [{"event": EVENT}]}]}  # fmt: skip
    with pytest.raises(ScenarioError, match="event groups and publish-time deduplication exist"):
        simulate(webhook_graph(), load_scenario(classic))
