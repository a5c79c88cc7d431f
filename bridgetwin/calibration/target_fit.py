"""A rule's target behaviour from its attempt metrics: failure fraction, outages, latency.

Per period, ``InvocationAttempts`` minus ``SuccessfulInvocationAttempts`` is the attempts that
failed, so their share is the chance an attempt fails. A run of periods where nearly every
attempt failed (``outage_threshold``, 90 % by default; periods without attempts inside the run
belong to it, as retries back off) is an outage; its start and end are placed inside the
boundary periods in proportion to the failed share there (attempts taken as spread evenly over a
period), which puts them within a period of the truth. Outside outages, the failed share over
all attempts is the target's failure rate.

Latency: ``IngestionToInvocationCompleteLatency`` (ingestion to the end of the first attempt)
minus ``IngestionToInvocationStartLatency`` (to its start) is how long the first attempt took;
the mean over periods without throttling of the difference of their p50s and of their p99s
gives a lognormal (a fixed latency when the two are equal); the mean, because one minute's p99
of a skewed latency falls short of the true p99 more often than it passes it, and the median of
such minutes would carry that shortfall (about 5 % in the calibration example). A difference of
percentiles is not the percentile of the difference; it is close when the start latency varies
little, which is the case without throttling. ``IngestionToInvocationStartLatency`` p50 in periods
without throttling or outage is EventBridge's own processing latency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bridgetwin.calibration.deployment_metrics import RuleMetrics
from bridgetwin.calibration.recording import Recording


@dataclass(frozen=True)
class TargetFit:
    """What one rule's attempt metrics say about its targets."""

    rule: RuleMetrics
    attempts: int
    failure_rate: float | None
    outages: tuple[tuple[float, float], ...]
    """(start, end) in seconds of run time."""
    latency: dict[str, Any] | None
    """A scenario latency (seconds), or None when the metrics do not give one."""
    processing_ms: float | None
    sources: list[str] = field(default_factory=list)


def _runs(mask: np.ndarray, attempted: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of periods in ``mask``, bridging periods without attempts."""
    runs, start, last = [], None, None
    for index in range(len(mask)):
        if mask[index]:
            start = index if start is None else start
            last = index
        elif attempted[index] and start is not None:
            runs.append((start, last))
            start = None
    if start is not None:
        runs.append((start, last))
    return runs  # type: ignore[return-value]


def _outages(
    runs: list[tuple[int, int]],
    share: np.ndarray,
    attempted: np.ndarray,
    base: float,
    period: int,
) -> list[tuple[float, float]]:
    """Each run as (start, end) seconds, its ends moved into the boundary periods by their
    failed share above the base rate."""
    out = []
    for first, last in runs:
        start, end = first * period, (last + 1) * period
        before, after = first - 1, last + 1
        if before >= 0 and attempted[before] and share[before] > base:
            start -= period * min(1.0, (share[before] - base) / (1 - base))
        if after < len(share) and attempted[after] and share[after] > base:
            end += period * min(1.0, (share[after] - base) / (1 - base))
        out.append((float(start), float(end)))
    return out


def _latency(recording: Recording, rule: RuleMetrics, quiet: np.ndarray) -> dict[str, Any] | None:
    def median_gap(stat: str) -> float | None:
        complete = recording.values(rule.key("IngestionToInvocationCompleteLatency", stat))
        start = recording.values(rule.key("IngestionToInvocationStartLatency", stat))
        if complete is None or start is None:
            return None
        gap = (complete - start)[quiet]
        gap = gap[np.isfinite(gap)]
        return float(np.mean(gap)) / 1e3 if len(gap) else None

    median, p99 = median_gap("p50"), median_gap("p99")
    if median is None or median <= 0:
        return None
    if p99 is None or p99 <= median * 1.001:
        return {"distribution": "fixed", "value": round(median, 6)}
    return {"distribution": "lognormal", "median": round(median, 6), "p99": round(p99, 6)}


def fit_target(
    rule: RuleMetrics, recording: Recording, outage_threshold: float = 0.9
) -> TargetFit | None:
    """The failure rate, outages and latency the rule's metrics show, or None without
    ``InvocationAttempts``."""
    attempts = recording.counts(rule.key("InvocationAttempts"))
    successes = recording.counts(rule.key("SuccessfulInvocationAttempts"))
    if attempts is None or attempts.sum() <= 0:
        return None
    period, label = recording.period, f"RuleName={rule.name}, period {recording.period} s"
    successes = np.zeros_like(attempts) if successes is None else successes
    attempted = attempts > 0
    failed = attempts - np.minimum(successes, attempts)
    share = np.divide(failed, attempts, out=np.zeros_like(attempts), where=attempted)
    runs = _runs(attempted & (share >= outage_threshold), attempted)
    near = np.zeros(len(attempts), dtype=bool)  # the runs and their boundary periods
    for first, last in runs:
        near[max(0, first - 1) : last + 2] = True
    normal = attempted & ~near
    failure_rate = None  # successes are stamped when attempts end: compare sums, not periods
    if normal.any():
        failure_rate = max(0.0, 1.0 - float(successes[normal].sum() / attempts[normal].sum()))
    outages = _outages(runs, share, attempted, min(failure_rate or 0.0, 0.5), period)
    throttled = recording.counts(rule.key("ThrottledRules"))
    quiet = normal.copy()  # first attempts' starts do not depend on failures
    if throttled is not None:
        quiet &= throttled == 0
    latency = _latency(recording, rule, quiet if quiet.any() else normal)
    start_p50 = recording.values(rule.key("IngestionToInvocationStartLatency", "p50"))
    processing = None
    if start_p50 is not None and np.isfinite(start_p50[quiet]).any():
        processing = float(np.nanmedian(start_p50[quiet]))
    sources = [
        f"failure_rate and outages: AWS/Events InvocationAttempts and "
        f"SuccessfulInvocationAttempts, Sum, {label}; an outage is a run of periods with at "
        f"least {outage_threshold:.0%} of attempts failing",
    ]
    if latency is not None:
        sources.append(
            "latency: AWS/Events IngestionToInvocationCompleteLatency minus "
            f"IngestionToInvocationStartLatency, p50 and p99, mean over periods "
            f"{'without throttling' if quiet.any() else '(all throttled: start latency varied)'}"
            f", {label}"
        )
    return TargetFit(
        rule, int(attempts.sum()), failure_rate, tuple(outages), latency, processing, sources
    )
