"""Reports people look at: one self-contained HTML file with the run's or the sweep's plots.

Plots are drawn with matplotlib and embedded as inline SVG: the file needs no network, no CDN and
no JavaScript, opens in any browser years from now, and its pictures are vectors (print and zoom
well). matplotlib was chosen over plotly and Vega-Altair for that reason: both of those render in
the browser with a JavaScript runtime that would have to be inlined (megabytes) to stay offline.
``--plots DIR`` writes the same figures as PNG files.

A run's report: backlog (events in flight) and arrivals per minute per target; attempts,
retries, rate-limited starts and DLQ arrivals per minute for each target; start and success
latency percentiles per minute and the latency distribution; the run's latency percentiles,
outcomes, alarm states over time, failover timelines. A sweep's: each metric's mean against the
varied value with its 95 % confidence band, and the goal's bound when there is one.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_COLOURS = {"OK": "tab:green", "ALARM": "tab:red", "INSUFFICIENT_DATA": "lightgrey"}


def _figures_backend() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.fonttype": "none", "figure.dpi": 100, "axes.grid": True})
    return plt


def _svg(figure: Any) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def run_figures(result: Any) -> Iterator[tuple[str, Any]]:
    """(title, matplotlib figure) for each plot of a run's report."""
    plt = _figures_backend()
    targets = [t for t in result.targets if t.counts["ingested"]] or list(result.targets)
    names = [f"{t.rule}/{t.target}" for t in targets]
    for title, attribute, label in (
        ("Events in flight at the end of each minute", "backlog", "events"),
        ("Events matched per minute", "ingested_by_minute", "events / minute"),
    ):
        figure, axes = plt.subplots(figsize=(9, 3.2))
        for name, target in zip(names, targets, strict=True):
            axes.plot(
                range(len(getattr(target, attribute))), getattr(target, attribute), label=name
            )
        axes.set(xlabel="minute of the run", ylabel=label, title=title)
        axes.legend(fontsize=7, loc="upper right")
        yield title, figure
    for name, target in zip(names, targets, strict=True):
        figure, axes = plt.subplots(figsize=(9, 3.2))
        for series, label in (("attempts", "attempts"), ("retries", "retries"),
                              ("rate_limited", "waited for the rate limit"),
                              ("dlq", "sent to the DLQ")):  # fmt: skip
            values = target.per_minute.get(series, [])
            axes.plot(range(len(values)), values, label=label)
        axes.set(xlabel="minute of the run", ylabel="per minute",
                 title=f"Attempts, retries, rate limiting and DLQ arrivals: {name}")  # fmt: skip
        axes.legend(fontsize=7)
        yield f"Per minute: {name}", figure
    yield from latency_figures(targets, names)
    figure, axes = plt.subplots(figsize=(9, 3.2))
    width = 0.8 / 6
    for k, (kind, pct) in enumerate((kind, p) for kind in ("start", "success")
                                    for p in ("p50", "p90", "p99")):  # fmt: skip
        values = [(t.latency_ms[kind][pct] or 0) / 1e3 for t in targets]
        axes.bar([i + k * width for i in range(len(targets))], values, width, label=f"{kind} {pct}")
    axes.set_xticks([i + 0.4 for i in range(len(targets))], names, fontsize=7, rotation=15)
    axes.set(ylabel="seconds", title="Latency percentiles (from ingestion)")
    axes.legend(fontsize=7, ncols=2)
    yield "Latency percentiles", figure
    figure, axes = plt.subplots(figsize=(9, 3.2))
    bottom = [0.0] * len(targets)
    for outcome in ("delivered", "dlq", "dropped", "in_flight"):
        values = [t.counts[outcome] for t in targets]
        axes.bar(names, values, bottom=bottom, label=outcome)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set(ylabel="events", title="What became of the events")
    axes.tick_params(axis="x", labelsize=7, rotation=15)
    axes.legend(fontsize=7)
    yield "Outcomes", figure
    if result.alarms:
        alarms = sorted({a["alarm"] for a in result.alarms})
        figure, axes = plt.subplots(figsize=(9, 0.8 + 0.35 * len(alarms)))
        for row, alarm in enumerate(alarms):
            changes = [a for a in result.alarms if a["alarm"] == alarm]
            ends = [c["at_s"] for c in changes[1:]] + [result.duration_s]
            for change, end in zip(changes, ends, strict=True):
                span = (change["at_s"] / 60, (end - change["at_s"]) / 60)
                colour = _COLOURS.get(change["state"], "grey")
                axes.broken_barh([span], (row - 0.4, 0.8), color=colour)
        axes.set_yticks(range(len(alarms)), [a.rsplit("/", 1)[-1][:48] for a in alarms],
                        fontsize=7)  # fmt: skip
        axes.set(xlabel="minute of the run", xlim=(0, result.duration_s / 60),
                 title="Alarm states (green OK, red ALARM, grey insufficient data)")  # fmt: skip
        yield "Alarm states", figure
    yield from failover_figures(result)


def latency_figures(targets: list[Any], names: list[str]) -> Iterator[tuple[str, Any]]:
    """Per target, start and success latency percentiles minute by minute; then every
    target's latency distribution (the fraction of events delivered within each latency)."""
    plt = _figures_backend()
    styles = {"start": "-", "success": "--"}
    for name, target in zip(names, targets, strict=True):
        figure, axes = plt.subplots(figsize=(9, 3.2))
        for kind, style in styles.items():
            for pct, colour in (("p50", "tab:blue"), ("p90", "tab:orange"), ("p99", "tab:red")):
                values = target.latency_ms_per_minute.get(kind, {}).get(pct, [])
                seconds = [v / 1e3 if v is not None else float("nan") for v in values]
                axes.plot(range(len(seconds)), seconds, style, color=colour, label=f"{kind} {pct}")
        axes.set_yscale("log")
        axes.xaxis.get_major_locator().set_params(integer=True)
        axes.set(xlabel="minute of the run", ylabel="seconds (log scale)",
                 title=f"Latency percentiles per minute: {name}")  # fmt: skip
        axes.legend(fontsize=7, ncols=2)
        yield f"Latency per minute: {name}", figure
    figure, axes = plt.subplots(figsize=(9, 3.2))
    for name, target in zip(names, targets, strict=True):
        for kind, style in styles.items():
            quantiles = target.latency_ms_quantiles.get(kind)
            if quantiles:
                axes.plot([q / 1e3 for q in quantiles], [p / 100 for p in range(101)], style,
                          label=f"{name} {kind}")  # fmt: skip
    axes.set_xscale("log")
    axes.set(xlabel="latency from ingestion, seconds (log scale)",
             ylabel="share of started / delivered",
             ylim=(0, 1), title="Latency distribution (start solid, success dashed)")  # fmt: skip
    axes.legend(fontsize=7)
    yield "Latency distribution", figure


def failover_figures(result: Any) -> Iterator[tuple[str, Any]]:
    """Per global endpoint: the disruption, the time producers were routed away, and each step
    of the failover chain (alarm, health check, DNS) on one time line."""
    plt = _figures_backend()
    for summary in result.failover:
        figure, axes = plt.subplots(figsize=(9, 2.4))
        end = result.duration_s / 60
        timeline = summary.get("timeline", [])
        disrupted = [e["at_s"] / 60 for e in timeline if "disrupted" in e["event"]]
        recovered = [e["at_s"] / 60 for e in timeline if "recovers" in e["event"]]
        if disrupted:
            axes.axvspan(disrupted[0], recovered[0] if recovered else end, color="tab:red",
                         alpha=0.15, label=f"{summary['primary_region']} disrupted")  # fmt: skip
        if summary.get("switched_at_s") is not None:
            back = summary.get("failback_at_s")
            axes.axvspan(summary["switched_at_s"] / 60, back / 60 if back else end,
                         color="tab:blue", alpha=0.15,
                         label=f"producers on {summary['secondary_region']}")  # fmt: skip
        for row, step in enumerate(timeline):
            axes.axvline(step["at_s"] / 60, color="grey", linewidth=0.8)
            axes.text(step["at_s"] / 60, 0.9 - 0.11 * (row % 8), " " + step["event"],
                      fontsize=6, transform=axes.get_xaxis_transform())  # fmt: skip
        title = f"Failover: {summary['endpoint']} (RTO {summary.get('rto_s')} s)"
        axes.set(xlim=(0, end), yticks=[], xlabel="minute of the run", title=title)
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        yield f"Failover timeline: {summary['endpoint']}", figure


def sweep_figures(rows: list[dict[str, Any]], path: str, goal: Any = None):
    """(title, figure) per target and metric: the mean against the varied value, CI band."""
    plt = _figures_backend()
    keys = sorted({(r["target"], r["metric"]) for r in rows if r.get("metric")})
    for target, metric in keys:
        mine = sorted((r for r in rows if (r.get("target"), r.get("metric")) == (target, metric)
                       and r["mean"] is not None), key=lambda r: r[path])  # fmt: skip
        if not mine:
            continue
        x = [r[path] for r in mine]
        figure, axes = plt.subplots(figsize=(9, 3.2))
        axes.plot(x, [r["mean"] for r in mine], marker="o", label="mean")
        banded = [r for r in mine if r["ci_low"] is not None]  # one run: no interval
        if banded:
            axes.fill_between([r[path] for r in banded], [r["ci_low"] for r in banded],
                              [r["ci_high"] for r in banded], alpha=0.25,
                              label="95 % confidence interval")  # fmt: skip
        if goal is not None and goal.metric == metric:
            axes.axhline(goal.bound, color="red", linestyle="--", label=f"goal: {goal}")
        unit = "seconds" if metric.startswith("latency.") else "events"
        axes.set(xlabel=path, ylabel=f"{metric} ({unit})", title=f"{metric}: {target}")
        axes.legend(fontsize=7)
        yield f"{metric}: {target}", figure


def write_report(path: str | Path, title: str, figures, summary: list[str]) -> None:
    """One HTML file: the title, a few lines of summary, and every figure inline."""
    Path(path).write_text(report_html(title, figures, summary), encoding="utf-8")


def report_html(title: str, figures, summary: list[str]) -> str:
    """The report's HTML document: the title, the summary, and every figure inline (SVG)."""
    plt = _figures_backend()
    parts = []
    for caption, figure in figures:
        parts.append(f"<figure>{_svg(figure)}<figcaption>{html.escape(caption)}</figcaption>"
                     "</figure>")  # fmt: skip
        plt.close(figure)
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in summary)
    document = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}}
figure{{margin:1.5em 0}}figcaption{{font-size:.9em;color:#555}}svg{{max-width:100%;height:auto}}
</style></head><body><h1>{html.escape(title)}</h1><ul>{lines}</ul>{"".join(parts)}</body></html>
"""
    return document


def write_pngs(directory: str | Path, figures) -> list[Path]:
    plt = _figures_backend()
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for number, (caption, figure) in enumerate(figures, 1):
        name = "".join(c if c.isalnum() else "-" for c in caption.lower()).strip("-")[:60]
        target = out / f"{number:02d}-{name}.png"
        figure.savefig(target, dpi=120, bbox_inches="tight")
        plt.close(figure)
        written.append(target)
    return written


def run_summary(result: Any) -> list[str]:
    lines = [f"seed {result.seed}, {result.duration_s:,.0f} s simulated"]
    for t in result.targets:
        c = t.counts
        lines.append(f"{t.rule}/{t.target}: {c['ingested']:,} matched, {c['delivered']:,} "
                     f"delivered, {c['dlq']:,} to the DLQ, {c['dropped']:,} dropped")  # fmt: skip
    lines += [f"SLO {'PASS' if s.passed else 'FAIL'} {s.target} {s.metric}" for s in result.slo]
    return lines + [f"assumed: {a}" for a in result.assumptions]
