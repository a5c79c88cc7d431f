"""The ``bridgetwin`` command: a thin layer that loads input, calls the library, renders output.

One module per command group, each a set of plain functions; this module registers every
command explicitly (no module registers itself on import), so the list below is the whole
command line, and ``tests/test_cli_commands.py`` runs each of them:

- :mod:`.pattern`: ``test-pattern``;
- :mod:`.deployment`: ``graph``, ``lint``;
- :mod:`.simulate`: ``simulate``, ``scenario-schema``;
- :mod:`.plan`: ``sweep``, ``sensitivity``, ``plan``;
- :mod:`.publish`: ``publish``.

What the commands share (options, loading a source, errors, writing outputs) is in
:mod:`.common`, :mod:`.output` and :mod:`.jsonarg`. Heavy libraries load inside the commands.
"""

from __future__ import annotations

import typer

from bridgetwin import __version__
from bridgetwin.cli import deployment, pattern, plan, publish, simulate

app = typer.Typer(
    name="bridgetwin",
    help="Build and reason about Amazon EventBridge deployments offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMANDS = {
    "test-pattern": pattern.test_pattern,
    "graph": deployment.graph_command,
    "lint": deployment.lint_command,
    "simulate": simulate.simulate_command,
    "scenario-schema": simulate.scenario_schema_command,
    "sweep": plan.sweep_command,
    "sensitivity": plan.sensitivity_command,
    "plan": plan.plan_command,
    "publish": publish.publish_command,
}
"""Every command of ``bridgetwin``, by name."""

for _name, _function in COMMANDS.items():
    app.command(_name)(_function)


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


def main() -> None:
    """Console-script entry point."""
    app()
