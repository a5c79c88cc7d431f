"""What a run predicts: immutable records (:mod:`.records`), latency statistics
(:mod:`.statistics`, :mod:`.minute_latencies`) and the text report (:mod:`.text_report`).
Records import nothing of the engine or of AWS's behaviour: a result can be stored, compared
and rendered without the model that produced it."""

from __future__ import annotations

from bridgetwin.simulator.results.records import (
    Finding,
    Result,
    SimulationError,
    SloResult,
    TargetResult,
)

__all__ = ["Finding", "Result", "SimulationError", "SloResult", "TargetResult"]
