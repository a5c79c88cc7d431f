"""The EventBridge event-pattern language: compile (validate with AWS-style errors) and match.

Pure Python with no dependencies; the constructs validate rules with it at synth time, the simulator
routes every event through it, ``bridgetwin test-pattern`` exposes it on the command line, and
:func:`example_event` writes an event a pattern matches (for calibrated traffic)::

    >>> p = compile_pattern({"source": ["acme"], "detail": {"amount": [{"numeric": [">", 9]}]}})
    >>> p.matches({"source": "acme", "detail": {"amount": 120}})
    True
    >>> check_pattern({"detail": {"amount": [{"numeric": [">", 5, "<", 1]}]}})
    'Event pattern is not valid. Reason: detail.amount[0].numeric: Bottom must be less than top'

Semantics follow AWS's documentation (``shared/reference/eventbridge-facts.md`` §7). Where AWS
publishes nothing, we decided as follows (each decision has a test):

- Arrays of objects: two fields of one rule are never satisfied by different objects of the same
  array (event-ruler's JSON-event matching, which EventBridge uses for JSON events).
- ``exists``: a JSON ``null`` counts as present; an empty array has no value, so it counts as
  absent; a key holding an object is absent for ``exists`` (AWS: exists works on leaf nodes only).
- ``exists: false`` is evaluated over the whole event: it holds when no value exists at that path in
  any element of any array.
- ``anything-but`` needs the field to be present and matches every value that none of its excluded
  values matches, whatever the value's type (a number is "anything but" a string list; ``null`` is
  too). For event arrays, any one element suffices, as for every operator.
- Number literals compare numerically (``5`` matches ``5.0``); ``numeric`` accepts every finite
  float64 (event-ruler since 2024; older docs said ±5.0e9).
- ``equals-ignore-case`` and the ``equals-ignore-case`` forms of prefix/suffix compare lower-cased.
- ``wildcard`` complexity is bounded by the largest number of matcher states one input keeps
  active (see :mod:`bridgetwin.patterns._wildcard`); the default limit is 100, configurable.
- Pattern size is counted on the JSON text as given, or on its compact serialization for a dict;
  the default limit is the 2,048-character quota, configurable (``max_size=None`` disables it).
- An empty pattern ``{}`` has no condition and matches every event (``lint`` flags it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridgetwin.patterns._compiler import (
    DEFAULT_MAX_PATTERN_SIZE,
    MAX_OR_COMBINATIONS,
    compile_pattern_text,
)
from bridgetwin.patterns._errors import PatternError
from bridgetwin.patterns._example import example_event
from bridgetwin.patterns._index import PatternIndex
from bridgetwin.patterns._lint import Finding, Severity, lint
from bridgetwin.patterns._matchers import MatchType
from bridgetwin.patterns._operands import NUMERIC_LIMIT
from bridgetwin.patterns._pattern import Pattern
from bridgetwin.patterns._wildcard import DEFAULT_WILDCARD_COMPLEXITY_LIMIT

__all__ = [
    "DEFAULT_MAX_PATTERN_SIZE",
    "DEFAULT_WILDCARD_COMPLEXITY_LIMIT",
    "MAX_OR_COMBINATIONS",
    "NUMERIC_LIMIT",
    "Finding",
    "MatchType",
    "Pattern",
    "PatternError",
    "PatternIndex",
    "Severity",
    "check_pattern",
    "compile_pattern",
    "example_event",
    "lint",
    "uses_wildcard",
]


def uses_wildcard(pattern: Any) -> bool:
    """Whether a pattern (a mapping, as written) uses the ``wildcard`` operator anywhere,
    ``anything-but`` included: Custom Event Bus subscriber filters refuse it."""
    if isinstance(pattern, Mapping):
        return "wildcard" in pattern or any(uses_wildcard(v) for v in pattern.values())
    if isinstance(pattern, list):
        return any(uses_wildcard(v) for v in pattern)
    return False


def compile_pattern(
    pattern: str | Mapping[str, Any],
    *,
    max_size: int | None = DEFAULT_MAX_PATTERN_SIZE,
    wildcard_complexity_limit: int = DEFAULT_WILDCARD_COMPLEXITY_LIMIT,
    numeric_limit: float | None = NUMERIC_LIMIT,
) -> Pattern:
    """Validate ``pattern`` (JSON text or a mapping) and compile it.

    Args:
        pattern: The event pattern.
        max_size: Largest pattern, in characters. Defaults to ``2048`` (the default quota);
            ``None`` disables the check.
        wildcard_complexity_limit: Largest accepted wildcard complexity. Defaults to ``100``.
        numeric_limit: Largest magnitude of a numeric operand. Defaults to ``5.0e9``, the range
            AWS documents; ``None`` accepts any finite number, as event-ruler does.

    Raises:
        PatternError: the pattern is invalid; the message names the path and the reason.
    """
    return compile_pattern_text(
        pattern,
        max_size=max_size,
        wildcard_complexity_limit=wildcard_complexity_limit,
        numeric_limit=numeric_limit,
    )


def check_pattern(
    pattern: str | Mapping[str, Any], *, max_size: int | None = DEFAULT_MAX_PATTERN_SIZE
) -> str | None:
    """The error message EventBridge-style validation gives for ``pattern``, or ``None``."""
    try:
        compile_pattern_text(pattern, max_size=max_size)
    except PatternError as exc:
        return str(exc)
    return None
