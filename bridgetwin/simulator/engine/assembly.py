"""Build the twin's model from a graph and a scenario, in stages (Ciw's create-then-run split).

1. Match the scenario to the graph: every glob must match something, every traffic bus and
   Region must exist, or the error lists what does (:mod:`.binding`).
2. One lane per API destination (its rules and pipes share it) and per other target, with the
   target's retry policy and DLQ (:mod:`.wiring`); Lambda functions' async queues
   (:mod:`.functions`).
3. One ingestion per Region with its feeds: traffic (split between Regions by a global
   endpoint's router when ``via_endpoint``), replication streams, schedules
   (:mod:`.scheduled`), pipes (:mod:`.pipes`), bus-to-bus hops (:mod:`.hops`) and replays of
   archives (:mod:`.replays`).
4. One model per alarm, fed by the metric series it watches.

The result is passive: :class:`~bridgetwin.simulator.engine.Simulation` runs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from bridgetwin.graph import GlobalEndpoint, Graph, HealthCheck, Rule, Target
from bridgetwin.patterns import PatternIndex
from bridgetwin.simulator._random import latency_sampler, rng_for
from bridgetwin.simulator.aws.failover import EndpointRouter, HealthModel
from bridgetwin.simulator.aws.metrics import MetricStore
from bridgetwin.simulator.aws.quotas import invocation_quota, put_events_quota
from bridgetwin.simulator.engine.alarm_feeds import alarm_model
from bridgetwin.simulator.engine.binding import traffic_bus, validate_scenario
from bridgetwin.simulator.engine.findings import assumed_defaults, model_findings
from bridgetwin.simulator.engine.hops import HopNetwork
from bridgetwin.simulator.engine.ingestion import Feed, RegionIngestion, Route
from bridgetwin.simulator.engine.pipes import PipeNetwork
from bridgetwin.simulator.engine.producers import ProducerSource
from bridgetwin.simulator.engine.replays import Replays
from bridgetwin.simulator.engine.scheduled import ScheduledFeeds
from bridgetwin.simulator.engine.targets import TargetState
from bridgetwin.simulator.engine.wiring import LaneWiring
from bridgetwin.simulator.engine.workload import (
    CallStream,
    event_as_delivered,
)
from bridgetwin.simulator.overrides import apply_overrides
from bridgetwin.simulator.scenario import (
    Scenario,
    ScenarioError,
    Traffic,
)


def _entry_bytes(event: dict[str, Any]) -> int:
    """PutEvents entry size as AWS computes it (eventbridge-facts §6)."""
    size = len(event["source"].encode()) + len(event["detail-type"].encode())
    size += len(json.dumps(event.get("detail", {})).encode())
    size += sum(len(str(r).encode()) for r in event.get("resources", []))
    return size + (14 if "time" in event else 0)


def _window_rng(seed: int, number: int) -> Callable[[int], np.random.Generator]:
    """The generator of each window of ``traffic[number]``'s calls."""
    return lambda window: rng_for(seed, f"traffic:{number}:window:{window}")


class ModelBuilder:
    """Builds every part of a simulation; read its attributes once constructed."""

    def __init__(self, graph: Graph, scenario: Scenario, *, latency_by_minute: bool = True) -> None:
        graph, self.overrides = apply_overrides(graph, scenario.overrides)
        self.graph = graph
        self.scenario = scenario
        self.horizon = scenario.duration
        self.assumptions: list[str] = []
        self.rule_stores: dict[str, MetricStore] = {}
        self.region_stores: dict[str, MetricStore] = {}
        self._routes: dict[str, list[Route]] = {}
        validate_scenario(graph, scenario)
        wiring = LaneWiring(graph, scenario, latency_by_minute=latency_by_minute)
        for rule in graph.rules:
            if rule.enabled:
                store = self.rule_stores.setdefault(rule.id, MetricStore(self.horizon))
                self._routes[rule.id] = [wiring.route_for(rule, t, store) for t in rule.targets]
        self._indexes: dict[str, PatternIndex[str]] = {}
        for rule in graph.rules:
            if rule.enabled and rule.pattern is not None:
                self._indexes.setdefault(rule.bus, PatternIndex()).add(rule.id, rule.pattern)
        self.hops = HopNetwork(graph, self._routes, wiring.hop_route, self.rules_matching,
                               scenario.eventbridge, self.horizon)  # fmt: skip
        self.lanes = wiring.lanes
        self.states = wiring.states
        self.lane_assumptions = wiring.lane_assumptions
        self.pools = wiring.pools
        self.functions = wiring.functions
        self.alarms = [alarm_model(self, a) for a in graph.alarms]
        self.routers: list[EndpointRouter] = []
        self.pipes = PipeNetwork(self, wiring)
        self.hops.onward = self.pipes.onward
        self.scheduled = ScheduledFeeds(self, wiring)
        self.replays = Replays(self)
        self.regions = self._regions()
        for bus_id in self.hops.feeds:  # these rules' events may come from other buses
            for rule in graph.rules_on(bus_id):
                for lane, key, _ in self._routes.get(rule.id, []):
                    lane.carries_origin = True
                    lane.targets[key].chained = True
        self.warnings = model_findings(self) + self.scheduled.warnings + self.pipes.warnings
        self.assumptions.extend(assumed_defaults(self))

    def traffic_bus(self, number: int) -> str:
        """The graph id of the bus ``traffic[number]`` puts events on (:mod:`.binding`)."""
        return traffic_bus(self.graph, self.scenario, number)

    # -- stage 3: Regions, feeds and alarms ------------------------------------------------------

    def _request_limit(self, traffic: Traffic) -> tuple[np.ndarray, int] | None:
        """What each of the traffic's templates adds to a request (nothing for an entry too
        large on its own: the Region fails it alone), when some call could exceed the limit."""
        eventbridge = self.scenario.eventbridge
        sizes = [_entry_bytes(e.event) for e in traffic.events]
        counted = np.asarray([s if s <= eventbridge.max_entry_bytes else 0 for s in sizes])
        if traffic.batch * int(counted.max()) <= eventbridge.max_request_bytes:
            return None
        return counted, eventbridge.max_request_bytes

    def _regions(self) -> dict[str, RegionIngestion]:
        scenario, graph = self.scenario, self.graph
        feeds: dict[str, list[Feed]] = {}

        def feed(bus_id: str, traffic: Traffic, name: str, source: Any, **kwargs: Any) -> Feed:
            bus = graph.get(bus_id)
            events = [event_as_delivered(e.event, bus.region, bus.account) for e in traffic.events]
            routes = [
                [
                    r
                    for rule in self.rules_matching(bus_id, e)
                    for r in self.hops.routes_for(rule, e, 0)
                ]
                for e in events
            ]
            ok = [_entry_bytes(e) <= scenario.eventbridge.max_entry_bytes for e in events]
            made = Feed(name, source, routes, ok, bus=bus_id, events=events, **kwargs)
            feeds.setdefault(bus.region, []).append(made)
            return made

        for number, traffic in enumerate(scenario.traffic):
            bus_id = self.traffic_bus(number)
            stream = CallStream(traffic, self.horizon, _window_rng(scenario.seed, number))
            source = ProducerSource(traffic, stream, traffic.batch, self._request_limit(traffic))
            if not traffic.via_endpoint:
                feed(bus_id, traffic, f"traffic.{number}", source)
                continue
            endpoint = self.endpoint_of(bus_id, number)
            router = self._router(endpoint, source, f"traffic.{number}")
            for bus in endpoint.event_buses:
                region = graph.get(bus).region
                feed(
                    bus,
                    traffic,
                    f"traffic.{number}@{region}",
                    router.share(region),
                    replicate=router.replicator(region),
                )
                feed(
                    bus,
                    traffic,
                    f"replication.{number}@{region}",
                    router.replicas[region],
                    kind="replica",
                )
        for region, made in self.scheduled.feeds + self.pipes.feeds():
            feeds.setdefault(region, []).append(made)
        self.replays.attach(
            [f for fs in feeds.values() for f in fs] + [h.feed for h in self.hops.feeds.values()]
        )
        for region, made in self.replays.replay_feeds():
            feeds.setdefault(region, []).append(made)
        for bus_id, hop in self.hops.feeds.items():
            feeds.setdefault(graph.get(bus_id).region, []).append(hop.feed)
        eventbridge = scenario.eventbridge
        unknown = sorted(set(scenario.regions) - set(feeds))
        if unknown:
            raise ScenarioError(
                f"regions: {', '.join(unknown)} receive no traffic in this deployment; "
                f"Regions with traffic: {', '.join(sorted(feeds)) or 'none'}"
            )
        regions = {}
        for region, region_feeds in sorted(feeds.items()):
            settings = scenario.regions.get(region)
            latency = (settings and settings.processing_latency) or eventbridge.processing_latency
            regions[region] = RegionIngestion(
                region,
                region_feeds,
                eventbridge.put_events_quota or put_events_quota(region),
                eventbridge.invocation_quota or invocation_quota(region),
                latency_sampler(latency, rng_for(scenario.seed, f"processing:{region}")),
                self.region_store(region),
                settings.disruptions if settings else (),
                rng_for(scenario.seed, f"disruption:{region}"),
            )
        return regions

    def endpoint_of(self, bus_id: str, number: int) -> GlobalEndpoint:
        for endpoint in self.graph.endpoints:
            if bus_id in endpoint.event_buses:
                if len(endpoint.event_buses) != 2 or not all(
                    b in {x.id for x in self.graph.buses} for b in endpoint.event_buses
                ):
                    raise ScenarioError(
                        f"traffic.{number}.via_endpoint: endpoint {endpoint.id} needs both of "
                        "its buses in the loaded templates (load the whole cloud assembly)"
                    )
                return endpoint
        known = ", ".join(f"{e.id} ({', '.join(e.event_buses)})" for e in self.graph.endpoints)
        raise ScenarioError(
            f"traffic.{number}.via_endpoint: bus {bus_id} is behind no global endpoint; "
            f"endpoints: {known or 'none'}"
        )

    def _router(
        self, endpoint: GlobalEndpoint, source: ProducerSource, name: str
    ) -> EndpointRouter:
        check = None
        if endpoint.health_check is not None:
            node = self._node(endpoint.health_check)
            check = node if isinstance(node, HealthCheck) else None
        alarm = None
        if check is not None and check.alarm is not None:
            alarm = next((m for m in self.alarms if m.alarm.id == check.alarm), None)
        if check is None or alarm is None:
            self.assumptions.append(
                f"{endpoint.id}: its health check or alarm is not in the loaded templates, so "
                "the endpoint never fails over"
            )
        primary, secondary = (self.graph.get(b).region for b in endpoint.event_buses)
        router = EndpointRouter(
            f"{endpoint.id} ({name})",
            source,
            primary,
            secondary,
            HealthModel(check, alarm, self.scenario.health_check.propagation),
            self.scenario.dns.ttl,
            endpoint.replication_enabled,
            self.scenario.replication.lag,
            {r: s.disruptions for r, s in self.scenario.regions.items()},
        )
        self.routers.append(router)
        return router

    def _node(self, graph_id: str) -> Any:
        try:
            return self.graph.get(graph_id)
        except KeyError:
            return None

    def rules_matching(self, bus_id: str, event: dict[str, Any]) -> list[Rule]:
        """The enabled rules on ``bus_id`` whose pattern matches ``event``."""
        index = self._indexes.get(bus_id)
        return [self.graph.get(rid) for rid in index.matching(event)] if index else []

    def region_store(self, region: str) -> MetricStore:
        """The account-level metrics of a Region (PutEvents*), whether or not it has traffic."""
        return self.region_stores.setdefault(region, MetricStore(self.horizon))

    def states_of(self, rule: Rule) -> list[tuple[Target, TargetState]]:
        states = [r[0].targets[r[1]] for r in self._routes.get(rule.id, [])]
        return list(zip(rule.targets, states, strict=False))
