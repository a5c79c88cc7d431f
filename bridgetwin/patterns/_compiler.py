"""Validate an event pattern the way EventBridge does and compile it into branches of matchers.

Each operator has its own small validator (operands in :mod:`._operands`, the JSON text in
:mod:`._reading`); errors carry AWS's reason and the JSON path inside the
pattern (``detail.amount[0].numeric``). Decisions where AWS publishes nothing (the fact sheet's
UNCONFIRMED items) are listed in :mod:`bridgetwin.patterns`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bridgetwin.patterns._errors import PatternError
from bridgetwin.patterns._matchers import (
    AnyMatcher,
    AnythingBut,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Matcher,
    Prefix,
    Suffix,
    Wildcard,
    is_number,
)
from bridgetwin.patterns._operands import (
    NUMERIC_LIMIT,
    cidr_operand,
    numeric_operand,
    string_operand,
)
from bridgetwin.patterns._pattern import Branch, Condition, Pattern
from bridgetwin.patterns._reading import read_pattern
from bridgetwin.patterns._wildcard import (
    DEFAULT_WILDCARD_COMPLEXITY_LIMIT,
    parse_wildcard,
    wildcard_complexity,
    wildcard_segments,
)

DEFAULT_MAX_PATTERN_SIZE = 2048
"""Characters per pattern: the default "event pattern size" quota (L-664C5505, adjustable)."""

MAX_OR_COMBINATIONS = 1000
"""AWS rejects patterns whose ``$or`` expansion yields more combinations than this."""

# Keys that make event-ruler read ``$or`` as an ordinary field name (Constants.java).
_RESERVED_IN_OR = frozenset(
    [
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    ]
)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _dotted(parts: tuple[str, ...]) -> str:
    return ".".join(parts)


class _Compiler:
    """One compilation: walks the pattern, validating and building conditions."""

    def __init__(self, wildcard_complexity_limit: int, numeric_limit: float | None) -> None:
        self._wildcard_limit = wildcard_complexity_limit
        self._numeric_limit = numeric_limit

    # -- objects and $or ---------------------------------------------------------------------

    def object(self, obj: Any, keys: tuple[str, ...], path: str) -> list[list[Condition]]:
        """Compile an object into its expanded branches (each a list of conditions)."""
        if not isinstance(obj, Mapping):
            raise PatternError("Filter is not an object", path)
        branches: list[list[Condition]] = [[]]
        for raw_key, value in obj.items():
            key = str(raw_key)
            here = _join(path, key)
            if key == "$or" and not _or_is_plain_field(value):
                alternatives = self._or(value, keys, here)
                if len(branches) * len(alternatives) > MAX_OR_COMBINATIONS:
                    raise PatternError(
                        f"Too many combinations of $or: more than {MAX_OR_COMBINATIONS} "
                        "(the branches of each $or multiply)",
                        here,
                    )
                branches = [b + alt for b in branches for alt in alternatives]
            elif isinstance(value, Mapping):
                nested = self.object(value, (*keys, key), here)
                if len(branches) * len(nested) > MAX_OR_COMBINATIONS:
                    raise PatternError(
                        f"Too many combinations of $or: more than {MAX_OR_COMBINATIONS}", here
                    )
                branches = [b + n for b in branches for n in nested]
            elif isinstance(value, list):
                condition = Condition(_dotted((*keys, key)), self._leaf_list(value, here))
                for branch in branches:
                    branch.append(condition)
            else:
                raise PatternError(f'"{key}" must be an object or an array', here)
        return branches

    def _or(self, value: Any, keys: tuple[str, ...], path: str) -> list[list[Condition]]:
        if not isinstance(value, list):
            raise PatternError("Value of $or must be an array of objects", path)
        if len(value) < 2:
            raise PatternError("Value of $or must have at least 2 elements", path)
        alternatives: list[list[Condition]] = []
        for i, element in enumerate(value):
            here = f"{path}[{i}]"
            if not isinstance(element, Mapping) or not element:
                raise PatternError("Each element of $or must be a non-empty object", here)
            alternatives.extend(self.object(element, keys, here))
        return alternatives

    # -- leaf lists and match expressions ----------------------------------------------------

    def _leaf_list(self, values: list[Any], path: str) -> tuple[AnyMatcher, ...]:
        if not values:
            raise PatternError("Empty arrays are not allowed", path)
        matchers = []
        for i, value in enumerate(values):
            here = f"{path}[{i}]"
            if isinstance(value, Mapping):
                matchers.append(self._expression(value, here))
            elif value is None or isinstance(value, str | bool) or is_number(value):
                matchers.append(Exact(value))
            else:
                raise PatternError("Match value must be String, number, true, false, or null", here)
        return tuple(dict.fromkeys(matchers))

    def _expression(self, expression: Mapping[str, Any], path: str) -> AnyMatcher:
        if len(expression) != 1:
            if not expression:
                raise PatternError("Empty objects are not allowed", path)
            raise PatternError("Only one key allowed in match expression", path)
        ((operator, operand),) = expression.items()
        here = _join(path, str(operator))
        match operator:
            case "prefix":
                return self._affix(Prefix, operand, here)
            case "suffix":
                return self._affix(Suffix, operand, here)
            case "equals-ignore-case":
                return EqualsIgnoreCase(string_operand(operand, "equals-ignore-case", here))
            case "anything-but":
                return self._anything_but(operand, here)
            case "numeric":
                return numeric_operand(operand, here, self._numeric_limit)
            case "cidr":
                return cidr_operand(operand, here)
            case "exists":
                if type(operand) is not bool:
                    raise PatternError("exists match pattern must be either true or false.", here)
                return Exists(operand)
            case "wildcard":
                return self._wildcard(operand, here)
            case _:
                raise PatternError(
                    f"Unrecognized match type {operator}. Allowed: prefix, suffix, "
                    "equals-ignore-case, anything-but, numeric, cidr, exists, wildcard",
                    path,
                )

    def _affix(self, kind: type[Prefix] | type[Suffix], operand: Any, path: str) -> Matcher:
        name = "prefix" if kind is Prefix else "suffix"
        if isinstance(operand, Mapping):
            if list(operand) != ["equals-ignore-case"]:
                raise PatternError(
                    f"Unsupported {name} pattern: only equals-ignore-case may be nested", path
                )
            text = string_operand(
                operand["equals-ignore-case"], name, _join(path, "equals-ignore-case")
            )
            return kind(text, ignore_case=True)
        return kind(string_operand(operand, name, path))

    def _anything_but(self, operand: Any, path: str) -> AnythingBut:
        if isinstance(operand, Mapping):
            return AnythingBut(self._anything_but_nested(operand, path))
        if isinstance(operand, str) or is_number(operand):
            return AnythingBut((Exact(operand),))
        if isinstance(operand, list):
            if not operand:
                raise PatternError("Empty arrays are not allowed", path)
            for i, value in enumerate(operand):
                if not (isinstance(value, str) or is_number(value)):
                    kind = "null" if value is None else type(value).__name__
                    raise PatternError(
                        f"Inside anything but list, {kind} is not supported. "
                        "Allowed: strings or numbers",
                        f"{path}[{i}]",
                    )
            if len({isinstance(v, str) for v in operand}) > 1:
                raise PatternError(
                    "Inside anything but list, all values must be strings or all numbers", path
                )
            return AnythingBut(tuple(dict.fromkeys(Exact(v) for v in operand)))
        raise PatternError(
            "Value of anything-but must be an array or single string/number value.", path
        )

    def _anything_but_nested(self, operand: Mapping[str, Any], path: str) -> tuple[Matcher, ...]:
        if len(operand) != 1:
            raise PatternError("Only one key allowed in match expression", path)
        ((operator, value),) = operand.items()
        here = _join(path, str(operator))
        factories = {
            "prefix": Prefix,
            "suffix": Suffix,
            "equals-ignore-case": EqualsIgnoreCase,
            "wildcard": None,
        }
        if operator not in factories:
            raise PatternError(
                f"Unsupported anything-but pattern: {operator}. Allowed: prefix, suffix, "
                "equals-ignore-case, wildcard",
                path,
            )
        items = value if isinstance(value, list) else [value]
        if not items:
            raise PatternError("Empty arrays are not allowed", here)
        matchers: list[Matcher] = []
        for i, item in enumerate(items):
            at = f"{here}[{i}]" if isinstance(value, list) else here
            text = string_operand(item, str(operator), at)
            if operator in ("prefix", "suffix") and text == "":
                raise PatternError(f"Null {operator} not allowed", at)
            factory = factories[operator]
            matchers.append(self._wildcard(text, at) if factory is None else factory(text))
        return tuple(dict.fromkeys(matchers))

    def _wildcard(self, operand: Any, path: str) -> Wildcard:
        text = string_operand(operand, "wildcard", path)
        try:
            tokens = parse_wildcard(text)
        except ValueError as exc:
            raise PatternError(str(exc), path) from None
        complexity = wildcard_complexity(tokens)
        if complexity > self._wildcard_limit:
            raise PatternError(
                "Rule is too complex - try using fewer wildcard characters or fewer repeating "
                f"character sequences after a wildcard character (complexity {complexity}, "
                f"limit {self._wildcard_limit})",
                path,
            )
        return Wildcard(text, wildcard_segments(tokens))


def _or_is_plain_field(value: Any) -> bool:
    """event-ruler treats ``$or`` as a field name when its objects use operator names as keys."""
    return isinstance(value, list) and any(
        isinstance(v, Mapping) and any(k in _RESERVED_IN_OR for k in v) for v in value
    )


def compile_pattern_text(
    source: str | Mapping[str, Any],
    *,
    max_size: int | None,
    wildcard_complexity_limit: int = DEFAULT_WILDCARD_COMPLEXITY_LIMIT,
    numeric_limit: float | None = NUMERIC_LIMIT,
) -> Pattern:
    """Validate and compile; the body behind ``compile_pattern`` and ``check_pattern``."""
    text, obj = read_pattern(source)
    if max_size is not None and len(text) > max_size:
        raise PatternError(
            f"Event pattern is {len(text)} characters; the limit is {max_size} "
            "(the adjustable 'Event pattern size' quota)"
        )
    if not isinstance(obj, Mapping):
        raise PatternError(f"Filter is not an object (got {type(obj).__name__})")
    branches = _Compiler(wildcard_complexity_limit, numeric_limit).object(obj, (), "")
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Pattern(canonical, tuple(Branch(tuple(b)) for b in branches))
