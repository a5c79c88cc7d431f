"""Stage 1 of building the model: the scenario's names bound to the graph, or a clear error.

Every ``match`` glob of the scenario must match something in the deployment, every traffic
bus must exist and every queue_traffic queue must be a pipe's source (by logical id, or by name
and Region); otherwise the error names the field and lists what does exist, so a typo never
silently simulates nothing.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from bridgetwin.graph import CustomEventBus, GlobalEndpoint, Graph, TargetKind
from bridgetwin.simulator.aws.schedules import firings_bound
from bridgetwin.simulator.scenario import Scenario, ScenarioError, Traffic


def _check_globs(items: tuple[Any, ...], section: str, known: list[str]) -> None:
    for index, item in enumerate(items):
        if not any(fnmatch.fnmatchcase(name, item.match) for name in known):
            raise ScenarioError(
                f"{section}.{index}.match: '{item.match}' matches nothing; known: "
                f"{', '.join(sorted(known)) or 'none'}"
            )


def _no_raw_entries(traffic: Traffic, number: int, bus: Any) -> None:
    """``PutRawEvents`` entries go to a Custom Event Bus, and not through a global endpoint."""
    raw = [k for k, e in enumerate(traffic.events) if e.raw is not None]
    if raw:
        raise ScenarioError(
            f"traffic.{number}.events.{raw[0]}.raw: PutRawEvents entries go to a Custom Event "
            f"Bus only (not through a global endpoint); {bus.name} in {bus.region} is a Classic "
            "bus or the traffic goes via_endpoint: give its entries as 'event'"
        )


def traffic_bus(graph: Graph, scenario: Scenario, number: int) -> str:
    """The graph id of the bus ``traffic[number]`` puts events on: by logical id, or by
    name (and ``region`` where the name exists in several Regions, unless the traffic goes
    through the global endpoint those buses share)."""
    traffic = scenario.traffic[number]
    name, region = traffic.bus, traffic.region
    buses = [*graph.buses, *graph.custom_buses]  # a Custom Event Bus takes PutEvents too
    by_id = [b for b in buses if b.id == name]
    found = by_id or [b for b in buses if b.name == name]
    if region is not None:
        found = [b for b in found if b.region == region]
    if len(found) == 1:
        if traffic.via_endpoint or not isinstance(found[0], CustomEventBus):
            _no_raw_entries(traffic, number, found[0])
        return found[0].id
    if traffic.via_endpoint and found:
        # one name in both Regions of a global endpoint: the endpoint is the destination
        ids = {b.id for b in found}
        for endpoint in graph.endpoints:
            if ids <= set(endpoint.event_buses):
                return next(b for b in endpoint.event_buses if b in ids)
    where = f"traffic.{number}.bus"
    if found:
        places = ", ".join(f"{b.region}: {b.id}" for b in found)
        raise ScenarioError(
            f"{where}: '{name}' names a bus in several places ({places}); add "
            f"traffic.{number}.region or use the logical id"
        )
    known = sorted({f"{b.name} ({b.region})" for b in buses} | {b.id for b in buses})
    in_region = f" in {region}" if region else ""
    raise ScenarioError(
        f"{where}: unknown bus '{name}'{in_region}; known: {', '.join(known) or 'none'}"
    )


def endpoint_of(graph: Graph, bus_id: str, number: int) -> GlobalEndpoint:
    """The global endpoint ``traffic[number]`` goes through to ``bus_id``, with both its buses
    in the graph, or an error saying what is missing."""
    for endpoint in graph.endpoints:
        if bus_id in endpoint.event_buses:
            if len(endpoint.event_buses) != 2 or not all(
                b in {x.id for x in graph.buses} for b in endpoint.event_buses
            ):
                raise ScenarioError(
                    f"traffic.{number}.via_endpoint: endpoint {endpoint.id} needs both of "
                    "its buses in the loaded templates (load the whole cloud assembly)"
                )
            return endpoint
    known = ", ".join(f"{e.id} ({', '.join(e.event_buses)})" for e in graph.endpoints)
    raise ScenarioError(
        f"traffic.{number}.via_endpoint: bus {bus_id} is behind no global endpoint; "
        f"endpoints: {known or 'none'}"
    )


def traffic_queue(graph: Graph, scenario: Scenario, number: int) -> str:
    """The graph id of the SQS queue ``queue_traffic[number]`` sends to: by logical id, or by
    name (and ``region``); it must be the source of a pipe, the only reader the twin follows."""
    traffic = scenario.queue_traffic[number]
    where = f"queue_traffic.{number}.queue"
    found = [q for q in graph.queues if q.id == traffic.queue] or [
        q for q in graph.queues if q.name == traffic.queue
    ]
    if traffic.region is not None:
        found = [q for q in found if q.region == traffic.region]
    piped = sorted({p.source for p in graph.pipes if p.source_kind == "sqs" and p.source})
    if len(found) != 1:
        known = sorted({q.id for q in graph.queues} | {q.name for q in graph.queues})
        what = (
            "names several queues; add a region or use the logical id"
            if found
            else (f"unknown queue; known: {', '.join(known) or 'none'}")
        )
        raise ScenarioError(f"{where}: '{traffic.queue}' {what}")
    if found[0].id not in piped:
        raise ScenarioError(
            f"{where}: no pipe reads queue '{found[0].id}' (the twin follows messages only "
            f"through pipes); pipes read: {', '.join(piped) or 'no queue'}"
        )
    return found[0].id


def validate_scenario(graph: Graph, scenario: Scenario) -> None:
    """Every glob of the scenario matches something, every traffic bus exists."""
    destinations = graph.api_destinations
    _check_globs(
        scenario.api_destinations,
        "api_destinations",
        [d.id for d in destinations] + [d.endpoint for d in destinations],
    )
    _check_globs(
        scenario.endpoints,
        "endpoints",
        [d.endpoint for d in destinations] + [d.id for d in destinations],
    )
    invoked = [t for rule in graph.rules for t in rule.targets]
    invoked += [p.target for p in graph.pipes] + [s.target for s in graph.schedules]
    invoked += [s.target for s in graph.subscribers]
    others = [
        name
        for t in invoked
        if t.kind is not TargetKind.API_DESTINATION
        for name in (t.resource or "", t.arn, t.kind.value)
    ]
    _check_globs(scenario.targets, "targets", [n for n in others if n])
    subscribers = [n for s in graph.subscribers for n in (s.id, s.name)]
    _check_globs(scenario.subscribers, "subscribers", subscribers)
    functions = [n for f in graph.functions for n in (f.id, f.name)]
    _check_globs(scenario.functions, "functions", functions + others)
    custom = {bus.id for bus in graph.custom_buses}
    for number, traffic in enumerate(scenario.traffic):
        bus_id = traffic_bus(graph, scenario, number)
        given = [name for name in ("event_group", "event_groups", "duplicates")
                 if getattr(traffic, name)]  # fmt: skip
        if given and bus_id not in custom:
            raise ScenarioError(
                f"traffic.{number}.{given[0]}: event groups and publish-time deduplication exist "
                f"on the Custom Event Bus only; {bus_id} is a Classic bus"
            )
    for number in range(len(scenario.queue_traffic)):
        traffic_queue(graph, scenario, number)
    _schedules_within_budget(graph, scenario)


def _schedules_within_budget(graph: Graph, scenario: Scenario) -> None:
    """Schedules fire on their own: the firings they could make in the run are bounded by
    ``max_firings``, estimated before any is listed."""
    expressions = [(r.id, r.schedule_expression) for r in graph.rules
                   if r.enabled and r.schedule_expression]  # fmt: skip
    expressions += [(s.id, s.expression) for s in graph.schedules if s.enabled]
    bounds = sorted(((firings_bound(e, scenario.horizon), i, e) for i, e in expressions),
                    reverse=True)  # fmt: skip
    total = sum(b for b, _, _ in bounds)
    if total > scenario.max_firings:
        biggest = "; ".join(f"{i} {e}: up to {b:,.0f}" for b, i, e in bounds[:3])
        raise ScenarioError(
            f"max_firings: the schedules could fire about {total:,.0f} times in "
            f"{scenario.horizon:,.0f} s ({biggest}), more than max_firings "
            f"({scenario.max_firings:,.0f}); shorten 'duration' or raise max_firings"
        )
