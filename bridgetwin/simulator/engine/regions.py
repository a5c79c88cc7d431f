"""Stage 4 of building the model: one ingestion per Region, with every feed that puts events on
its buses.

Traffic goes straight to its bus, or through a global endpoint's router that splits it between
the endpoint's two Regions and replicates it; then the feeds of schedules and pipes, the replays
of archives (which see every feed of their bus) and the bus-to-bus hops. A Region named in the
scenario that receives nothing is an error listing the Regions that do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from bridgetwin.graph import CustomEventBus, GlobalEndpoint, Graph, HealthCheck
from bridgetwin.simulator._random import latency_sampler, rng_for
from bridgetwin.simulator.aws.entry_size import entry_bytes
from bridgetwin.simulator.aws.failover import EndpointRouter, HealthModel
from bridgetwin.simulator.aws.metrics import AlarmModel
from bridgetwin.simulator.aws.quotas import invocation_quota, put_events_quota
from bridgetwin.simulator.engine.binding import endpoint_of, traffic_bus
from bridgetwin.simulator.engine.custom_bus_limits import limits_may_bind
from bridgetwin.simulator.engine.feeds import Feed
from bridgetwin.simulator.engine.hops import HopNetwork
from bridgetwin.simulator.engine.ingestion import RegionIngestion
from bridgetwin.simulator.engine.matching import DUPLICATE_KEY, GROUP_KEY
from bridgetwin.simulator.engine.producers import ProducerSource
from bridgetwin.simulator.engine.publish_limits import PublishLimits
from bridgetwin.simulator.engine.replays import Replays
from bridgetwin.simulator.engine.stores import MetricStores
from bridgetwin.simulator.engine.workload import CallStream, event_as_delivered
from bridgetwin.simulator.scenario import Scenario, ScenarioError, Traffic
from bridgetwin.simulator.scenario.raw_events import MAX_REQUEST_BYTES

CUSTOM_BUS_SUFFIX = " (Custom Event Bus)"
"""A Region's Custom Event Buses ingest apart from its Classic buses: ``us-east-1 (Custom Event
Bus)``. Their publish quota and delivery quotas are not Classic's (facts §3)."""
UNPUBLISHED_QUOTA = 10**9
"""AWS publishes no publish TPS for the Custom Event Bus and no invocation quota for its
deliveries (facts §2.9, UNCONFIRMED): none binds in the twin."""


def ingestion_key(bus: Any) -> str:
    """Which ingestion takes a bus's events: its Region's, or its Region's Custom Event Bus."""
    return bus.region + (CUSTOM_BUS_SUFFIX if isinstance(bus, CustomEventBus) else "")


def grouped(traffic: Traffic) -> Traffic:
    """Traffic whose events carry their event group (``event_group``: all in one; with
    ``event_groups: N`` each template N times, one per group, each with 1/N of its weight, so
    that every call draws its group evenly at random), and, with ``duplicates: d``, a twin of
    each template marked as a duplicate, drawn with a share d of its weight."""
    if traffic.event_group is not None:
        groups: list[str | None] = [traffic.event_group]
    elif traffic.event_groups is not None:
        groups = [f"group-{g}" for g in range(traffic.event_groups)]
    else:
        groups = [None]
    if groups == [None] and not traffic.duplicates:
        return traffic
    copies = [(False, 1.0 - traffic.duplicates)] + [(True, traffic.duplicates)] * bool(
        traffic.duplicates
    )
    events = tuple(
        e.model_copy(update={
            "weight": e.weight * share / len(groups),
            "event": {**e.entry, **({GROUP_KEY: g} if g is not None else {}),
                      **({DUPLICATE_KEY: True} if duplicate else {})},
        })
        for e in traffic.events
        for g in groups
        for duplicate, share in copies
    )  # fmt: skip
    return traffic.model_copy(update={"events": events})


def _window_rng(seed: int, number: int) -> Callable[[int], np.random.Generator]:
    """The generator of each window of ``traffic[number]``'s calls."""
    return lambda window: rng_for(seed, f"traffic:{number}:window:{window}")


class RegionsBuilder:
    """Builds the Regions' ingestions; ``routers`` and ``assumptions`` say what it made."""

    def __init__(
        self,
        graph: Graph,
        scenario: Scenario,
        stores: MetricStores,
        hops: HopNetwork,
        alarms: Sequence[AlarmModel],
    ) -> None:
        self._graph, self._scenario, self._stores = graph, scenario, stores
        self._hops, self._alarms = hops, alarms
        self._feeds: dict[str, list[Feed]] = {}
        self.routers: list[EndpointRouter] = []
        self.assumptions: list[str] = []

    def build(
        self, other_feeds: list[tuple[str, Feed]], replays: Replays
    ) -> dict[str, RegionIngestion]:
        """Every Region's ingestion: the traffic's feeds, then ``other_feeds`` (schedules,
        pipes), the replays and the hops."""
        scenario, graph, feeds = self._scenario, self._graph, self._feeds
        for number, traffic in enumerate(scenario.traffic):
            self._traffic(number, traffic)
        for region, made in other_feeds:
            feeds.setdefault(region, []).append(made)
        replays.attach(
            [f for fs in feeds.values() for f in fs] + [h.feed for h in self._hops.feeds.values()]
        )
        for region, made in replays.replay_feeds():
            feeds.setdefault(region, []).append(made)
        for bus_id, hop in self._hops.feeds.items():
            feeds.setdefault(ingestion_key(graph.get(bus_id)), []).append(hop.feed)
        unknown = sorted(set(scenario.regions) - {k.removesuffix(CUSTOM_BUS_SUFFIX) for k in feeds})
        if unknown:
            raise ScenarioError(
                f"regions: {', '.join(unknown)} receive no traffic in this deployment; "
                f"Regions with traffic: {', '.join(sorted(feeds)) or 'none'}"
            )
        return {key: self._ingestion(key, made) for key, made in sorted(feeds.items())}

    def _ingestion(self, key: str, feeds: list[Feed]) -> RegionIngestion:
        """One Region's ingestion (or its Custom Event Buses', with no quota that binds)."""
        scenario, eventbridge = self._scenario, self._scenario.eventbridge
        region = key.removesuffix(CUSTOM_BUS_SUFFIX)
        settings = scenario.regions.get(region)
        latency = (settings and settings.processing_latency) or eventbridge.processing_latency
        custom = key != region
        return RegionIngestion(
            key,
            feeds,
            UNPUBLISHED_QUOTA if custom else
            eventbridge.put_events_quota or put_events_quota(region),
            UNPUBLISHED_QUOTA if custom else
            eventbridge.invocation_quota or invocation_quota(region),
            latency_sampler(latency, rng_for(scenario.seed, f"processing:{key}")),
            self._stores.region(key),
            settings.disruptions if settings else (),
            rng_for(scenario.seed, f"disruption:{key}"),
            publish_limits=PublishLimits() if custom and self._may_bind(feeds) else None,
        )  # fmt: skip

    def _may_bind(self, feeds: list[Feed]) -> bool:
        """Whether a Custom Event Bus's publish limits can bind: other buses forward to it (their
        rates are not known up front), or the traffic offers half a limit."""
        return any(f.kind == "hop" for f in feeds) or limits_may_bind(self._graph, self._scenario)

    def _traffic(self, number: int, traffic: Traffic) -> None:
        scenario, graph = self._scenario, self._graph
        traffic = grouped(traffic)
        bus_id = traffic_bus(graph, scenario, number)
        stream = CallStream(traffic, scenario.duration, _window_rng(scenario.seed, number))
        limit = self._request_limit(traffic, bus_id)
        source = ProducerSource(traffic, stream, traffic.batch, limit)
        if not traffic.via_endpoint:
            self._feed(bus_id, traffic, f"traffic.{number}", source)
            return
        endpoint = endpoint_of(graph, bus_id, number)
        router = self._router(endpoint, source, f"traffic.{number}")
        for bus in endpoint.event_buses:
            region = graph.get(bus).region
            self._feed(bus, traffic, f"traffic.{number}@{region}", router.share(region),
                       replicate=router.replicator(region))  # fmt: skip
            self._feed(bus, traffic, f"replication.{number}@{region}", router.replicas[region],
                       kind="replica")  # fmt: skip

    def _feed(self, bus_id: str, traffic: Traffic, name: str, source: Any, **kwargs: Any) -> None:
        bus = self._graph.get(bus_id)
        events = [event_as_delivered(e.entry, bus.region, bus.account) for e in traffic.events]
        duplicate = [bool(e.pop(DUPLICATE_KEY, False)) for e in events]
        routes = [
            [] if again else self._hops.routes_on(bus_id, e)
            for e, again in zip(events, duplicate, strict=True)
        ]
        limit = self._limits(bus)[0]
        sizes = [entry_bytes(e.entry) for e in traffic.events]  # as the producer sends it
        ok = [size <= limit for size in sizes]
        made = Feed(name, source, routes, ok, bus=bus_id, events=events, entry_sizes=sizes,
                    **kwargs)  # fmt: skip
        if any(duplicate):
            made.duplicate = duplicate
        self._feeds.setdefault(ingestion_key(bus), []).append(made)

    def _limits(self, bus: Any) -> tuple[int, int]:
        """The largest entry and request ``bus`` takes: the scenario's for a Classic bus (256
        KB each by default), 1 MB for a whole request to a Custom Event Bus."""
        if isinstance(bus, CustomEventBus):
            return MAX_REQUEST_BYTES, MAX_REQUEST_BYTES
        eventbridge = self._scenario.eventbridge
        return eventbridge.max_entry_bytes, eventbridge.max_request_bytes

    def _request_limit(self, traffic: Traffic, bus_id: str) -> tuple[np.ndarray, int] | None:
        """What each of the traffic's templates adds to a request (nothing for an entry too
        large on its own: the Region fails it alone), when some call could exceed the limit."""
        entry, request = self._limits(self._graph.get(bus_id))
        sizes = [entry_bytes(e.entry) for e in traffic.events]
        counted = np.asarray([s if s <= entry else 0 for s in sizes])
        if traffic.batch * int(counted.max()) <= request:
            return None
        return counted, request

    def _router(
        self, endpoint: GlobalEndpoint, source: ProducerSource, name: str
    ) -> EndpointRouter:
        check = self._graph.find(endpoint.health_check) if endpoint.health_check else None
        check = check if isinstance(check, HealthCheck) else None
        alarm = None
        if check is not None and check.alarm is not None:
            alarm = next((m for m in self._alarms if m.alarm.id == check.alarm), None)
        if check is None or alarm is None:
            self.assumptions.append(
                f"{endpoint.id}: its health check or alarm is not in the loaded templates, so "
                "the endpoint never fails over"
            )
        scenario = self._scenario
        primary, secondary = (self._graph.get(b).region for b in endpoint.event_buses)
        router = EndpointRouter(
            f"{endpoint.id} ({name})",
            source,
            primary,
            secondary,
            HealthModel(check, alarm, scenario.health_check.propagation),
            scenario.dns.ttl,
            endpoint.replication_enabled,
            scenario.replication.lag,
            {r: s.disruptions for r, s in scenario.regions.items()},
        )
        self.routers.append(router)
        return router
