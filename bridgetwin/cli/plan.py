"""``bridgetwin sweep``, ``sensitivity`` and ``plan``: the planning commands
(:mod:`bridgetwin.planning`).

Registered on the main command by :mod:`bridgetwin.cli`; they share its source options. Output
has units in every column name (``_s`` for seconds) and CSV/JSON for spreadsheets and scripts.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

import typer

from bridgetwin.cli.common import (
    AppOption,
    ContextOption,
    ParamOption,
    PlotsOption,
    ReportOption,
    SourceArgument,
    StackOption,
    SynthTimeoutOption,
    check_outputs,
    console,
    fail,
    label,
    load_deployment,
    scenario_dict,
    write_pictures,
)

SensitivityOption = Annotated[
    bool,
    typer.Option(
        "--sensitivity",
        help="Check the answer against the twin's unconfirmed defaults (retry backoff, latencies).",
    ),
]
DEFAULT_METRICS = (
    "latency.start.p99",
    "latency.success.p99",
    "counts.delivered",
    "counts.dlq",
    "counts.retries",
)


def _unit(metric: str) -> str:
    return "s" if metric.startswith("latency.") else "events"


def _rows(results: list, metrics: tuple[str, ...], confidence: float) -> list[dict[str, Any]]:
    rows = []
    for point in results:
        targets = sorted({name for run in point.runs for name in run})
        if point.error and not targets:
            rows.append({**point.point, "target": None, "metric": None, "error": point.error})
        for target in targets:
            for metric in metrics:
                summary = point.summary(target, metric, confidence)
                rows.append({**point.point, "target": target, "metric": metric,
                             "unit": _unit(metric), **summary, "error": point.error})  # fmt: skip
    return rows


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.3g} s" if unit == "s" else f"{value:,.1f}"


def sweep_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    vary: Annotated[
        list[str],
        typer.Option(
            "--vary",
            help="PATH=V1,V2 or PATH=LOW:HIGH:STEP; repeat for a grid (e.g. traffic.0.rate=10,20).",
        ),
    ],
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=10_000, help="Runs per point.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The sweep's seed.")] = 0,
    max_runs: Annotated[
        int, typer.Option("--max-runs", min=1, help="The most simulations a sweep may run.")
    ] = 10_000,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Metric to report, repeatable.")
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address "
            "(tcp://HOST:PORT), or 'inline'. Default: - a local cluster.",
        ),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=256, help="Local cluster processes.")
    ] = 2,
    output_format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
    report: ReportOption = None,
    plots: PlotsOption = None,
) -> None:
    """Run a grid of scenarios x seeds on Dask: mean and 95 % confidence interval per point."""
    from bridgetwin.planning import PlanningError, Vary
    from bridgetwin.planning.grid import check_runs, grid
    from bridgetwin.planning.sweep import METRICS, default_progress, sweep
    from bridgetwin.simulator import ScenarioError, load_scenario

    if output_format not in ("table", "json", "csv"):
        raise fail(f"--format: must be table, json or csv, got '{output_format}'")
    metrics = tuple(metric or DEFAULT_METRICS)
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise fail(f"--metric: {', '.join(unknown)} unknown; known: {', '.join(METRICS)}")
    check_outputs(report=report, plots=plots)
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    spec = scenario_dict(scenario)
    try:
        varies = [Vary.parse(v) for v in vary]
        check_runs(varies, seeds, max_runs)  # before any point is built
        for _, point in grid(spec, varies):  # every point valid before any cluster starts
            load_scenario(point)
    except (PlanningError, ScenarioError) as exc:
        raise fail(f"error: {exc}") from None
    results = sweep(graph, spec, varies, runs=seeds, sweep_seed=seed, scheduler=scheduler,
                    workers=workers, progress=default_progress())  # fmt: skip
    rows = _rows(results, metrics, 0.95)
    if output_format == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif output_format == "csv":
        buffer = io.StringIO()
        fields = sorted({k for row in rows for k in row}, key=lambda k: (k in ("error",), k))
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        _table([v.path for v in varies], rows, seeds)
    if report or plots:
        from bridgetwin.planning.html_report import sweep_figures

        summary = [f"{v.path} = {', '.join(map(str, v.values))}" for v in varies]
        summary.append(f"{seeds} seeds per point (sweep seed {seed}); 95 % Student-t intervals")
        write_pictures(report, plots, f"bridgetwin sweep: {label(source, stack)}",
                  lambda: sweep_figures(rows, varies[0].path), summary)  # fmt: skip


def _table(paths: list[str], rows: list[dict[str, Any]], seeds: int) -> None:
    from rich.table import Table

    table = Table(title=f"Sweep: mean [95 % CI] over {seeds} seeds per point")
    for column in [*paths, "target", "metric", "mean", "95 % CI"]:
        table.add_column(column)
    for row in rows:
        if row.get("metric") is None:
            table.add_row(*(str(row[p]) for p in paths), "-", "error", row["error"], "")
            continue
        unit = row["unit"]
        ci = f"[{_show(row['ci_low'], unit)}, {_show(row['ci_high'], unit)}]"
        table.add_row(*(str(row[p]) for p in paths), row["target"], row["metric"],
                      _show(row["mean"], unit), ci)  # fmt: skip
    console().print(table)


def _probe_progress(path: str, seeds: int):
    """One stderr line per probe of a plan's search, on a terminal (files and pipes: none)."""
    import sys

    if not sys.stderr.isatty():
        return None
    return lambda probe: typer.echo(
        f"plan: {path}={probe.value:g}: goal {'holds' if probe.holds else 'fails'} "
        f"({seeds} seeds)", err=True,
    )  # fmt: skip


def sensitivity_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Metric, repeatable.")
    ] = None,
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=10_000, help="Runs per value.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The seed of all runs.")] = 0,
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
) -> None:
    """How much each metric moves with the defaults AWS publishes no number for."""
    from rich.table import Table

    from bridgetwin.planning.sensitivity import sensitivity

    metrics = tuple(metric or DEFAULT_METRICS[:2])
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    shifts = sensitivity(graph, scenario_dict(scenario), metrics, runs=seeds, sweep_seed=seed)
    table = Table(title=f"Sensitivity to unconfirmed defaults (mean of {seeds} seeds)")
    for column in ("assumption", "value", "target", "metric", "at defaults", "then", "change"):
        table.add_column(column)
    for s in shifts:
        unit = _unit(s.metric)
        change = "-" if s.change is None else f"{s.change:+,.3g}" + (" s" if unit == "s" else "")
        table.add_row(s.assumption, str(s.value), s.target, s.metric, _show(s.base, unit),
                      _show(s.moved, unit), change)  # fmt: skip
    console().print(table)


def plan_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    goal: Annotated[list[str], typer.Option("--goal", help="e.g. 'latency.start.p99 <= 60s'.")],
    vary: Annotated[str, typer.Option("--vary", help="PATH=LOW:HIGH: the field to search.")],
    target: Annotated[str, typer.Option("--target", help="Glob on rule/target.")] = "*",
    seeds: Annotated[int, typer.Option("--seeds", min=2, max=10_000, help="Runs per probe.")] = 5,
    seed: Annotated[int, typer.Option("--seed", min=0, help="The plan's seed.")] = 0,
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
    report: ReportOption = None,
    plots: PlotsOption = None,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity",
            help="Check the answer against "
            "the twin's unconfirmed defaults (retry backoff, latencies, ...).",
        ),
    ] = False,
) -> None:
    """Find the smallest (or largest) value of a field that meets a goal with 95 % confidence."""
    from rich.table import Table

    from bridgetwin.planning import PlanningError
    from bridgetwin.planning.goal import Goal, plan
    from bridgetwin.simulator import ScenarioError, parse_duration

    if len(goal) > 1:
        raise fail(f"--goal given {len(goal)} times ({'; '.join(goal)}): plan seeks one goal; "
                   "give --goal once")  # fmt: skip
    path, sep, bounds = vary.partition("=")
    low_text, colon, high_text = bounds.partition(":")
    if not sep or not colon:
        raise fail(f"--vary '{vary}': use PATH=LOW:HIGH")
    check_outputs(report=report, plots=plots)
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    try:
        low, high = float(parse_duration(low_text)), float(parse_duration(high_text))
        integer = low.is_integer() and high.is_integer() and "." not in bounds
        spec = scenario_dict(scenario)
        found = plan(graph, spec, vary=path, low=low, high=high,
                     goal=Goal.parse(goal[0]), target=target, runs=seeds, sweep_seed=seed,
                     integer=integer, progress=_probe_progress(path, seeds))  # fmt: skip
    except (PlanningError, ScenarioError, ValueError) as exc:
        raise fail(f"error: {exc}") from None
    unit = _unit(found.goal.metric)
    table = Table(title=f"Evidence: {found.goal} on {target} ({seeds} seeds per probe)")
    for column in (path, "target", "mean", "95 % CI", "goal"):
        table.add_column(column)
    for probe in found.probes:
        for e in probe.evidence:
            ci = f"[{_show(e['ci_low'], unit)}, {_show(e['ci_high'], unit)}]"
            table.add_row(f"{probe.value:g}", e["target"], _show(e["mean"], unit), ci,
                          "holds" if probe.holds else "fails")  # fmt: skip
    out = console()
    out.print(table)
    if report or plots:
        from bridgetwin.planning.html_report import sweep_figures

        rows = [{path: p.value, "metric": found.goal.metric, **e}
                for p in found.probes for e in p.evidence]  # fmt: skip
        summary = [f"goal: {found.goal} on {target}", f"answer: {found.answer}", found.note]
        write_pictures(report, plots, f"bridgetwin plan: {label(source, stack)}",
                  lambda: sweep_figures(rows, path, found.goal), summary)  # fmt: skip
    if found.answer is None:
        out.print(f"No value of {path} in {low:g}..{high:g} meets {found.goal}: {found.note}")
        raise typer.Exit(1)
    out.print(f"Answer: {path} = {found.answer:g} ({found.direction} value meeting "
                  f"{found.goal}; {found.note})")  # fmt: skip
    if sensitivity:
        from bridgetwin.planning.grid import with_value
        from bridgetwin.planning.sensitivity import hinges

        shown = int(found.answer) if integer else found.answer
        at_answer = with_value(spec, path, shown)
        checks = hinges(graph, at_answer, found.goal, target, runs=seeds, sweep_seed=seed)
        fragile = sorted({p for p, _, holds in checks if not holds})
        for assumption, value, holds in checks:
            out.print(f"  at the answer, {assumption} = {value}: "
                          f"{'holds' if holds else 'FAILS'}")  # fmt: skip
        verdict = (
            "The answer hinges on " + ", ".join(fragile)
            if fragile
            else "The answer holds across the plausible range of every unconfirmed default."
        )
        out.print(verdict)
