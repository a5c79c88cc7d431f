"""The ``bridgetwin`` command: a thin layer that loads input, calls the library, renders output.

One module per command group, each a set of plain functions; this module registers every
command explicitly (no module registers itself on import), so the list below is the whole
command line, and ``tests/test_cli_commands.py`` runs each of them:

- :mod:`.pattern`: ``test-pattern``;
- :mod:`.deployment`: ``graph``, ``lint``;
- :mod:`.simulate`: ``simulate``, ``scenario-schema``;
- :mod:`.plan`: ``sweep``, ``sensitivity``; :mod:`.plan_goals`: ``plan`` (two fields:
  :mod:`.plan_region`);
- :mod:`.diff`: ``diff``;
- :mod:`.migrate`: ``migrate``;
- :mod:`.calibrate`: ``calibrate``, ``backtest``;
- :mod:`.publish`: ``publish``.

What the commands share (options, loading a source, errors, writing outputs) is in
:mod:`.common`, :mod:`.output` and :mod:`.jsonarg`. Heavy libraries load inside the commands.

Exit codes: 0 success; 1 a check failed (``lint`` errors, ``--check``, ``plan`` found nothing);
2 the input is wrong (the message names the field and what is allowed); 3 an internal error of
bridgetwin (please report it). No traceback is printed unless ``--debug`` is given.
"""

from __future__ import annotations

import sys

import typer

from bridgetwin import __version__
from bridgetwin.cli import (
    calibrate,
    deployment,
    diff,
    migrate,
    pattern,
    plan,
    plan_goals,
    publish,
    simulate,
)

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
    "plan": plan_goals.plan_command,
    "diff": diff.diff_command,
    "migrate": migrate.migrate_command,
    "calibrate": calibrate.calibrate_command,
    "backtest": calibrate.backtest_command,
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
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an error."),
) -> None:
    """Build and reason about Amazon EventBridge deployments offline."""


def _user_errors() -> tuple[type[BaseException], ...]:
    """The exception families that mean the input is wrong (each names the field)."""
    from bridgetwin.calibration import CalibrationError
    from bridgetwin.cli.jsonarg import JsonArgumentError
    from bridgetwin.cli.output import OutputError
    from bridgetwin.graph import TemplateError
    from bridgetwin.patterns import PatternError
    from bridgetwin.planning import PlanningError
    from bridgetwin.simulator import ScenarioError

    return (TemplateError, ScenarioError, PatternError, PlanningError, OutputError,
            JsonArgumentError, CalibrationError)  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the exit codes above, and no traceback without --debug."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="bridgetwin")
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None
    except Exception as exc:
        if "--debug" in args:
            raise
        if isinstance(exc, _user_errors()):
            typer.echo(f"error: {exc}", err=True)
            raise SystemExit(2) from None
        typer.echo(
            f"internal error, please report it: {type(exc).__name__}: {exc} "
            "(--debug shows the traceback)",
            err=True,
        )
        raise SystemExit(3) from None
