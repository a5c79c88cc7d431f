"""The Custom Event Bus's publish limits against the scenario's offered rates: 1,500 units/s per
event group (one unit per event plus one per KB) and 500,000 events/s per bus, each flagged when
the mean rate is over it or Poisson arrivals cross it in more than about one second in a
thousand (mean + 3 sd). The twin does not throttle the excess; the warning says so."""

from __future__ import annotations

import json
import math

import pytest

from bridgetwin.graph import load_graph
from bridgetwin.simulator import Simulation, load_scenario
from tests._custom_bus import custom_bus_template

DETAIL = {"order": "x" * 200}
EVENT = {"source": "acme.orders", "detail-type": "OrderCreated", "detail": DETAIL}
BYTES = len("acme.orders") + len("OrderCreated") + len(json.dumps(DETAIL))  # AWS's entry size


def warnings(**traffic) -> dict[str, str]:
    spec = {"duration": 1, "traffic": [{"bus": "orders", "events": [{"event": EVENT}],
                                        **traffic}]}  # fmt: skip
    model = Simulation(load_graph(custom_bus_template()), load_scenario(spec)).model
    return {w.code: w.message for w in model.warnings if w.code.endswith("limit")}


def expected(units: float, limit: float) -> str | None:
    if units > limit:
        return "over"
    return "near" if units + 3 * math.sqrt(units) > limit else None


@pytest.mark.parametrize(("rate", "groups"), [(1_000, None), (1_150, None), (1_300, None),
                                              (2_000, None), (5_000, 4), (5_000, 2)])  # fmt: skip
def test_event_groups_are_checked_at_their_units_per_second(rate, groups):
    grouping = {"event_groups": groups} if groups else {"event_group": "customer-1"}
    found = warnings(rate=rate, **grouping)
    units = rate / (groups or 1) * (1 + BYTES / 1024)
    verdict = expected(units, 1_500)
    if verdict is None:
        assert "event-group-limit" not in found
    else:
        assert f"{verdict} the limit of 1,500 per group" in found["event-group-limit"]
        assert f"{units:,.0f} units/s" in found["event-group-limit"]


def test_events_without_a_group_have_no_group_limit():
    assert warnings(rate=5_000) == {}


@pytest.mark.parametrize(("rate", "verdict"), [(400_000, None), (499_000, "near"),
                                               (600_000, "over")])  # fmt: skip
def test_the_bus_is_checked_at_500000_events_per_second(rate, verdict):
    found = warnings(rate=rate, batch=10, event_groups=10_000)
    if verdict is None:
        assert "custom-bus-limit" not in found
    else:
        assert f"{verdict} the bus's limit of 500,000/s" in found["custom-bus-limit"]
