"""A backtest for people and tools: a table, JSON, and plots of both series per metric.

The table has one row per metric: recorded and predicted totals (counts) or medians (latency
percentiles, in ms), bias, MAPE beside the seeds' own MAPE (noise), coverage of the band and the
verdict; below it, the periods where each diverging metric left the band. Each plot draws the
recording, the seeds' mean and band, and shades the diverging periods.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from bridgetwin.calibration.backtest import Backtest, MetricFit, describe_run


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _subject(fit: MetricFit) -> str:
    dims = fit.key.dims
    where = dims.get("RuleName", "(account)")
    return f"{where} {fit.key.name} {fit.key.stat}"


def _level(fit: MetricFit, values: np.ndarray) -> str:
    if fit.is_latency:
        finite = values[np.isfinite(values)]
        return f"{np.median(finite):,.1f} ms" if len(finite) else "-"
    return f"{np.nansum(values):,.0f}"


def rows(backtest: Backtest) -> list[dict[str, str]]:
    """One row per metric, as the text table prints it."""
    return [
        {
            "metric": _subject(fit),
            "recorded": _level(fit, fit.recorded),
            "predicted": _level(fit, fit.mean),
            "bias": _pct(fit.bias),
            "MAPE": _share(fit.mape),
            "noise": _share(fit.noise),
            "in band": _share(fit.coverage),
            "verdict": fit.verdict,
        }
        for fit in backtest.metrics
    ]


def text(backtest: Backtest, limit: int = 5) -> str:
    """The table, then the diverging periods of each diverging metric (at most ``limit``)."""
    table = rows(backtest)
    columns = list(table[0])
    widths = {c: max(len(c), *(len(r[c]) for r in table)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns).rstrip()]
    lines += ["  ".join(r[c].ljust(widths[c]) for c in columns).rstrip() for r in table]
    fits = sum(f.verdict == "fits" for f in backtest.metrics)
    judged = sum(f.verdict != "no data" for f in backtest.metrics)
    lines.append(
        f"\n{fits} of {judged} metrics fit (seeds {', '.join(map(str, backtest.seeds))}"
        f"; period {backtest.period} s; band: the seeds' 99 % prediction interval)"
    )
    if backtest.not_compared:
        lines.append(f"not compared: {len(backtest.not_compared)} recorded metrics")
        lines += [f"  {label}: {why}" for label, why in backtest.not_compared[:limit]]
        if len(backtest.not_compared) > limit:
            lines.append(f"  ... and {len(backtest.not_compared) - limit} more (--format json)")
    for fit in backtest.diverging:
        lines.append(f"\ndiverges: {_subject(fit)}")
        lines += [f"  {describe_run(backtest, fit, run)}" for run in fit.diverging[:limit]]
        if len(fit.diverging) > limit:
            lines.append(f"  ... and {len(fit.diverging) - limit} more runs of periods")
    return "\n".join(lines) + "\n"


def _clean(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def as_json(backtest: Backtest) -> dict[str, Any]:
    def series(values: np.ndarray) -> list[float | None]:
        return [_clean(v) for v in values]

    return {
        "start": backtest.start.isoformat(),
        "period_s": backtest.period,
        "seeds": list(backtest.seeds),
        "not_compared": [{"metric": m, "why": why} for m, why in backtest.not_compared],
        "metrics": [
            {
                "metric": fit.key.label(),
                "verdict": fit.verdict,
                "bias": _clean(fit.bias),
                "mape": _clean(fit.mape),
                "noise_mape": _clean(fit.noise),
                "coverage": _clean(fit.coverage),
                "diverging": [
                    {
                        "from": backtest.period_start(a).isoformat(),
                        "to": backtest.period_start(b + 1).isoformat(),
                    }
                    for a, b in fit.diverging
                ],
                "recorded": series(fit.recorded),
                "predicted_mean": series(fit.mean),
                "band_low": series(fit.low),
                "band_high": series(fit.high),
            }
            for fit in backtest.metrics
        ],
    }


def figures(backtest: Backtest) -> Iterator[tuple[str, Any]]:
    """(caption, figure) per compared metric: recording, prediction and band."""
    from bridgetwin.planning.html_report import _figures_backend

    plt = _figures_backend()
    for fit in backtest.metrics:
        if fit.verdict == "no data":
            continue
        figure, axes = plt.subplots(figsize=(9, 3))
        x = np.arange(len(fit.recorded)) * backtest.period / 60
        axes.fill_between(
            x,
            np.maximum(fit.low, 0),
            fit.high,
            color="tab:blue",
            alpha=0.2,
            label="twin: band of the seeds",
        )
        axes.plot(x, fit.mean, color="tab:blue", label="twin: mean of the seeds")
        axes.plot(x, fit.recorded, color="black", linewidth=1, label="recorded")
        for first, last in fit.diverging:
            axes.axvspan(x[first], x[last] + backtest.period / 60, color="tab:red", alpha=0.15)
        unit = "ms" if fit.is_latency else f"per {backtest.period} s"
        axes.set(
            xlabel=f"minutes from {backtest.start:%Y-%m-%d %H:%M} UTC",
            ylabel=unit,
            title=f"{_subject(fit)}: {fit.verdict}",
        )
        axes.legend(fontsize=7, loc="upper right")
        yield f"{fit.key.label()}: {fit.verdict}, {_share(fit.coverage)} of periods in band", figure


def summary(backtest: Backtest) -> list[str]:
    fits = sum(f.verdict == "fits" for f in backtest.metrics)
    judged = sum(f.verdict != "no data" for f in backtest.metrics)
    return [
        f"{fits} of {judged} metrics fit; seeds {', '.join(map(str, backtest.seeds))}; period "
        f"{backtest.period} s from {backtest.start:%Y-%m-%d %H:%M} UTC",
        "band: the seeds' 99 % prediction interval (its deviation never below Poisson's for "
        "counts, 5 % for latencies); red: periods where the recording leaves it",
    ]
