"""A Classic target's input shaping, rewritten as the Custom Event Bus's JSONata transformer.

A Classic target shapes what it delivers three ways: ``Input`` (a constant JSON text),
``InputPath`` (one JSONPath into the event) and ``InputTransformer`` (``InputPathsMap`` names
JSONPaths, ``InputTemplate`` places them). A subscriber has one way: ``Transformer.Type: JSONATA``
with an expression that reads the event as ``$events`` (facts §5). The migration delivers one
event per invocation when it writes a transformer, so every expression reads ``$events[0]``
(which JSONata resolves to the event whether ``$events`` is the event or an array of one).

What translates: dotted and bracketed member names and array indices (``$.detail['order-id']``,
``$.detail.items[0].sku``), templates that are JSON once their placeholders are filled (a
placeholder in a string is spliced into the text, as Classic does; one outside a string is the
value), and the reserved ``<aws.events.event>`` / ``<aws.events.event.json>``. What does not
(``*``, ``..``, filters, the rule's name or ARN, the ingestion time) raises
:class:`UntranslatableError` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

EVENT = "$events[0]"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STEP = re.compile(r"\.([^.\[\]]+)|\['((?:[^'\\]|\\.)*)'\]|\[\"((?:[^\"\\]|\\.)*)\"\]|\[(\d+)\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_EVENT_VARIABLES = ("aws.events.event", "aws.events.event.json")


class UntranslatableError(ValueError):
    """The Classic input shaping has no faithful JSONata equivalent here; says why."""


def _field(name: str) -> str:
    """A member name as a JSONata path step (backquoted unless it is a plain identifier)."""
    if _NAME.fullmatch(name):
        return name
    if "`" in name:
        raise UntranslatableError(
            f"the member name {name!r} holds a backtick, which JSONata cannot quote"
        )
    return f"`{name}`"


def path_expression(path: str) -> str:
    """The JSONata expression that reads what the JSONPath ``path`` reads from one event."""
    text = path.strip()
    if not text.startswith("$"):
        raise UntranslatableError(f"JSONPath {path!r} does not start at the event ($)")
    steps, at = [], 1
    while at < len(text):
        match = _STEP.match(text, at)
        if match is None or text.startswith("..", at):
            raise UntranslatableError(
                f"JSONPath {path!r}: only member names and array indices translate (no *, .., "
                "slices or filters)"
            )
        name = next((g for g in match.groups()[:3] if g is not None), None)
        if name is not None and name == "*":
            raise UntranslatableError(f"JSONPath {path!r}: the wildcard * does not translate")
        steps.append(f"[{match.group(4)}]" if name is None else "." + _field(name))
        at = match.end()
    return EVENT + "".join(steps)


def wrap(expression: str) -> str:
    """A transformer expression as CloudFormation takes it: inside ``{% %}``."""
    return "{% " + expression + " %}"


def constant_expression(text: str) -> str:
    """``Input``: the same JSON, delivered whatever the event."""
    try:
        value = json.loads(text)
    except ValueError:
        raise UntranslatableError("Input is not valid JSON") from None
    return json.dumps(value, separators=(", ", ": "))


def template_expression(template: str, paths: Mapping[str, str]) -> str:
    """``InputTemplate`` with ``InputPathsMap``: a JSON template whose placeholders become the
    expressions of their paths (spliced as text inside a string, as values outside one)."""
    values = {name: path_expression(path) for name, path in paths.items()}
    for name in _EVENT_VARIABLES:
        values.setdefault(name, EVENT)

    def value_of(name: str) -> str:
        if name in values:
            return values[name]
        if name.startswith("aws.events."):
            raise UntranslatableError(
                f"<{name}> has no JSONata equivalent (a subscriber's transformer sees the event, "
                "not the rule's name or ARN or the ingestion time)"
            )
        raise UntranslatableError(f"<{name}> is not in InputPathsMap")

    _check_json(template)
    out, at, length = [], 0, len(template)
    while at < length:
        char = template[at]
        if char == '"':
            end = _string_end(template, at)
            out.append(_string_expression(template[at : end + 1], value_of))
            at = end + 1
        elif (match := _PLACEHOLDER.match(template, at)) is not None:
            out.append(f"({value_of(match.group(1))})")
            at = match.end()
        else:
            out.append(char)
            at += 1
    return "".join(out).strip()


def _check_json(template: str) -> None:
    """Classic requires the filled template to be JSON (a quoted string is JSON too)."""
    try:
        json.loads(_PLACEHOLDER.sub("null", template))
    except ValueError:
        raise UntranslatableError(
            "InputTemplate is not JSON once its placeholders are filled; only JSON templates "
            "translate"
        ) from None


def _string_end(text: str, start: int) -> int:
    at = start + 1
    while at < len(text):
        if text[at] == "\\":
            at += 2
            continue
        if text[at] == '"':
            return at
        at += 1
    raise UntranslatableError("InputTemplate has an unterminated string")


def _string_expression(literal: str, value_of) -> str:
    """A JSON string literal with placeholders as a JSONata string concatenation."""
    body = literal[1:-1]
    parts: list[str] = []
    at = 0
    for match in _PLACEHOLDER.finditer(body):
        if match.start() > at:
            parts.append(f'"{body[at : match.start()]}"')
        parts.append(f"$string({value_of(match.group(1))})")
        at = match.end()
    if not parts:
        return literal
    if at < len(body):
        parts.append(f'"{body[at:]}"')
    return "(" + " & ".join(parts) + ")"
