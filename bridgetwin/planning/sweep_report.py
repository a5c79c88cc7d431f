"""What a sweep's or a plan's report shows: each metric across the varied values.

One varied field: the mean against the value, with its 95 % confidence band, each goal's bound,
the feasible intervals a plan found shaded and the Pareto front's points ringed. Two fields: a
heatmap per target and metric, one cell per point with its mean written in it, the cells where
every goal on that metric holds (with confidence) outlined and the Pareto front's cells starred;
with more fields, one heatmap per combination of the others (small multiples, up to
``MAX_PANELS``). A heatmap's colours follow a log scale where the means span decades. The table
of every point (or, for a plan, every probe and what each goal saw there) follows the figures.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from bridgetwin.planning.html_report import Table, _figures_backend, spans_decades
from bridgetwin.planning.metric_text import show_value, unit_of

MAX_PANELS = 24
"""Heatmaps drawn per target and metric when more than two fields vary."""


def _fmt(value: float | None, metric: str) -> str:
    return show_value(value, unit_of(metric))


def _holds(row: dict[str, Any], goals: Sequence[Any]) -> bool:
    mine = [g for g in goals if g.metric == row["metric"]]
    return (
        bool(mine)
        and row.get("ci_low") is not None
        and all(g.holds(row["ci_low"], row["ci_high"]) for g in mine)
    )


def sweep_figures(
    rows: list[dict[str, Any]],
    paths: Sequence[str],
    goals: Sequence[Any] = (),
    intervals: Sequence[tuple[float, float]] = (),
) -> Iterator[tuple[str, Any]]:
    """(title, figure) per target and metric (and, beyond two fields, per combination of the
    other fields' values)."""
    keys = sorted({(r["target"], r["metric"]) for r in rows if r.get("metric")})
    for target, metric in keys:
        mine = [r for r in rows if (r.get("target"), r.get("metric")) == (target, metric)
                and r.get("mean") is not None]  # fmt: skip
        if not mine:
            continue
        if len(paths) == 1:
            yield f"{metric}: {target}", _line(mine, paths[0], metric, target, goals, intervals)
            continue
        others = list(paths[2:])
        combos = sorted({tuple(r[p] for p in others) for r in mine})
        for combo in combos[:MAX_PANELS]:
            fixed = ", ".join(f"{p} = {v}" for p, v in zip(others, combo, strict=True))
            panel = [r for r in mine if tuple(r[p] for p in others) == combo]
            title = f"{metric}: {target}" + (f" ({fixed})" if fixed else "")
            yield title, _heatmap(panel, paths[:2], metric, title, goals)


def _line(mine, path, metric, target, goals, intervals) -> Any:
    plt = _figures_backend()
    mine = sorted(mine, key=lambda r: r[path])
    x = [r[path] for r in mine]
    figure, axes = plt.subplots(figsize=(9, 3.2))
    axes.plot(x, [r["mean"] for r in mine], marker="o", label="mean")
    banded = [r for r in mine if r["ci_low"] is not None]  # one run: no interval
    if banded:
        axes.fill_between([r[path] for r in banded], [r["ci_low"] for r in banded],
                          [r["ci_high"] for r in banded], alpha=0.25,
                          label="95 % confidence interval")  # fmt: skip
    for goal in (g for g in goals if g.metric == metric):
        axes.axhline(goal.bound, color="red", linestyle="--", label=f"goal: {goal}")
    for number, (low, high) in enumerate(intervals):
        axes.axvspan(low, high, color="tab:green", alpha=0.15,
                     label=None if number else "feasible (every goal holds)")  # fmt: skip
    front = [r for r in mine if r.get("pareto")]
    if front:
        axes.scatter([r[path] for r in front], [r["mean"] for r in front], s=120, zorder=3,
                     facecolors="none", edgecolors="black", label="Pareto front")  # fmt: skip
    axes.set(xlabel=path, ylabel=f"{metric} ({unit_of(metric)})", title=f"{metric}: {target}")
    axes.legend(fontsize=7)
    return figure


def _heatmap(panel, paths, metric, title, goals) -> Any:
    from matplotlib.colors import LogNorm

    plt = _figures_backend()
    xs = sorted({r[paths[0]] for r in panel})
    ys = sorted({r[paths[1]] for r in panel})
    grid = np.full((len(ys), len(xs)), np.nan)
    for r in panel:
        grid[ys.index(r[paths[1]]), xs.index(r[paths[0]])] = r["mean"]
    figure, axes = plt.subplots(figsize=(min(11, 3.5 + 1.2 * len(xs)), 2.2 + 0.6 * len(ys)))
    means = [r["mean"] for r in panel]
    wide = spans_decades(means) and min(means) > 0  # LogNorm cannot place a 0
    image = axes.imshow(grid, origin="lower", aspect="auto", cmap="viridis",
                        norm=LogNorm() if wide else None)  # fmt: skip
    image.norm.autoscale_None(grid[np.isfinite(grid)])  # now, to pick each label's colour
    figure.colorbar(
        image, ax=axes, label=f"{metric} ({unit_of(metric)}{', log scale' if wide else ''})"
    )
    for r in panel:
        col, row = xs.index(r[paths[0]]), ys.index(r[paths[1]])
        star = " *" if r.get("pareto") else ""
        bright = float(image.norm(r["mean"])) > 0.6  # the colour map's light end
        axes.text(col, row, _fmt(r["mean"], metric) + star, ha="center", va="center",
                  fontsize=7, color="black" if bright else "white")  # fmt: skip
        if _holds(r, goals):
            axes.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False,
                                         edgecolor="lime", linewidth=2.5))  # fmt: skip
    axes.set_xticks(range(len(xs)), [f"{x:g}" for x in xs], fontsize=7)
    axes.set_yticks(range(len(ys)), [f"{y:g}" for y in ys], fontsize=7)
    axes.grid(False)
    notes = []
    if any(g.metric == metric for g in goals):
        notes.append("outlined: every goal on this metric holds")
    if any(r.get("pareto") for r in panel):
        notes.append("*: Pareto front")
    axes.set(
        xlabel=paths[0], ylabel=paths[1], title=title + (f" [{'; '.join(notes)}]" if notes else "")
    )
    return figure


def point_table(rows: list[dict[str, Any]], paths: Sequence[str]) -> Table:
    """Every row of the sweep: the varied values first, then the measurement."""
    marked = any("pareto" in r for r in rows)
    header = [
        *paths,
        "target",
        "metric",
        "mean",
        "95 % CI",
        "seeds",
        *(["Pareto"] if marked else []),
    ]
    out = []
    for r in rows:
        values = [str(r[p]) for p in paths]
        if r.get("metric") is None:
            out.append([*values, "-", "error", r.get("error") or "", "", ""] + [""] * marked)
            continue
        ci = f"[{_fmt(r['ci_low'], r['metric'])}, {_fmt(r['ci_high'], r['metric'])}]"
        front = ["front" if r.get("pareto") else ""] if marked else []
        out.append([*values, r["target"], r["metric"], _fmt(r["mean"], r["metric"]), ci,
                    str(r.get("n", "")), *front])  # fmt: skip
    return Table("Every point", header, out)


def plan_rows(found: Any, paths: Sequence[str]) -> list[dict[str, Any]]:
    """A plan's probes as sweep rows: one per value (or pair), target and metric of its goals."""
    rows, seen = [], set()
    for probe, evidence in ((p, e) for p in found.probes for e in p.evidence):
        metric = next(g.metric for g in found.goals if str(g) == evidence["goal"])
        key = (probe.value, evidence["target"], metric)
        if key not in seen:
            seen.add(key)
            values = probe.value if isinstance(probe.value, tuple) else (probe.value,)
            rows.append({**dict(zip(paths, values, strict=True)), "metric": metric, **evidence})
    return rows


def region_figure(region: Any) -> tuple[str, Any]:
    """Every point a two-field plan judged: where every goal held, where one missed, and the
    answer."""
    plt = _figures_backend()
    figure, axes = plt.subplots(figsize=(9, 4.5))
    for holds, marker, colour, label in ((True, "o", "tab:green", "every goal holds"),
                                         (False, "x", "tab:red", "a goal misses")):  # fmt: skip
        mine = [p.value for p in region.probes if p.holds == holds]
        if mine:
            axes.scatter([x for x, _ in mine], [y for _, y in mine], marker=marker, c=colour,
                         label=label)  # fmt: skip
    if region.answer is not None:
        axes.scatter([region.answer[0]], [region.answer[1]], marker="*", s=300, c="black",
                     label="answer (cheapest feasible)", zorder=3)  # fmt: skip
    x, y = region.fields
    axes.set(xlabel=x.path, ylabel=y.path, title="Where every goal holds")
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return "Feasible region", figure


def value_cells(value: Any) -> list[str]:
    """A probe's value (one field's, or a pair's) as table cells."""
    return [f"{v:g}" for v in (value if isinstance(value, tuple) else (value,))]


def evidence_table(found: Any, paths: Sequence[str]) -> Table:
    """Every probe of a plan: the value (or values), each goal and target, what the seeds
    measured, and whether the goal held there with confidence."""
    metric_of = {str(g): g.metric for g in found.goals}
    rows = []
    for probe in found.probes:
        for e in probe.evidence:
            metric = metric_of[e["goal"]]
            ci = f"[{_fmt(e['ci_low'], metric)}, {_fmt(e['ci_high'], metric)}]"
            rows.append([*value_cells(probe.value), e["goal"], e["target"],
                         _fmt(e["mean"], metric), ci, str(e.get("n", "")),
                         "holds" if e["holds"] else "misses"])  # fmt: skip
    header = [*paths, "goal", "target", "mean", "95 % CI", "seeds", "verdict"]
    return Table("Evidence: every value judged", header, rows)
