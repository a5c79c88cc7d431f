"""Best-practice findings for one event pattern (AWS's pattern guidance, as checkable rules).

Each rule is a small function of the compiled pattern that yields findings; ``lint`` runs them all.
Rules that need the deployment (a rule that re-triggers itself through its own bus) live with the
graph, not here.

Envelope knowledge used by the rules: every event on a bus carries ``id``, ``source``,
``detail-type``, ``account``, ``region``, ``time`` and ``version`` as strings and ``detail`` as an
object, so some conditions on them always or never hold.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bridgetwin.patterns._compiler import DEFAULT_MAX_PATTERN_SIZE, compile_pattern_text
from bridgetwin.patterns._errors import PatternError
from bridgetwin.patterns._matchers import (
    AnyMatcher,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Numeric,
    Prefix,
    Suffix,
    Wildcard,
)
from bridgetwin.patterns._pattern import Condition, Pattern

_ENVELOPE_STRINGS = frozenset(
    {"id", "source", "detail-type", "account", "region", "time", "version"}
)
_OBJECT_FIELDS = frozenset({"detail"})


class Severity(enum.StrEnum):
    """How much a finding matters: errors fail ``bridgetwin lint``; warnings do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint result: a stable ``code``, its ``severity``, a message and the field it is about."""

    code: str
    severity: Severity
    message: str
    path: str = ""

    def __str__(self) -> str:
        where = f" [{self.path}]" if self.path else ""
        return f"{self.severity.value}: {self.code}: {self.message}{where}"


def _is_string_only(m: AnyMatcher) -> bool:
    return isinstance(m, Prefix | Suffix | EqualsIgnoreCase | Wildcard | Cidr) or (
        isinstance(m, Exact) and type(m.value) is str
    )


def _is_number_only(m: AnyMatcher) -> bool:
    return isinstance(m, Numeric) or (
        isinstance(m, Exact) and type(m.value) in (int, float) and type(m.value) is not bool
    )


def _always_true_on_string(m: AnyMatcher) -> bool:
    return (
        (isinstance(m, Exists) and m.present)
        or (isinstance(m, Prefix | Suffix) and m.text == "")
        or (isinstance(m, Wildcard) and m.text.replace("*", "") == "")
    )


def _always_holds(c: Condition) -> bool:
    return c.path in _ENVELOPE_STRINGS and any(_always_true_on_string(m) for m in c.matchers)


def _rule_missing_field(field: str, consequence: str) -> Callable[[Pattern], Iterator[Finding]]:
    """A rule flagging patterns with a branch that does not filter on an envelope ``field``."""

    def rule(pattern: Pattern) -> Iterator[Finding]:
        if any(not any(c.path == field for c in b.conditions) for b in pattern.branches):
            yield Finding(
                f"missing-{field}",
                Severity.WARNING,
                f"pattern does not filter on '{field}': {consequence}",
            )

    return rule


def _rule_matches_all_events(pattern: Pattern) -> Iterator[Finding]:
    for i, branch in enumerate(pattern.branches):
        if all(_always_holds(c) for c in branch.conditions):
            yield Finding(
                "matches-all-events",
                Severity.WARNING,
                "pattern matches every event on its bus; a target fed by it receives all "
                "traffic (and loops if it puts events back on the same bus)",
                f"branch {i}" if len(pattern.branches) > 1 else "",
            )
            return


def _rule_cross_product(pattern: Pattern) -> Iterator[Finding]:
    for branch in pattern.branches:
        multi = [
            c.path
            for c in branch.conditions
            if len(c.matchers) > 1 and all(isinstance(m, Exact) for m in c.matchers)
        ]
        if len(multi) >= 2:
            yield Finding(
                "values-cross-product",
                Severity.WARNING,
                f"fields {', '.join(multi)} each list several values, so every combination "
                "matches; if only some pairs belong together, use $or with one object per pair",
                multi[0],
            )
            return


def _rule_never_matches(pattern: Pattern) -> Iterator[Finding]:
    for branch in pattern.branches:
        for c in branch.conditions:
            if c.path in _ENVELOPE_STRINGS and not any(
                _is_string_only(m) or (isinstance(m, Exists) and m.present) for m in c.matchers
            ):
                yield Finding(
                    "never-matches",
                    Severity.WARNING,
                    f"'{c.path}' is always a string on EventBridge events, so this condition "
                    'never holds (quote numbers: "123456789012", not 123456789012)',
                    c.path,
                )
            elif c.path in _OBJECT_FIELDS and not c.matches_absent:
                yield Finding(
                    "never-matches",
                    Severity.WARNING,
                    f"'{c.path}' is an object, not a value; filter on fields inside it",
                    c.path,
                )


def _rule_type_conflict(pattern: Pattern) -> Iterator[Finding]:
    conditions = [c for b in pattern.branches for c in b.conditions]
    numeric_paths = {c.path for c in conditions if all(_is_number_only(m) for m in c.matchers)}
    reported: set[str] = set()
    for c in conditions:
        if c.path in numeric_paths and c.path not in reported:
            string_ops = [m for m in c.matchers if _is_string_only(m) and not isinstance(m, Exact)]
            if string_ops:
                reported.add(c.path)
                yield Finding(
                    "string-filter-on-number",
                    Severity.WARNING,
                    f"'{c.path}' is matched as a number elsewhere in this pattern, but "
                    f"{string_ops[0].kind.value} only matches strings, so never a number",
                    c.path,
                )


RULES: tuple[Callable[[Pattern], Iterator[Finding]], ...] = (
    _rule_missing_field(
        "source",
        "it also matches events from sources added later; name the source(s) you expect",
    ),
    _rule_missing_field(
        "detail-type",
        "new event types from the same source will match too; name the detail-type(s) you handle",
    ),
    _rule_matches_all_events,
    _rule_cross_product,
    _rule_never_matches,
    _rule_type_conflict,
)


def lint(
    pattern: Pattern | str | Mapping[str, Any], *, max_size: int | None = DEFAULT_MAX_PATTERN_SIZE
) -> list[Finding]:
    """Findings for ``pattern``; an invalid pattern yields one ``invalid-pattern`` error."""
    if not isinstance(pattern, Pattern):
        try:
            pattern = compile_pattern_text(pattern, max_size=max_size)
        except PatternError as exc:
            return [Finding("invalid-pattern", Severity.ERROR, exc.reason, exc.path)]
    return [finding for rule in RULES for finding in rule(pattern)]
