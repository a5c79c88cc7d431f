"""Reading a pattern: JSON text (strict: no NaN or Infinity, AWS's wording for malformed JSON)
or a mapping (serialized to measure its size), never nested deeper than ``MAX_DEPTH``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bridgetwin.patterns._errors import PatternError

MAX_DEPTH = 100
"""Objects and arrays nested deeper than this are refused (a real pattern nests a few levels;
deeper ones are a mistake or an attack on the parser)."""


def _depth_ok(value: Any) -> bool:
    """Whether ``value`` nests at most ``MAX_DEPTH`` levels (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping | list | tuple):
            if depth > MAX_DEPTH:
                return False
            children = item.values() if isinstance(item, Mapping) else item
            stack.extend((child, depth + 1) for child in children)
    return True


def read_pattern(source: str | Mapping[str, Any]) -> tuple[str, Any]:
    text, obj = _parsed(source)
    if not _depth_ok(obj):
        raise PatternError(f"Event pattern nests more than {MAX_DEPTH} levels")
    return text, obj


def _parsed(source: str | Mapping[str, Any]) -> tuple[str, Any]:
    if isinstance(source, str):
        text = source

        def reject_constant(name: str) -> float:
            raise PatternError(f"{name} is not a valid JSON number")

        try:
            return text, json.loads(text, parse_constant=reject_constant)
        except json.JSONDecodeError as exc:
            raise PatternError(
                f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise PatternError(f"Event pattern nests more than {MAX_DEPTH} levels") from None
    if isinstance(source, Mapping):
        if not _depth_ok(source):
            raise PatternError(f"Event pattern nests more than {MAX_DEPTH} levels")
        try:
            text = json.dumps(source, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise PatternError(f"pattern is not JSON-serializable: {exc}") from None
        return text, source
    raise PatternError(f"Filter is not an object (got {type(source).__name__})")
