"""The ``bridgetwin`` command: a thin layer that loads input, calls the library, renders output."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from bridgetwin import __version__
from bridgetwin._cli_common import (
    AppOption,
    ContextOption,
    FormatOption,
    ParamOption,
    PlotsOption,
    ReportOption,
    SourceArgument,
    StackOption,
    SynthTimeoutOption,
    _check_lint_format,
    _fail,
    _label,
    _load,
    _pictures,
    console,
)
from bridgetwin._jsonarg import JsonArgumentError, read_json_argument

# TestEventPattern requires these fields in the event (AWS API reference, TestEventPattern).
ENVELOPE_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")

app = typer.Typer(
    name="bridgetwin",
    help="Build and reason about Amazon EventBridge deployments offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"bridgetwin {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Build and reason about Amazon EventBridge deployments offline."""


@app.command("test-pattern")
def test_pattern(
    pattern: str = typer.Option(..., "--pattern", help="Event pattern: inline JSON or a file."),
    event: str = typer.Option(..., "--event", help="Event: inline JSON or a file."),
    lenient: bool = typer.Option(
        False, "--lenient", help="Do not require the event envelope fields AWS requires."
    ),
) -> None:
    """Test an event against a pattern, like `aws events test-event-pattern`.

    Prints {"Result": true} or {"Result": false} and exits 0; an invalid pattern or event prints
    the reason and exits 2.
    """
    from bridgetwin.patterns import PatternError, compile_pattern

    try:
        pattern_text, _ = read_json_argument(pattern, "--pattern")
        _, event_obj = read_json_argument(event, "--event")
    except JsonArgumentError as exc:
        raise _fail(str(exc)) from None
    try:
        compiled = compile_pattern(pattern_text)
    except PatternError as exc:
        raise _fail(str(exc)) from None
    if not isinstance(event_obj, dict):
        raise _fail("--event: the event must be a JSON object")
    missing = [f for f in ENVELOPE_FIELDS if f not in event_obj]
    if missing and not lenient:
        raise _fail(
            f"--event: the event lacks required field(s) {', '.join(missing)}; TestEventPattern "
            f"requires {', '.join(ENVELOPE_FIELDS)} (use --lenient to skip this check)"
        )
    sys.stdout.write(json.dumps({"Result": compiled.matches(event_obj)}) + "\n")


@app.command("graph")
def graph_command(
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    output_format: FormatOption = "text",
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
) -> None:
    """Show the EventBridge deployment a template defines: bus -> rule -> target -> destination."""
    from bridgetwin.graph._render import graph_to_dict, graph_to_text

    graph = _load(source, stack, param, (synth_timeout, context, app_command))
    if output_format == "json":
        typer.echo(json.dumps(graph_to_dict(graph), indent=2))
    else:
        typer.echo(graph_to_text(graph))


@app.command("lint")
def lint_command(
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Output format: text, json or sarif (SARIF 2.1.0, for code scanning).",
            callback=_check_lint_format,
        ),
    ] = "text",
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
) -> None:
    """Check a deployment against EventBridge best practices; exits 1 when there are errors."""
    from bridgetwin.graph.lint import lint_graph
    from bridgetwin.patterns import Severity

    graph = _load(source, stack, param, (synth_timeout, context, app_command))
    findings = lint_graph(graph)
    if output_format == "sarif":
        from bridgetwin.graph.lint.sarif import to_sarif

        typer.echo(json.dumps(to_sarif(findings, graph), indent=2))
    elif output_format == "json":
        rows = [
            {
                "code": f.code,
                "severity": f.severity.value,
                "resource": f.resource,
                "message": f.message,
            }
            for f in findings
        ]
        typer.echo(json.dumps(rows, indent=2))
    else:
        for finding in findings:
            typer.echo(str(finding))
        errors = sum(f.severity is Severity.ERROR for f in findings)
        typer.echo(f"{len(findings)} finding(s), {errors} error(s)", err=True)
    if any(f.severity is Severity.ERROR for f in findings):
        raise typer.Exit(1)


@app.command("simulate")
def simulate_command(
    scenario: Annotated[str, typer.Option("--scenario", help="Scenario file (YAML or JSON).")],
    seed: Annotated[
        int | None, typer.Option("--seed", help="Override the scenario's seed.")
    ] = None,
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    output_format: FormatOption = "text",
    out: Annotated[str | None, typer.Option("--out", help="Write result.json here.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 1 when an SLO fails.")] = False,
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
    report: ReportOption = None,
    plots: PlotsOption = None,
) -> None:
    """Simulate a deployment under a scenario: throttling, retries, DLQ volume, latency, alarms."""
    from rich.console import Console

    from bridgetwin._output import OutputError, prepare_directory, write_atomically
    from bridgetwin.simulator import ScenarioError, SimulationError, load_scenario, simulate
    from bridgetwin.simulator.results.report import render

    graph = _load(source, stack, param, (synth_timeout, context, app_command))
    try:
        directory = prepare_directory(out) if out else None
    except OutputError as exc:
        raise _fail(f"error: {exc}") from None
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
    except ScenarioError as exc:
        raise _fail("\n".join(f"scenario: {line}" for line in str(exc).splitlines())) from None
    except SimulationError as exc:
        raise _fail(f"internal error, please report it: {exc}", code=3) from None
    if directory is not None:
        try:
            write_atomically(directory / "result.json", result.to_json() + "\n")
        except OutputError as exc:
            raise _fail(f"error: {exc}") from None
    if output_format == "json":
        typer.echo(result.to_json())
    else:
        console().print(render(result))
    if report or plots:
        from bridgetwin.planning.report import run_figures, run_summary

        title = f"bridgetwin simulate: {_label(source, stack)}"
        _pictures(report, plots, title, lambda: run_figures(result), run_summary(result))
    if check and not result.slo_passed:
        raise typer.Exit(1)


@app.command("scenario-schema")
def scenario_schema_command() -> None:
    """Print the JSON Schema of scenario files."""
    from bridgetwin.simulator import scenario_json_schema

    typer.echo(json.dumps(scenario_json_schema(), indent=2))


def main() -> None:
    """Console-script entry point."""
    app()


# The planning commands share this module's options; they register themselves on ``app``.
from bridgetwin import _cli_planning, _cli_producer  # noqa: E402, F401
