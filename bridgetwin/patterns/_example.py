"""Events that match a pattern: for traffic that must reach a rule when nobody wrote its events.

``bridgetwin calibrate`` knows from CloudWatch how many events matched each rule, not what they
looked like. To reproduce those matches it needs, for each rule, an event the rule matches and,
where the patterns allow, that the bus's other rules do not (so that each rule's rate can be set
on its own). This module builds such events from the pattern itself: each field gets a value the
field's condition accepts (the literal, a string with the prefix, a number inside the numeric
range, an address inside the CIDR block, a value ``anything-but`` does not exclude...), and every
candidate is checked with the real matcher, so an event is only returned when the rule matches it.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator, Sequence
from typing import Any

from bridgetwin.patterns._pattern import Pattern

_ABSENT = object()
"""A field that ``exists: false`` wants missing."""
_MAX_TRIES = 256
"""Combinations of field values tried before the best one found is taken."""
ENVELOPE = {"source": "bridgetwin.example", "detail-type": "Example event"}
"""What an event gets when its pattern does not constrain PutEvents' required fields."""


def _numeric(operands: list[Any]) -> list[Any]:
    """Values inside the range: its lower end first (the plainest number), then the middle."""
    low = high = None
    low_open = high_open = False
    for op, value in zip(operands[::2], operands[1::2], strict=True):
        if op == "=":
            return [value]
        if op in (">", ">=") and (low is None or value >= low):
            low, low_open = value, op == ">"
        if op in ("<", "<=") and (high is None or value <= high):
            high, high_open = value, op == "<"
    if low is None and high is None:
        return [0]
    if low is None:
        return [high - 1 if high_open else high]
    first = low + 1 if low_open else low
    if high is None:
        return [first]
    return [first, (low + high) / 2, high - 1 if high_open else high]


def _excluded(spec: Any) -> list[Any]:
    if isinstance(spec, dict):  # anything-but prefix / suffix / equals-ignore-case / wildcard
        return ["bridgetwin-example", 0]
    values = spec if isinstance(spec, list) else [spec]
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return ["bridgetwin-example", (max(numbers) + 1) if numbers else 1]


def _candidates(item: Any) -> list[Any]:
    """Values that one element of a field's list of conditions accepts."""
    if not isinstance(item, dict):
        return [item]
    op, spec = next(iter(item.items()))
    if isinstance(spec, dict) and "equals-ignore-case" in spec:
        spec = spec["equals-ignore-case"]
    match op:
        case "prefix" | "suffix" | "equals-ignore-case":
            return [spec, f"{spec}x" if op == "prefix" else f"x{spec}"]
        case "wildcard":
            return [spec.replace("\\*", "\0").replace("*", "").replace("\0", "*")]
        case "anything-but":
            return _excluded(spec)
        case "numeric":
            return _numeric(spec)
        case "exists":
            return ["example"] if spec else [_ABSENT]
        case "cidr":
            network = ipaddress.ip_network(spec, strict=False)
            return [str(next(network.hosts(), network.network_address))]
    return []


def _fields(pattern: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[list[Any]]:
    """The pattern's alternatives, each a list of (path, candidate values)."""
    alternatives: list[list[Any]] = [[]]
    for key, value in pattern.items():
        if key == "$or":
            options = [alt for branch in value for alt in _fields(branch, prefix)]
            alternatives = [a + o for a in alternatives for o in options]
        elif isinstance(value, dict):
            options = list(_fields(value, (*prefix, key)))
            alternatives = [a + o for a in alternatives for o in options]
        else:
            values = [c for item in value for c in _candidates(item)]
            alternatives = [[*a, ((*prefix, key), values)] for a in alternatives]
    yield from alternatives


def _event(choice: Sequence[tuple[tuple[str, ...], Any]]) -> dict[str, Any]:
    event: dict[str, Any] = {}
    for path, value in choice:
        if value is _ABSENT:
            continue
        node = event
        for key in path[:-1]:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
    for key, default in ENVELOPE.items():
        if not isinstance(event.get(key), str):
            event[key] = default
    return event


def example_event(pattern: Pattern, avoid: Sequence[Pattern] = ()) -> dict[str, Any] | None:
    """An event ``pattern`` matches that matches as few of ``avoid`` as the pattern allows
    (none, when possible), with ``source`` and ``detail-type`` filled in when the pattern
    leaves them open; ``None`` when no candidate value satisfies the pattern."""
    best: tuple[int, dict[str, Any]] | None = None
    tried = 0
    for alternative in _fields(pattern.to_dict()):
        paths = [path for path, _ in alternative]
        for values in itertools.product(*(v for _, v in alternative)):
            tried += 1
            event = _event(list(zip(paths, values, strict=True)))
            if pattern.matches(event):
                clashes = sum(other.matches(event) for other in avoid)
                if best is None or clashes < best[0]:
                    best = (clashes, event)
                if clashes == 0:
                    return event
            if tried >= _MAX_TRIES:
                return None if best is None else best[1]
    return None if best is None else best[1]
