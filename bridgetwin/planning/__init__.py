"""Capacity planning on top of the twin: sweeps with confidence intervals on Dask, and goal-seek.

- :mod:`.grid`: what a sweep varies (``--vary PATH=VALUES``) and the seeds of its runs;
- :mod:`.sweep`: the grid times seeds on ``dask.distributed`` (or in-process), summarised per
  point, target and metric with a Student-t confidence interval;
- :mod:`.goal`: a goal (``counts.dlq <= 0``) judged at a sweep point with confidence;
- :mod:`.feasible_search`: the values of one field where every goal holds (a grid, then every
  change of verdict refined; no single-crossing assumption), or the closest points;
- :mod:`.feasible_region`: the same over two fields: the region where every goal holds, and its
  cheapest point;
- :mod:`.behaviour_diff`: one scenario on two deployments with paired seeds.

What-if changes to the deployment itself are the scenario's ``overrides:`` section
(:mod:`bridgetwin.simulator.graph_overrides`), which any sweep can vary. Importing this package
imports neither Dask nor SciPy; they load when a sweep runs.
"""

from __future__ import annotations

from bridgetwin.planning.grid import PlanningError, Vary

__all__ = ["PlanningError", "Vary"]
