"""The offline twin: a SimPy discrete-event model of EventBridge delivery.

It reads a deployment graph loaded from CloudFormation (:func:`bridgetwin.graph.load_graph`) and a
:class:`Scenario` (traffic, endpoint behaviour, service timings), and predicts throttling, retries
and their exhaustion, DLQ volume, latency percentiles and alarm transitions::

    from bridgetwin.graph import load_graph
    from bridgetwin.simulator import load_scenario, simulate

    result = simulate(load_graph("cdk.out"), load_scenario("examples/black-friday.yaml"))
    print(result.to_json())

It never imports ``aws_cdk``, so it starts fast and runs on any template. Importing it loads
only the result records: the scenario model (pydantic) loads when a scenario name is first used,
and the engine (numpy, SimPy) on the first run or use of :class:`Simulation`. Code that only
reads stored results, a command that never simulates (``graph``, ``lint``) and the pytest plugin
in every session of a project pay for neither.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridgetwin.simulator.results import Result, SimulationError, SloResult, TargetResult

if TYPE_CHECKING:
    from bridgetwin.graph import Graph
    from bridgetwin.simulator.engine.simulation import Simulation
    from bridgetwin.simulator.scenario import (
        Scenario,
        ScenarioError,
        load_scenario,
        parse_duration,
        scenario_json_schema,
    )

_LAZY = {
    "Simulation": "bridgetwin.simulator.engine.simulation",
    "Scenario": "bridgetwin.simulator.scenario",
    "ScenarioError": "bridgetwin.simulator.scenario",
    "load_scenario": "bridgetwin.simulator.scenario",
    "parse_duration": "bridgetwin.simulator.scenario",
    "scenario_json_schema": "bridgetwin.simulator.scenario",
}
"""Names loaded on first use, from the module that defines them."""

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
    from bridgetwin.simulator.engine.simulation import Simulation

    if seed is not None:
        scenario = scenario.model_copy(update={"seed": seed})
    return Simulation(graph, scenario, progress, latency_by_minute=latency_by_minute).run()


def __getattr__(name: str) -> Any:
    """The scenario model and ``Simulation`` on first use (:data:`_LAZY`)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
