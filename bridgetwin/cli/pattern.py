"""``bridgetwin test-pattern``: an event against a pattern, as `aws events test-event-pattern`."""

from __future__ import annotations

import json
import sys

import typer

from bridgetwin.cli.common import fail
from bridgetwin.cli.jsonarg import JsonArgumentError, read_json_argument

# TestEventPattern requires these fields in the event (AWS API reference, TestEventPattern).
ENVELOPE_FIELDS = ("id", "account", "source", "time", "region", "resources", "detail-type")


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
        raise fail(str(exc)) from None
    try:
        compiled = compile_pattern(pattern_text)
    except PatternError as exc:
        raise fail(str(exc)) from None
    if not isinstance(event_obj, dict):
        raise fail("--event: the event must be a JSON object")
    missing = [f for f in ENVELOPE_FIELDS if f not in event_obj]
    if missing and not lenient:
        raise fail(
            f"--event: the event lacks required field(s) {', '.join(missing)}; TestEventPattern "
            f"requires {', '.join(ENVELOPE_FIELDS)} (use --lenient to skip this check)"
        )
    sys.stdout.write(json.dumps({"Result": compiled.matches(event_obj)}) + "\n")
