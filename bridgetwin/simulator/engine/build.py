"""Build the twin's :class:`~.model.Model` from a graph and a scenario, in stages (Ciw's
create-then-run split).

1. Match the scenario to the graph: every glob must match something, every traffic bus and
   Region must exist, or the error lists what does (:mod:`.binding`).
2. One lane per API destination (its rules, pipes and subscribers share it) and per other
   target, with the retry policy and DLQ of each rule target or Custom Event Bus subscriber
   (:mod:`.wiring`); Lambda functions' async queues (:mod:`.functions`).
3. One model per alarm, fed by the metric series it watches (:mod:`.alarm_feeds`).
4. One ingestion per Region with its feeds: traffic (split between Regions by a global
   endpoint's router when ``via_endpoint``), replication streams, schedules
   (:mod:`.scheduled`), pipes (:mod:`.pipes`), bus-to-bus hops (:mod:`.hops`) and replays of
   archives (:mod:`.replays`) (:mod:`.regions`).
5. What the model could not represent or had to assume (:mod:`.findings`, and for Custom Event
   Bus subscribers :mod:`.subscriber_findings`).

Each stage's parts get only the parts they need; the Model is passive:
:class:`~bridgetwin.simulator.engine.Simulation` runs it.
"""

from __future__ import annotations

import dataclasses

from bridgetwin.graph import Graph
from bridgetwin.simulator.engine.alarm_feeds import alarm_model
from bridgetwin.simulator.engine.batch_bytes import cap_batches
from bridgetwin.simulator.engine.binding import validate_scenario
from bridgetwin.simulator.engine.custom_bus_limits import publish_limit_warnings
from bridgetwin.simulator.engine.findings import assumed_defaults, model_findings
from bridgetwin.simulator.engine.hops import HopNetwork, QueueReaders
from bridgetwin.simulator.engine.matching import RuleMatcher
from bridgetwin.simulator.engine.model import Model
from bridgetwin.simulator.engine.pipes import PipeNetwork
from bridgetwin.simulator.engine.regions import RegionsBuilder
from bridgetwin.simulator.engine.replays import Replays
from bridgetwin.simulator.engine.scheduled import ScheduledFeeds
from bridgetwin.simulator.engine.stores import MetricStores
from bridgetwin.simulator.engine.subscriber_findings import (
    subscriber_assumptions,
    subscriber_warnings,
)
from bridgetwin.simulator.engine.wiring import LaneWiring, RuleRoutes
from bridgetwin.simulator.graph_overrides import apply_overrides
from bridgetwin.simulator.scenario import Scenario


def build_model(graph: Graph, scenario: Scenario, *, latency_by_minute: bool = True) -> Model:
    """Every part of one run of ``scenario`` against ``graph`` (overrides applied)."""
    graph, overrides = apply_overrides(graph, scenario.overrides)
    horizon = scenario.horizon  # the duration, and the drain after it
    stores = MetricStores(horizon)
    validate_scenario(graph, scenario)
    wiring = LaneWiring(graph, scenario, latency_by_minute=latency_by_minute)
    routes = RuleRoutes({})
    for rule in graph.rules:
        if rule.enabled:
            store = stores.owner(rule.id)
            routes.by_rule[rule.id] = [wiring.route_for(rule, t, store) for t in rule.targets]
    for subscriber in graph.subscribers:  # a STOPPED one holds its events (Lane.pauses)
        store = stores.owner(subscriber.id)
        routes.by_rule[subscriber.id] = [wiring.subscriber_route(subscriber, store)]
    matcher = RuleMatcher(graph)
    readers = QueueReaders()
    hops = HopNetwork(graph, routes.by_rule, wiring.hop_route, matcher.owners_matching,
                      scenario.eventbridge, horizon, readers, wiring.group_route)  # fmt: skip
    alarms = tuple(alarm_model(graph, stores, routes, a) for a in graph.alarms)
    pipes = PipeNetwork(graph, scenario, stores, hops, readers, wiring)
    scheduled = ScheduledFeeds(graph, scenario, stores, hops, wiring)
    replays = Replays(graph, scenario, hops)
    regions = RegionsBuilder(graph, scenario, stores, hops, alarms)
    ingestions = regions.build(scheduled.feeds + pipes.feeds(), replays)
    capped = cap_batches([f for i in ingestions.values() for f in i.feeds], wiring.lanes)
    for bus_id in hops.feeds:  # these rules' events may come from other buses
        for rule in graph.rules_on(bus_id):
            for lane, key, _ in routes.by_rule.get(rule.id, []):
                lane.carries_origin = True
                lane.targets[key].chained = True
    model = Model(
        graph=graph,
        scenario=scenario,
        horizon=horizon,
        overrides=overrides,
        matcher=matcher,
        stores=stores,
        lanes=tuple(wiring.lanes),
        states=tuple(wiring.states),
        lane_assumptions=tuple(wiring.lane_assumptions),
        pools=tuple(wiring.pools),
        functions=wiring.functions,
        hops=hops,
        pipes=pipes,
        scheduled=scheduled,
        replays=replays,
        alarms=alarms,
        routers=tuple(regions.routers),
        regions=ingestions,
    )
    return dataclasses.replace(
        model,
        warnings=tuple(
            model_findings(model)
            + scheduled.warnings
            + pipes.warnings
            + subscriber_warnings(model)
            + publish_limit_warnings(model)
        ),
        assumptions=tuple(
            regions.assumptions
            + capped
            + assumed_defaults(model)
            + subscriber_assumptions(model)
            + list(scenario.provenance)
        ),
    )
