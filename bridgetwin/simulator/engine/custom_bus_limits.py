"""The Custom Event Bus's publish limits, checked against the traffic a scenario offers.

AWS (custom-bus facts §3): a bus takes at most **500,000 events/s**, and an event group at most
**1,500 units/s**, a unit being one event plus each KB of the events, in any one-second window;
neither can be raised. The twin does not throttle the excess (what AWS answers over these
limits, and how producers' retries then spread, is not documented); it checks each bus and
each event group of the scenario at its traffic's highest mean rate instead, and says so in a
warning wherever a limit is crossed, or near enough that Poisson arrivals cross it in more than
about one second in a thousand (mean + 3 standard deviations).
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

from bridgetwin.graph import CustomEventBus
from bridgetwin.simulator.engine.binding import traffic_bus
from bridgetwin.simulator.engine.regions import entry_bytes
from bridgetwin.simulator.engine.workload import peak_call_rate
from bridgetwin.simulator.results.records import Finding

if TYPE_CHECKING:
    from bridgetwin.simulator.engine.model import Model

BUS_EVENTS_PER_SECOND = 500_000
GROUP_UNITS_PER_SECOND = 1_500


def _crossed(mean: float, limit: float) -> str | None:
    """``over`` or ``near`` when a Poisson stream of this mean crosses ``limit`` in a second
    more often than one in a thousand, else None."""
    if mean > limit:
        return "over"
    return "near" if mean + 3 * math.sqrt(mean) > limit else None


def publish_limit_warnings(model: Model) -> list[Finding]:
    """A warning per bus and per event group whose offered rate reaches its limit."""
    graph, scenario = model.graph, model.scenario
    per_bus: dict[str, float] = defaultdict(float)
    per_group: dict[tuple[str, str], float] = defaultdict(float)
    for number, traffic in enumerate(scenario.traffic):
        bus_id = traffic_bus(graph, scenario, number)
        if not isinstance(graph.get(bus_id), CustomEventBus):
            continue
        events = peak_call_rate(traffic) * traffic.per_call
        per_bus[bus_id] += events
        total = sum(t.weight for t in traffic.events)
        kilobytes = sum(t.weight * entry_bytes(t.entry) for t in traffic.events) / total / 1024
        units = events * (1 + kilobytes)
        if traffic.event_group is not None:
            per_group[(bus_id, traffic.event_group)] += units
        elif traffic.event_groups is not None:  # named as :func:`.regions.grouped` names them
            for g in range(traffic.event_groups):
                per_group[(bus_id, f"group-{g}")] += units / traffic.event_groups
    found = []
    for bus_id, events in sorted(per_bus.items()):
        crossed = _crossed(events, BUS_EVENTS_PER_SECOND)
        if crossed:
            found.append(Finding("custom-bus-limit", (
                f"{graph.get(bus_id).name}: the traffic offers up to {events:,.0f} events/s, "
                f"{crossed} the bus's limit of {BUS_EVENTS_PER_SECOND:,}/s (not adjustable): "
                "AWS throttles the excess, the twin accepts every entry")))  # fmt: skip
    crossing: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for (bus_id, group), units in sorted(per_group.items()):
        crossed = _crossed(units, GROUP_UNITS_PER_SECOND)
        if crossed:
            crossing[(bus_id, crossed)].append((group, units))
    for (bus_id, crossed), groups in sorted(crossing.items()):
        most = max(units for _, units in groups)
        named = ", ".join(g for g, _ in groups[:3]) + (f" and {len(groups) - 3} more"
                                                      if len(groups) > 3 else "")  # fmt: skip
        found.append(Finding("event-group-limit", (
            f"{graph.get(bus_id).name}: event group(s) {named} offered up to {most:,.0f} "
            f"units/s (events + KB), {crossed} the limit of {GROUP_UNITS_PER_SECOND:,} per "
            "group (not adjustable): AWS throttles the excess, the twin does not; spread the "
            "events over more groups")))  # fmt: skip
    return found
