"""``bridgetwin diff BASE HEAD --scenario S``: what a change does to delivery
(:mod:`bridgetwin.planning.behaviour_diff`), as a terminal table, JSON, or Markdown for a
pull-request comment; ``--summary FILE`` (or ``$GITHUB_STEP_SUMMARY`` on GitHub Actions) gets the
Markdown too.
``--fail-on "counts.dlq > 0"`` makes the exit code 1 when the change breaks it with confidence.
BASE and HEAD may be ``REF:PATH``, the deployment at a git commit (:mod:`.git_refs`).
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

import typer

from bridgetwin.cli.common import (
    SynthTimeoutOption,
    console,
    fail,
    load_deployment,
    scenario_dict,
)

_VERDICT_MARK = {"changed": "CHANGED", "within noise": "~", "unchanged": "=", "added": "added",
                 "removed": "removed", "no data": "-"}  # fmt: skip


def _show(metric: str, value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    number = (
        f"{value:{'+' if signed else ''},.0f}"
        if abs(value) >= 1e4
        else (f"{value:{'+' if signed else ''},.4g}")
    )
    if metric.startswith("cost."):
        return f"{number} USD"
    return f"{number} s" if metric.startswith("latency.") else number


def _rows(report: Any) -> list[list[str]]:
    rows = []
    for c in report.changes:
        if c.verdict in ("unchanged", "no data"):
            continue
        interval = (f"[{_show(c.metric, c.low, True)}, {_show(c.metric, c.high, True)}]"
                    if c.low is not None else "")  # fmt: skip
        rows.append([c.target, c.metric, _show(c.metric, c.base), _show(c.metric, c.head),
                     _show(c.metric, c.change, True), interval, c.verdict])  # fmt: skip
    return rows


def _counts(report: Any) -> str:
    """What the table leaves out: metrics equal on every seed, and metrics no event reached."""
    unchanged = sum(c.verdict == "unchanged" for c in report.changes)
    empty = sum(c.verdict == "no data" for c in report.changes)
    return f"{unchanged} metric(s) unchanged" + (f", {empty} without data (no event reached "
                                                  "the target)" if empty else "")  # fmt: skip


HEADER = ["target", "metric", "base", "head", "change", "95 % interval", "verdict"]


def markdown(report: Any, title: str) -> str:
    """GitHub-flavoured Markdown: a heading, then a table per section."""
    lines = [f"## {title}", "", f"{report.seeds} paired seeds; {_counts(report)}.",
             "", "### Structural changes", ""]  # fmt: skip
    lines += [f"- {line}" for line in report.structural] or ["None."]
    lines += ["", "### Delivery", ""]
    rows = _rows(report)
    if rows:
        lines += ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |"
                  for row in rows]  # fmt: skip
    else:
        lines.append("Every metric unchanged.")
    if report.failed:
        lines += ["", "### Thresholds broken", ""] + [f"- {line}" for line in report.failed]
    return "\n".join(lines) + "\n"


def diff_command(
    base: Annotated[
        str, typer.Argument(help="The deployment before the change (or REF:PATH at a commit).")
    ],
    head: Annotated[str, typer.Argument(help="The deployment after it (or REF:PATH).")],
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    seeds: Annotated[int, typer.Option("--seeds", min=2, max=1000, help="Paired runs.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The diff's seed.")] = 0,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json or markdown.")
    ] = "table",
    fail_on: Annotated[
        list[str] | None,
        typer.Option("--fail-on", help="e.g. 'counts.dlq > 0': exit 1 when the change breaks it."),
    ] = None,
    summary: Annotated[
        str | None, typer.Option("--summary", help="Also write the Markdown here.")
    ] = None,
    synth_timeout: SynthTimeoutOption = 600.0,
) -> None:
    """Run one scenario on two deployments with the same seeds and report what changed."""
    from bridgetwin.cli.output import OutputError, write_atomically
    from bridgetwin.planning import PlanningError
    from bridgetwin.planning.behaviour_diff import Threshold, behaviour_diff
    from bridgetwin.simulator import ScenarioError

    if output_format not in ("table", "json", "markdown"):
        raise fail(f"--format: must be table, json or markdown, got '{output_format}'")
    try:
        thresholds = tuple(Threshold.parse(text) for text in fail_on or ())
    except PlanningError as exc:
        raise fail(f"error: {exc}") from None
    from contextlib import ExitStack

    from bridgetwin.cli.git_refs import checked_out

    synth = (synth_timeout, None, None)
    with ExitStack() as refs:
        graphs = [load_deployment(refs.enter_context(checked_out(source)), None, None, synth)
                  for source in (base, head)]  # fmt: skip
    spec = scenario_dict(scenario)
    try:
        report = behaviour_diff(*graphs, spec, runs=seeds, seed=seed, fail_on=thresholds)
    except (ScenarioError, PlanningError, ValueError) as exc:
        raise fail(f"error: {exc}") from None
    text = markdown(report, f"bridgetwin diff: {base} -> {head}")
    target = summary or os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        try:
            write_atomically(target, text)
        except OutputError as exc:
            raise fail(f"error: {exc}") from None
    if output_format == "json":
        typer.echo(json.dumps(report.to_dict(), indent=2))
    elif output_format == "markdown":
        typer.echo(text, nl=False)
    else:
        table(report, f"bridgetwin diff: {base} -> {head}", console())
    if report.failed:
        raise typer.Exit(1)


def table(report: Any, title: str, out: Any) -> None:
    """The diff on a rich console: structural lines, the table of what changed, the counts."""
    from rich.table import Table

    out.print(f"[bold]{title}[/bold]")
    for line in report.structural:
        out.print(f"structural: {line}")
    rows = _rows(report)
    if rows:
        grid = Table(title=f"Behaviour diff: head - base over {report.seeds} paired seeds")
        for column in HEADER:
            grid.add_column(column)
        for row in rows:
            grid.add_row(*row)
        out.print(grid)
    else:
        out.print(f"No metric changed over {report.seeds} paired seeds.")
    out.print(_counts(report))
    for line in report.failed:
        out.print(f"FAIL: {line}")
