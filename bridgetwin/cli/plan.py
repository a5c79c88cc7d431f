"""``bridgetwin sweep`` and ``sensitivity``: the planning commands (:mod:`bridgetwin.planning`);
``plan`` is :mod:`.plan_goals`.

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
from bridgetwin.planning.metric_text import show_value, unit_of

DEFAULT_METRICS = (
    "latency.start.p99",
    "latency.success.p99",
    "counts.delivered",
    "counts.dlq",
    "counts.retries",
)


def _rows(
    results: list, metrics: tuple[str, ...], confidence: float, target_glob: str = "*"
) -> list[dict[str, Any]]:
    """One row per point, target (matching ``target_glob``) and metric: the varied values first,
    then what was measured."""
    import fnmatch

    from bridgetwin.planning.sweep import COST_METRIC, DEPLOYMENT

    rows = []
    for point in results:
        targets = sorted({name for run in point.runs for name in run
                          if fnmatch.fnmatchcase(name, target_glob)})  # fmt: skip
        if point.error and not targets:
            rows.append({**point.point, "target": None, "metric": None, "error": point.error})
        for target in targets:
            for metric in metrics:
                if (target == DEPLOYMENT) != (metric == COST_METRIC):
                    continue  # the cost is the deployment's; the rest are its targets'
                summary = point.summary(target, metric, confidence)
                rows.append({**point.point, "target": target, "metric": metric,
                             "unit": unit_of(metric), **summary, "error": point.error})  # fmt: skip
    return rows


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
    target: Annotated[
        str, typer.Option("--target", help="Glob on rule/target: report only these.")
    ] = "*",
    pareto: Annotated[
        str | None,
        typer.Option(
            "--pareto",
            help="METRIC,METRIC[,...]: mark the points no other beats on all of them (per target).",
        ),
    ] = None,
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
    from bridgetwin.planning.sweep import default_progress, sweep
    from bridgetwin.simulator import ScenarioError, load_scenario

    if output_format not in ("table", "json", "csv"):
        raise fail(f"--format: must be table, json or csv, got '{output_format}'")
    metrics = tuple(metric or DEFAULT_METRICS)
    traded = tuple(pareto.split(",")) if pareto else ()
    if pareto is not None and len(traded) < 2:
        raise fail(f"--pareto '{pareto}': name two or more metrics, comma-separated")
    metrics += tuple(m for m in traded if m not in metrics)
    _known_metrics(metrics)
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
    rows = _rows(results, metrics, 0.95, target)
    measured = {r["target"] for r in rows if r.get("target")}
    if not measured and not any(p.error for p in results):
        known = sorted({name for p in results for run in p.runs for name in run})
        raise fail(f"--target '{target}' names no target; known: {', '.join(known)}")
    if seeds == 1:
        typer.echo("warning: --seeds 1 gives no confidence interval (shown as -)", err=True)
    paths = [v.path for v in varies]
    if traded:
        _mark_front(rows, paths, traded)
    if output_format == "json":
        typer.echo(json.dumps(rows, indent=2))
    elif output_format == "csv":
        buffer = io.StringIO()
        rest = ("target", "metric", "unit", "mean", "ci_low", "ci_high", "n", "error",
                *(("pareto",) if traded else ()))  # fmt: skip
        fields = [*paths, *rest]
        writer = csv.DictWriter(buffer, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
        typer.echo(buffer.getvalue(), nl=False)
    else:
        _table(paths, rows, seeds)
    if report or plots:
        from bridgetwin.planning.html_report import ReportText
        from bridgetwin.planning.sweep_report import point_table, sweep_figures

        summary = [f"{v.path} = {', '.join(map(str, v.values))}" for v in varies]
        summary.append(f"{seeds} seeds per point (sweep seed {seed}); 95 % Student-t intervals")
        failed = sum(1 for p in results if p.error)
        summary.append(f"{len(results) - failed} of {len(results)} points ran"
                       + (f"; {failed} failed (see the table)" if failed else ""))  # fmt: skip
        if traded:
            summary.append(f"Pareto front over {', '.join(traded)}: marked in the figures and "
                           "the table")  # fmt: skip
        text = ReportText(summary, appendix=[point_table(rows, paths)])
        write_pictures(report, plots, f"bridgetwin sweep: {label(source, stack)}",
                       lambda: sweep_figures(rows, paths), text)  # fmt: skip
    failed = [p for p in results if p.error]
    if failed:
        typer.echo(f"error: {len(failed)} of {len(results)} points failed (their rows say why)",
                   err=True)  # fmt: skip
        raise typer.Exit(1)


def _mark_front(rows: list[dict[str, Any]], paths: list[str], traded: tuple[str, ...]) -> None:
    """``pareto: True`` on the rows of every point on its target's front, False on the others."""
    from bridgetwin.planning.pareto import pareto_front

    by_point: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        if row.get("metric") in traded:
            key = (row["target"], *(row[p] for p in paths))
            by_point.setdefault(key, {})[row["metric"]] = row["mean"]
    on_front: set[tuple] = set()
    for target in {key[0] for key in by_point}:
        keys = [key for key in by_point if key[0] == target]
        on_front |= {keys[i] for i in pareto_front([by_point[k] for k in keys], traded)}
    for row in rows:
        if row.get("metric") is not None:
            row["pareto"] = (row["target"], *(row[p] for p in paths)) in on_front


def _table(paths: list[str], rows: list[dict[str, Any]], seeds: int) -> None:
    from rich.table import Table

    table = Table(title=f"Sweep: mean [95 % CI] over {seeds} seeds per point")
    marked = any("pareto" in row for row in rows)
    for column in [*paths, "target", "metric", "mean", "95 % CI", *(["Pareto"] if marked else [])]:
        table.add_column(column)
    for row in rows:
        if row.get("metric") is None:
            table.add_row(*(str(row[p]) for p in paths), "-", "error", row["error"], "")
            continue
        unit = row["unit"]
        ci = f"[{show_value(row['ci_low'], unit)}, {show_value(row['ci_high'], unit)}]"
        front = ["front" if row.get("pareto") else ""] if marked else []
        table.add_row(*(str(row[p]) for p in paths), row["target"], row["metric"],
                      show_value(row["mean"], unit), ci, *front)  # fmt: skip
    console().print(table)


def _known_metrics(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The metrics, or exit 2 naming the unknown ones and the known."""
    from bridgetwin.planning.sweep import METRICS

    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        shown = ", ".join(repr(m) for m in unknown)
        raise fail(f"--metric: {shown} unknown; known: {', '.join(METRICS)}")
    return metrics


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

    from bridgetwin.planning.sensitivity import not_applying, sensitivity

    metrics = _known_metrics(tuple(metric or DEFAULT_METRICS[:2]))
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    shifts = sensitivity(graph, scenario_dict(scenario), metrics, runs=seeds, sweep_seed=seed)
    table = Table(title=f"Sensitivity to unconfirmed defaults (mean of {seeds} seeds)")
    for column in ("assumption", "value", "target", "metric", "at defaults", "then", "change"):
        table.add_column(column)
    for s in shifts:
        unit = unit_of(s.metric)
        change = "-" if s.change is None else f"{s.change:+,.3g}" + (" s" if unit == "s" else "")
        table.add_row(s.assumption, str(s.value), s.target, s.metric, show_value(s.base, unit),
                      show_value(s.moved, unit), change)  # fmt: skip
    console().print(table)
    idle = not_applying(graph)
    if idle:
        console().print(f"not varied, they cannot touch this deployment: {', '.join(idle)}")
