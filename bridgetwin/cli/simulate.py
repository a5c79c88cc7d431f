"""``bridgetwin simulate`` and ``bridgetwin scenario-schema``: one run of the twin, and the
schema of the scenario files it reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bridgetwin.cli.common import (
    AppOption,
    ContextOption,
    FormatOption,
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
    write_pictures,
)


def simulate_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    seed: Annotated[
        int | None, typer.Option("--seed", min=0, help="Override the scenario's seed.")
    ] = None,
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    output_format: FormatOption = "text",
    out: Annotated[str | None, typer.Option("--out", help="Write result.json here.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when an SLO fails.")] = False,
    pricing: Annotated[
        str | None,
        typer.Option(
            "--pricing",
            help="YAML/JSON mapping ITEM: USD per million, overriding the built-in prices of "
            "the cost estimate.",
        ),
    ] = None,
    sarif: Annotated[
        str | None,
        typer.Option("--sarif", help="Write the violated SLOs here as SARIF (code scanning)."),
    ] = None,
    junit: Annotated[
        str | None, typer.Option("--junit", help="Write the SLO verdicts here as JUnit XML.")
    ] = None,
    metrics_out: Annotated[
        str | None,
        typer.Option(
            "--metrics-out",
            help="Write the run's AWS/Events metrics per rule and minute here, as 'aws "
            "cloudwatch get-metric-data' prints them (what calibrate and backtest read).",
        ),
    ] = None,
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
    report: ReportOption = None,
    plots: PlotsOption = None,
) -> None:
    """Simulate a deployment under a scenario: throttling, retries, DLQ volume, latency, alarms."""
    from rich.console import Console

    from bridgetwin.cli.output import OutputError, write_atomically
    from bridgetwin.simulator import ScenarioError, SimulationError, load_scenario, simulate
    from bridgetwin.simulator.results.text_report import render

    check_outputs(("metrics_out",), out=out, report=report, plots=plots, junit=junit,
                  sarif=sarif, metrics_out=metrics_out)  # fmt: skip
    directory = Path(out) if out is not None else None
    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    try:
        loaded = load_scenario(scenario)
        err = Console(stderr=True)
        if err.is_terminal and output_format == "text":
            from rich.progress import Progress

            with Progress(console=err, transient=True) as bar:
                task = bar.add_task("simulating", total=loaded.duration)
                result = simulate(
                    graph,
                    loaded,
                    seed=seed,
                    progress=lambda now, _: bar.update(task, completed=now),
                )
        else:
            result = simulate(graph, loaded, seed=seed)
        result = _over_seeds(graph, loaded, result)
    except ScenarioError as exc:
        raise fail("\n".join(f"scenario: {line}" for line in str(exc).splitlines())) from None
    except SimulationError as exc:
        raise fail(f"internal error, please report it: {exc}", code=3) from None
    try:
        if directory is not None:
            write_atomically(directory / "result.json", result.to_json() + "\n")
        if junit is not None:
            from bridgetwin.simulator.results.junit import slo_junit

            write_atomically(junit, slo_junit(result))
        if sarif is not None:
            from bridgetwin.simulator.results.slo_sarif import slo_sarif

            write_atomically(sarif, json.dumps(slo_sarif(result, graph), indent=2) + "\n")
        if metrics_out is not None:
            from bridgetwin.calibration import metric_data_output, rule_metrics, twin_recording

            recording = twin_recording(result, rule_metrics(graph), loaded.start_time)
            write_atomically(metrics_out, json.dumps(metric_data_output(recording)) + "\n")
    except OutputError as exc:
        raise fail(f"error: {exc}") from None
    cost = _cost_line(result, graph, loaded, pricing)
    if output_format == "json":
        typer.echo(result.to_json())
    else:
        console().print(render(result))
        console().print(cost)
    if report or plots:
        from bridgetwin.planning.run_report import run_figures, run_text, scenario_marks

        title = f"bridgetwin simulate: {label(source, stack)}"
        marks = scenario_marks(loaded)
        write_pictures(report, plots, title, lambda: run_figures(result, marks),
                       run_text(result, cost))  # fmt: skip
    if check and not result.slo_passed:
        raise typer.Exit(1)


def _over_seeds(graph, scenario, result):
    """The run, its ``slo:`` verdicts judged over the seeds the objectives ask for."""
    from bridgetwin.planning.slo_seeds import seeds_needed, simulate_judged
    from bridgetwin.simulator import simulate

    if seeds_needed(scenario) <= 1:
        return result

    def run(seed: int):
        return result if seed == result.seed else simulate(graph, scenario, seed=seed)

    def progress(done: int, total: int) -> None:
        typer.echo(f"slo: seed {done + 1}/{total}", err=True)

    judged, _ = simulate_judged(run, scenario, result.seed, progress=progress)
    return judged


def _cost_line(result, graph, scenario, pricing: str | None) -> str:
    """The month's cost at the run's rates, one line, and its notes."""
    from bridgetwin.cli.common import scenario_dict
    from bridgetwin.planning.cost import monthly_cost

    overrides = scenario_dict(pricing) if pricing else None
    try:
        cost = monthly_cost(result, graph, scenario, overrides)
    except ValueError as exc:
        raise fail(f"--pricing: {exc}") from None
    items = ", ".join(f"{item.replace('_', ' ')} ${usd:,.2f}" for item, _, _, usd in cost.lines)
    return (f"cost: ${cost.monthly_usd:,.2f} per month at this run's rates"
            + (f" ({items})" if items else "") + f"; {'; '.join(cost.notes)}")  # fmt: skip


def scenario_schema_command() -> None:
    """Print the JSON Schema of scenario files."""
    from bridgetwin.simulator import scenario_json_schema

    typer.echo(json.dumps(scenario_json_schema(), indent=2))
