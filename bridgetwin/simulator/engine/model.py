"""``Model``: everything one run of the twin is made of, built once (:mod:`.build`), then run
(:mod:`.simulation`) and read (:mod:`.collect`).

The Model is a frozen record of named parts: which parts exist never changes after building.
The parts themselves (lanes, ingestions, alarms, feeds) hold the run's state and advance as the
run goes; result collection reads them through the Model's fields. No part holds the Model or
the builder: each got only what it needed when it was made.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridgetwin.graph import Graph
from bridgetwin.simulator.aws.endpoint_capacity import ServerPool
from bridgetwin.simulator.aws.failover import EndpointRouter
from bridgetwin.simulator.aws.metrics import AlarmModel
from bridgetwin.simulator.engine.functions import FunctionQueues
from bridgetwin.simulator.engine.hops import HopNetwork
from bridgetwin.simulator.engine.ingestion import RegionIngestion
from bridgetwin.simulator.engine.lane import Lane
from bridgetwin.simulator.engine.matching import RuleMatcher
from bridgetwin.simulator.engine.pipes import PipeNetwork
from bridgetwin.simulator.engine.replays import Replays
from bridgetwin.simulator.engine.scheduled import ScheduledFeeds
from bridgetwin.simulator.engine.stores import MetricStores
from bridgetwin.simulator.engine.targets import TargetState
from bridgetwin.simulator.results.records import Finding
from bridgetwin.simulator.scenario import Endpoint, Scenario


@dataclass(frozen=True)
class Model:
    """A graph under a scenario, as the parts the engine runs."""

    graph: Graph
    """The deployment with the scenario's overrides applied."""
    scenario: Scenario
    horizon: float
    """Seconds simulated: the scenario's duration."""
    overrides: tuple[str, ...]
    """What the overrides changed, one line each."""
    matcher: RuleMatcher
    stores: MetricStores
    lanes: tuple[Lane, ...]
    states: tuple[TargetState, ...]
    """Every (owner, target) tally, in the order the lanes took them."""
    lane_assumptions: tuple[tuple[Lane, str], ...]
    pools: tuple[tuple[str, Endpoint, ServerPool], ...]
    functions: FunctionQueues
    hops: HopNetwork
    pipes: PipeNetwork
    scheduled: ScheduledFeeds
    replays: Replays
    alarms: tuple[AlarmModel, ...]
    routers: tuple[EndpointRouter, ...]
    regions: dict[str, RegionIngestion]
    warnings: tuple[Finding, ...] = ()
    assumptions: tuple[str, ...] = ()
