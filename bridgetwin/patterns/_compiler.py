"""Validate an event pattern the way EventBridge does and compile it into branches of matchers.

Each operator has its own small validator; errors carry AWS's reason and the JSON path inside the
pattern (``detail.amount[0].numeric``). Decisions where AWS publishes nothing (the fact sheet's
UNCONFIRMED items) are listed in :mod:`bridgetwin.patterns`.
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Mapping
from typing import Any

from bridgetwin.patterns._errors import PatternError
from bridgetwin.patterns._matchers import (
    AnyMatcher,
    AnythingBut,
    Cidr,
    EqualsIgnoreCase,
    Exact,
    Exists,
    Matcher,
    Numeric,
    Prefix,
    Suffix,
    Wildcard,
    is_number,
)
from bridgetwin.patterns._pattern import Branch, Condition, Pattern
from bridgetwin.patterns._wildcard import (
    DEFAULT_WILDCARD_COMPLEXITY_LIMIT,
    parse_wildcard,
    wildcard_complexity,
    wildcard_segments,
)

DEFAULT_MAX_PATTERN_SIZE = 2048
"""Characters per pattern: the default "event pattern size" quota (L-664C5505, adjustable)."""

NUMERIC_LIMIT = 5.0e9
"""Numeric matching covers -5.0e9 to 5.0e9 in AWS's documentation (eventbridge-facts §0), so by
default an operand beyond it is refused. event-ruler, the engine behind EventBridge, accepts the
whole float64 range since 2024, so AWS may too (UNCONFIRMED): ``numeric_limit=None`` matches like
it, and the template loader does so rather than refuse a deployed rule."""

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
_LOWER_OPS = {">": False, ">=": True}
_UPPER_OPS = {"<": False, "<=": True}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _dotted(parts: tuple[str, ...]) -> str:
    return ".".join(parts)


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


def _text_of(source: str | Mapping[str, Any]) -> tuple[str, Any]:
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
                return EqualsIgnoreCase(_string(operand, "equals-ignore-case", here))
            case "anything-but":
                return self._anything_but(operand, here)
            case "numeric":
                return _numeric(operand, here, self._numeric_limit)
            case "cidr":
                return _cidr(operand, here)
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
            text = _string(operand["equals-ignore-case"], name, _join(path, "equals-ignore-case"))
            return kind(text, ignore_case=True)
        return kind(_string(operand, name, path))

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
            text = _string(item, str(operator), at)
            if operator in ("prefix", "suffix") and text == "":
                raise PatternError(f"Null {operator} not allowed", at)
            factory = factories[operator]
            matchers.append(self._wildcard(text, at) if factory is None else factory(text))
        return tuple(dict.fromkeys(matchers))

    def _wildcard(self, operand: Any, path: str) -> Wildcard:
        text = _string(operand, "wildcard", path)
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


def _string(operand: Any, name: str, path: str) -> str:
    if not isinstance(operand, str):
        raise PatternError(f"{name} match pattern must be a string", path)
    return operand


def _numeric(operand: Any, path: str, limit: float | None) -> Numeric:
    if not isinstance(operand, list):
        raise PatternError("Value of numeric must be an array.", path)
    if not operand:
        raise PatternError("Empty arrays are not allowed", path)
    if len(operand) > 4:
        raise PatternError("Too many elements in numeric expression (at most 4)", path)
    if len(operand) % 2:
        raise PatternError("Numeric expression must be pairs of operator and value", path)
    bounds: dict[str, Any] = {}
    for i in range(0, len(operand), 2):
        op, value = operand[i], operand[i + 1]
        if op not in ("=", "<", "<=", ">", ">="):
            raise PatternError(
                f"Unrecognized numeric range operator: {op}. Allowed: =, <, <=, >, >=",
                f"{path}[{i}]",
            )
        if not is_number(value) or not math.isfinite(value):
            raise PatternError(f"Value of {op} must be numeric", f"{path}[{i + 1}]")
        if limit is not None and abs(value) > limit:
            raise PatternError(
                f"Value of {op} is {value:g}, outside the range AWS documents for numeric "
                f"matching (-{limit:g} to {limit:g})",
                f"{path}[{i + 1}]",
            )
        if op == "=":
            if len(operand) != 2:
                raise PatternError("= cannot be combined with a range", f"{path}[{i}]")
            return Numeric(value, True, value, True)
        if op in _LOWER_OPS:
            if "lower" in bounds or "upper" in bounds:
                raise PatternError(
                    "Bad numeric range: a lower bound (> or >=) must come first", f"{path}[{i}]"
                )
            bounds["lower"], bounds["lower_inclusive"] = value, _LOWER_OPS[op]
        else:
            if "upper" in bounds:
                raise PatternError(
                    "Bad numeric range: only one upper bound allowed", f"{path}[{i}]"
                )
            bounds["upper"], bounds["upper_inclusive"] = value, _UPPER_OPS[op]
    if "lower" in bounds and "upper" in bounds and not bounds["lower"] < bounds["upper"]:
        raise PatternError("Bottom must be less than top", path)
    return Numeric(**bounds)


def _cidr(operand: Any, path: str) -> Cidr:
    if not isinstance(operand, str):
        raise PatternError("cidr match pattern must be a string", path)
    if operand.count("/") != 1:
        raise PatternError(f"Malformed CIDR, one '/' required: {operand}", path)
    address, bits = operand.split("/")
    if not (bits.isascii() and bits.isdigit()):
        raise PatternError(f"Malformed CIDR, mask bits must be an integer: {operand}", path)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        raise PatternError(f"Nonstandard IP address: {address}", path) from None
    if int(bits) > ip.max_prefixlen:
        raise PatternError(
            f"Malformed CIDR, mask bits must be between 0 and {ip.max_prefixlen}: {operand}", path
        )
    return Cidr(ipaddress.ip_network(f"{address}/{int(bits)}", strict=False))


def compile_pattern_text(
    source: str | Mapping[str, Any],
    *,
    max_size: int | None,
    wildcard_complexity_limit: int = DEFAULT_WILDCARD_COMPLEXITY_LIMIT,
    numeric_limit: float | None = NUMERIC_LIMIT,
) -> Pattern:
    """Validate and compile; the body behind ``compile_pattern`` and ``check_pattern``."""
    text, obj = _text_of(source)
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
