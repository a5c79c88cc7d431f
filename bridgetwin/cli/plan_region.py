"""``bridgetwin plan`` with two ``--vary`` fields: the region where every goal holds
(:mod:`bridgetwin.planning.feasible_region`).

It prints the evidence of every point judged, the region row by row (for each grid value of the
second field, the intervals of the first where every goal held) and the cheapest feasible point
judged with its month's cost; when nothing is feasible, the closest points and what each misses,
with exit code 1. ``--report`` draws every judged point and the metrics' heatmaps.
"""

from __future__ import annotations

from typing import Any

import typer

from bridgetwin.cli.common import console, write_pictures


def _row(path: str, runs: list[tuple[float, float]]) -> str:
    from bridgetwin.cli.plan_goals import spans

    return f"{path} in {spans(runs)}" if runs else "no value holds"


def region_lines(region: Any) -> list[str]:
    """The region row by row, the answer or the closest misses, and the search's resolution."""
    from bridgetwin.cli.plan_goals import _misses

    x, y = region.fields
    lines = [f"  {y.path} = {value:g}: {_row(x.path, runs)}" for value, runs in region.rows]
    if region.answer is None:
        lines.append("Nothing in the region meets every goal. Closest:")
        lines += [f"  {x.path} = {p.value[0]:g}, {y.path} = {p.value[1]:g}: misses {_misses(p)}"
                  for p in region.closest]  # fmt: skip
    else:
        cost = ("" if region.answer_cost is None
                else f": ${region.answer_cost:,.2f} per month")  # fmt: skip
        at = f"{x.path} = {region.answer[0]:g}, {y.path} = {region.answer[1]:g}"
        lines.append(f"Answer: {at} (the cheapest feasible point judged{cost})")
    return [*lines, f"({region.note})"]


def report_region(
    region: Any, *, target: str, seeds: int, report: str | None, plots: str | None, title: str
) -> None:
    """Print the evidence and the region; write the report; exit 1 when nothing is feasible."""
    from bridgetwin.cli.plan_goals import print_evidence
    from bridgetwin.planning.html_report import ReportText
    from bridgetwin.planning.sweep_report import plan_rows, region_figure, sweep_figures

    paths = [f.path for f in region.fields]
    evidence = print_evidence(region, paths, target, seeds)
    out = console()
    wanted = " and ".join(str(g) for g in region.goals)
    lines = [f"Feasible region ({wanted}), row by row:", *region_lines(region)]
    for line in lines:
        out.print(line)
    if report or plots:
        rows = plan_rows(region, paths)

        def figures():
            yield region_figure(region)
            yield from sweep_figures(rows, paths, region.goals)

        write_pictures(report, plots, title, figures,
                       ReportText([f"goals: {wanted} on {target}", *lines],
                                  appendix=[evidence]))  # fmt: skip
    if region.answer is None:
        raise typer.Exit(1)
