"""What CloudWatch would have recorded of a run: a twin's result as AWS/Events metrics.

A backtest compares the twin with a recording metric by metric, so the twin's prediction is put
in the recording's terms, per rule and minute (the targets of a rule add up, as AWS publishes
per rule):

- ``MatchedEvents``: the events the rule matched (counted once, not once per target);
- ``InvocationAttempts``, ``RetryInvocationAttempts``: attempts and retries by their start;
- ``SuccessfulInvocationAttempts``: successes by their end;
- ``Invocations`` (final outcomes), ``FailedInvocations``, ``InvocationsSentToDlq``;
- ``ThrottledRules``: attempts that waited for the rate limit (which AWS metric counts them is
  UNCONFIRMED, eventbridge-facts §1);
- ``IngestionToInvocationStartLatency``, ``...CompleteLatency`` and ``...SuccessLatency``
  p50/p90/p99 per minute (the first target's, within the sketch's 1 %).

A count the twin predicts as 0 is a missing datapoint, as AWS emits counts only when non-zero.
``bridgetwin simulate --metrics-out`` writes this as a ``get-metric-data`` export, which is how
the example recordings were generated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from bridgetwin.calibration.deployment_metrics import RuleMetrics
from bridgetwin.calibration.recording import MetricKey, Recording
from bridgetwin.simulator.results import Result

_COUNTS = {
    "InvocationAttempts": ("attempts",),
    "RetryInvocationAttempts": ("retries",),
    "SuccessfulInvocationAttempts": ("delivered",),
    "Invocations": ("delivered", "failed"),
    "FailedInvocations": ("failed",),
    "InvocationsSentToDlq": ("dlq",),
    "ThrottledRules": ("rate_limited",),
}
_LATENCIES = {
    "IngestionToInvocationStartLatency": "start",
    "IngestionToInvocationCompleteLatency": "complete",
    "IngestionToInvocationSuccessLatency": "success",
}


def _missing_zeros(values: np.ndarray) -> np.ndarray:
    return np.where(values > 0, values, np.nan)


def twin_recording(result: Result, rules: Sequence[RuleMetrics], start: datetime) -> Recording:
    """The run's metrics, minute by minute, under the rules' metric names."""
    series: dict[MetricKey, np.ndarray] = {}
    minutes = max((len(t.ingested_by_minute) for t in result.targets), default=0)
    for rule in rules:
        mine = [t for t in result.targets if t.rule == rule.rule.id]
        if not mine:
            continue
        matched = np.zeros(minutes)
        matched[: len(mine[0].ingested_by_minute)] = mine[0].ingested_by_minute
        series[rule.key("MatchedEvents")] = _missing_zeros(matched)
        for metric, parts in _COUNTS.items():
            total = np.zeros(minutes)
            for target in mine:
                for part in parts:
                    values = target.per_minute.get(part, [])
                    total[: len(values)] += values
            series[rule.key(metric)] = _missing_zeros(total)
        for metric, kind in _LATENCIES.items():
            by_pct = mine[0].latency_ms_per_minute.get(kind, {})
            for stat in ("p50", "p90", "p99"):
                values = by_pct.get(stat)
                if values:
                    series[rule.key(metric, stat)] = np.array(
                        [np.nan if v is None else v for v in values], dtype=float
                    )
    return Recording(start, 60, series)
