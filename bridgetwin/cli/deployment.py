"""``bridgetwin graph`` and ``bridgetwin lint``: what a deployment is made of, and what in it
breaks EventBridge's best practices."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bridgetwin.cli.common import (
    AppOption,
    ContextOption,
    FormatOption,
    ParamOption,
    SourceArgument,
    StackOption,
    SynthTimeoutOption,
    check_lint_format,
    load_deployment,
)


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

    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
    if output_format == "json":
        typer.echo(json.dumps(graph_to_dict(graph), indent=2))
    else:
        typer.echo(graph_to_text(graph))


def lint_command(
    source: SourceArgument = None,
    stack: StackOption = None,
    param: ParamOption = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Output format: text, json or sarif (SARIF 2.1.0, for code scanning).",
            callback=check_lint_format,
        ),
    ] = "text",
    synth_timeout: SynthTimeoutOption = 600.0,
    context: ContextOption = None,
    app_command: AppOption = None,
) -> None:
    """Check a deployment against EventBridge best practices; exits 1 when there are errors."""
    from bridgetwin.graph.lint import lint_graph
    from bridgetwin.patterns import Severity

    graph = load_deployment(source, stack, param, (synth_timeout, context, app_command))
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
