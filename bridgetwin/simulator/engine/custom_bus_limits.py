"""The Custom Event Bus's publish limits, checked against the traffic a scenario offers.

AWS (custom-bus facts §3): a bus takes at most **500,000 events/s**, and an event group at most
**1,500 units/s**, a unit being one event plus each KB of the events, in any one-second window;
neither can be raised. The run fails the entries over them (:mod:`.publish_limits`); before it,
each bus and event group of the scenario is checked at its traffic's highest mean rate, and a
warning says where a limit is crossed, or near enough that Poisson arrivals cross it in more
than about one second in a thousand (mean + 3 standard deviations), so the cause is named
beside the failed entries it explains.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from bridgetwin.graph import CustomEventBus
from bridgetwin.simulator.aws.entry_size import entry_bytes
from bridgetwin.simulator.engine.binding import traffic_bus
from bridgetwin.simulator.engine.publish_limits import BUS_EVENTS_PER_SECOND, GROUP_UNITS_PER_SECOND
from bridgetwin.simulator.engine.workload import peak_call_rate
from bridgetwin.simulator.results.records import Finding

if TYPE_CHECKING:
    from bridgetwin.graph import Graph
    from bridgetwin.simulator.engine.model import Model
    from bridgetwin.simulator.scenario import Scenario, Traffic


def _peak_calls(traffic: Traffic) -> float:
    """The most calls per second the traffic makes: for a trace, the most any second of it
    holds."""
    if traffic.arrival != "trace" or not traffic.trace:
        return peak_call_rate(traffic)
    times = np.sort(np.asarray(traffic.trace, dtype=float))
    return float((np.searchsorted(times, times + 1.0) - np.arange(len(times))).max())


def _crossed(mean: float, limit: float) -> str | None:
    """``over`` or ``near`` when a Poisson stream of this mean crosses ``limit`` in a second
    more often than one in a thousand, else None."""
    if mean > limit:
        return "over"
    return "near" if mean + 3 * math.sqrt(mean) > limit else None


def offered(graph: Graph, scenario: Scenario) -> tuple[dict[str, float], dict[tuple, float]]:
    """The highest rates the scenario's traffic offers each Custom Event Bus (events/s) and each
    of their event groups (units/s: events plus KB)."""
    per_bus: dict[str, float] = defaultdict(float)
    per_group: dict[tuple[str, str], float] = defaultdict(float)
    for number, traffic in enumerate(scenario.traffic):
        bus_id = traffic_bus(graph, scenario, number)
        if not isinstance(graph.get(bus_id), CustomEventBus):
            continue
        events = _peak_calls(traffic) * traffic.per_call
        per_bus[bus_id] += events
        total = sum(t.weight for t in traffic.events)
        kilobytes = sum(t.weight * entry_bytes(t.entry) for t in traffic.events) / total / 1024
        units = events * (1 + kilobytes)
        if traffic.event_group is not None:
            per_group[(bus_id, traffic.event_group)] += units
        elif traffic.event_groups is not None:  # named as :func:`.regions.grouped` names them
            for g in range(traffic.event_groups):
                per_group[(bus_id, f"group-{g}")] += units / traffic.event_groups
    return per_bus, per_group


def limits_may_bind(graph: Graph, scenario: Scenario) -> bool:
    """Whether some bus or event group is offered half its limit: below that, a second of
    Poisson arrivals reaching the limit is too rare to simulate (more than 27 standard
    deviations at a group's 750 units/s), so the run need not track the limits."""
    per_bus, per_group = offered(graph, scenario)
    return any(v > BUS_EVENTS_PER_SECOND / 2 for v in per_bus.values()) or any(
        v > GROUP_UNITS_PER_SECOND / 2 for v in per_group.values()
    )


def publish_limit_warnings(model: Model) -> list[Finding]:
    """A warning per bus and per event group whose offered rate reaches its limit."""
    graph = model.graph
    per_bus, per_group = offered(graph, model.scenario)
    found = []
    for bus_id, events in sorted(per_bus.items()):
        crossed = _crossed(events, BUS_EVENTS_PER_SECOND)
        if crossed:
            found.append(Finding("custom-bus-limit", (
                f"{graph.get(bus_id).name}: the traffic offers up to {events:,.0f} events/s, "
                f"{crossed} the bus's limit of {BUS_EVENTS_PER_SECOND:,}/s (not adjustable): "
                "the entries over it fail (ThrottlingException) and are lost unless the "
                "producer resends failed entries")))  # fmt: skip
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
            "group (not adjustable): the entries over it fail (ThrottlingException); spread the "
            "events over more groups")))  # fmt: skip
    return found
