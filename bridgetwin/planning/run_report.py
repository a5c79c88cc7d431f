"""What a run's report shows: the answer first, then the minutes that explain it.

The summary says what became of the events, each objective's verdict, the month's cost when the
command priced it, and how many assumptions and warnings the run rests on; a table gives the
counts and p99 latencies per target. The figures follow minute by minute: events in flight and
matched, attempts, retries, rate-limited starts, final failures and DLQ arrivals per target,
latency percentiles, the latency distribution, outcomes, alarm states and failover timelines.
Every time plot marks what the scenario did to the deployment (endpoint and target outages,
Regional disruptions, traffic bursts: shaded) and when alarms went into ALARM (dashed), so a
rise can be read against its cause. A y axis whose values span decades is drawn on a log scale.
The assumptions and warnings close the report.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bridgetwin.planning.html_report import ReportText, Table, _figures_backend, log_if_wide

_COLOURS = {"OK": "tab:green", "ALARM": "tab:red", "INSUFFICIENT_DATA": "lightgrey"}
MAX_BURST_MARKS = 200
"""Burst windows drawn per traffic entry (a day of 5-minute bursts is 288)."""


@dataclass(frozen=True)
class Mark:
    """A period the scenario disturbed, shaded on every time plot."""

    start_s: float
    end_s: float
    label: str
    colour: str


def scenario_marks(scenario: Any) -> list[Mark]:
    """The outages, disruptions and bursts of a scenario, in run time."""
    if scenario is None:
        return []
    marks = [Mark(o.start, o.end, f"{e.match} answers {o.status}", "tab:red")
             for e in scenario.endpoints for o in e.outages]  # fmt: skip
    marks += [Mark(o.start, o.end, f"{t.match} down", "tab:red")
              for t in scenario.targets for o in t.outages]  # fmt: skip
    for region, settings in scenario.regions.items():
        marks += [Mark(d.start, d.end, f"{region} disrupted", "tab:purple")
                  for d in settings.disruptions]  # fmt: skip
    for number, traffic in enumerate(scenario.traffic):
        if traffic.arrival != "bursty":
            continue
        bursts, end = traffic.bursts, traffic.end or scenario.duration
        starts = [traffic.start + k * bursts.every for k in range(MAX_BURST_MARKS)]
        label = f"traffic.{number} bursts x{bursts.factor:g}"
        marks += [Mark(s, min(s + bursts.length, end), label, "tab:orange")
                  for s in starts if s < end]  # fmt: skip
    return marks


def _marked(axes: Any, marks: Sequence[Mark], alarms: Sequence[dict[str, Any]]) -> None:
    labelled: set[str] = set()
    for mark in marks:
        label = None if mark.label in labelled else mark.label
        labelled.add(mark.label)
        axes.axvspan(mark.start_s / 60, mark.end_s / 60, color=mark.colour, alpha=0.12,
                     label=label)  # fmt: skip
    for number, change in enumerate(a for a in alarms if a["state"] == "ALARM"):
        axes.axvline(change["at_s"] / 60, color="tab:red", linestyle="--", linewidth=0.8,
                     label=None if number else "an alarm goes into ALARM")  # fmt: skip


def run_figures(result: Any, marks: Sequence[Mark] = ()) -> Iterator[tuple[str, Any]]:
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
            values = getattr(target, attribute)
            axes.plot(range(len(values)), values, label=name)
        axes.set(xlabel="minute of the run", ylabel=label, title=title)
        log_if_wide(axes, (v for t in targets for v in getattr(t, attribute)))
        _marked(axes, marks, result.alarms)
        axes.legend(fontsize=7, loc="upper right")
        yield title, figure
    for name, target in zip(names, targets, strict=True):
        figure, axes = plt.subplots(figsize=(9, 3.2))
        for series, label in (("attempts", "attempts"), ("retries", "retries"),
                              ("rate_limited", "waited for the rate limit"),
                              ("failed", "failed for good (DLQ or dropped)"),
                              ("dlq", "sent to the DLQ")):  # fmt: skip
            values = target.per_minute.get(series, [])
            axes.plot(range(len(values)), values, label=label)
        axes.set(xlabel="minute of the run", ylabel="per minute",
                 title=f"Attempts, retries, rate limiting and failures: {name}")  # fmt: skip
        log_if_wide(axes, (v for s in ("attempts", "retries", "rate_limited", "failed", "dlq")
                           for v in target.per_minute.get(s, [])))  # fmt: skip
        _marked(axes, marks, result.alarms)
        axes.legend(fontsize=7)
        yield f"Per minute: {name}", figure
    yield from latency_figures(targets, names, marks, result.alarms)
    yield from _summary_figures(result, targets, names)
    yield from failover_figures(result)


def latency_figures(
    targets: list[Any], names: list[str], marks: Sequence[Mark] = (), alarms: Sequence = ()
) -> Iterator[tuple[str, Any]]:
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
        _marked(axes, marks, alarms)
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


def _summary_figures(result: Any, targets: list[Any], names: list[str]):
    """The run's latency percentiles and outcomes per target, and the alarms' states."""
    plt = _figures_backend()
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


def _seconds(ms: float | None) -> str:
    return "-" if ms is None else f"{ms / 1e3:,.3g} s"


def run_text(result: Any, cost: str | None = None) -> ReportText:
    """The summary (outcomes, verdicts, cost, what the run rests on), the counts per target,
    and the assumptions and warnings as notes."""
    totals = {k: sum(t.counts[k] for t in result.targets)
              for k in ("ingested", "delivered", "dlq", "dropped", "in_flight")}  # fmt: skip
    summary = [
        f"{result.duration_s:,.0f} s simulated (seed {result.seed}): {totals['ingested']:,} "
        f"events matched, {totals['delivered']:,} delivered, {totals['dlq']:,} to DLQs, "
        f"{totals['dropped']:,} dropped, {totals['in_flight']:,} still in flight at the end",
    ]
    summary += [f"SLO {'PASS' if s.passed else 'FAIL'}: {s.target} {s.metric} = {s.predicted} "
                f"(objective {s.bounds})" + (f"; {s.note}" if s.note else "")
                for s in result.slo]  # fmt: skip
    if not result.slo:
        summary.append("no objectives (slo:) in the scenario")
    if cost:
        summary.append(cost)
    summary.append(f"rests on {len(result.assumptions)} assumptions and raised "
                   f"{len(result.warnings)} warnings, listed at the end")  # fmt: skip
    rows = [[f"{t.rule}/{t.target}", *(f"{t.counts[k]:,}" for k in
             ("ingested", "delivered", "dlq", "dropped", "in_flight", "retries")),
             _seconds(t.latency_ms["start"]["p99"]), _seconds(t.latency_ms["success"]["p99"])]
            for t in result.targets]  # fmt: skip
    header = ["target", "matched", "delivered", "DLQ", "dropped", "in flight", "retries",
              "start p99", "success p99"]  # fmt: skip
    counts = Table("Per target", header, rows)
    notes = [f"warning ({w['code']}): {w['message']}" for w in result.warnings]
    return ReportText(summary, tables=[counts], notes=notes + list(result.assumptions))
