"""The ``bridgetwin`` command: a thin layer that loads input, calls the library, renders output."""

from __future__ import annotations

import typer

from bridgetwin import __version__

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


def main() -> None:
    """Console-script entry point."""
    app()
