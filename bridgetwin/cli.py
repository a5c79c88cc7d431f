"""The ``bridgetwin`` command: a thin layer that loads input, calls the library, renders output."""

from __future__ import annotations

import json
import sys

import typer

from bridgetwin import __version__
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


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


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


def main() -> None:
    """Console-script entry point."""
    app()
