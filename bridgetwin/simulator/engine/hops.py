"""Events a rule delivers to another event bus: a PutEvents into that bus, and its rules fire.

AWS: a rule target can be an event bus in the same Region, another Region or another account
(eventbridge-facts §10). The event is put onto that bus and matched by *its* rules, with their own
targets, retries and DLQs; the sending rule's retry policy and DLQ apply to the hop itself.

The twin follows that mechanism. The hop is a target lane like any other (its latency and
failures from the scenario's ``targets``, its rule's retry policy and DLQ). Each successful
delivery ends up as an arrival at the destination bus, ``eventbridge.cross_region_latency`` later
when the Regions differ (AWS publishes no number: UNCONFIRMED, configurable), and the destination
Region ingests it with its processing latency and invocation quota, routing it through that bus's
rules by the event's content. Because which rules an event matches depends on the event, every
(hop, event template) pair has its own key in the sending lane and its own template in the
destination's feed; chains and fan-outs of any depth follow. A cycle (bus A -> B -> A) is followed
for at most ``eventbridge.max_hops`` hops; what would go further is counted and reported.

What we simplify: a hop's PutEvents does not count against the destination Region's PutEvents
quota (UNCONFIRMED); a disrupted destination that rejects it sees it again ``HOP_RETRY_DELAY``
later (not under the sending rule's backoff); a Classic rule's input transformer on a bus target
is not applied to the event routed downstream (a warning says so), while a Custom Event Bus
subscriber's transformer is (:mod:`.forwarding`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridgetwin.graph import Graph, Rule, Target, TargetKind
from bridgetwin.simulator.calls import Batch
from bridgetwin.simulator.engine.feeds import Feed, Route
from bridgetwin.simulator.engine.forwarding import forwarded_event
from bridgetwin.simulator.engine.matching import GROUP_KEY

Sink = Callable[[np.ndarray, np.ndarray], None]
"""Where a lane key's successful deliveries go: (end times, origins)."""
HOP_RETRY_DELAY = 1.0
"""When a disrupted destination rejects a hop, it is offered again this much later (AWS documents
no number: UNCONFIRMED; the same 1 s as the other calls EventBridge makes itself)."""


class QueueReaders:
    """What reads the queues rules deliver to, and so where those deliveries go on to: a pipe
    polling its source queue (:mod:`.pipes`). Readers register as they are built; the hop
    network asks when it builds a route, after every reader exists."""

    def __init__(self) -> None:
        self._readers: list[Callable[[Target, dict[str, Any]], Sink | None]] = []

    def register(self, reader: Callable[[Target, dict[str, Any]], Sink | None]) -> None:
        self._readers.append(reader)

    def sink(self, target: Target, event: dict[str, Any]) -> Sink | None:
        """Where ``target``'s deliveries of ``event`` go on to, if anything reads them."""
        for reader in self._readers:
            sink = reader(target, event)
            if sink is not None:
                return sink
        return None


class HopSource:
    """Deliveries into one bus from rules elsewhere, due at their arrival times."""

    width = 1

    def __init__(self, horizon: float) -> None:
        self._horizon = horizon
        self._times: list[np.ndarray] = []
        self._templates: list[np.ndarray] = []
        self._origins: list[np.ndarray] = []
        self._earliest = np.inf

    def push(self, times: np.ndarray, template: int, origins: np.ndarray) -> None:
        """Events of ``template`` arriving at ``times``, first ingested at ``origins``."""
        inside = times <= self._horizon
        if inside.any():
            self._times.append(times[inside])
            self._origins.append(origins[inside])
            self._templates.append(np.full(int(inside.sum()), template, dtype=np.int64))
            self._earliest = min(self._earliest, float(times[inside].min()))

    def due_before(self, t1: float) -> bool:
        return self._earliest < t1

    def take(self, t1: float) -> Batch:
        if not self._times or self._earliest >= t1:
            return Batch.empty(1)
        times, templates = np.concatenate(self._times), np.concatenate(self._templates)
        origins = np.concatenate(self._origins)
        due = times < t1
        kept = ~due
        self._times = [times[kept]] if kept.any() else []
        self._templates = [templates[kept]] if kept.any() else []
        self._origins = [origins[kept]] if kept.any() else []
        self._earliest = float(times[kept].min()) if kept.any() else np.inf
        order = np.argsort(times[due], kind="stable")
        return Batch(times[due][order], templates[due][order].reshape(-1, 1),
                     np.zeros(int(due.sum()), dtype=np.int64), origins[due][order])  # fmt: skip

    min_retry_delay = HOP_RETRY_DELAY

    def failed(self, batch: Batch, *, throttled: bool) -> None:
        """A disrupted destination rejected the hop: it arrives again ``HOP_RETRY_DELAY``
        later."""
        assert batch.origins is not None
        for template in np.unique(batch.templates[:, 0]).tolist():
            mine = batch.templates[:, 0] == template
            again = batch.times[mine] + HOP_RETRY_DELAY
            self.push(again, template, batch.origins[mine])


@dataclass
class _HopFeed:
    feed: Feed
    source: HopSource
    index: dict[tuple[str, int], int] = field(default_factory=dict)
    """(event as JSON, hops so far) -> template number in the feed."""


class HopNetwork:
    """Builds the destination feeds of every bus-to-bus hop and the routes that reach them.

    ``routes_for(rule, event, hops)`` is where an event on ``rule``'s bus goes: the rule's own
    routes, except that each bus target gets a key of its own for this event, whose deliveries
    arrive in the destination bus's feed as this event (one hop further).
    """

    def __init__(
        self,
        graph: Graph,
        base_routes: dict[str, list[Route]],
        hop_route: Callable[[Route, Callable[[np.ndarray, np.ndarray], None]], Route],
        owners_matching: Callable[[str, dict[str, Any]], list[Rule]],
        settings: Any,
        horizon: float,
        readers: QueueReaders,
        group_route: Callable[[Route], Route] | None = None,
    ) -> None:
        self._graph = graph
        self._base = base_routes
        self._hop_route = hop_route
        self._matching = owners_matching
        self._cross_region = settings.cross_region_latency
        self._max_hops = settings.max_hops
        self._horizon = horizon
        self._routes: dict[tuple[str, str, int], list[Route]] = {}
        self.feeds: dict[str, _HopFeed] = {}
        self.beyond_limit: dict[str, int] = {}
        self.transform_failures: set[str] = set()
        """Subscribers whose JSONata transformer failed on an event they forward."""
        """Per rule/target, events not followed because they reached ``max_hops``."""
        self._readers = readers
        self._group_route = group_route
        self._groups: dict[tuple[str, str], Route] = {}
        """(FIFO subscriber, event group) -> its key in the subscriber's lane."""

    def destination(self, target: Target) -> str | None:
        """The graph id of a bus target's bus, when the bus is in the loaded templates."""
        if target.kind is not TargetKind.EVENT_BUS or target.resource is None:
            return None
        try:
            self._graph.get(target.resource)
        except KeyError:
            return None
        return target.resource

    def routes_for(self, rule: Rule, event: dict[str, Any], hops: int) -> list[Route]:
        """Built once per (rule, event, hops): every feed carrying the same event to the same
        rule (a producer's feed and its replicas, say) shares the same keys and sinks."""
        key = (rule.id, json.dumps(event, sort_keys=True), hops)
        routes = self._routes.get(key)
        if routes is None:
            routes = self._routes[key] = self._new_routes(rule, event, hops)
        return routes

    def routes_on(
        self,
        bus_id: str,
        event: dict[str, Any],
        hops: int = 0,
        admits: Callable[[Any], bool] | None = None,
    ) -> list[Route]:
        """Every route ``event`` takes when put on ``bus_id``: those of each rule or subscriber
        that matches it (``admits``: only the owners it accepts, a replay's rules say)."""
        return [
            route
            for owner in self._matching(bus_id, event)
            if admits is None or admits(owner)
            for route in self.routes_for(owner, event, hops)
        ]

    def _in_group(self, owner: Any, base: Route, event: dict[str, Any]) -> Route:
        """A FIFO subscriber's route for the event's group: a key of its own in the lane, so
        that the group's events go one at a time (:class:`.lane.Lane`'s ``fifo`` keys)."""
        group = event.get(GROUP_KEY)
        if group is None or getattr(owner, "ordering", None) != "FIFO" or not self._group_route:
            return base
        route = self._groups.get((owner.id, group))
        if route is None:
            route = self._groups[(owner.id, group)] = self._group_route(base)
        return route

    def _new_routes(self, rule: Rule, event: dict[str, Any], hops: int) -> list[Route]:
        routes = []
        for target, base in zip(rule.targets, self._base[rule.id], strict=True):
            base = self._in_group(rule, base, event)  # noqa: PLW2901 - the group's own route
            bus_id = self.destination(target)
            if bus_id is None:
                sink = self._readers.sink(target, event)
                routes.append(base if sink is None else self._hop_route(base, sink))
                continue
            if hops >= self._max_hops:
                self.beyond_limit.setdefault(f"{rule.id}/{target.target_id}", 0)
                routes.append(self._hop_route(base, self._counter(rule, target)))
                continue
            forwarded, failed = forwarded_event(rule, event)  # a new event, in no group
            if failed:
                self.transform_failures.add(rule.id)
            routes.append(self._hop_route(base, self.arrival(bus_id, forwarded, hops + 1,
                                                             rule.region)))  # fmt: skip
        return routes

    def arrival(self, bus_id: str, event: dict[str, Any], hops: int, region: str) -> Sink:
        """A sink whose deliveries arrive on ``bus_id`` as ``event`` (sent from ``region``)."""
        delay = self._cross_region if self._graph.get(bus_id).region != region else 0.0
        source, template = self._template(bus_id, event, hops)
        return _Arrival(source, template, delay)

    def _counter(self, rule: Rule, target: Target) -> Callable[[np.ndarray, np.ndarray], None]:
        name = f"{rule.id}/{target.target_id}"

        def count(times: np.ndarray, origins: np.ndarray) -> None:
            self.beyond_limit[name] += len(times)

        return count

    def _template(self, bus_id: str, event: dict[str, Any], hops: int) -> tuple[HopSource, int]:
        hop = self.feeds.get(bus_id)
        if hop is None:
            source = HopSource(self._horizon)
            feed = Feed(f"hops into {bus_id}", source, [], [], kind="hop", bus=bus_id)
            hop = self.feeds[bus_id] = _HopFeed(feed, source)
        key = (json.dumps(event, sort_keys=True), hops)
        if key not in hop.index:
            number = hop.index[key] = len(hop.feed.routes)
            hop.feed.routes.append([])
            hop.feed.entry_ok.append(True)
            hop.feed.events.append(event)
            hop.feed.routes[number] = self.routes_on(bus_id, event, hops)
        return hop.source, hop.index[key]


@dataclass(frozen=True)
class _Arrival:
    """Successful deliveries of one (hop, event) key become arrivals at the destination."""

    source: HopSource
    template: int
    delay: float

    def __call__(self, ends: np.ndarray, origins: np.ndarray) -> None:
        self.source.push(ends + self.delay if self.delay else ends, self.template, origins)
