"""The offline twin: a SimPy discrete-event model of EventBridge delivery.

It reads a deployment graph loaded from CloudFormation (:func:`bridgetwin.graph.load_graph`) and a
:class:`Scenario` (traffic, endpoint behaviour, service timings), and predicts throttling, retries
and their exhaustion, DLQ volume, latency percentiles and alarm transitions::

    from bridgetwin.graph import load_graph
    from bridgetwin.simulator import load_scenario, simulate

    result = simulate(load_graph("cdk.out"), load_scenario("examples/black-friday.yaml"))
    print(result.to_json())

It never imports ``aws_cdk``, so it starts fast and runs on any template.
"""

from __future__ import annotations

from collections.abc import Callable

from bridgetwin.graph import Graph
from bridgetwin.simulator.engine.simulation import Simulation
from bridgetwin.simulator.results import Result, SimulationError, SloResult, TargetResult
from bridgetwin.simulator.scenario import (
    Scenario,
    ScenarioError,
    load_scenario,
    parse_duration,
    scenario_json_schema,
)

__all__ = [
    "Result",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "SimulationError",
    "SloResult",
    "TargetResult",
    "load_scenario",
    "parse_duration",
    "scenario_json_schema",
    "simulate",
]


def simulate(
    graph: Graph,
    scenario: Scenario,
    *,
    seed: int | None = None,
    progress: Callable[[float, float], None] | None = None,
    latency_by_minute: bool = True,
) -> Result:
    """Run ``scenario`` against ``graph`` to its duration. ``seed`` overrides the scenario's;
    ``latency_by_minute=False`` leaves out the per-minute latency percentiles and the latency
    distribution (``latency_ms_per_minute``, ``latency_ms_quantiles``: empty), which only
    reports plot, to save their cost (about a tenth of a run) where many runs are summarised."""
    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    return Simulation(graph, scenario, progress, latency_by_minute=latency_by_minute).run()
