"""What the ``bridgetwin`` commands share: safe printing, errors, loading a source, options."""

from __future__ import annotations

import shlex
import unicodedata
from pathlib import Path
from typing import Annotated, Any

import typer


def _printable(text: str) -> str:
    """``text`` with control characters (terminal escape sequences among them) shown escaped,
    so input from templates, scenarios or the command line cannot drive the terminal."""
    return "".join(
        c if c in "\n\t" or not unicodedata.category(c).startswith("C") else repr(c)[1:-1]
        for c in text
    )


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(_printable(message), err=True)
    return typer.Exit(code)


def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    parsed = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise fail(f"{option}: expected KEY=VALUE, got '{item}'")
        parsed[key] = value
    return parsed


Synth = tuple[float, list[str] | None, str | None]
"""--synth-timeout, --context and --app, as given."""


def load_deployment(
    source: str | None, stacks: list[str] | None, params: list[str] | None, synth: Synth
):
    """The graph of SOURCE and/or the ``--stack`` specs (one deployment, SOURCE first)."""
    return graph_of(deployment_sources(source, stacks, synth), params)


def deployment_sources(source: str | None, stacks: list[str] | None, synth: Synth) -> list:
    """The stack templates of SOURCE and/or the ``--stack`` specs (CDK apps synthesized)."""
    from bridgetwin.graph import SynthOptions, TemplateError, read_sources
    from bridgetwin.graph._deployment import from_specs

    if source is None and not stacks:
        raise fail("error: give a SOURCE, or one --stack per stack of the deployment")
    timeout, context, command = synth
    options = SynthOptions(timeout, _pairs(context, "--context"), command)
    try:
        what = (
            from_specs([*([shlex.quote(source)] if source else []), *stacks]) if stacks else source
        )
        return read_sources(what, options)
    except TemplateError as exc:
        raise fail(f"error: {exc}") from None


def graph_of(sources: list, params: list[str] | None):
    """The graph of stacks already read, with the ``--param`` values."""
    from bridgetwin.graph import TemplateError, load_graph

    try:
        return load_graph(sources, _pairs(params, "--param"))
    except TemplateError as exc:
        raise fail(f"error: {exc}") from None


def label(source: str | None, stacks: list[str] | None) -> str:
    """What a report's title calls the deployment."""
    return ", ".join([*([source] if source else []), *(shlex.split(s)[0] for s in stacks or ())])


def check_format(value: str) -> str:
    if value not in ("text", "json"):
        raise typer.BadParameter(f"must be text or json, got '{value}'")
    return value


def check_lint_format(value: str) -> str:
    if value not in ("text", "json", "sarif"):
        raise typer.BadParameter(f"must be text, json or sarif, got '{value}'")
    return value


# Options shared by every command that reads a deployment.
SourceArgument = Annotated[
    str | None,
    typer.Argument(
        help="A template (JSON/YAML), a folder of templates, a cloud assembly (cdk.out), a CDK "
        "app directory, or a deployment manifest listing several of them (stacks: [...]). "
        "Optional with --stack."
    ),
]
StackOption = Annotated[
    list[str] | None,
    typer.Option(
        "--stack",
        help='One stack of the deployment, repeatable: "PATH region=R account=A name=N '
        'param.KEY=VALUE" (quoted; every setting optional). Loaded together with SOURCE.',
    ),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        help="KEY=VALUE template parameter, repeatable; AWS::Region and AWS::AccountId set the "
        "environment.",
    ),
]
FormatOption = Annotated[
    str, typer.Option("--format", help="Output format: text or json.", callback=check_format)
]
ContextOption = Annotated[
    list[str] | None,
    typer.Option(
        "--context",
        help="KEY=VALUE context for a CDK app directory, repeatable (wins over cdk.json and "
        "cdk.context.json).",
    ),
]
AppOption = Annotated[
    str | None,
    typer.Option("--app", help="Command that synthesizes the CDK app, instead of cdk.json's."),
]
SynthTimeoutOption = Annotated[
    float,
    typer.Option(
        "--synth-timeout",
        min=1,
        help="Seconds a CDK app directory's synth may take; the command and its children are "
        "stopped beyond it.",
    ),
]


ReportOption = Annotated[
    str | None,
    typer.Option("--report", help="Write a self-contained HTML report with plots here."),
]
PlotsOption = Annotated[
    str | None, typer.Option("--plots", help="Write the report's plots as PNG files here.")
]


def check_outputs(files: tuple[str, ...] = (), **paths: str | None) -> None:
    """Before any work: every output a command was given can be written (``report``,
    ``junit``, ``sarif`` and the names in ``files``: files; the rest, such as ``plots`` and
    ``out``: directories), or exit 2 naming it."""
    from bridgetwin.cli.output import OutputError, prepare_directory, prepare_file

    try:
        for name, path in paths.items():
            if path is None:
                continue
            option = f"--{name.replace('_', '-')}"
            if not path.strip():
                raise OutputError(f"{option}: an empty path names no directory or file")
            if name in ("report", "junit", "sarif", *files):
                prepare_file(path, option)
            else:
                prepare_directory(path)
    except OutputError as exc:
        raise fail(f"error: {exc}") from None


def write_pictures(report: str | None, plots: str | None, title: str, figures, text) -> None:
    """The HTML report (written whole or not at all) and/or PNG plots of a command's figures
    (a callable: drawn per use) with its text (a :class:`~bridgetwin.planning.html_report.
    ReportText`); ``check_outputs`` vetted both paths before the work."""
    from bridgetwin.cli.output import OutputError, write_atomically
    from bridgetwin.planning.html_report import report_html, write_pngs

    try:
        if report:
            write_atomically(report, report_html(title, figures(), text))
            typer.echo(f"report: {report}", err=True)
        if plots:
            written = write_pngs(plots, figures())
            typer.echo(f"plots: {len(written)} PNG files in {plots}", err=True)
    except OutputError as exc:
        raise fail(f"error: {exc}") from None
    except OSError as exc:
        raise fail(f"error: {plots}: not written ({exc.strerror or exc})") from None


FILE_WIDTH = 160
"""Columns for tables written to a file or a pipe (``COLUMNS`` overrides it); on a terminal,
the terminal's own width."""


def console():
    """A rich console that fits the terminal it writes to (rich measures it), or is
    ``FILE_WIDTH`` columns wide when the output is a file or a pipe."""
    import os

    from rich.console import Console

    out = Console()
    if out.is_terminal:
        return out
    return Console(width=int(os.environ.get("COLUMNS", FILE_WIDTH)))


def scenario_dict(path: str) -> dict[str, Any]:
    """A scenario file as the mapping sweeps, plans and diffs vary (strict YAML or JSON)."""
    import yaml

    from bridgetwin.graph.yaml_reading import load_yaml

    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise fail(f"scenario: {path}: {exc}".replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise fail(f"scenario: {path}: must be a mapping")
    return data
