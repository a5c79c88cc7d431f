"""The operands of EventBridge's pattern operators that need more than a type check: numeric
ranges (pairs of operator and value, lower bound first, within the documented range) and CIDR
blocks (IPv4 or IPv6, mask bits in range), with AWS's error wording and the JSON path.
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from bridgetwin.patterns._errors import PatternError
from bridgetwin.patterns._matchers import Cidr, Numeric, is_number

NUMERIC_LIMIT = 5.0e9
"""Numeric matching covers -5.0e9 to 5.0e9 in AWS's documentation (eventbridge-facts §0), so by
default an operand beyond it is refused. event-ruler, the engine behind EventBridge, accepts the
whole float64 range since 2024, so AWS may too (UNCONFIRMED): ``numeric_limit=None`` matches like
it, and the template loader does so rather than refuse a deployed rule."""

_LOWER_OPS = {">": False, ">=": True}
_UPPER_OPS = {"<": False, "<=": True}


def string_operand(operand: Any, name: str, path: str) -> str:
    if not isinstance(operand, str):
        raise PatternError(f"{name} match pattern must be a string", path)
    return operand


def numeric_operand(operand: Any, path: str, limit: float | None) -> Numeric:
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


def cidr_operand(operand: Any, path: str) -> Cidr:
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
