"""Capacity planning on top of the twin: sweeps with confidence intervals on Dask, and goal-seek.

- :mod:`.grid`: what a sweep varies (``--vary PATH=VALUES``) and the seeds of its runs;
- :mod:`.sweep`: the grid times seeds on ``dask.distributed`` (or in-process), summarised per
  point, target and metric with a Student-t confidence interval;
- :mod:`.goal`: the smallest (or largest) value of one field that meets a goal with confidence.

What-if changes to the deployment itself are the scenario's ``overrides:`` section
(:mod:`bridgetwin.simulator.graph_overrides`), which any sweep can vary. Importing this package
imports neither Dask nor SciPy; they load when a sweep runs.
"""

from __future__ import annotations

from bridgetwin.planning.grid import PlanningError, Vary

__all__ = ["PlanningError", "Vary"]
