"""The Custom Event Bus's publish limits, applied: entries over an event group's 1,500 units/s
(one per event plus its KB) or a bus's 500,000 events/s, in the second before each, fail. The
reference is a sliding window written here over the arrival times of a trace, with AWS's entry
size computed here from the entry's fields."""

from __future__ import annotations

import json
from collections import deque

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import load_scenario, simulate
from tests._custom_bus import custom_bus_template, subscriber

QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"


def entry(padding: int) -> dict:
    return {
        "source": "acme.orders",
        "detail-type": "OrderCreated",
        "detail": {"pad": "x" * padding},
    }


def units_of(event: dict) -> float:
    size = len(event["source"]) + len(event["detail-type"]) + len(json.dumps(event["detail"]))
    return 1 + size / 1024


def admitted(times: list[float], units: float, limit: float) -> int:
    """How many entries a trailing one-second window of ``limit`` units lets through."""
    window: deque[float] = deque()
    count = 0
    for at in times:
        while window and window[0] <= at - 1.0:
            window.popleft()
        if (len(window) + 1) * units <= limit + 1e-9:
            window.append(at)
            count += 1
    return count


def run(times: list[float], event: dict, **grouping):
    template = custom_bus_template(subscribers={"Reader": subscriber(QUEUE, Name="reader")})
    spec = {"duration": f"{int(max(times)) + 5}s", "seed": 1,
            "traffic": [{"bus": "orders", "rate": 1, "arrival": "trace", "trace": times,
                         "events": [{"event": event}], **grouping}],
            "targets": [{"match": "*", "latency": 0}]}  # fmt: skip
    result = simulate(load_graph(template), load_scenario(spec))
    (feed,) = [f for r in result.regions for f in r["feeds"] if "throttled_entries" in f]
    return result, result.target("Reader").counts, feed


@pytest.mark.parametrize(("rate", "padding"), [(2_000, 10), (1_200, 300), (900, 900)])
def test_one_event_group_is_held_to_1500_units_per_second(rate, padding):
    """Steady traffic to one group: what the group takes is what the sliding window lets
    through, whether events or KB bind (1,500 events of 40 B; 1,200 events of 0.3 KB: 1,561
    units/s; 900 events of 0.9 KB: 1,699 units/s)."""
    event = entry(padding)
    times = [round(0.0003 + k / rate, 7) for k in range(rate * 4)]
    expected = admitted(times, units_of(event), 1_500)
    assert expected < len(times)
    result, reader, feed = run(times, event, event_group="customer-1")
    assert reader["ingested"] == expected
    assert feed["throttled_entries"] == len(times) - expected
    assert feed["accepted_entries"] == expected
    warning = next(w["message"] for w in result.warnings if w["code"] == "event-group-limit")
    assert "the entries over it fail" in warning


def test_spread_over_groups_nothing_is_throttled():
    """The same 2,000 events/s over 4 groups: about 500 per group, far below the limit."""
    event = entry(10)
    times = [round(0.0003 + k / 2_000, 7) for k in range(8_000)]
    _, reader, feed = run(times, event, event_groups=4)
    assert (reader["ingested"], feed["throttled_entries"]) == (8_000, 0)


def test_events_without_a_group_have_only_the_bus_limit():
    event = entry(10)
    times = [round(0.0003 + k / 2_000, 7) for k in range(8_000)]
    _, reader, feed = run(times, event)
    assert (reader["ingested"], feed["throttled_entries"]) == (8_000, 0)


def test_a_bus_takes_500000_events_per_second():
    """600,000 events in one second (60,000 calls of 10), in 10,000 groups (none near its own
    limit): the bus takes the first 500,000."""
    calls = [round(0.1 + k / 60_000, 9) for k in range(60_000)]
    _, reader, feed = run(calls, entry(10), event_groups=10_000, batch=10)
    entries = [at for at in calls for _ in range(10)]
    assert reader["ingested"] == admitted(entries, 1, 500_000) == 500_000
    assert feed["throttled_entries"] == 100_000
