"""Backtest: the twin against what really happened, metric by metric and period by period.

The recorded period is simulated over several seeds with the (calibrated) scenario; each seed's
run is put in CloudWatch's terms (:mod:`.twin_recording`) and compared with the recording on
every metric both hold. Per metric:

- **bias**: predicted total (mean over seeds) against recorded total, relative: an aggregate
  error, near zero when the twin reproduces the period; for a latency percentile, the median
  over periods of predicted against recorded (robust to the few periods of an outage);
- **MAPE**: mean absolute percentage error per period, over periods with a recorded value; and
  **noise**: the same measure of each seed against the other seeds' mean, what even a perfect
  model scores (traffic is random); the difference is the error the twin adds;
- **coverage**: the share of periods where the recording lies inside the seeds' band: the 99 %
  prediction interval of one more draw from the seeds' distribution (their mean plus or minus
  Student's t times their standard deviation times sqrt(1 + 1/n)), the deviation never below
  Poisson's (square root of the mean) for counts nor 5 % of the mean for latencies, plus half an
  event;
- **verdict**: ``fits`` when coverage is at least ``min_coverage`` (95 %) and the bias within
  ``max_bias`` (10 %), else ``diverges``, with the runs of periods outside the band (the minutes
  to look at).

The twin reports minutes; a recording with a longer period is compared on sums of minutes for
counts, and its latency percentiles are not compared (percentiles do not add up).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from bridgetwin.calibration.deployment_metrics import RuleMetrics
from bridgetwin.calibration.errors import CalibrationError
from bridgetwin.calibration.recording import MetricKey, Recording
from bridgetwin.calibration.twin_recording import twin_recording
from bridgetwin.graph import Graph
from bridgetwin.simulator.scenario import Scenario


@dataclass(frozen=True)
class MetricFit:
    """How one metric's prediction compares with its recording."""

    key: MetricKey
    recorded: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    bias: float | None
    mape: float | None
    noise: float | None
    coverage: float | None
    verdict: str
    """``fits``, ``diverges`` or ``no data`` (nothing recorded in the compared periods)."""
    diverging: tuple[tuple[int, int], ...]
    """Runs of periods (first, last) where the recording lies outside the band."""

    @property
    def is_latency(self) -> bool:
        return self.key.stat.startswith("p")


@dataclass(frozen=True)
class Backtest:
    start: datetime
    period: int
    seeds: tuple[int, ...]
    metrics: tuple[MetricFit, ...]
    not_compared: tuple[tuple[str, str], ...] = ()
    """Recorded metrics no verdict covers, each with the reason (label, why): a backtest says
    what it did not check."""

    @property
    def diverging(self) -> list[MetricFit]:
        return [m for m in self.metrics if m.verdict == "diverges"]

    def period_start(self, index: int) -> datetime:
        return self.start + timedelta(seconds=index * self.period)


def _mape(reference: np.ndarray, other: np.ndarray) -> float | None:
    keep = np.isfinite(reference) & np.isfinite(other) & (reference > 0)
    if not keep.any():
        return None
    return float(np.mean(np.abs(other[keep] - reference[keep]) / reference[keep]))


def _runs(mask: np.ndarray) -> tuple[tuple[int, int], ...]:
    runs, start = [], None
    for index, outside in enumerate([*mask.tolist(), False]):
        if outside and start is None:
            start = index
        elif not outside and start is not None:
            runs.append((start, index - 1))
            start = None
    return tuple(runs)


def _nanmean(values: np.ndarray, axis: int | None = 0) -> np.ndarray:
    """The mean of the finite values (NaN, silently, where there is none)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)


def _prediction_factor(seeds: int) -> float:
    """Half-width of a 99 % prediction interval for one more draw, in standard deviations
    estimated from ``seeds`` draws (Student's t, widened by sqrt(1 + 1/n))."""
    from scipy.stats import t

    return float(t.ppf(0.995, seeds - 1) * math.sqrt(1 + 1 / seeds))


def compare(
    key: MetricKey, recorded: np.ndarray, runs: np.ndarray, min_coverage: float, max_bias: float
) -> MetricFit:
    """One metric: ``recorded`` (periods) against ``runs`` (seeds x periods)."""
    latency = key.stat.startswith("p")
    if not latency:  # counts: missing datapoints are zeros
        recorded, runs = np.nan_to_num(recorded), np.nan_to_num(runs)
    mean = _nanmean(runs)
    with warnings.catch_warnings():  # a period no seed measured a latency in stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanstd(runs, axis=0, ddof=1)
    floor = 0.05 * np.abs(mean) if latency else np.sqrt(np.maximum(mean, 0.0))
    sigma = np.maximum(np.nan_to_num(spread), np.nan_to_num(floor))
    width = _prediction_factor(len(runs)) * sigma + 0.5
    low, high = mean - width, mean + width
    judged = np.isfinite(recorded) & np.isfinite(mean)
    if not judged.any() or (not latency and recorded.sum() == 0 and mean.sum() == 0):
        return MetricFit(key, recorded, mean, low, high, None, None, None, None, "no data", ())
    outside = judged & ((recorded < low) | (recorded > high))
    coverage = 1.0 - float(outside.sum()) / float(judged.sum())
    bias = None
    total = float(np.nansum(recorded[judged]))
    if not latency and total > 0:
        bias = float(np.nansum(mean[judged])) / total - 1.0
    elif latency and (recorded[judged] > 0).any():  # the typical ratio, period by period
        both = judged & (recorded > 0)
        bias = float(np.median(mean[both] / recorded[both])) - 1.0
    noise_parts = [
        _mape(runs[i], _nanmean(np.delete(runs, i, axis=0))) for i in range(len(runs))
    ]  # each seed against the others' mean
    noises = [n for n in noise_parts if n is not None]
    fits = coverage >= min_coverage and (bias is None or abs(bias) <= max_bias)
    return MetricFit(
        key,
        recorded,
        mean,
        low,
        high,
        bias,
        _mape(recorded, mean),
        float(np.mean(noises)) if noises else None,
        coverage,
        "fits" if fits else "diverges",
        _runs(outside),
    )


def _periods(values: np.ndarray, factor: int, latency: bool) -> np.ndarray | None:
    """Minutes summed into periods of ``factor`` minutes (None for a latency)."""
    if factor == 1:
        return values
    if latency:
        return None
    whole = len(values) // factor * factor
    return np.nan_to_num(values[:whole]).reshape(-1, factor).sum(axis=1)


def backtest(
    graph: Graph,
    scenario: Scenario,
    recording: Recording,
    rules: Sequence[RuleMetrics],
    *,
    seeds: int = 5,
    min_coverage: float = 0.95,
    max_bias: float = 0.10,
    simulate: Callable[[Graph, Scenario, int], object] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Backtest:
    """Simulate ``scenario`` over ``seeds`` seeds and compare with ``recording``."""
    if recording.period % 60:
        raise CalibrationError(
            f"the recording's period is {recording.period} s; the twin "
            "reports minutes, so the period must be a multiple of 60 s"
        )
    if simulate is None:
        from bridgetwin.simulator import simulate as run

        def simulate(graph: Graph, scenario: Scenario, seed: int) -> object:
            return run(graph, scenario, seed=seed)

    offset = (recording.start - scenario.start_time).total_seconds()
    if offset < 0 or offset % 60:
        raise CalibrationError(
            f"the recording starts at {recording.start.isoformat()}, which is not a whole "
            f"minute at or after the scenario's start_time ({scenario.start_time.isoformat()})"
        )
    if offset >= scenario.duration:
        raise CalibrationError(
            f"the recording starts at {recording.start.isoformat()}, after the scenario's "
            f"{scenario.duration:g} s from start_time {scenario.start_time.isoformat()}: set "
            "start_time (and duration) to the recorded period, as calibrate does"
        )
    skip, factor = int(offset // 60), recording.period // 60
    used = tuple(scenario.seed + n for n in range(seeds))
    predicted: list[Mapping[MetricKey, np.ndarray]] = []
    for number, seed in enumerate(used):
        if progress is not None:
            progress(number, len(used))
        result = simulate(graph, scenario, seed)
        twin = twin_recording(result, rules, scenario.start_time)  # type: ignore[arg-type]
        predicted.append(twin.series)
    fits = []
    skipped = [(k.label(), "the twin does not predict this metric")
               for k in sorted(set(recording.series) - set(predicted[0]))]  # fmt: skip
    for key in sorted(set(recording.series) & set(predicted[0])):
        recorded = recording.series[key]
        columns = []
        for series in predicted:
            values = _periods(series[key][skip:], factor, key.stat.startswith("p"))
            if values is None:
                break
            columns.append(values)
        if len(columns) != len(predicted):
            skipped.append((key.label(), f"percentiles of {factor}-minute periods cannot be "
                                         "made from the twin's minutes"))  # fmt: skip
            continue
        length = min(len(recorded), *(len(c) for c in columns))
        if length == 0:
            skipped.append((key.label(), "the recording lies outside the simulated period"))
            continue
        runs = np.vstack([c[:length] for c in columns])
        fits.append(compare(key, recorded[:length], runs, min_coverage, max_bias))
    fits.sort(key=lambda f: (f.key.dimensions, f.key.name, f.key.stat))
    if not fits:
        raise CalibrationError("the recording and the twin share no metric to compare")
    return Backtest(recording.start, recording.period, used, tuple(fits), tuple(skipped))


def describe_run(backtest: Backtest, fit: MetricFit, run: tuple[int, int]) -> str:
    """One diverging run of periods, with the recorded and predicted values."""
    first, last = run
    start = backtest.period_start(first).strftime("%Y-%m-%d %H:%M")
    end = backtest.period_start(last + 1).strftime("%H:%M")
    rec = float(_nanmean(fit.recorded[first : last + 1], None))
    pred = float(_nanmean(fit.mean[first : last + 1], None))
    unit = " ms" if fit.is_latency else f" per {backtest.period} s"
    return (
        f"{start}-{end} UTC: recorded {_num(rec)}{unit}, predicted {_num(pred)}{unit} "
        f"(mean of {last - first + 1} period{'s' if last > first else ''})"
    )


def _num(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:,.4g}"
