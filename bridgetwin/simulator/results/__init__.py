"""What a run predicts: immutable records (:mod:`.records`), latency statistics
(:mod:`.statistics`), the failover summary (:mod:`.failover`) and the text report
(:mod:`.report`). Records import nothing of the engine."""

from __future__ import annotations

from bridgetwin.simulator.results.records import Result, SimulationError, SloResult, TargetResult

__all__ = ["Result", "SimulationError", "SloResult", "TargetResult"]
